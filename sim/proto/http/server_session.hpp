// The HTTP/1.1 server machine (RFC 9112 message syntax, RFC 9110 semantics), sans-I/O like
// the mail machines: receive(bytes) -> next_event() -> the owner answers a Request with
// respond() (now or later) -> take_output(). One request at a time: pipelined requests wait
// in the buffer until the previous response is out (RFC 9112 §9.3.2).
//
// Trust: every input byte is hostile. Lines are bounded (request line 414, field lines and
// their number 431), only CRLF ends a line, malformed request lines, field lines, a missing
// or repeated Host (RFC 9112 §3.2) and an unusable Content-Length are answered 400, a
// transfer coding 501 (none is implemented, RFC 9112 §6.1), a POST without a length 411,
// a body over the limit 413; after any of these the connection closes, because the framing
// of what follows cannot be trusted (RFC 9112 §6.3). Form bodies with a password field are
// shown to the observer redacted. The owner's responses are trusted to be well formed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/http/framing.hpp"
#include "sim/proto/http/message.hpp"
#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::http {

struct ServerConfig {
  bool tls_active = false;  // HTTPS on 443: TLS from the first byte (RFC 9110 §4.2.2)
  Limits limits;
  std::string server = "smtpsim-webmail";  // the Server field (RFC 9110 §10.2.4)
};

enum class ServerState : int { Idle, Headers, Body, Handling, Closed };
const proto::MachineSpec& server_machine_spec();

namespace server_event {
struct NeedData {};  // flush take_output(), feed more bytes
struct Closed {};    // flush take_output(), then close the connection
// Never produced: HTTP has no STARTTLS (TLS is implicit on 443). Present so the shared
// driver (nodes::MachineConn) can drive this machine like the others.
struct StartTls {};
// A complete request: answer with respond() (the machine waits in Handling until then).
struct RequestReceived {
  Request request;
};
}  // namespace server_event

using ServerEvent = std::variant<server_event::NeedData, server_event::Closed,
                                 server_event::StartTls, server_event::RequestReceived>;

class ServerSession {
 public:
  explicit ServerSession(ServerConfig config = {});

  void start() {}  // the client speaks first
  void receive(std::string_view bytes);
  void receive_eof();
  ServerEvent next_event();

  // The answer to the pending request. Adds Content-Length, Server, and Connection: close
  // when the connection ends after it (the client asked, HTTP/1.0, or `close`).
  void respond(Response r, bool close = false);

  void tls_established() {}
  // The client went quiet: 408 if a request had begun (RFC 9110 §15.5.9), then close.
  void timeout();

  std::string take_output();
  ServerState state() const { return state_; }
  bool tls_active() const { return cfg_.tls_active; }
  static constexpr std::chrono::seconds idle_timeout() { return std::chrono::seconds(60); }
  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  void enter(ServerState to, std::string_view trigger);
  // Answers an unusable request with `status` and closes (the trigger names why).
  void reject(int status, std::string_view why, std::string_view trigger);
  void write_response(const Response& r, bool close, bool head);
  void line_out(std::string_view line);
  void observe_in(std::string_view line);
  bool request_line(std::string_view line);
  bool end_of_fields();

  ServerConfig cfg_;
  ServerState state_ = ServerState::Idle;
  proto::SessionObserver* observer_ = nullptr;
  std::string in_;
  std::size_t in_pos_ = 0;
  bool eof_ = false;
  std::string out_;
  Request req_;
  std::size_t body_left_ = 0;
  bool pending_ = false;  // RequestReceived not yet handed out
};

}  // namespace smtpsim::http
