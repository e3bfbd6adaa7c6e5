// Real connections for virtual ones from the live panel: resolve, connect, relay bytes, TLS.
#include "gui/live_gateway.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>

#include "net/stream.hpp"
#include "net/tls.hpp"

namespace smtpsim::gui {

namespace asio = boost::asio;
using boost::system::error_code;
using engine::Side;
using trace::Event;
using trace::EventKind;

namespace {
// Postfix smtp_connect_timeout (30 s), as Network::connect_timeout for simulated hosts.
constexpr auto kConnectTimeout = std::chrono::seconds(30);

std::shared_ptr<asio::ssl::context> client_tls(bool insecure) {
  // smtpsim's own self-signed certificate is trusted besides the system's CAs, so the panel
  // verifies a `smtpsim serve` on this machine without --insecure.
  std::string ca;
  if (!insecure) {
    const std::string own = net::data_home() + "/tls/cert.pem";
    std::error_code ec;
    if (std::filesystem::exists(own, ec)) ca = own;
  }
  return net::client_context(insecure, ca);
}
}  // namespace

class LiveGateway::Conn : public engine::ConnectionHandler,
                          public std::enable_shared_from_this<Conn> {
 public:
  Conn(LiveGateway& gw, engine::ConnId id, Plan plan)
      : gw_(gw),
        id_(id),
        client_(gw.net_.name(gw.net_.client_host(id))),
        server_(gw.net_.name(gw.net_.server_host(id))),
        port_(gw.net_.port(id)),
        plan_(std::move(plan)),
        resolver_(gw.loop_.io()),
        socket_(gw.loop_.io()),
        timer_(gw.loop_.io()) {}

  void start(const std::string& address, std::uint16_t port) {
    auto self = shared_from_this();
    timer_.expires_after(kConnectTimeout);
    timer_.async_wait([self](const error_code& ec) {
      if (ec || self->connected_) return;
      self->timed_out_ = true;
      error_code ignored;
      self->resolver_.cancel();
      self->socket_.close(ignored);
    });
    resolver_.async_resolve(
        address, std::to_string(port),
        [self](const error_code& ec, net::tcp::resolver::results_type results) {
          if (ec) return self->fail(fmt::format("cannot resolve the host name: {}", ec.message()));
          asio::async_connect(self->socket_, results,
                              [self](const error_code& ec2, const net::tcp::endpoint&) {
                                if (ec2) return self->fail(ec2.message());
                                self->on_tcp_connected();
                              });
        });
  }

  void shut(bool now) {
    error_code ignored;
    resolver_.cancel();
    timer_.cancel();
    if (stream_ && stream_->open() && now)
      stream_->abort();
    else if (stream_ && stream_->open())
      stream_->close();
    else
      socket_.close(ignored);
  }

  // engine::ConnectionHandler: the far (server) end of the virtual connection.
  void on_data(engine::ConnId, std::string_view bytes) override {
    if (stream_) stream_->write(std::string(bytes));
  }
  void on_closed(engine::ConnId) override {
    sim_closed_ = true;
    if (stream_) stream_->close();
  }
  void on_tls_start(engine::ConnId) override {
    // The machine read "220 Ready to start TLS" and starts its handshake (RFC 3207 §4).
    auto self = shared_from_this();
    stream_->start_tls(false, plan_.sni, [self](bool ok, const std::string& detail) {
      if (!ok) return;  // the stream ends itself and says why (socket_ended)
      self->gw_.loop_.sync();
      self->trace_tls(detail);
      self->gw_.loop_.pump();
    });
  }

 private:
  void fail(const std::string& why) {
    engine::Network& net = gw_.net_;
    gw_.loop_.sync();
    if (!connected_) {
      const bool timeout = timed_out_;
      trace_note(timeout ? "no answer from the real server within 30 s" : why);
      net.outside_failed(id_,
                         timeout ? engine::ConnectError::Timeout : engine::ConnectError::Refused);
    }
    gw_.loop_.pump();
    done();
  }

  void on_tcp_connected() {
    timer_.cancel();
    stream_ = std::make_shared<net::Stream>(std::move(socket_), client_tls(plan_.insecure));
    auto self = shared_from_this();
    if (plan_.implicit_tls) {
      // RFC 8314 §3.3: TLS first; the server greets inside it.
      stream_->start_tls(false, plan_.sni, [self](bool ok, const std::string& detail) {
        if (!ok) return;
        self->gw_.loop_.sync();
        self->open_virtual();
        self->trace_tls(detail);
        self->gw_.loop_.pump();
      });
    } else {
      gw_.loop_.sync();
      open_virtual();
      gw_.loop_.pump();
    }
    stream_->start([self](std::string_view bytes) { self->from_socket(bytes); },
                   [self](const std::string& why) { self->socket_ended(why); });
  }

  void open_virtual() {
    connected_ = true;
    gw_.net_.outside_connected(id_, this);
  }

  void from_socket(std::string_view bytes) {
    gw_.loop_.sync();
    if (connected_ && !sim_closed_) gw_.net_.send(id_, Side::Server, std::string(bytes));
    gw_.loop_.pump();
  }

  void socket_ended(const std::string& why) {
    engine::Network& net = gw_.net_;
    gw_.loop_.sync();
    if (!connected_) {  // the implicit-TLS handshake failed: the connection never opened
      trace_note(why.empty() ? "the real server closed the connection" : why);
      net.outside_failed(id_, engine::ConnectError::Refused);
    } else {
      if (!why.empty() && why != "the peer closed the connection") trace_note(why);
      if (!sim_closed_) {
        sim_closed_ = true;
        net.close(id_, Side::Server);
      }
    }
    gw_.loop_.pump();
    done();
  }

  void trace_tls(const std::string& detail) {
    engine::Network& net = gw_.net_;
    const std::string subject = stream_->peer_certificate_subject();
    net.trace(
        Event{.kind = EventKind::TlsStarted,
              .host = client_,
              .peer = server_,
              .conn = id_,
              .port = port_,
              .proto = "SMTP",
              .text = fmt::format("real TLS handshake done ({}); server certificate {}{}", detail,
                                  subject.empty() ? "(none)" : subject,
                                  plan_.insecure ? " -- NOT verified (insecure)" : ", verified")});
  }

  void trace_note(const std::string& why) {
    gw_.problem_ = why;
    gw_.net_.trace(Event{.kind = EventKind::Note,
                         .host = client_,
                         .peer = server_,
                         .conn = id_,
                         .port = port_,
                         .proto = "SMTP",
                         .text = why,
                         .detail = "error"});
  }

  void done() {
    if (forgotten_) return;
    forgotten_ = true;
    // Not from inside our own callbacks: the gateway drops us on the next turn.
    asio::post(gw_.loop_.io(),
               [gw = &gw_, id = id_, self = shared_from_this()] { gw->forget(id); });
  }

  LiveGateway& gw_;
  engine::ConnId id_;
  std::string client_, server_;  // host names, for the trace
  std::uint16_t port_;
  Plan plan_;
  net::tcp::resolver resolver_;
  net::tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<net::Stream> stream_;
  bool connected_ = false, sim_closed_ = false, timed_out_ = false, forgotten_ = false;
};

LiveGateway::LiveGateway(net::LiveLoop& loop, engine::Network& net) : loop_(loop), net_(net) {
  net_.set_outside(this);
}

LiveGateway::~LiveGateway() {
  net_.set_outside(nullptr);
  close_all(true);
}

void LiveGateway::open(engine::ConnId id, const std::string& address, std::uint16_t port) {
  if (!plan_ && unplanned_) {
    unplanned_->open(id, address, port);
    return;
  }
  auto c = std::make_shared<Conn>(*this, id, std::exchange(plan_, std::nullopt).value_or(Plan{}));
  conns_[id] = c;
  c->start(address, port);
}

void LiveGateway::forget(engine::ConnId id) {
  conns_.erase(id);
}

void LiveGateway::close_all(bool now) {
  auto all = conns_;
  for (auto& [id, c] : all) c->shut(now);
}

}  // namespace smtpsim::gui
