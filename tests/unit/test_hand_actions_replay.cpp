// "Anything done by hand can be done by script" (issue 5): faults and a composed mail applied
// in the GUI's View, saved with File > Save, replayed by `smtpsim run` (app::run_scenario_command)
// give byte for byte the transcript File > Export wrote from the GUI. No window needed.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/run_cmd.hpp"
#include "gui/menu_bar.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(HandActionsReplay, SavedScenarioRunsLikeTheGuiShowedIt) {
  const fs::path dir = fs::temp_directory_path() / "smtpsim-hand-actions-replay";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) +
                                   "/lessons/scenarios/pop3-vs-imap.json");
  ASSERT_TRUE(std::holds_alternative<scenario::Spec>(r));
  gui::View view(std::get<scenario::Spec>(std::move(r)), 7);  // a seed given on the command line
  gui::MenuBar menu;
  view.seek(60);
  menu.compose().open(view, "carol-phone");
  menu.compose().draft().to = "bob@example.com";
  menu.compose().draft().bcc = "alice@example.com";
  menu.compose().draft().subject = "lunch?";
  ASSERT_TRUE(menu.apply(view, menu.compose().send_action())) << menu.status();
  view.seek(200);
  scenario::Action down;
  down.kind = "service_down";
  down.host = "mail.example.com";
  down.port = 143;
  ASSERT_TRUE(menu.apply(view, down)) << menu.status();
  view.seek(260);
  scenario::Action fetch;
  fetch.kind = "fetch";
  fetch.host = "bob-laptop";
  ASSERT_TRUE(menu.apply(view, fetch)) << menu.status();

  for (const char* format : {"text", "json"}) {
    SCOPED_TRACE(format);
    const bool json = std::string(format) == "json";
    const fs::path exported = dir / (std::string("gui.") + format);
    ASSERT_TRUE(menu.export_transcript(view, exported.string(), json)) << menu.status();
    ASSERT_TRUE(menu.save_scenario(view, (dir / "saved.json").string())) << menu.status();
    app::RunOptions o;
    o.scenario = (dir / "saved.json").string();
    o.format = format;
    o.output = (dir / (std::string("run.") + format)).string();
    ASSERT_EQ(app::run_scenario_command(o, stdout, stderr), 0);
    EXPECT_EQ(slurp(o.output), slurp(exported));
    EXPECT_GT(slurp(o.output).size(), 1000u);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smtpsim
