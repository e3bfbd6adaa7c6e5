// The simulation's observable state rebuilt from the trace alone: which hosts, links and
// services are down, what each MTA's queue holds, how many messages each mailbox received,
// which connections are open (and inside TLS). The GUI's step back and timeline ask for
// "the state after event n"; lessons and tests ask the same question. Folding is pure: the
// same events give the same view. Snapshots every `stride` events keep random access cheap.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "sim/trace/event.hpp"

namespace smtpsim::trace {

struct ConnectionView {
  std::string client, server;
  std::uint16_t port = 0;
  bool tls = false;
  std::string last_line;
};

struct WorldView {
  std::uint64_t applied = 0;  // events folded in
  std::int64_t time = 0;
  std::set<std::string> hosts_down, links_cut;
  std::set<std::pair<std::string, std::uint16_t>> services_down;
  // host -> queue id -> recipients still pending
  std::map<std::string, std::map<std::string, std::set<std::string>>> queues;
  // host -> recipient address -> messages delivered
  std::map<std::string, std::map<std::string, int>> delivered;
  std::map<std::uint64_t, ConnectionView> connections;
  // MDA host -> user -> INBOX UID -> flags (what the store holds, as IMAP would show it)
  std::map<std::string, std::map<std::string, std::map<std::uint32_t, std::uint32_t>>> inboxes;
  // reader device (MUA host) -> messages it holds locally (POP3 downloads, IMAP cache)
  std::map<std::string, int> device_messages;
  int bounces = 0, dsns = 0, deferrals = 0;

  void apply(const Event& e);
  std::size_t queued_messages(const std::string& host) const;
  std::size_t unread(const std::string& host, const std::string& user) const;
};

// View after the first n events.
WorldView fold(std::span<const Event> events, std::size_t n);

class ViewIndex {
 public:
  explicit ViewIndex(std::size_t stride = 4096) : stride_(stride) {}
  // events must only grow between calls (the recorder appends).
  WorldView at(std::span<const Event> events, std::size_t n);

 private:
  std::size_t stride_;
  std::vector<WorldView> snapshots_;  // snapshots_[k] = view after k * stride events
};

}  // namespace smtpsim::trace
