// The server's transition table (DESIGN.md ideas 2 and 3): every move the machine makes is a
// row of the table (the machine throws std::logic_error otherwise), every row is a move the
// machine can actually make (no dead rows in the diagram), and render_dot() draws every
// state and every row. Scripted conversations reach each row; seeded random conversations
// (commands, garbage, AUTH, data, random segmentation and endings) look for moves that are
// not in the table.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <random>
#include <set>
#include <tuple>

#include "sim/proto/smtp/sasl.hpp"
#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::proto::MachineSpec;
using smtpsim::smtp::server_machine_spec;
using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerSession;
using smtpsim::smtp::ServerState;
using smtpsim::testing::play;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO client.example.net\r\n";
const std::string kHelo = "HELO client.example.net\r\n";
const std::string kMail = "MAIL FROM:<sender@example.net>\r\n";
const std::string kRcpt = "RCPT TO:<alice@example.com>\r\n";

using Move = std::tuple<int, int, std::string>;

// Records every transition and checks it against the table and against the previous one.
struct MoveLog : smtpsim::proto::SessionObserver {
  std::set<Move> seen;
  int last_to = -1;
  int bad = 0;
  void on_transition(const MachineSpec& spec, int from, int to, std::string_view trigger) override {
    if (!spec.allows(from, to, trigger)) ++bad;
    if (last_to != -1 && from != last_to) ++bad;  // moves chain up
    last_to = to;
    seen.emplace(from, to, std::string(trigger));
  }
  void reset_chain() { last_to = -1; }
};

std::string name(int s) {
  return std::string(server_machine_spec().state(s).name);
}

TEST(ServerMachine, EveryTableRowIsReachedAndNothingElse) {
  MoveLog log;
  auto run = [&](V turns, ServerConfig cfg = {}, Script::End end = Script::End::Nothing,
                 bool early = false) {
    Script s;
    s.cfg = std::move(cfg);
    s.turns = std::move(turns);
    s.end = end;
    s.early = early;
    s.observer = &log;
    log.reset_chain();
    EXPECT_NO_THROW(play(s));
  };
  ServerConfig auth;
  auth.auth_enabled = true;
  auth.tls_active = true;
  ServerConfig tls;
  tls.starttls_available = true;
  ServerConfig one_error = auth;
  one_error.max_errors = 1;

  // a prefix that leaves the machine in each state
  const std::vector<std::pair<V, ServerConfig>> in_state = {
      {{}, auth},                                               // GREETED
      {{kEhlo}, auth},                                          // READY
      {{kEhlo, kMail}, auth},                                   // MAIL
      {{kEhlo, kMail, kRcpt}, auth},                            // RCPT
      {{kEhlo, kMail + kRcpt + "DATA\r\n", "text\r\n"}, auth},  // DATA
      {{kEhlo, "AUTH LOGIN\r\n"}, auth},                        // AUTH
  };
  for (const auto& [prefix, cfg] : in_state) {
    for (auto end : {Script::End::Timeout, Script::End::Shutdown, Script::End::Eof}) {
      run(prefix, cfg, end);
    }
    auto with = [&](const std::string& last) {
      V t = prefix;
      t.push_back(last);
      return t;
    };
    run(with("QUIT\r\n"), cfg);
    run(with("GET / HTTP/1.0\r\n"), cfg);
    run(with("NOOP\r\nNOOP\r\n"), cfg);
    ServerConfig e = cfg;
    e.max_errors = 1;
    run(with("FOO\r\n"), e);
    run(with("bare\n"), e);  // the only error an AUTH exchange can make without leaving AUTH
    run(with(kEhlo), cfg);
    run(with(kHelo), cfg);
    run(with("RSET\r\n"), cfg);
  }
  run({kEhlo}, ServerConfig{}, Script::End::Nothing, /*early=*/true);
  run({kEhlo, kMail, kRcpt, "DATA\r\n", "hi\r\n.\r\n"});
  run({kEhlo, "AUTH PLAIN AGFsaWNlAGFsaWNl\r\n"}, auth);
  run({kEhlo, "AUTH PLAIN AGFsaWNlAGFsaWNm\r\n"}, auth);
  run({kEhlo, "STARTTLS\r\n", kEhlo}, tls);
  {
    ServerSession s;
    s.set_observer(&log);
    log.reset_chain();
    s.refuse(smtpsim::smtp::Reply{421, "4.3.2", "busy"});
    ServerSession t;
    t.set_observer(&log);
    log.reset_chain();
    t.timeout();
    ServerSession u;
    u.set_observer(&log);
    log.reset_chain();
    u.shutdown(smtpsim::smtp::Reply{421, "4.3.2", "bye"});
  }

  EXPECT_EQ(log.bad, 0);
  const auto& spec = server_machine_spec();
  for (const auto& t : spec.transitions) {
    EXPECT_TRUE(log.seen.count({t.from, t.to, std::string(t.trigger)}))
        << "table row never taken: " << name(t.from) << " -> " << name(t.to) << " on '" << t.trigger
        << "'";
  }
  for (const auto& [from, to, trigger] : log.seen) {
    EXPECT_TRUE(spec.allows(from, to, trigger))
        << name(from) << " -> " << name(to) << " " << trigger;
  }
}

// A random conversation: pieces drawn from a vocabulary of good and bad input, cut into
// random segments, with a random ending.
std::vector<std::string> random_segments(std::mt19937& rng) {
  static const std::vector<std::string> vocab = {
      kEhlo,
      kHelo,
      kMail,
      kRcpt,
      "RCPT TO:<carol@example.net>\r\n",
      "RCPT TO:<Postmaster>\r\n",
      "MAIL FROM:<>\r\n",
      "DATA\r\n",
      "RSET\r\n",
      "NOOP\r\n",
      "QUIT\r\n",
      "VRFY alice\r\n",
      "EXPN staff\r\n",
      "HELP\r\n",
      "STARTTLS\r\n",
      "AUTH PLAIN\r\n",
      "AUTH LOGIN\r\n",
      "AUTH CRAM-MD5\r\n",
      "AUTH PLAIN AGFsaWNlAGFsaWNl\r\n",
      "AGFsaWNlAGFsaWNl\r\n",
      "YWxpY2U=\r\n",
      "*\r\n",
      "=\r\n",
      "hello world\r\n",
      ".\r\n",
      "..\r\n",
      "\r\n",
      "\n",
      "\r",
      ".\n",
      "\n.\n",
      "\r\n.\r\n",
      std::string("\0", 1),
      "\xff\xfe",
      "GET / HTTP/1.1\r\n",
      "FOO bar\r\n",
      "MAIL FROM:<a@example.net> SIZE=99999999999999999999999\r\n",
      std::string(600, 'x'),
      std::string(1200, 'y') + "\r\n",
      "BDAT 10 LAST\r\n",
      "TURN\r\n",
      "MAIL FROM:<@a,@b:c@d>\r\n",
      "RCPT TO:<a%b@example.com>\r\n"};
  std::uniform_int_distribution<std::size_t> pick(0, vocab.size() - 1);
  std::uniform_int_distribution<int> count(1, 40);
  std::string all;
  const int n = count(rng);
  for (int i = 0; i < n; ++i) all += vocab[pick(rng)];
  std::vector<std::string> segs;
  std::uniform_int_distribution<std::size_t> len(1, 64);
  for (std::size_t p = 0; p < all.size();) {
    const std::size_t l = std::min(all.size() - p, len(rng));
    segs.push_back(all.substr(p, l));
    p += l;
  }
  return segs;
}

TEST(ServerMachine, RandomConversationsStayInsideTheTable) {
  std::mt19937 rng(20240611);
  std::vector<ServerConfig> configs(6);
  configs[1].auth_enabled = true;
  configs[1].tls_active = true;
  configs[2].starttls_available = true;
  configs[2].auth_enabled = true;
  configs[2].tls_required = true;
  configs[3].enforce_sync = false;
  configs[3].bare_line_ends = smtpsim::smtp::BareLineEnds::Reject;
  configs[3].max_errors = 1000;
  configs[4].auth_enabled = true;
  configs[4].auth_required = true;
  configs[4].plaintext_auth_needs_tls = false;
  configs[4].enforce_sync = false;
  configs[4].max_errors = 1000;
  configs[5].max_recipients = 1;
  configs[5].max_message_size = 20;
  configs[5].pipelining = false;
  std::uniform_int_distribution<int> coin(0, 4);
  MoveLog log;
  // SMTPSIM_RANDOM_CONVERSATIONS=1000000 for a longer hunt
  const char* env = std::getenv("SMTPSIM_RANDOM_CONVERSATIONS");
  const int total = env ? std::atoi(env) : 3000;
  for (int i = 0; i < total; ++i) {
    Script s;
    s.cfg = configs[static_cast<std::size_t>(i) % configs.size()];
    s.early = coin(rng) == 0;
    s.end = static_cast<Script::End>(coin(rng) % 4);
    s.observer = &log;
    log.reset_chain();
    const auto segs = random_segments(rng);
    smtpsim::testing::Outcome o;
    ASSERT_NO_THROW(o = play(s, segs)) << "conversation " << i;
    // every reply is well formed: three digits, then ' ' or '-'
    for (const auto& r : replies(o.output)) ASSERT_NE(r.front(), '?') << o.output;
    EXPECT_LE(o.delivered.size(), smtpsim::testing::count_of(o.output, "\r\n354 ") +
                                      (o.output.rfind("354 ", 0) == 0 ? 1u : 0u));
    if (s.end != Script::End::Nothing) {
      EXPECT_TRUE(o.closed);
    }
  }
  EXPECT_EQ(log.bad, 0);
}

TEST(ServerMachine, RenderDotCoversEveryStateAndTransition) {
  const auto& spec = server_machine_spec();
  ASSERT_EQ(spec.states.size(), 8u);
  for (const auto& st : spec.states) {
    const std::string dot = smtpsim::proto::render_dot(spec, st.id);
    // every state is drawn with its name and caption, and only the current one is filled
    for (const auto& other : spec.states) {
      const std::string node =
          fmt::format("  s{} [label=\"{}\\n{}\"", other.id, other.name, other.caption);
      EXPECT_NE(dot.find(node), std::string::npos) << node;
      const std::string filled = node + ", style=\"rounded,filled\", fillcolor=gold];";
      EXPECT_EQ(dot.find(filled) != std::string::npos, other.id == st.id) << filled;
    }
    for (const auto& t : spec.transitions) {
      const std::string edge = fmt::format("  s{} -> s{} [label=\"{}\"", t.from, t.to, t.trigger);
      EXPECT_NE(dot.find(edge), std::string::npos) << edge;
    }
  }
  // the last move is highlighted (only edges with that trigger into the current state)
  const std::string dot =
      smtpsim::proto::render_dot(spec, static_cast<int>(ServerState::Rcpt), "RCPT 250");
  EXPECT_NE(dot.find("-> s4 [label=\"RCPT 250\", color=red, penwidth=2];"), std::string::npos);
  EXPECT_EQ(std::count(dot.begin(), dot.end(), '\n'),
            static_cast<long>(3 + spec.states.size() + spec.transitions.size() + 1));
}

TEST(ServerMachine, EveryStateHasACaptionAndIsReachable) {
  const auto& spec = server_machine_spec();
  std::set<int> reachable{static_cast<int>(ServerState::Connect)};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : spec.transitions)
      if (reachable.count(t.from) && reachable.insert(t.to).second) grew = true;
  }
  for (const auto& st : spec.states) {
    EXPECT_FALSE(st.caption.empty()) << st.name;
    EXPECT_TRUE(reachable.count(st.id)) << st.name;
  }
  // and Closed is final
  for (const auto& t : spec.transitions) EXPECT_NE(t.from, static_cast<int>(ServerState::Closed));
}

TEST(ServerMachine, StateCaptionFollowsTheState) {
  smtpsim::testing::ServerRun run;
  run.run({kEhlo, kMail});
  EXPECT_EQ(run.server.state_caption(), "waiting for RCPT");
  run.feed(kRcpt + "DATA\r\n");
  EXPECT_EQ(run.server.state_caption(), "reading the message until <CRLF>.<CRLF>");
}

}  // namespace
