// Headless tests of live mode in the GUI (issue 7): the cursor that follows the live edge,
// where hosts that join while running are placed and drawn, and the live panel's form check.
// A fake LiveDriver stands for the real sockets: its poll() runs the simulation up to a
// "wall clock" the test moves, as LiveLoop does with the real one.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <string>

#include "gui/app_window.hpp"
#include "gui/live_form.hpp"
#include "gui/live_layout.hpp"
#include "gui/live_panel.hpp"
#include "gui/transcript.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"
#include "tests/gui/headless_imgui.hpp"

namespace smtpsim::gui {
namespace {

scenario::Spec load(const std::string& name) {
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/" + name +
                                   ".json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

// The wall clock is `now`; poll() runs what is due, as net::LiveLoop::sync() does.
class FakeDriver final : public LiveDriver {
 public:
  explicit FakeDriver(scenario::Simulation& sim) : sim_(sim) {}
  std::int64_t now = 0;
  std::string last_host;
  void poll() override {
    sim_.queue().run_until(now);
    sim_.queue().advance_to(now);
  }
  std::int64_t now_us() const override { return now; }
  LiveStatus status() const override { return {}; }
  std::string send(const LiveSendForm& f) override {
    last_host = f.host;
    return {};
  }
  std::string send_outcome() const override { return {}; }

 private:
  scenario::Simulation& sim_;
};

struct LiveFixture {
  std::unique_ptr<View> view;
  FakeDriver* driver = nullptr;
  explicit LiveFixture(scenario::Spec spec) {
    view = std::make_unique<View>(std::move(spec), std::nullopt, scenario::LiveHooks{});
    auto d = std::make_unique<FakeDriver>(view->simulation());
    driver = d.get();
    view->attach_live(std::move(d));
  }
  // One frame's worth of the window loop: poll the driver, follow the clock.
  void frame_at(std::int64_t now_us, double wall_seconds = 0.016) {
    driver->now = now_us;
    view->pump(2000);
    view->tick(wall_seconds);
  }
};

// A real client, as net::LiveServer makes one for an accepted socket: a real host whose
// virtual connection reaches the provider's SMTP service.
struct SilentClient : engine::ConnectionHandler {
  void on_data(engine::ConnId, std::string_view) override {}
  void on_closed(engine::ConnId) override {}
};
engine::HostId connect_real_client(View& v, const std::string& name, SilentClient& c) {
  engine::Network& net = v.simulation().net();
  const engine::HostId h = net.add_real_host(name, "127.0.0.1");
  net.connect(h, net.find("mail.example.com"), 25, &c);
  return h;
}

TEST(LiveView, CursorFollowsTheLiveEdgeAndStaysWhenPaused) {
  LiveFixture f(load("same-domain"));  // its script sends mail: events keep coming
  ASSERT_TRUE(f.view->live());
  ASSERT_TRUE(f.view->at_live_edge());
  f.frame_at(1'000'000);  // the script sends its mail at 1 s
  const std::size_t first = f.view->events().size();
  ASSERT_GT(first, 0u) << "the script's first events are due by 1 s";
  EXPECT_EQ(f.view->cursor(), first);
  EXPECT_EQ(f.view->display_time(), 1'000'000);
  EXPECT_TRUE(f.view->playing());
  EXPECT_FALSE(f.view->finished());

  // Pause (Space) and step back to study a moment: the run goes on without the picture.
  f.view->play(false);
  ASSERT_TRUE(f.view->step_back());
  EXPECT_FALSE(f.view->at_live_edge());
  const std::size_t studied = f.view->cursor();
  EXPECT_EQ(studied, first - 1);
  f.frame_at(5'000'000);
  EXPECT_GT(f.view->events().size(), first) << "the wall clock ran the simulation on";
  EXPECT_EQ(f.view->cursor(), studied);

  // "Back to live" rejoins the newest event and the wall clock.
  f.view->back_to_live();
  f.frame_at(5'000'000);
  EXPECT_TRUE(f.view->at_live_edge());
  EXPECT_EQ(f.view->cursor(), f.view->events().size());
  EXPECT_EQ(f.view->display_time(), 5'000'000);
}

TEST(LiveView, PlayingAStudiedMomentCatchesUpWithTheLiveEdge) {
  LiveFixture f(load("same-domain"));
  f.frame_at(3'000'000);
  const std::size_t total = f.view->events().size();
  ASSERT_GT(total, 3u);
  f.view->seek(1);
  EXPECT_FALSE(f.view->at_live_edge());
  f.view->play(true);
  for (int i = 0; i < 2000 && !f.view->at_live_edge(); ++i) f.frame_at(3'000'000, 0.05);
  EXPECT_TRUE(f.view->at_live_edge());
  EXPECT_EQ(f.view->cursor(), total);
}

TEST(LiveView, ActionsByHandHappenNowAndCannotBeUndone) {
  LiveFixture f(load("default"));
  f.frame_at(1'000'000);
  scenario::Action a;
  a.kind = "host_down";
  a.host = "mx.example.net";
  EXPECT_EQ(f.view->apply_action(a), "");
  f.frame_at(1'100'000);
  EXPECT_TRUE(f.view->world().hosts_down.count("mx.example.net"));
  EXPECT_FALSE(f.view->undo_last_action());
  EXPECT_EQ(f.view->generation(), 0u) << "a live run is never rebuilt";
}

TEST(LiveView, RealClientsBecomeExtraHostsFromTheirFirstEvent) {
  LiveFixture f(load("default"));
  f.frame_at(1000);
  const std::size_t before = f.view->events().size();
  SilentClient c1, c2;
  connect_real_client(*f.view, "external client 127.0.0.1:53122", c1);
  f.frame_at(2000);
  connect_real_client(*f.view, "external client 127.0.0.1:53123", c2);
  f.frame_at(3000);
  const auto& extra = f.view->extra_hosts();
  ASSERT_EQ(extra.size(), 2u);
  EXPECT_EQ(extra[0].name, "external client 127.0.0.1:53122");
  EXPECT_EQ(extra[0].address, "127.0.0.1");
  EXPECT_TRUE(extra[0].real);
  EXPECT_TRUE(extra[0].client);
  EXPECT_EQ(extra[0].port, 25);
  EXPECT_GE(extra[0].first_event, before);
  EXPECT_LT(extra[0].first_event, extra[1].first_event);
  EXPECT_EQ(f.view->cursor(), f.view->events().size());
  // The greeting from the provider travels for all to see (no simulated latency to a real host).
  const auto flying = f.view->in_flight();
  EXPECT_TRUE(std::any_of(flying.begin(), flying.end(), [](const InFlight& x) {
    return x.to == "external client 127.0.0.1:53122" && x.progress < 1.0;
  })) << "the 220 greeting is on its way to the first client";
  // In the transcript's brief form a real client is its address alone: the full name would
  // push its lines past the panel's right edge.
  TranscriptPanel t;
  t.sync(*f.view);
  std::size_t labelled = 0;
  for (const auto& row : t.rows()) {
    if (row.text.find("external client 127.0.0.1:53122→") == std::string::npos) continue;
    ++labelled;
    EXPECT_EQ(row.brief.find("external client"), std::string::npos) << row.brief;
    EXPECT_NE(row.brief.find(" 127.0.0.1:53122 "), std::string::npos) << row.brief;
  }
  EXPECT_GT(labelled, 0u) << "the first client's greeting is in the transcript";
}

TEST(LiveLayout, ClientsFromTheLeftServersFromTheRightInRowsAboveWithoutOverlap) {
  const auto base = compute_layout(load("default"));
  std::vector<ExtraHost> extra;
  for (int i = 0; i < 9; ++i)
    extra.push_back(ExtraHost{"external client 127.0.0.1:" + std::to_string(50000 + i), "127.0.0.1",
                              static_cast<std::size_t>(i), true, true, 25});
  extra.push_back(ExtraHost{"real server 127.0.0.1", "127.0.0.1", 20, true, false, 2525});
  const auto boxes = place_extra_hosts(base, extra);
  ASSERT_EQ(boxes.size(), extra.size());
  double top = 1e18, left = 1e18, right = -1e18;
  for (const auto& b : base) {
    top = std::min(top, b.y - b.h / 2);
    left = std::min(left, b.x);
    right = std::max(right, b.x);
  }
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    EXPECT_EQ(boxes[i].name, extra[i].name);
    EXPECT_EQ(boxes[i].glyph, Glyph::Real);
    EXPECT_LT(boxes[i].y + boxes[i].h / 2, top) << boxes[i].name << " is above the scenario";
  }
  EXPECT_EQ(boxes[0].x, left) << "the first client opens the row at the left";
  EXPECT_EQ(boxes[0].y, boxes[1].y) << "the next one sits beside it";
  EXPECT_LT(boxes[0].x, boxes[1].x);
  EXPECT_LT(boxes[8].y, boxes[0].y) << "a full row continues in a row further up";
  EXPECT_GE(boxes.back().x, right - 1) << "a real server comes from the right";
  EXPECT_EQ(boxes.back().ports, std::vector<int>{2525});
  for (std::size_t i = 0; i < boxes.size(); ++i)
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      const bool apart = std::abs(boxes[i].x - boxes[j].x) >= kBoxW + kMinGapX ||
                         std::abs(boxes[i].y - boxes[j].y) >= kBoxH + kMinGapY;
      EXPECT_TRUE(apart) << boxes[i].name << " and " << boxes[j].name;
    }
  // Two hosts only: the row is as wide as the scenario, so the boxes keep their size.
  const auto two = place_extra_hosts(base, {extra[0], extra.back()});
  EXPECT_EQ(two[0].y, two[1].y);
  EXPECT_GE(two[1].x, right - 1);
}

class LiveCanvas : public HeadlessImGui {};

TEST_F(LiveCanvas, DrawsRealHostsOnlyFromTheMomentTheyArrive) {
  LiveFixture f(load("default"));
  Panels p;
  f.frame_at(1000);
  SilentClient c;
  connect_real_client(*f.view, "external client 127.0.0.1:53122", c);
  f.frame_at(2000);
  frame(*f.view, p);
  auto drawn = [&] {
    const auto& boxes = p.canvas.boxes();
    return std::find_if(boxes.begin(), boxes.end(), [](const ScreenBox& b) {
      return b.name == "external client 127.0.0.1:53122";
    });
  };
  ASSERT_NE(drawn(), p.canvas.boxes().end());
  for (const auto& b : p.canvas.boxes()) {
    if (b.name != drawn()->name) {
      EXPECT_LT(drawn()->max.y, b.min.y) << "above " << b.name;
    }
  }
  // Stepped back to before it connected, the picture shows the network without it.
  f.view->seek(f.view->extra_hosts()[0].first_event);
  frame(*f.view, p);
  EXPECT_EQ(drawn(), p.canvas.boxes().end());
  f.view->back_to_live();
  f.frame_at(2000);
  frame(*f.view, p);
  EXPECT_NE(drawn(), p.canvas.boxes().end());
}

TEST_F(LiveCanvas, LessonsHaveNoExtraHosts) {
  View v(load("same-domain"));
  Panels p;
  v.seek(40);
  frame(v, p);
  EXPECT_FALSE(v.live());
  EXPECT_TRUE(v.extra_hosts().empty());
  EXPECT_EQ(p.canvas.boxes().size(), v.spec().hosts.size());
}

TEST(LiveForm, EachBadFieldIsOneSentence) {
  LiveSendForm ok;
  EXPECT_EQ(validate(ok), "");
  auto with = [&](auto change) {
    LiveSendForm f = ok;
    change(f);
    return validate(f);
  };
  EXPECT_EQ(with([](LiveSendForm& f) { f.host = ""; }),
            "Type the real server's host name or address first.");
  EXPECT_EQ(with([](LiveSendForm& f) { f.host = "  "; }),
            "Type the real server's host name or address first.");
  EXPECT_EQ(with([](LiveSendForm& f) { f.host = "mail example"; }),
            "The host \"mail example\" has a space in it; type one name or address.");
  for (const char* bad : {"", "0", "65536", "99999", "25a", "abc", "-1"})
    EXPECT_EQ(with([&](LiveSendForm& f) { f.port = bad; }),
              std::string("The port must be a number from 1 to 65535 (\"") + bad + "\" is not).")
        << bad;
  EXPECT_EQ(with([](LiveSendForm& f) { f.port = "65535"; }), "");
  EXPECT_EQ(with([](LiveSendForm& f) { f.user = "alice"; }),
            "Type the password for alice, or leave the user empty to send without AUTH.");
  EXPECT_EQ(with([](LiveSendForm& f) { f.from = "alice"; }),
            "The sender \"alice\" is not an address like alice@example.com.");
  EXPECT_EQ(with([](LiveSendForm& f) { f.to = "<bob@example.com>"; }),
            "The recipient \"<bob@example.com>\" is not an address like bob@example.com.");
  EXPECT_EQ(port_of(ok), 3587);
}

TEST_F(LiveCanvas, PanelSaysWhyNothingWasSent) {
  View lesson(load("same-domain"));
  LivePanel panel;
  panel.form.port = "70000";
  EXPECT_FALSE(panel.send(lesson));
  EXPECT_EQ(panel.message(lesson), "The port must be a number from 1 to 65535 (\"70000\" is not).");
  EXPECT_TRUE(panel.message_is_error());
  panel.form.port = "2525";
  EXPECT_FALSE(panel.send(lesson));
  EXPECT_EQ(panel.message(lesson),
            "Real servers are reached in live mode only: start the view with 'smtpsim gui "
            "--serve'.");
  LiveFixture f(load("default"));
  panel.form.host = "localhost";
  EXPECT_TRUE(panel.send(*f.view));
  EXPECT_EQ(f.driver->last_host, "localhost");
  EXPECT_FALSE(panel.message_is_error());
  EXPECT_EQ(panel.message(*f.view), "Sending... watch the canvas and the transcript.");
  // The panel draws in a frame (Live > Connect to a real server...).
  Panels p;
  p.live_panel = panel;
  p.live_panel.open = true;
  frame(*f.view, p);
  EXPECT_TRUE(p.live_panel.open);
}

}  // namespace
}  // namespace smtpsim::gui
