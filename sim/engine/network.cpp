// Virtual TCP and datagrams over the event queue.
#include "sim/engine/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace smtpsim::engine {

namespace {
Side other(Side s) {  // the end that hears what `s` sends
  return s == Side::Client ? Side::Server : Side::Client;
}
}  // namespace

using trace::Event;
using trace::EventKind;

void Network::trace_connection(EventKind kind, ConnId id, const Conn& c, std::string text) {
  trace(Event{.kind = kind,
              .host = hosts_[c.client_host].name,
              .peer = hosts_[c.server_host].name,
              .conn = id,
              .port = c.port,
              .text = std::move(text)});
}

void Network::trace(Event e) {
  e.time = q_.now();
  sink_.record(std::move(e));
}

HostId Network::add_host(std::string name, std::string address, SimTime uplink_latency) {
  if (find(name) >= 0 || find(address) >= 0) {
    throw std::invalid_argument(fmt::format("duplicate host {} / {}", name, address));
  }
  hosts_.push_back(
      Host{std::move(name), std::move(address), uplink_latency, true, true, false, {}});
  const auto h = static_cast<HostId>(hosts_.size() - 1);
  by_key_.emplace(hosts_[h].name, h);
  by_key_.emplace(hosts_[h].address, h);
  return h;
}

HostId Network::add_real_host(std::string name, std::string address) {
  // Real clients may share an address (two connections from 127.0.0.1): only names are unique.
  if (auto it = by_key_.find(name); it != by_key_.end() && hosts_[it->second].name == name) {
    throw std::invalid_argument(fmt::format("duplicate host {}", name));
  }
  hosts_.push_back(Host{std::move(name), std::move(address), 0, true, true, true, {}});
  const auto h = static_cast<HostId>(hosts_.size() - 1);
  by_key_.emplace(hosts_[h].name, h);
  by_key_.emplace(hosts_[h].address, h);  // kept by the first host with that address
  return h;
}

HostId Network::find_or_outside(const std::string& address) {
  if (!outside_ || address.empty()) return find(address);
  // A real server is a host of its own, named by its address: an external client that
  // shares the address (both on 127.0.0.1 in a test) is another machine.
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (hosts_[i].name == address || (!hosts_[i].real && hosts_[i].address == address)) {
      return static_cast<HostId>(i);
    }
  }
  return add_real_host(address, address);
}

void Network::outside_connected(ConnId id, ConnectionHandler* server) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  c.established = true;
  c.server = server;
  trace(Event{.kind = EventKind::ConnectionOpened,
              .host = hosts_[c.client_host].name,
              .peer = hosts_[c.server_host].name,
              .conn = id,
              .port = c.port,
              .proto = "SMTP",
              .text = "connection established (real network)"});
  if (c.client_open) c.client->on_connected(id);
}

void Network::outside_failed(ConnId id, ConnectError e) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn c = it->second;
  conns_.erase(it);
  trace_connection(
      e == ConnectError::Refused ? EventKind::ConnectionRefused : EventKind::ConnectionTimeout, id,
      c,
      e == ConnectError::Refused ? "connection refused (real network)"
                                 : "connection timed out (real network)");
  if (c.client_open) c.client->on_failed(id, e);
}

HostId Network::find(std::string_view key) const {
  auto it = by_key_.find(std::string(key));
  return it == by_key_.end() ? -1 : it->second;
}

SimTime Network::latency(HostId a, HostId b) const {
  if (a == b) return 50;  // loopback: 50 µs
  if (hosts_.at(a).real || hosts_.at(b).real) return 0;
  return hosts_.at(a).latency + hosts_.at(b).latency;
}

bool Network::reachable(HostId a, HostId b) const {
  if (a == b) return hosts_.at(a).up;
  return hosts_.at(a).link_up && hosts_.at(b).link_up;
}

void Network::listen(HostId h, std::uint16_t port, Listener* l, std::string proto) {
  auto& svc = hosts_.at(h).services[port];
  svc.listener = l;
  svc.proto = std::move(proto);
}

void Network::bind_datagram(HostId h, std::uint16_t port, DatagramHandler* d) {
  auto& svc = hosts_.at(h).services[port];
  svc.datagram = d;
  if (svc.proto.empty()) svc.proto = "DNS";
}

bool Network::service_up(HostId h, std::uint16_t port) const {
  const auto& host = hosts_.at(h);
  auto it = host.services.find(port);
  return host.up && it != host.services.end() && it->second.up;
}

std::vector<std::uint16_t> Network::ports(HostId h) const {
  std::vector<std::uint16_t> out;
  for (const auto& [p, s] : hosts_.at(h).services) out.push_back(p);
  return out;
}

void Network::set_host_up(HostId h, bool up) {
  auto& host = hosts_.at(h);
  if (host.up == up) return;
  host.up = up;
  trace(Event{.kind = up ? EventKind::HostUp : EventKind::HostDown,
              .host = host.name,
              .text = up ? "host is up" : "host is down"});
  if (!up) {
    std::vector<ConnId> doomed;
    for (const auto& [id, c] : conns_)
      if (c.client_host == h || c.server_host == h) doomed.push_back(id);
    for (ConnId id : doomed) reset(id);
  }
}

void Network::set_service_up(HostId h, std::uint16_t port, bool up) {
  auto& host = hosts_.at(h);
  auto it = host.services.find(port);
  if (it == host.services.end() || it->second.up == up) return;
  it->second.up = up;
  trace(Event{
      .kind = up ? EventKind::ServiceUp : EventKind::ServiceDown,
      .host = host.name,
      .port = port,
      .proto = it->second.proto,
      .text = fmt::format("{} on port {} is {}", it->second.proto, port, up ? "up" : "down")});
}

void Network::set_link_up(HostId h, bool up) {
  auto& host = hosts_.at(h);
  if (host.link_up == up) return;
  host.link_up = up;
  trace(Event{.kind = up ? EventKind::LinkRestored : EventKind::LinkCut,
              .host = host.name,
              .text = up ? "network link restored" : "network link cut"});
}

void Network::set_latency(HostId h, SimTime latency) {
  hosts_.at(h).latency = latency;
  trace(Event{.kind = EventKind::LatencyChanged,
              .host = hosts_.at(h).name,
              .text = fmt::format("uplink latency is now {} ms", latency / kMillisecond)});
}

ConnId Network::connect(HostId from, HostId to, std::uint16_t port, ConnectionHandler* client) {
  const ConnId id = next_conn_++;
  conns_[id] = Conn{from, to, port, client, nullptr, false, true, true, {0, 0}};
  const SimTime lat = latency(from, to);
  if (hosts_.at(to).real && outside_ && reachable(from, to) && hosts_.at(from).up) {
    outside_->open(id, hosts_[to].address, port);
    return id;
  }
  if (!reachable(from, to) || !hosts_.at(from).up) {
    // The SYN is lost: nothing ever comes back.
    q_.schedule_in(connect_timeout, [this, id] {
      auto it = conns_.find(id);
      if (it == conns_.end()) return;
      Conn c = it->second;
      conns_.erase(it);
      trace_connection(EventKind::ConnectionTimeout, id, c, "connection timed out (no answer)");
      c.client->on_failed(id, ConnectError::Timeout);
    });
    return id;
  }
  q_.schedule_in(lat, [this, id, lat] {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    auto& server = hosts_[c.server_host];
    auto svc = server.services.find(c.port);
    const bool refused = !server.up || svc == server.services.end() || !svc->second.up ||
                         svc->second.listener == nullptr;
    if (refused) {
      q_.schedule_in(lat, [this, id] {
        auto it2 = conns_.find(id);
        if (it2 == conns_.end()) return;
        Conn c2 = it2->second;
        conns_.erase(it2);
        trace_connection(EventKind::ConnectionRefused, id, c2, "connection refused");
        c2.client->on_failed(id, ConnectError::Refused);
      });
      return;
    }
    c.established = true;
    trace(Event{.kind = EventKind::ConnectionOpened,
                .host = hosts_[c.client_host].name,
                .peer = server.name,
                .conn = id,
                .port = c.port,
                .proto = svc->second.proto,
                .text = "connection established"});
    // The client learns of it when the SYN-ACK arrives, before any byte the server sends now.
    q_.schedule_in(lat, [this, id] {
      auto it2 = conns_.find(id);
      if (it2 != conns_.end() && it2->second.client_open) it2->second.client->on_connected(id);
    });
    c.server = svc->second.listener->accept(id, c.client_host);
  });
  return id;
}

SimTime Network::next_arrival(Conn& c, Side toward) {
  // After the link's latency, but never before what was sent earlier the same way: a
  // connection's bytes, TLS switch and FIN arrive in order even when the latency changes.
  const int dir = toward == Side::Server ? 1 : 0;
  const SimTime at =
      std::max(q_.now() + latency(c.client_host, c.server_host), c.last_arrival[dir]);
  c.last_arrival[dir] = at;
  return at;
}

void Network::deliver_later(ConnId id, Side to, std::string bytes) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  const SimTime at = next_arrival(c, to);
  q_.schedule_at(at, [this, id, to, data = std::move(bytes)] {
    auto it2 = conns_.find(id);
    if (it2 == conns_.end()) return;
    Conn& c2 = it2->second;
    if (!reachable(c2.client_host, c2.server_host)) return;  // lost on a cut link
    if (to == Side::Server && c2.server_open && c2.server) c2.server->on_data(id, data);
    if (to == Side::Client && c2.client_open) c2.client->on_data(id, data);
  });
}

void Network::send(ConnId id, Side from, std::string bytes) {
  auto it = conns_.find(id);
  if (it == conns_.end() || !it->second.established || bytes.empty()) return;
  const Conn& c = it->second;
  if ((from == Side::Client && !c.client_open) || (from == Side::Server && !c.server_open)) return;
  if (!reachable(c.client_host, c.server_host)) return;
  deliver_later(id, from == Side::Client ? Side::Server : Side::Client, std::move(bytes));
}

void Network::close(ConnId id, Side side) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  bool& mine = side == Side::Client ? c.client_open : c.server_open;
  if (!mine) return;
  mine = false;
  if (!c.established) {  // closing before the handshake finished: just forget it
    conns_.erase(it);
    return;
  }
  // The FIN travels behind the data already sent.
  const SimTime at = next_arrival(c, other(side));
  q_.schedule_at(at, [this, id, side] {
    auto it2 = conns_.find(id);
    if (it2 == conns_.end()) return;
    Conn& c2 = it2->second;
    if (side == Side::Client && c2.server_open) {
      c2.server_open = false;
      c2.server->on_closed(id);
    } else if (side == Side::Server && c2.client_open) {
      c2.client_open = false;
      c2.client->on_closed(id);
    }
    finish_if_closed(id);
  });
}

void Network::start_tls(ConnId id, Side side, std::string server_name) {
  auto it = conns_.find(id);
  if (it == conns_.end() || !it->second.established) return;
  Conn& c = it->second;
  if (side == Side::Client) c.tls_server_name = std::move(server_name);
  const SimTime at = next_arrival(c, other(side));
  q_.schedule_at(at, [this, id, side] {
    auto it2 = conns_.find(id);
    if (it2 == conns_.end()) return;
    Conn& c2 = it2->second;
    if (side == Side::Client && c2.server_open && c2.server) c2.server->on_tls_start(id);
    if (side == Side::Server && c2.client_open) c2.client->on_tls_start(id);
  });
}

void Network::tls_failed(ConnId id, Side side, std::string why) {
  auto it = conns_.find(id);
  if (it == conns_.end() || !it->second.established) return;
  Conn& c = it->second;
  const SimTime at = next_arrival(c, other(side));
  q_.schedule_at(at, [this, id, side, why = std::move(why)] {
    auto it2 = conns_.find(id);
    if (it2 == conns_.end()) return;
    Conn& c2 = it2->second;
    if (side == Side::Client && c2.server_open && c2.server) c2.server->on_tls_failed(id, why);
    if (side == Side::Server && c2.client_open) c2.client->on_tls_failed(id, why);
  });
}

void Network::finish_if_closed(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  const Conn& c = it->second;
  if (c.client_open || c.server_open) return;
  trace_connection(EventKind::ConnectionClosed, id, c, "connection closed");
  conns_.erase(it);
}

void Network::reset(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn c = it->second;
  conns_.erase(it);
  if (c.established) {
    trace_connection(EventKind::ConnectionClosed, id, c, "connection reset");
  }
  if (c.server_open && c.server) c.server->on_closed(id);
  if (c.client_open) {
    if (c.established) {
      c.client->on_closed(id);
    } else {
      c.client->on_failed(id, ConnectError::Refused);
    }
  }
}

bool Network::is_open(ConnId id) const {
  return conns_.count(id) > 0;
}

std::size_t Network::open_connections() const {
  return conns_.size();
}

void Network::send_datagram(HostId from, std::uint16_t from_port, HostId to, std::uint16_t port,
                            std::string bytes) {
  if (!reachable(from, to) || !hosts_.at(from).up) return;
  q_.schedule_in(latency(from, to), [this, from, from_port, to, port, data = std::move(bytes)] {
    if (!reachable(from, to)) return;
    auto& host = hosts_[to];
    auto it = host.services.find(port);
    if (!host.up || it == host.services.end() || !it->second.up || !it->second.datagram) return;
    it->second.datagram->on_datagram(from, from_port, data);
  });
}

}  // namespace smtpsim::engine
