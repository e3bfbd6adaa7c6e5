// The HTTP/1.1 client machine (a browser's side of one connection), sans-I/O like the mail
// machines: request() queues a request, the machine writes them one at a time (no
// pipelining), reads each response (RFC 9112 §4 status line, §5 fields, §6.3 body length:
// none for HEAD, 1xx, 204 and 304, else Content-Length, else until the server closes) and
// reports it; interim 1xx responses are skipped (RFC 9110 §15.2). finish() closes once every
// queued request has its response.
//
// Trust: the server's bytes are hostile: bounded lines, field count and body, CRLF only; a
// malformed status line or field, a transfer coding (none is implemented) or an unusable
// Content-Length fails the session. The owner's requests are checked before sending (token
// method, origin-form target, field values without CR/LF/NUL). Form bodies with a password
// field are shown to the observer redacted.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/http/framing.hpp"
#include "sim/proto/http/message.hpp"
#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::http {

struct ClientConfig {
  std::string host;         // the Host field: "www.example.com"
  bool tls_active = false;  // https on 443: TLS from the first byte
  Limits limits;
  std::string user_agent = "smtpsim-browser";
};

enum class ClientState : int { Idle, Waiting, Headers, Body, Closed };
const proto::MachineSpec& client_machine_spec();

namespace client_event {
struct NeedData {};
struct Closed {};
struct StartTls {};  // never produced (see ServerSession): for the shared driver
struct ResponseReceived {
  std::uint32_t id;  // as returned by request()
  Response response;
};
// The session cannot go on; queued requests are dropped and Closed follows.
struct Failed {
  std::string reason;
};
}  // namespace client_event

using ClientEvent =
    std::variant<client_event::NeedData, client_event::Closed, client_event::StartTls,
                 client_event::ResponseReceived, client_event::Failed>;

class ClientSession {
 public:
  explicit ClientSession(ClientConfig config);
  static const proto::MachineSpec& spec() { return client_machine_spec(); }

  void start();  // connected: the first queued request goes out
  // Queues a request; Host, User-Agent and (with a body or for POST) Content-Length are
  // added. Throws std::invalid_argument for a malformed method, target or field, and
  // std::logic_error after finish() or once closed.
  std::uint32_t request(Request r);
  void finish();  // close once the queue is empty

  void receive(std::string_view bytes);
  void receive_eof();
  ClientEvent next_event();
  void tls_established() {}
  void timeout();

  std::string take_output();
  ClientState state() const { return state_; }
  bool tls_active() const { return cfg_.tls_active; }
  std::size_t queued() const { return queue_.size(); }
  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  struct Queued {
    std::uint32_t id;
    Request request;
  };
  void enter(ClientState to, std::string_view trigger);
  void fail(std::string reason, std::string_view trigger);
  void send_next();
  void line_out(std::string_view line);
  bool status_line(std::string_view line);
  void end_of_fields();
  void complete();

  ClientConfig cfg_;
  ClientState state_ = ClientState::Idle;
  proto::SessionObserver* observer_ = nullptr;
  std::string in_;
  std::size_t in_pos_ = 0;
  bool eof_ = false, started_ = false, finishing_ = false;
  std::string out_;
  std::deque<Queued> queue_;
  std::optional<Queued> inflight_;
  Response resp_;
  std::optional<std::size_t> body_left_;  // nullopt in Body: read until the server closes
  std::vector<ClientEvent> events_;
  std::uint32_t next_id_ = 1;
};

}  // namespace smtpsim::http
