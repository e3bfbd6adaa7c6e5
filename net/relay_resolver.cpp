// The scenario's DNS first, then the real world.
#include "net/relay_resolver.hpp"

#include <fmt/format.h>

namespace smtpsim::net {

using trace::Event;
using trace::EventKind;

RelayResolver::RelayResolver(std::unique_ptr<nodes::Resolver> simulated,
                             std::unique_ptr<nodes::Resolver> real, nodes::World& world,
                             engine::HostId host, std::string smarthost_name,
                             std::string smarthost_address)
    : simulated_(std::move(simulated)),
      real_(std::move(real)),
      world_(world),
      host_(host),
      smarthost_name_(std::move(smarthost_name)),
      smarthost_address_(std::move(smarthost_address)) {}

void RelayResolver::resolve_mx(const std::string& domain,
                               std::function<void(nodes::MxAnswer)> done) {
  if (!simulated_) {
    outside_mx(domain, std::move(done));
    return;
  }
  simulated_->resolve_mx(domain, [this, domain, done](nodes::MxAnswer a) mutable {
    // Only a name the scenario's DNS has never heard of (NXDOMAIN to the MX question) goes
    // out; a simulated domain that lost its records (no MX, no A: implicit) stays inside.
    if (a.status != nodes::MxAnswer::Status::NoSuchDomain || a.implicit) {
      done(std::move(a));
      return;
    }
    outside_mx(domain, std::move(done));
  });
}

void RelayResolver::lookup(const std::string& name, dns::RecordType type,
                           std::function<void(std::optional<dns::Message>)> done) {
  if (!simulated_) {
    outside_lookup(name, type, std::move(done));
    return;
  }
  simulated_->lookup(name, type, [this, name, type, done](std::optional<dns::Message> m) mutable {
    if (m && m->flags.rcode != dns::Rcode::NXDomain) {
      done(std::move(m));
      return;
    }
    outside_lookup(name, type, std::move(done));
  });
}

void RelayResolver::outside_mx(const std::string& domain,
                               std::function<void(nodes::MxAnswer)> done) {
  if (smarthost_address_.empty()) {
    if (real_) {
      world_.net.trace(
          Event{.kind = EventKind::DnsLookup,
                .host = world_.net.name(host_),
                .proto = "DNS",
                .text = fmt::format("{}: not in the simulation; asking real DNS", domain)});
      real_->resolve_mx(domain, std::move(done));
    } else {
      nodes::MxAnswer a;
      a.status = nodes::MxAnswer::Status::NoSuchDomain;
      world_.queue.schedule_in(0, [done, a] { done(a); });
    }
    return;
  }
  nodes::MxAnswer a;
  a.targets.push_back(nodes::MxTarget{0, smarthost_name_, smarthost_address_});
  a.summary = fmt::format(
      "{}: not in the simulation; relayed through the smarthost {}{}", domain, smarthost_name_,
      smarthost_name_ == smarthost_address_ ? "" : fmt::format(" [{}]", smarthost_address_));
  world_.net.trace(Event{.kind = EventKind::DnsLookup,
                         .host = world_.net.name(host_),
                         .proto = "DNS",
                         .text = a.summary});
  world_.queue.schedule_in(0, [done, a] { done(a); });
}

void RelayResolver::outside_lookup(const std::string& name, dns::RecordType type,
                                   std::function<void(std::optional<dns::Message>)> done) {
  if (real_) {
    real_->lookup(name, type, std::move(done));
    return;
  }
  // No real DNS to ask (--relay alone): what the scenario's DNS said stands.
  dns::Message m = dns::make_response(dns::make_query(0, name, type), dns::Rcode::NXDomain);
  world_.queue.schedule_in(0, [done, m] { done(m); });
}

}  // namespace smtpsim::net
