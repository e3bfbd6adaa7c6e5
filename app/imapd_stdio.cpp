// The stdio driver for the IMAP server machine: read(2) stdin, feed the machine, answer its
// Auth decisions from the --user list, write(2) its output to stdout.
#include "app/imapd_stdio.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <map>

#include "sim/proto/imap/server_session.hpp"
#include "sim/proto/mail/message.hpp"

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

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Two messages in each INBOX so there is something to FETCH, SEARCH and STORE at once.
void seed(mail::MailStore& store, const std::string& user, std::int64_t now) {
  const std::string to = user + "@example.com";
  mail::Composed a;
  a.from = "Postmaster <postmaster@example.com>";
  a.to = {to};
  a.subject = "Welcome to smtpsim";
  a.body = "Hello " + user + ",\n\nThis mailbox lives in memory. Try FETCH, STORE and SEARCH.\n";
  a.date = now / 1'000'000 - 3600;
  a.message_id = "welcome." + user + "@example.com";
  store.deliver(user, mail::compose(a), now - 3'600'000'000);
  mail::Composed b;
  b.from = "Bob Example <bob@example.com>";
  b.to = {to};
  b.cc = {"carol@example.net"};
  b.subject = "Lunch tomorrow?";
  b.body = "Shall we meet at noon?\n";
  b.date = now / 1'000'000 - 60;
  b.message_id = "lunch." + user + "@example.com";
  store.deliver(user, mail::compose(b), now - 60'000'000);
}

// What telnet and `nc -C` do: a lone LF typed at a terminal is sent as CRLF.
std::string lf_to_crlf(std::string_view in, bool& prev_cr) {
  std::string out;
  for (char c : in) {
    if (c == '\n' && !prev_cr) out.push_back('\r');
    out.push_back(c);
    prev_cr = c == '\r';
  }
  return out;
}

}  // namespace

int run_imapd_stdio(const ImapdOptions& o, int in_fd, int out_fd, std::FILE* err) {
  std::signal(SIGPIPE, SIG_IGN);
  mail::MailStore store;
  std::map<std::string, std::string> passwords;
  for (const auto& u : o.users) {
    const auto colon = u.find(':');
    const std::string name = u.substr(0, colon);
    passwords[name] = colon == std::string::npos ? "" : u.substr(colon + 1);
    store.add_user(name);
    if (!o.empty) seed(store, name, now_micros());
  }

  imap::ServerConfig cfg;
  cfg.hostname = o.hostname;
  imap::ServerSession server(cfg, store);
  server.set_now(now_micros());
  server.start();
  if (!write_all(out_fd, server.take_output())) {
    std::fprintf(err, "smtpsim imapd: cannot write to standard output\n");
    return 1;
  }
  const bool translate =
      o.crlf == CrlfMode::Always || (o.crlf == CrlfMode::Auto && ::isatty(in_fd) == 1);
  bool prev_cr = false;
  std::string buf(65536, '\0');
  const int idle_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(imap::ServerSession::idle_timeout())
          .count());
  while (true) {
    pollfd p{in_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, idle_ms);
    if (ready < 0 && errno == EINTR) continue;
    server.set_now(now_micros());
    if (ready == 0) {
      server.timeout();  // RFC 3501 §5.4 autologout
    } else {
      const ssize_t n = ::read(in_fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        server.receive_eof();
      } else {
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        server.receive(translate ? lf_to_crlf(chunk, prev_cr) : std::string(chunk));
      }
    }
    bool closed = false;
    while (true) {
      auto ev = server.next_event();
      if (auto* a = std::get_if<imap::server_event::Auth>(&ev)) {
        auto it = passwords.find(a->user);
        const bool ok = it != passwords.end() && it->second == a->password &&
                        (a->authzid.empty() || a->authzid == a->user);
        if (ok) {
          server.accept();
        } else {
          server.reject();
        }
        continue;
      }
      if (!write_all(out_fd, server.take_output())) {
        std::fprintf(err, "smtpsim imapd: cannot write to standard output\n");
        return 1;
      }
      if (std::holds_alternative<imap::server_event::Closed>(ev)) closed = true;
      break;  // NeedData (StartTls never happens: STARTTLS is not offered on stdio)
    }
    if (closed) break;
  }
  return 0;
}

}  // namespace smtpsim::app
