// Opening the GUI: resolve and load the scenario, check for a display, hand over to gui/.
#include "app/gui_cmd.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "app/lesson_cmd.hpp"
#include "app/run_cmd.hpp"
#include "gui/app_window.hpp"
#include "gui/view.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::app {

namespace fs = std::filesystem;

std::string first_shipped_scenario() {
  // The first lesson once lessons exist (issue 6); a scenario otherwise.
  if (const auto lessons = shipped_lessons(); !lessons.empty())
    return fs::path(lessons.front()).stem().string();
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data_dir()) / "scenarios", ec))
    if (entry.path().extension() == ".json") names.insert(entry.path().stem().string());
  return names.empty() ? std::string{} : *names.begin();
}

namespace {
int no_display(std::FILE* err, const std::string& scenario) {
  std::fprintf(err,
               "smtpsim: no display to open the graphical view on; run it headless instead "
               "with 'smtpsim run %s'.\n",
               scenario.empty() ? "SCENARIO" : scenario.c_str());
  return 2;
}
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}
}  // namespace

int run_gui_command(const GuiOptions& o, std::FILE* err) {
  const auto launched = std::chrono::steady_clock::now();
  const std::string name = o.scenario.empty() ? first_shipped_scenario() : o.scenario;
  if (name.empty()) {
    std::fprintf(err, "smtpsim gui: no scenario given and none shipped in %s.\n",
                 data_dir().c_str());
    return 2;
  }
  // A lesson file is a scenario file with a "lesson" key: the View plays its scenario and
  // the lesson panel follows its steps.
  const std::string path = resolve_scenario(name);
  std::optional<scenario::Lesson> lesson;
  std::variant<scenario::Spec, scenario::LoadError> loaded = scenario::LoadError{};
  if (scenario::looks_like_lesson(read_text(path))) {
    auto l = scenario::load_lesson(path);
    if (auto* e = std::get_if<scenario::LoadError>(&l)) {
      loaded = *e;
    } else {
      lesson = std::get<scenario::Lesson>(std::move(l));
      loaded = lesson->scenario;
    }
  } else {
    loaded = scenario::load_scenario(path);
  }
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim gui: %s\n", e->message.c_str());
    return 2;
  }
  if (o.step && (!lesson || *o.step < 1 || *o.step > lesson->steps.size())) {
    std::fprintf(err, "smtpsim gui: --step %zu: %s\n", *o.step,
                 lesson
                     ? ("the lesson has steps 1 to " + std::to_string(lesson->steps.size())).c_str()
                     : "only a lesson has steps");
    return 2;
  }
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY")) return no_display(err, name);
  try {
    auto view = std::make_unique<gui::View>(std::get<scenario::Spec>(std::move(loaded)), o.seed);
    gui::WindowOptions w;
    w.lesson = std::move(lesson);
    if (o.step) w.step = *o.step - 1;
    w.lessons_dir = data_dir();
    w.load_lesson = [](const std::string& p) { return scenario::load_lesson(p); };
    w.seed = o.seed;
    w.browse = o.browse;
    w.presenter = o.presenter;
    w.console_script = o.console_script;
    w.screenshot = o.screenshot;
    w.at = o.at;
    w.layout_json = o.layout_json;
    w.data_dir = data_dir();
    w.dialog = o.dialog;
    w.select = o.select;
    w.bench_frames = o.bench_frames;
    w.launched = launched;
    const int rc = gui::run_window(std::move(view), w, err);
    if (rc == gui::kNoDisplay) return no_display(err, name);
    return rc;
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim gui: %s: %s\n", name.c_str(), ex.what());
    return 1;
  }
}

}  // namespace smtpsim::app
