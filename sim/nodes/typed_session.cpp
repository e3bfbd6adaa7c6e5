// Typing SMTP by hand over a virtual connection.
#include "sim/nodes/typed_session.hpp"

#include <fmt/format.h>

namespace smtpsim::nodes {

TypedSession::TypedSession(engine::Network& net, engine::HostId from, engine::HostId to,
                           std::uint16_t port, std::vector<std::string> lines,
                           std::function<void()> finished)
    : net_(net),
      from_(from),
      to_(to),
      port_(port),
      lines_(std::move(lines)),
      finished_(std::move(finished)) {}

TypedSession::~TypedSession() = default;

void TypedSession::start() {
  id_ = net_.connect(from_, to_, port_, this);
  tracer_ = std::make_unique<SessionTracer>(net_, id_, net_.name(from_), net_.name(to_), port_,
                                            /*emit_lines=*/true, nullptr);
}

void TypedSession::on_failed(engine::ConnId, engine::ConnectError e) {
  net_.trace(
      trace::Event{.kind = trace::EventKind::Note,
                   .host = net_.name(from_),
                   .text = fmt::format("{} to {}:{}",
                                       e == engine::ConnectError::Refused ? "connection refused"
                                                                          : "connection timed out",
                                       net_.name(to_), port_),
                   .detail = "error"});
  ended_ = true;  // the network never opened it: nothing to close
  if (finished_) net_.queue().schedule_in(0, [f = finished_] { f(); });
}

void TypedSession::on_data(engine::ConnId, std::string_view bytes) {
  if (ended_) return;
  buffer_.append(bytes);
  std::size_t eol;
  while (!ended_ && (eol = buffer_.find("\r\n")) != std::string::npos) {
    const std::string line = buffer_.substr(0, eol);
    buffer_.erase(0, eol + 2);
    tracer_->on_line_in(line, false);
    // "250-..." goes on; "250 ..." (or a bare "250") ends the reply (RFC 5321 §4.2.1).
    if (line.size() < 4 || line[3] != '-') reply_complete();
  }
}

void TypedSession::reply_complete() {
  if (next_ >= lines_.size()) {
    end();
    return;
  }
  const std::string& line = lines_[next_++];
  tracer_->on_line_out(line, false);
  net_.send(id_, engine::Side::Client, line + "\r\n");
}

void TypedSession::on_closed(engine::ConnId) {
  if (ended_) return;
  ended_ = true;  // the server hung up (after QUIT, or 421)
  if (finished_) net_.queue().schedule_in(0, [f = finished_] { f(); });
}

void TypedSession::end() {
  if (ended_) return;
  ended_ = true;
  net_.close(id_, engine::Side::Client);
  if (finished_) net_.queue().schedule_in(0, [f = finished_] { f(); });
}

}  // namespace smtpsim::nodes
