// `smtpsim send`: composes one message (mail::compose), hands it to the SMTP client machine
// and runs that machine against a real server through net::ClientRunner. The exit code says
// which stage failed, with swaks' numbers so scripts written for swaks read it the same way.
// Trusts the machine for SMTP and redaction; trusts the user's options only after checking.
#include "app/send_cmd.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/run_cmd.hpp"
#include "net/client_runner.hpp"
#include "net/tls.hpp"
#include "sim/proto/mail/headers.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/proto/smtp/client_session.hpp"

namespace smtpsim::app {

namespace ce = smtp::client_event;

namespace {

constexpr const char* kExitTable =
    "Exit codes (swaks' numbers, man swaks):\n"
    "   0  the server accepted the message for at least one recipient\n"
    "   1  bad options, or the body file cannot be read\n"
    "   2  cannot connect (name not found, connection refused, connect timeout)\n"
    "   6  connection closed unexpectedly, or the server out of step (unsolicited reply)\n"
    "  21  greeting refused, or none in time\n"
    "  22  EHLO / HELO refused\n"
    "  23  MAIL FROM refused\n"
    "  24  no RCPT TO accepted\n"
    "  25  DATA refused\n"
    "  26  the message refused after the final \".\"\n"
    "  27  QUIT answered with an error\n"
    "  28  AUTH failed (not offered, or credentials refused)\n"
    "  29  TLS failed (STARTTLS not offered or refused, handshake, certificate not trusted)\n"
    "  32  EHLO refused after STARTTLS\n"
    "A reply that does not come in time ends the session with its stage's code.";

std::string local_host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string name(buf);
  for (char c : name)
    if (!std::isgraph(static_cast<unsigned char>(c))) return "localhost";
  return name.empty() ? "localhost" : name;
}

// --to may be repeated or hold a comma-separated list, as in swaks.
std::vector<std::string> split_recipients(const std::vector<std::string>& to) {
  std::vector<std::string> out;
  for (const auto& item : to) {
    std::stringstream ss(item);
    std::string one;
    while (std::getline(ss, one, ',')) {
      const auto b = one.find_first_not_of(" \t");
      const auto e = one.find_last_not_of(" \t");
      if (b != std::string::npos) out.push_back(one.substr(b, e - b + 1));
    }
  }
  return out;
}

// "TEXT" as is; "@FILE" its content; "@-" standard input. nullopt when unreadable.
std::optional<std::string> read_body(const std::string& body, std::string& problem) {
  if (body.empty()) return std::string("This is a test mailing\n");  // swaks' default
  if (body[0] != '@') return body;
  const std::string path = body.substr(1);
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = fmt::format("cannot read the body file {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int stage_exit(smtp::ClientStage s, bool after_starttls) {
  using smtp::ClientStage;
  switch (s) {
    case ClientStage::Greeting:
      return kSendGreeting;
    case ClientStage::Helo:
      return after_starttls ? kSendEhloAfterTls : kSendHelo;
    case ClientStage::StartTls:
      return kSendTls;
    case ClientStage::Auth:
      return kSendAuth;
    case ClientStage::Mail:
      return kSendMail;
    case ClientStage::Rcpt:
      return kSendRcpt;
    case ClientStage::Data:
      return kSendData;
    case ClientStage::Body:
      return kSendBody;
    case ClientStage::Quit:
      return kSendQuit;
    case ClientStage::Connection:
      break;
  }
  return kSendClosed;
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& s,
                                                                     std::uint16_t default_port) {
  std::string host, port;
  if (!s.empty() && s[0] == '[') {  // [v6]:port
    const auto close = s.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return std::nullopt;
      port = s.substr(close + 2);
    }
  } else if (const auto colon = s.find(':'); colon != std::string::npos) {
    if (s.find(':', colon + 1) != std::string::npos) {
      host = s;  // a bare IPv6 address
    } else {
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
    }
  } else {
    host = s;
  }
  if (host.empty()) return std::nullopt;
  if (port.empty()) return std::pair{host, default_port};
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || value > 65535) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return std::pair{host, static_cast<std::uint16_t>(value)};
}

CLI::App* add_send_command(CLI::App& app, SendCmdOptions& o) {
  auto* cmd = app.add_subcommand(
      "send",
      "Send one message through a real SMTP server with the simulator's own client machine "
      "(swaks-style transcript)");
  cmd->add_option("--server", o.server, "HOST[:PORT] (port 25, or 465 with --tls)")->required();
  cmd->add_option("--from", o.from, "Envelope sender and From: (\"\" for the null sender <>)")
      ->required();
  cmd->add_option("--to", o.to, "Recipient (repeatable, or comma-separated)")->required();
  cmd->add_option("--subject", o.subject, "Subject (default: \"test\" and the date)");
  cmd->add_option("--body", o.body, "Body TEXT, or @FILE (@- reads standard input)");
  auto* st = cmd->add_flag("--starttls", o.starttls,
                           "STARTTLS after EHLO; fail (29) when the server does not offer it");
  auto* tl = cmd->add_flag("--tls", o.tls, "TLS from the first byte (port 465, RFC 8314)");
  st->excludes(tl);
  cmd->add_option("--auth", o.auth, "AUTH with USER:PASS (shown redacted in the transcript)");
  cmd->add_option("--auth-type", o.auth_type,
                  "PLAIN, LOGIN or CRAM-MD5 (default: the best the server offers)")
      ->check(CLI::IsMember({"PLAIN", "LOGIN", "CRAM-MD5"}, CLI::ignore_case));
  cmd->add_option("--helo", o.helo, "Name for EHLO (default: this machine's host name)");
  cmd->add_flag("--insecure", o.insecure,
                "Do not check the server's certificate (said loudly on standard error)");
  cmd->add_option("--ca", o.ca, "Also trust the CA (or self-signed certificate) in this PEM file")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o.output, "Write the transcript to FILE (atomically)");
  cmd->add_option("--timeout", o.timeout,
                  "Seconds to wait for every reply (default: RFC 5321 §4.5.3.2, 2 to 10 min)")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->footer(kExitTable);
  return cmd;
}

int run_send_command(const SendCmdOptions& o, std::FILE* out, std::FILE* err) {
  auto fail = [&](const std::string& why, int code) {
    std::fprintf(err, "smtpsim send: %s\n", why.c_str());
    return code;
  };
  const auto target = split_host_port(o.server, o.tls ? 465 : 25);
  if (!target) return fail("--server wants HOST[:PORT], not " + o.server, kSendUsage);
  const auto recipients = split_recipients(o.to);
  if (recipients.empty()) return fail("--to names no recipient", kSendUsage);
  std::string problem;
  const auto body = read_body(o.body, problem);
  if (!body) return fail(problem, kSendUsage);

  smtp::ClientConfig cfg;
  cfg.helo_name = o.helo.empty() ? local_host_name() : o.helo;
  cfg.tls = o.tls        ? smtp::TlsMode::Implicit
            : o.starttls ? smtp::TlsMode::StartTlsRequired
                         : smtp::TlsMode::None;
  if (!o.auth.empty()) {
    const auto colon = o.auth.find(':');
    if (colon == std::string::npos || colon == 0) return fail("--auth wants USER:PASS", kSendUsage);
    cfg.auth_user = o.auth.substr(0, colon);
    cfg.auth_password = o.auth.substr(colon + 1);
    if (!o.auth_type.empty()) cfg.auth_mechanism = smtp::mechanism_from_name(o.auth_type);
  }

  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  mail::Composed composed;
  composed.from = o.from;
  composed.to = recipients;
  composed.subject = o.subject.empty() ? "test " + mail::rfc5322_date(now) : o.subject;
  composed.body = *body;
  composed.date = now;
  composed.message_id = fmt::format("{}.{}@{}", now, getpid(), cfg.helo_name);
  composed.extra_headers.emplace_back("X-Mailer", "smtpsim send");

  std::unique_ptr<smtp::ClientSession> session;
  try {
    session = std::make_unique<smtp::ClientSession>(cfg);
    // The envelope takes the bare addresses; To: and From: keep "Name <addr>" as given.
    session->send(smtp::OutgoingMessage{mail::address_of(o.from),
                                        mail::envelope_recipients(composed),
                                        mail::compose(composed), false});
  } catch (const std::exception& ex) {
    return fail(ex.what(), kSendUsage);
  }

  std::shared_ptr<boost::asio::ssl::context> tls;
  try {
    tls = net::client_context(o.insecure, o.ca);
  } catch (const std::exception& ex) {
    return fail(ex.what(), kSendUsage);
  }
  if (o.insecure) std::fputs("*** --insecure: the server's certificate is NOT checked\n", err);

  const bool to_file = !o.output.empty() && o.output != "-";
  std::string saved;
  net::ClientTranscript transcript(target->first, target->second, "SMTP",
                                   [&](std::string_view line) {
                                     if (to_file) {
                                       saved.append(line);
                                     } else {
                                       std::fwrite(line.data(), 1, line.size(), out);
                                       std::fflush(out);
                                     }
                                   });
  session->set_observer(&transcript);

  std::optional<smtp::ClientStage> failed_stage;   // from Failed
  std::optional<smtp::ClientStage> message_stage;  // from MessageDone
  bool delivered = false;
  const net::RunResult* so_far = nullptr;  // the runner's, once it exists
  using Runner = net::ClientRunner<smtp::ClientSession, ce::NeedData, ce::StartTls, ce::Closed>;
  Runner runner(
      *session, transcript, net::ClientTarget{target->first, target->second, o.tls, tls},
      [&]() -> std::optional<std::chrono::milliseconds> {
        const auto t = session->current_timeout();
        if (!t) return std::nullopt;
        if (o.timeout > 0) return std::chrono::milliseconds(static_cast<long>(o.timeout * 1000));
        return std::chrono::duration_cast<std::chrono::milliseconds>(*t);
      },
      [&](smtp::ClientEvent& ev) {
        if (auto* d = std::get_if<ce::MessageDone>(&ev)) {
          for (const auto& r : d->result.recipients) {
            const std::string said = r.reply.code ? r.reply.summary() : std::string("no reply");
            if (r.status == smtp::RecipientStatus::Accepted) {
              transcript.info(fmt::format("<{}>: accepted ({})", r.address, said));
              delivered = true;
            } else {
              transcript.error(fmt::format("<{}>: {} ({})", r.address,
                                           r.status == smtp::RecipientStatus::Temporary
                                               ? "not delivered, temporary failure"
                                               : "refused",
                                           said));
            }
          }
          if (!message_stage) message_stage = d->result.failed_stage;
        } else if (auto* f = std::get_if<ce::Failed>(&ev)) {
          // After a failed handshake we closed the connection: the transcript already says why.
          if (!(so_far && so_far->tls_failed))
            transcript.error(fmt::format("{} failed: {}{}", smtp::stage_name(f->stage), f->reason,
                                         f->reply ? " (" + f->reply->summary() + ")" : ""));
          if (!failed_stage) {
            // A closed connection is the stage's fault only while waiting for the banner
            // (swaks: 21); elsewhere it is "closed unexpectedly" (6).
            const bool eof = f->reason == "connection closed by server";
            failed_stage = eof && f->stage != smtp::ClientStage::Greeting
                               ? smtp::ClientStage::Connection
                               : f->stage;
          }
        } else if (std::holds_alternative<ce::Idle>(ev)) {
          session->finish();
        }
      });
  so_far = &runner.result();
  const net::RunResult res = runner.run();

  int code = kSendOk;
  if (!res.connected) {
    code = kSendConnect;
  } else if (res.tls_failed) {
    code = kSendTls;
  } else if (message_stage) {
    code = stage_exit(*message_stage, false);  // more specific than what followed (swaks)
  } else if (failed_stage) {
    code = stage_exit(*failed_stage, o.starttls && session->tls_active());
  } else if (!delivered) {
    code = kSendClosed;
  }
  if (code == kSendConnect) {
    std::fprintf(err, "smtpsim send: %s\n", res.connect_error.c_str());
  } else if (code == kSendTls) {
    std::fprintf(err, "smtpsim send: TLS failed%s%s\n", res.tls_error.empty() ? "" : ": ",
                 res.tls_error.c_str());
  } else if (code != kSendOk) {
    std::fprintf(err, "smtpsim send: the message was not sent (exit %d, see the transcript).\n",
                 code);
  }
  if (to_file) {
    if (auto problem = write_file_atomically(o.output, saved); !problem.empty())
      return fail(problem, code != kSendOk ? code : kSendUsage);
  }
  return code;
}

}  // namespace smtpsim::app
