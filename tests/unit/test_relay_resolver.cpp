// Live relay's layered resolver (net/relay_resolver.hpp) with canned inner resolvers: which
// questions stay in the simulation and which go to the real world (real DNS or a smarthost).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "net/relay_resolver.hpp"

namespace smtpsim {
namespace {

using nodes::MxAnswer;
using Status = MxAnswer::Status;

// Answers every question with what it was given, on the next turn of the queue, and counts.
class Canned final : public nodes::Resolver {
 public:
  Canned(engine::EventQueue& q, MxAnswer mx, dns::Rcode rcode) : q_(q), mx_(mx), rcode_(rcode) {}
  void resolve_mx(const std::string&, std::function<void(MxAnswer)> done) override {
    ++mx_questions;
    q_.schedule_in(0, [done, a = mx_] { done(a); });
  }
  void lookup(const std::string& name, dns::RecordType type,
              std::function<void(std::optional<dns::Message>)> done) override {
    ++lookups;
    auto m = dns::make_response(dns::make_query(7, name, type), rcode_);
    q_.schedule_in(0, [done, m] { done(m); });
  }
  int mx_questions = 0, lookups = 0;

 private:
  engine::EventQueue& q_;
  MxAnswer mx_;
  dns::Rcode rcode_;
};

MxAnswer answer(Status s, std::string host = {}, bool implicit = false) {
  MxAnswer a;
  a.status = s;
  a.implicit = implicit;
  if (!host.empty()) a.targets.push_back({10, host, "192.0.2.7"});
  return a;
}

struct Rig {
  engine::EventQueue queue;
  trace::NullSink sink;
  engine::Network net{queue, sink};
  engine::Rng rng{1};
  nodes::World world{queue, net, rng};
  engine::HostId host = net.add_host("mail.example.com", "203.0.113.25", 0);
  Canned* sim = nullptr;
  Canned* real = nullptr;
  std::unique_ptr<net::RelayResolver> resolver;

  Rig(MxAnswer sim_mx, dns::Rcode sim_rcode, bool with_real, std::string smarthost = {}) {
    auto s = std::make_unique<Canned>(queue, sim_mx, sim_rcode);
    sim = s.get();
    std::unique_ptr<nodes::Resolver> r;
    if (with_real) {
      auto c =
          std::make_unique<Canned>(queue, answer(Status::Ok, "mx.real.test"), dns::Rcode::NoError);
      real = c.get();
      r = std::move(c);
    }
    resolver = std::make_unique<net::RelayResolver>(std::move(s), std::move(r), world, host,
                                                    smarthost, smarthost);
  }

  MxAnswer mx(const std::string& domain) {
    std::optional<MxAnswer> got;
    resolver->resolve_mx(domain, [&](MxAnswer a) { got = a; });
    queue.run_until(engine::kSecond);
    EXPECT_TRUE(got.has_value());
    return got.value_or(MxAnswer{});
  }

  std::optional<dns::Message> lookup(const std::string& name) {
    std::optional<dns::Message> got;
    bool answered = false;
    resolver->lookup(name, dns::RecordType::TXT, [&](std::optional<dns::Message> m) {
      got = m;
      answered = true;
    });
    queue.run_until(engine::kSecond);
    EXPECT_TRUE(answered);
    return got;
  }
};

TEST(RelayResolver, ASimulatedDomainStaysInTheSimulation) {
  Rig rig(answer(Status::Ok, "mail.example.net"), dns::Rcode::NoError, true);
  const MxAnswer a = rig.mx("example.net");
  ASSERT_EQ(a.targets.size(), 1u);
  EXPECT_EQ(a.targets[0].host, "mail.example.net");
  EXPECT_EQ(rig.real->mx_questions, 0);
}

TEST(RelayResolver, AnUnknownDomainGoesToRealDns) {
  Rig rig(answer(Status::NoSuchDomain), dns::Rcode::NXDomain, true);
  const MxAnswer a = rig.mx("example.test");
  ASSERT_EQ(a.targets.size(), 1u);
  EXPECT_EQ(a.targets[0].host, "mx.real.test");
  EXPECT_EQ(rig.sim->mx_questions, 1);
  EXPECT_EQ(rig.real->mx_questions, 1);
}

TEST(RelayResolver, ASimulatedDomainThatLostItsRecordsDoesNotLeakOut) {
  // No MX and no A in the scenario's zone: implicit MX found nothing. Still simulated.
  Rig rig(answer(Status::NoSuchDomain, {}, true), dns::Rcode::NoError, true);
  EXPECT_EQ(rig.mx("example.net").status, Status::NoSuchDomain);
  EXPECT_EQ(rig.real->mx_questions, 0);
}

TEST(RelayResolver, TemporaryFailuresOfTheScenarioStayTemporary) {
  Rig rig(answer(Status::TemporaryFailure), dns::Rcode::ServFail, true);
  EXPECT_EQ(rig.mx("example.net").status, Status::TemporaryFailure);
  EXPECT_EQ(rig.real->mx_questions, 0);
}

TEST(RelayResolver, TheSmarthostIsTheOneMxOfEveryOutsideDomain) {
  Rig rig(answer(Status::NoSuchDomain), dns::Rcode::NXDomain, true, "127.0.0.1");
  const MxAnswer a = rig.mx("anything.test");
  ASSERT_EQ(a.status, Status::Ok);
  ASSERT_EQ(a.targets.size(), 1u);
  EXPECT_EQ(a.targets[0].host, "127.0.0.1");
  EXPECT_EQ(a.targets[0].address, "127.0.0.1");
  EXPECT_EQ(a.targets[0].preference, 0);
  EXPECT_EQ(rig.real->mx_questions, 0);  // real DNS is for SPF then, not for routing
}

TEST(RelayResolver, NothingOutsideMeansNoSuchDomain) {
  Rig rig(answer(Status::NoSuchDomain), dns::Rcode::NXDomain, false);
  EXPECT_EQ(rig.mx("example.test").status, Status::NoSuchDomain);
}

TEST(RelayResolver, SpfLookupsGoOutOnlyForNamesTheScenarioDoesNotKnow) {
  Rig unknown(answer(Status::Ok), dns::Rcode::NXDomain, true);
  auto m = unknown.lookup("example.test");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->flags.rcode, dns::Rcode::NoError);  // the real server's answer
  EXPECT_EQ(unknown.real->lookups, 1);

  Rig known(answer(Status::Ok), dns::Rcode::NoError, true);
  ASSERT_TRUE(known.lookup("example.com").has_value());
  EXPECT_EQ(known.real->lookups, 0);

  Rig alone(answer(Status::Ok), dns::Rcode::NXDomain, false);
  auto n = alone.lookup("example.test");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->flags.rcode, dns::Rcode::NXDomain);
}

}  // namespace
}  // namespace smtpsim
