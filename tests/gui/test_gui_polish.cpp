// Headless tests of the GUI polish of issue 5: latency changes the animated travel time from
// their moment on; the layout keeps a minimum link between boxes (scenario positions, the
// automatic layout, and a class-sized network of 100 hosts); the scrubber's virtual-time
// ticks and its "by time" scale; the help overlay draws every shortcut; presenter fonts are
// larger and ImGui's font stands in when the TrueType file is missing.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "gui/app_window.hpp"
#include "gui/help.hpp"
#include "gui/layout.hpp"
#include "gui/theme.hpp"
#include "gui/timeline.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"
#include "tests/gui/headless_imgui.hpp"
#include "tests/support/scenarios.hpp"

namespace smtpsim::gui {
namespace {

scenario::Spec load(const std::string& name) {
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/" + name +
                                   ".json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

const char* const kScenarios[] = {
    "cross-domain-relay", "pop3-vs-imap",      "queue-lifetime-bounce", "relay-refused",
    "same-domain",        "server-down-retry", "two-mx-failover",       "unknown-user-bounce"};

class Headless : public HeadlessImGui {};

// --- latency ------------------------------------------------------------------------------

TEST(GuiLatency, ALatencyActionChangesTheTravelTimeFromThatMomentOn) {
  scenario::Spec spec = testing::two_providers();  // every uplink 10 ms
  spec.script.push_back(testing::send_action(2'000'000, "alice-laptop", {"bob@example.com"}, "x"));
  scenario::Action slow = testing::host_action(1'000'000, "latency", "alice-laptop");
  slow.latency_us = 500'000;
  spec.script.push_back(slow);
  View v(spec);
  while (!v.finished()) v.pump(1000);
  std::size_t changed = v.events().size(), line = v.events().size();
  for (const auto& e : v.events()) {
    if (e.kind == trace::EventKind::LatencyChanged && changed == v.events().size()) changed = e.seq;
    if (e.kind == trace::EventKind::Line && e.host == "alice-laptop" && line == v.events().size())
      line = e.seq;
  }
  ASSERT_LT(changed, line);
  ASSERT_LT(line, v.events().size());
  EXPECT_EQ(v.travel_us("alice-laptop", "mail.example.com", 0), 20'000);
  EXPECT_EQ(v.travel_us("alice-laptop", "mail.example.com", changed), 510'000);
  EXPECT_EQ(v.travel_us("mail.example.com", "ns.example", changed), 20'000);
  // 100 ms after alice's first line left, it is a fifth of the way: at the scenario's 20 ms
  // it would have arrived long ago.
  v.seek(line + 1);
  v.set_speed(1);
  v.set_skip_idle(false);
  v.play(true);
  v.tick(0.1);
  bool found = false;
  for (const InFlight& f : v.in_flight())
    if (f.event == line) {
      found = true;
      EXPECT_NEAR(f.progress, 100.0 / 510.0, 0.01);
    }
  EXPECT_TRUE(found);
}

// --- layout -------------------------------------------------------------------------------

// Every two boxes are a minimum link apart side by side or one above the other.
void expect_spaced(const std::vector<HostBox>& boxes, const std::string& what) {
  for (std::size_t i = 0; i < boxes.size(); ++i)
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      const HostBox &a = boxes[i], &b = boxes[j];
      const double gx = std::abs(a.x - b.x) - (a.w + b.w) / 2;
      const double gy = std::abs(a.y - b.y) - (a.h + b.h) / 2;
      EXPECT_TRUE(gx >= kMinGapX - 1e-6 || gy >= kMinGapY - 1e-6)
          << what << ": " << a.name << " and " << b.name << " are " << gx << " x " << gy
          << " apart";
    }
}

TEST(GuiLayoutSpacing, EveryScenarioKeepsAMinimumLinkBetweenBoxes) {
  for (const char* name : kScenarios) {
    scenario::Spec spec = load(name);
    expect_spaced(compute_layout(spec), name);
    for (auto& h : spec.hosts) h.position.reset();
    expect_spaced(compute_layout(spec), std::string(name) + " (automatic)");
  }
}

TEST(GuiLayoutSpacing, ASketchTooTightIsStretchedOnlyWhereItIsTight) {
  scenario::Spec spec = testing::two_providers();
  // Two hosts side by side 50 apart, two others far below: only x needs stretching.
  spec.hosts[0].position = {{0, 0}};
  spec.hosts[1].position = {{50, 0}};
  spec.hosts[2].position = {{0, 1000}};
  spec.hosts[3].position = {{50, 1000}};
  const auto boxes = compute_layout(spec);
  expect_spaced(boxes, "tight sketch");
  EXPECT_NEAR(boxes[1].x - boxes[0].x, kBoxW + kMinGapX, 1e-6);
  EXPECT_NEAR(boxes[2].y - boxes[0].y, 1000 * 1.3, 1e-6);  // y keeps its usual factor
}

TEST(GuiLayoutSpacing, AHundredHostsWrapIntoColumnsWithoutOverlap) {
  scenario::Spec spec;
  for (int p = 0; p < 9; ++p)
    spec.hosts.push_back({.name = "mail" + std::to_string(p), .roles = {"MSA", "MTA", "MDA"}});
  spec.hosts.push_back({.name = "ns", .roles = {"DNS"}});
  for (int i = 0; i < 90; ++i) {
    scenario::HostSpec h{.name = "laptop" + std::to_string(i), .roles = {"MUA"}};
    h.mua = scenario::MuaSettings{};
    spec.hosts.push_back(h);
  }
  const auto boxes = compute_layout(spec);
  ASSERT_EQ(boxes.size(), 100u);
  expect_spaced(boxes, "100 hosts");
  double x0 = 1e18, x1 = -1e18, y0 = 1e18, y1 = -1e18;
  for (const auto& b : boxes) {
    x0 = std::min(x0, b.x), x1 = std::max(x1, b.x);
    y0 = std::min(y0, b.y), y1 = std::max(y1, b.y);
  }
  // Not one column 90 boxes high: roughly as wide as high (a 16:9 canvas can show it).
  EXPECT_LT((y1 - y0) / (x1 - x0), 1.0);
  EXPECT_LT((x1 - x0) / (y1 - y0), 4.0);
}

// --- scrubber -----------------------------------------------------------------------------

TEST(GuiScrubber, TickLabelsReadAsVirtualTime) {
  EXPECT_EQ(Timeline::time_label(0), "0s");
  EXPECT_EQ(Timeline::time_label(250'000), "250ms");
  EXPECT_EQ(Timeline::time_label(1'500'000), "1.5s");
  EXPECT_EQ(Timeline::time_label(40'000'000), "40s");
  EXPECT_EQ(Timeline::time_label(600'000'000), "10m");
  EXPECT_EQ(Timeline::time_label(90'000'000), "1m30s");
  EXPECT_EQ(Timeline::time_label(3'600'000'000), "1h");
  EXPECT_EQ(Timeline::time_label(5'400'000'000), "1h30m");
  EXPECT_EQ(Timeline::time_label(54LL * 3'600'000'000), "2d6h");
  // Round steps: a 5-day queue lifetime in at most 10 ticks is one tick a day.
  EXPECT_EQ(Timeline::tick_step(5LL * 86'400'000'000, 6), 86'400'000'000);
  EXPECT_EQ(Timeline::tick_step(5LL * 86'400'000'000, 10), 43'200'000'000);
  EXPECT_EQ(Timeline::tick_step(60'000'000, 6), 10'000'000);
  EXPECT_EQ(Timeline::tick_step(800'000, 8), 100'000);
}

TEST(GuiScrubber, ByTimeMapsVirtualTimeToXAndBackToTheEventsUntilThen) {
  View v(load("server-down-retry"));
  while (!v.finished()) v.pump(1000);
  const auto& ev = v.events();
  const std::int64_t end = v.end_time();
  EXPECT_FLOAT_EQ(Timeline::time_x(0, end, 100, 800), 100);
  EXPECT_FLOAT_EQ(Timeline::time_x(end, end, 100, 800), 900);
  EXPECT_FLOAT_EQ(Timeline::time_x(end / 2, end, 100, 800), 500);
  EXPECT_EQ(Timeline::time_at(500, end, 100, 800), end / 2);
  for (std::size_t n : {std::size_t{1}, ev.size() / 3, ev.size() - 1}) {
    const std::int64_t t = ev[n].time;
    const std::size_t c = Timeline::events_until(ev, t);
    EXPECT_GT(c, n);  // event n is applied at its own time
    EXPECT_EQ(ev[c - 1].time, t);
    if (c < ev.size()) {
      EXPECT_GT(ev[c].time, t);
    }
  }
  EXPECT_EQ(Timeline::events_until(ev, -1), 0u);
}

TEST_F(Headless, TheScrubberDrawsTimeTicksByEventAndByTime) {
  View v(load("server-down-retry"));  // a retry minutes after the first attempt
  while (!v.finished()) v.pump(1000);
  Panels p;
  auto frame = [&] {
    ImGui::NewFrame();
    draw_frame(v, p);
    ImGui::Render();
  };
  frame();
  ASSERT_GE(p.timeline.ticks().size(), 2u);
  EXPECT_EQ(p.timeline.ticks().front().second, "0s");
  p.timeline.set_by_time(true);
  frame();
  const auto& t = p.timeline.ticks();
  ASSERT_GE(t.size(), 3u);
  // By time the ticks are evenly spaced, left to right.
  const float d = t[1].first - t[0].first;
  EXPECT_GT(d, 0);
  for (std::size_t i = 2; i < t.size(); ++i) EXPECT_NEAR(t[i].first - t[i - 1].first, d, 1.0f);
}

// --- help overlay and presenter mode ------------------------------------------------------

TEST_F(Headless, TheHelpOverlayDrawsEveryShortcut) {
  // ImGui's logger collects every text rendered until the window ends (End() of a top-level
  // window stops it), so the overlay is logged on its own.
  auto logged_help = [] {
    ImGui::NewFrame();
    ImGui::LogToClipboard();
    draw_help();
    ImGui::Render();
    const char* text = ImGui::GetClipboardText();
    return std::string(text ? text : "");
  };
  logged_help();  // a window that sizes itself to its contents is only measured at first
  const std::string drawn = logged_help();
  ASSERT_GE(shortcuts().size(), 9u);
  for (const Shortcut& s : shortcuts()) {
    EXPECT_NE(drawn.find(s.keys), std::string::npos) << s.keys << " not in:\n" << drawn;
    EXPECT_NE(drawn.find(s.what), std::string::npos) << s.what;
  }
  for (const char* key : {"Space", "F1", "F11", "Home", "Left arrow", "Right arrow"}) {
    bool listed = false;
    for (const Shortcut& s : shortcuts()) listed |= std::string(s.keys) == key;
    EXPECT_TRUE(listed) << key;
  }
  // The window's frame shows the overlay exactly when F1 turned it on.
  View v(load("same-domain"));
  Panels p;
  auto shown = [&] {
    ImGui::NewFrame();
    draw_frame(v, p);
    ImGui::Render();
    ImGuiWindow* w = ImGui::FindWindowByName("Keyboard shortcuts (F1 to close)");
    return w != nullptr && w->Active;
  };
  EXPECT_FALSE(shown());
  p.help = true;
  EXPECT_TRUE(shown());
  p.help = false;
  EXPECT_FALSE(shown());
}

TEST_F(Headless, PresenterModeLoadsALargerFont) {
  ASSERT_TRUE(load_fonts(1.f, false)) << "fonts-dejavu-core is a build dependency (Makefile)";
  build_atlas();
  const float normal = ImGui::GetIO().Fonts->Fonts[0]->FontSize;
  ASSERT_TRUE(load_fonts(1.f, true));
  build_atlas();
  const float presenter = ImGui::GetIO().Fonts->Fonts[0]->FontSize;
  EXPECT_EQ(normal, kFontPx);
  EXPECT_EQ(presenter, kPresenterFontPx);
  EXPECT_GE(presenter, normal * 1.3f);
  // The monitor's DPI scale multiplies it.
  ASSERT_TRUE(load_fonts(2.f, true));
  build_atlas();
  EXPECT_EQ(ImGui::GetIO().Fonts->Fonts[0]->FontSize, 2 * kPresenterFontPx);
  // And a frame draws with it (the text of the frame is larger).
  ImGui::NewFrame();
  EXPECT_EQ(ImGui::GetFontSize(), 2 * kPresenterFontPx);
  ImGui::Render();
}

TEST_F(Headless, AMissingTrueTypeFileFallsBackToImGuisFontAtTheSameSize) {
  EXPECT_FALSE(load_fonts(1.f, true, {"/nonexistent/DejaVuSans-Bold.ttf"}));
  build_atlas();
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  // The text font and the larger one for lesson narration, both ImGui's own.
  ASSERT_EQ(atlas->Fonts.Size, 2);
  EXPECT_EQ(atlas->Fonts[0]->FontSize, kPresenterFontPx);
  EXPECT_GT(atlas->Fonts[1]->FontSize, kPresenterFontPx);
  EXPECT_TRUE(atlas->IsBuilt());
  // The whole window still draws with it.
  View v(load("same-domain"));
  Panels p;
  p.help = true;
  ImGui::NewFrame();
  draw_frame(v, p);
  ImGui::Render();
  EXPECT_FALSE(p.canvas.boxes().empty());
  // The second candidate is used when the first is missing.
  const auto found = font_candidates(false);
  ASSERT_FALSE(found.empty());
  EXPECT_TRUE(load_fonts(1.f, false, {"/nonexistent/x.ttf", found.front()}));
}

}  // namespace
}  // namespace smtpsim::gui
