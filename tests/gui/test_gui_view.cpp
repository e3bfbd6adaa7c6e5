// Headless tests of the GUI's View and panels (issue 5): an ImGui context without a window
// or backend (io.DisplaySize set, font atlas built, NewFrame/Render), so they run anywhere.
#include <gtest/gtest.h>
#include <imgui.h>

#include <string>

#include "gui/app_window.hpp"
#include "gui/canvas.hpp"
#include "gui/layout.hpp"
#include "gui/theme.hpp"
#include "gui/timeline.hpp"
#include "gui/transcript.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"
#include "sim/trace/world_view.hpp"
#include "tests/gui/headless_imgui.hpp"

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

// WorldView has no operator==: compare everything it folds.
void expect_same(const trace::WorldView& a, const trace::WorldView& b) {
  EXPECT_EQ(a.applied, b.applied);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.hosts_down, b.hosts_down);
  EXPECT_EQ(a.links_cut, b.links_cut);
  EXPECT_EQ(a.services_down, b.services_down);
  EXPECT_EQ(a.queues, b.queues);
  EXPECT_EQ(a.delivered, b.delivered);
  EXPECT_EQ(a.inboxes, b.inboxes);
  EXPECT_EQ(a.device_messages, b.device_messages);
  EXPECT_EQ(a.bounces, b.bounces);
  EXPECT_EQ(a.dsns, b.dsns);
  EXPECT_EQ(a.deferrals, b.deferrals);
  ASSERT_EQ(a.connections.size(), b.connections.size());
  for (auto ia = a.connections.begin(), ib = b.connections.begin(); ia != a.connections.end();
       ++ia, ++ib) {
    EXPECT_EQ(ia->first, ib->first);
    EXPECT_EQ(ia->second.client, ib->second.client);
    EXPECT_EQ(ia->second.server, ib->second.server);
    EXPECT_EQ(ia->second.port, ib->second.port);
    EXPECT_EQ(ia->second.tls, ib->second.tls);
    EXPECT_EQ(ia->second.last_line, ib->second.last_line);
  }
}

class ImGuiHeadless : public HeadlessImGui {};

TEST(GuiView, StepBackRestoresThePreviousWorldViewExactly) {
  View v(load("server-down-retry"));
  while (v.step_forward()) {
  }
  const std::size_t total = v.events().size();
  ASSERT_GT(total, 100u);
  ASSERT_TRUE(v.finished());
  // Walk back one event at a time: every state equals a fresh fold of the prefix.
  while (v.cursor() > 0) {
    const std::size_t n = v.cursor();
    const trace::WorldView before = v.world();
    ASSERT_TRUE(v.step_back());
    ASSERT_EQ(v.cursor(), n - 1);
    expect_same(v.world(), trace::fold(v.events(), n - 1));
    ASSERT_TRUE(v.step_forward());
    expect_same(v.world(), before);
    ASSERT_TRUE(v.step_back());
  }
  EXPECT_FALSE(v.step_back());
  EXPECT_EQ(v.display_time(), 0);
}

TEST(GuiView, SimulationRunsOnlyAsFarAsTheCursorNeeds) {
  View v(load("pop3-vs-imap"));
  v.seek(20);
  EXPECT_EQ(v.cursor(), 20u);
  EXPECT_GE(v.events().size(), 20u);
  EXPECT_FALSE(v.finished());
  EXPECT_EQ(v.display_time(), v.events()[19].time);
  v.restart();
  EXPECT_EQ(v.cursor(), 0u);
  EXPECT_FALSE(v.playing());
}

TEST(GuiView, PlayingAdvancesByVirtualTimeAndSkipsIdleTime) {
  View v(load("server-down-retry"));
  v.set_speed(1);
  v.set_skip_idle(true);
  v.play(true);
  for (int i = 0; i < 20000 && v.playing(); ++i) v.tick(0.05);
  // The retry minutes later was reached without playing minutes of wall time.
  EXPECT_TRUE(v.finished());
  EXPECT_EQ(v.cursor(), v.events().size());
  EXPECT_FALSE(v.playing());
}

TEST(GuiView, ScrubberMarkersAreTheDeliveriesDeferralsAndBounces) {
  for (const char* name : {"server-down-retry", "unknown-user-bounce", "queue-lifetime-bounce"}) {
    SCOPED_TRACE(name);
    View v(load(name));
    while (!v.finished()) v.pump(1000);
    std::vector<std::size_t> want;
    for (const auto& e : v.events())
      if (e.kind == trace::EventKind::Delivered || e.kind == trace::EventKind::Deferred ||
          e.kind == trace::EventKind::Bounced)
        want.push_back(e.seq);
    ASSERT_FALSE(want.empty());
    ASSERT_EQ(v.markers().size(), want.size());
    const std::size_t total = v.events().size();
    for (std::size_t i = 0; i < want.size(); ++i) {
      const Marker& m = v.markers()[i];
      EXPECT_EQ(m.event, want[i]);
      EXPECT_EQ(m.kind, v.events()[m.event].kind);
      // Clicking the scrubber at the marker shows the state just after that event.
      const float x = Timeline::event_x(m.event + 1, total, 100.f, static_cast<float>(total) * 3);
      EXPECT_EQ(Timeline::event_at(x, total, 100.f, static_cast<float>(total) * 3), m.event + 1);
      v.seek(m.event + 1);
      if (m.kind == trace::EventKind::Deferred) {
        const int after = v.world().deferrals;
        v.step_back();
        EXPECT_EQ(v.world().deferrals, after - 1);
      }
    }
  }
  EXPECT_NE(Timeline::marker_colour(trace::EventKind::Delivered),
            Timeline::marker_colour(trace::EventKind::Bounced));
}

TEST_F(ImGuiHeadless, ClickingATranscriptLineSeeksTheCursor) {
  View v(load("same-domain"));
  while (!v.finished()) v.pump(1000);
  TranscriptPanel t;
  t.sync(v);
  ASSERT_GT(t.rows().size(), 30u);
  const TranscriptRow& row = t.rows()[30];
  TranscriptPanel::activate(v, row);
  EXPECT_EQ(v.cursor(), row.event + 1);
  EXPECT_EQ(v.display_time(), v.events()[row.event].time);
  // The same line as `smtpsim run` prints; the brief form drops the connection label.
  EXPECT_NE(row.text.find("alice-laptop→mail.example.com:587"), std::string::npos);
  EXPECT_EQ(row.brief.find("alice-laptop→mail.example.com:587"), std::string::npos);
  EXPECT_NE(row.brief.find(" alice-laptop "), std::string::npos);
  EXPECT_LT(row.brief.size(), row.text.size());
  // Filter by host: every visible row involves that host.
  t.set_host_filter("ns.example.org");
  for (std::size_t i : t.visible(v)) {
    const auto& e = v.events()[t.rows()[i].event];
    EXPECT_TRUE(e.host == "ns.example.org" || e.peer == "ns.example.org");
  }
  // Filter by connection: only that connection's lines.
  const std::uint64_t conn = v.events()[row.event].conn;
  ASSERT_NE(conn, 0u);
  t.set_connection_filter(conn);
  ASSERT_FALSE(t.visible(v).empty());
  for (std::size_t i : t.visible(v)) EXPECT_EQ(v.events()[t.rows()[i].event].conn, conn);
  // The panel draws in a headless frame.
  ImGui::NewFrame();
  ImGui::Begin("t");
  t.draw(v);
  ImGui::End();
  ImGui::Render();
}

TEST_F(ImGuiHeadless, TranscriptColoursRepliesAndExplainsThem) {
  View v(load("unknown-user-bounce"));
  while (!v.finished()) v.pump(1000);
  TranscriptPanel t;
  t.sync(v);
  bool client = false, server = false, error = false;
  for (const auto& r : t.rows()) {
    client |= r.dir == Direction::ClientSent;
    server |= r.dir == Direction::ServerSent;
    error |= r.dir == Direction::Error;
  }
  EXPECT_TRUE(client && server && error);
  EXPECT_NE(explain_reply("+0:00:01.000 a→b:25 <-  550 5.1.1 <x@example.net>: unknown")
                .find("no such user"),
            std::string::npos);
  EXPECT_NE(explain_reply("+0:00:01.000 a→b:25 <-  354 End data").find("354"), std::string::npos);
  EXPECT_EQ(explain_reply("+0:00:01.000 === hello"), "");
}

TEST_F(ImGuiHeadless, KeyboardStepsForwardBackAndRestarts) {
  View v(load("same-domain"));
  ImGuiIO& io = ImGui::GetIO();
  io.KeyMap[ImGuiKey_RightArrow] = 1;
  io.KeyMap[ImGuiKey_LeftArrow] = 2;
  io.KeyMap[ImGuiKey_Home] = 3;
  io.KeyMap[ImGuiKey_Space] = 4;
  auto press = [&](int key) {
    io.KeysDown[key] = true;
    ImGui::NewFrame();
    Timeline::handle_keys(v);
    ImGui::Render();
    io.KeysDown[key] = false;
    ImGui::NewFrame();
    ImGui::Render();
  };
  press(1);
  press(1);
  press(1);
  EXPECT_EQ(v.cursor(), 3u);
  press(2);
  EXPECT_EQ(v.cursor(), 2u);
  press(4);
  EXPECT_TRUE(v.playing());
  press(4);
  EXPECT_FALSE(v.playing());
  press(3);
  EXPECT_EQ(v.cursor(), 0u);
}

TEST_F(ImGuiHeadless, CanvasPutsEveryHostInsideAndNoTwoOverlap) {
  for (const char* name : kScenarios) {
    SCOPED_TRACE(name);
    for (bool automatic : {false, true}) {
      scenario::Spec spec = load(name);
      if (automatic)
        for (auto& h : spec.hosts) h.position.reset();
      View v(spec);
      Canvas c;
      const ImVec2 origin(10, 40), size(960, 700);
      c.compute_boxes(v, origin, size);
      ASSERT_EQ(c.boxes().size(), spec.hosts.size());
      for (std::size_t i = 0; i < c.boxes().size(); ++i) {
        const ScreenBox& b = c.boxes()[i];
        EXPECT_GE(b.min.x, origin.x) << b.name;
        EXPECT_GE(b.min.y, origin.y) << b.name;
        EXPECT_LE(b.max.x, origin.x + size.x) << b.name;
        EXPECT_LE(b.max.y, origin.y + size.y) << b.name;
        EXPECT_GT(b.max.x - b.min.x, 100) << b.name << " is too small to read";
        for (std::size_t j = i + 1; j < c.boxes().size(); ++j) {
          const ScreenBox& o = c.boxes()[j];
          EXPECT_FALSE(b.min.x < o.max.x && o.min.x < b.max.x && b.min.y < o.max.y &&
                       o.min.y < b.max.y)
              << b.name << " overlaps " << o.name << (automatic ? " (automatic layout)" : "");
        }
      }
    }
  }
}

TEST_F(ImGuiHeadless, CanvasDrawsAnEnvelopeForTheLineInFlight) {
  View v(load("same-domain"));
  // Find the first SMTP line and stop right after it.
  std::size_t line = 0;
  while (v.step_forward())
    if (v.events()[v.cursor() - 1].kind == trace::EventKind::Line) {
      line = v.cursor() - 1;
      break;
    }
  ASSERT_GT(v.cursor(), 0u);
  Canvas c;
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(1000, 800));
  ImGui::Begin("canvas");
  c.draw(v, ImVec2(960, 700));
  ImGui::End();
  ImGui::Render();
  ASSERT_FALSE(c.envelopes().empty());
  bool found = false;
  for (const auto& e : c.envelopes()) found |= e.event == line;
  EXPECT_TRUE(found);
  // Hovering the envelope shows the line it carries.
  for (const auto& e : c.envelopes())
    if (e.event == line) ImGui::GetIO().MousePos = e.center;
  for (int i = 0; i < 2; ++i) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1000, 800));
    ImGui::Begin("canvas");
    c.draw(v, ImVec2(960, 700));
    ImGui::End();
    ImGui::Render();
  }
  ASSERT_FALSE(c.hovered().empty());
  EXPECT_NE(c.hovered().front().find(v.events()[line].text), std::string::npos)
      << c.hovered().front();
  // Half-way between the two hosts while stepping.
  const auto& ev = v.events()[line];
  const ScreenBox *from = nullptr, *to = nullptr;
  for (const auto& b : c.boxes()) {
    if (b.name == ev.host) from = &b;
    if (b.name == ev.peer) to = &b;
  }
  ASSERT_TRUE(from && to);
  for (const auto& e : c.envelopes())
    if (e.event == line) {
      EXPECT_GT(e.center.x, std::min(from->max.x, to->max.x));
      EXPECT_LT(e.center.x, std::max(from->min.x, to->min.x));
    }
}

TEST(GuiLayout, GlyphsFollowRolesAndDevices) {
  scenario::Spec spec = load("pop3-vs-imap");
  const auto boxes = compute_layout(spec);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const auto& h = spec.hosts[i];
    if (h.mua)
      EXPECT_EQ(boxes[i].glyph, h.mua->device == "phone" ? Glyph::Phone : Glyph::Laptop);
    else
      EXPECT_EQ(boxes[i].glyph, Glyph::Server);
  }
}

}  // namespace
}  // namespace smtpsim::gui

namespace smtpsim::gui {
namespace {

TEST_F(ImGuiHeadless, EveryPanelDrawsEveryStateOfEveryScenario) {
  for (const char* name : kScenarios) {
    SCOPED_TRACE(name);
    View v(load(name));
    Panels p;
    p.help = true;
    std::size_t frames = 0;
    auto frame = [&] {
      ImGui::NewFrame();
      draw_frame(v, p);
      ImGui::Render();
      ++frames;
    };
    frame();
    while (v.step_forward()) frame();
    // Then play it back from the start at high speed, as the window does.
    v.restart();
    v.set_speed(64);
    v.play(true);
    while (v.playing() && frames < 100000) {
      v.pump(2000);
      v.tick(1.0 / 30);
      frame();
    }
    EXPECT_EQ(v.cursor(), v.events().size());
    EXPECT_FALSE(p.canvas.boxes().empty());
  }
}

}  // namespace
}  // namespace smtpsim::gui

namespace smtpsim::gui {
namespace {

TEST_F(ImGuiHeadless, WheelZoomsAndDraggingTheBackgroundPansAndDraggingAHostMovesIt) {
  View v(load("same-domain"));
  Canvas c;
  ImGuiIO& io = ImGui::GetIO();
  auto frame = [&] {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1000, 800));
    ImGui::Begin("canvas", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    c.draw(v, ImVec2(960, 700));
    ImGui::End();
    ImGui::Render();
    io.MouseWheel = 0;
  };
  auto width = [&](std::size_t i) { return c.boxes()[i].max.x - c.boxes()[i].min.x; };
  io.MousePos = ImVec2(12, 400);  // canvas background, left of every host
  frame();
  frame();
  const float w0 = width(0);
  const ImVec2 at0 = c.boxes()[1].min;
  io.MouseWheel = 1;
  frame();
  EXPECT_NEAR(width(0), w0 * 1.15f, 0.5f);
  // The point under the mouse stays put: boxes move away from it.
  EXPECT_GT(c.boxes()[1].min.x, at0.x);
  // Drag the background: everything moves by the mouse's travel.
  const ImVec2 before = c.boxes()[1].min;
  io.MouseDown[0] = true;
  frame();
  io.MousePos = ImVec2(62, 430);
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_NEAR(c.boxes()[1].min.x - before.x, 50, 0.5f);
  EXPECT_NEAR(c.boxes()[1].min.y - before.y, 30, 0.5f);
  // Drag a host: only that host moves.
  const ScreenBox host = c.boxes()[1], other = c.boxes()[2];
  io.MousePos = ImVec2((host.min.x + host.max.x) / 2, (host.min.y + host.max.y) / 2);
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MousePos.y += 40;
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_NEAR(c.boxes()[1].min.y - host.min.y, 40, 0.5f);
  EXPECT_NEAR(c.boxes()[2].min.y, other.min.y, 0.01f);
}

}  // namespace
}  // namespace smtpsim::gui
