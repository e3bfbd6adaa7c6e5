// SMTP machines on virtual connections.
#include "sim/nodes/smtp_endpoints.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::nodes {

using engine::Side;
using trace::Event;
using trace::EventKind;

namespace {
int reply_code(std::string_view line) {
  if (line.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}
}  // namespace

void SessionTracer::on_transition(const proto::MachineSpec& spec, int from, int to,
                                  std::string_view trigger) {
  net_.trace(Event{
      .kind = EventKind::StateChanged,
      .host = self_,
      .peer = peer_,
      .conn = conn_,
      .port = port_,
      .proto = proto_,
      .text = fmt::format("{}: {} -> {}", spec.name, spec.state(from).name, spec.state(to).name),
      .detail = std::string(trigger)});
}

// One Line event per protocol line. An IMAP response carrying a literal (a FETCH of BODY[])
// arrives as one piece with CRLFs inside: it is shown line by line, as SMTP shows DATA.
void SessionTracer::emit(std::string_view text, bool sensitive, bool from_self) {
  if (!emit_lines_) return;
  const bool tls = tls_now_ && tls_now_();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find("\r\n", start);
    const std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    net_.trace(Event{.kind = EventKind::Line,
                     .host = from_self ? self_ : peer_,
                     .peer = from_self ? peer_ : self_,
                     .conn = conn_,
                     .port = port_,
                     .proto = proto_,
                     .outbound = true,
                     .tls = tls,
                     .sensitive = sensitive,
                     .code = from_self != server_side_ || start > 0 ? 0 : reply_code(line),
                     .text = std::string(line)});
    if (end == std::string_view::npos || end + 2 == text.size()) break;
    start = end + 2;
  }
}

void SessionTracer::on_line_out(std::string_view line, bool sensitive) {
  emit(line, sensitive, true);
}

void SessionTracer::on_line_in(std::string_view line, bool sensitive) {
  emit(line, sensitive, false);
}

// ---------------------------------------------------------------------------------------
class SmtpService::Conn : public engine::ConnectionHandler {
 public:
  Conn(SmtpService& svc, engine::ConnId id, engine::HostId client, smtp::ServerConfig cfg)
      : svc_(svc),
        id_(id),
        session_(std::move(cfg)),
        // A real client (live mode) has no machine of ours to trace its lines: this end does.
        tracer_(svc.net_, id, svc.net_.name(svc.host_), svc.net_.name(client), svc.port_,
                /*emit_lines=*/svc.net_.is_real(client), [this] { return session_.tls_active(); }),
        idle_timer_(svc.net_.queue(), [this] {
          if (done_ || gated_) return;
          // In DATA with text already received, the budget ran out before the idle timeout
          // would have: the client is too slow, not silent.
          if (in_data_ && data_bytes_ > 0) {
            session_.too_slow();
          } else {
            session_.timeout();
          }
          pump();
        }) {
    tracer_.set_server_side(true);
    session_.set_observer(&tracer_);
  }
  void begin() {
    session_.start();
    pump();
  }
  void on_data(engine::ConnId, std::string_view bytes) override {
    if (done_) return;
    if (in_data_) charge_data(bytes.size());
    session_.receive(bytes);
    pump();
  }
  void on_closed(engine::ConnId) override {
    if (done_) return;
    session_.receive_eof();
    pump();
  }
  smtp::ServerSession& session() { return session_; }

 private:
  // drive(), except that MAIL FROM goes through the service's gate when there is one.
  smtp::ServerEvent next() {
    if (!svc_.mail_gate_) return smtp::drive(session_, svc_.policy_);
    while (true) {
      smtp::ServerEvent ev = session_.next_event();
      if (std::holds_alternative<smtp::server_event::MailFrom>(ev)) {
        gated_ = true;
        auto resumed_now = std::make_shared<bool>(false);
        auto in_call = std::make_shared<bool>(true);
        svc_.mail_gate_(session_, std::get<smtp::server_event::MailFrom>(ev),
                        [this, alive = alive_, ev, resumed_now, in_call] {
                          if (!*alive || !gated_) return;
                          if (*in_call) {  // answered inside the gate: go on in this loop
                            *resumed_now = true;
                            return;
                          }
                          gated_ = false;
                          smtp::decide(session_, svc_.policy_, ev);
                          pump();
                        });
        *in_call = false;
        if (!*resumed_now) return smtp::server_event::NeedData{};  // paused (gated_)
        gated_ = false;
      }
      if (!smtp::decide(session_, svc_.policy_, ev)) return ev;
    }
  }

  void pump() {
    while (!done_ && !handshaking_ && !gated_) {
      auto ev = next();
      if (auto out = session_.take_output(); !out.empty()) {
        svc_.net_.send(id_, Side::Server, std::move(out));
      }
      if (gated_) return;  // waiting for the owner: no idle timeout meanwhile
      if (std::holds_alternative<smtp::server_event::Closed>(ev)) {
        done_ = true;
        svc_.net_.close(id_, Side::Server);
        svc_.forget(id_);
        return;
      }
      if (std::holds_alternative<smtp::server_event::StartTls>(ev)) {
        // The handshake takes a round trip; then both ends speak TLS.
        handshaking_ = true;
        svc_.net_.start_tls(id_, Side::Server);
        const auto rtt = 2 * svc_.net_.latency(svc_.net_.client_host(id_), svc_.host_);
        svc_.net_.queue().schedule_in(rtt, [this, alive = alive_] {
          if (!*alive) return;
          handshaking_ = false;
          session_.tls_established();
          pump();
        });
        return;
      }
      arm_idle_timer();
      return;  // NeedData
    }
  }
  engine::SimTime idle() const {
    return svc_.net_.server_timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(smtp::ServerSession::idle_timeout())
            .count());
  }
  // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command or text
  // block; during DATA no longer than the data-rate budget allows (Postfix smtpd_min_data_rate).
  void arm_idle_timer() {
    const bool data =
        session_.state() == smtp::ServerState::Data && session_.config().min_data_rate > 0;
    if (data && !in_data_) {  // 354 just went out: a full budget
      in_data_ = true;
      data_bytes_ = 0;
      budget_ = idle();
      last_read_ = svc_.net_.queue().now();
    } else if (!data) {
      in_data_ = false;
    }
    if (in_data_) {
      if (budget_ <= 0) {
        session_.too_slow();
        // The 421 and the close go out from a fresh pump, not from inside this one.
        svc_.net_.queue().schedule_in(0, [this, alive = alive_] {
          if (*alive) pump();
        });
        return;
      }
      idle_timer_.arm(budget_);
      return;
    }
    idle_timer_.arm(idle());
  }
  // A read of `n` bytes of message text: the time since the last one is spent, the bytes
  // earn n / rate seconds, and the budget never exceeds the idle timeout.
  void charge_data(std::size_t n) {
    const engine::SimTime now = svc_.net_.queue().now();
    data_bytes_ += n;
    budget_ -= now - last_read_;
    last_read_ = now;
    if (budget_ <= 0) return;  // spent before these bytes came: too late to earn more
    budget_ += static_cast<engine::SimTime>(n) * engine::kSecond /
               static_cast<engine::SimTime>(session_.config().min_data_rate);
    budget_ = std::min(budget_, idle());
  }

 public:
  ~Conn() override { *alive_ = false; }

 private:
  SmtpService& svc_;
  engine::ConnId id_;
  smtp::ServerSession session_;
  SessionTracer tracer_;
  bool done_ = false;
  bool handshaking_ = false;
  bool gated_ = false;        // MAIL FROM waits for the service's gate
  engine::Timer idle_timer_;  // one pending wake-up, not one event per exchange
  bool in_data_ = false;      // the client is sending message text (after 354)
  std::uint64_t data_bytes_ = 0;
  engine::SimTime budget_ = 0;     // how long the client may still take (min data rate)
  engine::SimTime last_read_ = 0;  // virtual time of the last read during DATA
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

SmtpService::SmtpService(engine::Network& net, engine::HostId host, std::uint16_t port,
                         smtp::ServerPolicy& policy, ConfigFor config_for)
    : net_(net), host_(host), port_(port), policy_(policy), config_for_(std::move(config_for)) {
  net_.listen(host, port, this, "SMTP");
}

SmtpService::~SmtpService() = default;

engine::ConnectionHandler* SmtpService::accept(engine::ConnId id, engine::HostId from) {
  smtp::ServerConfig cfg = config_for_(from);
  cfg.client_address = net_.address(from);
  cfg.cram_md5_nonce = fmt::format("{}.{}", id, ++nonce_);
  auto conn = std::make_unique<Conn>(*this, id, from, std::move(cfg));
  Conn* raw = conn.get();
  conns_[id] = std::move(conn);
  // Greet once the accept has returned (the network records the handler first).
  net_.queue().schedule_in(0, [this, id] {
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second->begin();
  });
  return raw;
}

void SmtpService::forget(engine::ConnId id) {
  if (auto it = conns_.find(id); it != conns_.end() && session_end_) {
    session_end_(it->second->session());
  }
  // Not now: we are inside one of the connection's own callbacks.
  net_.queue().schedule_in(0, [this, id] { conns_.erase(id); });
}

// ---------------------------------------------------------------------------------------
SmtpClientConn::SmtpClientConn(engine::Network& net, engine::HostId from, engine::HostId to,
                               std::uint16_t port, smtp::ClientConfig cfg,
                               std::vector<smtp::OutgoingMessage> messages, Callbacks cb)
    : net_(net),
      from_(from),
      to_(to),
      port_(port),
      session_(std::move(cfg)),
      messages_(std::move(messages)),
      cb_(std::move(cb)),
      timer_(net.queue(), [this] {
        if (ended_) return;
        session_.timeout();
        pump();
      }) {}

SmtpClientConn::~SmtpClientConn() {
  *alive_ = false;
}

void SmtpClientConn::start() {
  for (auto& m : messages_) session_.send(std::move(m));
  messages_.clear();
  session_.finish();
  id_ = net_.connect(from_, to_, port_, this);
  tracer_ = std::make_unique<SessionTracer>(net_, id_, net_.name(from_), net_.name(to_), port_,
                                            /*emit_lines=*/true,
                                            [this] { return session_.tls_active(); });
  session_.set_observer(tracer_.get());
  // The connect timeout is the network's; the greeting timeout starts once connected.
}

void SmtpClientConn::on_connected(engine::ConnId) {
  arm_timer();
}

void SmtpClientConn::on_failed(engine::ConnId, engine::ConnectError e) {
  if (ended_) return;
  if (cb_.failed) {
    cb_.failed(e == engine::ConnectError::Refused
                   ? fmt::format("connection refused by {}:{}", net_.name(to_), port_)
                   : fmt::format("connection to {}:{} timed out", net_.name(to_), port_),
               std::nullopt, true);
  }
  end();
}

void SmtpClientConn::on_data(engine::ConnId, std::string_view bytes) {
  if (ended_) return;
  session_.receive(bytes);
  pump();
}

void SmtpClientConn::on_closed(engine::ConnId) {
  if (ended_) return;
  closed_sent_ = true;  // the peer is gone; nothing more to close
  session_.receive_eof();
  pump();
}

void SmtpClientConn::on_tls_failed(engine::ConnId, const std::string& why) {
  if (ended_) return;
  if (cb_.tls_failed) cb_.tls_failed(why);
}

void SmtpClientConn::arm_timer() {
  const auto t = session_.current_timeout();
  if (!t) {
    timer_.cancel();
    return;
  }
  timer_.arm(std::chrono::duration_cast<std::chrono::microseconds>(*t).count());
}

void SmtpClientConn::pump() {
  while (!ended_ && !handshaking_) {
    auto ev = session_.next_event();
    if (auto out = session_.take_output(); !out.empty())
      net_.send(id_, Side::Client, std::move(out));
    if (auto* d = std::get_if<smtp::client_event::MessageDone>(&ev)) {
      if (cb_.message_done) cb_.message_done(d->result);
      continue;
    }
    if (auto* f = std::get_if<smtp::client_event::Failed>(&ev)) {
      if (cb_.failed) cb_.failed(f->reason, f->reply, false);
      continue;
    }
    if (std::holds_alternative<smtp::client_event::Idle>(ev)) {
      session_.finish();
      continue;
    }
    if (std::holds_alternative<smtp::client_event::StartTls>(ev)) {
      handshaking_ = true;
      net_.start_tls(id_, Side::Client, server_name_);
      const auto rtt = 2 * net_.latency(from_, to_);
      net_.queue().schedule_in(rtt, [this, alive = alive_] {
        if (!*alive || ended_) return;
        handshaking_ = false;
        // A real server (live relay): the gateway traces the real handshake's outcome.
        if (!net_.is_real(to_))
          net_.trace(trace::Event{.kind = EventKind::TlsStarted,
                                  .host = net_.name(from_),
                                  .peer = net_.name(to_),
                                  .conn = id_,
                                  .port = port_,
                                  .proto = "SMTP",
                                  .text = "TLS handshake complete"});
        session_.tls_established();  // may send the new EHLO at once
        pump();
      });
      return;
    }
    if (std::holds_alternative<smtp::client_event::Closed>(ev)) {
      end();
      return;
    }
    arm_timer();
    return;  // NeedData
  }
}

void SmtpClientConn::end() {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  if (!closed_sent_ && id_ != 0) {
    closed_sent_ = true;
    net_.close(id_, Side::Client);
  }
  if (cb_.finished) {
    // Let the owner destroy us outside our own call stack.
    net_.queue().schedule_in(0, [cb = cb_.finished] { cb(); });
  }
}

}  // namespace smtpsim::nodes
