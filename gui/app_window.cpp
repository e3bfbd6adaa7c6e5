// GLFW/OpenGL/ImGui shell around the View and its panels.
#include "gui/app_window.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "gui/canvas.hpp"
#include "gui/frame_stats.hpp"
#include "gui/help.hpp"
#include "gui/live_strip.hpp"
#include "gui/theme.hpp"
#include "gui/timeline.hpp"
#include "gui/transcript.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Weverything"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb_image_write.h>
#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace smtpsim::gui {

void draw_frame(View& view, Panels& p) {
  if (p.lesson) {
    p.lesson->before_frame(view, &p.progress);
    // Lesson 13: a step with a console opens it on the step's host and goal when shown.
    const LessonPlayer& lp = p.lesson->player();
    const std::size_t k = lp.shown(view.cursor());
    // A step that names a host to inspect opens the inspector on it when shown.
    if (k != p.console_step && k < lp.count() && !lp.lesson().steps[k].highlight.inspect.empty())
      p.inspector.select(Selection::host(lp.lesson().steps[k].highlight.inspect));
    if (k != p.console_step && k < lp.count() && lp.lesson().steps[k].console) {
      const scenario::ConsoleStep& c = *lp.lesson().steps[k].console;
      if (const auto problem = p.console.open_on(view.spec(), c.host, c.goal_recipient);
          !problem.empty())
        p.lesson->set_status(problem);
    }
    p.console_step = k;
  }
  p.canvas.spotlight = p.lesson ? &p.lesson->spotlight() : nullptr;
  p.transcript.marked = p.lesson ? p.lesson->spotlight().event : std::nullopt;
  p.transcript.hide_future = p.lesson && p.lesson->player().awaiting_answer();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  // A rebuilt run (an action done by hand) differs after the cursor: drop rendered lines.
  if (p.generation != view.generation()) {
    p.transcript = TranscriptPanel{};
    p.generation = view.generation();
  }
  ImGui::Begin("smtpsim", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_MenuBar);
  p.menu.draw(view);
  const std::string& title = view.spec().title.empty() ? view.spec().name : view.spec().title;
  ImGui::TextUnformatted(title.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("   F1: help");
  draw_live_strip(view);  // live mode only
  const float timeline_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetFontSize() * 3.2f;
  if (p.lesson) {
    // Across the whole width: the narration, a myth card and a question wrap into fewer lines
    // and leave the network its height (read from the back of a classroom).
    const float room = ImGui::GetContentRegionAvail().y - timeline_h;
    p.lesson->draw(view, std::floor(room * 0.45f));
    if (p.lesson->take_browse_request()) p.browser.open = true;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float top_h = std::max(100.f, avail.y - timeline_h);
  // The inspector sits under the transcript; "larger" gives it the canvas's room instead.
  const bool selected = !p.inspector.selection().empty();
  const bool large = selected && p.inspector.large();
  const float canvas_w = std::floor(avail.x * (selected ? 0.6f : 0.64f));
  if (large) {
    ImGui::BeginChild("inspector-pane", ImVec2(canvas_w, top_h), true);
    p.inspector.draw(view);
    ImGui::EndChild();
  } else {
    p.canvas.set_highlight(p.inspector.hosts(view));
    ImGui::BeginChild("canvas-pane", ImVec2(canvas_w, top_h), false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    p.canvas.draw(view, ImGui::GetContentRegionAvail());
    ImGui::EndChild();
  }
  ImGui::SameLine();
  ImGui::BeginChild("right-pane", ImVec2(0, top_h));
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float inspector_h = large      ? 0
                            : selected ? std::floor(top_h * p.inspector.height_share())
                                       : line * 5;
  ImGui::BeginChild("transcript-pane",
                    ImVec2(0, large ? 0 : top_h - inspector_h - ImGui::GetStyle().ItemSpacing.y));
  p.transcript.draw(view);
  ImGui::EndChild();
  if (!large) {
    ImGui::BeginChild("inspector-pane", ImVec2(0, 0), true);
    p.inspector.draw(view);
    ImGui::EndChild();
  }
  ImGui::EndChild();
  // Clicks select: a host on the canvas, a transcript line's connection (or message).
  if (!large && !p.canvas.clicked_host().empty())
    p.inspector.select(Selection::host(p.canvas.clicked_host()));
  if (auto ev = p.transcript.clicked_event(); ev && *ev < view.events().size()) {
    const trace::Event& e = view.events()[*ev];
    Selection s = Selection::for_event(e);
    if (!s.empty()) p.inspector.select(s);
    if (e.kind == trace::EventKind::StateChanged && e.conn != 0)
      p.inspector.show_client_side(view.client_of(e.conn) == e.host);
  }
  p.timeline.draw(view);
  ImGui::End();
  p.menu.draw_dialogs(view);
  if (p.menu.take_live_panel()) p.live_panel.open = true;
  p.live_panel.draw(view);
  p.console.draw();
  if (p.help) draw_help();
  if (auto chosen = p.browser.draw(p.progress)) p.open_request = std::move(chosen);
}

namespace {

std::string write_png(GLFWwindow* win, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(win, &w, &h);
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  // OpenGL's rows go bottom-up; PNG's top-down.
  const std::size_t stride = static_cast<std::size_t>(w) * 3;
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < h / 2; ++y) {
    unsigned char* a = px.data() + static_cast<std::size_t>(y) * stride;
    unsigned char* b = px.data() + static_cast<std::size_t>(h - 1 - y) * stride;
    std::copy(a, a + stride, row.data());
    std::copy(b, b + stride, a);
    std::copy(row.data(), row.data() + stride, b);
  }
  const std::string tmp = path + ".tmp.png";
  if (!stbi_write_png(tmp.c_str(), w, h, 3, px.data(), static_cast<int>(stride)))
    return "cannot write " + path;
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return "cannot write " + path + ": " + ec.message();
  return {};
}

// A JSON string's contents (the live panel's sentences may quote what was typed).
std::string json_escaped(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

std::string write_layout(const Panels& p, View& view, float sx, float sy, const std::string& path) {
  std::ofstream out(path);
  auto num = [](float v) { return std::to_string(static_cast<int>(std::lround(v))); };
  out << "{\"cursor\": " << view.cursor() << ", \"font_px\": " << num(ImGui::GetFontSize() * sy)
      << ", \"hosts\": [";
  bool first = true;
  for (const auto& b : p.canvas.boxes()) {
    out << (first ? "" : ", ") << "{\"name\": \"" << b.name << "\", \"x0\": " << num(b.min.x * sx)
        << ", \"y0\": " << num(b.min.y * sy) << ", \"x1\": " << num(b.max.x * sx)
        << ", \"y1\": " << num(b.max.y * sy) << "}";
    first = false;
  }
  out << "], \"envelopes\": [";
  first = true;
  for (const auto& e : p.canvas.envelopes()) {
    const auto& ev = view.events()[e.event];
    out << (first ? "" : ", ") << "{\"event\": " << e.event << ", \"proto\": \"" << ev.proto
        << "\", \"x\": " << num(e.center.x * sx) << ", \"y\": " << num(e.center.y * sy) << "}";
    first = false;
  }
  out << "]";
  if (p.lesson) {  // the step shown, the panel and the spotlit hosts (lesson screenshots)
    const LessonPlayer& lp = p.lesson->player();
    out << ", \"lesson\": {\"step\": " << lp.shown(view.cursor()) + 1
        << ", \"x0\": " << num(p.lesson->pane_min().x * sx)
        << ", \"y0\": " << num(p.lesson->pane_min().y * sy)
        << ", \"x1\": " << num(p.lesson->pane_max().x * sx)
        << ", \"y1\": " << num(p.lesson->pane_max().y * sy) << ", \"spotlight\": [";
    first = true;
    for (const auto& h : p.lesson->spotlight().hosts) {
      out << (first ? "" : ", ") << "\"" << h << "\"";
      first = false;
    }
    out << "]}";
  }
  if (LiveDriver* d = view.live_driver()) {  // live mode: real clients and the panel's outcome
    const LiveStatus st = d->status();
    out << ", \"live\": {\"clients\": " << st.clients << ", \"accepted\": " << st.accepted
        << ", \"at_edge\": " << (view.at_live_edge() ? "true" : "false") << ", \"panel\": \""
        << json_escaped(p.live_panel.message(view)) << "\"}";
  }
  out << "}\n";
  out.close();
  return out ? std::string{} : "cannot write " + path;
}

// Opens the lesson chosen in the browser: a new View on its scenario, fresh panels. A lesson
// the loader refuses leaves everything as it was and shows the loader's sentence.

}  // namespace

// A new View: the panels that showed the old run start afresh; the menu, the lesson list,
// progress, the console and the fonts stay.
static void fresh_panels(Panels& p) {
  p.canvas = Canvas{};
  p.timeline = Timeline{};
  p.transcript = TranscriptPanel{};
  p.inspector = Inspector{};
  p.lesson.reset();
  p.generation = 0;
}

// A lesson chosen in the browser or File > Open: its scenario in a new View, the lesson
// panel on its first step. Errors go to the browser's line, nothing changes.
static bool open_lesson(Panels& p, std::unique_ptr<View>& owned, const WindowOptions& o) {
  const std::string path = std::move(*p.open_request);
  p.open_request.reset();
  auto loaded = o.load_lesson ? o.load_lesson(path) : scenario::load_lesson(path);
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    p.browser.error = e->message;
    p.menu.set_status(e->message, true);
    return false;
  }
  auto& lesson = std::get<scenario::Lesson>(loaded);
  try {
    auto next = std::make_unique<View>(lesson.scenario, o.seed);
    fresh_panels(p);
    p.lesson = std::make_unique<LessonPanel>(std::move(lesson));
    owned = std::move(next);
    p.lesson->player().go_to(*owned, 0);
    p.browser.open = false;
    p.browser.error.clear();
    return true;
  } catch (const std::exception& ex) {
    p.browser.error = path + ": " + ex.what();
    return false;
  }
}

namespace {
// Ctrl-C (or a TERM) in the terminal the window was started from closes it as the window's
// close button does: the View and its live session shut down in order (listeners closed,
// connections ended), instead of the process dying mid-frame.
volatile std::sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int) {
  g_stop_signal = 1;
}
struct StopSignals {
  using Handler = void (*)(int);
  Handler old_int, old_term;
  StopSignals()
      : old_int(std::signal(SIGINT, on_stop_signal)),
        old_term(std::signal(SIGTERM, on_stop_signal)) {}
  ~StopSignals() {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};
}  // namespace

int run_window(std::unique_ptr<View> owned, const WindowOptions& o, std::FILE* err) {
  if (!glfwInit()) return kNoDisplay;
  g_stop_signal = 0;
  const StopSignals stop_signals;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  const bool shot = !o.screenshot.empty();
  const bool bench = o.bench_frames > 0 && !shot;
  GLFWwindow* win = glfwCreateWindow(o.width, o.height, ("smtpsim - " + owned->spec().name).c_str(),
                                     nullptr, nullptr);
  if (!win) {
    glfwTerminate();
    return kNoDisplay;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(shot || bench ? 0 : 1);

  float xscale = 1, yscale = 1;
  glfwGetWindowContentScale(win, &xscale, &yscale);
  const float dpi = std::clamp(std::max(xscale, yscale), 1.f, 4.f);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  apply_theme(dpi, o.presenter);
  load_fonts(dpi, o.presenter);
  ImGui_ImplGlfw_InitForOpenGL(win, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  Panels panels;
  panels.menu = MenuBar(o.data_dir);
  if (!o.dialog.empty() && !panels.menu.open_dialog(o.dialog, *owned))
    std::fprintf(err, "smtpsim gui: unknown dialog \"%s\"\n", o.dialog.c_str());
  // The console's monospace text a little larger than the rest: it is read from the back row.
  // (Added before the first frame, when the backend builds the font atlas.)
  panels.console.mono = ConsolePanel::load_font((o.presenter ? 30.f : 22.f) * dpi);
  // The caller checked the text (app/gui_cmd.cpp); an unparsable one selects nothing.
  if (auto sel = Selection::parse(o.select); sel && !o.select.empty())
    panels.inspector.select(*sel);
  bool fullscreen = false;
  int saved[4] = {0, 0, o.width, o.height};
  auto toggle_fullscreen = [&] {
    GLFWmonitor* mon = glfwGetPrimaryMonitor();
    if (!mon) return;
    if (!fullscreen) {
      glfwGetWindowPos(win, &saved[0], &saved[1]);
      glfwGetWindowSize(win, &saved[2], &saved[3]);
      const GLFWvidmode* mode = glfwGetVideoMode(mon);
      glfwSetWindowMonitor(win, mon, 0, 0, mode->width, mode->height, mode->refreshRate);
    } else {
      glfwSetWindowMonitor(win, nullptr, saved[0], saved[1], saved[2], saved[3], 0);
    }
    fullscreen = !fullscreen;
  };
  if (o.presenter && !shot && !bench) toggle_fullscreen();

  // Progress is remembered between runs, but never written by screenshot runs (tests, make
  // targets).
  panels.progress = scenario::ProgressStore(scenario::ProgressStore::default_path());
  panels.progress.set_read_only(shot);
  const std::string progress_problem = panels.progress.load();
  if (!progress_problem.empty()) std::fprintf(err, "smtpsim gui: %s\n", progress_problem.c_str());
  if (!o.lessons_dir.empty()) panels.browser.refresh(o.lessons_dir);
  panels.browser.open = o.browse;
  if (o.lesson) {
    panels.lesson = std::make_unique<LessonPanel>(*o.lesson);
    panels.lesson->set_status(progress_problem);
  }
  if (shot && !owned->live()) {
    View& view = *owned;
    // The whole run first, so the scrubber shows every marker; then the chosen moment.
    while (!view.finished()) view.pump(100000);
    view.seek(o.at.value_or(view.events().size()));
  }
  if (panels.lesson) {
    panels.lesson->player().go_to(*owned, o.step.value_or(0));
    if (o.at) owned->seek(*o.at);
  }
  int rc = 0;
  if (!o.console_script.empty()) {
    std::ifstream script(o.console_script);
    const std::string problem =
        script ? panels.console.open_on(owned->spec()) : "cannot read " + o.console_script;
    if (!problem.empty()) {
      std::fprintf(err, "smtpsim gui: --console-script: %s\n", problem.c_str());
      rc = 1;
    }
    for (std::string line; problem.empty() && std::getline(script, line);)
      panels.console.submit(line);
  }
  if (o.live_send) {
    panels.live_panel.open = true;
    panels.live_panel.form = *o.live_send;
    if (!panels.live_panel.send(*owned))
      std::fprintf(err, "smtpsim gui: --live-send: %s\n",
                   panels.live_panel.message(*owned).c_str());
  }
  // Live screenshots: ready to count frames once the clients and the panel's session are in.
  auto live_ready = [&](View& v) {
    LiveDriver* d = v.live_driver();
    if (!d) return true;
    if (d->status().accepted < o.wait_clients) return false;
    return !o.live_send || !d->send_outcome().empty();
  };
  int frames = 0;
  FrameStats stats;
  double last = glfwGetTime();
  while (!glfwWindowShouldClose(win)) {
    if (bench && frames > 0) stats.begin();
    glfwPollEvents();
    View& view = *owned;
    // Asked for in the last frame, so the file dialog is no longer on the picture.
    const std::string requested_png = panels.menu.take_screenshot();
    const double now = glfwGetTime();
    if (!shot || view.live()) {
      view.pump(2000);
      view.tick(std::min(now - last, 0.1));
    }
    last = now;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    if (!shot) {
      Timeline::handle_keys(view);
      if (ImGui::IsKeyPressed(GLFW_KEY_F1)) panels.help = !panels.help;
      if (ImGui::IsKeyPressed(GLFW_KEY_F3)) panels.console.toggle(view.spec());
      if (ImGui::IsKeyPressed(GLFW_KEY_F11)) toggle_fullscreen();
      if (panels.lesson) panels.lesson->handle_keys(view);
      if (ImGui::IsKeyPressed(GLFW_KEY_F2)) panels.browser.open = !panels.browser.open;
    }
    draw_frame(view, panels);
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(win, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.06f, 0.07f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!requested_png.empty())
      panels.menu.screenshot_written(requested_png, write_png(win, requested_png));
    if (panels.menu.quit() || g_stop_signal) glfwSetWindowShouldClose(win, GLFW_TRUE);
    // Screenshot: a few frames so layout and fonts settle, then read the back buffer.
    if (shot && live_ready(view) &&
        ++frames >= static_cast<int>(std::max<std::size_t>(o.frames, 1))) {
      int ww = 1, wh = 1;
      glfwGetWindowSize(win, &ww, &wh);
      const float sx = static_cast<float>(fw) / static_cast<float>(std::max(ww, 1));
      const float sy = static_cast<float>(fh) / static_cast<float>(std::max(wh, 1));
      std::string problem = write_png(win, o.screenshot);
      if (problem.empty() && !o.layout_json.empty())
        problem = write_layout(panels, view, sx, sy, o.layout_json);
      if (!problem.empty()) {
        std::fprintf(err, "smtpsim gui: %s\n", problem.c_str());
        rc = 1;
      }
      break;
    }
    glfwSwapBuffers(win);
    if (bench) {
      glFinish();  // the frame is really drawn (llvmpipe renders on other threads)
      if (frames > 0) stats.end();
      if (frames++ == 0) {
        const double first =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - o.launched)
                .count();
        if (!view.live()) {  // live mode: the frames follow the live edge as it is
          while (!view.finished()) view.pump(100000);
          view.seek(o.at.value_or(0));
          view.play(true);
        }
        std::printf("first frame: %.1f ms after launch\n", first);
        std::printf("run loaded: %zu hosts, %zu events, resident memory %.1f MiB\n",
                    view.spec().hosts.size(), view.events().size(), resident_mib());
      } else if (stats.frames() >= o.bench_frames) {
        std::printf("from event %zu, %zu envelopes in flight at the end, %zu transcript lines\n",
                    o.at.value_or(0), panels.canvas.envelopes().size(),
                    panels.transcript.rows().size());
        std::printf("%s\nresident memory after the frames: %.1f MiB\n", stats.summary().c_str(),
                    resident_mib());
        break;
      }
    }
    // Last in the frame: `view` above refers to the View being replaced.
    if (auto spec = panels.menu.take_open()) {
      // File > Open: a new View; the panels showing the old run start afresh.
      try {
        auto next = std::make_unique<View>(std::move(*spec));
        fresh_panels(panels);
        owned = std::move(next);
        glfwSetWindowTitle(win, ("smtpsim - " + owned->spec().name).c_str());
      } catch (const std::exception& ex) {
        panels.menu.set_status(ex.what(), true);
      }
    }
    if (auto path = panels.menu.take_open_lesson()) panels.open_request = std::move(*path);
    if (panels.open_request && open_lesson(panels, owned, o))
      glfwSetWindowTitle(win, ("smtpsim - " + owned->spec().name).c_str());
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return rc;
}

}  // namespace smtpsim::gui
