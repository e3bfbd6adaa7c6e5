// libFuzzer target for the HTTP/1.1 client machine (sim/proto/http/client_session.hpp).
// The input is a web server's side of one connection, cut into TCP segments by the fuzzer:
//
//   byte 0   ClientConfig: TLS (https), small limits for line length, field count, body
//   byte 1   the owner (like nodes::Browser): which pages it asks for before and after the
//            login answer, whether it calls finish() at once or once nothing is outstanding
//            (Browser) or keeps the connection for more clicks
//   rest     server bytes; 0xFF is an escape, the byte after it a driver or owner action
//            (end of segment, EOF, timeout, the user opens another page), see Action
//
// Checked on every run: the state moves only along the transition table (every observed
// transition starts where the last one ended and state() agrees); output is whole requests,
// in the order request() queued them, Host first, a Content-Length matching the body, and
// never a request before the previous response is complete (no pipelining); responses come
// once per id, in order, final (>= 200), with no body for HEAD, 204 and 304, a body matching
// a valid Content-Length and never over max_body, at most max_fields fields; Failed has a
// reason and only Closed follows it; nothing written, accepted or reported but Closed after
// Closed; the form's password never reaches the observer, which sees no control bytes; after
// EOF the session always closes; and, without driver actions, the same bytes fed as one
// segment give the same requests and responses.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/http/client_session.hpp"
#include "tests/fuzz/fuzz_script.hpp"

namespace http = smtpsim::http;
namespace ce = smtpsim::http::client_event;
namespace proto = smtpsim::proto;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  smtpsim::fuzz::fail("fuzz_http_client", what, detail);
}

enum class Action : std::uint8_t {
  Segment = 0,    // feed what we have as one segment, then let the owner drive
  Eof = 1,        // the server closed its side
  Timeout = 2,    // the response timer fired
  Open = 3,       // the user clicks: one more page on this connection
  LiteralFF = 4,  // a literal 0xFF data byte
};

using Step = smtpsim::fuzz::Step<Action>;

constexpr std::string_view kPassword = "s3cr&t pw";  // form-encoded "s3cr%26t+pw"
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

http::ClientConfig make_config(std::uint8_t a) {
  http::ClientConfig c;
  c.host = "www.example.com";
  c.tls_active = a & 0x01;
  if (a & 0x02) c.limits.max_line = 48;
  if (a & 0x04) c.limits.max_fields = 3;
  if (a & 0x08) c.limits.max_body = 16;
  return c;
}

struct Observer : proto::SessionObserver {
  int state = static_cast<int>(http::ClientState::Idle);
  bool closed_seen = false;
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    FUZZ_CHECK(from == state, "transition does not start where the last one ended", trigger);
    FUZZ_CHECK(spec.allows(from, to, trigger), "transition not in the table", trigger);
    FUZZ_CHECK(!closed_seen, "transition out of CLOSED", trigger);
    state = to;
    closed_seen = to == static_cast<int>(http::ClientState::Closed);
  }
  void on_line_out(std::string_view line, bool) override {
    FUZZ_CHECK(line.find("s3cr") == line.npos, "the password reached the observer", line);
  }
  // The server's bytes as the trace shows them: sanitized lines, printable bodies, bounded.
  void on_line_in(std::string_view line, bool) override {
    FUZZ_CHECK(line.size() <= 4003, "observer line not bounded", line.substr(0, 200));
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      const bool ok = u >= 32 ? u != 127 : (c == '\r' || c == '\n' || c == '\t');
      FUZZ_CHECK(ok, "control byte shown to the observer", line);
    }
  }
};

struct Issued {
  std::uint32_t id;
  std::string method, target, body;
};

struct Run {
  http::ClientConfig cfg;
  http::ClientSession client;
  Observer obs;
  std::uint8_t owner;
  std::deque<Issued> sent_order;   // queued, in order: what the output must show
  std::deque<Issued> outstanding;  // written or queued, awaiting a response
  std::size_t written = 0, answered = 0;
  std::string stream, log;  // every byte written; a record of events for the differential
  std::size_t parsed = 0;
  bool closed = false, failed = false, finishing = false, used_controls = false;

  Run(const http::ClientConfig& c, std::uint8_t o) : cfg(c), client(c), owner(o) {
    client.set_observer(&obs);
    // nodes::Browser queues the login form before it connects when it has no cookie.
    if (owner & 0x01) login();
    client.start();
    take();
    if (!(owner & 0x01)) page("GET", "/inbox");
    if (owner & 0x04) page("HEAD", "/");
    if (owner & 0x08) finish();
  }

  // request() throws once the machine is closed, and it closes itself on "Connection: close"
  // or EOF before the owner has taken the response: a careful owner asks state() first.
  bool can_issue() const {
    return !closed && !failed && !finishing && client.state() != http::ClientState::Closed;
  }

  void queue(http::Request r) {
    const Issued is{0, r.method, r.target, r.body};
    const std::uint32_t id = client.request(std::move(r));
    FUZZ_CHECK(sent_order.empty() || id > sent_order.back().id, "request ids not increasing");
    Issued with_id = is;
    with_id.id = id;
    sent_order.push_back(with_id);
    outstanding.push_back(with_id);
    take();
  }
  void login() {
    queue(http::Request{
        .method = "POST",
        .target = "/login",
        .fields = {{"Content-Type", std::string(kForm)}},
        .body = http::form_encode({{"user", "alice"}, {"password", std::string(kPassword)}})});
  }
  void page(const char* method, const char* target) {
    if (!can_issue()) return;
    queue(http::Request{
        .method = method, .target = target, .fields = {{"Cookie", "session=c0ffee"}}, .body = {}});
  }
  void finish() {
    if (closed || finishing) return;  // finish() on a closed machine is harmless
    finishing = true;
    client.finish();
    take();
  }

  void check_state() const {
    FUZZ_CHECK(static_cast<int>(client.state()) == obs.state,
               "state() differs from the last transition");
  }

  // Parses what the client wrote: whole requests, in queue order, one at a time.
  void take() {
    const std::string chunk = client.take_output();
    check_state();
    if (chunk.empty()) return;
    FUZZ_CHECK(!closed, "output after Closed", chunk);
    stream += chunk;
    while (parsed < stream.size()) {
      std::size_t pos = parsed;
      auto line = [&]() -> std::string_view {
        const auto eol = stream.find("\r\n", pos);
        FUZZ_CHECK(eol != std::string::npos, "request line without CRLF", chunk);
        const std::string_view l(stream.data() + pos, eol - pos);
        pos = eol + 2;
        return l;
      };
      FUZZ_CHECK(written < sent_order.size(), "a request nobody queued", chunk);
      const Issued& want = sent_order[written];
      FUZZ_CHECK(line() == want.method + " " + want.target + " HTTP/1.1",
                 "request line differs from the queued request", chunk);
      FUZZ_CHECK(line() == "Host: " + cfg.host, "Host is not the first field", chunk);
      http::Fields fields;
      for (std::string_view l = line(); !l.empty(); l = line()) {
        auto f = http::parse_field_line(l);
        FUZZ_CHECK(f.has_value(), "malformed field in a request", l);
        fields.push_back(std::move(*f));
      }
      const http::BodyLength len = http::body_length(fields);
      if (!want.body.empty() || want.method == "POST") {
        FUZZ_CHECK(len.kind == http::BodyLength::Length, "body without Content-Length", chunk);
      }
      FUZZ_CHECK(len.length == want.body.size(), "Content-Length differs from the body", chunk);
      FUZZ_CHECK(stream.compare(pos, want.body.size(), want.body) == 0, "body differs", chunk);
      parsed = pos + want.body.size();
      ++written;
      // No pipelining: a request goes out only when every earlier one has its response.
      FUZZ_CHECK(written == answered + 1, "a request written before the last was answered");
    }
    FUZZ_CHECK(parsed == stream.size(), "partial request written");
  }

  void check_response(const ce::ResponseReceived& r) {
    FUZZ_CHECK(!failed && !closed, "a response after Failed or Closed");
    FUZZ_CHECK(!outstanding.empty() && outstanding.front().id == r.id,
               "response for an id not next in line");
    FUZZ_CHECK(answered < written, "a response to a request never written");
    const Issued req = outstanding.front();
    outstanding.pop_front();
    ++answered;
    const http::Response& resp = r.response;
    FUZZ_CHECK(resp.status >= 200 && resp.status <= 999, "interim or invalid final status");
    FUZZ_CHECK(resp.fields.size() <= cfg.limits.max_fields, "more fields than the limit");
    FUZZ_CHECK(resp.body.size() <= cfg.limits.max_body, "body over the limit");
    const bool no_body = req.method == "HEAD" || resp.status == 204 || resp.status == 304;
    if (no_body) FUZZ_CHECK(resp.body.empty(), "a body where RFC 9112 §6.3 allows none");
    const http::BodyLength len = http::body_length(resp.fields);
    if (!no_body) {
      FUZZ_CHECK(len.kind == http::BodyLength::Length || len.kind == http::BodyLength::Absent,
                 "a response with unusable framing handed out");
      if (len.kind == http::BodyLength::Length)
        FUZZ_CHECK(resp.body.size() == len.length, "body differs from Content-Length");
    }
    log += "R" + std::to_string(r.id) + " " + std::to_string(resp.status) + " " + resp.body + "\n";
    // The owner, like Browser: after the login answer the waiting pages go out; when nothing
    // is outstanding the connection is finished.
    if (req.target == "/login" && resp.status == 200 && resp.field("Set-Cookie") &&
        (owner & 0x02)) {
      page("GET", "/inbox");
      page("GET", "/message/1");
    }
    if (outstanding.empty() && !(owner & 0x10)) finish();
  }

  // Takes events until the client needs data or closes.
  void drive() {
    for (int guard = 0; guard < 100000; ++guard) {
      const auto ev = client.next_event();
      // The machine writes the next request as soon as a response is complete, before the
      // owner has taken the response: count it first.
      if (const auto* r = std::get_if<ce::ResponseReceived>(&ev)) {
        check_response(*r);
        take();
        continue;
      }
      take();
      if (closed) {
        FUZZ_CHECK(std::holds_alternative<ce::Closed>(ev), "event other than Closed after Closed");
        return;
      }
      if (std::holds_alternative<ce::NeedData>(ev)) {
        FUZZ_CHECK(client.state() != http::ClientState::Closed, "NeedData while closed");
        return;
      }
      if (std::holds_alternative<ce::Closed>(ev)) {
        FUZZ_CHECK(client.state() == http::ClientState::Closed, "Closed event while open");
        closed = true;
        log += "C\n";
        continue;
      }
      if (const auto* f = std::get_if<ce::Failed>(&ev)) {
        FUZZ_CHECK(!failed, "Failed twice");
        FUZZ_CHECK(!f->reason.empty(), "Failed without a reason");
        FUZZ_CHECK(client.state() == http::ClientState::Closed, "Failed but not closed");
        FUZZ_CHECK(client.queued() == 0, "queued requests kept after Failed");
        failed = true;
        log += "F " + f->reason + "\n";
        continue;
      }
      fail("unexpected event (StartTls?)");
    }
    fail("next_event() loop does not settle");
  }

  void run(const std::vector<Step>& steps) {
    drive();
    for (const auto& st : steps) {
      client.receive(st.bytes);
      drive();
      switch (st.action) {
        case Action::Segment:
        case Action::LiteralFF:
          break;
        case Action::Eof:
          used_controls = true;
          client.receive_eof();
          drive();
          FUZZ_CHECK(closed, "session still open after EOF");
          break;
        case Action::Timeout:
          used_controls = true;
          client.timeout();
          take();
          FUZZ_CHECK(client.state() == http::ClientState::Closed, "timeout() did not close");
          drive();
          break;
        case Action::Open:
          used_controls = true;
          page("GET", "/inbox");
          drive();
          break;
      }
    }
    client.receive_eof();
    drive();
    FUZZ_CHECK(closed, "session still open after EOF was drained");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const http::ClientConfig cfg = make_config(data[0]);
  const auto steps = smtpsim::fuzz::split_input<Action, 5>(data + 2, size - 2);
  Run run(cfg, data[1]);
  run.run(steps);
  if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    std::fprintf(stderr, "--- client wrote:\n%s--- events:\n%s", run.stream.c_str(),
                 run.log.c_str());
  }
  // Differential: without driver actions, segmentation must not matter.
  if (!run.used_controls && steps.size() > 1) {
    std::string all;
    for (const auto& st : steps) all += st.bytes;
    Run whole(cfg, data[1]);
    whole.run({Step{Action::Segment, all}});
    FUZZ_CHECK(whole.stream == run.stream, "segmentation changed the client's requests");
    FUZZ_CHECK(whole.log == run.log, "segmentation changed the events", run.log);
  }
  return 0;
}
