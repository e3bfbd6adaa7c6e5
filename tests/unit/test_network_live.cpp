// The engine's live-mode hooks (issue 7): real hosts have no simulated latency and may share
// an address, on_tls_start arrives behind the bytes sent before it, connections to real hosts
// go through the outside gateway (and fail the way it says), advance_to follows the wall clock.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/engine/network.hpp"
#include "sim/trace/recorder.hpp"

namespace {

using namespace smtpsim;
using engine::ConnId;
using engine::Network;
using engine::Side;

struct Log : engine::ConnectionHandler {
  std::vector<std::string> got;
  void on_connected(ConnId) override { got.push_back("connected"); }
  void on_failed(ConnId, engine::ConnectError e) override {
    got.push_back(e == engine::ConnectError::Refused ? "refused" : "timeout");
  }
  void on_data(ConnId, std::string_view b) override { got.push_back("data:" + std::string(b)); }
  void on_closed(ConnId) override { got.push_back("closed"); }
  void on_tls_start(ConnId) override { got.push_back("tls"); }
};

struct Accept : engine::Listener {
  Log server;
  engine::ConnectionHandler* accept(ConnId, engine::HostId) override { return &server; }
};

struct Gateway : engine::OutsideGateway {
  std::vector<std::pair<std::string, std::uint16_t>> opened;
  std::vector<ConnId> ids;
  void open(ConnId id, const std::string& address, std::uint16_t port) override {
    opened.emplace_back(address, port);
    ids.push_back(id);
  }
};

struct NetworkLive : ::testing::Test {
  engine::EventQueue q;
  trace::Recorder rec;
  Network net{q, rec};
};

TEST_F(NetworkLive, RealHostsHaveNoSimulatedLatencyAndMayShareAnAddress) {
  const auto mx = net.add_host("mx.example.com", "203.0.113.25", 20 * engine::kMillisecond);
  const auto a = net.add_real_host("external client 127.0.0.1:5000", "127.0.0.1");
  const auto b = net.add_real_host("external client 127.0.0.1:5001", "127.0.0.1");
  EXPECT_TRUE(net.is_real(a));
  EXPECT_FALSE(net.is_real(mx));
  EXPECT_EQ(net.latency(a, mx), 0);
  EXPECT_EQ(net.latency(mx, b), 0);
  EXPECT_THROW(net.add_real_host("external client 127.0.0.1:5000", "127.0.0.1"),
               std::invalid_argument);
  // Bytes from a real host reach the machine in the same turn: nothing waits on virtual time.
  Accept listener;
  net.listen(mx, 25, &listener, "SMTP");
  Log client;
  const ConnId id = net.connect(a, mx, 25, &client);
  q.run_until(0);
  net.send(id, Side::Client, "EHLO x\r\n");
  q.run_until(0);
  ASSERT_EQ(listener.server.got.size(), 1u);
  EXPECT_EQ(listener.server.got[0], "data:EHLO x\r\n");
}

TEST_F(NetworkLive, TlsStartArrivesBehindTheBytesSentBeforeIt) {
  const auto c = net.add_host("mua", "192.0.2.10", 5 * engine::kMillisecond);
  const auto s = net.add_host("msa", "203.0.113.25", 5 * engine::kMillisecond);
  Accept listener;
  net.listen(s, 587, &listener, "SMTP");
  Log client;
  const ConnId id = net.connect(c, s, 587, &client);
  q.run_until(100 * engine::kMillisecond);
  net.send(id, Side::Server, "220 2.0.0 Ready to start TLS\r\n");
  net.start_tls(id, Side::Server);
  q.run_until(200 * engine::kMillisecond);
  ASSERT_GE(client.got.size(), 3u);
  EXPECT_EQ(client.got[client.got.size() - 2], "data:220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(client.got.back(), "tls");
  EXPECT_TRUE(listener.server.got.empty());  // the server end started it: it hears nothing
}

TEST_F(NetworkLive, ConnectionsToRealServersGoThroughTheGateway) {
  const auto mta = net.add_host("mail.example.com", "203.0.113.25", 5 * engine::kMillisecond);
  EXPECT_EQ(net.find_or_outside("127.0.0.1"), -1);  // no gateway: unknown stays unknown
  Gateway gw;
  net.set_outside(&gw);
  const auto real = net.find_or_outside("127.0.0.1");
  ASSERT_GE(real, 0);
  EXPECT_TRUE(net.is_real(real));
  EXPECT_EQ(net.find_or_outside("127.0.0.1"), real);    // made once
  EXPECT_EQ(net.find_or_outside("203.0.113.25"), mta);  // simulated hosts stay simulated

  Log client;
  const ConnId ok = net.connect(mta, real, 25, &client);
  ASSERT_EQ(gw.opened.size(), 1u);
  EXPECT_EQ(gw.opened[0].first, "127.0.0.1");
  EXPECT_EQ(gw.opened[0].second, 25);
  Log server_end;
  net.outside_connected(ok, &server_end);
  ASSERT_EQ(client.got.size(), 1u);
  EXPECT_EQ(client.got[0], "connected");
  net.send(ok, Side::Client, "EHLO mail.example.com\r\n");
  net.start_tls(ok, Side::Client);
  q.run_until(q.now());
  ASSERT_EQ(server_end.got.size(), 2u);
  EXPECT_EQ(server_end.got[0], "data:EHLO mail.example.com\r\n");
  EXPECT_EQ(server_end.got[1], "tls");

  Log refused;
  const ConnId bad = net.connect(mta, real, 25, &refused);
  net.outside_failed(bad, engine::ConnectError::Refused);
  ASSERT_EQ(refused.got.size(), 1u);
  EXPECT_EQ(refused.got[0], "refused");
  EXPECT_FALSE(net.is_open(bad));
  bool traced = false;
  for (const auto& e : rec.events())
    if (e.kind == trace::EventKind::ConnectionRefused && e.conn == bad) traced = true;
  EXPECT_TRUE(traced);
}

TEST_F(NetworkLive, AdvanceToFollowsTheWallClockButNeverPassesAnEvent) {
  q.advance_to(1000);
  EXPECT_EQ(q.now(), 1000);
  bool ran = false;
  q.schedule_at(2000, [&] { ran = true; });
  q.advance_to(5000);  // an event is due before: the clock may not jump over it
  EXPECT_EQ(q.now(), 1000);
  q.run_until(5000);
  EXPECT_TRUE(ran);
  EXPECT_EQ(q.now(), 2000);  // run_until stops at the last event when nothing is left
  q.advance_to(4000);
  EXPECT_EQ(q.now(), 4000);
  q.advance_to(3000);  // never backwards
  EXPECT_EQ(q.now(), 4000);
}

}  // namespace
