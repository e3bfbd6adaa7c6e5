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
      {"Page Down / Page Up", "lesson: next / previous step"},
      {"F2", "the list of lessons"},
      {"F11", "full screen on / off"},
      {"F1", "this help"},
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
  if (p.lesson) p.lesson->before_frame(view, &p.progress);
  p.canvas.spotlight = p.lesson ? &p.lesson->spotlight() : nullptr;
  p.transcript.marked = p.lesson ? p.lesson->spotlight().event : std::nullopt;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("smtpsim", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings);
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
  if (p.lesson) {
    p.lesson->draw(view, std::floor(top_h * 0.6f));
    if (p.lesson->take_browse_request()) p.browser.open = true;
  }
  p.canvas.draw(view, ImGui::GetContentRegionAvail());
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("transcript-pane", ImVec2(0, top_h));
  p.transcript.draw(view);
  ImGui::EndChild();
  p.timeline.draw(view);
  ImGui::End();
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
  out << "}\n";
  out.close();
  return out ? std::string{} : "cannot write " + path;
}

// Opens the lesson chosen in the browser: a new View on its scenario, fresh panels. A lesson
// the loader refuses leaves everything as it was and shows the loader's sentence.
void open_lesson(Panels& p, std::unique_ptr<View>& owned, View*& view, const WindowOptions& o) {
  const std::string path = std::move(*p.open_request);
  p.open_request.reset();
  if (!o.load_lesson) return;
  auto loaded = o.load_lesson(path);
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    p.browser.error = e->message;
    return;
  }
  auto& lesson = std::get<scenario::Lesson>(loaded);
  try {
    auto next = std::make_unique<View>(lesson.scenario, o.seed);
    p.lesson = std::make_unique<LessonPanel>(std::move(lesson));
    p.canvas = Canvas{};
    p.transcript = TranscriptPanel{};
    owned = std::move(next);
    view = owned.get();
    p.lesson->player().go_to(*view, 0);
    p.browser.open = false;
    p.browser.error.clear();
  } catch (const std::exception& ex) {
    p.browser.error = path + ": " + ex.what();
  }
}

}  // namespace

int run_window(View& first_view, const WindowOptions& o, std::FILE* err) {
  // The View shown; a lesson opened from the browser replaces it (owned here).
  View* view = &first_view;
  std::unique_ptr<View> owned;
  if (!glfwInit()) return kNoDisplay;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  const bool shot = !o.screenshot.empty();
  GLFWwindow* win = glfwCreateWindow(o.width, o.height, ("smtpsim - " + view->spec().name).c_str(),
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
  if (shot) {
    // The whole run first, so the scrubber shows every marker; then the chosen moment.
    while (!view->finished()) view->pump(100000);
    view->seek(o.at.value_or(view->events().size()));
  }
  if (panels.lesson) {
    panels.lesson->player().go_to(*view, o.step.value_or(0));
    if (o.at) view->seek(*o.at);
  }
  int rc = 0;
  int frames = 0;
  double last = glfwGetTime();
  while (!glfwWindowShouldClose(win)) {
    glfwPollEvents();
    const double now = glfwGetTime();
    if (!shot) {
      view->pump(2000);
      view->tick(std::min(now - last, 0.1));
    }
    last = now;
    if (panels.open_request) open_lesson(panels, owned, view, o);
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    if (!shot) {
      Timeline::handle_keys(*view);
      if (ImGui::IsKeyPressed(GLFW_KEY_F1)) panels.help = !panels.help;
      if (ImGui::IsKeyPressed(GLFW_KEY_F11)) toggle_fullscreen();
      if (panels.lesson) panels.lesson->handle_keys(*view);
      if (ImGui::IsKeyPressed(GLFW_KEY_F2)) panels.browser.open = !panels.browser.open;
    }
    draw_frame(*view, panels);
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(win, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.06f, 0.07f, 0.09f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    // Screenshot: a few frames so layout and fonts settle, then read the back buffer.
    if (shot && ++frames >= 4) {
      int ww = 1, wh = 1;
      glfwGetWindowSize(win, &ww, &wh);
      const float sx = static_cast<float>(fw) / static_cast<float>(std::max(ww, 1));
      const float sy = static_cast<float>(fh) / static_cast<float>(std::max(wh, 1));
      std::string problem = write_png(win, o.screenshot);
      if (problem.empty() && !o.layout_json.empty())
        problem = write_layout(panels, *view, sx, sy, o.layout_json);
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
