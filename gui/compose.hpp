// What a user does on a mail device, by hand: the compose dialog (send a message from any MUA
// with to, cc, bcc, subject and body) and, on devices that read mail, fetch new mail, read or
// delete a message (by its position or a piece of its subject). Each is built as the same
// scenario::Action a script holds ("send", "fetch", "read", "delete"); the caller applies it
// with View::apply_action, where the loader checks the addresses. Reads the View's Spec only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gui/view.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

// "a@x, b@y; c@z" -> {"a@x", "b@y", "c@z"} (commas, semicolons and spaces separate).
std::vector<std::string> split_addresses(const std::string& text);

class ComposeDialog {
 public:
  // Opens the compose window on the MUA host `from` ("" = the first MUA).
  void open(const View& view, const std::string& from = "");
  // Opens the read/delete window on a reading device ("" = the first one).
  void open_reader(const View& view, const std::string& device = "");
  bool compose_open() const { return open_; }
  bool reader_open() const { return reader_open_; }
  void close() { open_ = reader_open_ = false; }

  // The "Mail" menu's items (between BeginMenu and EndMenu): compose, fetch on a device,
  // read or delete. Returns the action chosen this frame (fetch is one click).
  std::optional<scenario::Action> draw_menu(View& view);
  // The windows; an action is returned when Send (or Read / Delete) is pressed. They stay
  // open until the caller closes them after applying it, so a refused draft can be fixed.
  std::optional<scenario::Action> draw_dialogs(View& view);

  // The draft as typed (tests fill it directly).
  struct Draft {
    std::string from_host, to, cc, bcc, subject, body;
  };
  Draft& draft() { return draft_; }
  scenario::Action send_action() const;

 private:
  bool open_ = false;
  Draft draft_;
  bool reader_open_ = false;
  std::string device_;
  int message_ = 1;
  std::string subject_match_;
};

}  // namespace smtpsim::gui
