// Drawing a lesson's spotlight on the canvas: a glowing ring around each lit host and a
// broad band under the lit link, in one colour the rest of the picture does not use.
#include "gui/spotlight.hpp"

#include <algorithm>

#include "gui/canvas.hpp"

namespace smtpsim::gui {

namespace {
constexpr ImU32 kSpot = IM_COL32(255, 236, 90, 255);
constexpr ImU32 kSpotGlow = IM_COL32(255, 236, 90, 70);

const ScreenBox* find_box(const std::vector<ScreenBox>& boxes, const std::string& name) {
  for (const auto& b : boxes)
    if (b.name == name) return &b;
  return nullptr;
}
ImVec2 mid(const ScreenBox& b) {
  return ImVec2((b.min.x + b.max.x) / 2, (b.min.y + b.max.y) / 2);
}
}  // namespace

void draw_spotlight_link(ImDrawList* dl, const Spotlight& s, const std::vector<ScreenBox>& boxes,
                         float scale) {
  if (!s.link) return;
  const ScreenBox* a = find_box(boxes, s.link->first);
  const ScreenBox* b = find_box(boxes, s.link->second);
  if (!a || !b) return;
  dl->AddLine(mid(*a), mid(*b), kSpotGlow, std::max(14.f, 26.f * scale));
  dl->AddLine(mid(*a), mid(*b), kSpot, std::max(4.f, 7.f * scale));
}

void draw_spotlight_hosts(ImDrawList* dl, const Spotlight& s, const std::vector<ScreenBox>& boxes,
                          float scale) {
  const float gap = std::max(6.f, 10.f * scale), r = 12.f * scale;
  auto ring = [&](const std::string& h, bool glow) {
    const ScreenBox* b = find_box(boxes, h);
    if (!b) return;
    const ImVec2 p0(b->min.x - gap, b->min.y - gap), p1(b->max.x + gap, b->max.y + gap);
    if (glow)
      dl->AddRect(ImVec2(p0.x - gap * 0.6f, p0.y - gap * 0.6f),
                  ImVec2(p1.x + gap * 0.6f, p1.y + gap * 0.6f), kSpotGlow, r * 1.5f, 0, gap);
    dl->AddRect(p0, p1, kSpot, r, 0, std::max(glow ? 3.f : 2.f, (glow ? 5.f : 3.f) * scale));
  };
  for (const auto& h : s.hosts) ring(h, true);
  // The ends of a lit link get a thinner ring: short links hide under their boxes.
  if (s.link)
    for (const auto* h : {&s.link->first, &s.link->second})
      if (!s.lit(*h)) ring(*h, false);
}

}  // namespace smtpsim::gui
