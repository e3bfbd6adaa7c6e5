// Playback controls and the scrubber.
#include "gui/timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>

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

  // The scrubber: a bar over every event recorded so far, markers, and the cursor.
  const std::size_t total = view.events().size();
  const float h = ImGui::GetFontSize() * 1.6f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float w = std::max(50.f, ImGui::GetContentRegionAvail().x);
  ImGui::InvisibleButton("scrubber", ImVec2(w, h));
  if (ImGui::IsItemActive() && total > 0) {
    view.play(false);
    view.seek(event_at(ImGui::GetIO().MousePos.x, total, p0.x, w));
  }
  if (ImGui::IsItemHovered() && total > 0) {
    const std::size_t n = event_at(ImGui::GetIO().MousePos.x, total, p0.x, w);
    ImGui::SetTooltip("event %zu of %zu%s", n, total, view.finished() ? "" : " (still running)");
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(p0.x, p0.y + h * 0.3f), ImVec2(p0.x + w, p0.y + h * 0.7f),
                    IM_COL32(55, 62, 80, 255), 4);
  dl->AddRectFilled(ImVec2(p0.x, p0.y + h * 0.3f),
                    ImVec2(event_x(view.cursor(), total, p0.x, w), p0.y + h * 0.7f),
                    IM_COL32(90, 130, 220, 255), 4);
  for (const Marker& m : view.markers()) {
    const float x = event_x(m.event + 1, total, p0.x, w);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p0.y + h), marker_colour(m.kind), 3.f);
  }
  const float cx = event_x(view.cursor(), total, p0.x, w);
  dl->AddTriangleFilled(ImVec2(cx - h * 0.3f, p0.y), ImVec2(cx + h * 0.3f, p0.y),
                        ImVec2(cx, p0.y + h * 0.45f), IM_COL32(255, 255, 255, 255));
  dl->AddLine(ImVec2(cx, p0.y), ImVec2(cx, p0.y + h), IM_COL32(255, 255, 255, 255), 2.f);
}

}  // namespace smtpsim::gui
