// Checking the live panel's form: one sentence for the first thing that is wrong.
#include "gui/live_form.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace smtpsim::gui {

namespace {
bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}
// An addr-spec as RFC 5321 §4.1.2 Mailbox needs it: local@domain, no spaces or angle brackets
// (the client machine adds the brackets), a dot-free domain allowed for "localhost".
bool plausible_address(const std::string& a) {
  const auto at = a.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size()) return false;
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return std::isspace(c) || c == '<' || c == '>' || c == ',' || c < 32;
  });
}
}  // namespace

std::string validate(const LiveSendForm& f) {
  if (blank(f.host)) return "Type the real server's host name or address first.";
  if (std::any_of(f.host.begin(), f.host.end(), [](unsigned char c) { return std::isspace(c); }))
    return "The host \"" + f.host + "\" has a space in it; type one name or address.";
  unsigned port = 0;
  const char* end = f.port.data() + f.port.size();
  const auto [p, ec] = std::from_chars(f.port.data(), end, port);
  if (f.port.empty() || ec != std::errc{} || p != end || port < 1 || port > 65535)
    return "The port must be a number from 1 to 65535 (\"" + f.port + "\" is not).";
  if (!f.user.empty() && f.password.empty())
    return "Type the password for " + f.user + ", or leave the user empty to send without AUTH.";
  if (!plausible_address(f.from))
    return "The sender \"" + f.from + "\" is not an address like alice@example.com.";
  if (!plausible_address(f.to))
    return "The recipient \"" + f.to + "\" is not an address like bob@example.com.";
  return {};
}

std::uint16_t port_of(const LiveSendForm& f) {
  unsigned port = 0;
  std::from_chars(f.port.data(), f.port.data() + f.port.size(), port);
  return static_cast<std::uint16_t>(port);
}

const char* tls_label(LiveTls t) {
  switch (t) {
    case LiveTls::None:
      return "none (plain text)";
    case LiveTls::StartTls:
      return "STARTTLS";
    case LiveTls::Implicit:
      return "implicit TLS";
  }
  return "";
}

}  // namespace smtpsim::gui
