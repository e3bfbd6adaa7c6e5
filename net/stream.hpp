// One real TCP connection for live mode that can turn into TLS halfway (STARTTLS, RFC 3207;
// STLS, RFC 2595) or start as TLS (RFC 8314). It reads in a loop and hands each chunk to its
// owner *synchronously*, issuing the next read only after the owner returns: an owner that
// asks for TLS while handling a chunk (the machine just sent "220 Ready to start TLS") is
// heard before another byte is read, so nothing the peer sends after that point is taken
// as plaintext. Bytes already read when TLS is asked for from elsewhere are dropped and
// counted (RFC 3207 §5 / CVE-2011-0411: no plaintext command may survive into TLS).
// Writes are queued and go out in order; a TLS handshake waits until they are on the wire.
// A peer that sends without reading the answers (pipelining into a full socket) is not read
// from while more than kMaxQueued bytes wait to go out: its own sends block in its kernel
// instead of our memory growing. A close gives queued writes kCloseGrace to drain.
// Memory: an idle plaintext connection holds a socket and this object, nothing more. The TLS
// layer (OpenSSL's SSL object, its BIO pair and Asio's two 17 KiB record buffers, ~70 KiB) is
// built when the handshake starts, and a plaintext read first waits for the socket to be
// readable, then reads into one buffer shared by every stream of the thread (inside TLS, into
// one made for that read): no 16 KiB buffer sits under each pending read (1,000 idle connections on
// port 25: tests/bench/serve_bench.sh). Trusts Asio and OpenSSL; owns no protocol knowledge.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsim::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  using DataFn = std::function<void(std::string_view)>;
  // Why the connection ended: "" after an orderly close by us, otherwise one sentence
  // ("the peer closed the connection", "TLS handshake failed: ...").
  using EndFn = std::function<void(const std::string& why)>;
  using TlsDoneFn = std::function<void(bool ok, const std::string& detail)>;

  // `tls`: the context for start_tls(); null when this connection can never use TLS.
  Stream(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Starts the read loop. `on_end` is called exactly once. The bytes `on_data` sees are valid
  // during the call only (the buffer is reused by the next read).
  void start(DataFn on_data, EndFn on_end);
  // Queues bytes (plaintext, or through TLS once it is on).
  void write(std::string bytes);
  // Switches to TLS after the queued writes are out; the read loop resumes inside TLS.
  // `sni`: the server name to send and verify (client side; empty on the server side).
  void start_tls(bool server_side, std::string sni, TlsDoneFn done);
  // How long start_tls() may take from the request to the finished handshake (the peer may
  // never send its ClientHello): past it the connection ends with "TLS handshake timed out".
  void set_handshake_timeout(std::chrono::milliseconds t) { handshake_timeout_ = t; }
  // Closes after the queued writes are out (TLS close_notify first when on).
  void close();
  // Closes now, dropping what is queued (a reset).
  void abort();

  bool tls() const { return tls_on_; }
  bool open() const { return !ended_; }
  std::string tls_description() const;  // "TLSv1.3 TLS_AES_256_GCM_SHA384"
  std::string peer_certificate_subject() const;
  std::size_t dropped_plaintext() const { return dropped_; }
  std::size_t queued_bytes() const { return queued_; }
  static constexpr std::size_t kMaxQueued = 256 * 1024;
  static constexpr std::chrono::seconds kCloseGrace{30};
  static constexpr std::size_t kReadChunk = 16 * 1024;  // one read at most (one TLS record)
  // Whether the TLS layer exists yet (it is built when the handshake starts).
  bool tls_layer_built() const { return tls_ != nullptr; }
  std::uint64_t bytes_in() const { return bytes_in_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  std::string remote() const;  // "127.0.0.1:53122"
  std::string local() const;
  tcp::socket& socket() { return socket_; }

 private:
  using TlsLayer = asio::ssl::stream<tcp::socket&>;
  void read_more();
  void on_readable(const boost::system::error_code& ec);  // plaintext: the socket has bytes
  void on_read(const boost::system::error_code& ec, const char* data, std::size_t n);
  void write_more();
  void maybe_handshake();
  void finish(const std::string& why);

  std::shared_ptr<asio::ssl::context> ctx_;  // null: no TLS here; before tls_: outlives it
  tcp::socket socket_;                       // before tls_, which refers to it
  std::unique_ptr<TlsLayer> tls_;            // from the start of the handshake on
  DataFn on_data_;
  EndFn on_end_;
  std::deque<std::string> out_;
  std::size_t queued_ = 0;      // bytes in out_
  bool read_paused_ = false;    // too much queued: reading resumes once it drains
  std::vector<char> tls_read_;  // buffer of a read inside TLS, while it runs
  bool tls_readable_ = false;   // the socket has bytes: the next TLS read may go ahead
  std::string tls_prefix_;      // the start of the peer's handshake, read before TLS was on
  std::size_t before_tls_ = 0;  // queued writes that go out in plaintext before the switch
  std::unique_ptr<asio::steady_timer> close_timer_;
  std::unique_ptr<asio::steady_timer> tls_timer_;
  std::chrono::milliseconds handshake_timeout_{60'000};
  bool reading_now_ = false, writing_now_ = false;
  bool tls_on_ = false;
  bool tls_wanted_ = false, tls_server_ = false;
  std::string tls_sni_;
  TlsDoneFn tls_done_;
  bool handshaking_ = false;
  bool closing_ = false, ended_ = false, in_callback_ = false;
  std::size_t dropped_ = 0;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
  std::string remote_, local_;
};

}  // namespace smtpsim::net
