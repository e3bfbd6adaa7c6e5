// What an idle net::Stream costs (issue 7, 1,000 idle connections in serve_bench.sh): a
// plaintext connection waiting for its peer holds no TLS state and no read buffer of its own;
// the TLS layer is built when the handshake starts, and a STARTTLS asked for from outside
// the data callback still keeps the ClientHello that arrives after the go-ahead. Heap bytes
// come from the allocator in use (ASan's under the asan preset, glibc's otherwise). Real
// loopback sockets; every wait is bounded by io_context::run_for.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "net/stream.hpp"
#include "net/tls.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMTPSIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SMTPSIM_ASAN 1
#endif
#ifdef SMTPSIM_ASAN
// The sanitizer runtime's own count (GCC ships no allocator_interface.h; libasan has it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace {

namespace asio = boost::asio;
using smtpsim::net::Stream;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

std::size_t heap_in_use() {
#ifdef SMTPSIM_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

std::shared_ptr<asio::ssl::context> test_tls() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("smtpsim-stream-memory-" + std::to_string(::getpid()));
  auto files = smtpsim::net::ensure_self_signed(dir.string(), "mail.example.com");
  auto ctx = smtpsim::net::server_context(files);
  std::filesystem::remove_all(dir);
  return ctx;
}

TEST(NetStreamMemory, IdlePlaintextConnectionHoldsNoTlsStateAndNoReadBuffer) {
  asio::io_context io;
  auto tls = test_tls();  // offered (STARTTLS) but not asked for: as on port 25
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  constexpr int kConnections = 64;
  std::vector<tcp::socket> clients, accepted;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back(io).connect(acceptor.local_endpoint());
    accepted.emplace_back(io);
    acceptor.accept(accepted.back());
  }
  // Each stream waits for its peer, as an idle SMTP session after the greeting does.
  std::vector<std::shared_ptr<Stream>> streams;
  streams.reserve(kConnections);
  std::vector<std::string> got(kConnections);
  const std::size_t before = heap_in_use();
  for (int i = 0; i < kConnections; ++i) {
    streams.push_back(std::make_shared<Stream>(std::move(accepted[i]), tls));
    streams.back()->start([&got, i](std::string_view b) { got[i].append(b); },
                          [](const std::string&) {});
  }
  io.run_for(50ms);
  const std::size_t after = heap_in_use();
  const double per_stream = static_cast<double>(after - before) / kConnections;
  // The TLS layer alone is ~70 KiB (an SSL object, its BIO pair, Asio's two 17 KiB record
  // buffers) and a read buffer 16 KiB; what is left is the stream, its callbacks, its
  // endpoint names and the pending wait.
  EXPECT_LT(per_stream, 4096.0) << "bytes of heap per idle plaintext stream";
  for (const auto& s : streams) {
    EXPECT_FALSE(s->tls_layer_built());
    EXPECT_TRUE(s->open());
  }
  // The streams still read: bytes sent now arrive, through the shared buffer, to each owner.
  for (int i = 0; i < kConnections; ++i) {
    asio::write(clients[i], asio::buffer("NOOP " + std::to_string(i) + "\r\n"));
  }
  io.run_for(500ms);
  for (int i = 0; i < kConnections; ++i) EXPECT_EQ(got[i], "NOOP " + std::to_string(i) + "\r\n");
  for (auto& s : streams) s->abort();
  io.run_for(50ms);
}

// The go-ahead is written and TLS asked for after the data callback has returned (a machine
// that answers on a later turn): the read already waiting then takes the client's ClientHello,
// which must be kept for the handshake (not dropped as plaintext injected after STARTTLS).
TEST(NetStreamMemory, TlsLayerIsBuiltAtStartTlsAndKeepsTheClientHello) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto client_ctx = smtpsim::net::client_context(/*insecure=*/true);
  asio::ssl::stream<tcp::socket> client(io, *client_ctx);
  client.next_layer().connect(acceptor.local_endpoint());
  tcp::socket accepted(io);
  acceptor.accept(accepted);
  auto server = std::make_shared<Stream>(std::move(accepted), test_tls());

  std::string plain, inside;
  bool tls_ok = false, built_before = true;
  std::weak_ptr<Stream> weak = server;
  server->start(
      [&](std::string_view b) {
        auto s = weak.lock();
        if (s->tls()) {
          inside.append(b);
          return;
        }
        plain.append(b);
        if (plain == "STARTTLS\r\n") {
          built_before = s->tls_layer_built();
          s->write("220 2.0.0 Ready to start TLS\r\n");
          asio::post(io, [&, s] {
            s->start_tls(true, {}, [&](bool ok, const std::string&) { tls_ok = ok; });
          });
        }
      },
      [](const std::string&) {});

  asio::write(client.next_layer(), asio::buffer(std::string("STARTTLS\r\n")));
  asio::streambuf reply;
  bool sent = false;
  asio::async_read_until(client.next_layer(), reply, "\r\n", [&](auto ec, std::size_t) {
    ASSERT_FALSE(ec) << ec.message();
    client.async_handshake(asio::ssl::stream_base::client, [&](auto ec2) {
      ASSERT_FALSE(ec2) << ec2.message();
      asio::async_write(client, asio::buffer(std::string("EHLO laptop\r\n")),
                        [&](auto ec3, std::size_t) { sent = !ec3; });
    });
  });
  for (int i = 0; i < 100 && inside.empty(); ++i) io.run_for(50ms);
  EXPECT_FALSE(built_before);
  EXPECT_TRUE(tls_ok);
  EXPECT_TRUE(sent);
  EXPECT_TRUE(server->tls_layer_built());
  EXPECT_TRUE(server->tls());
  EXPECT_EQ(server->dropped_plaintext(), 0u);
  EXPECT_EQ(inside, "EHLO laptop\r\n");
  EXPECT_NE(server->tls_description().find("TLSv1."), std::string::npos);
  server->abort();
  io.run_for(50ms);
}

// Inside TLS a read first waits for the socket unless OpenSSL already holds bytes (a record
// it has not handed out, or ciphertext in its BIO): records that arrive together are all
// read, none left waiting for a socket that has nothing more to say.
TEST(NetStreamMemory, TlsRecordsThatArriveTogetherAllArrive) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto client_ctx = smtpsim::net::client_context(/*insecure=*/true);
  asio::ssl::stream<tcp::socket> client(io, *client_ctx);
  client.next_layer().connect(acceptor.local_endpoint());
  tcp::socket accepted(io);
  acceptor.accept(accepted);
  auto server = std::make_shared<Stream>(std::move(accepted), test_tls());
  std::string got;
  server->start([&](std::string_view b) { got.append(b); }, [](const std::string&) {});
  server->start_tls(true, {}, [](bool, const std::string&) {});  // implicit TLS (RFC 8314)

  // One record per write, each on the wire before the server runs again: its one socket read
  // takes them all, OpenSSL hands out one record per read.
  const std::vector<std::string> lines = {"EHLO laptop\r\n", "MAIL FROM:<a@example.org>\r\n",
                                          "RCPT TO:<b@example.com>\r\n"};
  client.async_handshake(asio::ssl::stream_base::client, [&](auto ec) {
    ASSERT_FALSE(ec) << ec.message();
    for (const auto& l : lines) asio::write(client, asio::buffer(l));
  });
  const std::string all = lines[0] + lines[1] + lines[2];
  for (int i = 0; i < 40 && got.size() < all.size(); ++i) io.run_for(50ms);
  EXPECT_EQ(got, all);

  // And a long run of full records.
  std::string big;
  for (int i = 0; big.size() < 300 * 1024; ++i) big += fmt::format("line {:06d}\r\n", i);
  asio::async_write(client, asio::buffer(big), [](auto, std::size_t) {});
  for (int i = 0; i < 200 && got.size() < all.size() + big.size(); ++i) io.run_for(50ms);
  EXPECT_EQ(got.size(), all.size() + big.size());
  EXPECT_TRUE(got == all + big);
  server->abort();
  io.run_for(50ms);
}

}  // namespace
