// Headless test of the SMTP console window (lesson 13): keys and characters go in through
// ImGui's input queue as a keyboard would send them, and the typed line, the server's reply
// and the hint come out as rows of the console's log.
#include <gtest/gtest.h>
#include <imgui.h>

#include <string>

#include "gui/app_window.hpp"
#include "gui/console_panel.hpp"
#include "gui/lesson_panel.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::gui {
namespace {

using Kind = scenario::ConsoleRow::Kind;

scenario::Spec same_domain() {
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) +
                                   "/lessons/scenarios/same-domain.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

constexpr int kEnter = 1, kUp = 2, kDown = 3, kV = 4;

class ConsoleGui : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 900);
    io.DeltaTime = 1.f / 60;
    io.KeyMap[ImGuiKey_Enter] = kEnter;
    io.KeyMap[ImGuiKey_UpArrow] = kUp;
    io.KeyMap[ImGuiKey_DownArrow] = kDown;
    io.KeyMap[ImGuiKey_V] = kV;
    apply_theme(1.f, false);
    load_fonts(1.f, false);
    panel.mono = ConsolePanel::load_font(19.f);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  void TearDown() override { ImGui::DestroyContext(); }

  void frame() {
    ImGui::NewFrame();
    panel.draw();
    ImGui::Render();
  }
  void press(int key) {
    ImGui::GetIO().KeysDown[key] = true;
    frame();
    ImGui::GetIO().KeysDown[key] = false;
    frame();
  }
  void type_line(const char* text) {
    frame();  // the input line takes the focus back after the previous Enter
    ImGui::GetIO().AddInputCharactersUTF8(text);
    frame();
    press(kEnter);
  }
  // The rows added to the log since `from`.
  std::vector<scenario::ConsoleRow> rows_since(std::size_t from) {
    const auto& log = panel.session()->log();
    return {log.begin() + static_cast<std::ptrdiff_t>(from), log.end()};
  }

  scenario::Spec spec = same_domain();
  ConsolePanel panel;
};

TEST_F(ConsoleGui, TypingACommandLineProducesTheReplyRowAndTheHintRow) {
  ASSERT_EQ(panel.open_on(spec), "");
  EXPECT_EQ(panel.goal(), "bob@example.com");
  frame();
  frame();  // the input line has the keyboard focus

  std::size_t at = panel.session()->log().size();
  type_line("EHLO laptop");
  auto rows = rows_since(at);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, Kind::Typed);
  EXPECT_EQ(rows[0].text, "EHLO laptop");
  EXPECT_EQ(rows[1].kind, Kind::Reply);
  EXPECT_EQ(rows[1].code, 250);
  EXPECT_STREQ(panel.input(), "");  // cleared, ready for the next line

  at = panel.session()->log().size();
  type_line("RCPT TO:<bob@example.com>");
  rows = rows_since(at);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].text, "RCPT TO:<bob@example.com>");
  EXPECT_EQ(rows[1].kind, Kind::Reply);
  EXPECT_EQ(rows[1].code, 503);
  EXPECT_EQ(rows[2].kind, Kind::Hint);
  EXPECT_EQ(rows[2].hint_id, "rcpt-before-mail");
}

TEST_F(ConsoleGui, HistoryRecallsEarlierLinesAndTheGoalIsReached) {
  ASSERT_EQ(panel.open_on(spec), "");
  frame();
  frame();
  for (const char* line : {"EHLO laptop", "MAIL FROM:<alice@example.com>",
                           "RCPT TO:<bob@example.com>", "DATA", "Subject: hi", "", "Hello", "."})
    type_line(line);
  EXPECT_TRUE(panel.goal_reached());
  press(kUp);  // "." -- the empty line is not kept
  press(kUp);  // "Hello"
  EXPECT_STREQ(panel.input(), "Hello");
  press(kDown);
  EXPECT_STREQ(panel.input(), ".");
  press(kDown);
  EXPECT_STREQ(panel.input(), "");
  for (int i = 0; i < 8; ++i) press(kUp);
  EXPECT_STREQ(panel.input(), "EHLO laptop");  // stops at the oldest line
}

TEST_F(ConsoleGui, PastingSeveralLinesSendsThemInOneBurst) {
  ASSERT_EQ(panel.open_on(spec), "");
  frame();
  frame();
  ImGui::SetClipboardText("HELO laptop\nMAIL FROM:<alice@example.com>\n");
  ImGuiIO& io = ImGui::GetIO();
  io.KeyCtrl = true;
  press(kV);
  io.KeyCtrl = false;
  const auto& log = panel.session()->log();
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log.back().kind, Kind::Info);  // "Connection closed by the server."
  EXPECT_EQ(log[log.size() - 2].hint_id, "pipelining");
  EXPECT_TRUE(panel.session()->closed());
  EXPECT_STREQ(panel.input(), "");  // not pasted into the input line as well
}

TEST_F(ConsoleGui, ResetAndToggleAndADrawnFrameWithTheWholeShell) {
  // A scenario host without an MTA cannot be typed to: one sentence, nothing opened.
  EXPECT_EQ(panel.open_on(spec, "alice-laptop"), "alice-laptop runs no MTA on port 25 to type to");
  EXPECT_FALSE(panel.open);
  panel.toggle(spec);
  EXPECT_TRUE(panel.open);
  EXPECT_EQ(panel.session()->host(), "mail.example.com");
  panel.toggle(spec);
  EXPECT_FALSE(panel.open);
  // The console window over the main frame, as the application draws it.
  View v(spec);
  Panels panels;
  panels.console.toggle(spec);
  panels.console.submit("QUIT");
  ImGui::NewFrame();
  draw_frame(v, panels);
  ImGui::Render();
  EXPECT_TRUE(panels.console.session()->closed());
}

// Lesson 13: the step with "console" opens the console on its host and goal when shown, once:
// a learner who closes it is not pestered on the next frame.
TEST_F(ConsoleGui, ALessonStepWithAConsoleOpensIt) {
  auto r =
      scenario::load_lesson(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/13-type-it-yourself.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) FAIL() << e->message;
  const scenario::Lesson lesson = std::get<scenario::Lesson>(std::move(r));
  ASSERT_TRUE(lesson.steps.back().console);
  View v(lesson.scenario);
  Panels panels;
  panels.lesson = std::make_unique<LessonPanel>(lesson);
  auto draw = [&] {
    ImGui::NewFrame();
    draw_frame(v, panels);
    ImGui::Render();
  };
  panels.lesson->player().go_to(v, 0);
  draw();
  EXPECT_FALSE(panels.console.open);  // the first step has no console
  panels.lesson->player().go_to(v, lesson.steps.size() - 1);
  draw();
  ASSERT_TRUE(panels.console.open);
  EXPECT_EQ(panels.console.session()->host(), "mail.example.com");
  EXPECT_EQ(panels.console.goal(), "bob@example.com");
  panels.console.open = false;
  draw();
  EXPECT_FALSE(panels.console.open);
}

}  // namespace
}  // namespace smtpsim::gui
