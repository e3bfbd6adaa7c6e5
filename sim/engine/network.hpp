// Hosts, links and virtual TCP connections (and datagrams for DNS) over the event queue.
// Every host hangs off one shared backbone by an uplink with a one-way latency; a path's
// latency is the sum of both uplinks. Faults are plain calls (host down/up, service
// down/up, uplink cut/restored, latency change) so scripts, the GUI and tests use the same.
//
// Semantics (what a learner sees): a connection to a host that is down, or to a port with no
// running service, is refused (RST after one round trip); a connection over a cut uplink
// gets no answer and times out. Bytes arrive after the path latency, in order. Taking a host
// down resets its connections; cutting an uplink silently drops what is in flight.
// Trusts its callers (the nodes); checks its own invariants (ordering, ids) and throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/engine/event_queue.hpp"
#include "sim/trace/sink.hpp"

namespace smtpsim::engine {

using HostId = int;
using ConnId = std::uint64_t;

enum class ConnectError { Refused, Timeout };
enum class Side { Client, Server };

// One end of a virtual TCP connection.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void on_connected(ConnId) {}                 // client end: handshake done
  virtual void on_failed(ConnId, ConnectError) {}      // client end: never established
  virtual void on_data(ConnId, std::string_view) = 0;  // bytes from the peer
  virtual void on_closed(ConnId) = 0;                  // peer closed, or reset
  // The peer begins its TLS handshake now, after every byte it sent before (RFC 3207 §4:
  // the server after "220 Ready to start TLS", the client after reading it). Simulated ends
  // ignore it (their machines know); an end on a real socket (net/) switches that socket to
  // TLS here, so what the real peer sends afterwards is handshake, never a plaintext command.
  virtual void on_tls_start(ConnId) {}
  // Live mode: the peer's real TLS handshake failed (`why`: one sentence, e.g. OpenSSL's
  // reason); the connection is closed right behind this. Simulated handshakes never fail.
  // A client that only hoped for TLS may try again without it (RFC 7435 §3).
  virtual void on_tls_failed(ConnId, const std::string& /*why*/) {}
};

// A service listening on a port: returns the handler for a new server end (owned by the
// listener, valid until its on_closed()).
class Listener {
 public:
  virtual ~Listener() = default;
  virtual ConnectionHandler* accept(ConnId id, HostId from) = 0;
};

// Live mode (net/): hosts outside the simulation, reached over real sockets. A connection to
// an outside host is handed to the gateway, which opens the real connection and answers
// later with Network::outside_connected() or outside_failed().
class OutsideGateway {
 public:
  virtual ~OutsideGateway() = default;
  virtual void open(ConnId id, const std::string& address, std::uint16_t port) = 0;
};

class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  virtual void on_datagram(HostId from, std::uint16_t from_port, std::string bytes) = 0;
};

class Network {
 public:
  Network(EventQueue& queue, trace::Sink& sink) : q_(queue), sink_(sink) {}

  HostId add_host(std::string name, std::string address, SimTime uplink_latency);
  // Live mode: a host on the other side of a real socket (an external client, a real
  // server). Its paths have no simulated latency — the real network's own delay is real —
  // so bytes from a real socket reach the machine in the same turn of the event loop.
  HostId add_real_host(std::string name, std::string address);
  bool is_real(HostId h) const { return hosts_.at(h).real; }
  // Live relay: the gateway that opens connections to addresses no simulated host has.
  void set_outside(OutsideGateway* gateway) { outside_ = gateway; }
  // The host for an address: a simulated one, or (with a gateway) a real host made for it.
  HostId find_or_outside(const std::string& address);
  // The gateway's answers to OutsideGateway::open().
  void outside_connected(ConnId id, ConnectionHandler* server);
  void outside_failed(ConnId id, ConnectError e);
  HostId find(std::string_view name_or_address) const;  // -1 when unknown
  std::size_t host_count() const { return hosts_.size(); }
  const std::string& name(HostId h) const { return hosts_.at(h).name; }
  const std::string& address(HostId h) const { return hosts_.at(h).address; }
  bool host_up(HostId h) const { return hosts_.at(h).up; }
  bool link_up(HostId h) const { return hosts_.at(h).link_up; }
  SimTime latency(HostId a, HostId b) const;

  void listen(HostId h, std::uint16_t port, Listener* listener, std::string proto);
  void bind_datagram(HostId h, std::uint16_t port, DatagramHandler* handler);
  bool service_up(HostId h, std::uint16_t port) const;
  std::vector<std::uint16_t> ports(HostId h) const;

  // Faults (each traced).
  void set_host_up(HostId h, bool up);
  void set_service_up(HostId h, std::uint16_t port, bool up);
  void set_link_up(HostId h, bool up);
  void set_latency(HostId h, SimTime latency);

  // Opens a connection; the client handler hears on_connected or on_failed later.
  ConnId connect(HostId from, HostId to, std::uint16_t port, ConnectionHandler* client);
  void send(ConnId id, Side from, std::string bytes);
  // Orderly close from one side: the peer's on_closed after the path latency.
  void close(ConnId id, Side side);
  // This side starts TLS after what it has sent so far: the peer's on_tls_start() arrives
  // behind those bytes. `server_name`: the client's name for the server (an MX host name),
  // for a real socket to send as SNI (RFC 6066 §3); empty: none.
  void start_tls(ConnId id, Side side, std::string server_name = {});
  // The server name the client gave to start_tls() ("" when none).
  const std::string& tls_server_name(ConnId id) const { return conns_.at(id).tls_server_name; }
  // Live mode: the real TLS handshake on this side's socket failed; the peer's
  // on_tls_failed() arrives in order with what was sent before (close right after it).
  void tls_failed(ConnId id, Side side, std::string why);
  void send_datagram(HostId from, std::uint16_t from_port, HostId to, std::uint16_t port,
                     std::string bytes);

  bool is_open(ConnId id) const;
  HostId client_host(ConnId id) const { return conns_.at(id).client_host; }
  HostId server_host(ConnId id) const { return conns_.at(id).server_host; }
  std::uint16_t port(ConnId id) const { return conns_.at(id).port; }
  std::size_t open_connections() const;

  SimTime connect_timeout = 30 * kSecond;  // Postfix smtp_connect_timeout
  // How long servers wait for a silent or slow client, as a factor of the RFC defaults
  // (SMTP 5 min, POP3 10 min, IMAP 30 min). 1 everywhere except tests of live mode
  // (`smtpsim serve --timeout-scale`), which cannot wait minutes for each timeout.
  double server_timeout_scale = 1.0;
  SimTime server_timeout(SimTime rfc_default) const {
    return server_timeout_scale == 1.0
               ? rfc_default
               : static_cast<SimTime>(static_cast<double>(rfc_default) * server_timeout_scale);
  }

  EventQueue& queue() { return q_; }
  trace::Sink& sink() { return sink_; }
  void trace(trace::Event e);

 private:
  struct Service {
    Listener* listener = nullptr;
    DatagramHandler* datagram = nullptr;
    std::string proto;
    bool up = true;
  };
  struct Host {
    std::string name, address;
    SimTime latency;
    bool up = true, link_up = true;
    bool real = false;  // live mode: the far end of a real socket
    std::map<std::uint16_t, Service> services;
  };
  struct Conn {
    HostId client_host, server_host;
    std::uint16_t port;
    ConnectionHandler* client = nullptr;
    ConnectionHandler* server = nullptr;
    bool established = false;
    bool client_open = true, server_open = true;  // each end still wants to hear
    SimTime last_arrival[2] = {0, 0};  // keeps each direction in order if latency changes
    std::string tls_server_name;       // SNI the client asked for (start_tls)
  };
  bool reachable(HostId a, HostId b) const;
  // When the next thing sent toward `toward` on c arrives; records it (keeps the order).
  SimTime next_arrival(Conn& c, Side toward);
  // Events about a connection name its client as host and its server as peer.
  void trace_connection(trace::EventKind kind, ConnId id, const Conn& c, std::string text);
  void reset(ConnId id);
  void deliver_later(ConnId id, Side to, std::string bytes);
  void finish_if_closed(ConnId id);

  EventQueue& q_;
  trace::Sink& sink_;
  std::vector<Host> hosts_;
  // Name and address -> host, so find() stays cheap when live mode adds a host per real
  // client (thousands in a load test). An address shared by real hosts maps to the first.
  std::unordered_map<std::string, HostId> by_key_;
  std::map<ConnId, Conn> conns_;
  ConnId next_conn_ = 1;
  OutsideGateway* outside_ = nullptr;
};

}  // namespace smtpsim::engine
