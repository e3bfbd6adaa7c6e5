// The SMTP service's waits on a virtual connection (sim/nodes/smtp_endpoints.cpp): the
// RFC 5321 §4.5.3.2.7 idle timeout, the minimum data rate during DATA (Postfix
// smtpd_min_data_rate: a budget that shrinks with time and grows by bytes/rate, never beyond
// the idle timeout) and Network::server_timeout_scale. A scripted raw client sends bytes at
// chosen virtual times, so a trickle over minutes runs in microseconds.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/engine/network.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/smtp/server_policy.hpp"
#include "sim/trace/recorder.hpp"

namespace {

using namespace smtpsim;
using engine::kSecond;

// The client end: records what the server says and when it closed.
struct RawClient : engine::ConnectionHandler {
  engine::EventQueue& q;
  std::string heard;
  engine::SimTime closed_at = -1;
  explicit RawClient(engine::EventQueue& queue) : q(queue) {}
  void on_data(engine::ConnId, std::string_view b) override { heard += b; }
  void on_closed(engine::ConnId) override { closed_at = q.now(); }
};

struct Bench {
  engine::EventQueue q;
  trace::Recorder rec;
  engine::Network net{q, rec};
  smtp::StaticPolicy policy;
  std::vector<std::string> delivered;
  engine::HostId client = net.add_host("client", "192.0.2.10", 5'000);
  engine::HostId server = net.add_host("mx", "198.51.100.25", 5'000);
  std::unique_ptr<nodes::SmtpService> svc;
  RawClient raw{q};
  engine::ConnId id = 0;

  explicit Bench(std::uint64_t min_rate = 500) {
    policy.deliver = [this](const smtp::ServerSession&, const smtp::Transaction& tx) {
      delivered.push_back(tx.content);
      return std::optional<smtp::Reply>(smtp::Reply{250, "2.0.0", "Ok: queued"});
    };
    svc = std::make_unique<nodes::SmtpService>(net, server, 25, policy, [min_rate](auto) {
      smtp::ServerConfig c;
      c.min_data_rate = min_rate;
      return c;
    });
  }
  // Opens the connection and runs up to the 354 of a transaction; returns its time.
  engine::SimTime open_data() {
    id = net.connect(client, server, 25, &raw);
    // One command at a time, each after the previous reply (no PIPELINING assumed).
    const char* commands[] = {"EHLO c.example.org\r\n", "MAIL FROM:<a@example.org>\r\n",
                              "RCPT TO:<bob@example.com>\r\n", "DATA\r\n"};
    engine::SimTime at = kSecond;
    for (const char* c : commands) {
      q.schedule_at(at, [this, c] { net.send(id, engine::Side::Client, c); });
      at += kSecond / 5;
    }
    q.run_until(2 * kSecond);
    EXPECT_NE(raw.heard.find("354 "), std::string::npos) << raw.heard;
    return q.now();
  }
  // `bytes` every `every` from `from` on, `count` times.
  void send_every(engine::SimTime from, engine::SimTime every, int count, std::string bytes) {
    for (int i = 0; i < count; ++i) {
      q.schedule_at(from + i * every, [this, bytes] {
        if (raw.closed_at < 0) net.send(id, engine::Side::Client, bytes);
      });
    }
  }
};

TEST(ServerDataRate, TrickleIsCutWhenTheBudgetIsSpent) {
  Bench b;
  const auto start = b.open_data();
  b.send_every(start, kSecond, 2000, "x");  // 1 byte/s, far below 500 B/s
  b.q.run_until(start + 2000 * kSecond);
  ASSERT_GE(b.raw.closed_at, 0) << b.raw.heard;
  EXPECT_NE(b.raw.heard.find("421 4.4.2"), std::string::npos) << b.raw.heard;
  EXPECT_NE(b.raw.heard.find("minimum data rate 500 bytes/s"), std::string::npos);
  // The budget is the 5-minute idle timeout, spent 1 s per second, earning 1/500 s a byte.
  const double took = double(b.raw.closed_at - start) / kSecond;
  EXPECT_GT(took, 295.0);
  EXPECT_LT(took, 310.0);
  EXPECT_TRUE(b.delivered.empty());
}

TEST(ServerDataRate, SteadySenderLongerThanTheIdleTimeoutIsKept) {
  Bench b;
  const auto start = b.open_data();
  // 1,000 bytes a second (twice the minimum) for 10 minutes: twice the idle timeout.
  const std::string line = std::string(998, 'y') + "\r\n";
  b.send_every(start, kSecond, 600, line);
  b.q.schedule_at(start + 600 * kSecond,
                  [&] { b.net.send(b.id, engine::Side::Client, ".\r\nQUIT\r\n"); });
  b.q.run_until(start + 700 * kSecond);
  EXPECT_NE(b.raw.heard.find("250 2.0.0"), std::string::npos) << b.raw.heard.substr(0, 500);
  EXPECT_EQ(b.raw.heard.find("421"), std::string::npos);
  ASSERT_EQ(b.delivered.size(), 1u);
  EXPECT_EQ(b.delivered[0].size(), 600u * 1000u);  // CRLF line ends, no final dot
}

TEST(ServerDataRate, SilenceAfter354IsTheIdleTimeout) {
  Bench b;
  const auto start = b.open_data();
  b.q.run_until(start + 1000 * kSecond);
  ASSERT_GE(b.raw.closed_at, 0);
  EXPECT_NE(b.raw.heard.find("421 4.4.2 mail.example.com Error: timeout exceeded"),
            std::string::npos)
      << b.raw.heard;
  EXPECT_EQ(b.raw.heard.find("minimum data rate"), std::string::npos) << b.raw.heard;
  EXPECT_NEAR(double(b.raw.closed_at - start) / kSecond, 300.0, 1.0);
}

TEST(ServerDataRate, ZeroRateTurnsTheCheckOff) {
  Bench b(0);
  const auto start = b.open_data();
  b.send_every(start, kSecond, 1000, "x");  // each byte is activity: the idle timer restarts
  b.q.run_until(start + 999 * kSecond);
  EXPECT_LT(b.raw.closed_at, 0) << b.raw.heard;
}

TEST(ServerDataRate, TimeoutScaleShrinksEveryServerWait) {
  Bench b;
  b.net.server_timeout_scale = 0.01;  // smtpsim serve --timeout-scale 0.01
  EXPECT_EQ(b.net.server_timeout(300 * kSecond), 3 * kSecond);
  const auto start = b.open_data();
  b.send_every(start, kSecond / 10, 1000, "x");  // 10 B/s
  b.q.run_until(start + 100 * kSecond);
  ASSERT_GE(b.raw.closed_at, 0);
  EXPECT_NE(b.raw.heard.find("minimum data rate"), std::string::npos) << b.raw.heard;
  EXPECT_NEAR(double(b.raw.closed_at - start) / kSecond, 3.0, 0.5);
  // And the plain idle wait before any command.
  RawClient second(b.q);
  const engine::SimTime t0 = b.q.now();
  b.net.connect(b.client, b.server, 25, &second);
  b.q.run_until(t0 + 100 * kSecond);
  ASSERT_GE(second.closed_at, 0);
  EXPECT_NE(second.heard.find("421 4.4.2"), std::string::npos) << second.heard;
  EXPECT_NEAR(double(second.closed_at - t0) / kSecond, 3.0, 0.5);
}

}  // namespace
