// Real listeners in front of a simulated provider, one virtual connection per real socket.
#include "net/live_server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>

#include "net/stream.hpp"

namespace smtpsim::net {

using boost::system::error_code;
using trace::Event;
using trace::EventKind;

std::vector<ServedPort> standard_ports(int offset, bool with_tls) {
  std::vector<ServedPort> all = {
      {25, 25, "SMTP", "SMTP", false},   {587, 587, "SMTP", "submission", false},
      {465, 465, "SMTP", "SMTPS", true}, {110, 110, "POP3", "POP3", false},
      {995, 995, "POP3", "POP3S", true}, {143, 143, "IMAP", "IMAP", false},
      {993, 993, "IMAP", "IMAPS", true},
  };
  std::vector<ServedPort> out;
  for (auto p : all) {
    if (p.implicit_tls && !with_tls) continue;
    p.real = static_cast<std::uint16_t>(p.simulated + offset);
    out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
class LiveServer::Client : public engine::ConnectionHandler,
                           public std::enable_shared_from_this<Client> {
 public:
  Client(LiveServer& server, tcp::socket socket, const ServedPort& port)
      : server_(server),
        port_(port),
        stream_(std::make_shared<Stream>(std::move(socket), server.opt_.tls)) {
    stream_->set_handshake_timeout(server.opt_.handshake_timeout);
  }

  const std::string& address() const { return address_; }

  void start() {
    const std::string remote = stream_->remote();
    address_ = remote.substr(0, remote.rfind(':'));
    const std::string name = fmt::format("external client {}", remote);
    engine::Network& net = server_.net_;
    server_.loop_.sync();
    host_ = net.find(name);
    if (host_ < 0) host_ = net.add_real_host(name, address_);
    auto self = shared_from_this();
    if (port_.implicit_tls) {
      // RFC 8314 §3.3: the TLS handshake comes first; the service greets inside it.
      stream_->start_tls(true, {}, [self](bool ok, const std::string& detail) {
        if (!ok) return;  // the stream ends itself and says why
        self->server_.loop_.sync();
        self->trace_tls(detail);
        self->connect_sim();
      });
    } else {
      connect_sim();
    }
    stream_->start([self](std::string_view bytes) { self->from_socket(bytes); },
                   [self](const std::string& why) { self->socket_ended(why); });
  }

  void shut() {
    if (stream_->open()) stream_->close();
  }

  // engine::ConnectionHandler: the simulated server's side of the virtual connection.
  void on_connected(engine::ConnId) override { sim_open_ = true; }
  void on_failed(engine::ConnId, engine::ConnectError) override {
    sim_closed_ = true;
    stream_->abort();  // the service is down: the real client sees the connection reset
    done();
  }
  void on_data(engine::ConnId, std::string_view bytes) override {
    if (server_.opt_.before_output) {
      if (auto err = server_.opt_.before_output()) {
        engine::Network& net = server_.net_;
        net.trace(Event{.kind = EventKind::Note,
                        .host = net.name(server_.provider_),
                        .peer = net.name(host_),
                        .conn = id_,
                        .text = fmt::format("the spool cannot be made durable ({}): connection "
                                            "dropped instead of answering",
                                            *err),
                        .detail = "error"});
        stream_->abort();
        return;
      }
    }
    stream_->write(std::string(bytes));
  }
  void on_closed(engine::ConnId) override {
    sim_closed_ = true;
    stream_->close();
    done();
  }
  void on_tls_start(engine::ConnId) override {
    auto self = shared_from_this();
    stream_->start_tls(true, {}, [self](bool ok, const std::string& detail) {
      if (!ok) return;
      self->server_.loop_.sync();
      self->trace_tls(detail);
      self->server_.loop_.pump();
    });
  }

 private:
  void connect_sim() {
    engine::Network& net = server_.net_;
    id_ = net.connect(host_, server_.provider_, port_.simulated, this);
    server_.loop_.pump();
  }

  void from_socket(std::string_view bytes) {
    server_.loop_.sync();
    if (sim_open_ && !sim_closed_) server_.net_.send(id_, engine::Side::Client, std::string(bytes));
    server_.loop_.pump();
  }

  void socket_ended(const std::string& why) {
    server_.loop_.sync();
    engine::Network& net = server_.net_;
    if (!why.empty() && why != "the peer closed the connection") {
      net.trace(Event{.kind = EventKind::Note,
                      .host = net.name(host_),
                      .peer = net.name(server_.provider_),
                      .conn = id_,
                      .port = port_.simulated,
                      .proto = port_.proto,
                      .text = why,
                      .detail = "error"});
    }
    if (stream_->dropped_plaintext() > 0) {
      net.trace(Event{.kind = EventKind::Note,
                      .host = net.name(host_),
                      .conn = id_,
                      .text = fmt::format("{} bytes sent in plaintext after STARTTLS were "
                                          "discarded (CVE-2011-0411)",
                                          stream_->dropped_plaintext()),
                      .detail = "error"});
    }
    if (id_ != 0 && !sim_closed_) {
      sim_closed_ = true;
      net.close(id_, engine::Side::Client);
    }
    socket_done_ = true;
    server_.loop_.pump();
    done();
  }

  void trace_tls(const std::string& detail) {
    engine::Network& net = server_.net_;
    net.trace(Event{.kind = EventKind::TlsStarted,
                    .host = net.name(host_),
                    .peer = net.name(server_.provider_),
                    .conn = id_,
                    .port = port_.simulated,
                    .proto = port_.proto,
                    .text = fmt::format("TLS handshake complete ({})", detail)});
  }

  void done() {
    if (!sim_closed_ || !socket_done_ || forgotten_) return;
    forgotten_ = true;
    // Not from inside our own callbacks: the server drops us on the next turn.
    boost::asio::post(server_.loop_.io(),
                      [s = &server_, self = shared_from_this()] { s->forget(self.get()); });
  }

  LiveServer& server_;
  ServedPort port_;
  std::shared_ptr<Stream> stream_;
  std::string address_;
  engine::HostId host_ = -1;
  engine::ConnId id_ = 0;
  bool sim_open_ = false, sim_closed_ = false, socket_done_ = false, forgotten_ = false;
};

// ---------------------------------------------------------------------------------------
struct LiveServer::Acceptor {
  ServedPort port;
  tcp::acceptor acceptor;
  boost::asio::steady_timer pause{acceptor.get_executor()};
  bool said_why = false;  // the accept failure is traced once per port, not once a turn
};

LiveServer::LiveServer(LiveLoop& loop, engine::Network& net, engine::HostId provider,
                       ServeOptions options)
    : loop_(loop), net_(net), provider_(provider), opt_(std::move(options)) {
  for (const auto& p : standard_ports(opt_.port_offset, opt_.tls != nullptr)) {
    const auto served = net_.ports(provider_);
    if (std::find(served.begin(), served.end(), p.simulated) != served.end()) ports_.push_back(p);
  }
}

LiveServer::~LiveServer() {
  stop();
}

void LiveServer::start() {
  error_code ec;
  const auto address = boost::asio::ip::make_address(opt_.listen, ec);
  if (ec)
    throw std::runtime_error(fmt::format("'{}' is not an IP address to listen on", opt_.listen));
  for (const auto& p : ports_) {
    auto a = std::make_unique<Acceptor>(Acceptor{p, tcp::acceptor(loop_.io())});
    const tcp::endpoint ep(address, p.real);
    a->acceptor.open(ep.protocol(), ec);
    if (!ec) a->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a->acceptor.bind(ep, ec);
    if (!ec) a->acceptor.listen(tcp::socket::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error(
          fmt::format("cannot listen on {}:{}: {}", opt_.listen, p.real, ec.message()));
    }
    acceptors_.push_back(std::move(a));
  }
  for (auto& a : acceptors_) accept_next(*a);
}

void LiveServer::accept_next(Acceptor& a) {
  a.acceptor.async_accept([this, &a](const error_code& ec, tcp::socket socket) {
    if (stopped_ || ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      on_accept(a, std::move(socket));
      accept_next(a);
      return;
    }
    // Out of file descriptors (EMFILE/ENFILE) or memory: the connection stays in the
    // backlog; trying again at once would spin the loop at full CPU and starve every open
    // session. Wait a little, as nginx and Postfix's master do.
    if (!a.said_why) {
      a.said_why = true;
      loop_.sync();
      net_.trace(Event{.kind = EventKind::Note,
                       .host = net_.name(provider_),
                       .port = a.port.simulated,
                       .proto = a.port.proto,
                       // strerror, not ec.message(): with no descriptor left, UBSan's
                       // vptr check on the category's virtual call cannot probe memory.
                       .text = fmt::format("cannot accept on port {}: {}; retrying every 100 ms",
                                           a.port.real, std::strerror(ec.value())),
                       .detail = "error"});
    }
    a.pause.expires_after(std::chrono::milliseconds(100));
    a.pause.async_wait([this, &a](const error_code& wait_ec) {
      if (!wait_ec && !stopped_) accept_next(a);
    });
  });
}

namespace {
// RFC 5321 §3.1 (421 instead of the 220 greeting), RFC 1939 §4 (-ERR greeting is not
// defined; a busy server answers -ERR and closes, as Dovecot does), RFC 3501 §7.1.5 (BYE).
std::string busy_greeting(const std::string& proto) {
  if (proto == "POP3") return "-ERR [SYS/TEMP] Too many connections, try again later\r\n";
  if (proto == "IMAP") return "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
  return "421 4.7.0 Too many connections, try again later\r\n";
}
}  // namespace

void LiveServer::on_accept(Acceptor& a, tcp::socket socket) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  const std::string address = remote.address().to_string();
  // find(), not operator[]: a refused address must not leave an entry behind.
  const auto held = per_address_.find(address);
  const std::size_t from_address = held == per_address_.end() ? 0 : held->second;
  if (clients_.size() >= opt_.max_connections || from_address >= opt_.max_per_client) {
    ++refused_busy_;
    auto s = std::make_shared<Stream>(std::move(socket), nullptr);
    s->start([](std::string_view) {}, [s](const std::string&) {});
    s->write(busy_greeting(a.port.proto));
    s->close();
    loop_.sync();
    net_.trace(Event{.kind = EventKind::Note,
                     .host = net_.name(provider_),
                     .port = a.port.simulated,
                     .proto = a.port.proto,
                     .text = fmt::format("refused {}:{} on port {}: too many connections", address,
                                         remote.port(), a.port.real),
                     .detail = "error"});
    return;
  }
  ++accepted_;
  ++per_address_[address];
  auto c = std::make_shared<Client>(*this, std::move(socket), a.port);
  clients_[c.get()] = c;
  c->start();
}

void LiveServer::forget(Client* c) {
  auto it = clients_.find(c);
  if (it == clients_.end()) return;
  if (auto pa = per_address_.find(c->address()); pa != per_address_.end() && pa->second > 0) {
    if (--pa->second == 0) per_address_.erase(pa);
  }
  clients_.erase(it);
}

void LiveServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& a : acceptors_) {
    error_code ec;
    a->acceptor.close(ec);
    a->pause.cancel();
  }
  auto all = clients_;
  for (auto& [raw, c] : all) c->shut();
}

}  // namespace smtpsim::net
