// The virtual mail network end to end: MUA -> MSA -> MTA -> DNS -> remote MTA -> MDA.
#include <gtest/gtest.h>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
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
  spec.script.push_back(smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
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
  spec.script.push_back(smtpsim::testing::send_action(0, "alice-laptop", {"bob@example.com"}, "Hi Bob"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(count(rec, EventKind::Relayed), 0u);
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::Datagram), 0u);  // no DNS needed
}

TEST(Simulation, ServerDownQueuesRetriesAndDeliversLater) {
  auto spec = smtpsim::testing::two_providers();
  scenario::Action down;
  down.kind = "host_down";
  down.host = "mx.example.net";
  spec.script.push_back(down);
  spec.script.push_back(smtpsim::testing::send_action(1'000'000, "alice-laptop", {"carol@example.net"}, "Hi"));
  scenario::Action up;
  up.at_us = 3600LL * 1'000'000;
  up.kind = "host_up";
  up.host = "mx.example.net";
  spec.script.push_back(up);
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_GE(count(rec, EventKind::Deferred), 2u) << trace::render_text(rec.events());
  EXPECT_EQ(count(rec, EventKind::Delivered), 1u) << trace::render_text(rec.events());
  EXPECT_EQ(sim.total_queued(), 0u);
}

TEST(Simulation, UnknownUserBouncesBackToTheSender) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(smtpsim::testing::send_action(0, "alice-laptop", {"nobody@example.net"}, "Hi"));
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
