// The MUA features lessons need (issue 6): messages sent at the same moment share one
// connection (one transaction each, RFC 5321 §3.3), "hello": "HELO" greets the old way (no
// extensions), and the "type" action sends hand-typed lines one reply at a time.
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

TEST(TypedSession, EachLineWaitsForTheReplyBeforeIt) {
  const auto r = run(world("", R"([
    {"at": "1s", "action": "type", "host": "pc",
     "lines": ["EHLO pc", "VRFY bob", "NOOP", "MAIL FROM:<ann@example.com>", "RSET", "DATA",
               "QUIT"]}])"));
  EXPECT_EQ(r.lines_of("pc"),
            (std::vector<std::string>{"EHLO pc", "VRFY bob", "NOOP", "MAIL FROM:<ann@example.com>",
                                      "RSET", "DATA", "QUIT"}));
  // The server's replies, in order: greeting, EHLO list, then one reply per typed line.
  std::vector<int> codes;
  for (const auto& e : r.events)
    if (e.kind == trace::EventKind::Line && e.host == "mail.example.com" && e.text.size() > 3 &&
        e.text[3] == ' ')
      codes.push_back(e.code);
  ASSERT_EQ(codes.size(), 8u);
  EXPECT_EQ(codes[0], 220);
  EXPECT_EQ(codes[1], 250);  // EHLO
  EXPECT_EQ(codes[4], 250);  // MAIL
  EXPECT_EQ(codes[5], 250);  // RSET
  EXPECT_EQ(codes[6], 503);  // DATA without MAIL and RCPT: bad sequence
  EXPECT_EQ(codes[7], 221);  // QUIT
  EXPECT_EQ(r.open, 0u);
}

TEST(TypedSession, LinesAreChecked) {
  auto r = scenario::parse_scenario(
      world("", R"([{"at": "1s", "action": "type", "host": "pc", "lines": ["NOOP\r\nRSET"]}])"),
      "t.json");
  ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(r));
  EXPECT_EQ(std::get<scenario::LoadError>(r).message,
            "t.json: /script/0/lines/0: a typed line must not contain CR, LF or NUL (one line "
            "each)");
  r = scenario::parse_scenario(
      world("",
            R"([{"at": "1s", "action": "type", "host": "mail.example.com", "lines": ["NOOP"]}])"),
      "t.json");
  ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(r));
  EXPECT_EQ(std::get<scenario::LoadError>(r).message,
            "t.json: /script/0/host: host \"mail.example.com\" does not have the MUA role (typing "
            "happens at a MUA, to its submit_to host)");
  r = scenario::parse_scenario(world("", R"([{"at": "1s", "action": "type", "host": "pc"}])"),
                               "t.json");
  ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(r));
  EXPECT_EQ(std::get<scenario::LoadError>(r).message,
            "t.json: /script/0: missing required field \"lines\" (what the person types, one "
            "string per line)");
}

}  // namespace
