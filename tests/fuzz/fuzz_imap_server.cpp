// libFuzzer target for the IMAP server machine (sim/proto/imap/server_session.hpp).
// The input is a client's side of one connection, cut into TCP segments by the fuzzer, with
// store changes made by "someone else" (deliveries, another session's flags and expunges)
// interleaved:
//
//   byte 0   ServerConfig switches (TLS, LOGINDISABLED, small limits), see make_config()
//   byte 1   owner decisions: bit i set = reject the i-th Auth even with the right password
//   rest     client bytes; 0xFF is an escape, the byte after it a driver action (end of
//            segment, EOF, timeout, shutdown, delivery, flag change, expunge, ...), see Action
//
// Checked on every run: the output is a sequence of whole responses ("* ", "+ " or a tag,
// CRLF-terminated, literals {n} followed by exactly n bytes, printable ASCII outside
// literals); the message count a client would track from EXISTS / EXPUNGE never goes
// negative, FETCH and EXPUNGE numbers stay within it, and it equals the session's view while
// a mailbox is selected; the view's UIDs ascend; nobody is logged in without an accepted Auth;
// nothing is said after Closed; after EOF the session closes; and, without driver actions,
// the same bytes fed as one segment give byte-identical output.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/server_session.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace imap = smtpsim::imap;
namespace mail = smtpsim::mail;
namespace ie = smtpsim::imap::server_event;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_imap_server", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,
  Eof = 1,
  Timeout = 2,
  Shutdown = 3,
  Deliver = 4,       // a new message arrives in alice's INBOX
  FlagOther = 5,     // another session toggles \Seen on the first message
  ExpungeOther = 6,  // another session expunges the first message
  LiteralFF = 7,     // a literal 0xFF data byte
  Changed = 8,       // mailbox_changed() with no change
  SpuriousTls = 9,   // tls_established() without StartTls: ignored
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 10>(data, size);
}

imap::ServerConfig make_config(std::uint8_t a) {
  imap::ServerConfig c;
  c.starttls_available = a & 0x01;
  c.tls_active = a & 0x02;
  c.login_needs_tls = a & 0x04;
  if (a & 0x08) c.max_line = 64;
  if (a & 0x10) c.max_literal = 32;
  if (a & 0x20) c.max_errors = 5;
  return c;
}

void seed(mail::MailStore& store) {
  store.add_user("alice");
  store.add_user("bob");
  store.deliver("alice",
                "From: \"A, B\" <a@example.com>\r\nTo: b@example.net, g: c@x.test;\r\n"
                "Subject: one\r\n\r\nbody one\r\n",
                1'000'000);
  store.deliver("alice",
                "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\npart\r\n--b\r\n"
                "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n--b--\r\n",
                2'000'000);
  store.deliver("alice", "Subject: three\r\n\r\n", 3'000'000);
}

struct Run {
  mail::MailStore store;
  imap::ServerSession server;
  std::uint8_t decisions;
  unsigned asked = 0;
  bool accepted_any = false;
  std::string output;
  bool closed = false;
  bool used_controls = false;
  // what a client tracking the responses believes
  std::size_t count = 0;

  Run(const imap::ServerConfig& cfg, std::uint8_t d)
      : server(cfg, (seed(store), store)), decisions(d) {}

  void check_chunk(std::string_view out) {
    std::size_t i = 0;
    while (i < out.size()) {
      // one response: lines joined by literals
      const std::size_t start = i;
      while (true) {
        const auto eol = out.find("\r\n", i);
        FUZZ_CHECK(eol != out.npos, "response without CRLF", out.substr(start));
        const std::string_view line = out.substr(i, eol - i);
        for (char c : line) {
          const auto u = static_cast<unsigned char>(c);
          FUZZ_CHECK(u >= 32 && u < 127, "non-printable byte outside a literal", line);
        }
        i = eol + 2;
        // "{n}" at the end: n literal bytes follow, then the response continues
        if (!line.empty() && line.back() == '}') {
          const auto open = line.rfind('{');
          const std::string_view inner = open == line.npos
                                             ? std::string_view{}
                                             : line.substr(open + 1, line.size() - open - 2);
          bool digits = !inner.empty() && inner.size() < 10;
          std::size_t n = 0;
          for (char c : inner) {
            digits = digits && c >= '0' && c <= '9';
            n = n * 10 + static_cast<std::size_t>(c - '0');
          }
          if (digits) {
            FUZZ_CHECK(i + n <= out.size(), "literal runs past the chunk", out.substr(start));
            i += n;
            continue;
          }
        }
        break;
      }
      const std::string_view resp = out.substr(start, i - start);
      FUZZ_CHECK(!resp.empty() && resp[0] != ' ', "response starts with a space", resp);
      track(resp);
    }
  }

  void track(std::string_view resp) {
    if (!resp.starts_with("* ")) return;
    // SELECT/EXAMINE start a new mailbox: the next EXISTS sets the count afresh.
    if (resp.starts_with("* FLAGS (")) in_select = true;
    std::string_view rest = resp.substr(2);
    std::size_t n = 0, k = 0;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') n = n * 10 + (rest[k++] - '0');
    if (k == 0 || k >= rest.size() || rest[k] != ' ') return;
    const std::string_view what = rest.substr(k + 1);
    if (what.starts_with("EXISTS")) {
      // EXISTS never shrinks the count: only EXPUNGE does (RFC 3501 §7.3.1)
      if (!resp.ends_with("EXISTS\r\n")) return;
      FUZZ_CHECK(n >= count || in_select, "EXISTS decreased without EXPUNGE", resp);
      count = n;
      in_select = false;
    } else if (what.starts_with("EXPUNGE")) {
      FUZZ_CHECK(n >= 1 && n <= count, "EXPUNGE number outside the mailbox", resp);
      --count;
    } else if (what.starts_with("FETCH")) {
      FUZZ_CHECK(n >= 1 && n <= count, "FETCH number outside the mailbox", resp);
    }
  }
  bool in_select = true;

  void take() {
    std::string chunk = server.take_output();
    if (closed) FUZZ_CHECK(chunk.empty(), "output after Closed", chunk);
    check_chunk(chunk);
    output += chunk;
  }

  void check_view() {
    const auto& v = server.view();
    for (std::size_t i = 1; i < v.size(); ++i)
      FUZZ_CHECK(v[i - 1].uid < v[i].uid, "view UIDs not ascending");
    const auto st = server.state();
    if ((st == imap::ServerState::Selected || st == imap::ServerState::Idle) &&
        !server.selected_folder().empty()) {
      FUZZ_CHECK(count == v.size(), "client's message count differs from the view");
    }
    if (!server.user().empty()) FUZZ_CHECK(accepted_any, "logged in without an accepted Auth");
  }

  void pump() {
    while (true) {
      auto ev = server.next_event();
      if (auto* a = std::get_if<ie::Auth>(&ev)) {
        const bool force_no = (decisions >> (asked++ % 8)) & 1;
        const bool ok =
            !force_no && (a->user == "alice" || a->user == "bob") && a->password == a->user;
        if (ok) {
          accepted_any = true;
          server.accept();
        } else {
          server.reject(asked % 3 == 0 ? std::optional<std::string>("bad\r\nline") : std::nullopt);
        }
        continue;
      }
      take();
      check_view();
      if (std::holds_alternative<ie::Closed>(ev)) {
        FUZZ_CHECK(server.state() == imap::ServerState::Logout, "Closed outside Logout");
        closed = true;
        return;
      }
      if (std::holds_alternative<ie::StartTls>(ev)) {
        used_controls = true;
        server.tls_established();
        FUZZ_CHECK(server.tls_active(), "tls_established() did not activate TLS");
        continue;
      }
      return;
    }
  }

  void run(const std::vector<Step>& steps) {
    server.start();
    take();
    for (const auto& st : steps) {
      if (closed) break;
      server.receive(st.bytes);
      pump();
      switch (st.action) {
        case Action::Segment:
        case Action::LiteralFF:
          break;
        case Action::Eof:
          used_controls = true;
          server.receive_eof();
          pump();
          FUZZ_CHECK(closed, "EOF did not close the session");
          break;
        case Action::Timeout:
          used_controls = true;
          server.timeout();
          pump();
          FUZZ_CHECK(closed, "timeout() did not close the session");
          break;
        case Action::Shutdown:
          used_controls = true;
          server.shutdown("going down\r\nnow");
          pump();
          FUZZ_CHECK(closed, "shutdown() did not close the session");
          break;
        case Action::Deliver:
          used_controls = true;
          store.deliver("alice", "Subject: pushed\r\n\r\nx\r\n", 4'000'000);
          server.mailbox_changed();
          pump();
          break;
        case Action::FlagOther: {
          used_controls = true;
          const mail::Folder* f = store.folder("alice", "INBOX");
          if (f && !f->messages.empty()) {
            const auto& m = f->messages.front();
            store.set_flags("alice", "INBOX", m.uid, m.flags ^ mail::kSeen);
          }
          server.mailbox_changed();
          pump();
          break;
        }
        case Action::ExpungeOther: {
          used_controls = true;
          const mail::Folder* f = store.folder("alice", "INBOX");
          if (f && !f->messages.empty()) {
            const std::uint32_t uid = f->messages.front().uid;
            store.expunge("alice", "INBOX", std::vector<std::uint32_t>{uid});
          }
          server.mailbox_changed();
          pump();
          break;
        }
        case Action::Changed:
          server.mailbox_changed();
          pump();
          break;
        case Action::SpuriousTls: {
          const bool before = server.tls_active();
          server.tls_established();
          FUZZ_CHECK(server.tls_active() == before, "spurious tls_established() had an effect");
          break;
        }
      }
    }
    if (!closed) {
      server.receive_eof();
      pump();
      FUZZ_CHECK(closed, "session still open after EOF was drained");
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const imap::ServerConfig cfg = make_config(data[0]);
  const auto steps = split_input(data + 2, size - 2);
  Run run(cfg, data[1]);
  run.run(steps);
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "--- server said:\n%s---\n", run.output.c_str());
  }
  if (!run.used_controls && steps.size() > 1) {
    std::string all;
    for (const auto& st : steps) all += st.bytes;
    Run whole(cfg, data[1]);
    whole.run({Step{Action::Segment, all}});
    if (whole.output != run.output) fail("segmentation changed the server's output");
  }
  return 0;
}
