// The live panel's form (issue 7, "connect to a real server"): what the teacher types, and the
// check that turns a bad form into one sentence before anything touches the network. Pure:
// no ImGui, no sockets, so tests check every sentence directly.
#pragma once

#include <cstdint>
#include <string>

namespace smtpsim::gui {

enum class LiveTls { None, StartTls, Implicit };  // RFC 3207 STARTTLS; RFC 8314 implicit TLS

struct LiveSendForm {
  std::string host = "127.0.0.1";
  std::string port = "3587";  // text as typed: checked by validate()
  LiveTls tls = LiveTls::StartTls;
  bool insecure = false;  // do not verify the server's certificate (said loudly)
  std::string user, password;
  std::string from = "alice@example.com";
  std::string to = "bob@example.com";
  std::string subject = "Hello from the classroom";
  std::string body = "This message went through a real socket.";
};

// "" when the form can be sent, otherwise one sentence naming the first field that is wrong.
std::string validate(const LiveSendForm& form);
// The port as a number (validate() said it is one from 1 to 65535).
std::uint16_t port_of(const LiveSendForm& form);
const char* tls_label(LiveTls t);

}  // namespace smtpsim::gui
