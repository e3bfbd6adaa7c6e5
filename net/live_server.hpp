// `smtpsim serve`'s sockets: real listeners on the GreenMail ports (real port + 3000 by
// default: SMTP 3025, submission 3587, SMTPS 3465, POP3 3110, POP3S 3995, IMAP 3143, IMAPS
// 3993) in front of one simulated provider host. Each accepted socket becomes an external
// client host on the virtual network ("external client 127.0.0.1:53122") whose connection
// reaches the provider's simulated service on the real port's standard number, so the very
// machines of the lessons answer, and every line lands in the trace like a simulated one.
// Implicit-TLS ports finish the handshake before the virtual connection opens; on the others
// the machine's own "start TLS now" (Network::start_tls) switches the socket.
// Caps (RFC 5321 §4.5.3.2 lets a server refuse with 421 when it must): a total and a
// per-address number of connections; past either, the client hears the protocol's "busy"
// greeting (421 / -ERR / * BYE) and is closed. Trusts the machines for protocol, Asio and
// OpenSSL for transport, the caller for running everything on one thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/live_loop.hpp"
#include "net/tls.hpp"
#include "sim/engine/network.hpp"

namespace smtpsim::net {

struct ServeOptions {
  std::string listen = "127.0.0.1";
  int port_offset = 3000;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: no STARTTLS, no implicit-TLS ports
  std::size_t max_connections = 200;               // in all
  std::size_t max_per_client = 20;                 // from one address
  // A client of an implicit-TLS port, or one that asked for STARTTLS, must finish the TLS
  // handshake within this (the machines' idle timers do not run meanwhile).
  std::chrono::milliseconds handshake_timeout{60'000};
  // Called before any byte of a simulated service goes to a real client (serve: the spool's
  // commit(), so a 250, +OK or OK is only sent about changes already on stable storage, RFC
  // 5321 §6.1). A reason from it drops that connection instead of answering.
  std::function<std::optional<std::string>()> before_output;
};

struct ServedPort {
  std::uint16_t real = 0;       // 3025
  std::uint16_t simulated = 0;  // 25
  std::string proto;            // "SMTP", "POP3", "IMAP"
  std::string name;             // "SMTP", "submission", "SMTPS", ...
  bool implicit_tls = false;
};

class LiveServer {
 public:
  LiveServer(LiveLoop& loop, engine::Network& net, engine::HostId provider, ServeOptions options);
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // Binds every port the provider serves. Throws std::runtime_error with one sentence
  // ("cannot listen on 127.0.0.1:3025: Address already in use").
  void start();
  // Stops listening and closes every client (each machine hears the peer go).
  void stop();

  const std::vector<ServedPort>& ports() const { return ports_; }
  std::size_t open_clients() const { return clients_.size(); }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t refused_busy() const { return refused_busy_; }

  class Client;  // one real socket joined to one virtual connection (live_server.cpp)

 private:
  struct Acceptor;
  void accept_next(Acceptor& a);
  void on_accept(Acceptor& a, boost::asio::ip::tcp::socket socket);
  void forget(Client* c);

  LiveLoop& loop_;
  engine::Network& net_;
  engine::HostId provider_;
  ServeOptions opt_;
  std::vector<ServedPort> ports_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::map<Client*, std::shared_ptr<Client>> clients_;
  std::map<std::string, std::size_t> per_address_;
  std::uint64_t accepted_ = 0, refused_busy_ = 0;
  bool stopped_ = false;
};

// The standard ports a provider serves in live mode and their names, in the order printed.
std::vector<ServedPort> standard_ports(int offset, bool with_tls);

}  // namespace smtpsim::net
