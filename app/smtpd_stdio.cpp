// The stdio driver for the SMTP server machine: read(2) stdin, feed the machine, answer its
// decisions with a StaticPolicy (+ Maildir delivery), write(2) its output to stdout.
#include "app/smtpd_stdio.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <memory>
#include <stdexcept>

#include "app/maildir.hpp"
#include "sim/proto/mail/headers.hpp"
#include "sim/proto/smtp/server_policy.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::app {

namespace {

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// What telnet and `nc -C` do: a lone LF typed at a terminal is sent as CRLF.
class LfToCrlf {
 public:
  std::string operator()(std::string_view in) {
    std::string out;
    out.reserve(in.size() + 16);
    for (char c : in) {
      if (c == '\n' && !prev_cr_) out.push_back('\r');
      out.push_back(c);
      prev_cr_ = c == '\r';
    }
    return out;
  }

 private:
  bool prev_cr_ = false;
};

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int run_smtpd_stdio(const SmtpdOptions& o, int in_fd, int out_fd, std::FILE* err) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error we report, not a crash

  std::unique_ptr<Maildir> maildir;
  if (o.maildir) {
    try {
      maildir = std::make_unique<Maildir>(*o.maildir);
    } catch (const std::exception& e) {
      std::fprintf(err, "smtpsim smtpd: %s\n", e.what());
      return 1;
    }
  }

  smtp::ServerConfig cfg;
  cfg.hostname = o.hostname;
  cfg.max_message_size = o.max_size;
  cfg.max_recipients = o.max_recipients;
  cfg.bare_line_ends =
      o.reject_bare_lf ? smtp::BareLineEnds::Reject : smtp::BareLineEnds::Normalize;
  cfg.auth_enabled = true;
  // stdio has no TLS: a learner must be able to try AUTH PLAIN here (the GUI shows why that
  // is dangerous on a network).
  cfg.plaintext_auth_needs_tls = false;
  cfg.auth_required = o.submission;
  cfg.cram_md5_nonce = fmt::format("{}.{}", ::getpid(), now_unix());
  // No timing on a pipe: a script may send the whole session at once (RFC 2920 group rules
  // only make sense where the server can tell "before the reply" from "after").
  cfg.enforce_sync = false;

  smtp::StaticPolicy policy;
  policy.local_domains.clear();
  for (const auto& d : o.domains) policy.local_domains.insert(smtp::to_lower(d));
  for (const auto& m : o.mailboxes) policy.mailboxes.insert(smtp::to_lower(m));
  for (const auto& u : o.users) {
    const auto colon = u.find(':');
    policy.users[u.substr(0, colon)] = colon == std::string::npos ? "" : u.substr(colon + 1);
  }
  policy.relay_when_authenticated = true;

  unsigned long count = 0;
  policy.deliver = [&](const smtp::ServerSession& s,
                       const smtp::Transaction& tx) -> std::optional<smtp::Reply> {
    ++count;
    const std::string id = fmt::format("{:X}{:04X}", now_unix(), count);
    const std::string proto = mail::with_protocol(s.used_ehlo(), s.tls_active(), s.authenticated());
    if (!maildir) {
      std::string rcpts;
      for (const auto& r : tx.recipients) rcpts += (rcpts.empty() ? "" : ",") + r.path();
      std::fprintf(err, "smtpsim smtpd: accepted message %s from %s to %s (%zu bytes)\n",
                   id.c_str(), tx.sender.path().c_str(), rcpts.c_str(), tx.content.size());
      return smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as {}", id)};
    }
    // One copy per recipient, each with its own Return-Path and Received "for" clause.
    std::vector<Maildir::Copy> copies;
    for (const auto& r : tx.recipients) {
      mail::ReceivedInfo info{s.helo_name(), "", o.hostname, proto, id, r.str(), now_unix()};
      std::string folder = r.is_bare_postmaster() ? "postmaster@" + o.domains.front() : r.str();
      copies.push_back({std::move(folder), fmt::format("Return-Path: {}\r\n", tx.sender.path()) +
                                               mail::received_header(info) + tx.content});
    }
    if (auto problem = maildir->deliver(copies)) {
      std::fprintf(err, "smtpsim smtpd: delivery failed: %s\n", problem->c_str());
      return std::nullopt;  // 451: the client keeps the message and retries
    }
    return smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as {}", id)};
  };

  const bool translate =
      o.crlf == CrlfMode::Always || (o.crlf == CrlfMode::Auto && ::isatty(in_fd) == 1);
  LfToCrlf to_crlf;
  smtp::ServerSession server(cfg);
  server.start();
  if (!write_all(out_fd, server.take_output())) {
    std::fprintf(err, "smtpsim smtpd: cannot write to standard output\n");
    return 1;
  }
  std::string buf(65536, '\0');
  const int idle_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(smtp::ServerSession::idle_timeout())
          .count());
  bool done = false;
  while (!done) {
    pollfd p{in_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, idle_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      server.timeout();  // RFC 5321 §4.5.3.2.7
    } else {
      const ssize_t n = ::read(in_fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        server.receive_eof();
      } else {
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        if (translate) {
          server.receive(to_crlf(chunk));
        } else {
          server.receive(chunk);
        }
      }
    }
    while (true) {
      auto ev = smtp::drive(server, policy);
      if (!write_all(out_fd, server.take_output())) {
        std::fprintf(err, "smtpsim smtpd: cannot write to standard output\n");
        return 1;
      }
      if (std::holds_alternative<smtp::server_event::Closed>(ev)) {
        done = true;
        break;
      }
      if (std::holds_alternative<smtp::server_event::StartTls>(ev)) {
        continue;  // never happens: STARTTLS is not offered on stdio
      }
      break;
    }
  }
  return 0;
}

}  // namespace smtpsim::app
