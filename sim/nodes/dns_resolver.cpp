// MX resolution over simulated DNS.
#include "sim/nodes/dns_resolver.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::nodes {

using dns::Rcode;
using dns::RecordType;

DnsResolver::DnsResolver(World& world, engine::HostId host, engine::HostId server)
    : MxResolution(world, host), server_(server) {
  world_.net.bind_datagram(host_, kPort, this);
}

void DnsResolver::query(const std::string& name, RecordType type, Reply done) {
  const Key key{dns::canonical_name(name), static_cast<std::uint16_t>(type)};
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (it->second.expires > world_.now()) {
      world_.net.trace(trace::Event{
          .kind = trace::EventKind::DnsLookup,
          .host = world_.net.name(host_),
          .proto = "DNS",
          .text = fmt::format(
              "{} {} answered from the cache (TTL: {} s left)", name, dns::type_name(type),
              (it->second.expires - world_.now() + engine::kSecond - 1) / engine::kSecond)});
      // Asynchronous like a real answer, so callers never see a reply inside their call.
      world_.queue.schedule_in(0, [done = std::move(done), m = it->second.answer] { done(m); });
      return;
    }
    cache_.erase(it);
  }
  auto [flight, first] = in_flight_.try_emplace(key);
  flight->second.push_back(std::move(done));
  if (!first) return;  // the same question is already on its way: share its answer
  send_query(name, type, [this, key](std::optional<dns::Message> r) {
    if (r && (r->flags.rcode == Rcode::NoError || r->flags.rcode == Rcode::NXDomain)) {
      // Positive answers live as long as their shortest TTL; NXDOMAIN and NODATA as long as
      // the SOA in the authority section says (RFC 2308 §5); nothing else is cached.
      std::uint32_t ttl = 0;
      bool any = false;
      for (const auto* section : {&r->answers, &r->authority}) {
        for (const auto& rr : *section) {
          ttl = any ? std::min(ttl, rr.ttl) : rr.ttl;
          any = true;
        }
        if (any) break;
      }
      if (any && ttl > 0) cache_[key] = Cached{world_.now() + ttl * engine::kSecond, *r};
    }
    auto waiters = std::move(in_flight_[key]);
    in_flight_.erase(key);
    for (auto& w : waiters) w(r);
  });
}

void DnsResolver::send_query(const std::string& name, RecordType type, Reply done, int tries) {
  // Ids come from the run's RNG (RFC 5452 wants them unpredictable; ours are reproducible).
  std::uint16_t id = static_cast<std::uint16_t>(world_.rng.below(65536));
  while (pending_.count(id)) id = static_cast<std::uint16_t>(id + 1);
  const dns::Message q = dns::make_query(id, name, type);
  world_.net.trace(trace::Event{.kind = trace::EventKind::Datagram,
                                .host = world_.net.name(host_),
                                .peer = world_.net.name(server_),
                                .port = 53,
                                .proto = "DNS",
                                .outbound = true,
                                .text = dns::describe(q)});
  pending_[id] = std::move(done);
  world_.net.send_datagram(host_, kPort, server_, 53, dns::encode(q));
  world_.queue.schedule_in(timeout, [this, id, name, type, tries] {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Reply cb = std::move(it->second);
    pending_.erase(it);
    world_.net.trace(trace::Event{
        .kind = trace::EventKind::DnsLookup,
        .host = world_.net.name(host_),
        .peer = world_.net.name(server_),
        .proto = "DNS",
        .text = fmt::format("no answer for {} {} (timeout)", name, dns::type_name(type))});
    if (tries > 1) {
      send_query(name, type, std::move(cb), tries - 1);
    } else {
      cb(std::nullopt);
    }
  });
}

void DnsResolver::on_datagram(engine::HostId from, std::uint16_t, std::string bytes) {
  if (from != server_) return;  // only our server's answers count (RFC 5452 §9.1)
  auto decoded = dns::decode(bytes);
  auto* m = std::get_if<dns::Message>(&decoded);
  if (!m || !m->flags.qr) return;
  auto it = pending_.find(m->id);
  if (it == pending_.end()) return;
  Reply cb = std::move(it->second);
  pending_.erase(it);
  cb(std::move(*m));
}

}  // namespace smtpsim::nodes
