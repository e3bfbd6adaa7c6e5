// The menu bar and the File operations (see menu_bar.hpp).
#include "gui/menu_bar.hpp"

#include <fmt/format.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <variant>

#include "sim/engine/sim_time.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"
#include "sim/scenario/save.hpp"
#include "sim/trace/json_writer.hpp"
#include "sim/trace/text_writer.hpp"

namespace smtpsim::gui {

namespace fs = std::filesystem;

namespace {

void add_dir(const fs::path& dir, bool lesson, std::vector<ScenarioEntry>& out) {
  std::vector<ScenarioEntry> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    ScenarioEntry e{entry.path().stem().string(), {}, entry.path().string(), lesson};
    if (lesson) {  // DATA/*.json are lessons: a scenario plus steps (sim/scenario/lesson.hpp)
      auto r = scenario::load_lesson(entry.path());
      if (auto* l = std::get_if<scenario::Lesson>(&r))
        e.title = l->title;
      else
        e.title = std::get<scenario::LoadError>(r).message;
    } else {
      auto r = scenario::load_scenario(entry.path());
      if (auto* s = std::get_if<scenario::Spec>(&r))
        e.title = s->title;
      else
        e.title = std::get<scenario::LoadError>(r).message;
    }
    found.push_back(std::move(e));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  out.insert(out.end(), found.begin(), found.end());
}

}  // namespace

std::vector<ScenarioEntry> shipped_scenarios(const std::string& data_dir) {
  std::vector<ScenarioEntry> out;
  if (data_dir.empty()) return out;
  add_dir(fs::path(data_dir) / "scenarios", false, out);
  add_dir(fs::path(data_dir), true, out);
  return out;
}

std::string describe_action(const scenario::Action& a) {
  std::string s = fmt::format("{}  {}", engine::format_time(a.at_us), a.kind);
  if (!a.host.empty()) s += " " + a.host;
  if (a.kind == "send") {
    std::vector<std::string> all = a.to;
    all.insert(all.end(), a.cc.begin(), a.cc.end());
    all.insert(all.end(), a.bcc.begin(), a.bcc.end());
    s += " to";
    for (const auto& r : all) s += " " + r;
    if (!a.subject.empty()) s += fmt::format(" \"{}\"", a.subject);
  } else if (a.port) {
    s += fmt::format(" port {}", a.port);
  } else if (a.kind == "latency") {
    s += fmt::format(" {:.3f} ms", static_cast<double>(a.latency_us) / 1000.0);
  } else if (a.record) {
    s += " " + record_label(*a.record);
  } else if (a.kind == "mailbox_full") {
    s += fmt::format(" {} {}", a.mailbox, a.full ? "full" : "emptied");
  } else if (a.kind == "read" || a.kind == "delete") {
    s +=
        a.index > 0 ? fmt::format(" message {}", a.index) : fmt::format(" \"{}\"", a.subject_match);
  }
  return s;
}

void MenuBar::set_status(std::string text, bool error) {
  status_ = std::move(text);
  status_error_ = error;
}

std::optional<scenario::Spec> MenuBar::take_open() {
  auto s = std::move(open_);
  open_.reset();
  return s;
}

std::optional<std::string> MenuBar::take_open_lesson() {
  return std::exchange(open_lesson_, std::nullopt);
}

std::string MenuBar::take_screenshot() {
  return std::exchange(screenshot_, std::string{});
}

void MenuBar::screenshot_written(const std::string& path, const std::string& problem) {
  if (problem.empty())
    set_status("Screenshot saved to " + path, false);
  else
    set_status(problem, true);
}

bool MenuBar::open_path(const std::string& path) {
  if (path.empty()) {
    set_status("Type the path of a scenario file first.", true);
    return false;
  }
  {
    // A lesson is opened by the shell, with its lesson panel; checked here all the same.
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (in && scenario::looks_like_lesson(text.str())) {
      auto l = scenario::load_lesson(path);
      if (auto* e = std::get_if<scenario::LoadError>(&l)) {
        set_status(e->message, true);
        return false;
      }
      open_lesson_ = path;
      set_status("Opened " + path, false);
      return true;
    }
  }
  auto r = scenario::load_scenario(path);
  if (auto* e = std::get_if<scenario::LoadError>(&r)) {
    set_status(e->message, true);
    return false;
  }
  open_ = std::get<scenario::Spec>(std::move(r));
  set_status("Opened " + path, false);
  return true;
}

bool MenuBar::export_transcript(View& view, const std::string& path, bool json) {
  if (path.empty()) {
    set_status("Type a file name to export to first.", true);
    return false;
  }
  // The whole run, as `smtpsim run` writes it: same Spec (with the hand actions), same seed.
  while (!view.finished()) view.pump(100000);
  const std::string text =
      json ? trace::write_json_trace({view.spec().name, view.seed()}, view.events())
           : trace::render_text(view.events());
  if (auto problem = scenario::write_file_atomically(path, text); !problem.empty()) {
    set_status(problem, true);
    return false;
  }
  set_status(fmt::format("Transcript ({}, {} events) written to {}", json ? "JSON" : "text",
                         view.events().size(), path),
             false);
  return true;
}

bool MenuBar::save_scenario(View& view, const std::string& path) {
  if (path.empty()) {
    set_status("Type a file name to save the scenario to first.", true);
    return false;
  }
  scenario::Spec spec = view.spec();
  spec.seed = view.seed();  // a --seed given on the command line is part of what was seen
  if (auto problem = scenario::write_file_atomically(path, scenario::save_scenario(spec));
      !problem.empty()) {
    set_status(problem, true);
    return false;
  }
  set_status(fmt::format("Scenario saved to {} (with {} action{} done by hand)", path,
                         view.hand_actions().size(), view.hand_actions().size() == 1 ? "" : "s"),
             false);
  return true;
}

bool MenuBar::apply(View& view, scenario::Action a) {
  if (auto problem = view.apply_action(std::move(a)); !problem.empty()) {
    set_status("Not done: " + problem, true);
    return false;
  }
  set_status("Done: " + describe_action(view.hand_actions().back()), false);
  return true;
}

bool MenuBar::undo(View& view) {
  if (view.hand_actions().empty()) {
    set_status("Nothing done by hand to undo.", true);
    return false;
  }
  const std::string what = describe_action(view.hand_actions().back());
  view.undo_last_action();
  set_status("Undone: " + what, false);
  return true;
}

void MenuBar::start_path_job(PathJob job, const View& view) {
  job_ = job;
  const std::string& name = view.spec().name;
  switch (job) {
    case PathJob::Open:
      path_.clear();
      break;
    case PathJob::ExportText:
      path_ = name + ".txt";
      break;
    case PathJob::ExportJson:
      path_ = name + ".trace.json";
      break;
    case PathJob::Save:
      path_ = name + "-by-hand.json";
      break;
    case PathJob::Screenshot:
      path_ = name + ".png";
      break;
    case PathJob::None:
      break;
  }
}

bool MenuBar::open_dialog(const std::string& name, View& view) {
  if (name == "live")
    live_panel_ = true;
  else if (name == "compose")
    compose_.open(view);
  else if (name == "read")
    compose_.open_reader(view);
  else if (name == "latency")
    faults_.open_latency(view.spec().hosts.front().name);
  else if (name == "dns-add")
    faults_.open_dns_add();
  else if (name == "open")
    start_path_job(PathJob::Open, view);
  else if (name == "export-text")
    start_path_job(PathJob::ExportText, view);
  else if (name == "export-json")
    start_path_job(PathJob::ExportJson, view);
  else if (name == "save")
    start_path_job(PathJob::Save, view);
  else if (name == "screenshot")
    start_path_job(PathJob::Screenshot, view);
  else if (name.starts_with("menu:"))
    forced_menu_ = name.substr(5);
  else
    return false;
  return true;
}

void MenuBar::draw_file_menu(View& view) {
  if (!shipped_) shipped_ = shipped_scenarios(data_dir_);
  for (bool lessons : {false, true}) {
    const bool any = std::any_of(shipped_->begin(), shipped_->end(),
                                 [&](const auto& e) { return e.lesson == lessons; });
    if (lessons && !any) continue;  // no lessons shipped yet
    const std::string forced = forced_menu_.starts_with("File/") ? forced_menu_.substr(5) : "";
    if (begin_menu(lessons ? "Open a lesson" : "Open a scenario", any, forced)) {
      for (const auto& e : *shipped_) {
        if (e.lesson != lessons) continue;
        const bool current = e.name == view.spec().name;
        if (ImGui::MenuItem(e.title.c_str(), e.name.c_str(), current)) open_path(e.path);
      }
      ImGui::EndMenu();
    }
  }
  if (ImGui::MenuItem("Open a file...")) start_path_job(PathJob::Open, view);
  ImGui::Separator();
  if (ImGui::MenuItem("Save scenario with actions done by hand..."))
    start_path_job(PathJob::Save, view);
  if (ImGui::MenuItem("Export transcript as text...")) start_path_job(PathJob::ExportText, view);
  if (ImGui::MenuItem("Export transcript as JSON...")) start_path_job(PathJob::ExportJson, view);
  if (ImGui::MenuItem("Save screenshot...")) start_path_job(PathJob::Screenshot, view);
  ImGui::Separator();
  if (ImGui::MenuItem("Quit")) quit_ = true;
}

void MenuBar::draw_hand_menu(View& view) {
  const auto& done = view.hand_actions();
  if (ImGui::MenuItem("Undo last", "Ctrl+Z", false, !done.empty())) undo(view);
  ImGui::Separator();
  if (done.empty()) ImGui::TextDisabled("Faults and mail done from the menus are listed here.");
  for (std::size_t i = 0; i < done.size(); ++i)
    ImGui::BulletText("%s", describe_action(done[i]).c_str());
}

void MenuBar::draw(View& view) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.KeyCtrl && !io.WantTextInput && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Z)) &&
      !view.hand_actions().empty())
    undo(view);
  if (!ImGui::BeginMenuBar()) return;
  // Screenshot mode: "menu:Faults/Remove a DNS record" shows that menu dropped down.
  const std::string top = forced_menu_.substr(0, forced_menu_.find('/'));
  const std::string sub =
      forced_menu_.find('/') == std::string::npos ? "" : forced_menu_.substr(top.size() + 1);
  faults_.forced = top == "Faults" ? sub : "";
  if (begin_menu("File", true, top)) {
    draw_file_menu(view);
    ImGui::EndMenu();
  }
  if (begin_menu("Faults", true, top)) {
    if (auto a = faults_.draw_menu(view)) apply(view, std::move(*a));
    ImGui::EndMenu();
  }
  if (begin_menu("Mail", true, top)) {
    if (auto a = compose_.draw_menu(view)) apply(view, std::move(*a));
    ImGui::EndMenu();
  }
  if (begin_menu("Live", true, top)) {
    if (ImGui::MenuItem("Connect to a real server...")) live_panel_ = true;
    ImGui::EndMenu();
  }
  const std::string hand = fmt::format("Done by hand ({})###hand", view.hand_actions().size());
  if (begin_menu(hand.c_str(), true, top == "hand" ? hand : "")) {
    draw_hand_menu(view);
    ImGui::EndMenu();
  }
  if (!status_.empty()) {
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, status_error_ ? ImVec4(1.f, 0.45f, 0.4f, 1.f)
                                                       : ImVec4(0.55f, 0.9f, 0.55f, 1.f));
    ImGui::TextUnformatted(status_.c_str());
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", status_.c_str());
  }
  ImGui::EndMenuBar();
}

void MenuBar::draw_path_dialog(View& view) {
  if (job_ == PathJob::None) return;
  const char* title = "";
  const char* button = "";
  switch (job_) {
    case PathJob::Open:
      title = "Open a scenario file";
      button = "Open";
      break;
    case PathJob::ExportText:
      title = "Export the transcript as text";
      button = "Export";
      break;
    case PathJob::ExportJson:
      title = "Export the transcript as JSON";
      button = "Export";
      break;
    case PathJob::Save:
      title = "Save the scenario with the actions done by hand";
      button = "Save";
      break;
    case PathJob::Screenshot:
      title = "Save a screenshot (PNG)";
      button = "Save";
      break;
    case PathJob::None:
      return;
  }
  bool open = true;
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  const std::string id = std::string(title) + "###path";
  if (ImGui::Begin(id.c_str(), &open,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("path", &path_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::TextDisabled("relative to %s", fs::current_path().string().c_str());
    if (status_error_ && !status_.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.45f, 0.4f, 1.f));
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
      ImGui::TextUnformatted(status_.c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopStyleColor();
    }
    if (ImGui::Button(button) || enter) {
      bool done = false;
      switch (job_) {
        case PathJob::Open:
          done = open_path(path_);
          break;
        case PathJob::ExportText:
          done = export_transcript(view, path_, false);
          break;
        case PathJob::ExportJson:
          done = export_transcript(view, path_, true);
          break;
        case PathJob::Save:
          done = save_scenario(view, path_);
          break;
        case PathJob::Screenshot:
          // The shell writes it after rendering the frame (the dialog is gone by then).
          screenshot_ = path_;
          done = !path_.empty();
          if (!done) set_status("Type a file name for the screenshot first.", true);
          break;
        case PathJob::None:
          break;
      }
      if (done) open = false;
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) open = false;
  }
  ImGui::End();
  if (!open) job_ = PathJob::None;
}

void MenuBar::draw_dialogs(View& view) {
  draw_path_dialog(view);
  if (auto a = faults_.draw_dialogs(view); a && apply(view, std::move(*a))) faults_.close_dialogs();
  if (auto a = compose_.draw_dialogs(view); a && apply(view, std::move(*a))) compose_.close();
}

}  // namespace smtpsim::gui
