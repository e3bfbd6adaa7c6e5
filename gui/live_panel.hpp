// The live panel (menu "Live > Connect to a real server..."; issue 7): host, port, TLS mode
// (none / STARTTLS / implicit), user, password, from, to, subject, body. Send checks the form
// (gui/live_form.hpp: one sentence for the first thing wrong) and hands it to the View's live
// driver, which runs the sim's own SMTP client machine from "this computer" to the real
// server; the exchange animates and transcribes like a simulated one. The password stays in
// this form: the machines redact AUTH in every trace line. Changes nothing but its own form.
#pragma once

#include <string>

#include "gui/live_form.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

class LivePanel {
 public:
  bool open = false;
  LiveSendForm form;

  // Draws the panel's window when open (call after the main window).
  void draw(View& view);
  // The Send button: true when a session started. message() says why not, or how it went.
  bool send(View& view);
  // What the panel says under Send: the form's problem, "Sending...", or the outcome.
  std::string message(View& view) const;
  bool message_is_error() const { return error_; }

 private:
  std::string problem_;
  bool error_ = false;
  bool sent_ = false;
};

}  // namespace smtpsim::gui
