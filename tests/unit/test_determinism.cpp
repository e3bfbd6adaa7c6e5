// DESIGN.md idea 5: same scenario + same seed = the same trace, byte for byte (the JSON
// trace of write_json_trace, and the text transcript); a different seed changes what the
// seed decides — the order in which equal-preference MX hosts are tried.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/json_writer.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/random_world.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kMinute;
using engine::kSecond;
using trace::EventKind;

struct Replay {
  std::string json, text;
  std::vector<std::string> first_mx;  // per delivery round of the sender: first MX tried
};

Replay replay(const scenario::Spec& spec, std::optional<std::uint64_t> seed = {}) {
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec, seed);
  sim.run();
  Replay r;
  r.json = trace::write_json_trace({spec.name, seed.value_or(spec.seed)}, rec.events());
  r.text = trace::render_text(rec.events());
  std::set<std::string> seen;  // message ids whose first connection was recorded
  for (const auto& e : rec.events()) {
    if (e.kind != EventKind::Attempt || e.host != "mail.example.com") continue;
    if (!e.text.starts_with("connecting to ") || !seen.insert(e.message_id).second) continue;
    const std::string rest = e.text.substr(14);
    r.first_mx.push_back(rest.substr(0, rest.find(' ')));
  }
  return r;
}

scenario::Action action(std::int64_t at, std::string kind, std::string host) {
  scenario::Action a;
  a.at_us = at;
  a.kind = std::move(kind);
  a.host = std::move(host);
  return a;
}

// example.net on two MX hosts of equal preference; alice sends eight messages to carol.
scenario::Spec equal_mx() {
  auto spec = smtpsim::testing::two_providers();
  spec.name = "equal-mx";
  spec.hosts.push_back({.name = "mx2.example.net",
                        .address = "198.51.100.26",
                        .roles = {"MTA", "MDA"},
                        .domains = {"example.net"},
                        .users = {{"carol", "carol"}}});
  spec.dns.push_back({"example.net", "MX", 10, "mx2.example.net"});
  spec.dns.push_back({"mx2.example.net", "A", 0, "198.51.100.26"});
  for (int i = 0; i < 8; ++i) {
    spec.script.push_back(smtpsim::testing::send_action(
        i * kMinute, "alice-laptop", {"carol@example.net"}, fmt::format("message {}", i)));
  }
  return spec;
}

// Faults, a bounce, a retry and a local delivery in one run.
scenario::Spec busy_two_providers() {
  auto spec = smtpsim::testing::two_providers();
  spec.name = "busy";
  spec.script.push_back(action(0, "link_cut", "mx.example.net"));
  spec.script.push_back(smtpsim::testing::send_action(
      kSecond, "alice-laptop", {"carol@example.net", "bob@example.com", "nobody@example.net"},
      "Hi all"));
  spec.script.push_back(action(20 * kMinute, "link_restored", "mx.example.net"));
  spec.script.push_back(
      smtpsim::testing::send_action(30 * kMinute, "alice-laptop", {"x@nosuch.example.net"}, "?"));
  return spec;
}

void expect_reproducible(const scenario::Spec& spec) {
  const Replay a = replay(spec), b = replay(spec);
  ASSERT_GT(a.json.size(), 1000u) << spec.name;
  EXPECT_TRUE(a.json == b.json) << spec.name << ": JSON traces differ";
  EXPECT_TRUE(a.text == b.text) << spec.name << ": text transcripts differ";
  // A seed given to the Simulation is the same as the Spec's own.
  const Replay c = replay(spec, spec.seed);
  EXPECT_TRUE(a.json == c.json) << spec.name;
}

TEST(Determinism, SameSpecAndSeedGiveByteIdenticalJsonTraces) {
  expect_reproducible(busy_two_providers());
  expect_reproducible(equal_mx());
  for (std::uint64_t seed : {3, 17, 42, 99}) {
    SCOPED_TRACE(seed);
    expect_reproducible(smtpsim::testing::make_random_world(seed).spec);
  }
}

TEST(Determinism, ADifferentSeedChangesEqualPreferenceChoices) {
  // Eight messages, so eight coin flips per seed. (Seeds 1 and 2 happen to agree on all
  // eight — a 1-in-256 coincidence of the xoshiro streams — which is why several seeds are
  // compared rather than two.)
  const auto spec = equal_mx();
  std::vector<Replay> runs;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) runs.push_back(replay(spec, seed));
  std::set<std::vector<std::string>> sequences;
  std::set<std::string> traces;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    ASSERT_EQ(runs[i].first_mx.size(), 8u) << runs[i].text;
    sequences.insert(runs[i].first_mx);
    traces.insert(runs[i].json);
  }
  EXPECT_GE(sequences.size(), 5u);
  EXPECT_EQ(traces.size(), runs.size());  // every seed its own trace
  EXPECT_NE(runs[0].first_mx, runs[2].first_mx);
  // Within one run both hosts come first sometimes; a seed always makes the same choices.
  const std::set<std::string> hosts(runs[0].first_mx.begin(), runs[0].first_mx.end());
  EXPECT_EQ(hosts, (std::set<std::string>{"mx.example.net", "mx2.example.net"}));
  EXPECT_EQ(replay(spec, 3).first_mx, runs[2].first_mx);
}

}  // namespace
