// The read loop, the write queue and the switch to TLS of one real connection.
#include "net/stream.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

namespace smtpsim::net {

namespace ssl = asio::ssl;
using boost::system::error_code;

namespace {
std::string endpoint_text(const tcp::endpoint& e) {
  return fmt::format("{}:{}", e.address().to_string(), e.port());
}

// The buffer a plaintext read fills: one per thread, shared by all its streams, since a read
// is handed to the owner and done with before the next one starts. Should a data callback
// ever run a nested read on the same thread (an io_context run inside it), that read gets a
// buffer of its own instead of overwriting the bytes the outer callback is looking at.
class ReadBuffer {
 public:
  ReadBuffer() : shared_(!busy()) {
    if (shared_) {
      busy() = true;
    } else {
      own_.resize(Stream::kReadChunk);
    }
  }
  ~ReadBuffer() {
    if (shared_) busy() = false;
  }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  char* data() { return shared_ ? storage().data() : own_.data(); }
  std::size_t size() const { return Stream::kReadChunk; }

 private:
  static bool& busy() {
    thread_local bool b = false;
    return b;
  }
  static std::array<char, Stream::kReadChunk>& storage() {
    thread_local std::array<char, Stream::kReadChunk> a;
    return a;
  }
  bool shared_;
  std::vector<char> own_;
};
}  // namespace

Stream::Stream(tcp::socket socket, std::shared_ptr<ssl::context> tls)
    : ctx_(std::move(tls)), socket_(std::move(socket)) {
  error_code ec;
  if (auto r = socket_.remote_endpoint(ec); !ec) remote_ = endpoint_text(r);
  if (auto l = socket_.local_endpoint(ec); !ec) local_ = endpoint_text(l);
  socket_.set_option(tcp::no_delay(true), ec);
  // Plaintext reads are a readiness wait and then a read that must not block (a spurious
  // wake-up says would_block); Asio's own async operations are unaffected.
  socket_.non_blocking(true, ec);
}

Stream::~Stream() = default;

std::string Stream::remote() const {
  return remote_;
}
std::string Stream::local() const {
  return local_;
}

void Stream::start(DataFn on_data, EndFn on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  read_more();
}

void Stream::read_more() {
  if (ended_ || reading_now_ || handshaking_ || closing_) return;
  if (tls_wanted_ && !tls_on_) return;
  if (queued_ > kMaxQueued) {
    read_paused_ = true;  // write_more() resumes us
    return;
  }
  reading_now_ = true;
  auto self = shared_from_this();
  if (tls_on_) {
    // OpenSSL decrypts into the buffer while the read is pending, so it must be ours; but an
    // idle connection need not hold one. With nothing buffered in OpenSSL (a record, or
    // ciphertext in its BIO) we first wait for the socket, then read into a buffer made for
    // this read and freed after it.
    SSL* native = tls_->native_handle();
    if (!tls_readable_ && SSL_has_pending(native) == 0 && BIO_pending(SSL_get_rbio(native)) == 0) {
      socket_.async_wait(tcp::socket::wait_read, [self](const error_code& ec) {
        if (ec) {
          self->on_read(ec, nullptr, 0);
          return;
        }
        self->reading_now_ = false;
        self->tls_readable_ = true;
        self->read_more();
      });
      return;
    }
    tls_readable_ = false;
    tls_read_.resize(kReadChunk);
    tls_->async_read_some(asio::buffer(tls_read_), [self](const error_code& ec, std::size_t n) {
      // Ours for the callback; a read the owner's callback starts makes its own.
      std::vector<char> buf = std::move(self->tls_read_);
      self->tls_read_ = {};
      self->on_read(ec, buf.data(), n);
    });
  } else {
    socket_.async_wait(tcp::socket::wait_read,
                       [self](const error_code& ec) { self->on_readable(ec); });
  }
}

void Stream::on_readable(const error_code& wait_ec) {
  if (wait_ec) {
    on_read(wait_ec, nullptr, 0);
    return;
  }
  if (ended_) {
    reading_now_ = false;
    return;
  }
  ReadBuffer buf;
  error_code ec;
  const std::size_t n = socket_.read_some(asio::buffer(buf.data(), buf.size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    reading_now_ = false;  // readable, then not (a spurious wake-up): wait again
    if (tls_wanted_ && !tls_on_) {
      maybe_handshake();
    } else {
      read_more();
    }
    return;
  }
  on_read(ec, buf.data(), n);
}

void Stream::on_read(const error_code& ec, const char* data, std::size_t n) {
  reading_now_ = false;
  if (ended_) return;
  if (tls_wanted_ && !tls_on_) {
    // TLS was asked for while this read was waiting. Once the go-ahead ("220 Ready to start
    // TLS") is on the wire, what comes is the peer's ClientHello: keep it for the handshake.
    // Anything earlier is plaintext sent after STARTTLS: dropped (CVE-2011-0411).
    if (n > 0) {
      if (out_.empty() && !writing_now_) {
        tls_prefix_.append(data, n);
      } else {
        dropped_ += n;
      }
    }
    if (ec) {
      finish(ec == asio::error::eof ? "the peer closed the connection"
                                    : fmt::format("read failed: {}", ec.message()));
      return;
    }
    maybe_handshake();
    return;
  }
  if (ec) {
    finish(ec == asio::error::eof || ec == ssl::error::stream_truncated
               ? "the peer closed the connection"
               : fmt::format("read failed: {}", ec.message()));
    return;
  }
  bytes_in_ += n;
  in_callback_ = true;
  auto self = shared_from_this();  // the owner may drop us inside the callback
  if (on_data_) on_data_(std::string_view(data, n));
  in_callback_ = false;
  if (ended_) {
    on_data_ = nullptr;  // finish() could not drop it while it was running
    return;
  }
  if (tls_wanted_ && !tls_on_) {
    maybe_handshake();
  } else {
    read_more();
  }
}

void Stream::write(std::string bytes) {
  if (ended_ || bytes.empty()) return;
  queued_ += bytes.size();
  out_.push_back(std::move(bytes));
  write_more();
}

void Stream::write_more() {
  if (ended_ || writing_now_ || handshaking_) return;
  const bool held_for_tls = tls_wanted_ && !tls_on_ && before_tls_ == 0;
  if (out_.empty() || held_for_tls) {
    if (tls_wanted_ && !tls_on_) {
      maybe_handshake();
    } else if (closing_ && out_.empty()) {
      close();
    }
    return;
  }
  writing_now_ = true;
  auto self = shared_from_this();
  auto handler = [self](const error_code& ec, std::size_t n) {
    self->writing_now_ = false;
    if (self->ended_) return;
    if (ec) {
      self->finish(fmt::format("write failed: {}", ec.message()));
      return;
    }
    self->bytes_out_ += n;
    self->queued_ -= self->out_.front().size();
    self->out_.pop_front();
    if (self->before_tls_ > 0) --self->before_tls_;
    if (self->read_paused_ && self->queued_ <= kMaxQueued / 2) {
      self->read_paused_ = false;
      self->read_more();
    }
    self->write_more();
  };
  if (tls_on_) {
    asio::async_write(*tls_, asio::buffer(out_.front()), handler);
  } else {
    asio::async_write(socket_, asio::buffer(out_.front()), handler);
  }
}

void Stream::start_tls(bool server_side, std::string sni, TlsDoneFn done) {
  if (ended_ || tls_on_ || tls_wanted_) {
    if (done) done(false, ended_ ? "the connection is closed" : "TLS is already on");
    return;
  }
  tls_wanted_ = true;
  tls_server_ = server_side;
  tls_sni_ = std::move(sni);
  tls_done_ = std::move(done);
  before_tls_ = out_.size();
  // A peer that asked for TLS (or connected to an implicit-TLS port) and then says nothing
  // would otherwise hold the connection for ever: the machine's idle timer does not run
  // while the transport is between plaintext and TLS.
  auto self = shared_from_this();
  tls_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  tls_timer_->expires_after(handshake_timeout_);
  tls_timer_->async_wait([self](const error_code& ec) {
    if (ec || self->ended_ || self->tls_on_) return;
    auto done = std::move(self->tls_done_);
    if (done) done(false, "TLS handshake timed out");
    self->finish("TLS handshake timed out");
  });
  // Inside the data callback: on_read() continues. Otherwise a pending read (or the write
  // queue) finishes first.
  if (!in_callback_) maybe_handshake();
}

void Stream::maybe_handshake() {
  if (ended_ || !tls_wanted_ || tls_on_ || handshaking_) return;
  if (writing_now_ || before_tls_ > 0 || reading_now_) return;
  if (!ctx_) {
    finish("TLS is not available on this connection");
    return;
  }
  handshaking_ = true;
  // Only now: until here the connection carried no SSL state at all.
  tls_ = std::make_unique<TlsLayer>(socket_, *ctx_);
  SSL* native = tls_->native_handle();
  if (!tls_server_ && !tls_sni_.empty()) {
    // RFC 6066 §3: a literal IP address is not sent as SNI; it is still what the
    // certificate must name (subjectAltName IP, checked by host_name_verification).
    error_code not_ip;
    asio::ip::make_address(tls_sni_, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(native, tls_sni_.c_str());
    tls_->set_verify_callback(ssl::host_name_verification(tls_sni_));
  }
  auto self = shared_from_this();
  auto handler = [self](const error_code& ec, std::size_t) {
    self->handshaking_ = false;
    if (self->tls_timer_) self->tls_timer_->cancel();
    if (self->ended_) return;
    auto done = std::move(self->tls_done_);
    if (ec) {
      std::string detail = ec.message();
      SSL* ssl = self->tls_->native_handle();
      // Only when verification was asked for: an unverified peer (opportunistic TLS) always
      // has a verify result, and it is not why the handshake failed.
      if (const long v = SSL_get_verify_result(ssl);
          v != X509_V_OK && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0) {
        detail =
            fmt::format("certificate verification failed: {}", X509_verify_cert_error_string(v));
      }
      if (done) done(false, detail);
      self->finish("TLS handshake failed: " + detail);
      return;
    }
    self->tls_on_ = true;
    self->tls_wanted_ = false;
    self->tls_prefix_.clear();
    if (done) done(true, self->tls_description());
    if (self->ended_) return;
    self->write_more();
    self->read_more();
  };
  tls_->async_handshake(tls_server_ ? ssl::stream_base::server : ssl::stream_base::client,
                        asio::buffer(tls_prefix_), handler);
}

std::string Stream::tls_description() const {
  if (!tls_on_ || !tls_) return {};
  SSL* native = tls_->native_handle();
  return fmt::format("{} {}", SSL_get_version(native), SSL_get_cipher_name(native));
}

std::string Stream::peer_certificate_subject() const {
  if (!tls_) return {};
  SSL* native = tls_->native_handle();
  X509* cert = SSL_get0_peer_certificate(native);
  if (!cert) return {};
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

void Stream::close() {
  if (ended_) return;
  closing_ = true;
  if (writing_now_ || (!out_.empty() && !handshaking_)) {
    // write_more() comes back, unless the peer never reads: then give up after a while.
    if (!close_timer_) {
      auto self = shared_from_this();
      close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
      close_timer_->expires_after(kCloseGrace);
      close_timer_->async_wait([self](const error_code& ec) {
        if (!ec) self->abort();
      });
    }
    return;
  }
  if (tls_on_) {
    // close_notify (RFC 8446 §6.1), but never wait long for the peer's answer.
    auto self = shared_from_this();
    close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
    close_timer_->expires_after(std::chrono::seconds(2));
    close_timer_->async_wait([self](const error_code&) { self->finish(""); });
    tls_->async_shutdown([self](const error_code&) { self->finish(""); });
    return;
  }
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  finish("");
}

void Stream::abort() {
  // A write in flight still points into the front buffer: keep it until its handler runs.
  while (out_.size() > (writing_now_ ? 1u : 0u)) out_.pop_back();
  queued_ = out_.empty() ? 0 : out_.front().size();
  finish("");
}

void Stream::finish(const std::string& why) {
  if (ended_) return;
  // The owner may be held only by our callbacks, which are dropped below: stay alive to the end.
  auto keep = shared_from_this();
  ended_ = true;
  error_code ec;
  socket_.close(ec);
  if (close_timer_) close_timer_->cancel();
  if (tls_timer_) tls_timer_->cancel();
  // The owner's callbacks usually hold the owner, which holds us: drop them so the pair can
  // go (a cycle here kept every finished connection in memory, ~100 kB each under ASan).
  if (!in_callback_) on_data_ = nullptr;
  tls_done_ = nullptr;
  if (on_end_) {
    auto fn = std::move(on_end_);
    fn(why);
  }
  // The owner's callbacks hold the owner, which holds us: dropped once ended, or every
  // connection would keep its owner, this stream and its TLS state for ever. Not while
  // on_data_ itself is running (it may be what ended us): on the next turn then.
  tls_done_ = nullptr;
  if (in_callback_)
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_data_ = nullptr; });
  else
    on_data_ = nullptr;
}

}  // namespace smtpsim::net
