// The HTTP/1.1 client machine: writing requests, reading responses, the one state-change
// function. Server bytes are hostile (see the header).
#include "sim/proto/http/client_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/proto/smtp/input_buffer.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::http {

namespace ce = client_event;

ClientSession::ClientSession(ClientConfig config) : cfg_(std::move(config)) {
  if (!is_field_value(cfg_.host) || cfg_.host.empty())
    throw std::invalid_argument("HTTP client: invalid host name");
}

void ClientSession::enter(ClientState to, std::string_view trigger) {
  const auto& spec = client_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("HTTP client: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ClientSession::fail(std::string reason, std::string_view trigger) {
  queue_.clear();
  inflight_.reset();
  events_.push_back(ce::Failed{std::move(reason)});
  enter(ClientState::Closed, trigger);
}

void ClientSession::start() {
  started_ = true;
  send_next();
}

std::uint32_t ClientSession::request(Request r) {
  if (finishing_ || state_ == ClientState::Closed)
    throw std::logic_error("HTTP client: request after finish() or close");
  bool target_ok = !r.target.empty() && r.target.front() == '/';
  for (char c : r.target) {
    const auto u = static_cast<unsigned char>(c);
    target_ok = target_ok && u > 32 && u < 127;
  }
  if (!is_token(r.method) || !target_ok)
    throw std::invalid_argument("HTTP client: malformed method or target");
  for (const auto& [name, value] : r.fields)
    if (!is_token(name) || !is_field_value(value))
      throw std::invalid_argument("HTTP client: malformed header field");
  const std::uint32_t id = next_id_++;
  queue_.push_back(Queued{id, std::move(r)});
  send_next();
  return id;
}

void ClientSession::finish() {
  finishing_ = true;
  if (state_ == ClientState::Idle && !inflight_ && queue_.empty())
    enter(ClientState::Closed, "finished");
}

void ClientSession::line_out(std::string_view line) {
  out_.append(line);
  out_.append("\r\n");
  if (observer_) observer_->on_line_out(line, false);
}

void ClientSession::send_next() {
  if (!started_ || state_ != ClientState::Idle || inflight_) return;
  if (queue_.empty()) {
    if (finishing_) enter(ClientState::Closed, "finished");
    return;
  }
  inflight_ = std::move(queue_.front());
  queue_.pop_front();
  const Request& r = inflight_->request;
  line_out(fmt::format("{} {} HTTP/1.1", r.method, r.target));
  line_out("Host: " + cfg_.host);  // RFC 9112 §3.2: always, and first
  line_out("User-Agent: " + cfg_.user_agent);
  for (const auto& [name, value] : r.fields) line_out(name + ": " + value);
  if (!r.body.empty() || r.method == "POST")
    line_out(fmt::format("Content-Length: {}", r.body.size()));
  line_out("");
  if (!r.body.empty()) {
    out_.append(r.body);
    if (observer_) {
      bool redacted = false;
      const auto ct = r.field("Content-Type").value_or("");
      const bool form = smtp::istarts_with(ct, "application/x-www-form-urlencoded");
      const std::string shown = form ? redact_form(r.body, redacted) : printable(r.body, 4000);
      observer_->on_line_out(shown, redacted);  // `redacted` is known only after the call
    }
  }
  enter(ClientState::Waiting, "request sent");
}

void ClientSession::receive(std::string_view bytes) {
  if (state_ == ClientState::Closed) return;
  proto::append_input(in_, in_pos_, bytes);
}

void ClientSession::receive_eof() {
  eof_ = true;
}

void ClientSession::timeout() {
  if (state_ == ClientState::Closed) return;
  if (state_ == ClientState::Idle) {
    enter(ClientState::Closed, "timeout");
    return;
  }
  fail("no response from the server in time", "timeout");
}

std::string ClientSession::take_output() {
  std::string out;
  out.swap(out_);
  return out;
}

// RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
bool ClientSession::status_line(std::string_view line) {
  const bool ok = line.size() >= 12 && line.substr(0, 7) == "HTTP/1." && line[7] >= '0' &&
                  line[7] <= '9' && line[8] == ' ' &&
                  std::all_of(line.begin() + 9, line.begin() + 12,
                              [](char c) { return c >= '0' && c <= '9'; }) &&
                  (line.size() == 12 || line[12] == ' ');
  if (!ok || !is_field_value(line)) {
    fail("malformed status line", "malformed response");
    return false;
  }
  resp_ = Response{};
  resp_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  resp_.reason = line.size() > 13 ? std::string(line.substr(13)) : std::string();
  if (resp_.status < 100) {
    fail("status code below 100", "malformed response");
    return false;
  }
  enter(ClientState::Headers, "status line");
  return true;
}

void ClientSession::end_of_fields() {
  if (resp_.status < 200) {  // interim: the final response is still to come
    enter(ClientState::Waiting, "interim 1xx");
    return;
  }
  const bool no_body =
      inflight_->request.method == "HEAD" || resp_.status == 204 || resp_.status == 304;
  const BodyLength len = body_length(resp_.fields);
  if (!no_body && len.kind == BodyLength::TransferCoding) {
    fail("the response uses a transfer coding (not implemented)", "malformed response");
    return;
  }
  if (!no_body && len.kind == BodyLength::Invalid) {
    fail("invalid Content-Length in the response", "malformed response");
    return;
  }
  if (no_body || (len.kind == BodyLength::Length && len.length == 0)) {
    complete();
    return;
  }
  if (len.kind == BodyLength::Length && len.length > cfg_.limits.max_body) {
    fail("the response body is too large", "malformed response");
    return;
  }
  body_left_ = len.kind == BodyLength::Length ? std::optional(len.length) : std::nullopt;
  enter(ClientState::Body, "end of fields");
}

void ClientSession::complete() {
  if (observer_ && !resp_.body.empty()) observer_->on_line_in(printable(resp_.body, 4000), false);
  const bool close = smtp::iequals(resp_.field("Connection").value_or(""), "close") || eof_;
  events_.push_back(ce::ResponseReceived{inflight_->id, std::move(resp_)});
  inflight_.reset();
  resp_ = Response{};
  if (close) {
    queue_.clear();
    enter(ClientState::Closed, "response complete, Connection: close");
    return;
  }
  enter(ClientState::Idle, "response complete");
  send_next();
}

ClientEvent ClientSession::next_event() {
  while (true) {
    if (!events_.empty()) {
      ClientEvent ev = std::move(events_.front());
      events_.erase(events_.begin());
      return ev;
    }
    if (state_ == ClientState::Closed) return ce::Closed{};
    if (state_ == ClientState::Idle) {
      if (eof_) {
        enter(ClientState::Closed, "connection closed");
        continue;
      }
      return ce::NeedData{};  // unsolicited bytes wait until a request is out
    }
    if (state_ == ClientState::Body) {
      const std::size_t avail = in_.size() - in_pos_;
      const std::size_t n = body_left_ ? std::min(*body_left_, avail) : avail;
      if (resp_.body.size() + n > cfg_.limits.max_body) {
        fail("the response body is too large", "malformed response");
        continue;
      }
      resp_.body.append(in_, in_pos_, n);
      in_pos_ += n;
      if (body_left_) *body_left_ -= n;
      if ((body_left_ && *body_left_ == 0) || (!body_left_ && eof_)) {
        complete();
        continue;
      }
      if (eof_) {
        fail("the server closed the connection in the middle of the body", "connection closed");
        continue;
      }
      return ce::NeedData{};
    }
    const LineResult lr = take_line(in_, in_pos_, cfg_.limits.max_line);
    if (lr.status == LineStatus::NeedData) {
      if (eof_) {
        fail("the server closed the connection before the response was complete",
             "connection closed");
        continue;
      }
      return ce::NeedData{};
    }
    if (lr.status != LineStatus::Line) {
      fail(lr.status == LineStatus::TooLong ? "response line too long" : "bare LF in the response",
           "malformed response");
      continue;
    }
    const std::string_view line = lr.line;
    if (observer_) observer_->on_line_in(smtp::sanitize(line, 300), false);
    if (state_ == ClientState::Waiting) {
      status_line(line);
      continue;
    }
    if (line.empty()) {  // Headers
      end_of_fields();
      continue;
    }
    if (resp_.fields.size() >= cfg_.limits.max_fields) {
      fail("too many header fields in the response", "malformed response");
      continue;
    }
    auto field = parse_field_line(line);
    if (!field) {
      fail("malformed header field in the response", "malformed response");
      continue;
    }
    resp_.fields.push_back(std::move(*field));
  }
}

}  // namespace smtpsim::http
