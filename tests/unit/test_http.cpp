// The HTTP/1.1 machines (sim/proto/http): server framing with every-byte splits, bad input
// answered with the RFC's status and a closed connection, the client reading responses,
// client against server in memory, form encoding and redaction, the transition tables.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/proto/http/client_session.hpp"
#include "sim/proto/http/server_session.hpp"

namespace http = smtpsim::http;
namespace proto = smtpsim::proto;

namespace {

struct Recorder : proto::SessionObserver {
  std::vector<std::string> in, out, transitions;
  std::vector<bool> in_sensitive, out_sensitive;
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    transitions.push_back(std::string(spec.state(from).name) + "->" +
                          std::string(spec.state(to).name) + " " + std::string(trigger));
  }
  void on_line_in(std::string_view line, bool sensitive) override {
    in.emplace_back(line);
    in_sensitive.push_back(sensitive);
  }
  void on_line_out(std::string_view line, bool sensitive) override {
    out.emplace_back(line);
    out_sensitive.push_back(sensitive);
  }
};

// Feeds `bytes` in pieces of `step` octets; collects the requests and answers each with 200
// and the body "ok <target>". Returns everything the server wrote.
struct ServerRun {
  std::vector<http::Request> requests;
  std::string output;
  bool closed = false;
};

ServerRun run_server(std::string_view bytes, std::size_t step, bool eof = true,
                     http::ServerConfig cfg = {}) {
  http::ServerSession s(cfg);
  ServerRun r;
  s.start();
  auto drain = [&] {
    while (true) {
      auto ev = s.next_event();
      r.output += s.take_output();
      if (auto* q = std::get_if<http::server_event::RequestReceived>(&ev)) {
        r.requests.push_back(q->request);
        http::Response resp;
        resp.body = "ok " + q->request.target;
        s.respond(resp);
        r.output += s.take_output();
        continue;
      }
      if (std::holds_alternative<http::server_event::Closed>(ev)) r.closed = true;
      return;
    }
  };
  for (std::size_t i = 0; i < bytes.size(); i += step) {
    s.receive(bytes.substr(i, step));
    drain();
    if (r.closed) return r;
  }
  if (eof) s.receive_eof();
  drain();
  return r;
}

constexpr std::string_view kLogin =
    "POST /login HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 28\r\n"
    "\r\n"
    "user=alice&password=s3cr%26t";

constexpr std::string_view kInbox =
    "GET /inbox HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "Cookie: session=s1\r\n"
    "\r\n";

TEST(HttpServer, EveryByteSplitGivesTheSameRequests) {
  const std::string both = std::string(kLogin) + std::string(kInbox);
  const ServerRun whole = run_server(both, both.size());
  ASSERT_EQ(whole.requests.size(), 2u);
  EXPECT_EQ(whole.requests[0].method, "POST");
  EXPECT_EQ(whole.requests[0].target, "/login");
  EXPECT_EQ(whole.requests[0].body, "user=alice&password=s3cr%26t");
  EXPECT_EQ(whole.requests[1].target, "/inbox");
  EXPECT_EQ(whole.requests[1].field("cookie").value_or(""), "session=s1");
  EXPECT_TRUE(whole.closed);  // the client closed after its two requests
  for (std::size_t step = 1; step < both.size(); ++step) {
    const ServerRun split = run_server(both, step);
    ASSERT_EQ(split.requests.size(), 2u) << "step " << step;
    EXPECT_EQ(split.requests[0].body, whole.requests[0].body) << "step " << step;
    EXPECT_EQ(split.requests[1].fields, whole.requests[1].fields) << "step " << step;
    EXPECT_EQ(split.output, whole.output) << "step " << step;
  }
}

TEST(HttpServer, ResponseHasStatusLineLengthAndKeepsTheConnection) {
  const ServerRun r = run_server(kInbox, kInbox.size(), /*eof=*/false);
  EXPECT_EQ(r.output,
            "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nServer: smtpsim-webmail\r\n\r\nok /inbox");
  EXPECT_FALSE(r.closed);
}

TEST(HttpServer, ConnectionCloseAndHttp10CloseAfterTheResponse) {
  const ServerRun a = run_server(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n", 1000, false);
  ASSERT_EQ(a.requests.size(), 1u);
  EXPECT_NE(a.output.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(a.closed);
  const ServerRun b = run_server("GET / HTTP/1.0\r\n\r\n", 1000, false);  // no Host needed
  ASSERT_EQ(b.requests.size(), 1u);
  EXPECT_TRUE(b.closed);
}

TEST(HttpServer, EmptyLinesBeforeARequestAreIgnored) {
  const ServerRun r = run_server("\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", 1000, false);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0].target, "/x");
}

struct BadCase {
  const char* name;
  std::string input;
  int status;
};

TEST(HttpServer, BadInputIsAnsweredAndTheConnectionCloses) {
  const std::string long_target = "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n";
  std::string many_fields = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 120; ++i) many_fields += "X-" + std::to_string(i) + ": v\r\n";
  const std::vector<BadCase> cases = {
      {"two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"no version", "GET /\r\nHost: h\r\n\r\n", 400},
      {"absolute target", "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"bad method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400},
      {"HTTP/2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
      {"bare LF", "GET / HTTP/1.1\nHost: h\n\n", 400},
      {"bare LF in fields", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
      // RFC 9110 §2.5: a later 1.x minor version is read as HTTP/1.1, Host rule included.
      {"HTTP/1.2 without Host", "GET / HTTP/1.2\r\n\r\n", 400},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400},
      {"NUL in value", std::string("GET / HTTP/1.1\r\nHost: h\0x\r\n\r\n", 30), 400},
      {"CR in value", "GET / HTTP/1.1\r\nHost: h\rx\r\n\r\n", 400},
      {"bad Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\nx", 400},
      {"negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
      {"two Content-Lengths",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400},
      {"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
      {"chunked and length (smuggling)",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       501},
      {"POST without length", "POST /send HTTP/1.1\r\nHost: h\r\n\r\n", 411},
      {"body too large", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999\r\n\r\n", 413},
      {"request line too long", long_target, 414},
      {"endless request line", "GET /" + std::string(9000, 'a'), 414},
      {"field line too long", "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"too many fields", many_fields + "\r\n", 431},
      {"TLS hello on a plain port",
       std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n", 400},
  };
  for (const auto& c : cases) {
    const std::string want = "HTTP/1.1 " + std::to_string(c.status) + " ";
    const ServerRun r = run_server(c.input, c.input.size(), /*eof=*/false);
    EXPECT_TRUE(r.requests.empty()) << c.name;
    EXPECT_EQ(r.output.substr(0, want.size()), want) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find("Connection: close\r\n"), std::string::npos) << c.name;
    EXPECT_TRUE(r.closed) << c.name;
    // The same answer whatever the segmenting.
    const ServerRun bytewise = run_server(c.input, 1, false);
    EXPECT_EQ(bytewise.output, r.output) << c.name << " (byte by byte)";
  }
}

TEST(HttpServer, TruncatedRequestJustCloses) {
  const ServerRun r = run_server("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", 7);
  EXPECT_TRUE(r.requests.empty());
  EXPECT_TRUE(r.output.empty());
  EXPECT_TRUE(r.closed);
}

TEST(HttpServer, TimeoutMidRequestAnswers408AndIdleJustCloses) {
  http::ServerSession s;
  s.receive("GET / HTTP/1.1\r\nHo");
  EXPECT_TRUE(std::holds_alternative<http::server_event::NeedData>(s.next_event()));
  s.timeout();
  EXPECT_EQ(s.take_output().substr(0, 21), "HTTP/1.1 408 Request ");
  EXPECT_TRUE(std::holds_alternative<http::server_event::Closed>(s.next_event()));
  http::ServerSession idle;
  idle.timeout();
  EXPECT_TRUE(idle.take_output().empty());
  EXPECT_EQ(idle.state(), http::ServerState::Closed);
  // Half a request line is a request that has begun (RFC 9110 §15.5.9), though the machine
  // is still in IDLE; leading empty lines are not (RFC 9112 §2.2).
  http::ServerSession partial;
  partial.receive("\r\n\r\nGET /inb");
  EXPECT_TRUE(std::holds_alternative<http::server_event::NeedData>(partial.next_event()));
  EXPECT_EQ(partial.state(), http::ServerState::Idle);
  partial.timeout();
  EXPECT_EQ(partial.take_output().substr(0, 21), "HTTP/1.1 408 Request ");
  EXPECT_EQ(partial.state(), http::ServerState::Closed);
  http::ServerSession blank;
  blank.receive("\r\n\r\n");
  EXPECT_TRUE(std::holds_alternative<http::server_event::NeedData>(blank.next_event()));
  blank.timeout();
  EXPECT_TRUE(blank.take_output().empty());
}

// Found by fuzz_http_server: a form body went to the observer (the trace, the GUI) as raw
// bytes, control bytes and length unchecked, while every other body is printable() and cut.
TEST(HttpServer, FormBodiesReachTheObserverPrintableAndBounded) {
  http::ServerSession s;
  Recorder rec;
  s.set_observer(&rec);
  const std::string body =
      "user=al\x1b[2Jice&password=x\x01y&note=" + std::string(6000, 'z') + "\x7f";
  s.receive(
      "POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  auto ev = s.next_event();
  ASSERT_TRUE(std::holds_alternative<http::server_event::RequestReceived>(ev));
  EXPECT_EQ(std::get<http::server_event::RequestReceived>(ev).request.body, body);  // untouched
  const std::string& shown = rec.in.back();
  EXPECT_TRUE(rec.in_sensitive.back());
  EXPECT_EQ(shown.substr(0, 41), "user=al?[2Jice&password=[redacted]&note=z");
  EXPECT_LE(shown.size(), 4003u);
  EXPECT_EQ(shown.substr(shown.size() - 3), "...");
  for (char c : shown) EXPECT_TRUE(static_cast<unsigned char>(c) >= 32 && c != 127) << int(c);
}

TEST(HttpServer, HeadGetsNoBodyAndPasswordsAreRedactedForTheObserver) {
  http::ServerSession s;
  Recorder rec;
  s.set_observer(&rec);
  s.receive(kLogin);
  auto ev = s.next_event();
  ASSERT_TRUE(std::holds_alternative<http::server_event::RequestReceived>(ev));
  ASSERT_FALSE(rec.in.empty());
  EXPECT_EQ(rec.in.back(), "user=alice&password=[redacted]");
  EXPECT_TRUE(rec.in_sensitive.back());
  for (const auto& l : rec.in) EXPECT_EQ(l.find("s3cr"), std::string::npos) << l;
  s.respond(http::Response{.status = 200, .reason = {}, .fields = {}, .body = "hello"});
  s.take_output();
  s.receive("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(std::holds_alternative<http::server_event::RequestReceived>(s.next_event()));
  s.respond(http::Response{.status = 200, .reason = {}, .fields = {}, .body = "hello"});
  const std::string out = s.take_output();
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.find("hello"), std::string::npos);
  EXPECT_EQ(rec.transitions.front(), "IDLE->HEADERS request line");
}

// ---- client ---------------------------------------------------------------------------

struct ClientRun {
  std::vector<http::Response> responses;
  std::vector<std::string> failures;
  std::string output;
  bool closed = false;
};

ClientRun run_client(std::string_view server_bytes, std::size_t step, bool eof,
                     std::string method = "GET") {
  http::ClientSession c(http::ClientConfig{.host = "www.example.com"});
  ClientRun r;
  c.start();
  c.request(http::Request{.method = method, .target = "/inbox"});
  c.finish();
  auto drain = [&] {
    while (true) {
      auto ev = c.next_event();
      r.output += c.take_output();
      if (auto* resp = std::get_if<http::client_event::ResponseReceived>(&ev)) {
        r.responses.push_back(resp->response);
      } else if (auto* f = std::get_if<http::client_event::Failed>(&ev)) {
        r.failures.push_back(f->reason);
      } else {
        if (std::holds_alternative<http::client_event::Closed>(ev)) r.closed = true;
        return;
      }
    }
  };
  drain();
  for (std::size_t i = 0; i < server_bytes.size(); i += step) {
    c.receive(server_bytes.substr(i, step));
    drain();
  }
  if (eof) c.receive_eof();
  drain();
  return r;
}

TEST(HttpClient, WritesHostFirstAndReadsAResponseAtEveryByteSplit) {
  const std::string resp =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t step = 1; step <= resp.size(); ++step) {
    const ClientRun r = run_client(resp, step, false);
    ASSERT_EQ(r.responses.size(), 1u) << "step " << step;
    EXPECT_EQ(r.responses[0].status, 200);
    EXPECT_EQ(r.responses[0].reason, "OK");
    EXPECT_EQ(r.responses[0].body, "hello");
    EXPECT_TRUE(r.failures.empty());
    EXPECT_TRUE(r.closed) << "finish() closes once the queue is empty";
    EXPECT_EQ(r.output,
              "GET /inbox HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: "
              "smtpsim-browser\r\n\r\n");
  }
}

TEST(HttpClient, BodyUntilCloseAndNoBodyForHeadOr204) {
  const ClientRun a = run_client("HTTP/1.1 200 OK\r\n\r\nall of it", 4, true);
  ASSERT_EQ(a.responses.size(), 1u);
  EXPECT_EQ(a.responses[0].body, "all of it");
  const ClientRun b =
      run_client("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", 100, false, "HEAD");
  ASSERT_EQ(b.responses.size(), 1u);
  EXPECT_TRUE(b.responses[0].body.empty());
  const ClientRun c = run_client("HTTP/1.1 204 No Content\r\n\r\n", 100, false);
  ASSERT_EQ(c.responses.size(), 1u);
  EXPECT_EQ(c.responses[0].status, 204);
}

TEST(HttpClient, MalformedResponsesFailTheSession) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"not HTTP", "SMTP/1.1 200 OK\r\n\r\n"},
      {"short code", "HTTP/1.1 20 OK\r\n\r\n"},
      {"bare LF", "HTTP/1.1 200 OK\n\n"},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"},
      {"bad field", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"},
      {"too long", "HTTP/1.1 200 OK\r\nX: " + std::string(9000, 'a')},
      {"body too large", "HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n"},
      {"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
  };
  for (const auto& [name, bytes] : cases) {
    const ClientRun r = run_client(bytes, bytes.size(), true);
    EXPECT_TRUE(r.responses.empty()) << name;
    EXPECT_EQ(r.failures.size(), 1u) << name;
    EXPECT_TRUE(r.closed) << name;
  }
}

TEST(HttpClient, RefusesMalformedRequestsFromItsOwner) {
  http::ClientSession c(http::ClientConfig{.host = "h"});
  EXPECT_THROW(c.request(http::Request{.method = "GE T", .target = "/"}), std::invalid_argument);
  EXPECT_THROW(c.request(http::Request{.method = "GET", .target = "/a b"}), std::invalid_argument);
  EXPECT_THROW(
      c.request(http::Request{.method = "GET", .target = "/", .fields = {{"X", "a\r\nB: c"}}}),
      std::invalid_argument);
  c.finish();
  EXPECT_THROW(c.request(http::Request{.method = "GET", .target = "/"}), std::logic_error);
}

// ---- both ends --------------------------------------------------------------------------

TEST(HttpPair, LoginThenInboxOverOneConnectionWithRedaction) {
  http::ClientSession c(http::ClientConfig{.host = "www.example.com"});
  http::ServerSession s;
  Recorder crec;
  c.set_observer(&crec);
  c.start();
  http::Form form{{"user", "alice"}, {"password", "p&ss word"}};
  c.request(http::Request{.method = "POST",
                          .target = "/login",
                          .fields = {{"Content-Type", "application/x-www-form-urlencoded"}},
                          .body = http::form_encode(form)});
  c.request(http::Request{.method = "GET", .target = "/inbox"});
  c.finish();
  std::vector<http::Request> seen;
  std::vector<http::Response> got;
  for (int round = 0; round < 20; ++round) {
    while (true) {
      auto ev = c.next_event();
      if (auto* r = std::get_if<http::client_event::ResponseReceived>(&ev)) {
        got.push_back(r->response);
        continue;
      }
      break;
    }
    s.receive(c.take_output());
    while (true) {
      auto ev = s.next_event();
      if (auto* q = std::get_if<http::server_event::RequestReceived>(&ev)) {
        seen.push_back(q->request);
        s.respond(
            http::Response{.status = 200, .reason = {}, .fields = {}, .body = q->request.target});
        continue;
      }
      break;
    }
    c.receive(s.take_output());
  }
  ASSERT_EQ(seen.size(), 2u);
  const auto decoded = http::form_decode(seen[0].body);
  EXPECT_EQ(http::form_value(decoded, "password").value_or(""), "p&ss word");
  EXPECT_EQ(http::form_value(decoded, "user").value_or(""), "alice");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body, "/inbox");
  EXPECT_EQ(c.state(), http::ClientState::Closed);
  for (const auto& l : crec.out) EXPECT_EQ(l.find("p%26ss"), std::string::npos) << l;
  const auto shown = std::find(crec.out.begin(), crec.out.end(), "user=alice&password=[redacted]");
  ASSERT_NE(shown, crec.out.end());
  EXPECT_TRUE(crec.out_sensitive[static_cast<std::size_t>(shown - crec.out.begin())]);
}

TEST(HttpText, FormsAndRedaction) {
  EXPECT_EQ(http::form_encode({{"to", "bob@example.net"}, {"body", "Hi Bob,\r\nlunch?"}}),
            "to=bob%40example.net&body=Hi+Bob%2C%0D%0Alunch%3F");
  const auto f = http::form_decode("a=1&&b=%zz&c&d=x+y%21");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[1].second, "%zz");
  EXPECT_EQ(f[2].first, "c");
  EXPECT_EQ(f[3].second, "x y!");
  bool redacted = false;
  EXPECT_EQ(http::redact_form("user=a&Passwd=x&pass=&to=b", redacted),
            "user=a&Passwd=[redacted]&pass=[redacted]&to=b");
  EXPECT_TRUE(redacted);
  EXPECT_EQ(http::redact_form("to=b", redacted), "to=b");
  EXPECT_FALSE(redacted);
}

TEST(HttpTables, EveryStateIsReachableAndNamed) {
  for (const proto::MachineSpec* spec :
       {&http::server_machine_spec(), &http::client_machine_spec()}) {
    for (const auto& s : spec->states) {
      EXPECT_FALSE(s.caption.empty());
      bool reached = s.id == 0;
      for (const auto& t : spec->transitions) reached = reached || t.to == s.id;
      EXPECT_TRUE(reached) << spec->name << " " << s.name;
    }
    EXPECT_NE(proto::render_dot(*spec).find("digraph"), std::string::npos);
  }
}

}  // namespace
