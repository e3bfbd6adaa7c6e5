// net::Stream must not keep its owner alive after the connection ended, even when the owner
// ends it from inside its own data callback (a machine answering "221" and closing): the
// callback cannot be dropped while it runs, so on_read() drops it after. Without that, owner
// and stream leak in a cycle — one SSL engine and a 16 KiB read buffer per connection, 720 MB
// after 10,000 smtp-source messages (serve_bench.sh). Peer close and our orderly close are in
// test_net_stream_limits.cpp (EndedStreamLetsItsOwnerGo). Real loopback sockets; trusts Asio.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>

#include "net/stream.hpp"

namespace {

namespace asio = boost::asio;
using smtpsim::net::Stream;
using tcp = asio::ip::tcp;

// What the callbacks saw, kept apart from the owner so that looking does not keep it alive.
struct Seen {
  std::string got;
  int ends = 0;
};

struct Owner {
  std::shared_ptr<Stream> stream;
};

// A connected pair: the server side for the Stream, the client side for the test.
struct Pair {
  asio::io_context io;
  tcp::socket client{io};
  tcp::socket server{io};
  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server = acceptor.accept();
  }
};

struct Started {
  std::weak_ptr<Owner> owner;
  std::weak_ptr<Stream> stream;
};

// The owner's callbacks capture the owner, as LiveServer::Client's do; the caller keeps only
// weak references.
Started start_owned(Pair& p, const std::shared_ptr<Seen>& seen) {
  auto owner = std::make_shared<Owner>();
  owner->stream = std::make_shared<Stream>(std::move(p.server), nullptr);
  owner->stream->start(
      [owner, seen](std::string_view bytes) {
        seen->got.append(bytes);
        owner->stream->abort();  // ends the stream from inside its own callback
      },
      [owner, seen](const std::string&) { ++seen->ends; });
  return {owner, owner->stream};
}

TEST(NetStreamLifetime, AbortInsideDataCallbackFreesBothOnce) {
  Pair p;
  auto seen = std::make_shared<Seen>();
  const Started s = start_owned(p, seen);
  asio::write(p.client, asio::buffer(std::string("QUIT\r\n")));
  p.io.run();  // under ASan: no use of the callback after it was dropped
  EXPECT_EQ(seen->got, "QUIT\r\n");
  EXPECT_EQ(seen->ends, 1);
  EXPECT_TRUE(s.owner.expired());
  EXPECT_TRUE(s.stream.expired());
}

}  // namespace
