// net::Stream's limits on real loopback sockets (issue 7, robustness): a peer that never
// sends its ClientHello (implicit TLS, or after STARTTLS) is dropped when the handshake
// timeout passes; a peer that sends without reading the answers is not read from while more
// than Stream::kMaxQueued bytes wait to go out, and is read again once it reads. Trusts the
// kernel's loopback; every wait is bounded by io_context::run_for.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "net/stream.hpp"
#include "net/tls.hpp"

namespace {

namespace asio = boost::asio;
using smtpsim::net::Stream;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair on 127.0.0.1: the server end wrapped in a Stream, the client end raw.
struct Pair {
  asio::io_context io;
  tcp::socket client{io};
  std::shared_ptr<Stream> server;

  explicit Pair(std::shared_ptr<asio::ssl::context> tls = nullptr) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    tcp::socket accepted(io);
    acceptor.accept(accepted);
    server = std::make_shared<Stream>(std::move(accepted), std::move(tls));
  }
};

std::shared_ptr<asio::ssl::context> test_tls() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("smtpsim-stream-test-" + std::to_string(::getpid()));
  auto files = smtpsim::net::ensure_self_signed(dir.string(), "mail.example.com");
  auto ctx = smtpsim::net::server_context(files);
  std::filesystem::remove_all(dir);
  return ctx;
}

TEST(NetStreamLimits, SilentPeerIsDroppedWhenTheHandshakeTimesOut) {
  Pair p(test_tls());
  std::string why = "(not ended)";
  std::string tls_detail;
  bool tls_ok = true;
  p.server->set_handshake_timeout(200ms);
  p.server->start([](std::string_view) {}, [&](const std::string& w) { why = w; });
  p.server->start_tls(true, {}, [&](bool ok, const std::string& d) {
    tls_ok = ok;
    tls_detail = d;
  });
  const auto start = std::chrono::steady_clock::now();
  p.io.run_for(10s);
  EXPECT_EQ(why, "TLS handshake timed out");
  EXPECT_FALSE(tls_ok);
  EXPECT_EQ(tls_detail, "TLS handshake timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 9s);  // ended by the timeout, not run_for
  EXPECT_FALSE(p.server->open());
}

TEST(NetStreamLimits, PeerThatNeverReadsIsNotReadWithoutBound) {
  Pair p;
  std::uint64_t got = 0;
  p.server->start([&](std::string_view b) { got += b.size(); }, [](const std::string&) {});
  // More answers than the kernel's buffers hold, all unread by the client.
  p.server->write(std::string(64u << 20, 'r'));
  p.client.non_blocking(true);
  const std::string chunk(64 * 1024, 'c');
  std::uint64_t sent = 0;
  for (int round = 0; round < 200 && sent < (64u << 20); ++round) {
    boost::system::error_code ec;
    while (sent < (64u << 20)) {
      const std::size_t n = p.client.write_some(asio::buffer(chunk), ec);
      if (ec) break;
      sent += n;
    }
    p.io.run_for(10ms);
  }
  // The client's sends stopped in the kernel: a few MB of buffers, not the 64 MB it tried.
  EXPECT_LT(sent, 32u << 20);
  EXPECT_LT(got, 32u << 20);
  EXPECT_GT(p.server->queued_bytes(), Stream::kMaxQueued);
  // Once the client reads the answers, the server reads the client again.
  std::string sink(1 << 20, '\0');
  std::uint64_t read = 0;
  const std::uint64_t got_before = got;
  for (int round = 0; round < 2000 && read < (64u << 20); ++round) {
    boost::system::error_code ec;
    while (true) {
      const std::size_t n = p.client.read_some(asio::buffer(sink), ec);
      if (ec) break;
      read += n;
    }
    p.io.run_for(5ms);
  }
  EXPECT_EQ(read, 64u << 20);
  p.io.run_for(200ms);
  EXPECT_EQ(p.server->queued_bytes(), 0u);
  EXPECT_GT(got, got_before);
  EXPECT_EQ(got, sent);  // nothing the client sent was lost on the way
}

// An owner whose callbacks hold it (as LiveServer's clients do) is let go once the stream
// ends: the callbacks are dropped, not kept in a cycle with the owner.
TEST(NetStreamLimits, EndedStreamLetsItsOwnerGo) {
  struct Owner {
    std::shared_ptr<Stream> stream;
  };
  for (bool peer_closes : {true, false}) {
    Pair p;
    std::weak_ptr<Owner> watch;
    {
      auto owner = std::make_shared<Owner>();
      owner->stream = p.server;
      owner->stream->start([owner](std::string_view) {}, [owner](const std::string&) {});
      watch = owner;
    }
    p.server.reset();
    if (peer_closes) {
      p.client.close();
    } else {
      watch.lock()->stream->close();
    }
    p.io.run_for(500ms);
    EXPECT_TRUE(watch.expired()) << (peer_closes ? "peer closed" : "we closed");
  }
}

}  // namespace
