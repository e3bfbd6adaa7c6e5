// libFuzzer target for the POP3 client machine (sim/proto/pop3/client_session.hpp).
// The input is a server's side of one connection:
//
//   byte 0   ClientConfig switches (TLS mode, APOP, delete, known UIDs, max_messages)
//   rest     server bytes; 0xFF is an escape, the byte after it a driver action (end of
//            segment, EOF, timeout, TLS handshake failure), see Action
//
// Checked on every run: the client only ever writes whole CRLF lines that are POP3
// commands of its flow (CAPA, STLS, USER, PASS, APOP, STAT, UIDL, LIST, RETR n, DELE n,
// QUIT); DELE n only for a message it handed to the owner (or, with known ids, one it
// already had); the password never reaches the
// observer; messages end with CRLF and stay within 64 MiB and max_messages; Done comes at
// most once, after QUIT, with deleted <= retrieved; nothing follows Closed; after EOF the
// session always ends.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/pop3/client_session.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace pop3 = smtpsim::pop3;
namespace ce = smtpsim::pop3::client_event;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_pop3_client", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,
  Eof = 1,
  Timeout = 2,
  TlsFails = 3,  // the driver's handshake fails: it stops feeding (the run ends)
  LiteralFF = 4,
  Segment2 = 5,
  Segment3 = 6,
  Segment4 = 7,
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 8>(data, size);
}

const char* const kPassword = "s3cr3t-Pw";

pop3::ClientConfig make_config(std::uint8_t a) {
  pop3::ClientConfig c;
  c.user = "alice";
  c.password = kPassword;
  c.tls = static_cast<pop3::TlsMode>(a & 3);
  c.use_apop = a & 0x04;
  c.mode = (a & 0x08) ? pop3::RetrievalMode::DownloadAndDelete : pop3::RetrievalMode::LeaveOnServer;
  if (a & 0x10) c.known_uids = {"1.1", "a"};
  if (a & 0x20) c.max_messages = 2;
  return c;
}

struct Observer : smtpsim::proto::SessionObserver {
  void on_line_out(std::string_view line, bool /*sensitive*/) override {
    FUZZ_CHECK(line.find(kPassword) == line.npos, "the password reached the observer", line);
  }
};

bool starts(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

struct Run {
  pop3::ClientConfig cfg;
  pop3::ClientSession client;
  Observer obs;
  bool closed = false, done = false, quit_sent = false, failed = false, tls_failed = false;
  std::set<unsigned> handed;  // message numbers given to the owner
  std::size_t messages = 0;

  explicit Run(const pop3::ClientConfig& c) : cfg(c), client(c) {
    client.set_observer(&obs);
    client.start();
  }

  void check_commands(std::string_view out) {
    if (out.empty()) return;
    FUZZ_CHECK(!closed, "output after Closed", out);
    FUZZ_CHECK(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n", "partial command line",
               out);
    while (!out.empty()) {
      const auto eol = out.find("\r\n");
      const std::string_view line = out.substr(0, eol);
      out.remove_prefix(eol + 2);
      FUZZ_CHECK(line.find_first_of(std::string_view("\r\n\0", 3)) == line.npos,
                 "control character in a command", line);
      if (line == "QUIT") {
        quit_sent = true;
      } else if (starts(line, "DELE ")) {
        const unsigned n =
            static_cast<unsigned>(std::strtoul(std::string(line.substr(5)).c_str(), nullptr, 10));
        // In delete mode a message the device already has (known UIDL id) is DELEted without
        // a RETR; which numbers those are depends on the UIDL listing fed, so with known ids
        // configured only the mode is checked.
        FUZZ_CHECK(handed.count(n) || !cfg.known_uids.empty(),
                   "DELE of a message not handed to the owner", line);
        FUZZ_CHECK(cfg.mode == pop3::RetrievalMode::DownloadAndDelete, "DELE in leave-on-server");
      } else {
        FUZZ_CHECK(line == "CAPA" || line == "STLS" || line == "STAT" || line == "UIDL" ||
                       line == "LIST" || starts(line, "RETR ") || line == "USER alice" ||
                       line == std::string("PASS ") + kPassword || starts(line, "APOP alice "),
                   "unexpected command", line);
      }
      FUZZ_CHECK(!(quit_sent && line != "QUIT"), "command after QUIT", line);
    }
  }

  // Returns false when the driver stops (handshake failed).
  bool pump() {
    while (true) {
      const auto ev = client.next_event();
      // A DELE goes out with the Message event it follows: record the message first.
      if (const auto* m = std::get_if<ce::Message>(&ev)) handed.insert(m->number);
      check_commands(client.take_output());
      if (closed) {
        FUZZ_CHECK(std::holds_alternative<ce::Closed>(ev), "event after Closed");
        return true;
      }
      if (const auto* m = std::get_if<ce::Message>(&ev)) {
        FUZZ_CHECK(!done && !failed, "Message after Done/Failed");
        FUZZ_CHECK(m->content.size() <= pop3::ClientSession::kMaxMessage, "message over the cap");
        FUZZ_CHECK(m->content.empty() || (m->content.size() >= 2 &&
                                          m->content.substr(m->content.size() - 2) == "\r\n"),
                   "message not ending with CRLF");
        FUZZ_CHECK(m->uid.empty() || !cfg.known_uids.count(m->uid), "known UID downloaded again");
        ++messages;
        FUZZ_CHECK(cfg.max_messages == 0 || messages <= cfg.max_messages, "max_messages exceeded");
        continue;
      }
      if (const auto* d = std::get_if<ce::Done>(&ev)) {
        FUZZ_CHECK(!done && !failed && quit_sent, "Done twice, after Failed or before QUIT");
        FUZZ_CHECK(
            d->retrieved == messages && (d->deleted <= d->retrieved || !cfg.known_uids.empty()),
            "Done counts wrong");
        done = true;
        continue;
      }
      if (std::holds_alternative<ce::Failed>(ev)) {
        FUZZ_CHECK(!done, "Failed after Done");
        failed = true;
        continue;
      }
      if (std::holds_alternative<ce::StartTls>(ev)) {
        FUZZ_CHECK(
            cfg.tls == pop3::TlsMode::StlsIfOffered || cfg.tls == pop3::TlsMode::StlsRequired,
            "STLS in a mode that never asks for it");
        if (tls_failed) return false;
        client.tls_established();
        FUZZ_CHECK(client.tls_active(), "TLS not active after the handshake");
        continue;
      }
      if (std::holds_alternative<ce::Closed>(ev)) {
        closed = true;
        return true;
      }
      return true;  // NeedData
    }
  }

  void run(const std::vector<Step>& steps) {
    if (!pump()) return;
    for (const auto& st : steps) {
      client.receive(st.bytes);
      if (!pump()) return;
      if (st.action == Action::Eof) {
        client.receive_eof();
        if (!pump()) return;
        FUZZ_CHECK(closed, "EOF did not end the session");
      } else if (st.action == Action::Timeout) {
        client.timeout();
        if (!pump()) return;
        FUZZ_CHECK(closed, "timeout() did not end the session");
      } else if (st.action == Action::TlsFails) {
        tls_failed = true;
      }
    }
    client.receive_eof();
    if (!pump()) return;
    FUZZ_CHECK(closed, "session still open after EOF");
    FUZZ_CHECK(done || failed, "closed without Done or Failed");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Run run(make_config(data[0]));
  run.run(split_input(data + 1, size - 1));
  return 0;
}
