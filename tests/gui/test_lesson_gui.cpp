// Headless tests of the lesson GUI (issue 6, "In the GUI"): the lesson player over a real View
// (placement drives pauses, questions hold the simulation, Back/Next, leaving and resuming),
// the lesson panel drawn in an ImGui context without a window (clicking an answer), the
// progress file (round trip, corrupt file reported once, atomic write) and the browser.
#include <gtest/gtest.h>
#include <imgui.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gui/app_window.hpp"
#include "gui/lesson_browser.hpp"
#include "gui/lesson_panel.hpp"
#include "gui/lesson_player.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"
#include "sim/scenario/progress.hpp"
#include "tests/gui/headless_imgui.hpp"

namespace smtpsim::gui {
namespace {

namespace fs = std::filesystem;
using scenario::EventPattern;
using trace::EventKind;

scenario::Spec load(const std::string& name) {
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/" + name +
                                   ".json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

EventPattern line(const std::string& host, std::optional<int> code, std::string starts = "") {
  EventPattern p;
  p.kind = EventKind::Line;
  p.host = host;
  p.code = code;
  p.text_starts = std::move(starts);
  return p;
}
EventPattern kind(EventKind k) {
  EventPattern p;
  p.kind = k;
  return p;
}

// Alice writes to Bob at her own provider (same-domain): seven steps over the SMTP session.
// 0 intro (no wait) | 1 the 220 greeting (passes) | 2 STARTTLS (pauses) | 3 DATA, question
// with choices | 4 queued, typed question, transcript line | 5 delivered (passes) | 6 the end
// (no wait, pauses).
scenario::Lesson same_domain_lesson() {
  scenario::Lesson l;
  l.id = "test-same-domain";
  l.title = "One message at home";
  l.minutes = 4;
  l.scenario = load("same-domain");
  auto step = [&](std::string say) -> scenario::Step& {
    l.steps.emplace_back();
    l.steps.back().pointer = "/steps/" + std::to_string(l.steps.size() - 1);
    l.steps.back().say = std::move(say);
    return l.steps.back();
  };
  step("Alice writes to Bob; both are at example.com.").highlight.hosts = {"alice-laptop"};
  step("The server greets with 220.").wait_for = line("mail.example.com", 220);
  {
    auto& s = step("The client asks for TLS before anything secret is sent.");
    s.wait_for = line("alice-laptop", std::nullopt, "STARTTLS");
    s.pause = true;
    s.highlight.link = std::pair{std::string("alice-laptop"), std::string("mail.example.com")};
  }
  {
    auto& s = step("The envelope is done: now the message itself.");
    s.wait_for = line("alice-laptop", std::nullopt, "DATA");
    scenario::Question q;
    q.ask = "Which code answers DATA?";
    q.choices = {"250", "354", "550"};
    q.answer = "354";
    q.explain = "354: go ahead, end with a line holding only a dot.";
    s.question = q;
    s.myth = scenario::MythCard{"DATA ends at the end of the file.", "Only CRLF.CRLF ends it.",
                                "RFC 5321 §4.1.1.4"};
  }
  {
    auto& s = step("Queued: the provider has taken responsibility.");
    s.wait_for = kind(EventKind::Queued);
    s.highlight.transcript_line = true;
    s.highlight.hosts = {"mail.example.com"};
    s.highlight.inspect = "mail.example.com";
    scenario::Question q;
    q.ask = "Which code tells Alice's laptop?";
    q.answer = "250";
    s.question = q;
  }
  step("Delivered to Bob's mailbox.").wait_for = kind(EventKind::Delivered);
  step("That is the whole trip.").pause = true;
  return l;
}

// Plays the View as the window does (tick, then the lesson's frame) until it stops.
void play_until_stopped(View& v, LessonPlayer& p) {
  for (int i = 0; i < 100000 && v.playing(); ++i) {
    v.tick(0.05);
    p.frame(v);
  }
  ASSERT_FALSE(v.playing());
}

std::unique_ptr<View> make_view(const scenario::Lesson& l) {
  auto v = std::make_unique<View>(l.scenario);
  v->set_speed(1);
  return v;
}

// Every shipped lesson (lessons/*.json that are lessons), loaded.
std::vector<scenario::Lesson> shipped_lessons() {
  std::vector<scenario::Lesson> out;
  for (const LessonEntry& e : list_lessons(fs::path(SMTPSIM_SOURCE_DIR) / "lessons")) {
    auto r = scenario::load_lesson(e.path);
    if (auto* err = std::get_if<scenario::LoadError>(&r)) {
      ADD_FAILURE() << err->message;
      continue;
    }
    out.push_back(std::get<scenario::Lesson>(std::move(r)));
  }
  return out;
}

TEST(LessonPlayer, IncrementalPlacementEqualsPlaceStepsAsTheTraceGrows) {
  const scenario::Lesson l = same_domain_lesson();
  View v(l.scenario);
  LessonPlayer p(l);
  while (!v.finished()) {
    v.pump(7);
    p.update(v.events());
    const auto want = scenario::place_steps(l, v.events());
    for (std::size_t k = 0; k < l.steps.size(); ++k) {
      ASSERT_EQ(p.place(k).resolved, want[k].resolved) << k << " at " << v.events().size();
      if (!want[k].resolved) continue;
      EXPECT_EQ(p.place(k).at, want[k].at) << k;
      EXPECT_EQ(p.place(k).matched, want[k].matched) << k;
    }
  }
  EXPECT_TRUE(p.place(l.steps.size() - 1).resolved);
}

TEST(LessonPlayer, ARebuiltTraceIsPlacedAgain) {
  // A fault applied by hand rebuilds the run: here a note at time 0 shifts every event.
  const scenario::Lesson l = same_domain_lesson();
  View before(l.scenario);
  while (!before.finished()) before.pump(1000);
  LessonPlayer p(l);
  p.update(before.events());
  scenario::Spec changed = l.scenario;
  scenario::Action note;
  note.kind = "note";
  note.text = "a teacher's remark";
  changed.script.insert(changed.script.begin(), note);
  View after(changed);
  while (!after.finished()) after.pump(1000);
  ASSERT_GT(after.events().size(), before.events().size());
  p.update(after.events());
  const auto want = scenario::place_steps(l, after.events());
  for (std::size_t k = 0; k < l.steps.size(); ++k) {
    ASSERT_TRUE(p.place(k).resolved);
    EXPECT_EQ(p.place(k).at, want[k].at) << k;
    EXPECT_EQ(p.place(k).matched, want[k].matched) << k;
  }
  EXPECT_NE(p.place(1).at, scenario::place_steps(l, before.events())[1].at);
}

TEST(LessonPlayer, PlaybackStopsOnlyAtPausesAndQuestions) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  LessonPlayer p(l);
  p.go_to(v, 0);
  EXPECT_EQ(v.cursor(), 0u);
  EXPECT_TRUE(p.held());
  ASSERT_TRUE(p.next(v));  // to step 1, which does not stop: playback goes on to step 2
  EXPECT_TRUE(v.playing());
  play_until_stopped(v, p);
  EXPECT_EQ(p.current(), 2u);
  EXPECT_EQ(v.cursor(), p.place(2).at);
  EXPECT_TRUE(v.events()[v.cursor() - 1].text.starts_with("STARTTLS"));
  EXPECT_TRUE(p.held());
  EXPECT_EQ(p.progress().furthest, 2u);
  // Pressing play (Space) at a paused step goes on like Next: on to the question at DATA.
  v.play(true);
  play_until_stopped(v, p);
  EXPECT_EQ(p.current(), 3u);
  EXPECT_EQ(v.cursor(), p.place(3).at);
  EXPECT_EQ(v.events()[v.cursor() - 1].text, "DATA");
}

TEST(LessonPlayer, AQuestionHoldsTheSimulationUntilAnswered) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  LessonPlayer p(l);
  p.go_to(v, 3);
  const std::size_t at = p.place(3).at;
  ASSERT_EQ(v.cursor(), at);
  EXPECT_TRUE(p.awaiting_answer());
  EXPECT_FALSE(p.next(v));  // refused
  EXPECT_FALSE(v.playing());
  v.play(true);  // Space: the simulation waits for the answer
  v.tick(0.5);
  p.frame(v);
  EXPECT_FALSE(v.playing());
  EXPECT_EQ(v.cursor(), at);
  EXPECT_TRUE(p.following());
  // A wrong answer: feedback, and the first answer is the one that counts.
  EXPECT_FALSE(p.answer("250"));
  EXPECT_TRUE(p.answer_state(3).answered);
  EXPECT_FALSE(p.answer_state(3).correct);
  EXPECT_FALSE(p.answer("354"));
  EXPECT_EQ(p.answer_state(3).given, "250");
  ASSERT_TRUE(p.next(v));
  play_until_stopped(v, p);
  EXPECT_EQ(p.current(), 4u);  // the typed question
  EXPECT_EQ(v.events()[v.cursor() - 1].kind, EventKind::Queued);
  EXPECT_TRUE(p.answer(" 0250 "));  // typed: spaces and leading zeros do not matter
  EXPECT_TRUE(p.answer_state(4).correct);
  ASSERT_TRUE(p.next(v));
  play_until_stopped(v, p);
  // Step 5 (delivered) passes; step 6 has no wait_for and pauses where step 5 was.
  EXPECT_EQ(p.current(), 6u);
  EXPECT_EQ(v.cursor(), p.place(5).at);
  EXPECT_TRUE(p.done());
  const scenario::LessonProgress pr = p.progress();
  EXPECT_TRUE(pr.done);
  EXPECT_EQ(pr.furthest, 6u);
  EXPECT_EQ(pr.answered, 2);
  EXPECT_EQ(pr.correct, 1);
}

TEST(LessonPlayer, EveryShippedLessonPlaysToTheEndWithTheRightAnswers) {
  const auto lessons = shipped_lessons();
  ASSERT_FALSE(lessons.empty());
  for (const scenario::Lesson& l : lessons) {
    SCOPED_TRACE(l.id);
    auto vp = make_view(l);
    View& v = *vp;
    LessonPlayer p(l);
    p.go_to(v, 0);
    std::size_t questions = 0;
    for (const auto& s : l.steps) questions += s.question ? 1 : 0;
    // Next at every stop, the right answer at every question, as a class would.
    for (int guard = 0; guard < 1000 && !p.done(); ++guard) {
      if (p.held()) {
        EXPECT_EQ(v.cursor(), p.place(p.current()).at) << "step " << p.current();
        EXPECT_EQ(p.shown(v.cursor()), p.current());
      }
      if (p.awaiting_answer()) {
        const auto& q = *l.steps[p.current()].question;
        EXPECT_TRUE(p.answer(q.answer)) << q.ask;
      }
      ASSERT_TRUE(p.next(v)) << "step " << p.current();
      play_until_stopped(v, p);
      ASSERT_TRUE(p.following()) << "step " << p.current();
    }
    EXPECT_TRUE(p.done());
    EXPECT_EQ(p.current() + 1, l.steps.size());
    EXPECT_EQ(p.progress().answered, static_cast<int>(questions));
    EXPECT_EQ(p.progress().correct, static_cast<int>(questions));
  }
}

TEST(LessonPlayer, TypedAndChoiceAnswers) {
  scenario::Question typed;
  typed.answer = "mx.example.net";
  EXPECT_TRUE(LessonPlayer::same_answer(typed, "  MX.Example.NET "));
  EXPECT_FALSE(LessonPlayer::same_answer(typed, "mx.example.org"));
  typed.answer = "250";
  EXPECT_TRUE(LessonPlayer::same_answer(typed, "250"));
  EXPECT_TRUE(LessonPlayer::same_answer(typed, "00250"));
  EXPECT_FALSE(LessonPlayer::same_answer(typed, "25"));
  EXPECT_FALSE(LessonPlayer::same_answer(typed, ""));
  scenario::Question choice;
  choice.choices = {"25", "587"};
  choice.answer = "587";
  EXPECT_TRUE(LessonPlayer::same_answer(choice, "587"));
  EXPECT_FALSE(LessonPlayer::same_answer(choice, "25"));
  EXPECT_FALSE(LessonPlayer::same_answer(choice, " 587"));  // a choice is the button itself
}

TEST(LessonPlayer, BackGoesToThePreviousStepsPlaceAndNextPlaysOn) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  LessonPlayer p(l);
  p.go_to(v, 2);
  ASSERT_EQ(v.cursor(), p.place(2).at);
  p.back(v);
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(v.cursor(), p.place(1).at);
  EXPECT_EQ(v.events()[v.cursor() - 1].code, 220);
  EXPECT_TRUE(p.held());
  EXPECT_FALSE(v.playing());
  p.back(v);
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(v.cursor(), 0u);
  p.back(v);  // at the first step: stays
  EXPECT_EQ(p.current(), 0u);
  ASSERT_TRUE(p.next(v));
  play_until_stopped(v, p);
  EXPECT_EQ(p.current(), 2u);
  // Next while still on the way goes straight to the step's place.
  ASSERT_TRUE(p.next(v));
  EXPECT_EQ(p.current(), 3u);
  EXPECT_LT(v.cursor(), p.place(3).at);
  EXPECT_EQ(p.shown(v.cursor()), 2u);  // the narration stays until the step is reached
  ASSERT_TRUE(p.next(v));
  EXPECT_EQ(v.cursor(), p.place(3).at);
  EXPECT_EQ(p.shown(v.cursor()), 3u);
  EXPECT_FALSE(v.playing());
}

TEST(LessonPlayer, TheTeacherCanLeaveTheLessonAndResumeIt) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  LessonPlayer p(l);
  p.go_to(v, 2);
  const std::size_t at = p.place(2).at;
  // Stepping back by hand leaves the lesson; the lesson no longer stops playback.
  ASSERT_TRUE(v.step_back());
  p.frame(v);
  EXPECT_FALSE(p.following());
  v.seek(v.events().size() > 100 ? 100 : v.events().size());
  p.frame(v);
  EXPECT_FALSE(p.following());
  EXPECT_EQ(p.current(), 2u);
  p.resume(v);
  EXPECT_TRUE(p.following());
  EXPECT_EQ(v.cursor(), at);
  // Stepping forward by hand past a held step leaves it too.
  ASSERT_TRUE(v.step_forward());
  p.frame(v);
  EXPECT_FALSE(p.following());
  ASSERT_TRUE(p.next(v));  // Next when not following: back to the current step
  EXPECT_TRUE(p.following());
  EXPECT_EQ(v.cursor(), at);
}

TEST(LessonPlayer, SpotlightOfTheShownStep) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  LessonPlayer p(l);
  p.go_to(v, 4);
  const Spotlight s = p.spotlight(v.cursor());
  ASSERT_TRUE(s.event.has_value());
  EXPECT_EQ(*s.event, *p.place(4).matched);
  EXPECT_EQ(v.events()[*s.event].kind, EventKind::Queued);
  EXPECT_TRUE(s.lit("mail.example.com"));
  EXPECT_FALSE(s.lit("alice-laptop"));
  EXPECT_EQ(s.inspect, "mail.example.com");
  p.go_to(v, 2);
  const Spotlight s2 = p.spotlight(v.cursor());
  ASSERT_TRUE(s2.link.has_value());
  EXPECT_EQ(s2.link->second, "mail.example.com");
  EXPECT_FALSE(s2.event.has_value());
}

// --- drawing, headless ---------------------------------------------------------------------

class LessonImGui : public HeadlessImGui {};

TEST_F(LessonImGui, EveryStepDrawsAndTheCanvasAndTranscriptGetTheSpotlight) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  Panels panels;
  panels.lesson = std::make_unique<LessonPanel>(l);
  for (std::size_t k = 0; k < l.steps.size(); ++k) {
    panels.lesson->player().go_to(v, k);
    frame(v, panels);
    frame(v, panels);
    EXPECT_EQ(panels.canvas.spotlight, &panels.lesson->spotlight());
    EXPECT_EQ(panels.transcript.marked, panels.lesson->spotlight().event);
    EXPECT_EQ(panels.lesson->choice_rects().size(), k == 3 ? 3u : 0u) << k;
  }
}

TEST_F(LessonImGui, AStepThatNamesAHostToInspectOpensTheInspectorOnIt) {
  for (const scenario::Lesson& l : shipped_lessons()) {
    for (std::size_t k = 0; k < l.steps.size(); ++k) {
      const std::string& host = l.steps[k].highlight.inspect;
      if (host.empty()) continue;
      SCOPED_TRACE(l.id + " step " + std::to_string(k + 1));
      auto vp = make_view(l);
      View& v = *vp;
      Panels panels;
      panels.lesson = std::make_unique<LessonPanel>(l);
      panels.lesson->player().go_to(v, k);
      frame(v, panels);
      EXPECT_EQ(panels.inspector.selection().to_string(), "host:" + host);
    }
  }
}

TEST_F(LessonImGui, EveryStepOfEveryShippedLessonDraws) {
  for (const scenario::Lesson& l : shipped_lessons()) {
    SCOPED_TRACE(l.id);
    auto vp = make_view(l);
    View& v = *vp;
    Panels panels;
    panels.lesson = std::make_unique<LessonPanel>(l);
    for (std::size_t k = 0; k < l.steps.size(); ++k) {
      panels.lesson->player().go_to(v, k);
      frame(v, panels);
      frame(v, panels);
      EXPECT_EQ(panels.lesson->player().shown(v.cursor()), k);
      const auto& q = l.steps[k].question;
      EXPECT_EQ(panels.lesson->choice_rects().size(), q ? q->choices.size() : 0u) << k;
      // The lesson panel leaves the canvas most of the window.
      EXPECT_LE(panels.lesson->pane_max().y - panels.lesson->pane_min().y, 900 * 0.6f);
    }
  }
}

TEST_F(LessonImGui, ClickingAChoiceAnswersTheQuestion) {
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  Panels panels;
  panels.lesson = std::make_unique<LessonPanel>(l);
  panels.lesson->player().go_to(v, 3);
  frame(v, panels);
  frame(v, panels);
  ASSERT_EQ(panels.lesson->choice_rects().size(), 3u);
  // While the question waits, the transcript lists only what has happened: the dimmed future
  // lines would give the answer away.
  EXPECT_TRUE(panels.transcript.hide_future);
  std::size_t past = 0;
  for (const auto& r : panels.transcript.rows()) past += r.event < v.cursor();
  EXPECT_EQ(panels.transcript.listed(), past);
  EXPECT_LT(panels.transcript.listed(), panels.transcript.rows().size());
  const auto [a, b] = panels.lesson->choice_rects()[1];  // "354"
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2);
  frame(v, panels);
  io.MouseDown[0] = true;
  frame(v, panels);
  io.MouseDown[0] = false;
  frame(v, panels);
  const AnswerState& s = panels.lesson->player().answer_state(3);
  EXPECT_TRUE(s.answered);
  EXPECT_TRUE(s.correct);
  EXPECT_EQ(s.given, "354");
  // The simulation stayed where the question was asked.
  EXPECT_EQ(v.cursor(), panels.lesson->player().place(3).at);
  // Answered: the lines to come are listed again (dimmed).
  frame(v, panels);
  EXPECT_FALSE(panels.transcript.hide_future);
  EXPECT_EQ(panels.transcript.listed(), panels.transcript.rows().size());
}

// --- progress file ---------------------------------------------------------------------------

class ProgressFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("smtpsim-progress-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST_F(ProgressFile, RoundTripThroughTheFile) {
  const fs::path file = dir_ / "state" / "smtpsim" / "progress.json";
  scenario::ProgressStore a(file);
  EXPECT_EQ(a.load(), "");  // missing: no progress, no problem
  EXPECT_TRUE(a.all().empty());
  a.set("01-the-cast", {true, 10, 3, 2});
  a.set("02-the-handshake", {false, 4, 1, 1});
  ASSERT_EQ(a.save(), "");  // creates the directories
  scenario::ProgressStore b(file);
  EXPECT_EQ(b.load(), "");
  EXPECT_EQ(b.all(), a.all());
  EXPECT_EQ(b.get("01-the-cast"), (scenario::LessonProgress{true, 10, 3, 2}));
  EXPECT_EQ(b.get("unknown"), scenario::LessonProgress{});
  // Atomic: only the file itself is left in the directory, no temp file.
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path())) {
    EXPECT_EQ(e.path().filename(), "progress.json");
    ++n;
  }
  EXPECT_EQ(n, 1u);
}

TEST_F(ProgressFile, ACorruptFileIsReportedOnceAndIgnored) {
  fs::create_directories(dir_);
  const fs::path file = dir_ / "progress.json";
  for (const char* bad : {"{\"version\": 1, \"lessons\": {", "[1, 2]", "{\"version\": 7}",
                          "{\"version\": 1, \"lessons\": {\"x\": {\"done\": \"yes\"}}}",
                          "{\"version\": 1, \"lessons\": {\"x\": {\"furthest\": -1}}}"}) {
    SCOPED_TRACE(bad);
    std::ofstream(file) << bad;
    scenario::ProgressStore s(file);
    const std::string problem = s.load();
    EXPECT_NE(problem.find(file.string()), std::string::npos) << problem;
    EXPECT_TRUE(s.all().empty());
    EXPECT_EQ(s.load(), "");  // reported once
    // The next save replaces it with a good file.
    s.set("01-the-cast", {true, 1, 0, 0});
    ASSERT_EQ(s.save(), "");
    scenario::ProgressStore again(file);
    EXPECT_EQ(again.load(), "");
    EXPECT_TRUE(again.get("01-the-cast").done);
  }
}

TEST_F(ProgressFile, AFailedWriteLeavesTheOldFileWhole) {
  fs::create_directories(dir_);
  const fs::path file = dir_ / "progress.json";
  scenario::ProgressStore s(file);
  s.set("a", {true, 2, 0, 0});
  ASSERT_EQ(s.save(), "");
  const std::string before = read(file);
  // The temp file's name is taken by a directory: the write fails before the rename, and
  // the old file stays whole (works as root too, unlike a read-only directory).
  const fs::path tmp = dir_ / (".progress.json." + std::to_string(::getpid()) + ".tmp");
  fs::create_directories(tmp);
  s.set("b", {false, 1, 0, 0});
  const std::string problem = s.save();
  EXPECT_NE(problem.find("cannot write " + file.string()), std::string::npos) << problem;
  EXPECT_EQ(read(file), before);
  fs::remove(tmp);
  s.set_read_only(true);  // screenshot runs: nothing is written
  EXPECT_EQ(s.save(), "");
  EXPECT_EQ(read(file), before);
  s.set_read_only(false);
  ASSERT_EQ(s.save(), "");
  EXPECT_NE(read(file).find("\"b\""), std::string::npos);
}

TEST_F(ProgressFile, DefaultPathFollowsXdgStateHome) {
  const char* old_state = std::getenv("XDG_STATE_HOME");
  const std::string saved = old_state ? old_state : "";
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  ::setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1);
  EXPECT_EQ(scenario::ProgressStore::default_path(), "/tmp/xdg-state/smtpsim/progress.json");
  ::setenv("XDG_STATE_HOME", "relative/ignored", 1);  // the spec: relative paths are invalid
  ::setenv("HOME", "/home/teacher", 1);
  EXPECT_EQ(scenario::ProgressStore::default_path(),
            "/home/teacher/.local/state/smtpsim/progress.json");
  if (old_state)
    ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_STATE_HOME");
  if (old_home)
    ::setenv("HOME", saved_home.c_str(), 1);
  else
    ::unsetenv("HOME");
}

TEST_F(LessonImGui, ProgressIsSavedWhenALessonMovesOn) {
  const fs::path file = fs::temp_directory_path() /
                        ("smtpsim-progress-panel-" + std::to_string(::getpid())) / "progress.json";
  const scenario::Lesson l = same_domain_lesson();
  auto vp = make_view(l);
  View& v = *vp;
  Panels panels;
  panels.progress = scenario::ProgressStore(file);
  panels.lesson = std::make_unique<LessonPanel>(l);
  panels.lesson->player().go_to(v, 6);
  frame(v, panels);
  scenario::ProgressStore read(file);
  EXPECT_EQ(read.load(), "");
  EXPECT_TRUE(read.get("test-same-domain").done);
  EXPECT_EQ(read.get("test-same-domain").furthest, 6u);
  fs::remove_all(file.parent_path());
}

// --- browser ---------------------------------------------------------------------------------

TEST_F(ProgressFile, TheBrowserListsLessonFilesInOrder) {
  fs::create_directories(dir_ / "scenarios");
  std::ofstream(dir_ / "02-handshake.json")
      << R"({"lesson": {"title": "The handshake", "minutes": 6, "summary": "EHLO"}, "name": "x"})";
  std::ofstream(dir_ / "01-cast.json") << R"({"lesson": {"title": "The cast"}, "name": "y"})";
  std::ofstream(dir_ / "plain.json") << R"({"name": "a-scenario", "hosts": []})";
  std::ofstream(dir_ / "broken.json") << R"({"lesson": )";
  std::ofstream(dir_ / "notes.txt") << "not json";
  std::ofstream(dir_ / "scenarios" / "03-inside.json") << R"({"lesson": {"title": "no"}})";
  const auto list = list_lessons(dir_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "01-cast");
  EXPECT_EQ(list[0].title, "The cast");
  EXPECT_EQ(list[0].minutes, 5);
  EXPECT_EQ(list[1].id, "02-handshake");
  EXPECT_EQ(list[1].title, "The handshake");
  EXPECT_EQ(list[1].minutes, 6);
  EXPECT_EQ(list[1].summary, "EHLO");
  EXPECT_EQ(list[1].path, (dir_ / "02-handshake.json").string());
}

TEST_F(LessonImGui, ClickingARowOfTheBrowserChoosesThatLesson) {
  const fs::path dir =
      fs::temp_directory_path() / ("smtpsim-browser-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "01-cast.json") << R"({"lesson": {"title": "The cast"}, "name": "y"})";
  LessonBrowser b;
  b.refresh(dir);
  b.open = true;
  scenario::ProgressStore progress{fs::path{}};
  progress.set("01-cast", {true, 3, 0, 0});
  std::ofstream(dir / "02-handshake.json") << R"({"lesson": {"title": "EHLO"}, "name": "z"})";
  b.refresh(dir);
  auto draw = [&] {
    ImGui::NewFrame();
    auto got = b.draw(progress);
    ImGui::Render();
    return got;
  };
  EXPECT_FALSE(draw().has_value());  // nothing clicked
  EXPECT_FALSE(draw().has_value());
  ASSERT_EQ(b.row_rects().size(), 2u);
  const auto [a, z] = b.row_rects()[1];
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2((a.x + z.x) / 2, (a.y + z.y) / 2);
  EXPECT_FALSE(draw().has_value());
  io.MouseDown[0] = true;
  EXPECT_FALSE(draw().has_value());
  io.MouseDown[0] = false;
  const auto chosen = draw();
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, (dir / "02-handshake.json").string());
  EXPECT_TRUE(b.open);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smtpsim::gui
