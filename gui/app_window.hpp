// The window shell: GLFW + OpenGL 3 + Dear ImGui, DPI scale, fonts, theme, full screen,
// help overlay, and the screenshot mode used by tests and `make screenshots`. It lays the
// panels out (canvas, transcript, inspector, timeline) around one View and never touches the model
// except through the View's controls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gui/canvas.hpp"
#include "gui/console_panel.hpp"
#include "gui/inspector.hpp"
#include "gui/lesson_browser.hpp"
#include "gui/lesson_panel.hpp"
#include "gui/live_panel.hpp"
#include "gui/menu_bar.hpp"
#include "gui/timeline.hpp"
#include "gui/transcript.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/progress.hpp"

namespace smtpsim::gui {

struct WindowOptions {
  bool presenter = false;          // larger fonts, full screen
  std::string console_script;      // open the SMTP console and type these lines (one a line)
  std::string screenshot;          // write a PNG of the window and exit
  std::optional<std::size_t> at;   // screenshot: cursor (number of events applied)
  std::string select;              // screenshot: what the inspector shows (Selection::parse)
  std::string layout_json;         // screenshot: write host boxes and envelopes (pixels)
  int width = 1600, height = 900;  // initial window size (screen coordinates)
  std::string data_dir;            // shipped scenarios and lessons (File > Open)
  std::string dialog;              // screenshot: a dialog to show open (MenuBar::open_dialog)
  // --bench-frames N: after the first frame, run the simulation to its end, put the cursor on
  // `at` (default: 0), play at the View's speed for N frames and print frame times, the time
  // from `launched` to the first frame and the resident memory (gui/frame_stats.hpp); exit.
  std::size_t bench_frames = 0;
  std::chrono::steady_clock::time_point launched = std::chrono::steady_clock::now();
  // Lessons: the one to open (the View plays its scenario), the step to show first (0-based),
  // where the browser finds lessons, and the loader it opens them with.
  std::optional<scenario::Lesson> lesson;
  std::optional<std::size_t> step;
  std::string lessons_dir;
  std::function<scenario::LessonResult(const std::string&)> load_lesson;
  std::optional<std::uint64_t> seed;
  bool browse = false;  // open with the lesson browser shown
  // Screenshot mode: frames drawn before the PNG is read (layout and fonts settle in 4).
  std::size_t frames = 4;
  // Live mode (gui --serve) screenshots: the frames are counted only once this many real
  // clients have been accepted, and (with live_send) once the panel's session is over.
  std::size_t wait_clients = 0;
  // Live mode: the live panel opened with this form and Send pressed on the first frame.
  std::optional<LiveSendForm> live_send;
};

// The panels around one View, and one frame of them filling the main viewport (between
// ImGui::NewFrame and ImGui::Render; needs no window, so tests draw it headless).
struct Panels {
  Canvas canvas;
  Timeline timeline;
  TranscriptPanel transcript;
  MenuBar menu;
  bool help = false;             // the shortcuts overlay (F1)
  std::uint64_t generation = 0;  // View::generation() the panels were filled from
  // F3: the SMTP console (lesson 13), drawn only when open.
  ConsolePanel console;
  // The lesson step a console was last opened for (a step with "console" opens it once).
  std::size_t console_step = static_cast<std::size_t>(-1);
  Inspector inspector;
  std::unique_ptr<LessonPanel> lesson;  // a lesson is open
  LessonBrowser browser;
  scenario::ProgressStore progress{std::filesystem::path{}};
  std::optional<std::string> open_request;  // a lesson chosen in the browser
  LivePanel live_panel;                     // Live > Connect to a real server...
};
void draw_frame(View& view, Panels& panels);

// Exit status of run_window when no window could be opened (no display).
inline constexpr int kNoDisplay = 2;

// Runs until the window is closed (or the screenshot is written). Errors go to `err` as
// one sentence; returns 0, 1 (error) or kNoDisplay. The shell owns the View so that
// File > Open can replace it (and the panels) between two frames.
int run_window(std::unique_ptr<View> view, const WindowOptions& options, std::FILE* err);

}  // namespace smtpsim::gui
