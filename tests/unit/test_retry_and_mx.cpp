// The MTA's queue and its use of DNS, end to end on the virtual network:
//   Retry*  the retry schedule is the configured backoff (each Deferred's next_retry is
//           now + clamp(age, minimal_backoff, maximal_backoff) and the next round starts
//           then), the lifetime bounce comes with the first round past
//           maximal_queue_lifetime (4.4.7 with Action: failed, RFC 3463 §3.5), a delay warning DSN
//           when configured, and a DNS server that is down defers (4.4.3) until it is back.
//   Mx*     MX order (lowest preference first, whatever the order in the zone; the next MX
//           in the same round after a refused connection), equal preferences shuffled
//           by the run's seed, null MX (5.1.10 at once), implicit MX (the domain's A
//           record), NXDOMAIN (5.1.2 at once), and a backup MX that keeps the mail while
//           the primary is down.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sim/proto/mail/dsn.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kDay;
using engine::kHour;
using engine::kMinute;
using engine::kSecond;
using trace::Event;
using trace::EventKind;

constexpr const char* kSenderHost = "mail.example.com";

scenario::Action fault(std::int64_t at, std::string kind, std::string host, int port = 0) {
  scenario::Action a;
  a.at_us = at;
  a.kind = std::move(kind);
  a.host = std::move(host);
  a.port = port;
  return a;
}

std::vector<Event> of_kind(const trace::Recorder& r, EventKind k, const std::string& host = "") {
  std::vector<Event> out;
  for (const auto& e : r.events())
    if (e.kind == k && (host.empty() || e.host == host)) out.push_back(e);
  return out;
}

// The one message alice submitted, as queued by her provider.
const Event& first_queued(const trace::Recorder& r) {
  for (const auto& e : r.events())
    if (e.kind == EventKind::Queued && e.host == kSenderHost) return e;
  throw std::runtime_error("nothing was queued");
}

// The DSNs in alice's INBOX.
std::vector<mail::ParsedDsn> dsns_for_alice(scenario::Simulation& sim) {
  std::vector<mail::ParsedDsn> out;
  const auto* box = sim.mda(kSenderHost)->store().mailbox("alice");
  for (const auto& m : box->folders.at("INBOX").messages)
    if (auto d = mail::parse_dsn(m.content)) out.push_back(*d);
  return out;
}

std::string transcript(const trace::Recorder& r) {
  return trace::render_text(r.events());
}

// ---- retry ------------------------------------------------------------------------------

struct Schedule {
  std::int64_t arrival = 0;
  std::vector<Event> deferred;       // of the first message
  std::vector<std::int64_t> rounds;  // times of its delivery rounds
  std::vector<Event> bounced, delay_warned;
};

Schedule schedule_of(const trace::Recorder& r) {
  Schedule s;
  const Event& q = first_queued(r);
  s.arrival = q.time;
  for (const auto& e : r.events()) {
    if (e.host != kSenderHost || e.message_id != q.message_id) continue;
    if (e.kind == EventKind::Deferred) s.deferred.push_back(e);
    if (e.kind == EventKind::Bounced) s.bounced.push_back(e);
    if (e.kind == EventKind::DelayWarned) s.delay_warned.push_back(e);
    if (e.kind == EventKind::Attempt && e.text.starts_with("looking up"))
      s.rounds.push_back(e.time);
  }
  return s;
}

TEST(Retry, ScheduleFollowsTheBackoffUntilTheLifetimeBounce) {
  auto spec = smtpsim::testing::two_providers();
  spec.run_for_us = 6 * kDay;
  spec.queue.delay_warning = 4 * 3600;
  spec.script.push_back(fault(0, "service_down", "mx.example.net", 25));  // refused, forever
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const Schedule s = schedule_of(rec);
  const auto& q = spec.queue;

  ASSERT_GE(s.deferred.size(), 20u) << transcript(rec);
  ASSERT_EQ(s.rounds.size(), s.deferred.size() + 1);  // the last round bounced
  std::vector<std::int64_t> intervals;
  for (std::size_t i = 0; i < s.deferred.size(); ++i) {
    const Event& d = s.deferred[i];
    const std::int64_t age = (d.time - s.arrival) / kSecond;
    const std::int64_t interval = std::clamp(age, q.minimal_backoff, q.maximal_backoff);
    EXPECT_EQ(d.next_retry, d.time + interval * kSecond) << "deferral " << i << " at age " << age;
    EXPECT_EQ(s.rounds[i + 1], d.next_retry) << "round " << i + 1 << " starts on time";
    EXPECT_EQ(d.detail, "4.4.1") << d.text;
    EXPECT_NE(d.text.find("connection refused"), std::string::npos) << d.text;
    intervals.push_back(interval);
  }
  // 300, 300, 600, 1200, 2400, then the ceiling: the age doubles, within the bounds.
  ASSERT_GE(intervals.size(), 6u);
  EXPECT_EQ(intervals[0], 300);
  EXPECT_EQ(intervals[1], 300);
  EXPECT_EQ(intervals[2], 600);
  EXPECT_EQ(intervals[3], 1200);
  EXPECT_EQ(intervals[4], 2400);
  EXPECT_EQ(intervals[5], 4000);
  EXPECT_EQ(intervals.back(), 4000);
  EXPECT_TRUE(std::is_sorted(intervals.begin(), intervals.end()));

  // The lifetime bounce: the first round that ends past the lifetime, and not before.
  const std::int64_t lifetime = q.maximal_queue_lifetime * kSecond;
  ASSERT_EQ(s.bounced.size(), 1u) << transcript(rec);
  EXPECT_EQ(s.bounced[0].detail, "4.4.7");
  EXPECT_GE(s.bounced[0].time - s.arrival, lifetime);
  EXPECT_LT(s.deferred.back().time - s.arrival, lifetime);
  EXPECT_LE(s.bounced[0].time - s.arrival, lifetime + q.maximal_backoff * kSecond + kMinute);

  // One delay warning, at the first round four hours old.
  ASSERT_EQ(s.delay_warned.size(), 1u);
  EXPECT_GE(s.delay_warned[0].time - s.arrival, 4 * kHour);
  std::int64_t previous_round = 0;
  for (const auto& d : s.deferred)
    if (d.time < s.delay_warned[0].time) previous_round = d.time;
  EXPECT_LT(previous_round - s.arrival, 4 * kHour);

  // Both DSNs reached alice: "delayed" with a 4.x.x status and a retry limit, then "failed"
  // with 4.4.7 (RFC 3463: X.4.7 is a persistent transient error) and the last error as the
  // diagnostic.
  const auto dsns = dsns_for_alice(sim);
  ASSERT_EQ(dsns.size(), 2u) << transcript(rec);
  const auto& delayed = dsns[0].recipients.at(0);
  EXPECT_EQ(delayed.action, mail::DsnAction::Delayed);
  EXPECT_EQ(delayed.final_recipient, "carol@example.net");
  EXPECT_EQ(delayed.status, "4.4.1");
  EXPECT_TRUE(delayed.will_retry_until.has_value());
  const auto& failed = dsns[1].recipients.at(0);
  EXPECT_EQ(failed.action, mail::DsnAction::Failed);
  EXPECT_EQ(failed.final_recipient, "carol@example.net");
  EXPECT_EQ(failed.status, "4.4.7");
  ASSERT_TRUE(failed.diagnostic_code.has_value());
  EXPECT_NE(failed.diagnostic_code->find("connection refused"), std::string::npos)
      << *failed.diagnostic_code;
  EXPECT_EQ(sim.total_queued(), 0u);
}

TEST(Retry, CustomBackoffBoundsAndLifetime) {
  auto spec = smtpsim::testing::two_providers();
  spec.queue.minimal_backoff = 60;
  spec.queue.maximal_backoff = 700;
  spec.queue.maximal_queue_lifetime = 3 * 3600;
  spec.run_for_us = 1 * kDay;
  spec.script.push_back(fault(0, "host_down", "mx.example.net"));
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const Schedule s = schedule_of(rec);
  ASSERT_FALSE(s.deferred.empty());
  for (const auto& d : s.deferred) {
    const std::int64_t age = (d.time - s.arrival) / kSecond;
    EXPECT_EQ(d.next_retry - d.time, std::clamp<std::int64_t>(age, 60, 700) * kSecond);
  }
  EXPECT_EQ(s.deferred.front().next_retry - s.deferred.front().time, 60 * kSecond);
  EXPECT_EQ(s.deferred.back().next_retry - s.deferred.back().time, 700 * kSecond);
  ASSERT_EQ(s.bounced.size(), 1u);
  EXPECT_EQ(s.bounced[0].detail, "4.4.7");
  EXPECT_GE(s.bounced[0].time - s.arrival, 3 * kHour);
  EXPECT_LE(s.bounced[0].time - s.arrival, 3 * kHour + 700 * kSecond + kMinute);
  EXPECT_TRUE(of_kind(rec, EventKind::DelayWarned).empty());  // off by default
  const auto dsns = dsns_for_alice(sim);
  ASSERT_EQ(dsns.size(), 1u);
  EXPECT_EQ(dsns[0].recipients.at(0).status, "4.4.7");
}

TEST(Retry, DnsServerDownDefersThenDeliversWhenItIsBack) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(fault(0, "host_down", "ns.example"));
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
  spec.script.push_back(fault(30 * kMinute, "host_up", "ns.example"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const Schedule s = schedule_of(rec);
  ASSERT_GE(s.deferred.size(), 1u) << transcript(rec);
  for (const auto& d : s.deferred) {
    EXPECT_EQ(d.detail, "4.4.3") << d.text;
    EXPECT_LT(d.time, 30 * kMinute);
  }
  const auto delivered = of_kind(rec, EventKind::Delivered, "mx.example.net");
  ASSERT_EQ(delivered.size(), 1u) << transcript(rec);
  EXPECT_EQ(delivered[0].address, "carol@example.net");
  EXPECT_GE(delivered[0].time, 30 * kMinute);
  // Delivered in the first round after the server came back.
  EXPECT_LE(delivered[0].time, s.deferred.back().next_retry + kMinute);
  EXPECT_TRUE(of_kind(rec, EventKind::Bounced).empty());
  EXPECT_EQ(sim.total_queued(), 0u);
}

// ---- MX ---------------------------------------------------------------------------------

// example.net served by two hosts with its own mail store each (carol on both), so it is
// plain which one got a message.
scenario::Spec two_mx(int pref_a, int pref_b) {
  auto spec = smtpsim::testing::two_providers();
  spec.hosts.push_back({.name = "mx2.example.net",
                        .address = "198.51.100.26",
                        .roles = {"MTA", "MDA"},
                        .domains = {"example.net"},
                        .users = {{"carol", "carol"}}});
  spec.dns = {{"example.com", "MX", 10, "mail.example.com"},
              {"mail.example.com", "A", 0, "203.0.113.25"},
              // the worse one first in the zone: order must come from the preference
              {"example.net", "MX", pref_b, "mx2.example.net"},
              {"example.net", "MX", pref_a, "mx.example.net"},
              {"mx.example.net", "A", 0, "198.51.100.25"},
              {"mx2.example.net", "A", 0, "198.51.100.26"}};
  return spec;
}

// "connecting to mx.example.net (MX 10 of example.net)" -> "mx.example.net"
std::vector<std::string> connection_targets(const trace::Recorder& r) {
  std::vector<std::string> out;
  for (const auto& e : of_kind(r, EventKind::Attempt, kSenderHost)) {
    if (!e.text.starts_with("connecting to ")) continue;
    const auto rest = e.text.substr(14);
    out.push_back(rest.substr(0, rest.find(' ')));
  }
  return out;
}

std::size_t inbox_size(scenario::Simulation& sim, const std::string& host) {
  const auto* box = sim.mda(host)->store().mailbox("carol");
  return box ? box->folders.at("INBOX").messages.size() : 0;
}

TEST(Mx, LowestPreferenceFirstWhateverTheZoneOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto spec = two_mx(10, 20);
    spec.seed = seed;
    spec.script.push_back(
        smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
    trace::Recorder rec;
    scenario::Simulation sim(spec, rec);
    sim.run();
    EXPECT_EQ(connection_targets(rec), std::vector<std::string>{"mx.example.net"})
        << "seed " << seed;
    EXPECT_EQ(inbox_size(sim, "mx.example.net"), 1u);
    EXPECT_EQ(inbox_size(sim, "mx2.example.net"), 0u);
  }
}

TEST(Mx, NextMxInTheSameRoundAfterConnectionRefused) {
  auto spec = two_mx(10, 20);
  spec.script.push_back(fault(0, "service_down", "mx.example.net", 25));
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(connection_targets(rec),
            (std::vector<std::string>{"mx.example.net", "mx2.example.net"}))
      << transcript(rec);
  // Refused by the first, then the second, with no deferral in between.
  std::vector<EventKind> seen;
  for (const auto& e : rec.events()) {
    if (e.host != kSenderHost) continue;
    if (e.kind == EventKind::ConnectionRefused || e.kind == EventKind::Relayed ||
        e.kind == EventKind::Deferred) {
      seen.push_back(e.kind);
    }
  }
  EXPECT_EQ(seen, (std::vector<EventKind>{EventKind::ConnectionRefused, EventKind::Relayed}));
  EXPECT_EQ(inbox_size(sim, "mx.example.net"), 0u);
  EXPECT_EQ(inbox_size(sim, "mx2.example.net"), 1u);
}

TEST(Mx, EqualPreferencesAreSpreadOverBothHostsAcrossSeeds) {
  std::map<std::string, int> first;
  constexpr int kSeeds = 200;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    auto spec = two_mx(10, 10);
    spec.seed = static_cast<std::uint64_t>(seed);
    spec.script.push_back(
        smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
    trace::Recorder rec;
    scenario::Simulation sim(spec, rec);
    sim.run();
    const auto targets = connection_targets(rec);
    ASSERT_EQ(targets.size(), 1u) << "seed " << seed;
    ++first[targets[0]];
    EXPECT_EQ(inbox_size(sim, targets[0]), 1u);
  }
  EXPECT_GE(first["mx.example.net"], kSeeds * 3 / 10);
  EXPECT_GE(first["mx2.example.net"], kSeeds * 3 / 10);
  std::printf("[equal MX] first choice over %d seeds: mx %d, mx2 %d\n", kSeeds,
              first["mx.example.net"], first["mx2.example.net"]);
}

TEST(Mx, NullMxBouncesAtOnceWith5_1_10) {
  auto spec = smtpsim::testing::two_providers();
  spec.dns = {{"example.com", "MX", 10, "mail.example.com"},
              {"mail.example.com", "A", 0, "203.0.113.25"},
              {"example.net", "MX", 0, "."},
              {"mx.example.net", "A", 0, "198.51.100.25"}};
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const Schedule s = schedule_of(rec);
  EXPECT_TRUE(s.deferred.empty()) << transcript(rec);
  ASSERT_EQ(s.bounced.size(), 1u) << transcript(rec);
  EXPECT_EQ(s.bounced[0].detail, "5.1.10");
  EXPECT_EQ(s.rounds.size(), 1u);
  EXPECT_LT(s.bounced[0].time - s.arrival, kSecond);
  EXPECT_TRUE(connection_targets(rec).empty());
  const auto dsns = dsns_for_alice(sim);
  ASSERT_EQ(dsns.size(), 1u);
  EXPECT_EQ(dsns[0].recipients.at(0).status, "5.1.10");
  EXPECT_EQ(dsns[0].recipients.at(0).action, mail::DsnAction::Failed);
}

TEST(Mx, ImplicitMxUsesTheDomainsARecord) {
  auto spec = smtpsim::testing::two_providers();
  spec.dns = {{"example.com", "MX", 10, "mail.example.com"},
              {"mail.example.com", "A", 0, "203.0.113.25"},
              {"example.net", "A", 0, "198.51.100.25"}};  // no MX at all
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  bool implicit = false;
  for (const auto& e : of_kind(rec, EventKind::DnsLookup, kSenderHost))
    implicit = implicit || e.text.find("implicit MX") != std::string::npos;
  EXPECT_TRUE(implicit) << transcript(rec);
  EXPECT_EQ(connection_targets(rec), std::vector<std::string>{"example.net"});
  EXPECT_EQ(inbox_size(sim, "mx.example.net"), 1u) << transcript(rec);
  EXPECT_TRUE(of_kind(rec, EventKind::Bounced).empty());
}

TEST(Mx, NxdomainBouncesAtOnceWith5_1_2) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"carol@nosuch.example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const Schedule s = schedule_of(rec);
  EXPECT_TRUE(s.deferred.empty()) << transcript(rec);
  ASSERT_EQ(s.bounced.size(), 1u) << transcript(rec);
  EXPECT_EQ(s.bounced[0].detail, "5.1.2");
  EXPECT_LT(s.bounced[0].time - s.arrival, kSecond);
  const auto dsns = dsns_for_alice(sim);
  ASSERT_EQ(dsns.size(), 1u);
  EXPECT_EQ(dsns[0].recipients.at(0).status, "5.1.2");
  EXPECT_EQ(dsns[0].recipients.at(0).final_recipient, "carol@nosuch.example.net");
}

TEST(Mx, BackupMxKeepsTheMailWhileThePrimaryIsDown) {
  auto spec = smtpsim::testing::two_providers();
  spec.hosts.push_back({.name = "mx2.example.net",
                        .address = "198.51.100.26",
                        .roles = {"MTA"},
                        .domains = {"example.net"}});
  spec.dns.push_back({"example.net", "MX", 20, "mx2.example.net"});
  spec.dns.push_back({"mx2.example.net", "A", 0, "198.51.100.26"});
  spec.script.push_back(fault(0, "host_down", "mx.example.net"));
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
  spec.script.push_back(fault(2 * kHour, "host_up", "mx.example.net"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  // The sender hands it to the backup at once; the backup waits for the primary.
  const auto relayed = of_kind(rec, EventKind::Relayed, kSenderHost);
  ASSERT_EQ(relayed.size(), 1u) << transcript(rec);
  EXPECT_NE(relayed[0].text.find("mx2.example.net"), std::string::npos);
  EXPECT_LT(relayed[0].time, kMinute);
  const auto backup_deferred = of_kind(rec, EventKind::Deferred, "mx2.example.net");
  EXPECT_FALSE(backup_deferred.empty());
  for (const auto& d : backup_deferred) EXPECT_LT(d.time, 2 * kHour);
  // Never back to itself or to the sender.
  for (const auto& e : of_kind(rec, EventKind::Attempt, "mx2.example.net")) {
    if (e.text.starts_with("connecting to ")) {
      EXPECT_TRUE(e.text.starts_with("connecting to mx.example.net ")) << e.text;
    }
  }
  const auto delivered = of_kind(rec, EventKind::Delivered, "mx.example.net");
  ASSERT_EQ(delivered.size(), 1u) << transcript(rec);
  EXPECT_GE(delivered[0].time, 2 * kHour);
  EXPECT_EQ(sim.total_queued(), 0u);
  EXPECT_TRUE(of_kind(rec, EventKind::Bounced).empty());
}

TEST(Mx, EqualBackupsNeverPassTheMailBetweenThemselves) {
  // RFC 5321 §5.1: a backup drops itself and every MX not better than itself, so two
  // backups of equal preference never relay to each other while the primary is down.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto spec = smtpsim::testing::two_providers();
    spec.seed = seed;
    for (int b = 2; b <= 3; ++b) {
      const std::string name = fmt::format("mx{}.example.net", b);
      const std::string addr = fmt::format("198.51.100.{}", 24 + b);
      spec.hosts.push_back(
          {.name = name, .address = addr, .roles = {"MTA"}, .domains = {"example.net"}});
      spec.dns.push_back({"example.net", "MX", 20, name});
      spec.dns.push_back({name, "A", 0, addr});
    }
    spec.script.push_back(fault(0, "link_cut", "mx.example.net"));
    spec.script.push_back(
        smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "Hi"));
    spec.script.push_back(fault(kHour, "link_restored", "mx.example.net"));
    trace::Recorder rec;
    scenario::Simulation sim(spec, rec);
    sim.run();
    // Queued by the sender, by one backup, by the primary: never by the second backup.
    EXPECT_EQ(of_kind(rec, EventKind::Queued).size(), 3u) << "seed " << seed << transcript(rec);
    EXPECT_EQ(of_kind(rec, EventKind::Queued, "mx2.example.net").size() +
                  of_kind(rec, EventKind::Queued, "mx3.example.net").size(),
              1u);
    EXPECT_EQ(of_kind(rec, EventKind::Delivered).size(), 1u) << "seed " << seed;
    EXPECT_EQ(sim.total_queued(), 0u);
  }
}

}  // namespace
