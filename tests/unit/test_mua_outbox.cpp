// The MUA features lessons need (issue 6): messages sent at the same moment share one
// connection (one transaction each, RFC 5321 §3.3), "hello": "HELO" greets the old way (no
// extensions).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/scenario/load.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"

namespace {

using namespace smtpsim;

std::string world(const std::string& mua_extra, const std::string& script) {
  return R"({"name": "t", "run_for": "1h", "hosts": [
    {"name": "pc", "address": "192.0.2.10", "roles": ["MUA"],
     "mua": {"address": "ann@example.com", "submit_to": "mail.example.com", "port": 25)" +
         mua_extra + R"(}},
    {"name": "mail.example.com", "address": "203.0.113.25", "roles": ["MTA", "MDA"],
     "domains": ["example.com"], "users": {"ann": "a", "bob": "b"}}],
    "script": )" +
         script + "}";
}

struct Run {
  std::vector<trace::Event> events;
  std::size_t open = 0;
  int count(trace::EventKind k, const std::string& host, const std::string& starts = "") const {
    int n = 0;
    for (const auto& e : events) n += e.kind == k && e.host == host && e.text.starts_with(starts);
    return n;
  }
  std::vector<std::string> lines_of(const std::string& host) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.kind == trace::EventKind::Line && e.host == host) out.push_back(e.text);
    return out;
  }
};

Run run(const std::string& text) {
  auto r = scenario::parse_scenario(text, "t.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  trace::Recorder rec;
  scenario::Simulation sim(std::get<scenario::Spec>(r), rec);
  sim.run();
  return {{rec.events().begin(), rec.events().end()}, sim.net().open_connections()};
}

TEST(MuaOutbox, SendsOfOneMomentShareAConnection) {
  const auto r = run(world("", R"([
    {"at": "1s", "action": "send", "host": "pc", "to": "bob@example.com", "subject": "one"},
    {"at": "1s", "action": "send", "host": "pc", "to": "bob@example.com", "subject": "two"},
    {"at": "2m", "action": "send", "host": "pc", "to": "bob@example.com", "subject": "three"}])"));
  using K = trace::EventKind;
  EXPECT_EQ(r.count(K::ConnectionOpened, "pc"), 2);  // 1s (two messages) and 2m (one)
  EXPECT_EQ(r.count(K::Line, "pc", "MAIL FROM:"), 3);
  EXPECT_EQ(r.count(K::Line, "pc", "QUIT"), 2);
  EXPECT_EQ(r.count(K::Delivered, "mail.example.com"), 3);
  EXPECT_EQ(r.open, 0u);
}

TEST(MuaOutbox, HeloGetsNoExtensions) {
  const auto r = run(world(R"(, "hello": "HELO")", R"([
    {"at": "1s", "action": "send", "host": "pc", "to": "bob@example.com", "subject": "s"}])"));
  using K = trace::EventKind;
  EXPECT_EQ(r.count(K::Line, "pc", "HELO pc"), 1);
  EXPECT_EQ(r.count(K::Line, "pc", "EHLO"), 0);
  EXPECT_EQ(r.count(K::Line, "mail.example.com", "250-"), 0);
  EXPECT_EQ(r.count(K::Line, "pc", "MAIL FROM:<ann@example.com>"), 1);
  EXPECT_EQ(r.count(K::Delivered, "mail.example.com"), 1);
}

TEST(MuaOutbox, HelloMustBeEhloOrHelo) {
  auto r = scenario::parse_scenario(world(R"(, "hello": "helo")", "[]"), "t.json");
  ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(r));
  EXPECT_EQ(std::get<scenario::LoadError>(r).message,
            "t.json: /hosts/0/mua/hello: unknown greeting \"helo\" (EHLO or HELO)");
}

}  // namespace
