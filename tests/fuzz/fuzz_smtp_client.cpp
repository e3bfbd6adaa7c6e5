// libFuzzer target for the SMTP client machine (sim/proto/smtp/client_session.hpp).
// The input is a server's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0   ClientConfig: TLS mode, AUTH user and mechanism, EHLO, PIPELINING, all-or-nothing
//   byte 1   the owner: how many messages, SIZE/8BITMIME, finish() early, one more send()
//            when idle, a failing TLS handshake, a password too long for an initial response
//   rest     server bytes; 0xFF is an escape, the byte after it a driver action (end of
//            segment, EOF, timeout, ...), as in fuzz_smtp_server.cpp
//
// Checked on every run: the client writes only whole CRLF lines; every line is a command it
// may send at that point, an AUTH response that decodes to the configured credentials, or
// exactly the dot-stuffed text of the message in progress followed by "."; MAIL carries the
// right sender and an RFC 1870 SIZE equal to the message's size, RCPT the right recipients
// in order; nothing after the server's reply that fails the session; no MAIL before TLS or
// AUTH when they are required; MessageDone once per message, in order, with one result per
// recipient; current_timeout() set exactly when the client waits for the server, within
// RFC 5321's limits; nothing said after Closed; after EOF the session always closes; no
// event loop runs away.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/smtp/client_session.hpp"
#include "sim/proto/smtp/sasl.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace smtp = smtpsim::smtp;
namespace ce = smtpsim::smtp::client_event;

namespace {

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 600)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 32 || u >= 127) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_smtp_client invariant violated: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail: %s\n", printable(detail).c_str());
  }
  std::abort();
}

enum class Action : std::uint8_t {
  Segment = 0,
  SegmentNoDrive = 1,  // feed without asking for events
  Eof = 2,             // the server closed the connection
  Timeout = 3,         // the driver's deadline expired
  SpuriousTls = 4,     // tls_established() outside a handshake: must be ignored
  Segment5 = 5,
  LiteralFF = 6,
  Segment7 = 7,
};

using Step = smtpsim::fuzz::Step<Action>;

std::vector<Step> split_input(const std::uint8_t* data, std::size_t size) {
  return smtpsim::fuzz::split_input<Action, 8>(data, size);
}

const char* const kUser = "alice";

smtp::ClientConfig make_config(std::uint8_t a, std::uint8_t b) {
  smtp::ClientConfig c;
  c.tls = static_cast<smtp::TlsMode>(a & 3);
  if (a & 0x04) {
    c.auth_user = kUser;
    c.auth_password = (b & 0x80) ? std::string(400, 'p') : "alice";
    switch ((a >> 3) & 3) {
      case 0:
        break;  // best offered
      case 1:
        c.auth_mechanism = smtp::SaslMechanism::Plain;
        break;
      case 2:
        c.auth_mechanism = smtp::SaslMechanism::Login;
        break;
      default:
        c.auth_mechanism = smtp::SaslMechanism::CramMd5;
        break;
    }
  }
  c.use_ehlo = !(a & 0x20);
  c.use_pipelining = !(a & 0x40);
  c.abort_on_refused_recipient = a & 0x80;
  c.send_size = !(b & 0x01);
  return c;
}

smtp::OutgoingMessage make_message(std::size_t i, bool eight_bit) {
  static const char* const kContents[] = {
      "Subject: clean\r\n\r\nAlready CRLF, nothing to stuff.\r\n",
      "Subject: messy\n\n.leading dot\n..two dots\nbare\rCR\r\n.\r\nno final line end",
      "",
      ".\r\n",
  };
  smtp::OutgoingMessage m;
  m.sender = i % 3 == 2 ? "" : "alice@example.com";
  m.recipients = {"bob@example.com"};
  if (i % 2 == 1) m.recipients.push_back("carol@example.net");
  if (i % 4 == 3) m.recipients.push_back("dave@example.org");
  m.content = kContents[i % 4];
  m.eight_bit = eight_bit;
  return m;
}

// RFC 5321 §4.5.2 and §2.3.8, written independently of the machine: CRLF, bare CR and bare
// LF each end a line, sent as CRLF; a leading "." is doubled; a missing last line end is
// added. *size gets the RFC 1870 size (stuffing not counted).
std::string expected_body(std::string_view c, std::size_t* size) {
  std::string out;
  *size = 0;
  std::size_t i = 0;
  while (i < c.size()) {
    std::size_t j = c.find_first_of("\r\n", i);
    if (j == c.npos) j = c.size();
    const std::string_view line = c.substr(i, j - i);
    if (!line.empty() && line[0] == '.') out.push_back('.');
    out.append(line);
    out.append("\r\n");
    *size += line.size() + 2;
    if (j < c.size()) j += (c[j] == '\r' && j + 1 < c.size() && c[j + 1] == '\n') ? 2 : 1;
    i = j;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

struct Run {
  smtp::ClientConfig cfg;
  smtp::ClientSession client;
  std::vector<smtp::OutgoingMessage> sent;  // every message given to send(), in order
  bool eight_bit, finish_early, send_more_when_idle, tls_fails;

  std::string stream;      // everything the client wrote
  std::size_t parsed = 0;  // lines of `stream` checked so far end here
  enum class Last { None, Hello, StartTls, Auth, AuthResponse, Mail, Rcpt, Data, Body, Rset, Quit };
  Last last = Last::None;
  std::size_t mails = 0;  // MAIL commands seen: the message in progress is mails - 1
  std::size_t rcpts = 0;  // RCPT commands for it
  std::size_t dones = 0;  // MessageDone events
  bool failed = false, closed = false, finished = false, more_sent = false;
  std::size_t extra_failures = 0;  // Failed events after the first

  explicit Run(const std::uint8_t* d)
      : cfg(make_config(d[0], d[1])),
        client(cfg),
        eight_bit(d[1] & 0x02),
        finish_early(d[1] & 0x10),
        send_more_when_idle(d[1] & 0x20),
        tls_fails(d[1] & 0x40) {
    const std::size_t n = 1 + ((d[1] >> 2) & 3);
    for (std::size_t i = 0; i < n; ++i) queue(make_message(i, eight_bit));
    if (finish_early) finish();
  }

  void queue(smtp::OutgoingMessage m) {
    sent.push_back(m);
    client.send(std::move(m));
  }
  void finish() {
    finished = true;
    client.finish();
  }

  // One chunk from take_output(): whole CRLF lines, each allowed where it stands.
  void take() {
    const std::string chunk = client.take_output();
    if (closed) FUZZ_CHECK(chunk.empty(), "output after Closed", chunk);
    if (chunk.empty()) return;
    FUZZ_CHECK(chunk.size() >= 2 && chunk.compare(chunk.size() - 2, 2, "\r\n") == 0,
               "output chunk does not end with CRLF", chunk);
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      if (chunk[i] == '\n') FUZZ_CHECK(i > 0 && chunk[i - 1] == '\r', "bare LF written", chunk);
      if (chunk[i] == '\r') {
        FUZZ_CHECK(i + 1 < chunk.size() && chunk[i + 1] == '\n', "bare CR written", chunk);
      }
    }
    FUZZ_CHECK(!failed || chunk == "QUIT\r\n", "client wrote more than QUIT after Failed", chunk);
    stream += chunk;
    while (parsed < stream.size()) check_line();
  }

  std::string_view next_line() {
    const auto eol = stream.find("\r\n", parsed);
    const std::string_view line(stream.data() + parsed, eol - parsed);
    parsed = eol + 2;
    return line;
  }

  void check_line() {
    // Message text goes out whole, with its "." and nothing after, once 354 has come.
    if (last == Last::Data) {
      FUZZ_CHECK(mails > 0, "DATA before MAIL");
      const smtp::OutgoingMessage& m = sent[mails - 1];
      std::size_t size = 0;
      const std::string body = expected_body(m.content, &size) + ".\r\n";
      const std::string_view rest(stream.data() + parsed, stream.size() - parsed);
      if (rest == body || rest == ".\r\n") {  // the text, or "." alone (354, no recipients)
        parsed = stream.size();
        last = Last::Body;
        return;
      }
    }
    const std::string_view line = next_line();
    const std::string& h = cfg.helo_name;
    if (line == "EHLO " + h || line == "HELO " + h) {
      FUZZ_CHECK(line[0] == 'H' || cfg.use_ehlo, "EHLO although use_ehlo is false");
      FUZZ_CHECK(last == Last::None || last == Last::Hello || last == Last::StartTls,
                 "HELO/EHLO out of place", line);
      last = Last::Hello;
    } else if (line == "STARTTLS") {
      FUZZ_CHECK(
          cfg.tls == smtp::TlsMode::StartTlsIfOffered || cfg.tls == smtp::TlsMode::StartTlsRequired,
          "STARTTLS without being configured");
      FUZZ_CHECK(last == Last::Hello && !client.tls_active(), "STARTTLS out of place");
      last = Last::StartTls;
    } else if (starts_with(line, "AUTH ")) {
      FUZZ_CHECK(cfg.auth_user.has_value(), "AUTH without a configured user");
      FUZZ_CHECK(last == Last::Hello || last == Last::StartTls, "AUTH out of place", line);
      if (cfg.tls == smtp::TlsMode::StartTlsRequired) {
        FUZZ_CHECK(client.tls_active(), "AUTH before TLS although TLS is required");
      }
      if (starts_with(line, "AUTH PLAIN ")) check_credentials(line.substr(11));
      last = Last::Auth;
    } else if (starts_with(line, "MAIL FROM:<")) {
      check_mail(line);
    } else if (starts_with(line, "RCPT TO:<")) {
      FUZZ_CHECK(last == Last::Mail || last == Last::Rcpt, "RCPT out of place", line);
      FUZZ_CHECK(mails > 0, "RCPT before MAIL");
      const auto& rs = sent[mails - 1].recipients;
      FUZZ_CHECK(rcpts < rs.size(), "more RCPT than recipients", line);
      FUZZ_CHECK(line == "RCPT TO:<" + rs[rcpts] + ">", "RCPT for the wrong recipient", line);
      ++rcpts;
      last = Last::Rcpt;
    } else if (line == "DATA") {
      FUZZ_CHECK(last == Last::Rcpt && mails > 0 && rcpts == sent[mails - 1].recipients.size(),
                 "DATA before every recipient was given");
      last = Last::Data;
    } else if (line == "RSET") {
      FUZZ_CHECK(last != Last::None && last != Last::Hello && last != Last::Quit,
                 "RSET out of place");
      last = Last::Rset;
    } else if (line == "QUIT") {
      FUZZ_CHECK(last != Last::Quit, "QUIT twice");
      last = Last::Quit;
    } else if (last == Last::Auth || last == Last::AuthResponse) {
      if (line != "*") check_credentials(line);
      last = Last::AuthResponse;
    } else {
      fail("line the client may not send here", line);
    }
  }

  // An AUTH response must decode to the user, the password, a PLAIN message, or a CRAM-MD5
  // "user digest": never to anything else (and never be malformed base64).
  void check_credentials(std::string_view b64) {
    const auto decoded = smtp::base64_decode(b64);
    FUZZ_CHECK(decoded.has_value(), "AUTH response is not base64", b64);
    const std::string& d = *decoded;
    const std::string user = kUser;
    const bool ok = d == user || d == cfg.auth_password ||
                    d == std::string(1, '\0') + user + '\0' + cfg.auth_password ||
                    (d.size() == user.size() + 33 && starts_with(d, user + " "));
    FUZZ_CHECK(ok, "AUTH response with unexpected content", d);
  }

  void check_mail(std::string_view line) {
    FUZZ_CHECK(last == Last::Hello || last == Last::Auth || last == Last::AuthResponse ||
                   last == Last::Body || last == Last::Rset || last == Last::StartTls,
               "MAIL out of place", line);
    FUZZ_CHECK(mails < sent.size(), "more MAIL commands than messages", line);
    if (cfg.tls == smtp::TlsMode::StartTlsRequired || cfg.tls == smtp::TlsMode::Implicit) {
      FUZZ_CHECK(client.tls_active(), "MAIL before TLS although TLS is required");
    }
    if (cfg.auth_user) FUZZ_CHECK(client.authenticated(), "MAIL before AUTH succeeded");
    const smtp::OutgoingMessage& m = sent[mails];
    const std::string head = "MAIL FROM:<" + m.sender + ">";
    FUZZ_CHECK(starts_with(line, head), "MAIL for the wrong sender", line);
    std::string_view params = line.substr(head.size());
    std::size_t size = 0;
    expected_body(m.content, &size);
    if (starts_with(params, " SIZE=")) {
      FUZZ_CHECK(cfg.send_size, "SIZE although send_size is false");
      const std::string want = " SIZE=" + std::to_string(size);
      FUZZ_CHECK(starts_with(params, want), "SIZE differs from the message size", line);
      params.remove_prefix(want.size());
    }
    if (!params.empty()) {
      FUZZ_CHECK(params == " BODY=8BITMIME" && m.eight_bit, "unexpected MAIL parameters", line);
    }
    ++mails;
    rcpts = 0;
    last = Last::Mail;
  }

  void check_timeout(bool waiting) const {
    const auto t = client.current_timeout();
    if (!waiting) {
      FUZZ_CHECK(!t.has_value(), "current_timeout() set while not waiting for the server");
      return;
    }
    FUZZ_CHECK(t.has_value(), "NeedData without a current_timeout()");
    FUZZ_CHECK(*t >= std::chrono::minutes(2) && *t <= std::chrono::minutes(10),
               "current_timeout() outside RFC 5321's 2..10 minutes");
  }

  void on_done(const smtp::MessageResult& r) {
    FUZZ_CHECK(!failed, "MessageDone after Failed");
    FUZZ_CHECK(r.index == dones, "MessageDone out of order");
    FUZZ_CHECK(r.index < sent.size() && r.index < mails, "MessageDone for a message not started");
    const auto& rs = sent[r.index].recipients;
    FUZZ_CHECK(r.recipients.size() == rs.size(), "MessageDone without one result per recipient");
    for (std::size_t i = 0; i < rs.size(); ++i) {
      FUZZ_CHECK(r.recipients[i].address == rs[i], "MessageDone result for the wrong address");
      const int k = r.recipients[i].reply.klass();
      FUZZ_CHECK(k >= 2 && k <= 5, "recipient result without a reply");
      const auto st = r.recipients[i].status;
      if (k == 2 && st != smtp::RecipientStatus::Accepted) {
        // All or nothing (RFC 5321 D.2): recipients the server took become temporary
        // failures, keeping their RCPT reply, when another one was refused.
        FUZZ_CHECK(
            cfg.abort_on_refused_recipient && r.failure && st == smtp::RecipientStatus::Temporary,
            "recipient with a 2xx reply not accepted");
      } else {
        FUZZ_CHECK((st == smtp::RecipientStatus::Accepted) == (k == 2) &&
                       (st == smtp::RecipientStatus::Temporary) == (k == 4),
                   "recipient status disagrees with its reply");
      }
    }
    if (r.all_delivered()) FUZZ_CHECK(!r.failure, "delivered with a failure");
    ++dones;
  }

  // Takes events until the client needs data or closes; false when the connection is gone.
  bool drive() {
    for (int guard = 0; guard < 10000; ++guard) {
      const auto ev = client.next_event();
      take();
      if (closed) {
        FUZZ_CHECK(std::holds_alternative<ce::Closed>(ev), "event other than Closed after Closed");
        check_timeout(false);
        return false;
      }
      if (std::holds_alternative<ce::NeedData>(ev)) {
        FUZZ_CHECK(client.state() != smtp::ClientState::Idle, "NeedData while Idle");
        check_timeout(true);
        return true;
      }
      if (std::holds_alternative<ce::Closed>(ev)) {
        FUZZ_CHECK(client.state() == smtp::ClientState::Closed, "Closed event in another state");
        closed = true;
        check_timeout(false);
        return false;
      }
      if (const auto* f = std::get_if<ce::Failed>(&ev)) {
        // After a failure the client only waits for the 221 to its QUIT; a second Failed
        // (e.g. "greeting refused" then "unsolicited reply" for bytes that were already
        // buffered) is tolerated, but nothing else may happen.
        FUZZ_CHECK(!failed || last == Last::Quit, "second Failed while not waiting for the 221",
                   f->reason);
        FUZZ_CHECK(!f->reason.empty(), "Failed without a reason");
        if (failed) ++extra_failures;
        failed = true;
        continue;
      }
      if (const auto* d = std::get_if<ce::MessageDone>(&ev)) {
        on_done(d->result);
        continue;
      }
      if (std::holds_alternative<ce::StartTls>(ev)) {
        FUZZ_CHECK(!client.tls_active() && last == Last::StartTls, "StartTls event out of place");
        if (tls_fails) return false;  // the driver drops the connection
        client.tls_established();
        FUZZ_CHECK(client.tls_active(), "tls_established() did not activate TLS");
        take();
        FUZZ_CHECK(last == Last::Hello, "no HELO/EHLO right after the TLS handshake");
        continue;
      }
      // Idle: every queued message is done.
      FUZZ_CHECK(std::holds_alternative<ce::Idle>(ev), "unknown event");
      FUZZ_CHECK(!finished, "Idle after finish()");
      FUZZ_CHECK(dones == sent.size(), "Idle with messages outstanding");
      check_timeout(false);
      if (send_more_when_idle && !more_sent) {
        more_sent = true;
        queue(make_message(sent.size(), eight_bit));
        take();
      } else {
        finish();
        take();
      }
    }
    fail("next_event() loop does not settle (10000 events for one segment)");
  }

  bool run(const std::vector<Step>& steps) {
    check_timeout(true);  // waiting for the greeting
    for (const auto& st : steps) {
      client.receive(st.bytes);
      if (st.action != Action::SegmentNoDrive && !drive() && !closed) return false;
      switch (st.action) {
        case Action::Eof:
          client.receive_eof();
          if (!drive() && !closed) return false;
          FUZZ_CHECK(closed, "session still open after EOF");
          break;
        case Action::Timeout: {
          const bool was_closed = closed;
          client.timeout();
          take();
          if (!was_closed) {
            FUZZ_CHECK(client.state() == smtp::ClientState::Closed, "timeout() did not close");
          }
          if (!drive() && !closed) return false;
          break;
        }
        case Action::SpuriousTls: {
          const bool before = client.tls_active();
          client.tls_established();
          take();
          FUZZ_CHECK(client.tls_active() == before, "spurious tls_established() had an effect");
          break;
        }
        default:
          break;
      }
    }
    if (!drive() && !closed) return false;
    client.receive_eof();
    drive();
    FUZZ_CHECK(closed, "session still open after EOF was drained");
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Run run(data);
  run.run(split_input(data + 2, size - 2));
  FUZZ_CHECK(run.dones <= run.sent.size(), "more MessageDone than messages");
  if (!run.failed && run.closed) {
    // A session that ended cleanly reported every message it started.
    FUZZ_CHECK(run.dones == run.mails, "clean close with a transaction unreported");
  }
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(
        stderr, "--- client wrote:\n%s--- messages done: %zu of %zu, failed: %d (+%zu more)\n",
        run.stream.c_str(), run.dones, run.sent.size(), run.failed ? 1 : 0, run.extra_failures);
  }
  return 0;
}
