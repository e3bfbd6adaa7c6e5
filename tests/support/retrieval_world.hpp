// Test support: random reading worlds, built in code from one seed (the property test of
// tests/unit/test_retrieval_conservation.cpp).
//
// A world: one provider "mail.example.com" (MSA + MTA + MDA for example.com, users u0..uK
// and a sender), a DNS host, a sender MUA, and per user 1-3 reading devices, each with a
// random protocol and port (POP3 110/995, IMAP 143/993) and, for POP3, leave-on-server or
// download-and-delete. The script: a few sends to random users with unique subjects
// ("msg-N ..."), fetch/read/delete on random devices (by position or subject part, sometimes
// naming a message that is not there), and faults (MDA host down/up, a device host down/up
// shortly after one of its fetches so its session is cut mid-way, a retrieval port down/up,
// a link cut/restored). Most runs end with a "heal" (everything back up) and a last fetch on
// every device, so IMAP devices are connected and idle when the run stops.
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

struct ReadingDevice {
  std::string host, user;
  bool pop3 = false;
  bool keep = true;  // POP3: leave on server
  int port = 143;
};

struct ReadingWorld {
  scenario::Spec spec;
  std::vector<ReadingDevice> devices;
  std::vector<std::string> users;  // u0..uK (the readers; the sender is not one)
  int sends = 0;
  bool healed = false;
};

inline constexpr const char* kReadingMda = "mail.example.com";

inline ReadingWorld make_reading_world(std::uint64_t seed) {
  using engine::kMillisecond;
  using engine::kMinute;
  using engine::kSecond;
  engine::Rng rng(seed * 0x9E3779B97F4A7C15ULL + 4242);
  auto chance = [&](int percent) { return static_cast<int>(rng.below(100)) < percent; };
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.below(n)); };
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
  };
  auto action = [](std::int64_t at, std::string kind, std::string host) {
    scenario::Action a;
    a.at_us = at;
    a.kind = std::move(kind);
    a.host = std::move(host);
    return a;
  };

  ReadingWorld w;
  scenario::Spec& s = w.spec;
  s.name = fmt::format("reading-world-{}", seed);
  s.seed = seed;
  s.queue.queue_run_delay = 60;
  s.queue.minimal_backoff = 60;
  s.queue.maximal_backoff = 300;

  scenario::HostSpec mda{.name = kReadingMda,
                         .address = "203.0.113.25",
                         .roles = {"MSA", "MTA", "MDA"},
                         .domains = {"example.com"},
                         .users = {{"sender", "sender"}},
                         .latency_us = between(1, 40) * kMillisecond};
  const int users = static_cast<int>(between(1, 3));
  for (int u = 0; u < users; ++u) {
    w.users.push_back(fmt::format("u{}", u));
    mda.users[w.users.back()] = fmt::format("pw{}", u);
  }
  s.hosts.push_back(std::move(mda));
  s.hosts.push_back({.name = "ns.example", .address = "192.0.2.53", .roles = {"DNS"}});
  s.hosts.push_back(
      {.name = "sender",
       .address = "192.0.2.9",
       .roles = {"MUA"},
       .mua = scenario::MuaSettings{"sender@example.com", "sender", "sender", kReadingMda, 587}});
  s.dns = {{"example.com", "MX", 10, kReadingMda}, {kReadingMda, "A", 0, "203.0.113.25"}};

  for (int u = 0; u < users; ++u) {
    const int n = static_cast<int>(between(1, 3));
    for (int d = 0; d < n; ++d) {
      ReadingDevice dev;
      dev.host = fmt::format("u{}-d{}", u, d);
      dev.user = w.users[static_cast<std::size_t>(u)];
      dev.pop3 = chance(50);
      dev.keep = !dev.pop3 || chance(50);
      dev.port = dev.pop3 ? (chance(50) ? 110 : 995) : (chance(50) ? 143 : 993);
      scenario::MuaSettings m{dev.user + "@example.com", dev.user, fmt::format("pw{}", u),
                              kReadingMda, 587};
      m.retrieve_from = kReadingMda;
      m.protocol = dev.pop3 ? "pop3" : "imap";
      m.retrieve_port = dev.port;
      m.keep_on_server = dev.keep;
      s.hosts.push_back({.name = dev.host,
                         .address = fmt::format("192.0.2.{}", 10 + w.devices.size()),
                         .roles = {"MUA"},
                         .mua = m,
                         .latency_us = between(1, 40) * kMillisecond});
      w.devices.push_back(std::move(dev));
    }
  }

  // The random phase lasts `span`; the run stops two minutes after it.
  const std::int64_t span = between(60, 110) * kMinute;
  auto at = [&](std::int64_t lo, std::int64_t hi) {
    return between(lo / kMillisecond, hi / kMillisecond) * kMillisecond;
  };
  w.sends = static_cast<int>(between(1, 7));
  for (int i = 0; i < w.sends; ++i) {
    scenario::Action a = action(at(0, span - 5 * kMinute), "send", "sender");
    a.to.push_back(fmt::format("{}@example.com", w.users[pick(w.users.size())]));
    if (chance(15)) a.to.push_back(fmt::format("{}@example.com", w.users[pick(w.users.size())]));
    a.subject = fmt::format("msg-{} of seed {}", i, seed);
    a.body = fmt::format("Hello {}.\n.\nBye.\n", i);
    s.script.push_back(std::move(a));
  }

  std::vector<std::int64_t> fetch_times;
  const int acts = static_cast<int>(between(4, 18));
  for (int i = 0; i < acts; ++i) {
    const ReadingDevice& dev = w.devices[pick(w.devices.size())];
    const int r = static_cast<int>(rng.below(100));
    scenario::Action a = action(at(0, span),
                                r < 45   ? "fetch"
                                : r < 72 ? "read"
                                         : "delete",
                                dev.host);
    if (a.kind == "fetch") {
      fetch_times.push_back(a.at_us);
    } else if (chance(50)) {
      a.index = static_cast<int>(between(1, 4));
    } else {
      a.subject_match = fmt::format("msg-{} ", pick(static_cast<std::size_t>(w.sends) + 2));
    }
    s.script.push_back(std::move(a));
  }

  // Bursts: mail for one user arrives while that user's devices are busy reading, deleting
  // and fetching (IDLE left and re-entered around new mail and other devices' changes).
  const int bursts = chance(60) ? static_cast<int>(between(1, 3)) : 0;
  for (int b = 0; b < bursts; ++b) {
    const std::int64_t t = at(5 * kMinute, span - 5 * kMinute);
    const std::string user = w.users[pick(w.users.size())];
    std::vector<std::string> mine;
    for (const auto& d : w.devices)
      if (d.user == user) mine.push_back(d.host);
    scenario::Action send = action(t, "send", "sender");
    send.to.push_back(user + "@example.com");
    send.subject = fmt::format("msg-{} of seed {}", w.sends, seed);
    send.body = "Burst.\n";
    s.script.push_back(std::move(send));
    ++w.sends;
    const int n = static_cast<int>(between(2, 5));
    for (int k = 0; k < n; ++k) {
      const std::int64_t when = t + between(-2000, 3000) * kMillisecond;
      const int r = static_cast<int>(rng.below(100));
      scenario::Action a = action(when,
                                  r < 30   ? "fetch"
                                  : r < 70 ? "read"
                                           : "delete",
                                  mine[pick(mine.size())]);
      if (a.kind == "fetch") {
        fetch_times.push_back(a.at_us);
      } else {
        a.index = static_cast<int>(between(1, 3));
      }
      s.script.push_back(std::move(a));
    }
  }

  // Just after one of the fetches (the base is drawn first: operand order is unspecified).
  auto after_fetch = [&] {
    const std::int64_t base = fetch_times[pick(fetch_times.size())];
    return base + between(0, 1500) * kMillisecond;
  };
  const int faults = static_cast<int>(between(0, 4));
  const int ports[] = {110, 995, 143, 993};
  for (int i = 0; i < faults; ++i) {
    std::int64_t t = at(0, span);
    const std::int64_t undo = t + between(5, 1200) * kSecond;
    const bool restore = chance(85);
    const int kind = static_cast<int>(rng.below(100));
    std::string down = "host_down", up = "host_up", host = kReadingMda;
    int port = 0;
    if (kind < 25) {
      // the MDA, sometimes just after some device started a fetch
      if (!fetch_times.empty() && chance(60)) t = after_fetch();
    } else if (kind < 55) {
      host = w.devices[pick(w.devices.size())].host;
      if (!fetch_times.empty() && chance(70)) t = after_fetch();
    } else if (kind < 75) {
      down = "service_down";
      up = "service_up";
      port = ports[pick(4)];
    } else {
      down = "link_cut";
      up = "link_restored";
      if (chance(60)) host = w.devices[pick(w.devices.size())].host;
      if (!fetch_times.empty() && chance(50)) t = after_fetch();
    }
    auto a = action(t, down, host);
    a.port = port;
    s.script.push_back(a);
    if (restore) {
      auto b = action(std::max(undo, t + kSecond), up, host);
      b.port = port;
      s.script.push_back(b);
    }
  }

  // Heal: everything up again, then one last fetch on every device.
  w.healed = chance(80);
  if (w.healed) {
    std::vector<std::string> hosts{kReadingMda};
    for (const auto& d : w.devices) hosts.push_back(d.host);
    for (const auto& h : hosts) {
      s.script.push_back(action(span + kSecond, "host_up", h));
      s.script.push_back(action(span + kSecond, "link_restored", h));
    }
    for (int p : ports) {
      auto a = action(span + kSecond, "service_up", kReadingMda);
      a.port = p;
      s.script.push_back(a);
    }
    for (const auto& d : w.devices)
      s.script.push_back(action(span + 30 * kSecond, "fetch", d.host));
  }
  s.run_for_us = span + 2 * kMinute;
  return w;
}

}  // namespace smtpsim::testing
