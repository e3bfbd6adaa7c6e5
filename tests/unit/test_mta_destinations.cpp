// The MTA's per-destination scheduling (Postfix qmgr): at most destination_concurrency_limit
// deliveries to one domain at once, and a destination whose every MX failed without a
// verdict is "dead" for minimal_backoff_time: its mail is deferred without a connection
// ("delivery temporarily suspended"), then tried again. Mail is never lost on the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kMinute;
using engine::kSecond;
using trace::EventKind;

constexpr const char* kSender = "mail.example.com";

std::size_t count(const trace::Recorder& r, EventKind k, std::string_view text_part = {}) {
  return static_cast<std::size_t>(std::count_if(r.events().begin(), r.events().end(), [&](auto& e) {
    return e.kind == k && e.host == kSender && e.text.find(text_part) != std::string::npos;
  }));
}

std::size_t connections_to(const trace::Recorder& r, const std::string& peer) {
  return static_cast<std::size_t>(std::count_if(r.events().begin(), r.events().end(), [&](auto& e) {
    return (e.kind == EventKind::ConnectionRefused || e.kind == EventKind::ConnectionOpened) &&
           e.host == kSender && e.peer == peer;
  }));
}

scenario::Spec with_messages(int n, bool dead) {
  auto spec = smtpsim::testing::two_providers();
  spec.run_for_us = 20 * kMinute;
  if (dead) {
    scenario::Action down;
    down.kind = "host_down";
    down.host = "mx.example.net";
    spec.script.push_back(down);
  }
  for (int i = 0; i < n; ++i)
    spec.script.push_back(smtpsim::testing::send_action(
        kSecond, "alice-laptop", {"carol@example.net"}, "m" + std::to_string(i)));
  return spec;
}

TEST(MtaDestination, DeadDestinationDefersWithoutConnecting) {
  auto spec = with_messages(60, true);
  spec.run_for_us = 4 * kMinute;  // before the first retry
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  // The first round: at most 20 connection attempts, the other 40 deferred at once.
  EXPECT_LE(connections_to(rec, "mx.example.net"), 20u);
  EXPECT_GE(connections_to(rec, "mx.example.net"), 1u);
  EXPECT_EQ(count(rec, EventKind::Deferred), 60u);
  EXPECT_GE(count(rec, EventKind::Deferred, "delivery temporarily suspended"), 40u);
  EXPECT_EQ(sim.total_queued(), 60u);
}

TEST(MtaDestination, DeadMarkExpiresAndMailFlowsWhenTheServerReturns) {
  auto spec = with_messages(60, true);
  scenario::Action up;
  up.kind = "host_up";
  up.host = "mx.example.net";
  up.at_us = 2 * kMinute;
  spec.script.push_back(up);
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  // Retried after the 300 s backoff (the dead mark lasts minimal_backoff): all delivered.
  EXPECT_EQ(sim.total_queued(), 0u);
  const auto* box = sim.mda("mx.example.net")->store().mailbox("carol");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->folders.at("INBOX").messages.size(), 60u);
}

TEST(MtaDestination, ConcurrencyLimitIsHeldForALiveDestination) {
  trace::Recorder rec;
  scenario::Simulation sim(with_messages(60, false), rec);
  sim.run();
  std::size_t open = 0, peak = 0;
  // Count simultaneous SMTP connections from the sender to the destination over the trace.
  for (const auto& e : rec.events()) {
    if (e.host != kSender || e.peer != "mx.example.net") continue;
    if (e.kind == EventKind::ConnectionOpened) peak = std::max(peak, ++open);
    if (e.kind == EventKind::ConnectionClosed && open > 0) --open;
  }
  EXPECT_LE(peak, 20u);
  EXPECT_GT(peak, 1u);  // parallel, not one at a time
  const auto* box = sim.mda("mx.example.net")->store().mailbox("carol");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->folders.at("INBOX").messages.size(), 60u);
}

}  // namespace
