// Golden transcripts of every shipped scenario (lessons/scenarios/*.json): the headless run's
// text transcript must equal tests/golden/scenarios/<name>.txt byte for byte, so a change in
// any machine, role or writer that alters what a class sees shows up as a diff here.
// To accept a deliberate change: SMTPSIM_UPDATE_GOLDEN=1 ./smtpsim_tests
// --gtest_filter='ScenarioGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace smtpsim;

std::vector<fs::path> shipped_scenarios() {
  std::vector<fs::path> out;
  for (const auto& e :
       fs::directory_iterator(fs::path(SMTPSIM_SOURCE_DIR) / "lessons" / "scenarios")) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ScenarioGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(ScenarioGolden, TranscriptMatches) {
  auto loaded = scenario::load_scenario(GetParam());
  ASSERT_TRUE(std::holds_alternative<scenario::Spec>(loaded))
      << std::get<scenario::LoadError>(loaded).message;
  const auto& spec = std::get<scenario::Spec>(loaded);
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const std::string actual = trace::render_text(rec.events());
  const fs::path golden = fs::path(SMTPSIM_SOURCE_DIR) / "tests" / "golden" / "scenarios" /
                          (GetParam().stem().string() + ".txt");
  if (std::getenv("SMTPSIM_UPDATE_GOLDEN")) {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "updated " << golden;
  }
  std::ifstream f(golden, std::ios::binary);
  ASSERT_TRUE(f.good()) << "missing golden file " << golden;
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "transcript differs from " << golden;
  EXPECT_EQ(sim.net().open_connections(), 0u) << "connections left open at the end";
}

INSTANTIATE_TEST_SUITE_P(Shipped, ScenarioGolden, ::testing::ValuesIn(shipped_scenarios()),
                         [](const auto& info) {
                           std::string n = info.param.stem().string();
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Each shipped scenario must show what its description promises (a lesson that stops
// teaching what it claims fails the suite).
struct Expectation {
  const char* name;
  trace::EventKind kind;
  int at_least;
};

TEST(ScenarioTeaches, EachScenarioShowsItsTopic) {
  const Expectation expectations[] = {
      {"same-domain", trace::EventKind::Delivered, 1},
      {"cross-domain-relay", trace::EventKind::Relayed, 1},
      {"cross-domain-relay", trace::EventKind::Datagram, 2},
      {"two-mx-failover", trace::EventKind::ConnectionRefused, 1},
      {"two-mx-failover", trace::EventKind::Delivered, 1},
      {"server-down-retry", trace::EventKind::Deferred, 2},
      {"server-down-retry", trace::EventKind::Delivered, 1},
      {"unknown-user-bounce", trace::EventKind::Bounced, 1},
      {"unknown-user-bounce", trace::EventKind::DsnSent, 1},
      {"queue-lifetime-bounce", trace::EventKind::DelayWarned, 1},
      {"queue-lifetime-bounce", trace::EventKind::DsnSent, 1},
      {"relay-refused", trace::EventKind::Delivered, 1},
  };
  for (const auto& x : expectations) {
    auto loaded = scenario::load_scenario(fs::path(SMTPSIM_SOURCE_DIR) / "lessons" / "scenarios" /
                                          (std::string(x.name) + ".json"));
    ASSERT_TRUE(std::holds_alternative<scenario::Spec>(loaded)) << x.name;
    trace::Recorder rec;
    scenario::Simulation sim(std::get<scenario::Spec>(loaded), rec);
    sim.run();
    int n = 0;
    for (const auto& e : rec.events()) n += e.kind == x.kind;
    EXPECT_GE(n, x.at_least) << x.name << ": " << trace::kind_name(x.kind);
    EXPECT_EQ(sim.total_queued(), 0u) << x.name << ": mail left in a queue";
  }
}

}  // namespace
