// Rendering and explanation of SMTP replies (RFC 5321 §4.2, RFC 3463).
#include "sim/proto/smtp/reply.hpp"

#include <fmt/format.h>

#include <cstring>

namespace smtpsim::smtp {

namespace {
void append_clean(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.append(s);
  if (!std::memchr(s.data(), '\r', s.size()) && !std::memchr(s.data(), '\n', s.size())) return;
  for (std::size_t i = at; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
}
}  // namespace

void Reply::render_to(std::string& out) const {
  const std::size_t n = lines.empty() ? 1 : lines.size();
  for (std::size_t i = 0; i < n; ++i) {
    char head[5] = {char('0' + code / 100 % 10), char('0' + code / 10 % 10), char('0' + code % 10),
                    (i + 1 < n) ? '-' : ' ', 0};
    out.append(head, 4);
    if (!enhanced.empty()) {
      out.append(enhanced);
      out.push_back(' ');
    }
    if (!lines.empty()) append_clean(out, lines[i]);
    out.append("\r\n");
  }
}

std::string Reply::render() const {
  std::string out;
  render_to(out);
  return out;
}

std::string Reply::summary() const {
  std::string out = fmt::format("{}", code);
  if (!enhanced.empty()) out += " " + enhanced;
  if (!lines.empty()) out += " " + lines.front();
  return out;
}

std::string_view explain_code(int code) {
  switch (code) {
    case 211:
      return "system status";
    case 214:
      return "help message";
    case 220:
      return "service ready: the server greets the client";
    case 221:
      return "closing the connection";
    case 235:
      return "authentication succeeded";
    case 250:
      return "requested action completed";
    case 251:
      return "user not local; the server will forward";
    case 252:
      return "cannot verify the user, but will accept mail for it";
    case 334:
      return "authentication challenge: send the next SASL step";
    case 354:
      return "start the message text; end it with <CRLF>.<CRLF>";
    case 421:
      return "service not available, closing the connection (try again later)";
    case 450:
      return "mailbox unavailable for now (try again later)";
    case 451:
      return "local error in processing (try again later)";
    case 452:
      return "insufficient storage or too many recipients (try again later)";
    case 454:
      return "TLS or authentication temporarily unavailable";
    case 455:
      return "server unable to accommodate parameters";
    case 500:
      return "syntax error: command unrecognised or line too long";
    case 501:
      return "syntax error in parameters or arguments";
    case 502:
      return "command not implemented";
    case 503:
      return "bad sequence of commands";
    case 504:
      return "command parameter (or AUTH mechanism) not implemented";
    case 530:
      return "authentication required";
    case 534:
      return "authentication mechanism too weak";
    case 535:
      return "authentication credentials invalid";
    case 538:
      return "encryption required for this authentication mechanism";
    case 550:
      return "mailbox unavailable (no such user) or policy refusal";
    case 551:
      return "user not local";
    case 552:
      return "message too big or storage exceeded";
    case 553:
      return "mailbox name not allowed (bad address syntax)";
    case 554:
      return "transaction failed (permanent)";
    case 555:
      return "MAIL/RCPT parameters not recognised";
    default:
      break;
  }
  switch (code / 100) {
    case 2:
      return "success";
    case 3:
      return "intermediate: go on";
    case 4:
      return "temporary failure: try again later";
    case 5:
      return "permanent failure: do not retry";
    default:
      return "not a valid SMTP reply code";
  }
}

}  // namespace smtpsim::smtp
