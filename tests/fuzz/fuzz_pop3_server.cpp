// libFuzzer target for the POP3 server machine (sim/proto/pop3/server_session.hpp).
// The input is a client's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0   ServerConfig switches (STLS, TLS, plaintext-needs-TLS, APOP, small limits)
//   byte 1   decision bits: bit n says whether the n-th Auth is refused regardless
//   rest     client bytes; 0xFF is an escape, the byte after it a driver action (end of
//            segment, EOF, timeout, shutdown, a spurious tls_established(), another
//            session changing the store), see Action
//
// Checked on every run: output is whole CRLF lines of printable ASCII at most 512 octets,
// status lines start "+OK" or "-ERR"; nothing is said after Closed; TRANSACTION is never
// reached without an accepted Auth; the store loses messages only through an Update event
// (QUIT in TRANSACTION), and exactly the UIDs it names; PASS never reaches the observer
// unredacted; after EOF the session closes; and, without STLS or driver actions, the same
// bytes fed as one segment give byte-identical output and the same store.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/pop3/server_session.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace pop3 = smtpsim::pop3;
namespace se = smtpsim::pop3::server_event;
namespace mail = smtpsim::mail;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_pop3_server", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,      // feed what we have as one segment, then let the owner drive
  Eof = 1,          // the client closed its side
  Timeout = 2,      // the autologout timer fired
  Shutdown = 3,     // the service shuts down
  SpuriousTls = 4,  // tls_established() without StartTls: must be ignored
  LiteralFF = 5,    // a literal 0xFF data byte
  Deliver = 6,      // new mail arrives meanwhile (invisible to this session)
  Steal = 7,        // another session expunges the first message of alice's INBOX
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 8>(data, size);
}

pop3::ServerConfig make_config(std::uint8_t a) {
  pop3::ServerConfig c;
  c.stls_available = a & 0x01;
  c.tls_active = a & 0x02;
  c.plaintext_auth_needs_tls = a & 0x04;
  if (a & 0x08) c.apop_timestamp = "<1896.697170952@dbc.mtview.ca.us>";
  if (a & 0x10) c.max_errors = 3;
  if (a & 0x20) c.max_line = 40;
  return c;
}

void seed(mail::MailStore& store) {
  store.add_user("alice");
  store.add_user("bob");
  store.deliver("alice", "Subject: one\r\n\r\nHello\r\n.hidden\r\n..two\r\n.\r\n", 1);
  store.deliver("alice", "Subject: two\r\n\r\nno final CRLF", 2);
  store.deliver("alice", "", 3);
  store.deliver("alice", "X: y\r\n", 4);
}

// Every line of a chunk: CRLF-terminated, printable, bounded.
void check_output(std::string_view out) {
  if (out.empty()) return;
  FUZZ_CHECK(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n",
             "output chunk does not end with CRLF", out);
  std::string_view rest = out;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    FUZZ_CHECK(eol != rest.npos, "output line without CRLF", out);
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    FUZZ_CHECK(line.size() + 2 <= 512, "reply line longer than 512 octets", line);
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 32 && u < 127, "non-printable byte in a reply", line);
    }
  }
}

struct Observer : smtpsim::proto::SessionObserver {
  void on_line_in(std::string_view line, bool sensitive) override {
    if (line.size() >= 5) {
      std::string head(line.substr(0, 5));
      for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (head == "PASS ") {
        FUZZ_CHECK(line == "PASS [redacted]" && sensitive, "PASS reached the observer", line);
      }
    }
  }
};

struct Run {
  mail::MailStore store;
  pop3::ServerSession server;
  Observer obs;
  std::uint8_t refuse_bits;
  unsigned auths = 0;
  bool accepted_any = false;
  std::string output;
  bool closed = false;
  bool tls_started = false;
  bool used_controls = false;
  std::vector<std::uint32_t> expected_uids;  // alice's INBOX as it must be
  std::map<std::string, std::string> secrets{
      {"alice", "secret"}, {"bob", "pw"}, {"ghost", "boo"}};  // ghost has no maildrop

  Run(const pop3::ServerConfig& cfg, std::uint8_t bits) : server(cfg, store), refuse_bits(bits) {
    seed(store);
    server.set_observer(&obs);
    for (const auto& m : store.folder("alice", "INBOX")->messages) expected_uids.push_back(m.uid);
  }

  void check_store() const {
    std::vector<std::uint32_t> now;
    for (const auto& m : store.folder("alice", "INBOX")->messages) now.push_back(m.uid);
    FUZZ_CHECK(now == expected_uids, "the store changed outside UPDATE");
  }

  void take() {
    std::string chunk = server.take_output();
    if (closed) FUZZ_CHECK(chunk.empty(), "output after Closed", chunk);
    check_output(chunk);
    output += chunk;
  }

  void pump() {
    while (true) {
      const auto ev = server.next_event();
      take();
      if (const auto* a = std::get_if<se::Auth>(&ev)) {
        const bool refuse = (refuse_bits >> (auths++ % 8)) & 1;
        auto it = secrets.find(a->user);
        if (!refuse && it != secrets.end() && a->password_matches(it->second)) {
          accepted_any = true;
          server.accept();
        } else {
          server.reject(refuse ? std::optional<std::string>("[IN-USE] locked\r\nX") : std::nullopt);
        }
        continue;
      }
      if (const auto* u = std::get_if<se::Update>(&ev)) {
        FUZZ_CHECK(server.state() == pop3::ServerState::Closed, "Update before Closed");
        if (server.user() == "alice") {
          std::erase_if(expected_uids, [&](std::uint32_t uid) {
            return std::find(u->deleted.begin(), u->deleted.end(), uid) != u->deleted.end();
          });
        }
        check_store();
        continue;
      }
      if (server.state() == pop3::ServerState::Transaction) {
        FUZZ_CHECK(accepted_any, "TRANSACTION without an accepted Auth");
      }
      check_store();
      if (std::holds_alternative<se::StartTls>(ev)) {
        FUZZ_CHECK(!server.tls_active(), "StartTls while TLS is active");
        tls_started = true;
        server.tls_established();
        continue;
      }
      if (std::holds_alternative<se::Closed>(ev)) {
        closed = true;
        return;
      }
      return;  // NeedData
    }
  }

  void run(const std::vector<Step>& steps) {
    server.start();
    take();
    for (const auto& st : steps) {
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
          server.shutdown("bye\r\nnow");
          pump();
          FUZZ_CHECK(closed, "shutdown() did not close the session");
          break;
        case Action::SpuriousTls: {
          used_controls = true;
          const bool before = server.tls_active();
          server.tls_established();
          FUZZ_CHECK(server.tls_active() == before, "spurious tls_established() had an effect");
          break;
        }
        case Action::Deliver:
          used_controls = true;
          store.deliver("alice", "Subject: late\r\n\r\n.\r\n", 9);
          expected_uids.push_back(store.folder("alice", "INBOX")->messages.back().uid);
          break;
        case Action::Steal:
          used_controls = true;
          if (!expected_uids.empty()) {
            const std::uint32_t uid = expected_uids.front();
            store.expunge("alice", "INBOX", std::span<const std::uint32_t>(&uid, 1));
            expected_uids.erase(expected_uids.begin());
          }
          break;
      }
    }
    server.receive_eof();
    pump();
    FUZZ_CHECK(closed, "session still open after EOF was drained");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const pop3::ServerConfig cfg = make_config(data[0]);
  const auto steps = split_input(data + 2, size - 2);
  Run run(cfg, data[1]);
  run.run(steps);
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "--- server said:\n%s---\n", run.output.c_str());
  }
  // Differential: without STLS or driver actions, segmentation must not matter.
  if (!run.tls_started && !run.used_controls && steps.size() > 1) {
    std::string all;
    for (const auto& st : steps) all += st.bytes;
    Run whole(cfg, data[1]);
    whole.run({Step{Action::Segment, all}});
    FUZZ_CHECK(whole.output == run.output, "segmentation changed the server's replies", run.output);
    FUZZ_CHECK(whole.expected_uids == run.expected_uids, "segmentation changed the store");
  }
  return 0;
}
