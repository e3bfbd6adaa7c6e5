// RFC 5321 §5.1's MX steps, shared by the simulated and the real (c-ares) resolvers.
#include "sim/nodes/mx_resolution.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::nodes {

using dns::Rcode;
using dns::RecordType;

void MxResolution::finish(MxAnswer ans, const std::string& domain,
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
                                .peer = server_name(),
                                .proto = "DNS",
                                .text = ans.summary});
  done(std::move(ans));
}

void MxResolution::resolve_mx(const std::string& domain, std::function<void(MxAnswer)> done) {
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

void MxResolution::lookup(const std::string& name, RecordType type,
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

void MxResolution::fill_addresses(std::shared_ptr<MxAnswer> ans, std::size_t i,
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
