// The web front end's way into the mail store: one short IMAP session per page, as
// Roundcube opens one per HTTP request. LOGIN (which is also how the front end learns
// whether a password is right: it has no user table of its own), SELECT INBOX, one UID
// FETCH or FETCH, LOGOUT; then the result goes to the caller. The IMAP client machine does
// the protocol; the session's lines are traced as IMAP like any other reader's.
// Trusts its caller for the credentials; the store's answers go through the machine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/nodes/world.hpp"

namespace smtpsim::nodes {

struct InboxEntry {
  std::uint32_t seq = 0, uid = 0;
  std::string from, subject;
  bool seen = false;
};

struct ImapResult {
  bool ok = false;             // logged in and the FETCH completed
  bool login_refused = false;  // the store said no to the credentials
  bool fetch_refused = false;  // logged in, but the FETCH got NO or BAD (no such message)
  std::string error;
  std::vector<InboxEntry> inbox;       // List: every message of INBOX, oldest first
  std::optional<std::string> message;  // Open: the whole message (the server sets \Seen)
};

class ImapQuery {
 public:
  enum class Kind { List, Open };
  // Open: `seq` is the message's position in INBOX (1 = the oldest).
  ImapQuery(World& world, engine::HostId self, engine::HostId store, std::uint16_t port,
            std::string user, std::string password, Kind kind, std::uint32_t seq,
            std::function<void(ImapResult)> done);
  ~ImapQuery();
  void start();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smtpsim::nodes
