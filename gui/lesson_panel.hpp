// The lesson panel (issue 6, "In the GUI"): the shown step's narration in a large font (read
// from the back of a classroom), "step k of n", Back / Next, "Pause lesson" / "Resume
// lesson", questions (choice buttons or a typed answer, with immediate feedback and the
// explanation) and "myth vs fact" cards. All lesson logic is in LessonPlayer; this draws it
// and forwards the buttons. Progress goes to the ProgressStore whenever it changes.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "gui/lesson_player.hpp"
#include "gui/spotlight.hpp"
#include "gui/view.hpp"
#include "sim/scenario/progress.hpp"

namespace smtpsim::gui {

class LessonPanel {
 public:
  explicit LessonPanel(scenario::Lesson lesson) : player_(std::move(lesson)) {}

  LessonPlayer& player() { return player_; }
  const LessonPlayer& player() const { return player_; }

  // Once per frame before the panels draw: keeps playback inside the lesson, recomputes the
  // spotlight, and saves progress when it changed (a problem saving is shown once).
  void before_frame(View& v, scenario::ProgressStore* store);
  // Page Down / Page Up (what presentation clickers send): Next / Back.
  void handle_keys(View& v);
  // Draws into the current window across its width: as tall as its content was last frame,
  // at most `max_height` pixels (then it scrolls).
  void draw(View& v, float max_height);

  const Spotlight& spotlight() const { return spotlight_; }
  // The "Lessons" button was pressed (the window opens the browser); reading clears it.
  bool take_browse_request() {
    const bool b = browse_;
    browse_ = false;
    return b;
  }
  // Where the last draw() put the current question's choice buttons (screen pixels, in
  // choice order; empty when none was drawn), for tests that click them.
  const std::vector<std::pair<ImVec2, ImVec2>>& choice_rects() const { return choice_rects_; }
  // Where the last draw() put the panel (screen pixels).
  ImVec2 pane_min() const { return pane_min_; }
  ImVec2 pane_max() const { return pane_max_; }
  // A line under the controls (progress file problems), "" = none.
  void set_status(std::string s) { status_ = std::move(s); }
  const std::string& status() const { return status_; }

 private:
  void draw_question(View& v, const scenario::Question& q, std::size_t step, float wrap);
  void draw_myth(const scenario::MythCard& m, float wrap);

  LessonPlayer player_;
  Spotlight spotlight_;
  scenario::LessonProgress saved_;
  bool saved_once_ = false;
  bool browse_ = false;
  float content_h_ = 0;
  ImVec2 pane_min_, pane_max_;
  std::vector<std::pair<ImVec2, ImVec2>> choice_rects_;  // height the content needed last frame
  std::string status_;
  std::array<char, 128> typed_{};
  std::size_t typed_for_ = static_cast<std::size_t>(-1);  // the step `typed_` belongs to
};

}  // namespace smtpsim::gui
