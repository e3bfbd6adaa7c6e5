// Test support: random mail networks and fault schedules, built in code from one seed (the
// property tests of test_conservation.cpp and a few scenarios of test_determinism.cpp).
//
// A world: 1-4 providers "mx.pN.test" (MTA + MDA for pN.test, some also MSA with MUAs),
// backup MX hosts "mxK.pN.test" (MTA only, pN.test as a relay domain), one DNS host, and a
// DNS variant per domain: plain MX (sometimes with backups, sometimes equal preferences),
// implicit MX (A record only), null MX, or no records at all. MUAs send random messages to
// random recipients (users, unknown users, NXDOMAIN domains, several recipients, Cc, Bcc)
// while a random fault schedule runs (host down/up, port 25 down/up, uplink cut/restored, DNS
// records removed and restored, the DNS server answering SERVFAIL for a while, mailboxes
// full). Short queue settings keep a run to a few simulated hours.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/event_queue.hpp"
#include "sim/engine/sim_time.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::testing {

enum class DomainDns { Mx, Implicit, NullMx, Missing };

struct RandomWorld {
  scenario::Spec spec;
  std::vector<std::string> mua_hosts;   // names of the MUA hosts
  std::vector<std::string> mta_hosts;   // every host with an MTA
  std::vector<DomainDns> domain_dns;    // per provider
  std::vector<int> users_per_provider;  // users u0..uN-1
};

namespace random_world_detail {
using engine::kHour;
using engine::kMinute;
using engine::kSecond;

inline scenario::Action action(std::int64_t at, std::string kind, std::string host) {
  scenario::Action a;
  a.at_us = at;
  a.kind = std::move(kind);
  a.host = std::move(host);
  return a;
}
}  // namespace random_world_detail

// Everything comes from `seed`, through the simulator's own specified RNG, so a seed means
// the same world on every platform.
inline RandomWorld make_random_world(std::uint64_t seed) {
  using namespace random_world_detail;
  engine::Rng rng(seed * 0x9E3779B97F4A7C15ULL + 12345);
  auto chance = [&](int percent) { return static_cast<int>(rng.below(100)) < percent; };
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.below(n)); };
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
  };

  RandomWorld w;
  scenario::Spec& s = w.spec;
  s.name = fmt::format("random-world-{}", seed);
  s.seed = seed;
  s.run_for_us = 12 * kHour;
  s.queue.queue_run_delay = 60;
  s.queue.minimal_backoff = 120;
  s.queue.maximal_backoff = 1200;
  s.queue.maximal_queue_lifetime = 2 * 3600;
  s.queue.bounce_queue_lifetime = 3600;
  if (chance(30)) s.queue.delay_warning = 1800;

  s.hosts.push_back({.name = "ns.test",
                     .address = "192.0.2.53",
                     .roles = {"DNS"},
                     .latency_us = between(1, 30) * 1000});

  const int providers = static_cast<int>(between(1, 4));
  std::vector<bool> has_msa(static_cast<std::size_t>(providers));
  for (int p = 0; p < providers; ++p) {
    const std::string domain = fmt::format("p{}.test", p);
    const std::string mx = fmt::format("mx.{}", domain);
    const std::string addr = fmt::format("203.0.113.{}", 10 + p);
    scenario::HostSpec h{.name = mx,
                         .address = addr,
                         .roles = {"MTA", "MDA"},
                         .domains = {domain},
                         .latency_us = between(1, 50) * 1000};
    has_msa[static_cast<std::size_t>(p)] = p == 0 || chance(60);
    if (has_msa[static_cast<std::size_t>(p)]) h.roles.push_back("MSA");
    const int users = static_cast<int>(between(1, 3));
    w.users_per_provider.push_back(users);
    for (int u = 0; u < users; ++u) h.users[fmt::format("u{}", u)] = fmt::format("u{}", u);
    if (chance(10)) h.mailbox_quota = 6000;  // a few messages, then "mailbox full" (452)
    s.hosts.push_back(std::move(h));
    w.mta_hosts.push_back(mx);

    const int r = static_cast<int>(rng.below(100));
    const DomainDns kind = r < 65   ? DomainDns::Mx
                           : r < 80 ? DomainDns::Implicit
                           : r < 90 ? DomainDns::NullMx
                                    : DomainDns::Missing;
    w.domain_dns.push_back(kind);
    if (kind == DomainDns::Missing) continue;  // no records at all: NXDOMAIN
    s.dns.push_back({mx, "A", 0, addr});
    switch (kind) {
      case DomainDns::Mx: {
        s.dns.push_back({domain, "MX", 10, mx});
        const int backups = chance(50) ? static_cast<int>(between(1, 2)) : 0;
        for (int b = 0; b < backups; ++b) {
          const std::string bname = fmt::format("mx{}.{}", b + 2, domain);
          const std::string baddr = fmt::format("198.51.100.{}", 10 + p * 4 + b);
          s.hosts.push_back({.name = bname,
                             .address = baddr,
                             .roles = {"MTA"},
                             .domains = {domain},
                             .latency_us = between(1, 50) * 1000});
          w.mta_hosts.push_back(bname);
          // Mostly worse than the primary (sometimes two equal backups); now and then equal
          // to the primary (a misconfiguration: the backup must not relay to its equals).
          const int pref = chance(10) ? 10 : chance(40) ? 20 : static_cast<int>(between(2, 3)) * 10;
          s.dns.push_back({domain, "MX", pref, bname});
          s.dns.push_back({bname, "A", 0, baddr});
        }
        break;
      }
      case DomainDns::Implicit:
        s.dns.push_back({domain, "A", 0, addr});  // RFC 5321 §5.1: no MX, the A stands in
        break;
      case DomainDns::NullMx:
        s.dns.push_back({domain, "MX", 0, "."});  // RFC 7505
        break;
      case DomainDns::Missing:
        break;
    }
  }

  // MUAs: one or two per provider with an MSA.
  int mua_count = 0;
  for (int p = 0; p < providers; ++p) {
    if (!has_msa[static_cast<std::size_t>(p)]) continue;
    const int n = static_cast<int>(between(1, 2));
    for (int k = 0; k < n; ++k) {
      const int user = static_cast<int>(pick(static_cast<std::size_t>(w.users_per_provider[p])));
      const std::string name = fmt::format("mua{}.test", mua_count);
      s.hosts.push_back(
          {.name = name,
           .address = fmt::format("192.0.2.{}", 100 + mua_count),
           .roles = {"MUA"},
           .mua = scenario::MuaSettings{fmt::format("u{}@p{}.test", user, p),
                                        fmt::format("u{}", user), fmt::format("u{}", user),
                                        fmt::format("mx.p{}.test", p), chance(50) ? 587 : 465},
           .latency_us = between(1, 50) * 1000});
      w.mua_hosts.push_back(name);
      ++mua_count;
    }
  }

  auto recipient = [&]() -> std::string {
    const int p = static_cast<int>(pick(static_cast<std::size_t>(providers)));
    const int r = static_cast<int>(rng.below(100));
    if (r < 62) {
      return fmt::format("u{}@p{}.test", pick(static_cast<std::size_t>(w.users_per_provider[p])),
                         p);
    }
    if (r < 80) return fmt::format("nobody{}@p{}.test", pick(3), p);
    if (r < 92) return fmt::format("x@nosuch.p{}.test", p);  // NXDOMAIN (5.1.2)
    return "x@ghost.invalid";                                // under no zone at all: NXDOMAIN too
  };

  // Messages during the first two hours.
  const int sends = static_cast<int>(between(3, 12));
  for (int i = 0; i < sends; ++i) {
    scenario::Action a = action(between(0, 2 * kHour / kSecond) * kSecond, "send",
                                w.mua_hosts[pick(w.mua_hosts.size())]);
    const int n = static_cast<int>(between(1, 3));
    for (int k = 0; k < n; ++k) {
      const int where = static_cast<int>(rng.below(100));
      (where < 60 ? a.to : where < 80 ? a.cc : a.bcc).push_back(recipient());
    }
    a.subject = fmt::format("message {}", i);
    // A lone "." line (dot-stuffing on every hop) and a line that looks like a reply.
    a.body = fmt::format("Hello {}.\n.\n250 not a reply\nBye.\n", i);
    s.script.push_back(std::move(a));
  }

  // Faults during the first three hours; most are undone later, some never.
  std::vector<std::string> servers = w.mta_hosts;
  servers.push_back("ns.test");
  const int faults = static_cast<int>(between(0, 6));
  for (int i = 0; i < faults; ++i) {
    const std::int64_t at = between(0, 3 * kHour / kSecond) * kSecond;
    const std::int64_t undo = at + between(30, 2 * 3600) * kSecond;
    const bool restore = chance(90);
    const int kind = static_cast<int>(rng.below(100));
    if (kind < 30) {  // host down/up
      const std::string h =
          chance(10) ? w.mua_hosts[pick(w.mua_hosts.size())] : servers[pick(servers.size())];
      s.script.push_back(action(at, "host_down", h));
      if (restore) s.script.push_back(action(undo, "host_up", h));
    } else if (kind < 50) {  // port 25 down/up
      const std::string h = w.mta_hosts[pick(w.mta_hosts.size())];
      auto down = action(at, "service_down", h);
      down.port = 25;
      s.script.push_back(down);
      if (restore) {
        auto up = action(undo, "service_up", h);
        up.port = 25;
        s.script.push_back(up);
      }
    } else if (kind < 70) {  // uplink cut/restored
      const std::string h =
          chance(15) ? w.mua_hosts[pick(w.mua_hosts.size())] : servers[pick(servers.size())];
      s.script.push_back(action(at, "link_cut", h));
      if (restore) s.script.push_back(action(undo, "link_restored", h));
    } else if (kind < 77) {  // the DNS server answers SERVFAIL for a while (4.4.3)
      s.script.push_back(action(at, "dns_servfail", "ns.test"));
      if (restore) s.script.push_back(action(undo, "dns_recover", "ns.test"));
    } else if (kind < 87) {  // a DNS record vanishes (and may come back)
      std::vector<scenario::DnsRecord> candidates;
      for (const auto& rec : s.dns) candidates.push_back(rec);
      if (candidates.empty()) continue;
      const scenario::DnsRecord rec = candidates[pick(candidates.size())];
      auto rm = action(at, "dns_remove", "");
      rm.record = rec;
      s.script.push_back(rm);
      if (restore && chance(50)) {
        auto add = action(undo, "dns_add", "");
        add.record = rec;
        s.script.push_back(add);
      }
    } else {  // a mailbox is full for a while
      const int p = static_cast<int>(pick(static_cast<std::size_t>(providers)));
      auto full = action(at, "mailbox_full", fmt::format("mx.p{}.test", p));
      full.mailbox =
          fmt::format("u{}@p{}.test", pick(static_cast<std::size_t>(w.users_per_provider[p])), p);
      full.full = true;
      s.script.push_back(full);
      if (restore) {
        auto empty = full;
        empty.at_us = undo;
        empty.full = false;
        s.script.push_back(empty);
      }
    }
  }
  return w;
}

}  // namespace smtpsim::testing
