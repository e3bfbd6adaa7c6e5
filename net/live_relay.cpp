// The outside gateway and the layered resolver of live relay.
#include "net/live_relay.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "net/relay_resolver.hpp"
#include "net/stream.hpp"
#include "net/tls.hpp"

namespace smtpsim::net {

using boost::system::error_code;
using engine::ConnId;
using engine::Side;
using trace::Event;
using trace::EventKind;

namespace {

// "host:port", "[v6]:port" or "host" (then `default_port`).
std::pair<std::string, std::uint16_t> split_host_port(const std::string& s,
                                                      std::uint16_t default_port) {
  std::string host = s, port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos) throw std::runtime_error(fmt::format("'{}': missing ']'", s));
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') throw std::runtime_error(fmt::format("'{}': expected ':PORT'", s));
      port = s.substr(close + 2);
    }
  } else if (const auto colon = s.rfind(':'); colon != std::string::npos && s.find(':') == colon) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty()) throw std::runtime_error(fmt::format("'{}' names no host", s));
  if (port.empty()) return {host, default_port};
  int n = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || n > 65535) {
      throw std::runtime_error(fmt::format("'{}': '{}' is not a port number", s, port));
    }
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > 65535) throw std::runtime_error(fmt::format("'{}': port out of range", s));
  return {host, static_cast<std::uint16_t>(n)};
}

}  // namespace

// ---------------------------------------------------------------------------------------
class LiveRelay::Outbound : public engine::ConnectionHandler,
                            public std::enable_shared_from_this<Outbound> {
 public:
  Outbound(LiveRelay& relay, ConnId id)
      : relay_(relay), id_(id), socket_(relay.io_), timer_(relay.io_) {}

  void connect(const tcp::endpoint& to) {
    auto self = shared_from_this();
    timer_.expires_after(relay_.opt_.connect_timeout);
    timer_.async_wait([self](const error_code& ec) {
      if (ec || self->connected_) return;
      self->timed_out_ = true;
      error_code ignored;
      self->socket_.close(ignored);  // the connect completes with operation_aborted
    });
    socket_.async_connect(to, [self](const error_code& ec) { self->on_connect(ec); });
  }

  void abort() {
    if (stream_) stream_->abort();
    error_code ignored;
    socket_.close(ignored);
  }

  // engine::ConnectionHandler: the server end of the virtual connection; the simulated MTA
  // is the client.
  void on_data(ConnId, std::string_view bytes) override {
    if (stream_) stream_->write(std::string(bytes));
  }
  void on_closed(ConnId) override {
    sim_done_ = true;  // the network marked our end closed: it calls us no more
    if (stream_) stream_->close();
    done();
  }
  void on_tls_start(ConnId) override {
    if (!stream_ || !relay_.net_) return;
    // RFC 7435 §2 / RFC 3207 §4.1: opportunistic TLS between MTAs, unauthenticated. SNI is
    // the MX host name the MTA dialled (RFC 6066 §3; the stream sends none for an IP
    // literal, e.g. a smarthost given by address).
    const std::string sni = relay_.net_->tls_server_name(id_);
    error_code literal;
    boost::asio::ip::make_address(sni, literal);
    const std::string sent = literal ? sni : std::string();  // what goes out as SNI
    stream_->start_tls(
        false, sni, [weak = weak_from_this(), sent](bool ok, const std::string& detail) {
          auto self = weak.lock();
          if (!self || !self->relay_.net_) return;
          self->relay_.loop_->sync();
          if (!ok) {
            // The simulated MTA decides what follows (a plaintext retry, RFC 7435) and says so;
            // the stream ends itself next (socket_ended).
            self->tls_failed_ = true;
            self->relay_.net_->tls_failed(self->id_, Side::Server, detail);
            self->relay_.loop_->pump();
            return;
          }
          const std::string subject = self->stream_->peer_certificate_subject();
          self->trace(EventKind::TlsStarted,
                      fmt::format("TLS handshake complete ({}{}); certificate {} not verified "
                                  "(opportunistic TLS, RFC 7435)",
                                  detail, sent.empty() ? "" : "; SNI " + sent,
                                  subject.empty() ? "(none)" : subject));
          self->relay_.loop_->pump();
        });
  }

 private:
  void on_connect(const error_code& ec) {
    timer_.cancel();
    if (!relay_.net_) return;  // the relay is going away
    LiveLoop& loop = *relay_.loop_;
    engine::Network& net = *relay_.net_;
    loop.sync();
    if (ec || timed_out_) {  // timed out: even a connect that won the race counts as failed
      sim_done_ = true;
      net.outside_failed(id_, timed_out_ || ec == boost::asio::error::timed_out ||
                                      ec == boost::asio::error::host_unreachable ||
                                      ec == boost::asio::error::network_unreachable
                                  ? engine::ConnectError::Timeout
                                  : engine::ConnectError::Refused);
      loop.pump();
      done();
      return;
    }
    connected_ = true;
    stream_ = std::make_shared<Stream>(std::move(socket_), client_context(true));
    net.outside_connected(id_, this);
    if (!net.is_open(id_)) {  // the simulated client gave up meanwhile
      sim_done_ = true;
      stream_->abort();
      loop.pump();
      done();
      return;
    }
    // The stream holds us weakly while it reads (the relay owns us); strongly for its end.
    stream_->start(
        [weak = weak_from_this()](std::string_view bytes) {
          if (auto self = weak.lock()) self->from_socket(bytes);
        },
        [self = shared_from_this()](const std::string& why) { self->socket_ended(why); });
    loop.pump();
  }

  void from_socket(std::string_view bytes) {
    if (!relay_.net_) return;
    relay_.loop_->sync();
    if (!sim_done_) relay_.net_->send(id_, Side::Server, std::string(bytes));
    // The machine answers in this same turn (no simulated latency on real paths): a
    // "220 Ready to start TLS" it reads here switches the stream before its next read.
    relay_.loop_->pump();
  }

  void socket_ended(const std::string& why) {
    if (!relay_.net_) return;
    relay_.loop_->sync();
    if (!why.empty() && why != "the peer closed the connection" && !tls_failed_) {
      trace(EventKind::Note, why, "error");
    }
    if (!sim_done_) {
      sim_done_ = true;
      relay_.net_->close(id_, Side::Server);
    }
    relay_.loop_->pump();
    done();
  }

  void trace(EventKind kind, std::string text, std::string detail = {}) {
    engine::Network& net = *relay_.net_;
    if (!net.is_open(id_)) return;
    net.trace(Event{.kind = kind,
                    .host = net.name(net.client_host(id_)),
                    .peer = net.name(net.server_host(id_)),
                    .conn = id_,
                    .port = net.port(id_),
                    .proto = "SMTP",
                    .text = std::move(text),
                    .detail = std::move(detail)});
  }

  void done() {
    if (!relay_.net_) return;
    if (!sim_done_ || (stream_ && stream_->open()) || forgotten_) return;
    forgotten_ = true;
    boost::asio::post(relay_.io_,
                      [r = &relay_, self = shared_from_this()] { r->forget(self.get()); });
  }

  LiveRelay& relay_;
  ConnId id_;
  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Stream> stream_;
  bool connected_ = false, timed_out_ = false;
  bool sim_done_ = false, forgotten_ = false;
  bool tls_failed_ = false;  // told the simulation (Network::tls_failed); it traces that
};

// ---------------------------------------------------------------------------------------
LiveRelay::LiveRelay(boost::asio::io_context& io, RelayOptions options)
    : io_(io), opt_(std::move(options)) {
  if (!opt_.dns.empty()) {
    try {
      cares_ = std::make_unique<CaresChannel>(
          io_, CaresOptions{opt_.dns, opt_.dns_timeout_ms, opt_.dns_tries});
    } catch (const std::exception& ex) {
      throw std::runtime_error(fmt::format("--dns: {}", ex.what()));
    }
  }
  if (!opt_.relay.empty()) relay_setup();
}

void LiveRelay::relay_setup() {
  std::string host;
  std::uint16_t port = 25;
  try {
    std::tie(host, port) = split_host_port(opt_.relay, 25);
  } catch (const std::exception& ex) {
    throw std::runtime_error(fmt::format("--relay: {}", ex.what()));
  }
  smarthost_name_ = host;
  smarthost_port_ = port;
  error_code ec;
  const auto literal = boost::asio::ip::make_address(host, ec);
  if (!ec) {
    smarthost_address_ = literal.to_string();
  } else {
    // Once, at start (getaddrinfo): the smarthost is configuration, not a per-message
    // lookup. IPv4 first, as the simulated network's addresses are.
    tcp::resolver resolver(io_);
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) {
      throw std::runtime_error(fmt::format("--relay: cannot find the address of {}: {}", host,
                                           ec ? ec.message() : "no address"));
    }
    for (const auto& e : found) {
      if (smarthost_address_.empty() || e.endpoint().address().is_v4()) {
        smarthost_address_ = e.endpoint().address().to_string();
        if (e.endpoint().address().is_v4()) break;
      }
    }
  }
}

LiveRelay::~LiveRelay() {
  // The simulation may be gone already: the connections end without telling it.
  net_ = nullptr;
  loop_ = nullptr;
  stop();
  conns_.clear();
}

std::unique_ptr<nodes::Resolver> LiveRelay::wrap(std::unique_ptr<nodes::Resolver> simulated,
                                                 nodes::World& world, engine::HostId mta) {
  std::unique_ptr<nodes::Resolver> real;
  if (cares_) real = std::make_unique<CaresResolver>(world, mta, *cares_);
  return std::make_unique<RelayResolver>(std::move(simulated), std::move(real), world, mta,
                                         smarthost_name_, smarthost_address_);
}

void LiveRelay::attach(LiveLoop& loop, engine::Network& net) {
  loop_ = &loop;
  net_ = &net;
  if (cares_) cares_->set_loop(&loop);
  net.set_outside(this);
}

void LiveRelay::stop() {
  auto all = conns_;
  for (auto& [raw, c] : all) c->abort();
}

std::string LiveRelay::describe() const {
  if (!smarthost_address_.empty()) {
    return fmt::format(
        "mail for other domains goes to the smarthost {}:{}{}", smarthost_name_, smarthost_port_,
        smarthost_name_ == smarthost_address_ ? "" : fmt::format(" [{}]", smarthost_address_));
  }
  if (cares_) {
    return fmt::format("mail for other domains goes to their MX hosts (real DNS at {}, port {})",
                       cares_->server(), opt_.mx_port);
  }
  return "mail for other domains is not relayed";
}

void LiveRelay::open(ConnId id, const std::string& address, std::uint16_t port) {
  // The MTA dials 25 (RFC 5321 §4.5.4.1 no other port); the real one is configured.
  std::uint16_t real_port = port;
  if (port == 25) real_port = smarthost_address_.empty() ? opt_.mx_port : smarthost_port_;
  error_code ec;
  const auto ip = boost::asio::ip::make_address(address, ec);
  auto c = std::make_shared<Outbound>(*this, id);
  conns_[c.get()] = c;
  if (ec) {  // not an address a socket can reach: no such host
    boost::asio::post(io_, [this, id, c] {
      loop_->sync();
      net_->outside_failed(id, engine::ConnectError::Refused);
      loop_->pump();
      forget(c.get());
    });
    return;
  }
  net_->trace(
      Event{.kind = EventKind::Note,
            .host = net_->name(net_->client_host(id)),
            .peer = address,
            .conn = id,
            .port = port,
            .proto = "SMTP",
            .text = fmt::format("connecting to {}:{} on the real network", address, real_port)});
  c->connect(tcp::endpoint(ip, real_port));
}

void LiveRelay::forget(Outbound* c) {
  conns_.erase(c);
}

}  // namespace smtpsim::net
