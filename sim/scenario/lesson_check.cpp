// Lessons against a recorded trace: matching event patterns, placing steps, and checking that
// a finished run shows what the lesson claims (checkpoints, question answers). Pure functions
// over the event list: the same code answers for the headless check and the GUI's placement.
// Trusts the lesson loader (hosts and kinds exist) and the recorder (events in order).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sim/engine/sim_time.hpp"
#include "sim/scenario/console_session.hpp"
#include "sim/scenario/lesson.hpp"

namespace smtpsim::scenario {

bool EventPattern::matches(const trace::Event& e) const {
  if (kind && e.kind != *kind) return false;
  if (!host.empty() && e.host != host) return false;
  if (!peer.empty() && e.peer != peer) return false;
  if (!proto.empty() && e.proto != proto) return false;
  if (outbound && e.outbound != *outbound) return false;
  if (tls && e.tls != *tls) return false;
  if (code && e.code != *code) return false;
  if (port && e.port != *port) return false;
  if (!text_starts.empty() && !e.text.starts_with(text_starts)) return false;
  if (!text_contains.empty() && e.text.find(text_contains) == std::string::npos) return false;
  if (!detail_contains.empty() && e.detail.find(detail_contains) == std::string::npos) return false;
  if (!address.empty() && e.address != address) return false;
  if (!message_id.empty() && e.message_id != message_id) return false;
  return true;
}

std::string EventPattern::describe() const {
  std::string out;
  if (!kind)
    out = "an event";
  else if (*kind == trace::EventKind::Line)
    out = "a line";
  else
    out = fmt::format("a {} event", trace::kind_name(*kind));
  const bool line = kind && *kind == trace::EventKind::Line;
  if (!host.empty()) out += (line ? " from " : " at ") + host;
  if (!peer.empty()) out += (line ? " to " : " with ") + peer;
  std::vector<std::string> with;
  if (!proto.empty()) with.push_back("over " + proto);
  if (port) with.push_back(fmt::format("on port {}", *port));
  if (code) with.push_back(fmt::format("with code {}", *code));
  if (tls) with.push_back(*tls ? "inside TLS" : "before TLS");
  if (outbound) with.push_back(*outbound ? "outbound" : "inbound");
  if (!text_starts.empty()) with.push_back(fmt::format("starting \"{}\"", text_starts));
  if (!text_contains.empty()) with.push_back(fmt::format("containing \"{}\"", text_contains));
  if (!detail_contains.empty())
    with.push_back(fmt::format("whose detail contains \"{}\"", detail_contains));
  if (!address.empty()) with.push_back(fmt::format("for <{}>", address));
  if (!message_id.empty()) with.push_back(fmt::format("of message {}", message_id));
  for (std::size_t i = 0; i < with.size(); ++i) out += (i == 0 ? " " : ", ") + with[i];
  return out;
}

std::optional<std::size_t> find_event(const EventPattern& p, std::span<const trace::Event> events,
                                      std::size_t from) {
  for (std::size_t i = from; i < events.size(); ++i)
    if (p.matches(events[i])) return i;
  return std::nullopt;
}

std::vector<StepPlace> place_steps(const Lesson& lesson, std::span<const trace::Event> events) {
  std::vector<StepPlace> out;
  out.reserve(lesson.steps.size());
  StepPlace prev{std::nullopt, 0, true};
  for (const auto& s : lesson.steps) {
    StepPlace here{std::nullopt, prev.at, prev.resolved};
    if (prev.resolved && s.wait_for) {
      here.matched = find_event(*s.wait_for, events, prev.at);
      here.resolved = here.matched.has_value();
      // Shown once the awaited event has been applied, so the canvas shows it happening.
      if (here.matched) here.at = *here.matched + 1;
    }
    out.push_back(here);
    prev = here;
  }
  return out;
}

namespace {

// "+0:00:01.320 a line from mx.example.net to mail.example.com: 354 End data ..."
std::string event_summary(const trace::Event& e) {
  std::string where = e.host;
  if (!e.peer.empty()) where += (e.kind == trace::EventKind::Line ? " to " : " with ") + e.peer;
  return fmt::format("{} at {} ({}): \"{}\"", trace::kind_name(e.kind), engine::format_time(e.time),
                     where, e.text);
}

// The value of a question's field on an event, as text.
std::string field_value(const trace::Event& e, std::string_view field) {
  if (field == "code") return std::to_string(e.code);
  if (field == "port") return std::to_string(e.port);
  if (field == "host") return e.host;
  if (field == "peer") return e.peer;
  if (field == "address") return e.address;
  if (field == "proto") return e.proto;
  return e.text;
}

// Whether the answer a class is told is right agrees with the event (lesson.hpp Question).
bool answer_agrees(const Question& q, const trace::Event& e) {
  const std::string value = field_value(e, q.field);
  if (q.field == "code" || q.field == "port") {
    std::size_t n = 0;
    while (n < q.answer.size() && std::isdigit(static_cast<unsigned char>(q.answer[n]))) ++n;
    return n > 0 && q.answer.substr(0, n) == value;
  }
  if (q.field == "text") return e.text.starts_with(q.answer);
  return value == q.answer;
}

}  // namespace

std::vector<std::string> check_lesson(const Lesson& lesson, std::span<const trace::Event> events) {
  std::vector<std::string> failures;
  const std::string& file = lesson.scenario.file;
  const auto places = place_steps(lesson, events);
  for (std::size_t k = 0; k < lesson.steps.size(); ++k) {
    const Step& s = lesson.steps[k];
    const StepPlace& at = places[k];
    if (!at.resolved) {
      // Later steps wait behind this one: one sentence says it all.
      failures.push_back(
          fmt::format("{}: {}/wait_for: never happened: the step waits for {} "
                      "after event {}, and the run has {} events",
                      file, s.pointer, s.wait_for->describe(), at.at, events.size()));
      break;
    }
    // A checkpoint may name the very event the step waited for.
    const std::size_t from = at.matched.value_or(at.at);
    for (std::size_t i = 0; i < s.checks.size(); ++i) {
      const Checkpoint& c = s.checks[i];
      const std::string where = fmt::format("{}: {}/check/{}", file, s.pointer, i);
      switch (c.mode) {
        case Checkpoint::Mode::Exists:
          if (!find_event(c.pattern, events, from))
            failures.push_back(
                fmt::format("{}: not true: \"{}\" (no event at or after this step is {})", where,
                            c.says, c.pattern.describe()));
          break;
        case Checkpoint::Mode::Absent:
          if (auto hit = find_event(c.pattern, events, 0))
            failures.push_back(fmt::format("{}: not true: \"{}\" (there is {}: {})", where, c.says,
                                           c.pattern.describe(), event_summary(events[*hit])));
          break;
        case Checkpoint::Mode::Count: {
          const auto n = std::count_if(events.begin(), events.end(),
                                       [&](const trace::Event& e) { return c.pattern.matches(e); });
          if (n != c.count)
            failures.push_back(fmt::format("{}: not true: \"{}\" (expected {}, found {}: {})",
                                           where, c.says, c.count, n, c.pattern.describe()));
          break;
        }
      }
    }
    // A console step promises the class a session the server accepts: replay its solution
    // on the genuine server machine (check_console_step). It does not depend on the trace.
    if (s.console)
      for (auto& p : check_console_step(lesson.scenario, *s.console, file + ": " + s.pointer))
        failures.push_back(std::move(p));
    if (s.question && s.question->verify) {
      const Question& q = *s.question;
      const std::string where = fmt::format("{}: {}/question", file, s.pointer);
      const auto hit = find_event(*q.verify, events, at.at);
      if (!hit) {
        failures.push_back(
            fmt::format("{}: the answer \"{}\" cannot be verified: no event after this step "
                        "is {}",
                        where, q.answer, q.verify->describe()));
      } else if (!answer_agrees(q, events[*hit])) {
        failures.push_back(
            fmt::format("{}: the answer \"{}\" disagrees with the simulation: the "
                        "first event after this step that is {} has {} \"{}\" ({})",
                        where, q.answer, q.verify->describe(), q.field,
                        field_value(events[*hit], q.field), event_summary(events[*hit])));
      }
    }
  }
  return failures;
}

}  // namespace smtpsim::scenario
