// The window's menu bar: File (open a shipped scenario or lesson or a typed path, save the
// scenario with the actions done by hand, export the transcript as text or JSON, save a
// screenshot, quit), Faults (gui/fault_menu), Mail (gui/compose), and "Done by hand" (the
// list of actions applied from the menus, with undo last). A status line on the right says
// what the last operation did, or why it could not (the loader's or the writer's one
// sentence): nothing here crashes on a bad file or path, and nothing is half-written (every
// file goes through scenario::write_file_atomically).
//
// Changes the View only through View::apply_action / undo_last_action. Opening another
// scenario, writing a screenshot and quitting belong to the window shell: they are requests
// the shell takes after the frame (take_open, take_screenshot, quit).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gui/compose.hpp"
#include "gui/fault_menu.hpp"
#include "gui/view.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

struct ScenarioEntry {
  std::string name;   // file stem: "two-mx-failover"
  std::string title;  // from the file, or the loader's sentence when it does not load
  std::string path;
  bool lesson = false;  // from the data directory itself rather than its scenarios/
};
// The shipped scenarios (DATA/scenarios/*.json) and lessons (DATA/*.json), each sorted by name.
std::vector<ScenarioEntry> shipped_scenarios(const std::string& data_dir);

// One line for the "Done by hand" menu: "+0:00:05.000  host_down mx.example.net".
std::string describe_action(const scenario::Action& a);

class MenuBar {
 public:
  MenuBar() = default;
  explicit MenuBar(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  // The menu bar of the current window (which needs ImGuiWindowFlags_MenuBar).
  void draw(View& view);
  // The dialogs (typed path, faults, compose); call after the window holding the menu bar.
  void draw_dialogs(View& view);

  // --- requests for the window shell ----------------------------------------------------
  std::optional<scenario::Spec> take_open();      // a loaded scenario to show instead
  std::optional<std::string> take_open_lesson();  // a lesson file to open (the shell loads it)
  std::string take_screenshot();                  // a PNG path to write after this frame ("" none)
  void screenshot_written(const std::string& path, const std::string& problem);
  bool quit() const { return quit_; }
  bool take_live_panel() { return std::exchange(live_panel_, false); }  // Live > Connect...

  // --- the operations behind the menus (tests call them directly) ------------------------
  // Each sets status() and returns true on success.
  bool open_path(const std::string& path);
  // Runs the View's simulation to its end, then writes what `smtpsim run --format text|json`
  // writes for the same scenario and seed.
  bool export_transcript(View& view, const std::string& path, bool json);
  bool save_scenario(View& view, const std::string& path);
  bool apply(View& view, scenario::Action a);
  bool undo(View& view);
  void set_status(std::string text, bool error);
  const std::string& status() const { return status_; }
  bool status_is_error() const { return status_error_; }

  // Screenshot mode and tests: open a dialog by name (compose, read, latency, dns-add, open,
  // export-text, export-json, save, screenshot), or show a menu dropped down ("menu:File",
  // "menu:Faults/Take a host down / up", "menu:Mail", "menu:hand"). False for an unknown name.
  bool open_dialog(const std::string& name, View& view);
  FaultMenu& faults() { return faults_; }
  ComposeDialog& compose() { return compose_; }

 private:
  enum class PathJob { None, Open, ExportText, ExportJson, Save, Screenshot };
  void start_path_job(PathJob job, const View& view);
  void draw_file_menu(View& view);
  void draw_hand_menu(View& view);
  void draw_path_dialog(View& view);

  std::string data_dir_;
  std::optional<std::vector<ScenarioEntry>> shipped_;  // read when the File menu first opens
  std::optional<scenario::Spec> open_;
  std::optional<std::string> open_lesson_;
  std::string screenshot_;
  bool quit_ = false;
  bool live_panel_ = false;
  std::string status_;
  bool status_error_ = false;
  PathJob job_ = PathJob::None;
  std::string path_;
  std::string forced_menu_;
  FaultMenu faults_;
  ComposeDialog compose_;
};

}  // namespace smtpsim::gui
