// The live panel's way out of the simulation (issue 7): an engine::OutsideGateway that opens a
// real TCP connection for a virtual one from "this computer" to a real server, and carries the
// bytes both ways through net::Stream, so the sim's own SMTP client machine talks to Postfix,
// OpenSMTPD or another `smtpsim serve`. STARTTLS: when the machine starts TLS
// (Network::start_tls -> on_tls_start) the socket switches to TLS behind the bytes before it;
// implicit TLS (RFC 8314) handshakes before the virtual connection opens. The handshake's
// result and the server certificate's subject go into the trace. Written here because branch
// `relay` (net/live_relay) had not landed when this was; the integrator may fold them together.
// Trusts Asio/OpenSSL for transport, the machine for protocol; single-threaded like LiveLoop.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/live_loop.hpp"
#include "sim/engine/network.hpp"

namespace smtpsim::gui {

class LiveGateway final : public engine::OutsideGateway {
 public:
  struct Plan {
    bool implicit_tls = false;  // handshake first (port 465)
    bool insecure = false;      // do not verify the certificate
    std::string sni;            // the name the certificate must carry
  };
  LiveGateway(net::LiveLoop& loop, engine::Network& net);
  ~LiveGateway() override;
  LiveGateway(const LiveGateway&) = delete;
  LiveGateway& operator=(const LiveGateway&) = delete;

  // How the next open() goes (Network::connect calls open() synchronously, so the caller
  // plans, then connects).
  void plan_next(Plan p) {
    plan_ = std::move(p);
    problem_.clear();
  }
  // Where connections nobody planned go (the MTA relaying to real servers: net::LiveRelay).
  // The Network has one outside gateway; the panel's sends are planned, everything else is
  // the relay's. Without one, unplanned connections get the default plan.
  void pass_unplanned_to(engine::OutsideGateway* other) { unplanned_ = other; }
  // What went wrong on the real side since the last plan_next() ("TLS handshake failed:
  // ..."), or "": the machine only sees the connection end.
  const std::string& last_problem() const { return problem_; }
  void open(engine::ConnId id, const std::string& address, std::uint16_t port) override;
  // Closes every real connection; `now`: a reset, without waiting for queued bytes or the
  // TLS close_notify (shutting down).
  void close_all(bool now = false);
  std::size_t open_connections() const { return conns_.size(); }

  class Conn;  // one real socket joined to one virtual connection (live_gateway.cpp)

 private:
  friend class Conn;
  void forget(engine::ConnId id);
  net::LiveLoop& loop_;
  engine::Network& net_;
  std::optional<Plan> plan_;
  engine::OutsideGateway* unplanned_ = nullptr;
  std::string problem_;
  std::map<engine::ConnId, std::shared_ptr<Conn>> conns_;
};

}  // namespace smtpsim::gui
