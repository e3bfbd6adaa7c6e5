// libFuzzer target for the HTTP/1.1 server machine (sim/proto/http/server_session.hpp).
// The input is a browser's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0   ServerConfig: TLS (port 443), small limits for line length, field count, body
//   byte 1   the owner (like WebmailService): bit n says whether the n-th request is answered
//            at once (set) or only at the next Respond action (the webmail answers /inbox
//            after an IMAP round trip); bit 7 asks for Connection: close on every answer
//   rest     client bytes; 0xFF is an escape, the byte after it a driver action (end of
//            segment, EOF, idle timeout, the owner's deferred answer), see Action
//
// Checked on every run: the state moves only along the transition table (every observed
// transition starts where the last one ended and state() agrees); a request handed out has
// a token method, an origin-form target, one Host unless HTTP/1.0, at most max_fields fields and
// exactly Content-Length octets of body, at most max_body; each output chunk is exactly one
// well-formed response (status line, CRLF field lines, a Content-Length that matches its
// body, none for HEAD); a response the machine writes on its own is a 4xx/5xx with
// Connection: close, after which it is Closed, writes nothing more and reports nothing but
// Closed; output is bounded by the responses asked for; the form's password never reaches
// the observer, which sees no control bytes and bounded lines; after EOF the session closes
// once every request is answered; and, without driver actions (answers deferred to the end
// included), the same bytes fed as one segment give byte-identical output.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/http/server_session.hpp"
#include "sim/proto/smtp/text.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace http = smtpsim::http;
namespace se = smtpsim::http::server_event;
namespace proto = smtpsim::proto;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_http_server", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,    // feed what we have as one segment, then let the owner drive
  Eof = 1,        // the browser closed its side
  Timeout = 2,    // the idle timer fired
  Respond = 3,    // the owner's deferred answer is ready
  LiteralFF = 4,  // a literal 0xFF data byte
};

using Step = smtpsim::fuzz::Step<Action>;

// The password of the seeds' login form; the observer must only ever see it redacted when the
// form says it is one (application/x-www-form-urlencoded, a field named "password").
constexpr std::string_view kPassword = "s3cr%26t";
// The largest body the owner answers with, and what the machine adds around a response.
constexpr std::size_t kOwnerBody = 64;
constexpr std::size_t kResponseOverhead = 512;

http::ServerConfig make_config(std::uint8_t a) {
  http::ServerConfig c;
  c.tls_active = a & 0x01;
  if (a & 0x02) c.limits.max_line = 48;
  if (a & 0x04) c.limits.max_fields = 3;
  if (a & 0x08) c.limits.max_body = 16;
  return c;
}

struct Observer : proto::SessionObserver {
  int state = static_cast<int>(http::ServerState::Idle);
  bool closed_seen = false;
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    FUZZ_CHECK(from == state, "transition does not start where the last one ended", trigger);
    FUZZ_CHECK(spec.allows(from, to, trigger), "transition not in the table", trigger);
    FUZZ_CHECK(!closed_seen, "transition out of CLOSED", trigger);
    state = to;
    closed_seen = to == static_cast<int>(http::ServerState::Closed);
  }
  // What the trace is shown of the client's bytes: request line and fields sanitized, a
  // body as printable text (line ends and HTAB kept), at most a few thousand octets.
  void on_line_in(std::string_view line, bool sensitive) override {
    FUZZ_CHECK(line.size() <= 4003, "observer line not bounded", line.substr(0, 200));
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      const bool ok = u >= 32 ? u != 127 : (c == '\r' || c == '\n' || c == '\t');
      FUZZ_CHECK(ok, "control byte shown to the observer", line);
    }
    last_in = line;
    last_sensitive = sensitive;
  }
  void on_line_out(std::string_view, bool) override {}
  std::string last_in;
  bool last_sensitive = false;
};

// One response in `chunk` (written at once by write_response()); returns its status.
int check_response(std::string_view chunk, bool head) {
  std::string_view rest = chunk;
  auto line = [&]() -> std::string_view {
    const auto eol = rest.find("\r\n");
    FUZZ_CHECK(eol != rest.npos, "response line without CRLF", chunk);
    const std::string_view l = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    for (char c : l) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 32 && u != 127, "control byte in a response head", chunk);
    }
    return l;
  };
  const std::string_view status = line();
  FUZZ_CHECK(status.size() >= 13 && status.substr(0, 9) == "HTTP/1.1 " && status[12] == ' ',
             "malformed status line", status);
  int code = 0;
  for (char c : status.substr(9, 3)) {
    FUZZ_CHECK(c >= '0' && c <= '9', "status code not three digits", status);
    code = code * 10 + (c - '0');
  }
  http::Fields fields;
  for (std::string_view l = line(); !l.empty(); l = line()) {
    auto f = http::parse_field_line(l);
    FUZZ_CHECK(f.has_value(), "malformed field line in a response", l);
    fields.push_back(std::move(*f));
  }
  FUZZ_CHECK(http::count_fields(fields, "Content-Length") == 1, "not one Content-Length", chunk);
  FUZZ_CHECK(http::count_fields(fields, "Server") == 1, "not one Server field", chunk);
  const http::BodyLength len = http::body_length(fields);
  FUZZ_CHECK(len.kind == http::BodyLength::Length, "unusable Content-Length", chunk);
  FUZZ_CHECK(rest.size() == (head ? 0 : len.length),
             "body length differs from Content-Length (or trailing bytes)", chunk);
  return code;
}

struct Run {
  http::ServerConfig cfg;
  http::ServerSession server;
  Observer obs;
  std::uint8_t owner;
  unsigned requests = 0, answers = 0;
  bool deferred = false;  // a RequestReceived waits for the Respond action
  http::Request pending;
  std::string output;
  bool closed = false, machine_rejected = false, used_controls = false;

  Run(const http::ServerConfig& c, std::uint8_t o) : cfg(c), server(c), owner(o) {
    server.set_observer(&obs);
    server.start();
  }

  void check_state() const {
    FUZZ_CHECK(static_cast<int>(server.state()) == obs.state,
               "state() differs from the last transition");
  }

  // Output the machine wrote on its own (a rejected request or a timeout).
  void take_machine() {
    const std::string chunk = server.take_output();
    check_state();
    if (chunk.empty()) return;
    FUZZ_CHECK(!closed && !machine_rejected, "output after the connection closed", chunk);
    const int code = check_response(chunk, false);
    FUZZ_CHECK(code >= 400 && code < 600, "the machine wrote a non-error response", chunk);
    FUZZ_CHECK(chunk.find("\r\nConnection: close\r\n") != chunk.npos,
               "an error reply without Connection: close", chunk);
    FUZZ_CHECK(server.state() == http::ServerState::Closed, "open after an error reply", chunk);
    FUZZ_CHECK(chunk.size() <= kResponseOverhead + 200, "error reply too long", chunk);
    machine_rejected = true;
    output += chunk;
  }

  void check_request(const http::Request& r) const {
    FUZZ_CHECK(http::is_token(r.method), "request method not a token", r.method);
    FUZZ_CHECK(!r.target.empty() && r.target.front() == '/', "target not origin-form", r.target);
    FUZZ_CHECK(r.version.size() == 8 && r.version.substr(0, 7) == "HTTP/1.", "version", r.version);
    const std::size_t hosts = http::count_fields(r.fields, "Host");
    FUZZ_CHECK(hosts <= 1, "more than one Host accepted");
    if (r.version != "HTTP/1.0") FUZZ_CHECK(hosts == 1, "HTTP/1.x (x > 0) request without Host");
    FUZZ_CHECK(r.fields.size() <= cfg.limits.max_fields, "more fields than the limit");
    const http::BodyLength len = http::body_length(r.fields);
    FUZZ_CHECK(len.kind == http::BodyLength::Length || len.kind == http::BodyLength::Absent,
               "request with unusable framing handed out");
    FUZZ_CHECK(r.body.size() == len.length, "body length differs from Content-Length");
    FUZZ_CHECK(r.body.size() <= cfg.limits.max_body, "body over the limit");
    if (r.method == "POST" || r.method == "PUT")
      FUZZ_CHECK(len.kind == http::BodyLength::Length, "POST without Content-Length");
    // The login form's password is shown redacted (the observer saw the body last).
    const bool form = smtpsim::smtp::istarts_with(r.field("Content-Type").value_or(""),
                                                  "application/x-www-form-urlencoded");
    const std::string part = "password=" + std::string(kPassword);
    const auto at = r.body.find(part);
    const bool is_part = at != r.body.npos && (at == 0 || r.body[at - 1] == '&') &&
                         (at + part.size() == r.body.size() || r.body[at + part.size()] == '&');
    if (form && is_part && r.body.find(kPassword, at + part.size()) == r.body.npos &&
        r.body.find(kPassword) == at + 9) {
      FUZZ_CHECK(obs.last_sensitive, "form with a password not flagged sensitive", r.body);
      FUZZ_CHECK(obs.last_in.find(kPassword) == std::string::npos, "password shown", obs.last_in);
    }
  }

  // The owner's answer, like WebmailService::answer().
  void respond(const http::Request& r) {
    http::Response resp;
    resp.status = r.target == "/login" ? 200 : (r.target == "/inbox" ? 200 : 404);
    if (r.method != "GET" && r.method != "POST" && r.method != "HEAD") resp.status = 405;
    resp.fields.emplace_back("Content-Type", "text/plain; charset=utf-8");
    if (r.target == "/login") resp.fields.emplace_back("Set-Cookie", "session=c0ffee; Secure");
    if (resp.status == 405) resp.fields.emplace_back("Allow", "GET, POST");
    resp.body = r.target.substr(0, kOwnerBody - 2) + "\r\n";
    const bool close = owner & 0x80;
    const bool asked_close =
        close || smtpsim::smtp::iequals(r.field("Connection").value_or(""), "close") ||
        (r.version == "HTTP/1.0" &&
         !smtpsim::smtp::iequals(r.field("Connection").value_or(""), "keep-alive"));
    server.respond(std::move(resp), close);
    ++answers;
    const std::string chunk = server.take_output();
    check_state();
    FUZZ_CHECK(!chunk.empty(), "respond() in HANDLING wrote nothing");
    check_response(chunk, r.method == "HEAD");
    const bool says_close = chunk.find("\r\nConnection: close\r\n") != chunk.npos;
    FUZZ_CHECK(says_close == asked_close, "Connection: close not as RFC 9112 §9.3 says", chunk);
    FUZZ_CHECK((server.state() == http::ServerState::Closed) == says_close,
               "closed without saying so, or said so and stayed open", chunk);
    output += chunk;
  }

  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      const auto ev = server.next_event();
      take_machine();
      if (closed) {
        FUZZ_CHECK(std::holds_alternative<se::Closed>(ev), "event other than Closed after Closed");
        return;
      }
      if (const auto* r = std::get_if<se::RequestReceived>(&ev)) {
        FUZZ_CHECK(!deferred, "a second request while one is unanswered");
        FUZZ_CHECK(server.state() == http::ServerState::Handling, "request outside HANDLING");
        check_request(r->request);
        const bool answer_now = (owner >> (requests++ % 7)) & 1;
        if (answer_now) {
          respond(r->request);
        } else {
          deferred = true;
          pending = r->request;
        }
        continue;
      }
      if (std::holds_alternative<se::Closed>(ev)) {
        FUZZ_CHECK(server.state() == http::ServerState::Closed, "Closed event while open");
        closed = true;
        deferred = false;  // the browser has gone: nothing to answer (respond() is a no-op)
        continue;
      }
      FUZZ_CHECK(std::holds_alternative<se::NeedData>(ev), "unexpected event (StartTls?)");
      FUZZ_CHECK(server.state() != http::ServerState::Closed, "NeedData while closed");
      if (deferred) {
        FUZZ_CHECK(server.state() == http::ServerState::Handling, "left HANDLING unanswered");
      }
      return;
    }
    fail("next_event() loop does not settle");
  }

  void deferred_answer() {
    if (!deferred) return;
    deferred = false;
    respond(pending);
    pump();
  }
  // After EOF the owner answers everything still waiting (pipelined requests included).
  void answer_all() {
    while (deferred) deferred_answer();
  }

  void run(const std::vector<Step>& steps) {
    for (const auto& st : steps) {
      const bool was_closed = closed;
      server.receive(st.bytes);
      pump();
      if (was_closed) FUZZ_CHECK(output.size() == out_mark, "accepted bytes after closing");
      switch (st.action) {
        case Action::Segment:
        case Action::LiteralFF:
          break;
        case Action::Eof:
          used_controls = true;
          server.receive_eof();
          pump();
          answer_all();
          FUZZ_CHECK(closed, "EOF did not close the session once answered");
          break;
        case Action::Timeout: {
          used_controls = true;
          const auto before = server.state();
          server.timeout();
          take_machine();
          if (before == http::ServerState::Handling) {
            FUZZ_CHECK(server.state() == before, "timeout() while the owner is busy had an effect");
          } else {
            FUZZ_CHECK(server.state() == http::ServerState::Closed, "timeout() did not close");
          }
          pump();
          break;
        }
        case Action::Respond:
          used_controls = true;
          deferred_answer();
          break;
      }
      out_mark = output.size();
    }
    server.receive_eof();
    pump();
    answer_all();
    FUZZ_CHECK(closed, "session still open after EOF was drained");
    FUZZ_CHECK(output.size() <= (answers + 1) * (kOwnerBody + kResponseOverhead),
               "output not bounded by the responses asked for");
  }
  std::size_t out_mark = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const http::ServerConfig cfg = make_config(data[0]);
  const auto steps = smtpsim::fuzz::split_input<Action, 5>(data + 2, size - 2);
  Run run(cfg, data[1]);
  run.run(steps);
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "--- server said:\n%s---\n", run.output.c_str());
  }
  // Differential: without driver actions, segmentation must not matter (RFC 9112 is a byte
  // stream; TCP segment boundaries carry no meaning).
  if (!run.used_controls && steps.size() > 1) {
    std::string all;
    for (const auto& st : steps) all += st.bytes;
    Run whole(cfg, data[1]);
    whole.run({Step{Action::Segment, all}});
    FUZZ_CHECK(whole.output == run.output, "segmentation changed the server's replies", run.output);
  }
  return 0;
}
