// libFuzzer target for the IMAP client machine (sim/proto/imap/client_session.hpp).
// The input is a server's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0   ClientConfig: TLS mode, LOGIN or PLAIN, a password that needs a literal,
//            a failing TLS handshake
//   byte 1   the owner: which commands it queues at start and after Ready
//   rest     server bytes; 0xFF is an escape, the byte after it a driver or owner action
//            (end of segment, EOF, timeout, spurious tls_established(), done(), NOOP, ...)
//
// Checked on every run: every output chunk ends with CRLF; tags go a1, a2, ... in order;
// the password never reaches the observer and no observed line holds CR or LF; no LOGIN
// while LOGINDISABLED is advertised; no credentials before TLS when TLS is required;
// Completed once per command id, only for ids handed out; Idling only in the Idle state;
// view() keeps exists == messages.size(); nothing written and nothing but Closed reported
// after Closed; after EOF the session always closes; no event loop runs away.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/client_session.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace imap = smtpsim::imap;
namespace ce = smtpsim::imap::client_event;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_imap_client", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,
  Eof = 1,
  Timeout = 2,
  SpuriousTls = 3,
  Done = 4,  // the owner ends IDLE
  Noop = 5,  // the owner queues a NOOP
  LiteralFF = 6,
  Idle = 7,  // the owner queues an IDLE
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 8>(data, size);
}

const char* const kPlainPassword = "s3cret pass";
const char* const kLiteralPassword = "gr\xc3\xbc\xc3\x9f\r\nzz";

struct Observer : smtpsim::proto::SessionObserver {
  std::string password;
  void on_line_out(std::string_view line, bool) override {
    FUZZ_CHECK(line.find(password) == line.npos, "password shown to the observer", line);
  }
  void on_line_in(std::string_view, bool) override {}
};

struct Run {
  imap::ClientConfig cfg;
  imap::ClientSession client;
  Observer obs;
  std::uint8_t owner;
  bool tls_fails;
  std::string stream;
  std::size_t parsed = 0;
  std::uint32_t last_tag = 0;
  std::set<std::uint32_t> issued, completed;
  bool closed = false, ready = false, saw_failed = false, second_failure = false;
  std::string failure;

  static imap::ClientConfig make_config(std::uint8_t a) {
    imap::ClientConfig c;
    c.user = "alice";
    c.password = (a & 0x08) ? kLiteralPassword : kPlainPassword;
    c.tls = static_cast<imap::TlsMode>(a & 3);
    c.auth = (a & 0x04) ? "PLAIN" : "LOGIN";
    return c;
  }

  Run(std::uint8_t a, std::uint8_t b)
      : cfg(make_config(a)), client(cfg), owner(b), tls_fails(a & 0x10) {
    obs.password = cfg.password;
    client.set_observer(&obs);
    client.start();
    if (owner & 0x80) issue_batch();  // queued before login
  }

  void issue(std::uint32_t id) {
    FUZZ_CHECK(issued.insert(id).second, "command id handed out twice");
  }
  bool can_issue() const { return !closed && !saw_failed && !logged_out; }
  bool logged_out = false;

  void issue_batch() {
    if (!can_issue()) return;
    if (owner & 0x01) issue(client.select("INBOX"));
    if (owner & 0x02) issue(client.fetch("1:*", "(UID FLAGS ENVELOPE BODY.PEEK[])", owner & 0x40));
    if (owner & 0x04) issue(client.store("1", "+FLAGS", "(\\Deleted)", owner & 0x40));
    if (owner & 0x08) issue(client.search("ALL"));
    if (owner & 0x10) issue(client.expunge());
    if (owner & 0x20) issue(client.append("Sent Items", "(\\Seen)", "Subject: x\r\n\r\n)}\r\n"));
    if (owner & 0x40) issue(client.idle());
    take();
  }

  void take() {
    const std::string chunk = client.take_output();
    if (closed) FUZZ_CHECK(chunk.empty(), "output after Closed", chunk);
    if (chunk.empty()) return;
    FUZZ_CHECK(chunk.size() >= 2 && chunk.compare(chunk.size() - 2, 2, "\r\n") == 0,
               "output chunk does not end with CRLF", chunk);
    stream += chunk;
    // Tagged lines: "a<n> ..." with n going up by one.
    while (parsed < stream.size()) {
      const auto eol = stream.find("\r\n", parsed);
      const std::string_view line(stream.data() + parsed, eol - parsed);
      parsed = eol + 2;
      if (line.size() < 3 || line[0] != 'a' || line[1] < '0' || line[1] > '9') continue;
      std::uint32_t n = 0;
      std::size_t i = 1;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') n = n * 10 + (line[i++] - '0');
      FUZZ_CHECK(i < line.size() && line[i] == ' ', "tag not followed by a space", line);
      FUZZ_CHECK(n == last_tag + 1, "tags out of order", line);
      last_tag = n;
      const std::string_view cmd = line.substr(i + 1);
      if (cmd.starts_with("LOGIN ")) {
        FUZZ_CHECK(!client.has_capability("LOGINDISABLED"), "LOGIN although LOGINDISABLED", line);
      }
      if (cmd.starts_with("LOGIN ") || cmd.starts_with("AUTHENTICATE ")) {
        if (cfg.tls == imap::TlsMode::StartTlsRequired || cfg.tls == imap::TlsMode::Implicit) {
          FUZZ_CHECK(client.tls_active(), "credentials before TLS although TLS is required");
        }
      }
    }
  }

  void check_view() const {
    const auto& v = client.view();
    FUZZ_CHECK(v.exists == v.messages.size(), "view: exists differs from messages.size()");
  }

  // Takes events until the client needs data or closes; false when the driver gives up.
  bool drive() {
    for (int guard = 0; guard < 100000; ++guard) {
      const auto ev = client.next_event();
      take();
      check_view();
      if (closed) {
        FUZZ_CHECK(std::holds_alternative<ce::Closed>(ev), "event other than Closed after Closed");
        return true;
      }
      if (std::holds_alternative<ce::NeedData>(ev)) {
        FUZZ_CHECK(client.state() != imap::ClientState::Closed, "NeedData when closed");
        return true;
      }
      if (std::holds_alternative<ce::Closed>(ev)) {
        FUZZ_CHECK(client.state() == imap::ClientState::Closed, "Closed event in another state");
        closed = true;
        continue;
      }
      if (const auto* f = std::get_if<ce::Failed>(&ev)) {
        FUZZ_CHECK(!f->reason.empty() && !f->stage.empty(), "Failed without a reason");
        // After a failure the client only logs out; that can fail too (a second Failed with
        // stage "logout"), but nothing else may.
        FUZZ_CHECK(!saw_failed || (f->stage == "logout" && !second_failure),
                   "second Failed while not logging out",
                   failure + " / " + f->stage + ": " + f->reason);
        if (saw_failed) second_failure = true;
        failure = f->stage + ": " + f->reason;
        saw_failed = true;
        continue;
      }
      if (std::holds_alternative<ce::Ready>(ev)) {
        FUZZ_CHECK(!ready, "Ready twice");
        ready = true;
        if (!(owner & 0x80)) issue_batch();
        continue;
      }
      if (const auto* c = std::get_if<ce::Completed>(&ev)) {
        FUZZ_CHECK(issued.count(c->id) == 1, "Completed for an id never handed out");
        FUZZ_CHECK(completed.insert(c->id).second, "Completed twice for one id");
        continue;
      }
      if (std::holds_alternative<ce::Idling>(ev)) {
        FUZZ_CHECK(client.state() == imap::ClientState::Idle, "Idling outside the Idle state");
        if (owner & 0x01) {
          client.done();
          take();
        }
        continue;
      }
      if (std::holds_alternative<ce::StartTls>(ev)) {
        FUZZ_CHECK(!client.tls_active(), "StartTls with TLS already active");
        if (tls_fails) return false;  // the driver drops the connection
        client.tls_established();
        take();
        continue;
      }
      FUZZ_CHECK(std::holds_alternative<ce::Untagged>(ev), "unknown event");
    }
    fail("next_event() loop does not settle");
  }

  void run(const std::vector<Step>& steps) {
    for (const auto& st : steps) {
      client.receive(st.bytes);
      if (!drive()) return;
      switch (st.action) {
        case Action::Eof:
          client.receive_eof();
          if (!drive()) return;
          FUZZ_CHECK(closed, "session still open after EOF");
          break;
        case Action::Timeout:
          client.timeout();
          take();
          FUZZ_CHECK(client.state() == imap::ClientState::Closed, "timeout() did not close");
          if (!drive()) return;
          break;
        case Action::SpuriousTls: {
          const bool before = client.tls_active();
          const auto state = client.state();
          client.tls_established();
          take();
          if (state != imap::ClientState::StartingTls) {
            FUZZ_CHECK(client.tls_active() == before, "spurious tls_established() had an effect");
          }
          if (!drive()) return;
          break;
        }
        case Action::Done:
          try {
            client.done();
          } catch (const std::logic_error&) {
          }
          take();
          if (!drive()) return;
          break;
        case Action::Noop:
        case Action::Idle:
          if (can_issue()) {
            issue(st.action == Action::Noop ? client.noop() : client.idle());
            take();
          }
          if (!drive()) return;
          break;
        default:
          break;
      }
    }
    if ((owner & 0x02) && can_issue()) {
      issue(client.logout());
      logged_out = true;
      take();
    }
    if (!drive()) return;
    client.receive_eof();
    drive();
    FUZZ_CHECK(closed, "session still open after EOF was drained");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Run run(data[0], data[1]);
  run.run(split_input(data + 2, size - 2));
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "--- client wrote:\n%s--- completed %zu of %zu, failure: %s\n",
                 run.stream.c_str(), run.completed.size(), run.issued.size(), run.failure.c_str());
  }
  return 0;
}
