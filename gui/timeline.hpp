// Timeline and controls panel: play/pause, step forward/back one event, restart, speed and
// "skip idle time", and a scrubber across the whole run with markers for deliveries (green),
// deferrals (orange) and bounces (red) and tick labels in virtual time ("0s", "10m", "1h").
// The scrubber is "by event" (x = event number: every event gets the same room, idle hours
// take none) or "by time" (x = virtual time: a retry an hour later sits an hour away).
// Keyboard: Space play/pause, Left/Right one event, Home restart. Changes the View only
// through its controls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

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

  // By time: where virtual time t (0..end) sits, and back.
  static float time_x(std::int64_t t, std::int64_t end, float x0, float w);
  static std::int64_t time_at(float x, std::int64_t end, float x0, float w);
  // The cursor that shows virtual time t: every event at or before t applied.
  static std::size_t events_until(std::span<const trace::Event> events, std::int64_t t);

  // Tick labels: "0s", "250ms", "1.5s", "40s", "10m", "1h30m", "2d6h".
  static std::string time_label(std::int64_t us);
  // A round step (1 ms .. 1 week) that puts at most `max_ticks` ticks over `span` µs.
  static std::int64_t tick_step(std::int64_t span, int max_ticks);

  bool by_time() const { return by_time_; }
  void set_by_time(bool on) { by_time_ = on; }
  // The tick labels and their x drawn by the last draw() (for tests).
  const std::vector<std::pair<float, std::string>>& ticks() const { return ticks_; }

  static ImU32 marker_colour(trace::EventKind k);
  static constexpr double kSpeeds[] = {0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64};

 private:
  int speed_index_ = 2;
  bool by_time_ = false;
  std::vector<std::pair<float, std::string>> ticks_;
};

}  // namespace smtpsim::gui
