// One client machine (SMTP, POP3 or IMAP, sim/proto/*/client_session.hpp) against a real
// server over a net::Stream: resolve, connect, implicit TLS or STARTTLS when the machine asks,
// bytes both ways, and one reply timeout at a time (the machine's own RFC 5321 §4.5.3.2
// values for SMTP, or the owner's). The runner knows no protocol: every event other than
// NeedData / StartTls / Closed goes to the owner, who answers by calling the machine.
// ClientTranscript renders what the machine reports in the trace text writer's convention
// (" ->", "<- ", " ~>", "<~ ", "===", "***"), with the time since the start.
// Trusts the machine for protocol and redaction (sensitive lines arrive as "[redacted]"),
// Stream and OpenSSL for the socket and certificate checks; the server is trusted for nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "net/stream.hpp"
#include "sim/proto/smtp/machine.hpp"
#include "sim/trace/text_writer.hpp"

namespace smtpsim::net {

// The transcript of one client connection. `write` gets each rendered line (with '\n').
class ClientTranscript : public proto::SessionObserver {
 public:
  using Write = std::function<void(std::string_view)>;
  ClientTranscript(std::string server, std::uint16_t port, std::string proto, Write write);

  void set_tls_probe(std::function<bool()> tls_now) { tls_now_ = std::move(tls_now); }
  void on_line_in(std::string_view line, bool sensitive) override;
  void on_line_out(std::string_view line, bool sensitive) override;

  void opened(std::string_view text);
  void tls_started(std::string_view description);
  void info(std::string_view text);
  void error(std::string_view text);
  void closed(std::string_view text);

 private:
  void emit_lines(std::string_view text, bool sensitive, bool from_client);
  void put(trace::Event e);
  std::int64_t now_us() const;

  std::string client_ = "smtpsim", server_;
  std::uint16_t port_;
  std::string proto_;
  Write write_;
  std::function<bool()> tls_now_;
  trace::TextWriter writer_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Resolves host and connects to the first address that answers; `done` gets "" and the
// socket, or one sentence ("connection refused by 127.0.0.1:2525"). cancel() ends the attempt
// (done then reports "cancelled").
class Connector : public std::enable_shared_from_this<Connector> {
 public:
  using Done = std::function<void(const std::string& error, tcp::socket socket)>;
  static std::shared_ptr<Connector> start(asio::io_context& io, std::string host,
                                          std::uint16_t port, Done done);
  explicit Connector(asio::io_context& io) : resolver_(io), socket_(io) {}
  void cancel();

 private:
  void try_next();
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::vector<tcp::endpoint> endpoints_;
  std::size_t next_ = 0;
  std::string last_error_;
  std::string host_;
  std::uint16_t port_ = 0;
  Done done_;
  bool cancelled_ = false;
};

struct ClientTarget {
  std::string host;
  std::uint16_t port = 0;
  bool implicit_tls = false;                // TLS from the first byte (RFC 8314)
  std::shared_ptr<asio::ssl::context> tls;  // for implicit TLS and STARTTLS
};

// How the connection ended, for the owner's exit code; what the machine said it reports itself.
struct RunResult {
  bool connected = false;  // false: resolve or connect failed (connect_error says why)
  std::string connect_error;
  bool tls_failed = false;  // a TLS handshake failed (tls_error says why, certificate included)
  std::string tls_error;
  bool timed_out = false;  // a reply did not come in time
};

template <class Session, class NeedData, class StartTls, class Closed>
class ClientRunner {
 public:
  using Event = decltype(std::declval<Session&>().next_event());
  // Every event but the transport ones; the owner calls the machine (send, finish, fetch...).
  using Handler = std::function<void(Event&)>;
  // How long to wait now (nullopt: not waiting for the server).
  using TimeoutFn = std::function<std::optional<std::chrono::milliseconds>()>;

  ClientRunner(Session& session, ClientTranscript& transcript, ClientTarget target,
               TimeoutFn timeout, Handler handler)
      : session_(session),
        transcript_(transcript),
        target_(std::move(target)),
        timeout_(std::move(timeout)),
        handler_(std::move(handler)),
        timer_(io_) {}
  ClientRunner(const ClientRunner&) = delete;
  ClientRunner& operator=(const ClientRunner&) = delete;
  ~ClientRunner() {
    done_ = true;
    if (stream_) stream_->abort();
    stream_.reset();
  }

  // So far: a handler can tell that the machine's "connection closed" follows a failed
  // handshake (the client hung up, not the server).
  const RunResult& result() const { return result_; }

  // Runs the whole session; returns once the machine is closed (or connecting failed).
  RunResult run() {
    transcript_.info(fmt_trying());
    arm();
    connector_ = Connector::start(io_, target_.host, target_.port,
                                  [this](const std::string& error, tcp::socket socket) {
                                    connected(error, std::move(socket));
                                  });
    io_.run();
    return result_;
  }

 private:
  std::string fmt_trying() const {
    return "Trying " + target_.host + ":" + std::to_string(target_.port) + "...";
  }

  void connected(const std::string& error, tcp::socket socket) {
    connector_.reset();
    if (!error.empty()) {
      timer_.cancel();
      result_.connect_error = result_.timed_out ? "timed out connecting" : error;
      transcript_.error(result_.connect_error);
      return;
    }
    result_.connected = true;
    stream_ = std::make_shared<Stream>(std::move(socket), target_.tls);
    transcript_.set_tls_probe([s = stream_.get()] { return s->tls(); });
    transcript_.opened("connected to " + stream_->remote());
    if (target_.implicit_tls) {
      // Before start(): the handshake runs first, and the read loop begins inside TLS.
      tls_pending_ = true;
      stream_->start_tls(false, target_.host,
                         [this](bool ok, const std::string& detail) { tls_done(ok, detail); });
    }
    stream_->start([this](std::string_view bytes) { on_data(bytes); },
                   [this](const std::string& why) { on_end(why); });
    if (!target_.implicit_tls) pump();
  }

  void tls_done(bool ok, const std::string& detail) {
    tls_pending_ = false;
    if (!ok) {
      // The stream ends next (on_end): the machine then fails in its TLS or greeting stage.
      result_.tls_failed = true;
      result_.tls_error = detail;
      transcript_.error("TLS handshake failed: " + detail);
      return;
    }
    transcript_.tls_started("TLS started: " + detail);
    if (!target_.implicit_tls) session_.tls_established();
    pump();
  }

  void on_data(std::string_view bytes) {
    if (done_) return;
    session_.receive(bytes);
    pump();
  }

  void on_end(const std::string& why) {
    if (done_) return;
    if (!why.empty() && !result_.tls_failed) transcript_.info(why);
    session_.receive_eof();
    pump();
  }

  void flush() {
    std::string out = session_.take_output();
    if (!out.empty() && stream_) stream_->write(std::move(out));
  }

  void pump() {
    while (!done_) {
      Event ev = session_.next_event();
      if (std::holds_alternative<NeedData>(ev)) {
        flush();
        arm();
        return;
      }
      if (std::holds_alternative<StartTls>(ev)) {
        flush();
        // Once: after a failed handshake the stream is ending, and the machine hears that.
        if (!tls_pending_ && !stream_->tls() && !result_.tls_failed) {
          tls_pending_ = true;
          timer_.cancel();
          stream_->start_tls(false, target_.host,
                             [this](bool ok, const std::string& detail) { tls_done(ok, detail); });
        }
        return;
      }
      if (std::holds_alternative<Closed>(ev)) {
        flush();
        done_ = true;
        timer_.cancel();
        stream_->close();
        transcript_.closed("connection closed");
        return;
      }
      handler_(ev);
    }
  }

  // One deadline at a time, restarted whenever the machine waits again (after every read
  // and every command written): a silent server cannot hold the client forever.
  void arm() {
    const auto wait = timeout_();
    ++generation_;
    if (!wait) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(*wait);
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(*wait).count();
    timer_.async_wait([this, secs, g = generation_](const boost::system::error_code& ec) {
      if (ec || g != generation_ || done_) return;
      result_.timed_out = true;
      if (!stream_) {
        if (connector_) connector_->cancel();
        return;
      }
      transcript_.error("no answer from the server in " + std::to_string(secs) + " s: timeout");
      session_.timeout();
      pump();
    });
  }

  asio::io_context io_;  // first: destroyed last
  Session& session_;
  ClientTranscript& transcript_;
  ClientTarget target_;
  TimeoutFn timeout_;
  Handler handler_;
  asio::steady_timer timer_;
  std::shared_ptr<Connector> connector_;
  std::shared_ptr<Stream> stream_;
  RunResult result_;
  std::uint64_t generation_ = 0;
  bool tls_pending_ = false;
  bool done_ = false;
};

}  // namespace smtpsim::net
