// Lessons (sim/scenario/lesson.hpp): patterns, placement of steps on a trace, the checker's
// failure sentences (a false checkpoint, an answer the simulation contradicts), the loader's
// errors on the malformed corpus tests/lessons_bad/ (each file beside the exact .err it must
// produce), and every shipped lesson: it loads, its checks hold, and its transcript equals
// tests/golden/lessons/<id>.txt (SMTPSIM_UPDATE_GOLDEN=1 rewrites them, as for scenarios).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/scenario/lesson.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace smtpsim;
using scenario::Checkpoint;
using scenario::EventPattern;
using scenario::Lesson;
using scenario::LoadError;
using trace::Event;
using trace::EventKind;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A small world for lessons written in the tests: one provider, Alice sends to Bob at 1s.
constexpr const char* kWorld = R"("name": "t",
  "run_for": "1h",
  "hosts": [
    {"name": "alice-laptop", "address": "192.0.2.10", "roles": ["MUA"],
     "mua": {"address": "alice@example.com", "user": "alice", "password": "alice",
             "submit_to": "mail.example.com"}},
    {"name": "mail.example.com", "address": "203.0.113.25", "roles": ["MSA", "MTA", "MDA"],
     "domains": ["example.com"], "users": {"alice": "alice", "bob": "bob"}}
  ],
  "script": [{"at": "1s", "action": "send", "host": "alice-laptop", "to": "bob@example.com",
              "subject": "Hi", "body": "Hello"}])";

std::string lesson_text(const std::string& steps) {
  return std::string("{\"lesson\": {\"title\": \"T\", \"minutes\": 3, \"summary\": \"S\"},\n") +
         kWorld + ",\n\"steps\": " + steps + "}";
}

Lesson parse(const std::string& text) {
  auto r = scenario::parse_lesson(text, "t.json");
  if (auto* e = std::get_if<LoadError>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<Lesson>(std::move(r));
}

std::vector<Event> run(const Lesson& l) {
  trace::Recorder rec;
  scenario::Simulation sim(l.scenario, rec);
  sim.run();
  return {rec.events().begin(), rec.events().end()};
}

Event line(std::string host, std::string peer, std::string text, int code = 0) {
  return Event{.kind = EventKind::Line,
               .host = std::move(host),
               .peer = std::move(peer),
               .port = 25,
               .proto = "SMTP",
               .outbound = true,
               .code = code,
               .text = std::move(text)};
}

// ---- patterns -------------------------------------------------------------------------------

TEST(LessonPattern, EverySetFieldMustMatch) {
  const Event e = line("mx.example.net", "mail.example.com", "354 End data", 354);
  EventPattern p;
  EXPECT_TRUE(p.matches(e));  // nothing set: anything
  p.kind = EventKind::Line;
  p.host = "mx.example.net";
  p.code = 354;
  p.text_starts = "354 ";
  EXPECT_TRUE(p.matches(e));
  p.peer = "alice-laptop";
  EXPECT_FALSE(p.matches(e));
  p.peer = "mail.example.com";
  p.tls = true;
  EXPECT_FALSE(p.matches(e));
  p.tls = false;
  p.text_contains = "DATA";  // case-sensitive
  EXPECT_FALSE(p.matches(e));
  p.text_contains = "End";
  EXPECT_TRUE(p.matches(e));
  p.port = 587;
  EXPECT_FALSE(p.matches(e));
}

TEST(LessonPattern, DescribeIsOnePhrase) {
  EventPattern p;
  p.kind = EventKind::Line;
  p.host = "mx.example.net";
  p.peer = "mail.example.com";
  p.code = 354;
  EXPECT_EQ(p.describe(), "a line from mx.example.net to mail.example.com with code 354");
  EventPattern q;
  q.kind = EventKind::Delivered;
  q.host = "mx.example.net";
  q.address = "carol@example.net";
  EXPECT_EQ(q.describe(), "a delivered event at mx.example.net for <carol@example.net>");
  EXPECT_EQ(EventPattern{}.describe(), "an event");
}

TEST(LessonPattern, FindEventStartsAtFrom) {
  const std::vector<Event> ev = {line("a", "b", "220 hi", 220), line("b", "a", "EHLO b"),
                                 line("a", "b", "250 ok", 250)};
  EventPattern p;
  p.host = "a";
  EXPECT_EQ(scenario::find_event(p, ev, 0), 0u);
  EXPECT_EQ(scenario::find_event(p, ev, 1), 2u);
  EXPECT_EQ(scenario::find_event(p, ev, 3), std::nullopt);
}

// ---- placement ------------------------------------------------------------------------------

TEST(LessonPlace, StepsFollowEachOtherOnTheTrace) {
  const std::vector<Event> ev = {line("s", "c", "220 hi", 220), line("c", "s", "EHLO c"),
                                 line("s", "c", "250 ok", 250), line("c", "s", "QUIT"),
                                 line("s", "c", "221 bye", 221)};
  Lesson l;
  l.steps.resize(5);
  l.steps[0].say = "before anything";
  EventPattern from_s;
  from_s.host = "s";
  l.steps[1].wait_for = from_s;  // 220, index 0
  l.steps[2].wait_for = from_s;  // the next one after 220: 250, index 2
  l.steps[3].say = "no wait: same place as the step before";
  EventPattern never;
  never.text_starts = "RSET";
  l.steps[4].wait_for = never;
  const auto places = scenario::place_steps(l, ev);
  ASSERT_EQ(places.size(), 5u);
  EXPECT_TRUE(places[0].resolved);
  EXPECT_EQ(places[0].at, 0u);
  EXPECT_FALSE(places[0].matched);
  EXPECT_EQ(places[1].matched, 0u);
  EXPECT_EQ(places[1].at, 1u);  // shown with the awaited event applied
  EXPECT_EQ(places[2].matched, 2u);
  EXPECT_EQ(places[2].at, 3u);
  EXPECT_TRUE(places[3].resolved);
  EXPECT_EQ(places[3].at, 3u);
  EXPECT_FALSE(places[4].resolved);
}

TEST(LessonPlace, StepsAfterAnUnresolvedOneAreUnresolved) {
  Lesson l;
  l.steps.resize(2);
  EventPattern never;
  never.text_starts = "never";
  l.steps[0].wait_for = never;
  const auto places = scenario::place_steps(l, std::vector<Event>{line("a", "b", "x")});
  EXPECT_FALSE(places[0].resolved);
  EXPECT_FALSE(places[1].resolved);
}

// ---- the checker on a real run --------------------------------------------------------------

TEST(LessonCheck, TrueLessonHasNoFailures) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "greeting", "wait_for": {"kind": "line", "host": "mail.example.com", "code": 220},
     "check": [{"says": "bob gets it", "event": {"kind": "delivered", "text_contains": "bob"}},
               {"says": "one connection", "count": 1, "event": {"kind": "connection_opened"}},
               {"says": "no bounce", "absent": {"kind": "bounced"}}]},
    {"say": "data", "wait_for": {"kind": "line", "host": "alice-laptop", "text_starts": "DATA"},
     "question": {"ask": "next?", "choices": ["250", "354 go ahead"], "answer": "354 go ahead",
                  "explain": "e", "verify": {"kind": "line", "host": "mail.example.com",
                  "code": 354}, "field": "code"}}
  ])"));
  const auto ev = run(l);
  EXPECT_EQ(scenario::check_lesson(l, ev), std::vector<std::string>{});
}

TEST(LessonCheck, FalseCheckpointFailsWithItsSentence) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "s", "check": [
      {"says": "the message bounces", "event": {"kind": "bounced", "host": "mail.example.com"}},
      {"says": "two connections", "count": 2, "event": {"kind": "connection_opened"}},
      {"says": "nothing is delivered", "absent": {"kind": "delivered"}}]}
  ])"));
  const auto ev = run(l);
  const auto failures = scenario::check_lesson(l, ev);
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0],
            "t.json: /steps/0/check/0: not true: \"the message bounces\" (no event at or after "
            "this step is a bounced event at mail.example.com)");
  EXPECT_EQ(failures[1],
            "t.json: /steps/0/check/1: not true: \"two connections\" (expected 2, found 1: a "
            "connection_opened event)");
  EXPECT_TRUE(
      failures[2].starts_with("t.json: /steps/0/check/2: not true: \"nothing is "
                              "delivered\" (there is a delivered event: delivered at "))
      << failures[2];
}

TEST(LessonCheck, AnswerTheSimulationContradictsFails) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "data", "wait_for": {"kind": "line", "host": "alice-laptop", "text_starts": "DATA"},
     "question": {"ask": "next?", "choices": ["250", "354"], "answer": "250", "explain": "e",
                  "verify": {"kind": "line", "host": "mail.example.com", "code": 354}}}
  ])"));
  // The question's verify finds the 354; the answer says 250.
  auto ev = run(l);
  auto failures = scenario::check_lesson(l, ev);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(failures[0].starts_with(
      "t.json: /steps/0/question: the answer \"250\" disagrees with the simulation: the first "
      "event after this step that is a line from mail.example.com with code 354 has code "
      "\"354\" (line at +0:00:01."))
      << failures[0];
  EXPECT_TRUE(
      failures[0].ends_with("(mail.example.com to alice-laptop): \"354 End data with "
                            "<CR><LF>.<CR><LF>\")"))
      << failures[0];
}

TEST(LessonCheck, QuestionWithoutMatchingEventFails) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "s", "question": {"ask": "?", "answer": "550", "explain": "e",
                              "verify": {"kind": "line", "code": 550}}}
  ])"));
  const auto failures = scenario::check_lesson(l, run(l));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0],
            "t.json: /steps/0/question: the answer \"550\" cannot be verified: no event after "
            "this step is a line with code 550");
}

TEST(LessonCheck, StepThatNeverHappensStopsTheCheck) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "a", "wait_for": {"kind": "bounced"}},
    {"say": "b", "check": [{"says": "x", "event": {"kind": "bounced"}}]}
  ])"));
  const auto ev = run(l);
  const auto failures = scenario::check_lesson(l, ev);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0],
            "t.json: /steps/0/wait_for: never happened: the step waits for a bounced "
            "event after event 0, and the run has " +
                std::to_string(ev.size()) + " events");
}

TEST(LessonCheck, CheckpointMayNameTheAwaitedEvent) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "q", "wait_for": {"kind": "queued"},
     "check": [{"says": "queued", "event": {"kind": "queued"}}]}
  ])"));
  EXPECT_EQ(scenario::check_lesson(l, run(l)), std::vector<std::string>{});
}

// ---- loading --------------------------------------------------------------------------------

TEST(LessonLoad, LooksLikeLesson) {
  EXPECT_TRUE(scenario::looks_like_lesson(lesson_text("[]")));
  EXPECT_TRUE(scenario::looks_like_lesson("{ \"name\": \"x\",\n  \"lesson\" : {}}"));
  EXPECT_FALSE(scenario::looks_like_lesson(std::string("{") + kWorld + "}"));
  EXPECT_FALSE(scenario::looks_like_lesson(R"({"description": "lesson", "x": {"lesson": 1}})"));
  EXPECT_FALSE(scenario::looks_like_lesson(R"({"description": "\"lesson\": 1"})"));
}

TEST(LessonLoad, FieldsAreRead) {
  const Lesson l = parse(lesson_text(R"([
    {"say": "s", "pause": true, "wait_for": {"kind": "line", "code": 220, "tls": false},
     "highlight": {"hosts": ["alice-laptop"], "link": ["alice-laptop", "mail.example.com"],
                   "transcript_line": true, "inspect": "mail.example.com"},
     "myth": {"myth": "m", "fact": "f", "source": "RFC 5321"},
     "question": {"ask": "a", "answer": 220, "explain": "e", "verify": {"code": 220}},
     "check": [{"says": "c", "count": 3, "event": {"kind": "line", "port": 587}}]},
    {"say": "opinion", "question": {"ask": "why?", "answer": "x", "explain": "e", "opinion": true}}
  ])"));
  EXPECT_EQ(l.id, "t");
  EXPECT_EQ(l.title, "T");
  EXPECT_EQ(l.minutes, 3);
  ASSERT_EQ(l.steps.size(), 2u);
  const auto& s = l.steps[0];
  EXPECT_EQ(s.pointer, "/steps/0");
  EXPECT_TRUE(s.pause);
  EXPECT_EQ(s.wait_for->code, 220);
  EXPECT_EQ(s.wait_for->tls, false);
  EXPECT_EQ(s.highlight.link->second, "mail.example.com");
  EXPECT_EQ(s.highlight.inspect, "mail.example.com");
  EXPECT_EQ(s.question->answer, "220");
  EXPECT_EQ(s.question->field, "code");
  EXPECT_EQ(s.myth->source, "RFC 5321");
  ASSERT_EQ(s.checks.size(), 1u);
  EXPECT_EQ(s.checks[0].mode, Checkpoint::Mode::Count);
  EXPECT_EQ(s.checks[0].count, 3);
  EXPECT_TRUE(l.steps[1].question->opinion);
  EXPECT_FALSE(l.steps[1].question->verify);
  EXPECT_EQ(l.scenario.file, "t.json");
}

// A console step (lesson 13): read from JSON, and its solution replayed by check_lesson on the
// real server machine, so a lesson cannot promise a session the server would refuse.
TEST(LessonConsole, StepIsReadAndItsSolutionReplayed) {
  const std::string good = R"([
    {"say": "your turn", "console": {"host": "mail.example.com", "goal": "bob@example.com",
     "solution": ["EHLO laptop", "MAIL FROM:<alice@example.com>", "RCPT TO:<bob@example.com>",
                  "DATA", "Subject: hi", "", "Hello Bob", ".", "QUIT"]}}
  ])";
  const Lesson l = parse(lesson_text(good));
  ASSERT_EQ(l.steps.size(), 1u);
  ASSERT_TRUE(l.steps[0].console);
  EXPECT_EQ(l.steps[0].console->host, "mail.example.com");
  EXPECT_EQ(l.steps[0].console->goal_recipient, "bob@example.com");
  ASSERT_EQ(l.steps[0].console->solution.size(), 9u);
  EXPECT_EQ(l.steps[0].console->solution[5], "");
  EXPECT_EQ(scenario::check_lesson(l, run(l)), std::vector<std::string>{});

  // Without the final dot the goal is never reached and QUIT becomes message text.
  std::string bad = good;
  bad.replace(bad.find("\".\", "), 5, "");
  const Lesson lb = parse(lesson_text(bad));
  const auto failures = scenario::check_lesson(lb, run(lb));
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].substr(0, 59),
            "t.json: /steps/0: console: solution line 8 \"QUIT\" is a mist");
  EXPECT_EQ(failures[1],
            "t.json: /steps/0: console: the solution does not get a message accepted for "
            "bob@example.com by mail.example.com (last reply: \"354 End data with "
            "<CR><LF>.<CR><LF>\")");
}

TEST(LessonConsole, MalformedConsoleStepsAreNamedPrecisely) {
  const auto error = [](const std::string& console) {
    auto r = scenario::parse_lesson(lesson_text("[{\"say\": \"s\", \"console\": " + console + "}]"),
                                    "t.json");
    return std::holds_alternative<LoadError>(r) ? std::get<LoadError>(r).message : "loaded";
  };
  EXPECT_EQ(error(R"({"host": "mail.example.com", "goal": "bob@example.com"})"),
            "t.json: /steps/0/console: missing required field \"solution\" (the lines a learner "
            "could type, in order)");
  EXPECT_EQ(error(R"({"host": "mail.example.com", "goal": "bob@example.com", "solution": []})"),
            "t.json: /steps/0/console/solution: expected at least one line");
  EXPECT_EQ(error(R"({"host": "mail.example.com", "goal": "bob@example.com", "solution": [1]})"),
            "t.json: /steps/0/console/solution/0: expected a string, found 1");
  EXPECT_EQ(
      error(R"({"host": "mail.example.com", "goal": "bob", "solution": ["x"]})").substr(0, 31),
      "t.json: /steps/0/console/goal: ");
  EXPECT_EQ(error(R"({"host": "mail.exmple.com", "goal": "bob@example.com", "solution": ["x"]})"),
            "t.json: /steps/0/console/host: no host \"mail.exmple.com\" in this lesson's scenario "
            "(did you mean \"mail.example.com\"?)");
  EXPECT_EQ(error(R"({"host": "alice-laptop", "goal": "bob@example.com", "solution": ["x"]})"),
            "t.json: /steps/0/console/host: host \"alice-laptop\" has no MTA role: nothing listens "
            "on port 25 there (roles: MUA)");
  EXPECT_EQ(error(R"({"host": "mail.example.com", "goal": "bob@example.com", "solutoin": ["x"]})"),
            "t.json: /steps/0/console/solutoin: unknown field (did you mean \"solution\"?)");
}

// The authoring guide's lesson example loads and holds, so the guide cannot drift.
TEST(LessonLoad, ReadmeExampleLoadsAndHolds) {
  const std::string md = read_file(fs::path(SMTPSIM_SOURCE_DIR) / "lessons" / "README.md");
  const auto section = md.find("### A complete example");
  ASSERT_NE(section, std::string::npos);
  const auto start = md.find("```json\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = md.find("```", start + 8);
  ASSERT_NE(end, std::string::npos);
  const Lesson l = parse(md.substr(start + 8, end - start - 8));
  ASSERT_EQ(l.steps.size(), 3u);
  EXPECT_EQ(scenario::check_lesson(l, run(l)), std::vector<std::string>{});
}

// The malformed corpus: tests/lessons_bad/NAME.json must fail with exactly NAME.err (one
// line). The label is the file name, so the expected text does not depend on paths.
TEST(LessonLoad, MalformedCorpusGivesTheExactErrors) {
  const fs::path dir = fs::path(SMTPSIM_SOURCE_DIR) / "tests" / "lessons_bad";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    fs::path err = f;
    err.replace_extension(".err");
    ASSERT_TRUE(fs::exists(err)) << "missing " << err;
    std::string expected = read_file(err);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    auto r = scenario::parse_lesson(read_file(f), f.filename().string());
    ASSERT_TRUE(std::holds_alternative<LoadError>(r)) << "loaded without an error";
    EXPECT_EQ(std::get<LoadError>(r).message, expected);
  }
}

// ---- the shipped lessons ----------------------------------------------------------------------

std::vector<fs::path> shipped_lessons() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(SMTPSIM_SOURCE_DIR) / "lessons"))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class ShippedLesson : public ::testing::TestWithParam<fs::path> {};

TEST_P(ShippedLesson, TeachesWhatItClaimsAndMatchesItsGolden) {
  auto loaded = scenario::load_lesson(GetParam());
  ASSERT_TRUE(std::holds_alternative<Lesson>(loaded)) << std::get<LoadError>(loaded).message;
  const Lesson& l = std::get<Lesson>(loaded);
  EXPECT_GE(l.minutes, 3);
  EXPECT_LE(l.minutes, 10);
  trace::Recorder rec;
  scenario::Simulation sim(l.scenario, rec);
  sim.run();
  EXPECT_EQ(scenario::check_lesson(l, rec.events()), std::vector<std::string>{});
  // Shipped lessons ask no opinion questions: every answer is checked against the run.
  for (const auto& s : l.steps) {
    if (s.question) {
      EXPECT_TRUE(s.question->verify) << s.pointer;
    }
  }
  const std::string actual = trace::render_text(rec.events());
  const fs::path golden =
      fs::path(SMTPSIM_SOURCE_DIR) / "tests" / "golden" / "lessons" / (l.id + ".txt");
  if (std::getenv("SMTPSIM_UPDATE_GOLDEN")) {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << actual;
    GTEST_SKIP() << "updated " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << "missing golden file " << golden;
  EXPECT_EQ(read_file(golden), actual) << "transcript differs from " << golden;
  EXPECT_EQ(sim.net().open_connections(), 0u) << "connections left open at the end";
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedLesson, ::testing::ValuesIn(shipped_lessons()),
                         [](const auto& info) {
                           std::string n = "l" + info.param.stem().string();
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
