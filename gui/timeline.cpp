// Playback controls and the scrubber.
#include "gui/timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>

namespace smtpsim::gui {

float Timeline::event_x(std::size_t n, std::size_t total, float x0, float w) {
  if (total == 0) return x0;
  return x0 + w * static_cast<float>(std::min(n, total)) / static_cast<float>(total);
}

std::size_t Timeline::event_at(float x, std::size_t total, float x0, float w) {
  if (w <= 0 || total == 0) return 0;
  const float f = std::clamp((x - x0) / w, 0.f, 1.f);
  return static_cast<std::size_t>(std::lround(f * static_cast<float>(total)));
}

float Timeline::time_x(std::int64_t t, std::int64_t end, float x0, float w) {
  if (end <= 0) return x0;
  const double f = std::clamp(static_cast<double>(t) / static_cast<double>(end), 0.0, 1.0);
  return x0 + w * static_cast<float>(f);
}

std::int64_t Timeline::time_at(float x, std::int64_t end, float x0, float w) {
  if (w <= 0 || end <= 0) return 0;
  const double f = std::clamp(static_cast<double>((x - x0) / w), 0.0, 1.0);
  return std::llround(f * static_cast<double>(end));
}

std::size_t Timeline::events_until(std::span<const trace::Event> events, std::int64_t t) {
  // Events are in time order (DESIGN.md idea 5: time never runs backwards).
  auto it = std::upper_bound(events.begin(), events.end(), t,
                             [](std::int64_t v, const trace::Event& e) { return v < e.time; });
  return static_cast<std::size_t>(it - events.begin());
}

std::string Timeline::time_label(std::int64_t us) {
  if (us <= 0) return "0s";
  constexpr std::int64_t ms = 1000, s = 1000 * ms, m = 60 * s, h = 60 * m, d = 24 * h;
  if (us < s) return std::to_string(us / ms) + "ms";
  if (us < m) {
    if (us % s == 0) return std::to_string(us / s) + "s";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(us) / static_cast<double>(s));
    return std::string(buf) + "s";
  }
  // The largest unit and the next one when not zero: "1h30m", "2d6h", "10m", "1m30s".
  static constexpr std::pair<std::int64_t, const char*> units[] = {
      {d, "d"}, {h, "h"}, {m, "m"}, {s, "s"}};
  std::size_t i = 0;
  while (us < units[i].first) ++i;
  std::string out = std::to_string(us / units[i].first) + units[i].second;
  if (i + 1 < std::size(units))
    if (const std::int64_t n = us % units[i].first / units[i + 1].first; n > 0)
      out += std::to_string(n) + units[i + 1].second;
  return out;
}

std::int64_t Timeline::tick_step(std::int64_t span, int max_ticks) {
  constexpr std::int64_t ms = 1000, s = 1000 * ms, m = 60 * s, h = 60 * m, d = 24 * h;
  static constexpr std::int64_t steps[] = {
      1 * ms, 2 * ms, 5 * ms, 10 * ms, 20 * ms, 50 * ms, 100 * ms, 200 * ms, 500 * ms, 1 * s,
      2 * s,  5 * s,  10 * s, 15 * s,  30 * s,  1 * m,   2 * m,    5 * m,    10 * m,   15 * m,
      30 * m, 1 * h,  2 * h,  3 * h,   6 * h,   12 * h,  1 * d,    2 * d,    7 * d};
  max_ticks = std::max(1, max_ticks);
  for (std::int64_t st : steps)
    if (span / st <= max_ticks) return st;
  return std::end(steps)[-1];
}

ImU32 Timeline::marker_colour(trace::EventKind k) {
  switch (k) {
    case trace::EventKind::Delivered:
      return IM_COL32(70, 220, 90, 255);
    case trace::EventKind::Deferred:
      return IM_COL32(255, 150, 30, 255);
    default:
      return IM_COL32(240, 60, 60, 255);  // Bounced
  }
}

void Timeline::handle_keys(View& view) {
  if (ImGui::GetIO().WantTextInput) return;
  auto pressed = [](ImGuiKey k) {
    const int idx = ImGui::GetKeyIndex(k);
    return idx >= 0 && ImGui::IsKeyPressed(idx);
  };
  if (pressed(ImGuiKey_Space)) view.play(!view.playing());
  if (pressed(ImGuiKey_RightArrow)) {
    view.play(false);
    view.step_forward();
  }
  if (pressed(ImGuiKey_LeftArrow)) {
    view.play(false);
    view.step_back();
  }
  if (pressed(ImGuiKey_Home)) view.restart();
}

void Timeline::draw(View& view) {
  if (ImGui::Button("|< Restart")) view.restart();
  ImGui::SameLine();
  if (ImGui::Button("< Back")) {
    view.play(false);
    view.step_back();
  }
  ImGui::SameLine();
  if (ImGui::Button(view.playing() ? "Pause" : "Play", ImVec2(ImGui::GetFontSize() * 4, 0)))
    view.play(!view.playing());
  ImGui::SameLine();
  if (ImGui::Button("Forward >")) {
    view.play(false);
    view.step_forward();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  speed_index_ = std::clamp(speed_index_, 0, static_cast<int>(std::size(kSpeeds)) - 1);
  // Find the index of the View's speed if someone else set it.
  for (int i = 0; i < static_cast<int>(std::size(kSpeeds)); ++i)
    if (kSpeeds[i] == view.speed()) speed_index_ = i;
  char label[32];
  std::snprintf(label, sizeof label, "%gx", kSpeeds[speed_index_]);
  if (ImGui::BeginCombo("speed", label)) {
    for (int i = 0; i < static_cast<int>(std::size(kSpeeds)); ++i) {
      std::snprintf(label, sizeof label, "%gx", kSpeeds[i]);
      if (ImGui::Selectable(label, i == speed_index_)) {
        speed_index_ = i;
        view.set_speed(kSpeeds[i]);
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  bool skip = view.skip_idle();
  if (ImGui::Checkbox("skip idle time", &skip)) view.set_skip_idle(skip);

  ImGui::SameLine();
  // The scrubber's scale: every event the same room, or virtual time to scale.
  if (ImGui::RadioButton("by event", !by_time_)) by_time_ = false;
  ImGui::SameLine();
  if (ImGui::RadioButton("by time", by_time_)) by_time_ = true;

  // The scrubber: a bar over every event recorded so far, markers, ticks and the cursor.
  const auto& events = view.events();
  const std::size_t total = events.size();
  const std::int64_t end = view.end_time();
  const float h = ImGui::GetFontSize() * 1.6f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float w = std::max(50.f, ImGui::GetContentRegionAvail().x);
  // x of event n (0..total): by time, where the n-th event happened (0 before any).
  auto x_of_event = [&](std::size_t n) {
    if (!by_time_) return event_x(n, total, p0.x, w);
    return time_x(n == 0 || total == 0 ? 0 : events[std::min(n, total) - 1].time, end, p0.x, w);
  };
  auto cursor_at = [&](float x) {
    return by_time_ ? events_until(events, time_at(x, end, p0.x, w)) : event_at(x, total, p0.x, w);
  };
  ImGui::InvisibleButton("scrubber", ImVec2(w, h * 1.75f));
  if (ImGui::IsItemActive() && total > 0) {
    view.play(false);
    view.seek(cursor_at(ImGui::GetIO().MousePos.x));
  }
  if (ImGui::IsItemHovered() && total > 0) {
    const std::size_t n = cursor_at(ImGui::GetIO().MousePos.x);
    const std::string when = time_label(n == 0 ? 0 : events[n - 1].time);
    ImGui::SetTooltip("%s: event %zu of %zu%s", when.c_str(), n, total,
                      view.finished() ? "" : " (still running)");
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(p0.x, p0.y + h * 0.3f), ImVec2(p0.x + w, p0.y + h * 0.7f),
                    IM_COL32(55, 62, 80, 255), 4);
  const float cx = by_time_ ? time_x(view.display_time(), end, p0.x, w) : x_of_event(view.cursor());
  dl->AddRectFilled(ImVec2(p0.x, p0.y + h * 0.3f), ImVec2(cx, p0.y + h * 0.7f),
                    IM_COL32(90, 130, 220, 255), 4);
  // Tick labels in virtual time under the bar, at most one per ~7 characters of width;
  // by event, a tick sits at the first event at or after its time, and one that would
  // overlap the previous label is left out (a busy second holds many events).
  ticks_.clear();
  const ImU32 tick_col = IM_COL32(200, 208, 225, 255);
  const float label_w = ImGui::CalcTextSize("00h00m").x;
  const std::int64_t step = tick_step(end, std::max(1, static_cast<int>(w / (label_w * 1.4f))));
  float free_x = p0.x - 1e9f;
  for (std::int64_t t = 0; total > 0 && t <= end; t += step) {
    const float x = by_time_ ? time_x(t, end, p0.x, w)
                             : event_x(t == 0 ? 0 : events_until(events, t - 1), total, p0.x, w);
    const std::string label = time_label(t);
    const float tw = ImGui::CalcTextSize(label.c_str()).x;
    const float lx = std::clamp(x - tw / 2, p0.x, p0.x + w - tw);
    if (lx < free_x) continue;
    dl->AddLine(ImVec2(x, p0.y + h * 0.7f), ImVec2(x, p0.y + h * 0.95f), tick_col, 1.5f);
    dl->AddText(ImVec2(lx, p0.y + h), tick_col, label.c_str());
    ticks_.emplace_back(x, label);
    free_x = lx + tw + ImGui::GetFontSize() * 0.8f;
  }
  for (const Marker& m : view.markers()) {
    const float x = x_of_event(m.event + 1);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p0.y + h), marker_colour(m.kind), 3.f);
  }
  dl->AddTriangleFilled(ImVec2(cx - h * 0.3f, p0.y), ImVec2(cx + h * 0.3f, p0.y),
                        ImVec2(cx, p0.y + h * 0.45f), IM_COL32(255, 255, 255, 255));
  dl->AddLine(ImVec2(cx, p0.y), ImVec2(cx, p0.y + h), IM_COL32(255, 255, 255, 255), 2.f);
}

}  // namespace smtpsim::gui
