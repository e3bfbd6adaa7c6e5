// The non-template half of the client runner: the transcript and the connector.
#include "net/client_runner.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include <boost/asio/post.hpp>
#include "sim/engine/sim_time.hpp"

namespace smtpsim::net {

using boost::system::error_code;
using trace::EventKind;

namespace {
constexpr std::uint64_t kConn = 1;  // one connection per transcript
}

ClientTranscript::ClientTranscript(std::string server, std::uint16_t port, std::string proto,
                                   Write write)
    : server_(std::move(server)), port_(port), proto_(std::move(proto)), write_(std::move(write)) {}

std::int64_t ClientTranscript::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void ClientTranscript::put(trace::Event e) {
  e.time = now_us();
  e.conn = e.conn ? e.conn : kConn;
  e.port = port_;
  e.proto = proto_;
  const std::string line = writer_.render(e);
  if (!line.empty() && write_) write_(line);
}

// A response with a literal inside (an IMAP FETCH of BODY[]) comes as one piece with CRLFs:
// one transcript line per protocol line, as the simulation's SessionTracer shows them.
void ClientTranscript::emit_lines(std::string_view text, bool sensitive, bool from_client) {
  const bool tls = tls_now_ && tls_now_();
  while (true) {
    const std::size_t end = text.find("\r\n");
    put(trace::Event{.kind = EventKind::Line,
                     .host = from_client ? client_ : server_,
                     .peer = from_client ? server_ : client_,
                     .outbound = true,
                     .tls = tls,
                     .sensitive = sensitive,
                     .text = std::string(text.substr(0, end))});
    if (end == std::string_view::npos || end + 2 == text.size()) break;
    text.remove_prefix(end + 2);
  }
}

void ClientTranscript::on_line_in(std::string_view line, bool sensitive) {
  emit_lines(line, sensitive, false);
}
void ClientTranscript::on_line_out(std::string_view line, bool sensitive) {
  emit_lines(line, sensitive, true);
}

void ClientTranscript::opened(std::string_view text) {
  put(trace::Event{.kind = EventKind::ConnectionOpened,
                   .host = client_,
                   .peer = server_,
                   .text = std::string(text)});
}
void ClientTranscript::tls_started(std::string_view description) {
  put(trace::Event{.kind = EventKind::TlsStarted,
                   .host = client_,
                   .peer = server_,
                   .text = std::string(description)});
}
void ClientTranscript::info(std::string_view text) {
  put(trace::Event{.kind = EventKind::Note, .conn = 0, .text = std::string(text)});
}
void ClientTranscript::error(std::string_view text) {
  put(trace::Event{
      .kind = EventKind::Note, .conn = 0, .text = std::string(text), .detail = "error"});
}
void ClientTranscript::closed(std::string_view text) {
  put(trace::Event{.kind = EventKind::ConnectionClosed,
                   .host = client_,
                   .peer = server_,
                   .text = std::string(text)});
}

// ---------------------------------------------------------------------------------------

std::shared_ptr<Connector> Connector::start(asio::io_context& io, std::string host,
                                            std::uint16_t port, Done done) {
  auto c = std::make_shared<Connector>(io);
  c->host_ = std::move(host);
  c->port_ = port;
  c->done_ = std::move(done);
  // A literal address needs no lookup (and "[::1]" style brackets are the caller's business).
  error_code ec;
  const auto addr = asio::ip::make_address(c->host_, ec);
  if (!ec) {
    c->endpoints_.emplace_back(addr, port);
    asio::post(io, [c] { c->try_next(); });
    return c;
  }
  c->resolver_.async_resolve(
      c->host_, std::to_string(port),
      [c](const error_code& rec, const tcp::resolver::results_type& results) {
        if (c->cancelled_) {
          if (c->done_)
            std::exchange(c->done_, {})("cancelled", tcp::socket(c->socket_.get_executor()));
          return;
        }
        if (rec) {
          if (c->done_)
            std::exchange(c->done_, {})(
                fmt::format("cannot resolve {}: {}", c->host_, rec.message()),
                tcp::socket(c->socket_.get_executor()));
          return;
        }
        for (const auto& r : results) c->endpoints_.push_back(r.endpoint());
        c->try_next();
      });
  return c;
}

void Connector::try_next() {
  if (!done_) return;
  if (cancelled_ || next_ >= endpoints_.size()) {
    std::string why = cancelled_            ? "cancelled"
                      : last_error_.empty() ? fmt::format("no address for {}", host_)
                                            : last_error_;
    std::exchange(done_, {})(why, tcp::socket(socket_.get_executor()));
    return;
  }
  const tcp::endpoint ep = endpoints_[next_++];
  error_code ec;
  if (socket_.is_open()) socket_.close(ec);
  auto self = shared_from_this();
  socket_.async_connect(ep, [self, ep](const error_code& cec) {
    if (!self->done_) return;
    if (!cec && !self->cancelled_) {
      std::exchange(self->done_, {})("", std::move(self->socket_));
      return;
    }
    // RFC 3986 §3.2.2: an IPv6 address is bracketed before its port.
    const std::string where = ep.address().is_v6()
                                  ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                                  : fmt::format("{}:{}", ep.address().to_string(), ep.port());
    self->last_error_ = cec == asio::error::connection_refused
                            ? "connection refused by " + where
                            : fmt::format("cannot connect to {}: {}", where, cec.message());
    self->try_next();
  });
}

void Connector::cancel() {
  cancelled_ = true;
  resolver_.cancel();
  error_code ec;
  socket_.close(ec);
}

}  // namespace smtpsim::net
