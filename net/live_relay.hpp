// Live relay (issue 7): the simulated MTA delivers to real servers. Two parts:
// - the outside gateway (engine::OutsideGateway): a connection the MTA opens to an address no
//   simulated host has becomes a real TCP connection (Postfix's 30 s connect timeout; refused
//   and timed out are told apart as the simulation does), its bytes joined to the virtual
//   connection both ways. The MTA always dials port 25: that is mapped to --mx-port, or to the
//   smarthost's port. When the simulated client starts TLS the socket follows, with the MX
//   host name as SNI; MTA-to-MTA TLS is opportunistic (RFC 7435 §2, RFC 3207 §4.1): the
//   certificate is not verified, only traced. A failed handshake is handed to the simulated
//   MTA (Network::tls_failed), which tries that server again without TLS.
// - the resolver each MTA gets (through scenario::LiveHooks::wrap_resolver): the scenario's
//   own DNS first, so its domains stay simulated; a domain it does not know (NXDOMAIN) is
//   looked up in real DNS with c-ares (--dns), or sent to the smarthost as its one MX
//   (--relay; a name given there is resolved once at start).
// Deferrals, retries and bounces are the simulated MTA's own, on the wall clock.
// Trusts the simulation for protocol and queueing, Asio for transport, the caller for running
// everything on the io_context's one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "net/cares_resolver.hpp"
#include "net/live_loop.hpp"
#include "sim/engine/network.hpp"
#include "sim/nodes/resolver.hpp"
#include "sim/nodes/world.hpp"

namespace smtpsim::net {

struct RelayOptions {
  std::string dns;             // --dns HOST[:PORT] (an IP address); empty with --relay: none
  std::string relay;           // --relay HOST:PORT (a name or an IP address); empty: MX lookups
  std::uint16_t mx_port = 25;  // the real port of MX hosts found with --dns
  std::chrono::milliseconds connect_timeout{30000};  // Postfix smtp_connect_timeout
  int dns_timeout_ms = 5000;
  int dns_tries = 2;
};

class LiveRelay : public engine::OutsideGateway {
 public:
  // Throws std::runtime_error with one sentence (a DNS server that is not an address, a
  // smarthost that does not resolve, a port out of range).
  LiveRelay(boost::asio::io_context& io, RelayOptions options);
  ~LiveRelay() override;
  LiveRelay(const LiveRelay&) = delete;
  LiveRelay& operator=(const LiveRelay&) = delete;

  // For LiveHooks::wrap_resolver: the MTA's resolver with the real world behind it.
  std::unique_ptr<nodes::Resolver> wrap(std::unique_ptr<nodes::Resolver> simulated,
                                        nodes::World& world, engine::HostId mta);
  // Once the simulation and its loop exist: becomes the network's outside gateway.
  void attach(LiveLoop& loop, engine::Network& net);
  // Resets every real connection still open (shutdown).
  void stop();

  // engine::OutsideGateway
  void open(engine::ConnId id, const std::string& address, std::uint16_t port) override;

  // One line for the banner: where mail for other domains goes.
  std::string describe() const;
  std::size_t open_connections() const { return conns_.size(); }

  class Outbound;  // one real connection joined to one virtual one (live_relay.cpp)

 private:
  void relay_setup();  // --relay: the smarthost's address and port
  void forget(Outbound* c);

  boost::asio::io_context& io_;
  RelayOptions opt_;
  std::unique_ptr<CaresChannel> cares_;  // with --dns (also resolves a smarthost's name)
  std::string smarthost_name_, smarthost_address_;
  std::uint16_t smarthost_port_ = 25;
  LiveLoop* loop_ = nullptr;
  engine::Network* net_ = nullptr;
  std::map<Outbound*, std::shared_ptr<Outbound>> conns_;
};

}  // namespace smtpsim::net
