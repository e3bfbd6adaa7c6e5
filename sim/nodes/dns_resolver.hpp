// The stub resolver every MTA host has (RFC 1035 §7, RFC 5321 §5.1): real DNS queries, as
// wire-format datagrams over the virtual network to the host's DNS server, answers matched
// by id, a 5-second timeout with one retry. It turns answers into the MX target list of
// resolver.hpp. Trusts nothing in the answers: they are decoded by sim/proto/dns.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "sim/nodes/resolver.hpp"
#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/name.hpp"

namespace smtpsim::nodes {

class DnsResolver : public Resolver, public engine::DatagramHandler {
 public:
  DnsResolver(World& world, engine::HostId host, engine::HostId server);
  void resolve_mx(const std::string& domain, std::function<void(MxAnswer)> done) override;
  void lookup(const std::string& name, dns::RecordType type,
              std::function<void(std::optional<dns::Message>)> done) override;
  void on_datagram(engine::HostId from, std::uint16_t from_port, std::string bytes) override;

  static constexpr std::uint16_t kPort = 53053;  // our source port for queries
  engine::SimTime timeout = 5 * engine::kSecond;

 private:
  using Reply = std::function<void(std::optional<dns::Message>)>;  // nullopt: timeout
  // Answers from the cache while their TTL lasts (RFC 1035 §7.4, negative answers per
  // RFC 2308 §5), joins a lookup already in flight for the same question, else asks.
  void query(const std::string& name, dns::RecordType type, Reply done);
  void send_query(const std::string& name, dns::RecordType type, Reply done, int tries = 2);
  void fill_addresses(std::shared_ptr<MxAnswer> ans, std::size_t i,
                      std::function<void(MxAnswer)> done);
  void finish(MxAnswer ans, const std::string& domain, std::function<void(MxAnswer)>& done);

  World& world_;
  engine::HostId host_, server_;
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
