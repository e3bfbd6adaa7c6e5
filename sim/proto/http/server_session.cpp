// The HTTP/1.1 server machine: request framing, the owner's response, and the one
// state-change function. Input is hostile (see the header).
#include "sim/proto/http/server_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/proto/smtp/input_buffer.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::http {

namespace se = server_event;

ServerSession::ServerSession(ServerConfig config) : cfg_(std::move(config)) {}

void ServerSession::enter(ServerState to, std::string_view trigger) {
  const auto& spec = server_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("HTTP server: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Closed) return;
  proto::append_input(in_, in_pos_, bytes);
}

void ServerSession::receive_eof() {
  eof_ = true;
}

std::string ServerSession::take_output() {
  std::string out;
  out.swap(out_);
  return out;
}

void ServerSession::line_out(std::string_view line) {
  out_.append(line);
  out_.append("\r\n");
  if (observer_) observer_->on_line_out(line, false);
}

void ServerSession::observe_in(std::string_view line) {
  if (observer_) observer_->on_line_in(smtp::sanitize(line, 300), false);
}

void ServerSession::write_response(const Response& r, bool close, bool head) {
  const std::string_view reason = r.reason.empty() ? reason_phrase(r.status) : r.reason;
  line_out(fmt::format("HTTP/1.1 {} {}", r.status, reason));
  for (const auto& [name, value] : r.fields) line_out(name + ": " + value);
  if (!find_field(r.fields, "Content-Length"))
    line_out(fmt::format("Content-Length: {}", r.body.size()));
  line_out("Server: " + cfg_.server);
  if (close) line_out("Connection: close");
  line_out("");
  if (head || r.body.empty()) return;  // RFC 9110 §9.3.2: HEAD carries no content
  out_.append(r.body);
  if (observer_) observer_->on_line_out(r.body, false);
}

void ServerSession::reject(int status, std::string_view why, std::string_view trigger) {
  Response r;
  r.status = status;
  r.fields.emplace_back("Content-Type", "text/plain");
  r.body = fmt::format("{} {}: {}\r\n", status, reason_phrase(status), why);
  write_response(r, true, false);
  enter(ServerState::Closed, trigger);
}

void ServerSession::timeout() {
  // In IDLE, unread bytes are the start of a request line (empty lines before it are
  // consumed as they come, RFC 9112 §2.2): that request has begun too.
  const bool begun = state_ == ServerState::Idle && in_pos_ < in_.size();
  switch (state_) {
    case ServerState::Idle:
      if (!begun) {
        enter(ServerState::Closed, "timeout");  // an idle keep-alive connection just ends
        break;
      }
      [[fallthrough]];
    case ServerState::Headers:
    case ServerState::Body: {
      Response r;
      r.status = 408;
      r.body = "408 Request Timeout\r\n";
      write_response(r, true, false);
      enter(ServerState::Closed, "timeout");
      break;
    }
    case ServerState::Handling:  // the owner is slow, not the client
    case ServerState::Closed:
      break;
  }
}

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces.
bool ServerSession::request_line(std::string_view line) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    reject(400, "malformed request line", "bad request");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const bool version_syntax = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                              version[5] >= '0' && version[5] <= '9' && version[6] == '.' &&
                              version[7] >= '0' && version[7] <= '9';
  bool target_ok = !target.empty() && target.front() == '/';  // origin-form (§3.2.1)
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    target_ok = target_ok && u > 32 && u < 127;
  }
  if (!is_token(method) || !target_ok || !version_syntax) {
    reject(400, "malformed request line", "bad request");
    return false;
  }
  if (version[5] != '1') {  // RFC 9110 §15.6.6: another major version
    reject(505, "only HTTP/1.x is spoken here", "bad request");
    return false;
  }
  req_ = Request{};
  req_.method = std::string(method);
  req_.target = std::string(target);
  req_.version = std::string(version);
  enter(ServerState::Headers, "request line");
  return true;
}

bool ServerSession::end_of_fields() {
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host field.
  const std::size_t hosts = count_fields(req_.fields, "Host");
  // RFC 9110 §2.5: a later 1.x minor version is handled as HTTP/1.1, so only 1.0 may omit it.
  if (hosts > 1 || (hosts == 0 && req_.version != "HTTP/1.0")) {
    reject(400, hosts ? "more than one Host field" : "missing Host field", "bad request");
    return false;
  }
  const BodyLength len = body_length(req_.fields);
  if (len.kind == BodyLength::TransferCoding) {
    reject(501, "no transfer coding is implemented (send Content-Length)", "bad request");
    return false;
  }
  if (len.kind == BodyLength::Invalid) {
    reject(400, "invalid Content-Length", "bad request");
    return false;
  }
  if (len.kind == BodyLength::Absent && (req_.method == "POST" || req_.method == "PUT")) {
    reject(411, "a body needs a Content-Length", "bad request");  // RFC 9110 §15.5.12
    return false;
  }
  if (len.length > cfg_.limits.max_body) {
    reject(413, fmt::format("the body may have at most {} octets", cfg_.limits.max_body),
           "bad request");
    return false;
  }
  body_left_ = len.length;
  if (body_left_ > 0) {
    enter(ServerState::Body, "end of fields");
  } else {
    pending_ = true;
    enter(ServerState::Handling, "end of fields");
  }
  return true;
}

ServerEvent ServerSession::next_event() {
  while (true) {
    if (pending_) {
      pending_ = false;
      return se::RequestReceived{req_};
    }
    if (state_ == ServerState::Closed) return se::Closed{};
    if (state_ == ServerState::Handling) return se::NeedData{};  // waiting for respond()
    if (state_ == ServerState::Body) {
      const std::size_t n = std::min(body_left_, in_.size() - in_pos_);
      req_.body.append(in_, in_pos_, n);
      in_pos_ += n;
      body_left_ -= n;
      if (body_left_ == 0) {
        if (observer_) {
          bool redacted = false;
          const auto ct = req_.field("Content-Type").value_or("");
          const bool form = smtp::istarts_with(ct, "application/x-www-form-urlencoded");
          // Redact first (the cut must not split a value), then make it printable and bounded
          // like any other body: the client chose these bytes.
          const std::string shown =
              printable(form ? redact_form(req_.body, redacted) : req_.body, 4000);
          observer_->on_line_in(shown, redacted);
        }
        pending_ = true;
        enter(ServerState::Handling, "end of body");
        continue;
      }
      if (eof_) {
        enter(ServerState::Closed, "connection closed");
        continue;
      }
      return se::NeedData{};
    }
    const LineResult lr = take_line(in_, in_pos_, cfg_.limits.max_line);
    if (lr.status == LineStatus::NeedData) {
      if (eof_) {
        enter(ServerState::Closed, "connection closed");
        continue;
      }
      return se::NeedData{};
    }
    if (lr.status == LineStatus::TooLong) {
      if (observer_) observer_->on_line_in("[line too long]", false);
      if (state_ == ServerState::Idle) {
        reject(414, "request line too long", "bad request");
      } else {
        reject(431, "header field line too long", "bad request");
      }
      continue;
    }
    if (lr.status == LineStatus::BareLf) {
      reject(400, "lines end with CRLF", "bad request");
      continue;
    }
    const std::string_view line = lr.line;
    if (state_ == ServerState::Idle) {
      if (line.empty()) continue;  // RFC 9112 §2.2: empty lines before a request are ignored
      observe_in(line);
      request_line(line);
      continue;
    }
    // Headers
    observe_in(line);
    if (line.empty()) {
      end_of_fields();
      continue;
    }
    if (req_.fields.size() >= cfg_.limits.max_fields) {
      reject(431, "too many header fields", "bad request");
      continue;
    }
    auto field = parse_field_line(line);
    if (!field) {
      reject(400, "malformed header field", "bad request");
      continue;
    }
    req_.fields.push_back(std::move(*field));
  }
}

void ServerSession::respond(Response r, bool close) {
  if (state_ != ServerState::Handling) return;  // the client has gone: nothing to answer
  const auto conn = req_.field("Connection").value_or("");
  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 closes unless "keep-alive".
  close = close || smtp::iequals(conn, "close") ||
          (req_.version == "HTTP/1.0" && !smtp::iequals(conn, "keep-alive"));
  write_response(r, close, req_.method == "HEAD");
  if (close) {
    enter(ServerState::Closed, "response sent, Connection: close");
  } else {
    enter(ServerState::Idle, "response sent");
  }
}

}  // namespace smtpsim::http
