// Our POP3 client against our POP3 server, in memory (session_pair): leave-on-server
// twice, download-and-delete, APOP, STLS, and the observer's view of a whole session.
#include <gtest/gtest.h>

#include "sim/proto/pop3/session_pair.hpp"
#include "tests/unit/test_pop3_harness.hpp"

namespace pop3 = smtpsim::pop3;
using smtpsim::testing::kPop3Msg1;
using smtpsim::testing::kPop3Msg2;

namespace {

const std::map<std::string, std::string> kSecrets{{"alice", "secret"}};

pop3::ClientConfig alice() {
  pop3::ClientConfig c;
  c.user = "alice";
  c.password = "secret";
  return c;
}

struct Pair {
  smtpsim::mail::MailStore store;
  Pair() { smtpsim::testing::seed_pop3_store(store); }
  pop3::PairResult run(const pop3::ClientConfig& ccfg, const pop3::ServerConfig& scfg = {}) {
    pop3::ClientSession client(ccfg);
    pop3::ServerSession server(scfg, store);
    return pop3::run_session_pair(client, server, kSecrets);
  }
  std::size_t left() const { return store.folder("alice", "INBOX")->messages.size(); }
};

TEST(Pop3Pair, LeaveOnServerTwiceDownloadsNothingNew) {
  Pair p;
  auto first = p.run(alice());
  EXPECT_FALSE(first.stalled);
  EXPECT_FALSE(first.failure.has_value());
  ASSERT_EQ(first.messages.size(), 2u);
  EXPECT_EQ(first.messages[0].content, kPop3Msg1);  // dot-stuffing undone
  EXPECT_EQ(first.messages[1].content, kPop3Msg2);
  EXPECT_EQ(first.messages[0].uid, "1.1");
  ASSERT_TRUE(first.done.has_value());
  EXPECT_EQ(first.done->retrieved, 2u);
  EXPECT_EQ(first.done->deleted, 0u);
  EXPECT_EQ(p.left(), 2u);
  // RETR marked them \Seen in the store (what an IMAP client would see)
  EXPECT_EQ(p.store.unread("alice"), 0u);

  pop3::ClientConfig again = alice();
  for (const auto& m : first.messages) again.known_uids.insert(m.uid);
  p.store.deliver("alice", "Subject: three\r\n\r\nnew\r\n", 9);
  auto second = p.run(again);
  ASSERT_EQ(second.messages.size(), 1u);
  EXPECT_EQ(second.messages[0].uid, "1.3");
  EXPECT_EQ(second.messages[0].content, "Subject: three\r\n\r\nnew\r\n");
  again.known_uids.insert("1.3");
  auto third = p.run(again);
  EXPECT_TRUE(third.messages.empty());
  ASSERT_TRUE(third.done.has_value());
  EXPECT_EQ(third.done->retrieved, 0u);
  EXPECT_EQ(p.left(), 3u);
}

TEST(Pop3Pair, DownloadAndDeleteEmptiesTheStore) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.mode = pop3::RetrievalMode::DownloadAndDelete;
  auto r = p.run(cfg);
  EXPECT_FALSE(r.stalled);
  ASSERT_EQ(r.messages.size(), 2u);
  ASSERT_TRUE(r.done.has_value());
  EXPECT_EQ(r.done->deleted, 2u);
  EXPECT_EQ(r.expunged, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(p.left(), 0u);
  // a second run finds an empty maildrop
  auto again = p.run(cfg);
  EXPECT_TRUE(again.messages.empty());
  ASSERT_TRUE(again.done.has_value());
}

TEST(Pop3Pair, ApopLogin) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.use_apop = true;
  pop3::ServerConfig scfg;
  scfg.apop_timestamp = "<4711.1@mail.example.com>";
  auto r = p.run(cfg, scfg);
  EXPECT_FALSE(r.failure.has_value());
  EXPECT_EQ(r.messages.size(), 2u);
  // without the timestamp the client refuses to fall back silently
  auto no_ts = p.run(cfg);
  ASSERT_TRUE(no_ts.failure.has_value());
  EXPECT_EQ(no_ts.failure->stage, "auth");
  EXPECT_FALSE(no_ts.stalled);
}

TEST(Pop3Pair, WrongPasswordFailsCleanly) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.password = "wrong";
  cfg.mode = pop3::RetrievalMode::DownloadAndDelete;
  auto r = p.run(cfg);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->stage, "auth");
  EXPECT_EQ(r.failure->reason, "server said: -ERR [AUTH] Authentication failed");
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(p.left(), 2u);
}

TEST(Pop3Pair, StlsThenLogin) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.tls = pop3::TlsMode::StlsRequired;
  pop3::ServerConfig scfg;
  scfg.stls_available = true;
  scfg.plaintext_auth_needs_tls = true;
  pop3::ClientSession client(cfg);
  pop3::ServerSession server(scfg, p.store);
  smtpsim::testing::Pop3Recorder crec, srec;
  client.set_observer(&crec);
  server.set_observer(&srec);
  auto r = pop3::run_session_pair(client, server, kSecrets);
  EXPECT_FALSE(r.failure.has_value());
  EXPECT_EQ(r.messages.size(), 2u);
  EXPECT_TRUE(client.tls_active());
  EXPECT_TRUE(server.tls_active());
  EXPECT_EQ(crec.lines_out,
            (std::vector<std::string>{"CAPA", "STLS", "CAPA", "USER alice", "PASS [redacted]",
                                      "STAT", "UIDL", "RETR 1", "RETR 2", "QUIT"}));
  EXPECT_EQ(srec.lines_in, crec.lines_out);  // the server saw the same, redacted the same

  // without TLS on offer, a client that requires it stops before sending a password
  Pair q;
  scfg.stls_available = false;
  auto refused = q.run(cfg, scfg);
  ASSERT_TRUE(refused.failure.has_value());
  EXPECT_EQ(refused.failure->stage, "stls");
  EXPECT_TRUE(refused.messages.empty());
}

TEST(Pop3Pair, PlaintextRefusedWithoutTls) {
  Pair p;
  pop3::ServerConfig scfg;
  scfg.plaintext_auth_needs_tls = true;
  auto r = p.run(alice(), scfg);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->reason, "the server does not offer USER/PASS login here");
}

TEST(Pop3Pair, MaxMessagesThenTheRest) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.max_messages = 1;
  cfg.mode = pop3::RetrievalMode::DownloadAndDelete;
  auto r = p.run(cfg);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(p.left(), 1u);
  auto rest = p.run(cfg);
  ASSERT_EQ(rest.messages.size(), 1u);
  EXPECT_EQ(rest.messages[0].content, kPop3Msg2);
  EXPECT_EQ(p.left(), 0u);
}

}  // namespace

namespace {
// A download-and-delete session cut before QUIT deletes nothing (RFC 1939 §6); the next
// session deletes what the device already has without fetching it twice.
TEST(Pop3Pair, DeleteModeFinishesTheDeletionsOfACutSessionWithoutRefetching) {
  Pair p;
  pop3::ClientConfig cfg = alice();
  cfg.mode = pop3::RetrievalMode::DownloadAndDelete;
  cfg.known_uids = {"1.1"};  // downloaded by a session that never reached QUIT
  auto r = p.run(cfg);
  ASSERT_TRUE(r.done.has_value());
  ASSERT_EQ(r.messages.size(), 1u);  // only the new one is fetched
  EXPECT_EQ(r.messages[0].uid, "1.2");
  EXPECT_EQ(r.done->deleted, 2u);  // both are gone from the server
  EXPECT_EQ(p.left(), 0u);
}
}  // namespace
