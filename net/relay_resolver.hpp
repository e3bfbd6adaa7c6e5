// The resolver every MTA has in live relay: the scenario's own DNS first, so its domains stay
// simulated; a domain it has never heard of (NXDOMAIN to the MX question) goes to the real
// world — real DNS (net/cares_resolver.hpp), or the smarthost as the one MX (RFC 5321 §5.1
// leaves "relay everything to one host" to configuration; Postfix calls it relayhost). A
// simulated domain that lost its records (no MX and no A) stays inside. The SPF checker's
// lookups follow the same rule (NXDOMAIN from the scenario: ask real DNS when there is one).
// Trusts both resolvers to answer every question once, asynchronously.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/nodes/resolver.hpp"
#include "sim/nodes/world.hpp"

namespace smtpsim::net {

class RelayResolver final : public nodes::Resolver {
 public:
  // `simulated` may be null (a scenario without DNS); `real` may be null (--relay alone);
  // a non-empty `smarthost_address` sends every outside domain there.
  RelayResolver(std::unique_ptr<nodes::Resolver> simulated, std::unique_ptr<nodes::Resolver> real,
                nodes::World& world, engine::HostId host, std::string smarthost_name,
                std::string smarthost_address);

  void resolve_mx(const std::string& domain, std::function<void(nodes::MxAnswer)> done) override;
  void lookup(const std::string& name, dns::RecordType type,
              std::function<void(std::optional<dns::Message>)> done) override;

 private:
  void outside_mx(const std::string& domain, std::function<void(nodes::MxAnswer)> done);
  void outside_lookup(const std::string& name, dns::RecordType type,
                      std::function<void(std::optional<dns::Message>)> done);

  std::unique_ptr<nodes::Resolver> simulated_, real_;
  nodes::World& world_;
  engine::HostId host_;
  std::string smarthost_name_, smarthost_address_;
};

}  // namespace smtpsim::net
