// Frame benchmarks of the GUI (issue 5 figures), drawn headless: an ImGui context without a
// window or GL backend (like tests/gui), so this measures the CPU side of a frame -- View,
// canvas, transcript, timeline, ImGui's own work -- not the GPU. The scenario is the one
// tests/bench/make_big_scenario.py writes at build time: 100 hosts, 1,080 messages sent at
// once over 200 ms uplinks, about 100,000 transcript lines; the simulation is run to its end
// before timing (as the window does in the background).
//   BM_GuiFramePaused    one frame, paused at the busiest moment (all panels drawn)
//   BM_GuiFramePlaying   one frame while playing at 0.1x from the busiest moment
//   BM_GuiInFlight       View::in_flight() alone at the busiest moment
//   BM_GuiFirstFrame     load the file, build the View, draw the first frame (launch cost,
//                        without the window and GL start-up)
// Argument 1000: from the first moment with 1,000 envelopes in flight; 0: from the moment
// with the most (about 10,000: the DATA lines of a thousand messages at once).
// Counters: hosts, envelopes (drawn in flight), rows (transcript lines), events, cursor.
#include <benchmark/benchmark.h>
#include <imgui.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gui/app_window.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"
#include "sim/scenario/load.hpp"

namespace {

using namespace smtpsim;

scenario::Spec big_spec() {
  auto r = scenario::load_scenario(SMTPSIM_BIG_SCENARIO);
  if (auto* e = std::get_if<scenario::LoadError>(&r)) {
    std::fprintf(stderr, "%s\n", e->message.c_str());
    std::abort();
  }
  return std::get<scenario::Spec>(std::move(r));
}

// One ImGui context for the whole process: 1600x900, the normal theme and DejaVu font.
void ensure_imgui() {
  if (ImGui::GetCurrentContext()) return;
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 900);
  // What imgui_impl_opengl3 declares on GL >= 3.2 (Mesa's llvmpipe too): draw lists may pass
  // 65,536 vertices, which a canvas with 1,000 envelopes does.
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  gui::apply_theme(1.f, false);
  gui::load_fonts(1.f, false);
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
}

void frame(gui::View& v, gui::Panels& p) {
  ImGui::GetIO().DeltaTime = 1.f / 60;
  ImGui::NewFrame();
  gui::draw_frame(v, p);
  ImGui::Render();
}

// The finished run, with two cursors: the first moment with 1,000 lines on the wire (the
// issue's figure), and the moment with the most (the DATA of a thousand messages at once).
struct Busy {
  std::unique_ptr<gui::View> view;
  std::size_t thousand = 0, busiest = 0;
  std::size_t at(std::int64_t which) const { return which == 0 ? busiest : thousand; }
};
Busy& busy() {
  static Busy b = [] {
    Busy r;
    r.view = std::make_unique<gui::View>(big_spec());
    while (!r.view->finished()) r.view->pump(100000);
    std::size_t best = 0;
    for (std::size_t c = 1; c <= r.view->events().size(); c += 7) {
      r.view->seek(c);
      const std::size_t n = r.view->in_flight().size();
      if (n >= 1000 && r.thousand == 0) r.thousand = c;
      if (n > best) {
        best = n;
        r.busiest = c;
      }
    }
    return r;
  }();
  return b;
}

void counters(benchmark::State& state, const gui::View& v, const gui::Panels& p) {
  state.counters["hosts"] = static_cast<double>(v.spec().hosts.size());
  state.counters["envelopes"] = static_cast<double>(p.canvas.envelopes().size());
  state.counters["rows"] = static_cast<double>(p.transcript.rows().size());
  state.counters["events"] = static_cast<double>(v.events().size());
  state.counters["cursor"] = static_cast<double>(v.cursor());
}

void BM_GuiFramePaused(benchmark::State& state) {
  ensure_imgui();
  Busy& b = busy();
  gui::View& v = *b.view;
  v.play(false);
  v.seek(b.at(state.range(0)));
  gui::Panels p;
  frame(v, p);  // the transcript renders every event once, on its first frame
  for (auto _ : state) frame(v, p);
  counters(state, v, p);
}
BENCHMARK(BM_GuiFramePaused)->Arg(1000)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_GuiFramePlaying(benchmark::State& state) {
  ensure_imgui();
  Busy& b = busy();
  gui::View& v = *b.view;
  const std::size_t from = b.at(state.range(0));
  v.seek(from);
  v.set_speed(0.1);
  v.play(true);
  gui::Panels p;
  frame(v, p);
  for (auto _ : state) {
    v.tick(1.0 / 60);
    if (!v.playing()) {  // the end of the run: start again from the busy moment
      v.seek(from);
      v.play(true);
    }
    frame(v, p);
  }
  v.play(false);
  counters(state, v, p);
}
BENCHMARK(BM_GuiFramePlaying)->Arg(1000)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_GuiInFlight(benchmark::State& state) {
  Busy& b = busy();
  b.view->play(false);
  b.view->seek(b.at(state.range(0)));
  std::size_t n = 0;
  for (auto _ : state) {
    n = b.view->in_flight().size();
    benchmark::DoNotOptimize(n);
  }
  state.counters["envelopes"] = static_cast<double>(n);
}
BENCHMARK(BM_GuiInFlight)->Arg(1000)->Arg(0)->Unit(benchmark::kMicrosecond);

void BM_GuiFirstFrame(benchmark::State& state) {
  ensure_imgui();
  for (auto _ : state) {
    gui::View v(big_spec());
    gui::Panels p;
    v.pump(2000);  // what the window does before its first frame
    frame(v, p);
    benchmark::DoNotOptimize(p.canvas.boxes().size());
  }
}
BENCHMARK(BM_GuiFirstFrame)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
