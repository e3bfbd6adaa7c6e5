// The SMTP machines on virtual connections: a listening service that runs one ServerSession
// per connection, and a client connection that runs one ClientSession. They move bytes
// between the machines and the network, run the (simulated) TLS handshake when the machines
// ask for it, enforce the machines' timeouts with timers, and publish what happens to the
// trace: every line once (seen from the client end), every state change of both machines.
// They trust the machines for protocol and the owner (a role) for policy.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/engine/network.hpp"
#include "sim/proto/smtp/client_session.hpp"
#include "sim/proto/smtp/server_policy.hpp"

namespace smtpsim::nodes {

// Emits trace events for one machine on one connection (any protocol: SMTP, POP3, IMAP).
class SessionTracer : public proto::SessionObserver {
 public:
  SessionTracer(engine::Network& net, engine::ConnId conn, std::string self, std::string peer,
                std::uint16_t port, bool emit_lines, std::function<bool()> tls_now,
                std::string proto = "SMTP")
      : net_(net),
        conn_(conn),
        self_(std::move(self)),
        peer_(std::move(peer)),
        port_(port),
        emit_lines_(emit_lines),
        tls_now_(std::move(tls_now)),
        proto_(std::move(proto)) {}
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override;
  void on_line_out(std::string_view line, bool sensitive) override;
  void on_line_in(std::string_view line, bool sensitive) override;
  // This tracer sits on a server end (lines are emitted there only when the client is a
  // real socket in live mode, which has no machine of ours to trace them).
  void set_server_side(bool server) { server_side_ = server; }

 private:
  void emit(std::string_view text, bool sensitive, bool from_self);
  engine::Network& net_;
  engine::ConnId conn_;
  std::string self_, peer_;
  std::uint16_t port_;
  bool emit_lines_;
  std::function<bool()> tls_now_;
  std::string proto_;
  bool server_side_ = false;
};

// A listening SMTP service (MTA on 25, MSA on 587/465).
class SmtpService : public engine::Listener {
 public:
  using ConfigFor = std::function<smtp::ServerConfig(engine::HostId client)>;
  SmtpService(engine::Network& net, engine::HostId host, std::uint16_t port,
              smtp::ServerPolicy& policy, ConfigFor config_for);
  ~SmtpService() override;
  engine::ConnectionHandler* accept(engine::ConnId id, engine::HostId from) override;
  std::size_t open_sessions() const { return conns_.size(); }

  // For an owner that must wait before it can answer MAIL FROM (the DNS lookups of an SPF
  // check, RFC 7208 §2.4): called instead of answering at once. The session is paused — later
  // commands wait in its input buffer, as in a real server's socket — until `resume` is
  // called (at once or later); then the policy's mail_from() decides as usual.
  using MailGate =
      std::function<void(const smtp::ServerSession&, const smtp::server_event::MailFrom&,
                         std::function<void()> resume)>;
  void set_mail_gate(MailGate gate) { mail_gate_ = std::move(gate); }
  // Told when a session is over, so an owner can forget what it kept about it.
  void set_session_end(std::function<void(const smtp::ServerSession&)> f) {
    session_end_ = std::move(f);
  }

 private:
  class Conn;
  void forget(engine::ConnId id);
  engine::Network& net_;
  engine::HostId host_;
  std::uint16_t port_;
  smtp::ServerPolicy& policy_;
  ConfigFor config_for_;
  MailGate mail_gate_;
  std::function<void(const smtp::ServerSession&)> session_end_;
  std::map<engine::ConnId, std::unique_ptr<Conn>> conns_;
  std::uint64_t nonce_ = 0;
};

// One outgoing SMTP connection carrying one or more messages.
class SmtpClientConn : public engine::ConnectionHandler {
 public:
  struct Callbacks {
    std::function<void(const smtp::MessageResult&)> message_done;
    // connection failed (refused/timeout) or session failed; always followed by finished
    std::function<void(std::string reason, std::optional<smtp::Reply>, bool connect_failure)>
        failed;
    std::function<void()> finished;  // the connection is over; the object may be destroyed
    // Live mode: the real TLS handshake with the server failed (`why`); the connection ends
    // next (failed, then finished). The owner decides whether to try again without TLS.
    std::function<void(const std::string& why)> tls_failed;
  };
  SmtpClientConn(engine::Network& net, engine::HostId from, engine::HostId to, std::uint16_t port,
                 smtp::ClientConfig cfg, std::vector<smtp::OutgoingMessage> messages, Callbacks cb);
  ~SmtpClientConn() override;
  // Before start(): the name the server is known by (its MX host name), sent as SNI when TLS
  // starts on a real socket (RFC 6066 §3; a real socket sends no IP literal).
  void set_server_name(std::string name) { server_name_ = std::move(name); }
  void start();

  void on_connected(engine::ConnId) override;
  void on_failed(engine::ConnId, engine::ConnectError e) override;
  void on_data(engine::ConnId, std::string_view bytes) override;
  void on_closed(engine::ConnId) override;
  void on_tls_failed(engine::ConnId, const std::string& why) override;

 private:
  void pump();
  void arm_timer();
  void end();
  engine::Network& net_;
  engine::HostId from_, to_;
  std::uint16_t port_;
  smtp::ClientSession session_;
  std::vector<smtp::OutgoingMessage> messages_;
  Callbacks cb_;
  engine::ConnId id_ = 0;
  std::unique_ptr<SessionTracer> tracer_;
  std::string server_name_;
  bool handshaking_ = false;
  bool ended_ = false;
  bool closed_sent_ = false;
  engine::Timer timer_;  // the machine's reply timeouts: one pending wake-up at a time
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes
