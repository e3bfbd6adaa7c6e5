// The SMTP console window (lesson 13, "type it yourself"): a terminal-like view of a
// scenario::ConsoleSession — monospace lines, the learner's input with history (Up/Down),
// server replies coloured as in the transcript, hints in their own amber box, the goal and
// the server's state on top, Reset to reconnect. Sized for a projector. It draws the
// session's log and sends typed lines to it; all SMTP knowledge stays in sim/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <imgui.h>

#include "sim/scenario/console_session.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

class ConsolePanel {
 public:
  bool open = false;
  ImFont* mono = nullptr;  // DejaVu Sans Mono (load_font); nullptr: the default font

  // Connects a console to `host`'s MTA (default_console_host when empty) with the goal of a
  // message accepted for `goal` (default_console_goal when empty), and opens the window.
  // Returns "" or the reason (one sentence) it could not.
  std::string open_on(const scenario::Spec& spec, std::string host = {}, std::string goal = {});
  // F2 / View menu: open (connecting on first use) or close.
  void toggle(const scenario::Spec& spec);
  // What pressing Enter does: the line goes to the session and into the history. Pasting
  // several lines (Ctrl+V) sends them all at once, as telnet would.
  void submit(const std::string& line);
  // Draws the window when open (between NewFrame and Render; needs no backend).
  void draw();

  scenario::ConsoleSession* session() { return session_.get(); }
  const std::string& goal() const { return goal_; }
  bool goal_reached() const { return session_ && session_->accepted_for(goal_); }
  const char* input() const { return input_; }

  // Adds DejaVu Sans Mono at `px` to the font atlas (before it is built); nullptr if absent.
  static ImFont* load_font(float px);

 private:
  static int on_input_event(ImGuiInputTextCallbackData* data);
  void draw_log();
  void draw_hint(const std::string& text);

  std::unique_ptr<scenario::ConsoleSession> session_;
  std::string goal_;
  char input_[512] = {};
  std::vector<std::string> history_;
  int history_pos_ = -1;  // -1: a new line, else an index into history_
  bool focus_input_ = true;
  bool input_active_ = false;   // the input line had the keyboard at the last frame
  std::size_t drawn_rows_ = 0;  // log size at the last frame: scroll down when it grows
};

}  // namespace smtpsim::gui
