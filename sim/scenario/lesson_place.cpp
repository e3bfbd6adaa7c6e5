// Placing lesson steps on a recorded trace (lesson.hpp): EventPattern::matches, find_event and
// place_steps. Written for the GUI lesson panel while the lesson loader is built in parallel
// (lesson*.cpp of the lessoncore branch); when both land, keep one copy. Trusts nothing about
// the events beyond their types: every field of a pattern is compared as recorded.
#include <algorithm>

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

std::optional<std::size_t> find_event(const EventPattern& p, std::span<const trace::Event> events,
                                      std::size_t from) {
  for (std::size_t i = from; i < events.size(); ++i)
    if (p.matches(events[i])) return i;
  return std::nullopt;
}

std::vector<StepPlace> place_steps(const Lesson& lesson, std::span<const trace::Event> events) {
  std::vector<StepPlace> out(lesson.steps.size());
  std::size_t at = 0;  // the previous step's place: a step waits for an event after it
  for (std::size_t k = 0; k < lesson.steps.size(); ++k) {
    const Step& s = lesson.steps[k];
    if (!s.wait_for) {  // shown where the previous step was
      out[k] = StepPlace{std::nullopt, at, true};
      continue;
    }
    const auto hit = find_event(*s.wait_for, events, at);
    if (!hit) break;  // this one and every later step stay unresolved
    at = *hit + 1;    // the waited-for event is applied when the step is shown
    out[k] = StepPlace{hit, at, true};
  }
  return out;
}

}  // namespace smtpsim::scenario
