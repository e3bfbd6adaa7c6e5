// The stub resolver every MTA host has (RFC 1035 §7, RFC 5321 §5.1): real DNS queries, as
// wire-format datagrams over the virtual network to the host's DNS server, answers matched
// by id, a 5-second timeout with one retry, and a cache. The MX steps on top of the answers
// are mx_resolution.hpp's. Trusts nothing in the answers: they are decoded by sim/proto/dns.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "sim/nodes/mx_resolution.hpp"
#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/name.hpp"

namespace smtpsim::nodes {

class DnsResolver : public MxResolution, public engine::DatagramHandler {
 public:
  DnsResolver(World& world, engine::HostId host, engine::HostId server);
  void on_datagram(engine::HostId from, std::uint16_t from_port, std::string bytes) override;

  static constexpr std::uint16_t kPort = 53053;  // our source port for queries
  engine::SimTime timeout = 5 * engine::kSecond;

 private:
  // Answers from the cache while their TTL lasts (RFC 1035 §7.4, negative answers per
  // RFC 2308 §5), joins a lookup already in flight for the same question, else asks.
  void query(const std::string& name, dns::RecordType type, Reply done) override;
  std::string server_name() const override { return world_.net.name(server_); }
  void send_query(const std::string& name, dns::RecordType type, Reply done, int tries = 2);

  engine::HostId server_;
  std::map<std::uint16_t, Reply> pending_;
  using Key = std::pair<std::string, std::uint16_t>;  // lower-case name, type
  struct Cached {
    engine::SimTime expires;
    dns::Message answer;
  };
  std::map<Key, Cached> cache_;
  std::map<Key, std::vector<Reply>> in_flight_;
};

}  // namespace smtpsim::nodes
