// A sans-I/O protocol machine on one virtual TCP connection, for the retrieval protocols
// (POP3, IMAP), either end. It moves bytes between the machine and the network, runs the
// simulated TLS handshake when the machine asks for it (one round trip, then TlsStarted),
// keeps one idle timer, and hands every other event of the machine to its owner, who answers
// with what to do next. The owner is trusted for policy; the machine for protocol.
//
// A Session needs: start(), receive(), receive_eof(), next_event() returning a std::variant
// whose alternatives include the NeedData, Closed and StartTls types given as template
// arguments, tls_established(), timeout(), take_output().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "sim/engine/network.hpp"

namespace smtpsim::nodes {

// What the owner wants after seeing one event.
enum class Step {
  Continue,  // ask the machine for its next event
  Wait,      // nothing to do until more bytes arrive (NeedData)
  Close,     // the machine is done: close the connection
};

template <class Session, class NeedData, class Closed, class StartTls>
class MachineConn : public engine::ConnectionHandler {
 public:
  using Event = decltype(std::declval<Session&>().next_event());
  // Every event except the transport ones (NeedData, StartTls, Closed) goes to the owner.
  using Handler = std::function<Step(Event&)>;

  // side: which end this is. idle: how long to wait for the peer before timeout() (0 = never).
  MachineConn(engine::Network& net, engine::Side side, engine::HostId self, engine::HostId peer,
              std::uint16_t port, std::string proto, std::unique_ptr<Session> session,
              engine::SimTime idle)
      : net_(net),
        side_(side),
        self_(self),
        peer_(peer),
        port_(port),
        proto_(std::move(proto)),
        session_(std::move(session)),
        idle_(idle),
        timer_(net.queue(), [this] {
          if (ended_) return;
          session_->timeout();
          pump(false);
        }) {}
  ~MachineConn() override { *alive_ = false; }
  MachineConn(const MachineConn&) = delete;
  MachineConn& operator=(const MachineConn&) = delete;

  void set_handler(Handler h) { handler_ = std::move(h); }
  // Called once the connection ends (closed, failed, refused): the owner may destroy us,
  // from a later event (never from inside our own callbacks).
  void set_finished(std::function<void(bool connect_failed, std::string reason)> f) {
    finished_ = std::move(f);
  }

  Session& session() { return *session_; }
  engine::ConnId id() const { return id_; }
  bool ended() const { return ended_; }

  // Client end: open the connection (the machine starts once connected).
  void connect() { id_ = net_.connect(self_, peer_, port_, this); }
  // Server end: the listener accepted `id`; the machine starts (greets) now.
  void accepted(engine::ConnId id) {
    id_ = id;
    session_->start();
    pump();
  }

  // The owner changed something the machine should act on (a queued command, a store change).
  void poke() {
    if (!ended_) pump(false);
  }

  void on_connected(engine::ConnId) override {
    if (ended_) return;
    session_->start();
    pump();
  }
  void on_failed(engine::ConnId, engine::ConnectError e) override {
    if (ended_) return;
    end(true,
        e == engine::ConnectError::Refused
            ? "connection refused by " + net_.name(peer_) + ":" + std::to_string(port_)
            : "connection to " + net_.name(peer_) + ":" + std::to_string(port_) + " timed out");
  }
  void on_data(engine::ConnId, std::string_view bytes) override {
    if (ended_) return;
    session_->receive(bytes);
    pump();
  }
  void on_closed(engine::ConnId) override {
    if (ended_) return;
    peer_closed_ = true;
    session_->receive_eof();
    pump();
    if (!ended_) end(false, "the peer closed the connection");
  }

 private:
  void rearm(bool peer_activity) {
    if (idle_ > 0 && (peer_activity || !timer_.armed())) timer_.arm(idle_);
  }

  void flush() {
    if (auto out = session_->take_output(); !out.empty() && id_ != 0 && !peer_closed_)
      net_.send(id_, side_, std::move(out));
  }

  // peer_activity: the peer just did something (connected, sent bytes, finished a TLS
  // handshake). Only that restarts the idle timer: RFC 3501 §5.4 autologout and RFC 1939's
  // 10 minutes measure the client's silence, not how often the owner pokes the machine.
  void pump(bool peer_activity = true) {
    while (!ended_ && !handshaking_) {
      Event ev = session_->next_event();
      flush();
      if (std::holds_alternative<NeedData>(ev)) {
        rearm(peer_activity);
        return;
      }
      if (std::holds_alternative<Closed>(ev)) {
        end(false, "");
        return;
      }
      if (std::holds_alternative<StartTls>(ev)) {
        start_tls();
        return;
      }
      const Step s = handler_ ? handler_(ev) : Step::Continue;
      flush();
      if (s == Step::Close) {
        end(false, "");
        return;
      }
      if (s == Step::Wait) {
        rearm(peer_activity);
        return;
      }
    }
  }

  void start_tls() {
    handshaking_ = true;
    net_.start_tls(id_, side_);
    const auto rtt = 2 * net_.latency(self_, peer_);
    net_.queue().schedule_in(rtt, [this, alive = alive_] {
      if (!*alive || ended_) return;
      handshaking_ = false;
      // A real peer (live mode): net/ traces the real handshake's outcome instead.
      if (side_ == engine::Side::Client && !net_.is_real(peer_)) {
        net_.trace(trace::Event{.kind = trace::EventKind::TlsStarted,
                                .host = net_.name(self_),
                                .peer = net_.name(peer_),
                                .conn = id_,
                                .port = port_,
                                .proto = proto_,
                                .text = "TLS handshake complete"});
      }
      session_->tls_established();
      pump();
    });
  }

  void end(bool connect_failed, std::string reason) {
    if (ended_) return;
    ended_ = true;
    timer_.cancel();
    if (!peer_closed_ && id_ != 0 && !connect_failed) net_.close(id_, side_);
    if (finished_) {
      net_.queue().schedule_in(
          0, [f = finished_, connect_failed, r = std::move(reason)] { f(connect_failed, r); });
    }
  }

  engine::Network& net_;
  engine::Side side_;
  engine::HostId self_, peer_;
  std::uint16_t port_;
  std::string proto_;
  std::unique_ptr<Session> session_;
  engine::SimTime idle_;
  Handler handler_;
  std::function<void(bool, std::string)> finished_;
  engine::ConnId id_ = 0;
  bool ended_ = false;
  bool handshaking_ = false;
  bool peer_closed_ = false;
  engine::Timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes
