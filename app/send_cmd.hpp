// `smtpsim send`: one message through a real SMTP server with the simulation's own client
// machine (issue 7), a swaks-style transcript and swaks' exit codes (table in send_cmd.cpp).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace smtpsim::app {

struct SendCmdOptions {
  std::string server;  // HOST[:PORT]; "[::1]:25" for IPv6
  std::string from;
  std::vector<std::string> to;
  std::string subject;  // default "test <date>", as swaks
  std::string body;     // TEXT, or @FILE ("@-": standard input)
  bool starttls = false, tls = false;
  std::string auth;       // USER:PASS
  std::string auth_type;  // PLAIN, LOGIN ("" = the best the server offers)
  std::string helo;       // default: this machine's host name
  bool insecure = false;
  std::string ca;      // trust this CA (PEM) too
  std::string output;  // transcript file ("" or "-": standard output)
  double timeout = 0;  // seconds for every reply; 0: RFC 5321 §4.5.3.2's per command
};

// The exit codes of `smtpsim send` (swaks' numbers, man swaks "EXIT CODES").
enum SendExit : int {
  kSendOk = 0,
  kSendUsage = 1,
  kSendConnect = 2,
  kSendClosed = 6,  // connection closed (or the server out of step) with no stage to blame
  kSendGreeting = 21,
  kSendHelo = 22,
  kSendMail = 23,
  kSendRcpt = 24,  // no recipient accepted
  kSendData = 25,
  kSendBody = 26,  // the message refused after the final "."
  kSendQuit = 27,
  kSendAuth = 28,
  kSendTls = 29,
  kSendEhloAfterTls = 32,
};

CLI::App* add_send_command(CLI::App& app, SendCmdOptions& o);
int run_send_command(const SendCmdOptions& o, std::FILE* out, std::FILE* err);

// "host:port", "[v6]:port" or "host" (then default_port) -> host, port; nullopt when malformed.
std::optional<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& s,
                                                                     std::uint16_t default_port);

}  // namespace smtpsim::app
