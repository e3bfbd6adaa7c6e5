// GLFW/OpenGL/ImGui shell around the View and its panels.
#include "gui/app_window.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "gui/canvas.hpp"
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

namespace {

void draw_help() {
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Always,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.95f);
  ImGui::Begin("Keyboard shortcuts (F1 to close)", nullptr,
               ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse);
  static const char* const rows[][2] = {
      {"Space", "play / pause"},
      {"Right arrow", "step forward one event"},
      {"Left arrow", "step back one event"},
      {"Home", "restart from the beginning"},
      {"F11", "full screen on / off"},
      {"F1", "this help"},
      {"F2", "SMTP console: type to a server yourself"},
      {"Mouse wheel", "zoom the network"},
      {"Drag", "move a host, or pan the background"},
      {"Click a transcript line", "go to that moment"},
  };
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (const auto& r : rows) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r[0]);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r[1]);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace

void draw_frame(View& view, Panels& p) {
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
  const float timeline_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetFontSize() * 2.4f;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float top_h = std::max(100.f, avail.y - timeline_h);
  const float canvas_w = std::floor(avail.x * 0.64f);
  ImGui::BeginChild("canvas-pane", ImVec2(canvas_w, top_h), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  p.canvas.draw(view, ImGui::GetContentRegionAvail());
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("transcript-pane", ImVec2(0, top_h));
  p.transcript.draw(view);
  ImGui::EndChild();
  p.timeline.draw(view);
  ImGui::End();
  p.menu.draw_dialogs(view);
  p.console.draw();
  if (p.help) draw_help();
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

std::string write_layout(const Panels& p, const View& view, float sx, float sy,
                         const std::string& path) {
  std::ofstream out(path);
  auto num = [](float v) { return std::to_string(static_cast<int>(std::lround(v))); };
  out << "{\"cursor\": " << view.cursor() << ", \"hosts\": [";
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
  out << "]}\n";
  out.close();
  return out ? std::string{} : "cannot write " + path;
}

}  // namespace

int run_window(std::unique_ptr<View> owned, const WindowOptions& o, std::FILE* err) {
  if (!glfwInit()) return kNoDisplay;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  const bool shot = !o.screenshot.empty();
  GLFWwindow* win = glfwCreateWindow(o.width, o.height, ("smtpsim - " + owned->spec().name).c_str(),
                                     nullptr, nullptr);
  if (!win) {
    glfwTerminate();
    return kNoDisplay;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(shot ? 0 : 1);

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
  if (o.presenter && !shot) toggle_fullscreen();

  if (shot) {
    View& view = *owned;
    // The whole run first, so the scrubber shows every marker; then the chosen moment.
    while (!view.finished()) view.pump(100000);
    view.seek(o.at.value_or(view.events().size()));
  }
  int rc = 0;
  if (!o.console_script.empty()) {
    std::ifstream script(o.console_script);
    const std::string problem =
        script ? panels.console.open_on(view.spec()) : "cannot read " + o.console_script;
    if (!problem.empty()) {
      std::fprintf(err, "smtpsim gui: --console-script: %s\n", problem.c_str());
      rc = 1;
    }
    for (std::string line; problem.empty() && std::getline(script, line);)
      panels.console.submit(line);
  }
  int frames = 0;
  double last = glfwGetTime();
  while (!glfwWindowShouldClose(win)) {
    glfwPollEvents();
    View& view = *owned;
    // Asked for in the last frame, so the file dialog is no longer on the picture.
    const std::string requested_png = panels.menu.take_screenshot();
    const double now = glfwGetTime();
    if (!shot) {
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
      if (ImGui::IsKeyPressed(GLFW_KEY_F2)) panels.console.toggle(view.spec());
      if (ImGui::IsKeyPressed(GLFW_KEY_F11)) toggle_fullscreen();
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
    if (panels.menu.quit()) glfwSetWindowShouldClose(win, GLFW_TRUE);
    if (auto spec = panels.menu.take_open()) {
      // File > Open: a new View and fresh panels; the menu (and its status line) stays.
      try {
        auto next = std::make_unique<View>(std::move(*spec));
        MenuBar menu = std::move(panels.menu);
        panels = Panels{};
        panels.menu = std::move(menu);
        owned = std::move(next);
        glfwSetWindowTitle(win, ("smtpsim - " + owned->spec().name).c_str());
      } catch (const std::exception& ex) {
        panels.menu.set_status(ex.what(), true);
      }
    }
    // Screenshot: a few frames so layout and fonts settle, then read the back buffer.
    if (shot && ++frames >= 4) {
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
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return rc;
}

}  // namespace smtpsim::gui
