// Live relay's real-DNS resolver (net/cares_resolver.hpp) against a real dnsmasq on a free
// port of 127.0.0.1, started and stopped by PID here (skipped when dnsmasq is missing): the
// simulation's MX steps read real answers — preference order, equal preferences shuffled by
// the run's RNG (the same seed gives the same order), null MX, implicit MX, NXDOMAIN, no
// answer at all, and a TXT lookup as the SPF checker makes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/cares_resolver.hpp"
#include "net/live_loop.hpp"

extern char** environ;

namespace smtpsim {
namespace {

using nodes::MxAnswer;

// A port of 127.0.0.1 free for both UDP and TCP now (dnsmasq takes both).
int free_port() {
  for (int i = 0; i < 100; ++i) {
    const int t = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(t, reinterpret_cast<sockaddr*>(&a), &len);
    const int u = socket(AF_INET, SOCK_DGRAM, 0);
    const bool ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(u);
    close(t);
    if (ok) return ntohs(a.sin_port);
  }
  return -1;
}

bool tcp_open(int port) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

class Dnsmasq {
 public:
  explicit Dnsmasq(std::vector<std::string> records) {
    for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
      port_ = free_port();
      std::vector<std::string> args = {"dnsmasq",
                                       "--keep-in-foreground",
                                       "--conf-file=/dev/null",
                                       "--no-resolv",
                                       "--no-hosts",
                                       "--port=" + std::to_string(port_),
                                       "--listen-address=127.0.0.1",
                                       "--bind-interfaces",
                                       "--user=root",
                                       "--group=root",
                                       "--pid-file=",
                                       "--local=/test/",
                                       "--log-facility=/dev/null"};
      args.insert(args.end(), records.begin(), records.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_t pid = -1;
      if (posix_spawn(&pid, kPath, nullptr, nullptr, argv.data(), environ) != 0) return;
      for (int i = 0; i < 300 && !tcp_open(port_); ++i) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
          pid = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pid > 0 && tcp_open(port_)) pid_ = pid;
    }
  }
  ~Dnsmasq() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool running() const { return pid_ > 0; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  static bool installed() { return access(kPath, X_OK) == 0; }

 private:
  static constexpr const char* kPath = "/usr/sbin/dnsmasq";
  pid_t pid_ = -1;
  int port_ = -1;
};

struct Lines final : trace::Sink {
  void record(trace::Event e) override { text.push_back(e.peer + " | " + e.text); }
  std::vector<std::string> text;
};

// One MTA host with the real resolver, on the wall clock.
struct Rig {
  Rig(const std::string& server, std::uint64_t seed, int timeout_ms = 2000, int tries = 2)
      : rng(seed),
        world{queue, net, rng},
        loop(io, queue),
        channel(io, net::CaresOptions{server, timeout_ms, tries}),
        host(net.add_host("mta.example.com", "192.0.2.25", 0)),
        resolver(world, host, channel) {
    channel.set_loop(&loop);
  }

  MxAnswer resolve(const std::string& domain) {
    std::optional<MxAnswer> got;
    resolver.resolve_mx(domain, [&](MxAnswer a) {
      got = std::move(a);
      io.stop();
    });
    run();
    EXPECT_TRUE(got.has_value()) << "no answer for " << domain;
    return got.value_or(MxAnswer{});
  }

  std::optional<dns::Message> lookup(const std::string& name, dns::RecordType type) {
    std::optional<dns::Message> got;
    bool answered = false;
    resolver.lookup(name, type, [&](std::optional<dns::Message> m) {
      got = std::move(m);
      answered = true;
      io.stop();
    });
    run();
    EXPECT_TRUE(answered);
    return got;
  }

  void run() {
    loop.pump();
    io.restart();
    io.run_for(std::chrono::seconds(30));
  }

  boost::asio::io_context io;
  engine::EventQueue queue;
  Lines sink;
  engine::Network net{queue, sink};
  engine::Rng rng;
  nodes::World world;
  net::LiveLoop loop;
  net::CaresChannel channel;
  engine::HostId host;
  net::CaresResolver resolver;
};

class CaresResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Dnsmasq::installed()) GTEST_SKIP() << "dnsmasq is not installed";
    dns_ = std::make_unique<Dnsmasq>(std::vector<std::string>{
        "--mx-host=multi.test,first.multi.test,5", "--mx-host=multi.test,a.multi.test,10",
        "--mx-host=multi.test,b.multi.test,10", "--mx-host=multi.test,c.multi.test,10",
        "--mx-host=multi.test,last.multi.test,20", "--host-record=first.multi.test,127.0.0.5",
        "--host-record=a.multi.test,127.0.0.10", "--host-record=b.multi.test,127.0.0.11",
        "--host-record=c.multi.test,127.0.0.12", "--host-record=last.multi.test,127.0.0.20",
        // RFC 7505: "0 ." is RDATA 00 00 (preference) 00 (the root name).
        "--dns-rr=null.test,15,000000", "--host-record=plain.test,127.0.0.9",
        "--txt-record=spf.test,v=spf1 -all"});
    if (!dns_->running()) GTEST_SKIP() << "dnsmasq did not start";
  }
  std::unique_ptr<Dnsmasq> dns_;
};

std::vector<std::string> hosts(const MxAnswer& a) {
  std::vector<std::string> out;
  for (const auto& t : a.targets) out.push_back(t.host);
  return out;
}

TEST_F(CaresResolverTest, PreferenceOrderWithEqualOnesShuffledByTheRunsRng) {
  std::set<std::vector<std::string>> orders;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Rig rig(dns_->server(), seed);
    const MxAnswer a = rig.resolve("multi.test");
    ASSERT_EQ(a.status, MxAnswer::Status::Ok) << a.summary;
    ASSERT_EQ(a.targets.size(), 5u) << a.summary;
    EXPECT_FALSE(a.implicit);
    // RFC 5321 §5.1: lowest preference first, highest last; the three 10s in between.
    EXPECT_EQ(a.targets[0].host, "first.multi.test");
    EXPECT_EQ(a.targets[0].address, "127.0.0.5");
    EXPECT_EQ(a.targets[4].host, "last.multi.test");
    EXPECT_EQ(a.targets[4].preference, 20);
    std::set<std::string> middle;
    for (int i = 1; i <= 3; ++i) {
      EXPECT_EQ(a.targets[i].preference, 10);
      EXPECT_FALSE(a.targets[i].address.empty()) << a.targets[i].host;
      middle.insert(a.targets[i].host);
    }
    EXPECT_EQ(middle, (std::set<std::string>{"a.multi.test", "b.multi.test", "c.multi.test"}));
    orders.insert(hosts(a));
    // The same seed gives the same order (DESIGN.md idea 5), real DNS or not.
    Rig again(dns_->server(), seed);
    EXPECT_EQ(hosts(again.resolve("multi.test")), hosts(a));
  }
  EXPECT_GE(orders.size(), 2u) << "equal preferences were never shuffled";
}

TEST_F(CaresResolverTest, NullMxMeansNoMail) {
  Rig rig(dns_->server(), 1);
  const MxAnswer a = rig.resolve("null.test");
  EXPECT_EQ(a.status, MxAnswer::Status::NullMx) << a.summary;
  EXPECT_TRUE(a.targets.empty());
}

TEST_F(CaresResolverTest, NoMxFallsBackToTheDomainsOwnAddress) {
  Rig rig(dns_->server(), 1);
  const MxAnswer a = rig.resolve("plain.test");
  ASSERT_EQ(a.status, MxAnswer::Status::Ok) << a.summary;
  EXPECT_TRUE(a.implicit);
  ASSERT_EQ(a.targets.size(), 1u);
  EXPECT_EQ(a.targets[0].host, "plain.test");
  EXPECT_EQ(a.targets[0].address, "127.0.0.9");
}

TEST_F(CaresResolverTest, NxdomainIsNoSuchDomain) {
  Rig rig(dns_->server(), 1);
  EXPECT_EQ(rig.resolve("nothing.test").status, MxAnswer::Status::NoSuchDomain);
}

TEST_F(CaresResolverTest, TxtLookupForSpfAndTheQueryIsTraced) {
  Rig rig(dns_->server(), 1);
  const auto m = rig.lookup("spf.test", dns::RecordType::TXT);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(dns::rdata_text(m->answers[0]), "\"v=spf1 -all\"");
  const std::string peer = "real DNS " + dns_->server();
  bool asked = false, answered = false;
  for (const auto& l : rig.sink.text) {
    asked |= l == peer + " | query TXT spf.test";
    answered |= l.rfind(peer + " | answer NOERROR", 0) == 0;
  }
  EXPECT_TRUE(asked && answered) << ::testing::PrintToString(rig.sink.text);
}

TEST(CaresResolverNoServer, NoAnswerIsATemporaryFailure) {
  // A UDP port that is bound but never read: the questions go unanswered (no ICMP refusal).
  const int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  Rig rig("127.0.0.1:" + std::to_string(ntohs(a.sin_port)), 1, 200, 1);
  const MxAnswer ans = rig.resolve("example.test");
  close(s);
  EXPECT_EQ(ans.status, MxAnswer::Status::TemporaryFailure) << ans.summary;
}

TEST(CaresResolverNoServer, AServerThatIsNotAnAddressIsRefusedAtOnce) {
  boost::asio::io_context io;
  EXPECT_THROW(net::CaresChannel(io, net::CaresOptions{"dns.example:53"}), std::runtime_error);
}

}  // namespace
}  // namespace smtpsim
