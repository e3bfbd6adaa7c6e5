// Pipelining and protocol synchronisation (RFC 2920 §3.1; REFERENCE.md "SMTP smuggling" last
// sentence and "More bad input"): a compliant pipelined group after EHLO works; a client that
// pipelines without PIPELINING (after HELO, after EHLO/DATA/NOOP, with PIPELINING off) is
// dropped with 554 5.5.0, like Postfix; a client that talks before the greeting gets 554 5.5.0;
// HTTP requests on the SMTP port get 221 and the door. Compliant groups are replayed split at
// every byte boundary (check_splits); for the non-compliant ones see the invariants below.
#include <gtest/gtest.h>

#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerState;
using smtpsim::testing::check_splits;
using smtpsim::testing::for_each_split;
using smtpsim::testing::Outcome;
using smtpsim::testing::play;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO client.example.net\r\n";
const std::string kHelo = "HELO client.example.net\r\n";
const std::string kMail = "MAIL FROM:<sender@example.net>\r\n";
const std::string kRcpt = "RCPT TO:<alice@example.com>\r\n";
const std::string kRcpt2 = "RCPT TO:<bob@example.com>\r\n";
const std::string kBody = "Subject: test\r\n\r\nhello\r\n.\r\n";

Script script(V turns, ServerConfig cfg = {}) {
  Script s;
  s.cfg = std::move(cfg);
  s.turns = std::move(turns);
  return s;
}

// For a non-compliant script whose outcome depends on where TCP cut it: every split must
// give either the unsplit outcome or one of the other legitimate ones `ok` accepts, and
// never more than one message or a crash (the machine throws on an illegal transition).
template <typename F>
void for_every_split_expect(const Script& s, F&& ok) {
  for_each_split(s.turns, [&](const V& segs, std::size_t turn, std::size_t cut) {
    SCOPED_TRACE("turn " + std::to_string(turn) + " cut " + std::to_string(cut));
    Outcome o;
    ASSERT_NO_THROW(o = play(s, segs));
    EXPECT_LE(o.delivered.size(), 1u);
    ok(o, turn, cut);
  });
}

// --- compliant pipelining ----------------------------------------------------------------

TEST(ServerPipelining, EhloThenMailRcptRcptDataInOneSegment) {
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + kRcpt2 + "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"}));
  EXPECT_NE(o.output.find("250-PIPELINING\r\n"), std::string::npos);
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients, (V{"alice@example.com", "bob@example.com"}));
}

TEST(ServerPipelining, GroupWithARefusedRecipient) {
  const auto o = check_splits(script(
      {kEhlo, kMail + kRcpt + "RCPT TO:<carol@example.net>\r\n" + kRcpt2 + "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "554 5.7.1", "250 2.1.5",
                                  "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients, (V{"alice@example.com", "bob@example.com"}));
}

TEST(ServerPipelining, GroupWithEveryRecipientRefused) {
  // RFC 2920 §3.1: DATA then fails with 554 ("no valid recipients"), and the client, having
  // seen no 354, sends no text.
  const auto o =
      check_splits(script({kEhlo, kMail + "RCPT TO:<carol@example.net>\r\nDATA\r\n", "RSET\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "554 5.7.1", "554 5.5.1", "250 2.0.0"}));
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerPipelining, GroupWithRefusedSenderThenRcpt503) {
  const auto o =
      check_splits(script({kEhlo, "MAIL FROM:<bad>\r\n" + kRcpt + "DATA\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "501 5.1.7", "503 5.5.1", "503 5.5.1", "221 2.0.0"}));
}

TEST(ServerPipelining, RsetMailRcptAndQuitMayBeGrouped) {
  const auto o = check_splits(
      script({kEhlo, kMail, "RSET\r\n" + kMail + kRcpt + "RSET\r\nQUIT\r\n", "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.0.0", "250 2.1.0", "250 2.1.5",
                                  "250 2.0.0", "221 2.0.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerPipelining, GroupMayEndWithANonPipelinableCommand) {
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.0.0"}));
}

TEST(ServerPipelining, MessageEndThenNextTransactionInOneSegment) {
  // RFC 2920 §3.1: the message text may be the first "command" of a group.
  const auto o =
      check_splits(script({kEhlo, kMail + kRcpt + "DATA\r\n",
                           "one\r\n.\r\n" + kMail + kRcpt2 + "DATA\r\n", "two\r\n.\r\nQUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0",
                                  "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 2u);
  EXPECT_EQ(o.delivered[1].content, "two\r\n");
}

TEST(ServerPipelining, SyncEnforcementOffAcceptsAnything) {
  ServerConfig cfg;
  cfg.enforce_sync = false;
  const auto o =
      check_splits(script({kHelo + kMail + kRcpt + "DATA\r\n", kBody + "NOOP\r\nQUIT\r\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0",
                                  "250 2.0.0", "221 2.0.0"}));
  EXPECT_EQ(o.delivered.size(), 1u);
}

// --- synchronisation violations (non-compliant: segmentation matters) ---------------------

TEST(ServerPipelining, HeloThenTwoCommandsInOneSegment554) {
  // Postfix: "554 5.5.0 Error: SMTP protocol synchronization" and hang up. HELO offers no
  // PIPELINING, so MAIL with RCPT already behind it is a violation.
  const Script s = script({kHelo, kMail + kRcpt, "DATA\r\n", kBody});
  const Outcome o = play(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "554 5.5.0"}));
  EXPECT_NE(o.output.find("554 5.5.0 Error: SMTP protocol synchronization\r\n"), std::string::npos);
  EXPECT_TRUE(o.closed);
  EXPECT_TRUE(o.delivered.empty());
  // Split exactly between the two commands, the client looks like one that waited for the
  // MAIL reply: both are answered and the message goes through. Any other cut leaves MAIL
  // with bytes behind it: dropped. Never two messages, never a crash.
  const std::size_t boundary = kMail.size();
  for_every_split_expect(s, [&](const Outcome& so, std::size_t turn, std::size_t cut) {
    if (turn == 1 && cut == boundary) {
      EXPECT_EQ(replies(so.output),
                (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
      EXPECT_EQ(so.delivered.size(), 1u);
    } else {
      EXPECT_EQ(so, o);
    }
  });
}

TEST(ServerPipelining, PipeliningNotOfferedThenGroup554) {
  ServerConfig cfg;
  cfg.pipelining = false;
  const Script s = script({kEhlo, kMail + kRcpt}, cfg);
  const Outcome o = play(s);
  EXPECT_EQ(o.output.find("PIPELINING"), std::string::npos);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "554 5.5.0"}));
  EXPECT_TRUE(o.closed);
  for_every_split_expect(s, [&](const Outcome& so, std::size_t turn, std::size_t cut) {
    if (turn == 1 && cut == kMail.size()) {
      EXPECT_EQ(replies(so.output), (V{"220", "250", "250 2.1.0", "250 2.1.5"}));
    } else {
      EXPECT_EQ(so, o);
    }
  });
}

TEST(ServerPipelining, EhloFollowedByMailInOneSegment554) {
  // RFC 2920 §3.1: EHLO must be the last command in a group (the client cannot know yet
  // whether PIPELINING is offered).
  const Script s = script({kEhlo + kMail});
  const Outcome o = play(s);
  EXPECT_EQ(replies(o.output), (V{"220", "554 5.5.0"}));
  for_every_split_expect(s, [&](const Outcome& so, std::size_t, std::size_t cut) {
    if (cut == kEhlo.size()) {
      EXPECT_EQ(replies(so.output), (V{"220", "250", "250 2.1.0"}));
    } else {
      EXPECT_EQ(so, o);
    }
  });
}

TEST(ServerPipelining, DataFollowedByTextInOneSegment554) {
  // The client must wait for 354 (RFC 2920 §3.1: DATA is last in a group). A spam cannon
  // that sends everything at once is dropped before its text is read.
  const Script s = script({kEhlo, kMail + kRcpt + "DATA\r\n" + kBody});
  const Outcome o = play(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "554 5.5.0"}));
  EXPECT_TRUE(o.delivered.empty());
  // Only a cut right after "DATA\r\n" makes the client look compliant; any other cut leaves
  // bytes behind DATA (text, or the rest of DATA and text) and is dropped the same way.
  const std::size_t after_data = kMail.size() + kRcpt.size() + 6;
  for_every_split_expect(s, [&](const Outcome& so, std::size_t, std::size_t cut) {
    if (cut == after_data) {
      EXPECT_EQ(replies(so.output),
                (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
      EXPECT_EQ(so.delivered.size(), 1u);
    } else {
      EXPECT_EQ(so, o);
    }
  });
}

TEST(ServerPipelining, NoopOrVrfyInsideAGroup554) {
  for (const std::string cmd : {"NOOP\r\n", "VRFY alice\r\n", "HELP\r\n", "EHLO again\r\n"}) {
    const Outcome o = play(script({kEhlo, cmd + kMail}));
    EXPECT_EQ(replies(o.output), (V{"220", "250", "554 5.5.0"})) << cmd;
    EXPECT_TRUE(o.closed);
  }
}

TEST(ServerPipelining, ErrorsDoNotBypassSynchronisation) {
  // A refused command in the middle of a forbidden group still ends the session.
  const Outcome o = play(script({kHelo, "RCPT TO:<a@example.com>\r\n" + kMail}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "554 5.5.0"}));
}

// --- talking before the greeting ---------------------------------------------------------

TEST(ServerGreeting, TalkingBeforeTheGreeting554) {
  // The client's first bytes arrive before the 220 was taken by the driver (a spambot that
  // does not wait, Postfix postscreen's "pregreet"). The outcome does not depend on how the
  // early bytes were cut: once the client spoke first, the first command gets 554 5.5.0.
  Script s = script({kEhlo, kMail});
  s.early = true;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "554 5.5.0"}));
  EXPECT_NE(o.output.find("554 5.5.0 Error: SMTP protocol synchronization (talked before the "
                          "greeting)\r\n"),
            std::string::npos);
  EXPECT_TRUE(o.closed);
}

TEST(ServerGreeting, TalkingBeforeTheGreetingWithHttp) {
  Script s = script({"GET / HTTP/1.1\r\n"});
  s.early = true;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "554 5.5.0"}));
}

TEST(ServerGreeting, WaitingForTheGreetingIsFine) {
  const auto o = check_splits(script({kEhlo}));
  EXPECT_EQ(replies(o.output), (V{"220", "250"}));
  EXPECT_EQ(o.output.substr(0, 37), "220 mail.example.com ESMTP smtpsim\r\n2");
}

// --- HTTP on the SMTP port ---------------------------------------------------------------

TEST(ServerHttp, GetAnswers221AndCloses) {
  const auto o =
      check_splits(script({"GET / HTTP/1.1\r\nHost: mail.example.com\r\nUser-Agent: "
                           "curl/7.88\r\nAccept: */*\r\n\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "221 2.7.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerHttp, ConnectAnswers221AndCloses) {
  const auto o = check_splits(
      script({"CONNECT mx.example.org:25 HTTP/1.1\r\nHost: mx.example.org:25\r\n\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "221 2.7.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerHttp, PostMidSessionAnswers221) {
  const auto o = check_splits(script({kEhlo, kMail, "post /cgi-bin/x HTTP/1.0\r\n\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "221 2.7.0"}));
  EXPECT_TRUE(o.closed);
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerHttp, GetWithBareLfIsStillRefused) {
  // A sloppy HTTP client that sends bare LF lines: each is a 500 (bare <LF>); no SMTP
  // command is ever executed, and the error limit ends it.
  ServerConfig cfg;
  cfg.max_errors = 3;
  const auto o = check_splits(script({"GET / HTTP/1.1\nHost: x\nAccept: */*\n\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "500 5.5.2", "500 5.5.2", "500 5.5.2", "421 4.7.0"}));
  EXPECT_TRUE(o.closed);
}

}  // namespace
