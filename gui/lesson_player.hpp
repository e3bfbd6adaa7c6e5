// The lesson logic of the GUI that is not drawing (issue 6, "In the GUI"): which step is
// current, where each step sits on the trace (scenario::place_steps), when playback must
// pause, answer checking and progress. It drives a View only through the View's controls
// (seek, play), so a lesson uses the same play/step machinery as free play; the lesson panel
// draws what this says. Unit-tested headless (tests/gui/test_lesson_player.cpp).
//
// Model: `current()` is the step the lesson is heading for. The View plays until that step's
// place (its wait_for event applied); there the step is "arrived". A step that pauses or asks
// a question stops playback at its place and holds until the teacher goes on (Next, or Space);
// a question holds until it is answered (the simulation waits for the answer). Other steps
// pass as the cursor reaches the next one. The teacher may leave the lesson (step back,
// scrub, faults: anything that moves the cursor outside the lesson) and resume it later:
// resume() returns to the current step's place.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gui/spotlight.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/progress.hpp"

namespace smtpsim::gui {

// A question is answered once (the explanation then tells the class the answer).
struct AnswerState {
  bool answered = false;
  bool correct = false;
  std::string given;
};

class LessonPlayer {
 public:
  explicit LessonPlayer(scenario::Lesson lesson);

  const scenario::Lesson& lesson() const { return lesson_; }
  std::size_t count() const { return lesson_.steps.size(); }
  std::size_t current() const { return current_; }
  // The step whose narration is on screen: the current one once arrived, the one before while
  // the View is still playing towards it.
  std::size_t shown(std::size_t cursor) const;
  bool arrived(std::size_t cursor) const;

  // --- placement on the trace (append-only; each call looks only at new events) ---------
  void update(std::span<const trace::Event> events);
  void replace(std::span<const trace::Event> events);  // the trace was rebuilt (a fault)
  const scenario::StepPlace& place(std::size_t k) const { return places_.at(k); }
  // Pause or question: playback stops at this step's place.
  bool stops(std::size_t k) const;
  // The current step asks a question not answered yet.
  bool awaiting_answer() const;

  // --- controls -------------------------------------------------------------------------
  bool following() const { return following_; }
  bool held() const { return held_; }  // paused at the current step, waiting for the teacher
  // Next: to the next step (the View plays there), or, while still travelling, straight to
  // the current step's place. Refused (false) while a question waits for its answer.
  bool next(View& v);
  // Back: the previous step, at its place on the trace (View::seek), paused.
  void back(View& v);
  // Jump to step k at its place (screenshots, the browser's "continue").
  void go_to(View& v, std::size_t k);
  void leave() {
    following_ = false;
    held_ = false;
  }
  void resume(View& v);  // "Resume lesson": back to the current step's place, paused
  // Once per frame after View::tick: keeps playback inside the lesson, passes steps as the
  // cursor reaches them, and leaves the lesson when the teacher moved the cursor elsewhere.
  void frame(View& v);

  // --- questions ------------------------------------------------------------------------
  // Answers the current step's question once it is arrived; returns whether it was right.
  // Only the first answer counts; later calls return the first verdict.
  bool answer(const std::string& given);
  const AnswerState& answer_state(std::size_t k) const { return answers_.at(k); }
  // Typed answers: case, surrounding and repeated spaces do not matter, numbers compare as
  // numbers ("250", " 250 "). Choices must be the choice itself.
  static bool same_answer(const scenario::Question& q, const std::string& given);

  // --- what panels read -----------------------------------------------------------------
  Spotlight spotlight(std::size_t cursor) const;  // of the shown step, once arrived
  bool done() const { return done_; }
  scenario::LessonProgress progress() const;

 private:
  void resolve(View& v, std::size_t k);  // run the simulation until step k is placed
  void arrive_at(View& v);               // seek to the current step's place, paused, held
  void note_shown(std::size_t cursor);

  scenario::Lesson lesson_;
  std::vector<scenario::StepPlace> places_;
  std::size_t placed_ = 0;   // steps resolved
  std::size_t scanned_ = 0;  // events looked at for the first unresolved step
  std::vector<AnswerState> answers_;
  std::size_t current_ = 0;
  std::size_t floor_ = 0;  // below this cursor the teacher has stepped out of the lesson
  bool following_ = true;
  bool held_ = false;
  std::size_t hold_at_ = 0;  // the cursor while held
  bool released_ = false;    // the teacher went on from the current (last) step: no stop there
  bool was_playing_ = false;
  std::size_t furthest_ = 0;
  bool done_ = false;
};

}  // namespace smtpsim::gui
