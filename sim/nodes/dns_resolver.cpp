// MX resolution over simulated DNS.
#include "sim/nodes/dns_resolver.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::nodes {

using dns::Rcode;
using dns::RecordType;

DnsResolver::DnsResolver(World& world, engine::HostId host, engine::HostId server)
    : world_(world), host_(host), server_(server) {
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

void DnsResolver::finish(MxAnswer ans, const std::string& domain,
                         std::function<void(MxAnswer)>& done) {
  if (ans.summary.empty()) {
    switch (ans.status) {
      case MxAnswer::Status::Ok: {
        std::string list;
        for (const auto& t : ans.targets) {
          list += fmt::format("{}{} {} [{}]", list.empty() ? "" : ", ", t.preference, t.host,
                              t.address.empty() ? "no address" : t.address);
        }
        ans.summary =
            fmt::format("{}{}: {}", domain, ans.implicit ? " (no MX: implicit MX)" : " MX", list);
        break;
      }
      case MxAnswer::Status::NoSuchDomain:
        ans.summary = fmt::format("{}: no such domain", domain);
        break;
      case MxAnswer::Status::NullMx:
        ans.summary = fmt::format("{}: null MX (accepts no mail)", domain);
        break;
      case MxAnswer::Status::TemporaryFailure:
        ans.summary = fmt::format("{}: lookup failed for now", domain);
        break;
    }
  }
  world_.net.trace(trace::Event{.kind = trace::EventKind::DnsLookup,
                                .host = world_.net.name(host_),
                                .peer = world_.net.name(server_),
                                .proto = "DNS",
                                .text = ans.summary});
  done(std::move(ans));
}

void DnsResolver::resolve_mx(const std::string& domain, std::function<void(MxAnswer)> done) {
  if (dns::check_name(domain)) {  // not a name DNS can carry (an address literal, say)
    MxAnswer bad;
    bad.status = MxAnswer::Status::NoSuchDomain;
    finish(std::move(bad), domain, done);
    return;
  }
  query(domain, RecordType::MX, [this, domain, done](std::optional<dns::Message> r) mutable {
    MxAnswer ans;
    if (!r || r->flags.rcode == Rcode::ServFail || r->flags.rcode == Rcode::Refused) {
      ans.status = MxAnswer::Status::TemporaryFailure;
      finish(std::move(ans), domain, done);
      return;
    }
    if (r->flags.rcode == Rcode::NXDomain) {
      ans.status = MxAnswer::Status::NoSuchDomain;
      finish(std::move(ans), domain, done);
      return;
    }
    std::vector<MxTarget> targets;
    for (const auto& rr : r->answers) {
      if (const auto* mx = std::get_if<dns::MxData>(&rr.data)) {
        targets.push_back(MxTarget{mx->preference, mx->exchange, ""});
      }
    }
    if (targets.size() == 1 && targets[0].host.empty()) {  // "0 ." RFC 7505
      ans.status = MxAnswer::Status::NullMx;
      finish(std::move(ans), domain, done);
      return;
    }
    targets.erase(std::remove_if(targets.begin(), targets.end(),
                                 [](const MxTarget& t) { return t.host.empty(); }),
                  targets.end());
    if (targets.empty()) {
      // RFC 5321 §5.1: no MX records -> the domain itself is the only "implicit MX".
      query(domain, RecordType::A, [this, domain, done](std::optional<dns::Message> a) mutable {
        MxAnswer ans2;
        ans2.implicit = true;
        if (!a || a->flags.rcode == Rcode::ServFail || a->flags.rcode == Rcode::Refused) {
          ans2.status = MxAnswer::Status::TemporaryFailure;
        } else {
          for (const auto& rr : a->answers)
            if (const auto* ad = std::get_if<dns::AData>(&rr.data))
              ans2.targets.push_back(MxTarget{0, domain, ad->address});
          if (ans2.targets.empty()) ans2.status = MxAnswer::Status::NoSuchDomain;
        }
        finish(std::move(ans2), domain, done);
      });
      return;
    }
    // Preference order, lowest first; equal preferences in random order (RFC 5321 §5.1).
    std::stable_sort(targets.begin(), targets.end(), [](const MxTarget& a, const MxTarget& b) {
      return a.preference < b.preference;
    });
    for (std::size_t i = 0; i < targets.size();) {
      std::size_t j = i;
      while (j < targets.size() && targets[j].preference == targets[i].preference) ++j;
      std::vector<MxTarget> group(targets.begin() + i, targets.begin() + j);
      world_.rng.shuffle(group);
      std::copy(group.begin(), group.end(), targets.begin() + i);
      i = j;
    }
    // Addresses from the additional section when the server sent them.
    for (auto& t : targets) {
      for (const auto& rr : r->additional) {
        const auto* ad = std::get_if<dns::AData>(&rr.data);
        if (ad && dns::names_equal(rr.name, t.host)) {
          t.address = ad->address;
          break;
        }
      }
    }
    auto shared = std::make_shared<MxAnswer>();
    shared->targets = std::move(targets);
    fill_addresses(shared, 0, [this, domain, done](MxAnswer a) mutable {
      finish(std::move(a), domain, done);
    });
  });
}

void DnsResolver::lookup(const std::string& name, RecordType type,
                         std::function<void(std::optional<dns::Message>)> done) {
  if (dns::check_name(name)) {
    // Not a name DNS can carry: what a server would say about it, without asking one.
    dns::Message m;
    m.flags.qr = true;
    m.flags.rcode = Rcode::NXDomain;
    world_.queue.schedule_in(0, [done = std::move(done), m] { done(m); });
    return;
  }
  query(name, type, std::move(done));
}

void DnsResolver::fill_addresses(std::shared_ptr<MxAnswer> ans, std::size_t i,
                                 std::function<void(MxAnswer)> done) {
  while (i < ans->targets.size() && !ans->targets[i].address.empty()) ++i;
  if (i >= ans->targets.size()) {
    done(*ans);
    return;
  }
  query(ans->targets[i].host, RecordType::A, [this, ans, i, done](std::optional<dns::Message> a) {
    if (a) {
      for (const auto& rr : a->answers) {
        if (const auto* ad = std::get_if<dns::AData>(&rr.data)) {
          ans->targets[i].address = ad->address;
          break;
        }
      }
    }
    fill_addresses(ans, i + 1, done);
  });
}

}  // namespace smtpsim::nodes
