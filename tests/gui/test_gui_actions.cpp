// Headless tests of actions done by hand (issue 5): View::apply_action keeps the prefix of the
// run and the cursor, the fault shows once the cursor passes it, undo gives back the original
// trace byte for byte, the compose dialog's mail is delivered, the File menu's export writes
// what `smtpsim run` writes, bad paths give one sentence and write nothing, and the menus and
// dialogs draw in every state without a window.
#include <gtest/gtest.h>
#include <imgui.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gui/app_window.hpp"
#include "gui/compose.hpp"
#include "gui/fault_menu.hpp"
#include "gui/menu_bar.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/json_writer.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/gui/headless_imgui.hpp"

namespace smtpsim::gui {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(SMTPSIM_SOURCE_DIR) + "/lessons";

scenario::Spec load(const std::string& name) {
  // A shipped lesson (DATA/NAME.json) plays its scenario; the rest are DATA/scenarios/.
  if (auto l = scenario::load_lesson(kData + "/" + name + ".json");
      std::holds_alternative<scenario::Lesson>(l))
    return std::get<scenario::Lesson>(l).scenario;
  auto r = scenario::load_scenario(kData + "/scenarios/" + name + ".json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

// Events compared through the versioned JSON writer: every field, byte for byte.
std::string json_of(const View& v, std::size_t n) {
  return trace::write_json_trace({v.spec().name, v.seed()},
                                 std::span(v.events().data(), std::min(n, v.events().size())));
}

void run_to_end(View& v) {
  while (!v.finished()) v.pump(100000);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int delivered(const trace::WorldView& w, const std::string& host, const std::string& rcpt) {
  auto h = w.delivered.find(host);
  if (h == w.delivered.end()) return 0;
  auto r = h->second.find(rcpt);
  return r == h->second.end() ? 0 : r->second;
}

scenario::Action host_action(const std::string& kind, const std::string& host) {
  scenario::Action a;
  a.kind = kind;
  a.host = host;
  return a;
}

TEST(GuiActions, ApplyActionKeepsThePrefixAndTheCursor) {
  View v(load("cross-domain-relay"));
  v.seek(40);
  ASSERT_EQ(v.cursor(), 40u);
  const std::int64_t shown = v.display_time();
  const std::string before = json_of(v, 40);
  const std::size_t delivered_before = v.world().delivered.size();
  ASSERT_EQ(v.apply_action(host_action("host_down", "mx.example.net")), "");
  EXPECT_EQ(v.cursor(), 40u);
  EXPECT_EQ(v.display_time(), shown);
  EXPECT_EQ(json_of(v, 40), before);  // the same 40 events, field for field
  EXPECT_EQ(v.world().delivered.size(), delivered_before);
  ASSERT_EQ(v.hand_actions().size(), 1u);
  // After everything on screen: 1 us past the last event shown when that is at display time.
  EXPECT_GT(v.hand_actions()[0].at_us, v.events()[39].time);
  EXPECT_EQ(v.hand_actions()[0].host, "mx.example.net");
  EXPECT_EQ(v.generation(), 1u);
}

TEST(GuiActions, HostDownShowsAfterTheCursorPassesItThenRefusedAndDeferred) {
  View original(load("cross-domain-relay"));
  run_to_end(original);
  original.seek(original.events().size());
  ASSERT_EQ(original.world().deferrals, 0);

  View v(load("cross-domain-relay"));
  v.seek(5);
  ASSERT_EQ(v.apply_action(host_action("host_down", "mx.example.net")), "");
  EXPECT_EQ(v.world().hosts_down.count("mx.example.net"), 0u);  // not yet on screen
  // Step until the host is drawn down: that is the HostDown event the action traced.
  bool down = false;
  while (!down && v.step_forward()) down = v.world().hosts_down.count("mx.example.net") > 0;
  ASSERT_TRUE(down);
  EXPECT_EQ(v.events()[v.cursor() - 1].kind, trace::EventKind::HostDown);
  EXPECT_EQ(v.events()[v.cursor() - 2].kind, trace::EventKind::Action);
  run_to_end(v);
  v.seek(v.events().size());
  bool refused = false;
  for (const auto& e : v.events()) refused |= e.kind == trace::EventKind::ConnectionRefused;
  EXPECT_TRUE(refused);
  EXPECT_GT(v.world().deferrals, 0);
  EXPECT_EQ(delivered(v.world(), "mx.example.net", "carol@example.net"), 0);
}

TEST(GuiActions, UndoGivesBackTheOriginalTraceByteForByte) {
  View original(load("server-down-retry"));
  run_to_end(original);
  const std::string text = trace::render_text(original.events());

  View v(load("server-down-retry"));
  v.seek(30);
  scenario::Action cut = host_action("link_cut", "mail.example.com");
  ASSERT_EQ(v.apply_action(cut), "");
  run_to_end(v);
  EXPECT_NE(trace::render_text(v.events()), text);
  v.seek(35);
  ASSERT_EQ(v.cursor(), 35u);
  ASSERT_TRUE(v.undo_last_action());
  EXPECT_EQ(v.cursor(), 35u);
  EXPECT_TRUE(v.hand_actions().empty());
  EXPECT_TRUE(v.spec() == original.spec());
  run_to_end(v);
  EXPECT_EQ(trace::render_text(v.events()), text);
  EXPECT_FALSE(v.undo_last_action());
}

TEST(GuiActions, RefusedActionChangesNothing) {
  View v(load("server-down-retry"));
  v.seek(20);
  const std::string before = json_of(v, 1000);
  scenario::Action a = host_action("mailbox_full", "mail.example.com");
  a.mailbox = "nobody@example.com";
  const std::string problem = v.apply_action(a);
  EXPECT_NE(problem.find("has no user \"nobody\""), std::string::npos) << problem;
  EXPECT_EQ(problem.find("/script/"), 0u) << problem;  // where, then what: one sentence
  EXPECT_TRUE(v.hand_actions().empty());
  EXPECT_EQ(v.generation(), 0u);
  EXPECT_EQ(json_of(v, 1000), before);
}

TEST(GuiActions, ComposedMailIsDelivered) {
  View v(load("same-domain"));
  v.seek(3);
  MenuBar menu;
  menu.compose().open(v, "alice-laptop");
  auto& d = menu.compose().draft();
  d.to = "bob@example.com";
  d.cc = "carol@example.net";
  d.subject = "Typed in class";
  d.body = "Hello from the compose dialog.";
  ASSERT_TRUE(menu.apply(v, menu.compose().send_action())) << menu.status();
  EXPECT_FALSE(menu.status_is_error());
  ASSERT_EQ(v.hand_actions().size(), 1u);
  EXPECT_EQ(v.hand_actions()[0].kind, "send");
  run_to_end(v);
  v.seek(v.events().size());
  // The scripted message and the composed one reach bob; carol's is relayed to example.net.
  EXPECT_EQ(delivered(v.world(), "mail.example.com", "bob@example.com"), 2);
  EXPECT_EQ(delivered(v.world(), "mx.example.net", "carol@example.net"), 1);
  bool subject_seen = false;
  for (const auto& e : v.events()) subject_seen |= e.text.find("Typed in class") != e.text.npos;
  EXPECT_TRUE(subject_seen);
}

TEST(GuiActions, ComposeWithABadAddressSaysWhyAndKeepsTheDraft) {
  View v(load("same-domain"));
  MenuBar menu;
  menu.compose().open(v);
  menu.compose().draft().to = "bob at example.com";
  EXPECT_FALSE(menu.apply(v, menu.compose().send_action()));
  EXPECT_TRUE(menu.status_is_error());
  EXPECT_NE(menu.status().find("is not a valid email address"), std::string::npos) << menu.status();
  EXPECT_TRUE(menu.compose().compose_open());
  EXPECT_EQ(menu.compose().draft().to, "bob at example.com");
}

TEST(GuiActions, SplitAddresses) {
  EXPECT_EQ(split_addresses(" a@x, b@y;c@z  d@w,,"),
            (std::vector<std::string>{"a@x", "b@y", "c@z", "d@w"}));
  EXPECT_TRUE(split_addresses(" , ").empty());
}

TEST(GuiActions, FaultMenuHelpersFollowTheScript) {
  const scenario::Spec spec = load("two-mx-failover");
  const auto at0 = records_at(spec, 0);
  EXPECT_EQ(at0.size(), spec.dns.size());
  scenario::HostSpec h;
  h.roles = {"MSA", "MTA", "MDA"};
  EXPECT_EQ(service_ports(h), (std::vector<int>{25, 110, 143, 465, 587, 993, 995}));
  // A record removed by hand disappears from the list at and after its time.
  View v(load("cross-domain-relay"));
  v.seek(2);
  const auto records = records_at(v.spec(), v.display_time());
  ASSERT_FALSE(records.empty());
  scenario::Action rm;
  rm.kind = "dns_remove";
  rm.record = records[0];
  rm.record->ttl = 0;
  ASSERT_EQ(v.apply_action(rm), "");
  EXPECT_EQ(records_at(v.spec(), v.hand_actions()[0].at_us).size(), records.size() - 1);
  const auto boxes = mailboxes_at(v.spec(), 0);
  ASSERT_FALSE(boxes.empty());
  EXPECT_FALSE(boxes[0].full);
  scenario::Action fill = host_action("mailbox_full", boxes[0].host);
  fill.mailbox = boxes[0].address;
  ASSERT_EQ(v.apply_action(fill), "");
  EXPECT_TRUE(mailboxes_at(v.spec(), v.hand_actions()[1].at_us)[0].full);
}

class FileOps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           (std::string("smtpsim-gui-") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileOps, ExportWritesWhatSmtpsimRunWrites) {
  View v(load("server-down-retry"));
  v.seek(12);
  MenuBar menu;
  ASSERT_TRUE(menu.apply(v, host_action("host_down", "mail.example.com")));
  v.seek(40);
  ASSERT_TRUE(menu.apply(v, host_action("host_up", "mail.example.com")));
  ASSERT_TRUE(menu.export_transcript(v, (dir_ / "t.txt").string(), false)) << menu.status();
  ASSERT_TRUE(menu.export_transcript(v, (dir_ / "t.json").string(), true)) << menu.status();
  // What `smtpsim run` does (app/run_cmd.cpp) with the same Spec: run, then the writers.
  trace::Recorder rec;
  scenario::Simulation sim(v.spec(), rec);
  sim.run();
  EXPECT_EQ(read_file(dir_ / "t.txt"), trace::render_text(rec.events()));
  EXPECT_EQ(read_file(dir_ / "t.json"),
            trace::write_json_trace({v.spec().name, v.spec().seed}, rec.events()));
  // The saved scenario loads back to the Spec the view runs.
  ASSERT_TRUE(menu.save_scenario(v, (dir_ / "s.json").string())) << menu.status();
  auto back = scenario::load_scenario(dir_ / "s.json");
  ASSERT_TRUE(std::holds_alternative<scenario::Spec>(back))
      << std::get<scenario::LoadError>(back).message;
  scenario::Spec reloaded = std::get<scenario::Spec>(back);
  reloaded.file = v.spec().file;
  EXPECT_TRUE(reloaded == v.spec());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 3);
}

TEST_F(FileOps, BadPathsGiveOneSentenceAndWriteNothing) {
  View v(load("same-domain"));
  MenuBar menu(kData);
  const std::string missing = (dir_ / "no" / "t.txt").string();
  EXPECT_FALSE(menu.export_transcript(v, missing, false));
  EXPECT_EQ(menu.status(), "cannot write " + missing + ": No such file or directory");
  EXPECT_TRUE(menu.status_is_error());
  EXPECT_FALSE(menu.save_scenario(v, dir_.string() + "/"));
  EXPECT_NE(menu.status().find("no file name given"), std::string::npos) << menu.status();
  EXPECT_FALSE(menu.export_transcript(v, "", true));
  EXPECT_TRUE(fs::is_empty(dir_));

  EXPECT_FALSE(menu.open_path((dir_ / "nothing.json").string()));
  EXPECT_EQ(menu.status(), (dir_ / "nothing.json").string() +
                               ": cannot read the file (No such file or directory)");
  std::ofstream(dir_ / "broken.json") << "{\"name\": \"x\", \"hosts\": [}\n";
  EXPECT_FALSE(menu.open_path((dir_ / "broken.json").string()));
  EXPECT_NE(menu.status().find("broken.json: line 1, column"), std::string::npos) << menu.status();
  EXPECT_FALSE(menu.take_open().has_value());
}

TEST(GuiActions, OpenListsTheShippedScenariosAndLoadsOne) {
  const auto shipped = shipped_scenarios(kData);
  ASSERT_GE(shipped.size(), 8u);
  EXPECT_EQ(shipped[0].name, "cross-domain-relay");
  EXPECT_EQ(shipped[0].title, load("cross-domain-relay").title);
  EXPECT_TRUE(shipped_scenarios("").empty());
  MenuBar menu(kData);
  ASSERT_TRUE(menu.open_path(shipped[1].path)) << menu.status();
  auto spec = menu.take_open();
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->name, shipped[1].name);
  EXPECT_FALSE(menu.take_open().has_value());  // taken once
}

TEST(GuiActions, DescribeAction) {
  scenario::Action a = host_action("service_down", "mail.example.com");
  a.at_us = 5'000'001;
  a.port = 587;
  EXPECT_EQ(describe_action(a), "+0:00:05.000  service_down mail.example.com port 587");
}

class MenuHeadless : public HeadlessImGui {};

TEST_F(MenuHeadless, EveryDialogDrawsOpenOnEveryScenario) {
  for (const auto& e : shipped_scenarios(kData)) {
    SCOPED_TRACE(e.name);
    View v(load(e.name));
    Panels p;
    p.menu = MenuBar(kData);
    for (const char* d : {"compose", "read", "latency", "dns-add", "open", "export-text",
                          "export-json", "save", "screenshot", "menu:File/Open a scenario",
                          "menu:Faults/Take a host down / up", "menu:Mail", "menu:hand"}) {
      EXPECT_TRUE(p.menu.open_dialog(d, v)) << d;
      frame(v, p);
      v.step_forward();
    }
    frame(v, p);
  }
  View v(load("same-domain"));
  MenuBar menu;
  EXPECT_FALSE(menu.open_dialog("no-such-dialog", v));
}

TEST_F(MenuHeadless, TranscriptIsRedrawnFromTheRebuiltRun) {
  View v(load("server-down-retry"));
  Panels p;
  v.seek(25);
  frame(v, p);
  ASSERT_EQ(v.apply_action(host_action("host_down", "mail.example.com")), "");
  run_to_end(v);
  frame(v, p);
  TranscriptPanel fresh;
  fresh.sync(v);
  ASSERT_EQ(p.transcript.rows().size(), fresh.rows().size());
  for (std::size_t i = 0; i < fresh.rows().size(); ++i)
    EXPECT_EQ(p.transcript.rows()[i].text, fresh.rows()[i].text);
}

}  // namespace
}  // namespace smtpsim::gui
