// Timeline and controls panel: play/pause, step forward/back one event, restart, speed and
// "skip idle time", and a scrubber across the whole run (x = event number) with markers for
// deliveries (green), deferrals (orange) and bounces (red). Keyboard: Space play/pause,
// Left/Right one event, Home restart. Changes the View only through its controls.
#pragma once

#include <cstddef>

#include <imgui.h>

#include "gui/view.hpp"

namespace smtpsim::gui {

class Timeline {
 public:
  void draw(View& view);
  // Space, Left, Right, Home (ignored while a text field has the keyboard).
  static void handle_keys(View& view);

  // Scrubber geometry: where event `n` (0..total) sits on a bar from x0 of width w, and back.
  static float event_x(std::size_t n, std::size_t total, float x0, float w);
  static std::size_t event_at(float x, std::size_t total, float x0, float w);

  static ImU32 marker_colour(trace::EventKind k);
  static constexpr double kSpeeds[] = {0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64};

 private:
  int speed_index_ = 2;
};

}  // namespace smtpsim::gui
