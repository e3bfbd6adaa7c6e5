// Lesson playback logic over a View: step placement, stops, answers, progress.
#include "gui/lesson_player.hpp"

#include <algorithm>
#include <cctype>

namespace smtpsim::gui {

LessonPlayer::LessonPlayer(scenario::Lesson lesson)
    : lesson_(std::move(lesson)), places_(lesson_.steps.size()), answers_(lesson_.steps.size()) {}

// Same placement as scenario::place_steps (step k waits for the first match at or after step
// k-1's place), but incremental: a resolved step never moves while the trace only grows, so
// each call looks only at events the first unresolved step has not seen yet.
void LessonPlayer::update(std::span<const trace::Event> events) {
  // A fault applied by hand rebuilds the trace: a placed step whose event is gone or
  // different is placed again from scratch (O(steps) per call to notice).
  bool stale = events.size() < scanned_;
  for (std::size_t k = 0; k < placed_ && !stale; ++k) {
    const auto& m = places_[k].matched;
    stale = m && (*m >= events.size() || !lesson_.steps[k].wait_for->matches(events[*m]));
  }
  if (stale) {
    replace(events);
    return;
  }
  while (placed_ < count()) {
    const scenario::Step& s = lesson_.steps[placed_];
    const std::size_t from = placed_ == 0 ? 0 : places_[placed_ - 1].at;
    if (!s.wait_for) {
      places_[placed_++] = scenario::StepPlace{std::nullopt, from, true};
      continue;
    }
    const auto hit = scenario::find_event(*s.wait_for, events, std::max(from, scanned_));
    if (!hit) {
      scanned_ = events.size();
      return;
    }
    places_[placed_++] = scenario::StepPlace{hit, *hit + 1, true};
    scanned_ = *hit + 1;
  }
}

void LessonPlayer::replace(std::span<const trace::Event> events) {
  places_.assign(count(), scenario::StepPlace{});
  placed_ = 0;
  scanned_ = 0;
  update(events);
}

bool LessonPlayer::arrived(std::size_t cursor) const {
  return current_ < count() && places_[current_].resolved && cursor >= places_[current_].at;
}

std::size_t LessonPlayer::shown(std::size_t cursor) const {
  if (arrived(cursor) || held_ || current_ == 0) return current_;
  return current_ - 1;
}

bool LessonPlayer::stops(std::size_t k) const {
  const scenario::Step& s = lesson_.steps.at(k);
  return s.pause || s.question.has_value();
}

bool LessonPlayer::awaiting_answer() const {
  return current_ < count() && lesson_.steps[current_].question && !answers_[current_].answered;
}

void LessonPlayer::resolve(View& v, std::size_t k) {
  update(v.events());
  while (!places_[k].resolved && !v.finished()) {
    v.pump(20000);
    update(v.events());
  }
}

void LessonPlayer::arrive_at(View& v) {
  following_ = true;
  if (count() == 0) return;
  resolve(v, current_);
  // A step whose event never comes (a broken lesson: `smtpsim check` says so) shows at the end.
  const std::size_t at = places_[current_].resolved ? places_[current_].at : v.events().size();
  v.play(false);
  v.seek(at);
  floor_ = hold_at_ = v.cursor();
  held_ = true;
  was_playing_ = false;
  note_shown(v.cursor());
}

bool LessonPlayer::next(View& v) {
  if (count() == 0) return false;
  update(v.events());
  const std::size_t c = v.cursor();
  if (!following_ || !arrived(c)) {  // still on the way: go straight there
    arrive_at(v);
    return true;
  }
  if (awaiting_answer()) return false;  // the simulation waits for the answer
  held_ = false;
  floor_ = c;
  if (current_ + 1 >= count()) {  // "Finish": the rest of the run plays freely
    released_ = true;
    done_ = true;
  } else {
    ++current_;
    released_ = false;
  }
  v.play(true);
  was_playing_ = true;
  return true;
}

void LessonPlayer::back(View& v) {
  if (count() == 0) return;
  const std::size_t s = shown(v.cursor());
  current_ = s > 0 ? s - 1 : 0;
  released_ = false;
  arrive_at(v);
}

void LessonPlayer::go_to(View& v, std::size_t k) {
  if (count() == 0) return;
  current_ = std::min(k, count() - 1);
  released_ = false;
  arrive_at(v);
}

void LessonPlayer::resume(View& v) {
  replace(v.events());  // the teacher may have changed the run (faults) meanwhile
  arrive_at(v);
}

void LessonPlayer::frame(View& v) {
  if (count() == 0) return;
  update(v.events());
  const bool playing = v.playing();
  const bool moving = playing || was_playing_;  // View::tick stops at the end of the run
  was_playing_ = playing;
  if (!following_) return;
  const std::size_t c = v.cursor();
  if (c < floor_) {  // stepped or scrubbed back by hand
    leave();
    return;
  }
  if (held_) {
    const std::size_t at = hold_at_;
    if (!playing && c == at) return;
    if (!playing) {  // stepped or scrubbed forward by hand
      leave();
      return;
    }
    if (awaiting_answer()) {  // play pressed at a question: it waits for the answer
      v.play(false);
      v.seek(at);
      was_playing_ = false;
      return;
    }
    // Play pressed at a held step: go on, as with Next.
    held_ = false;
    floor_ = at;
    if (current_ + 1 < count()) {
      ++current_;
      released_ = false;
    } else {
      released_ = true;
    }
  }
  // On the way to the current step, or passing steps that do not stop.
  for (;;) {
    const scenario::StepPlace& p = places_[current_];
    if (!p.resolved || c < p.at) break;
    if (stops(current_) && !released_) {
      if (c > p.at) {
        if (!moving) {  // jumped past a stop by hand
          leave();
          return;
        }
        v.seek(p.at);  // playback overshot the stop within one frame
      }
      v.play(false);
      was_playing_ = false;
      held_ = true;
      floor_ = hold_at_ = p.at;
      break;
    }
    if (current_ + 1 < count() && places_[current_ + 1].resolved && places_[current_ + 1].at <= c) {
      ++current_;
      released_ = false;
      continue;
    }
    break;
  }
  note_shown(v.cursor());
}

void LessonPlayer::note_shown(std::size_t cursor) {
  const std::size_t s = shown(cursor);
  furthest_ = std::max(furthest_, s);
  if (s + 1 == count() && arrived(cursor) && !awaiting_answer()) done_ = true;
}

namespace {
// Lower case, no surrounding spaces, runs of spaces as one.
std::string normalise(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (std::isspace(u)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(u));
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}
// A whole number without sign or leading zeros ("0250" -> "250"), or "" when it is not one.
std::string as_number(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  const auto nz = s.find_first_not_of('0');
  return nz == std::string::npos ? "0" : s.substr(nz);
}
}  // namespace

bool LessonPlayer::same_answer(const scenario::Question& q, const std::string& given) {
  if (!q.choices.empty()) return given == q.answer;
  const std::string a = normalise(q.answer), g = normalise(given);
  const std::string na = as_number(a), ng = as_number(g);
  if (!na.empty() && !ng.empty()) return na == ng;
  return a == g;
}

bool LessonPlayer::answer(const std::string& given) {
  if (current_ >= count() || !lesson_.steps[current_].question) return false;
  AnswerState& a = answers_[current_];
  if (a.answered) return a.correct;
  a.answered = true;
  a.given = given;
  a.correct = same_answer(*lesson_.steps[current_].question, given);
  return a.correct;
}

Spotlight LessonPlayer::spotlight(std::size_t cursor) const {
  Spotlight out;
  if (count() == 0) return out;
  const std::size_t s = shown(cursor);
  if (!places_[s].resolved || cursor < places_[s].at) return out;
  const scenario::Highlight& h = lesson_.steps[s].highlight;
  out.hosts = h.hosts;
  out.link = h.link;
  if (h.transcript_line) out.event = places_[s].matched;
  out.inspect = h.inspect;
  return out;
}

scenario::LessonProgress LessonPlayer::progress() const {
  scenario::LessonProgress p;
  p.done = done_;
  p.furthest = furthest_;
  for (const AnswerState& a : answers_) {
    p.answered += a.answered ? 1 : 0;
    p.correct += a.answered && a.correct ? 1 : 0;
  }
  return p;
}

}  // namespace smtpsim::gui
