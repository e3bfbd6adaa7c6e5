// The lesson model (issue 6): a scenario plus a script of classroom steps — narration,
// waiting for a trace event, pauses, highlights, questions, "myth vs fact" cards and
// checkpoints. A lesson file is a scenario file (same keys, same loader, lessons/README.md)
// with two more top-level keys, "lesson" (id, title, minutes, summary) and "steps".
//
// Steps are placed on the recorded trace, never on wall time: a step "happens" when its
// `wait_for` pattern matches an event after the previous step's event, so a lesson plays the
// same headless (the test suite) and in the GUI (DESIGN.md: the GUI only observes sim/).
// Questions carry a `verify` pattern: the answer a class is told is right must be what the
// simulation does next, or the lesson check fails. Nothing here knows about ImGui.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario/load.hpp"
#include "sim/scenario/spec.hpp"
#include "sim/trace/event.hpp"

namespace smtpsim::scenario {

// A predicate over one trace event. Every field that is set must match; unset fields match
// anything. Text comparisons are case-sensitive (protocol lines are what they are).
struct EventPattern {
  std::optional<trace::EventKind> kind;  // "line", "delivered", "dns_lookup" ... (kind_name)
  std::string host, peer;                // exact host names
  std::string proto;                     // "SMTP", "DNS", "POP3", "IMAP", "HTTP"
  std::optional<bool> outbound;          // Line: sent by `host`
  std::optional<bool> tls;               // Line: inside TLS
  std::optional<int> code;               // Line: reply code
  std::optional<std::uint16_t> port;
  std::string text_starts;    // the event's text starts with this
  std::string text_contains;  // the event's text contains this
  std::string detail_contains;
  std::string address;     // exact recipient / sender address
  std::string message_id;  // exact queue id

  bool matches(const trace::Event& e) const;
  // One phrase for messages: "a line from mx.example.org with code 354".
  std::string describe() const;
};

// What the GUI spotlights while a step is shown.
struct Highlight {
  std::vector<std::string> hosts;
  std::optional<std::pair<std::string, std::string>> link;
  bool transcript_line = false;  // the event the step waited for (its transcript line)
  std::string inspect;           // a host name to open in the inspector ("" = none)
};

// A question to the class. The simulation waits for the answer in the GUI.
struct Question {
  std::string ask;
  std::vector<std::string> choices;  // empty: the answer is typed (a number or a word)
  std::string answer;                // one of choices, or the typed answer
  std::string explain;               // shown after answering, right or wrong
  // The answer checked against the simulation: the first event at index >= StepPlace::at
  // (after the awaited event, so "what comes next?" works) that
  // matches `verify` must have `field` ("code", "host", "peer", "text", "address", "port",
  // "proto") equal to `answer` (for "text": start with it; for "code" and "port": the number
  // the answer starts with, so a choice may read "354 go ahead"). A question without verify
  // is refused by the loader unless it is marked "opinion": true (no right answer in the
  // trace).
  std::optional<EventPattern> verify;
  std::string field = "code";
  bool opinion = false;
};

struct MythCard {
  std::string myth;    // what the seed says
  std::string fact;    // what is true (REFERENCE.md)
  std::string source;  // "seed 002", "RFC 6409 §3.1"
};

// An assertion on the trace that the headless run (and the test suite) verifies.
struct Checkpoint {
  std::string says;  // the claim in words: "Bob's server answered 550 5.1.1"
  EventPattern pattern;
  enum class Mode { Exists, Absent, Count } mode = Mode::Exists;
  int count = 0;  // Mode::Count: exactly this many matching events in the whole run
  // Exists: a matching event at or after the step's place (StepPlace::matched when the step
  // waited for an event, so the awaited event itself counts; else StepPlace::at).
  // Absent, Count: the whole run. JSON: {"says", "event"} / {"says", "event", "count"} /
  // {"says", "absent"} (lessons/README.md).
};

// "Type it yourself" (lesson 13): the learner types SMTP into a console connected to the
// port-25 MTA of `host` (scenario::ConsoleSession, the genuine server machine). The goal is
// reached when a message is accepted (250 after the dot) for `goal_recipient`. The headless
// lesson check types `solution` into a fresh console and fails the lesson unless the goal is
// reached (check_console_step in console_session.hpp), so the lesson cannot promise a
// session the server would refuse.
struct ConsoleStep {
  std::string host;                   // scenario host running the MTA
  std::string goal_recipient;         // "bob@example.com"
  std::vector<std::string> solution;  // lines a learner could type, in order
};

struct Step {
  std::string pointer;  // JSON pointer of the step ("/steps/3"), for messages
  std::string say;      // narration (short, classroom-sized)
  std::optional<EventPattern> wait_for;
  bool pause = false;  // the GUI stops playing here until the teacher goes on
  Highlight highlight;
  std::optional<Question> question;
  std::optional<MythCard> myth;
  std::vector<Checkpoint> checks;
  std::optional<ConsoleStep> console;  // the GUI opens the console at this step
};

struct Lesson {
  std::string id;  // "03-one-message": the file name without .json
  std::string title, summary;
  int minutes = 5;  // length in class
  Spec scenario;    // the world the lesson runs (Spec::file is the lesson file)
  std::vector<Step> steps;
};

using LessonResult = std::variant<Lesson, LoadError>;

// True when the JSON text has a top-level "lesson" key (otherwise it is a plain scenario).
// Cheap enough to call on every file of the lessons directory.
bool looks_like_lesson(std::string_view text);

// Same error style as load_scenario: one sentence, file and line/column or JSON pointer.
LessonResult load_lesson(const std::filesystem::path& path);
LessonResult parse_lesson(std::string_view text, std::string_view file_label);

// --- placing steps on a trace --------------------------------------------------------

// The first event at index >= from matching p, if any.
std::optional<std::size_t> find_event(const EventPattern& p, std::span<const trace::Event> events,
                                      std::size_t from);

struct StepPlace {
  std::optional<std::size_t> matched;  // the event the step waited for
  std::size_t at = 0;                  // events applied when the step is shown
  bool resolved = false;               // false: wait_for has no match in `events` yet
};

// Where each step goes on this trace: step k waits for the first match after step k-1's
// place. Steps after the first unresolved one are unresolved too.
std::vector<StepPlace> place_steps(const Lesson& lesson, std::span<const trace::Event> events);

// Runs every check of a finished run: each step placed, each checkpoint true, each question's
// answer equal to what the simulation did. Returns one sentence per failure, naming the file
// and the step's pointer; empty = the lesson teaches what it claims.
std::vector<std::string> check_lesson(const Lesson& lesson, std::span<const trace::Event> events);

}  // namespace smtpsim::scenario
