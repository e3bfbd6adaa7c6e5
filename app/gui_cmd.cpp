// Opening the GUI: resolve and load the scenario, check for a display, hand over to gui/.
#include "app/gui_cmd.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include "app/lesson_cmd.hpp"
#include "app/run_cmd.hpp"
#include "gui/app_window.hpp"
#include "gui/view.hpp"
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
bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}
}  // namespace

int run_gui_command(const GuiOptions& o, std::FILE* err) {
  const std::string name = o.scenario.empty() ? first_shipped_scenario() : o.scenario;
  if (name.empty()) {
    std::fprintf(err, "smtpsim gui: no scenario given and none shipped in %s.\n",
                 data_dir().c_str());
    return 2;
  }
  auto loaded = load_scenario_or_lesson(resolve_scenario(name));
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim gui: %s\n", e->message.c_str());
    return 2;
  }
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY")) return no_display(err, name);
  try {
    auto view = std::make_unique<gui::View>(std::get<scenario::Spec>(std::move(loaded)), o.seed);
    gui::WindowOptions w;
    w.presenter = o.presenter;
    w.console_script = o.console_script;
    w.screenshot = o.screenshot;
    w.at = o.at;
    w.layout_json = o.layout_json;
    w.data_dir = data_dir();
    w.dialog = o.dialog;
    const int rc = gui::run_window(std::move(view), w, err);
    if (rc == gui::kNoDisplay) return no_display(err, name);
    return rc;
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim gui: %s: %s\n", name.c_str(), ex.what());
    return 1;
  }
}

}  // namespace smtpsim::app
