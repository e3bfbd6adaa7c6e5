// The virtual mail network end to end: MUA -> MSA -> MTA -> DNS -> remote MTA -> MDA.
#include <gtest/gtest.h>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "sim/trace/world_view.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using trace::EventKind;

std::size_t count(const trace::Recorder& r, EventKind k) {
  std::size_t n = 0;
  for (const auto& e : r.events()) n += e.kind == k;
  return n;
}

TEST(Simulation, CrossDomainRelayEndToEnd) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  if (::testing::Test::HasFailure() || std::getenv("SMTPSIM_SHOW")) {
    std::fputs(trace::render_text(rec.events()).c_str(), stdout);
  }
  auto* mda = sim.mda("mx.example.net");
  ASSERT_NE(mda, nullptr);
  const auto* box = mda->store().mailbox("carol");
  ASSERT_NE(box, nullptr);
  ASSERT_EQ(box->folders.at("INBOX").messages.size(), 1u) << trace::render_text(rec.events());
  const std::string& msg = box->folders.at("INBOX").messages[0].content;
  EXPECT_EQ(msg.rfind("Return-Path: <alice@example.com>\r\n", 0), 0u) << msg;
  EXPECT_NE(msg.find("by mx.example.net"), std::string::npos);
  EXPECT_NE(msg.find("by mail.example.com"), std::string::npos);
  EXPECT_EQ(count(rec, EventKind::Relayed), 1u);
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u);
  EXPECT_EQ(sim.total_queued(), 0u);
}

TEST(Simulation, SameDomainIsDeliveredWithoutRelaying) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"bob@example.com"}, "Hi Bob"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(count(rec, EventKind::Relayed), 0u);
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::Datagram), 0u);  // no DNS needed
}

TEST(Simulation, ServerDownQueuesRetriesAndDeliversLater) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(smtpsim::testing::host_action(0, "host_down", "mx.example.net"));
  spec.script.push_back(
      smtpsim::testing::send_action(1'000'000, "alice-laptop", {"carol@example.net"}, "Hi"));
  spec.script.push_back(
      smtpsim::testing::host_action(3600LL * 1'000'000, "host_up", "mx.example.net"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_GE(count(rec, EventKind::Deferred), 2u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u) << trace::render_text(rec.events());
  EXPECT_EQ(sim.total_queued(), 0u);
}

TEST(Simulation, UnknownUserBouncesBackToTheSender) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"nobody@example.net"}, "Hi"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(count(rec, EventKind::Bounced), 1u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::DsnSent), 1u);
  const auto* box = sim.mda("mail.example.com")->store().mailbox("alice");
  ASSERT_EQ(box->folders.at("INBOX").messages.size(), 1u) << trace::render_text(rec.events());
  EXPECT_NE(box->folders.at("INBOX").messages[0].content.find("report-type=delivery-status"),
            std::string::npos);
}

}  // namespace

namespace {

TEST(WorldView, StepBackShowsTheQueueWhileTheServerWasDown) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(smtpsim::testing::host_action(0, "host_down", "mx.example.net"));
  spec.script.push_back(
      smtpsim::testing::send_action(1'000'000, "alice-laptop", {"carol@example.net"}, "Hi"));
  spec.script.push_back(
      smtpsim::testing::host_action(3600LL * 1'000'000, "host_up", "mx.example.net"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const std::span<const trace::Event> events = rec.events();
  // Find the first deferral: at that moment the message waits in mail.example.com's queue.
  std::size_t deferred_at = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind == EventKind::Deferred) {
      deferred_at = i + 1;
      break;
    }
  }
  ASSERT_GT(deferred_at, 0u);
  trace::ViewIndex index(16);  // small stride: exercise the snapshots
  const auto then = index.at(events, deferred_at);
  EXPECT_EQ(then.queued_messages("mail.example.com"), 1u);
  EXPECT_TRUE(then.hosts_down.count("mx.example.net"));
  EXPECT_EQ(then.delivered.count("mx.example.net"), 0u);
  const auto end = index.at(events, events.size());
  EXPECT_EQ(end.queued_messages("mail.example.com"), 0u);
  EXPECT_FALSE(end.hosts_down.count("mx.example.net"));
  EXPECT_EQ(end.delivered.at("mx.example.net").at("carol@example.net"), 1);
  EXPECT_TRUE(end.connections.empty());
  // Random access gives what a straight fold gives.
  for (std::size_t n : {std::size_t{0}, deferred_at, events.size() / 2, events.size()}) {
    const auto a = index.at(events, n);
    const auto b = trace::fold(events, n);
    EXPECT_EQ(a.applied, b.applied);
    EXPECT_EQ(a.queues, b.queues);
    EXPECT_EQ(a.hosts_down, b.hosts_down);
  }
}

}  // namespace

namespace {

TEST(Simulation, DnsServfailDefersUntilTheServerRecovers) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(smtpsim::testing::host_action(0, "dns_servfail", "ns.example"));
  spec.script.push_back(
      smtpsim::testing::send_action(1'000'000, "alice-laptop", {"carol@example.net"}, "Hi"));
  spec.script.push_back(
      smtpsim::testing::host_action(600LL * 1'000'000, "dns_recover", "ns.example"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  std::size_t servfail_deferrals = 0;
  for (const auto& e : rec.events()) {
    servfail_deferrals += e.kind == EventKind::Deferred && e.detail == "4.4.3";
  }
  EXPECT_GE(servfail_deferrals, 1u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u);
  EXPECT_EQ(count(rec, EventKind::Bounced), 0u);
}

}  // namespace
