// Server limits (RFC 5321 §4.5.3.1, RFC 1870 SIZE; REFERENCE.md "SMTP limits and rules" and
// "More bad input"): command line 512, text line 1000, endless lines never buffered (command,
// AUTH and DATA), at least 100 recipients, 452 4.5.3 past the limit keeping the earlier ones,
// a 10,000-recipient flood, SIZE= and the message size limit. Replayed split (check_splits).
#include <gtest/gtest.h>

#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerState;
using smtpsim::testing::check_splits;
using smtpsim::testing::heap_in_use;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using smtpsim::testing::ServerRun;
using smtpsim::testing::SplitOptions;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO client.example.net\r\n";
const std::string kMail = "MAIL FROM:<sender@example.net>\r\n";
const std::string kRcpt = "RCPT TO:<alice@example.com>\r\n";
const std::string kBody = "Subject: test\r\n\r\nhello\r\n.\r\n";

Script script(V turns, ServerConfig cfg = {}) {
  Script s;
  s.cfg = std::move(cfg);
  s.turns = std::move(turns);
  return s;
}

// A command line of exactly `total` octets including CRLF.
std::string noop_line(std::size_t total) {
  return "NOOP " + std::string(total - 7, 'x') + "\r\n";
}

// --- command lines -----------------------------------------------------------------------

TEST(ServerLimits, CommandLineOf512Accepted) {
  ASSERT_EQ(noop_line(512).size(), 512u);
  const auto o = check_splits(script({kEhlo, noop_line(512)}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.0.0"}));
}

TEST(ServerLimits, CommandLineOf513Answers500AndSessionContinues) {
  const auto o = check_splits(script({kEhlo, noop_line(513), kMail, kRcpt}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "250 2.1.0", "250 2.1.5"}));
  EXPECT_NE(o.output.find("500 5.5.2 Line too long\r\n"), std::string::npos);
  EXPECT_FALSE(o.closed);
}

TEST(ServerLimits, LongMailCommandIsNotHalfExecuted) {
  // A 2000-octet MAIL line must be refused as a whole, never parsed from its first 512 octets.
  const std::string mail = "MAIL FROM:<a@example.net> " + std::string(2000, 'X') + "\r\n";
  const auto o = check_splits(script({kEhlo, mail, kRcpt}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "503 5.5.1"}));
}

TEST(ServerLimits, LongLineWithCrAtEveryChunkEnd) {
  // The machine keeps a trailing CR of a discarded partial line (it may pair with the LF);
  // CRs inside the overlong line must not end it or confuse the next command.
  std::string line;
  for (int i = 0; i < 40; ++i) line += std::string(99, 'y') + "\r";
  const auto o = check_splits(script({kEhlo, line + "\r\n", "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "250 2.0.0"}));
}

TEST(ServerLimits, EndlessLineSmallEnoughToSplit) {
  // The same discard logic as the 10 MB test below, small enough to cut at every byte.
  const auto o =
      check_splits(script({kEhlo, std::string(3000, 'A'), std::string(3000, 'B'), "\r\nNOOP\r\n"}),
                   SplitOptions{.cut_budget = 800});
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "250 2.0.0"}));
}

// Feeds `total` bytes of `chunk`s (no LF) and returns how much the heap grew meanwhile.
std::size_t heap_growth_feeding(ServerRun& run, const std::string& chunk, std::size_t total) {
  const std::size_t before = heap_in_use();
  std::size_t peak = before;
  for (std::size_t sent = 0; sent < total; sent += chunk.size()) {
    run.feed(chunk);
    peak = std::max(peak, heap_in_use());
  }
  return peak - before;
}

TEST(ServerLimits, EndlessCommandLineIsNotBuffered) {
  for (const std::string& chunk : {std::string(65536, 'A'), std::string(65535, 'A') + "\r",
                                   std::string(1000, 'A'), std::string(300, 'A')}) {
    ServerRun run;
    run.start();
    run.feed(kEhlo);
    const std::size_t grew = heap_growth_feeding(run, chunk, 10u << 20);
    EXPECT_LT(grew, 512u * 1024) << "chunk of " << chunk.size();
    run.feed("\r\nNOOP\r\n");
    EXPECT_EQ(replies(run.output), (V{"220", "250", "500 5.5.2", "250 2.0.0"}));
    EXPECT_FALSE(run.closed);
  }
}

TEST(ServerLimits, EndlessAuthLineIsNotBuffered) {
  ServerConfig cfg;
  cfg.auth_enabled = true;
  cfg.tls_active = true;
  ServerRun run(cfg);
  run.start();
  run.feed(kEhlo);
  run.feed("AUTH LOGIN\r\n");
  ASSERT_EQ(run.server.state(), ServerState::Auth);
  const std::size_t grew = heap_growth_feeding(run, std::string(65536, 'Q'), 10u << 20);
  EXPECT_LT(grew, 512u * 1024);
  run.feed("\r\nNOOP\r\n");
  EXPECT_EQ(replies(run.output), (V{"220", "250", "334", "500 5.5.2", "250 2.0.0"}));
  EXPECT_EQ(run.server.state(), ServerState::Ready);
  EXPECT_FALSE(run.server.authenticated());
}

TEST(ServerLimits, EndlessLineInDataIsNotBuffered) {
  // With no size limit at all (max_message_size = 0) an endless text line must still not
  // grow the server: the message is refused anyway, so it is not kept.
  for (std::uint64_t max : {std::uint64_t{0}, std::uint64_t{10'240'000}}) {
    ServerConfig cfg;
    cfg.max_message_size = max;
    ServerRun run(cfg);
    run.start();
    run.feed(kEhlo);
    run.feed(kMail + kRcpt);
    run.feed("DATA\r\n");
    run.feed("Subject: endless\r\n\r\n");
    const std::size_t grew = heap_growth_feeding(run, std::string(65536, 'D'), 10u << 20);
    EXPECT_LT(grew, 512u * 1024) << "max_message_size " << max;
    run.feed("\r\n.\r\nNOOP\r\n");
    EXPECT_EQ(replies(run.output),
              (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "500 5.5.2", "250 2.0.0"}));
    EXPECT_TRUE(run.delivered.empty());
  }
}

TEST(ServerLimits, OversizedMessageIsNotBuffered) {
  // Proper short lines, but ten times the size limit: nothing past the limit is kept.
  ServerConfig cfg;
  cfg.max_message_size = 1 << 20;
  ServerRun run(cfg);
  run.start();
  run.feed(kEhlo);
  run.feed(kMail + kRcpt);
  run.feed("DATA\r\n");
  std::string chunk;
  while (chunk.size() < 60000) chunk += std::string(78, 'm') + "\r\n";
  run.feed(chunk);  // warm up the string buffers before measuring
  const std::size_t before = heap_in_use();
  for (std::size_t sent = 0; sent < (10u << 20); sent += chunk.size()) run.feed(chunk);
  EXPECT_LT(heap_in_use() - std::min(before, heap_in_use()), 2u << 20);
  run.feed(".\r\n");
  EXPECT_EQ(replies(run.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "552 5.3.4"}));
  EXPECT_TRUE(run.delivered.empty());
}

// --- text lines --------------------------------------------------------------------------

TEST(ServerLimits, TextLineOf1000Accepted) {
  const std::string line = std::string(998, 't') + "\r\n";
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + "DATA\r\n", line + ".\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, line);
}

TEST(ServerLimits, DotStuffedTextLineOf1000Accepted) {
  // RFC 5321 §4.5.3.1.6: the 1000 octets do not count "the leading dot duplicated for
  // transparency": a 1000-octet text line starting with "." is 1001 octets on the wire.
  const std::string line = "." + std::string(997, 't') + "\r\n";  // the text line: 1000
  ASSERT_EQ(line.size(), 1000u);
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + "DATA\r\n", "." + line + ".\r\n"}));
  EXPECT_EQ(replies(o.output).back(), "250 2.0.0");
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, line);
  // one octet more is too long, stuffed or not
  const auto o2 = check_splits(
      script({kEhlo, kMail + kRcpt + "DATA\r\n", ".." + std::string(998, 't') + "\r\n.\r\n"}));
  EXPECT_EQ(replies(o2.output).back(), "500 5.5.2");
  EXPECT_TRUE(o2.delivered.empty());
}

TEST(ServerLimits, TextLineOver1000Answers500AfterTheDot) {
  const std::string line = std::string(999, 't') + "\r\n";
  const auto o = check_splits(
      script({kEhlo, kMail + kRcpt + "DATA\r\n", "Subject: long\r\n\r\n" + line + "after\r\n.\r\n",
              kMail + kRcpt + "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "500 5.5.2",
                                  "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);  // only the second message
  EXPECT_EQ(o.delivered[0].content, "Subject: test\r\n\r\nhello\r\n");
}

TEST(ServerLimits, VeryLongTextLineAnswers500) {
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + "DATA\r\n",
                                      "x" + std::string(5000, 'y') + "\r\n.\r\n", "NOOP\r\n"}),
                              SplitOptions{.cut_budget = 1500});
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "500 5.5.2", "250 2.0.0"}));
  EXPECT_TRUE(o.delivered.empty());
}

// --- recipients --------------------------------------------------------------------------

std::string rcpts(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "RCPT TO:<user" + std::to_string(i) + "@example.com>\r\n";
  return s;
}

TEST(ServerLimits, HundredAndFiftyRecipientsAccepted) {
  // RFC 5321 §4.5.3.1.8: at least 100 recipients must be buffered.
  const auto o = check_splits(script({kEhlo, kMail + rcpts(0, 150) + "DATA\r\n", kBody}),
                              SplitOptions{.cut_budget = 100});
  V want = {"220", "250", "250 2.1.0"};
  want.insert(want.end(), 150, "250 2.1.5");
  want.insert(want.end(), {"354", "250 2.0.0"});
  EXPECT_EQ(replies(o.output), want);
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients.size(), 150u);
  EXPECT_EQ(o.delivered[0].recipients.back(), "user149@example.com");
}

TEST(ServerLimits, PastMaxRecipients452KeepsTheEarlierOnes) {
  ServerConfig cfg;
  cfg.max_recipients = 100;
  const auto o = check_splits(script({kEhlo, kMail + rcpts(0, 105) + "DATA\r\n", kBody}, cfg),
                              SplitOptions{.cut_budget = 100});
  V want = {"220", "250", "250 2.1.0"};
  want.insert(want.end(), 100, "250 2.1.5");
  want.insert(want.end(), 5, "452 4.5.3");
  want.insert(want.end(), {"354", "250 2.0.0"});
  EXPECT_EQ(replies(o.output), want);
  ASSERT_EQ(o.delivered.size(), 1u);
  ASSERT_EQ(o.delivered[0].recipients.size(), 100u);
  EXPECT_EQ(o.delivered[0].recipients.front(), "user0@example.com");
  EXPECT_EQ(o.delivered[0].recipients.back(), "user99@example.com");
}

TEST(ServerLimits, RecipientLimitIsPerTransaction) {
  ServerConfig cfg;
  cfg.max_recipients = 2;
  const auto o = check_splits(script(
      {kEhlo, kMail + rcpts(0, 3) + "DATA\r\n", kBody, kMail + rcpts(2, 4) + "DATA\r\n", kBody},
      cfg));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "452 4.5.3", "354", "250 2.0.0",
               "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 2u);
  EXPECT_EQ(o.delivered[1].recipients, (V{"user2@example.com", "user3@example.com"}));
}

TEST(ServerLimits, RefusedRecipientsDoNotUseTheLimit) {
  ServerConfig cfg;
  cfg.max_recipients = 1;
  const auto o = check_splits(script(
      {kEhlo, kMail + "RCPT TO:<x@example.net>\r\n" + kRcpt + "RCPT TO:<bob@example.com>\r\n"},
      cfg));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "554 5.7.1", "250 2.1.5", "452 4.5.3"}));
}

TEST(ServerLimits, TenThousandRecipientFlood) {
  // A pipelined flood: 1000 accepted (Postfix smtpd_recipient_limit), 9000 x 452, which are
  // not errors (the client may legally go on), so the session survives and delivers once.
  const auto o = check_splits(script({kEhlo, kMail + rcpts(0, 10000) + "DATA\r\n", kBody}),
                              SplitOptions{.cut_budget = 4});
  const auto r = replies(o.output);
  ASSERT_EQ(r.size(), 3u + 10000u + 2u);
  EXPECT_EQ(std::count(r.begin(), r.end(), "250 2.1.5"), 1000);
  EXPECT_EQ(std::count(r.begin(), r.end(), "452 4.5.3"), 9000);
  EXPECT_EQ(r[1002], "250 2.1.5");
  EXPECT_EQ(r[1003], "452 4.5.3");
  EXPECT_EQ(r.back(), "250 2.0.0");
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients.size(), 1000u);
  EXPECT_FALSE(o.closed);
}

TEST(ServerLimits, TenThousandRecipientFloodOneAtATime) {
  // The same flood from a client that waits for every reply (no pipelining).
  V turns = {"HELO client.example.net\r\n", kMail};
  for (int i = 0; i < 10000; ++i) turns.push_back(rcpts(i, i + 1));
  turns.push_back("DATA\r\n");
  turns.push_back(kBody);
  const auto o = smtpsim::testing::play(script(turns));
  const auto r = replies(o.output);
  EXPECT_EQ(std::count(r.begin(), r.end(), "250 2.1.5"), 1000);
  EXPECT_EQ(std::count(r.begin(), r.end(), "452 4.5.3"), 9000);
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients.size(), 1000u);
}

// --- SIZE and the message size limit -----------------------------------------------------

TEST(ServerLimits, SizeAtTheLimitAccepted) {
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@example.net> SIZE=10240000\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0"}));
}

TEST(ServerLimits, HugeSizeParameter552) {
  const auto o =
      check_splits(script({kEhlo, "MAIL FROM:<a@example.net> SIZE=10240001\r\n",
                           "MAIL FROM:<a@example.net> SIZE=18446744073709551615\r\n",
                           "MAIL FROM:<a@example.net> SIZE=99999999999999999999\r\n", kMail}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "552 5.3.4", "552 5.3.4", "552 5.3.4", "250 2.1.0"}));
}

TEST(ServerLimits, ThirtyDigitSize552) {
  const auto o = check_splits(
      script({kEhlo, "MAIL FROM:<a@example.net> SIZE=123456789012345678901234567890\r\n", kMail}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "552 5.3.4", "250 2.1.0"}));
}

TEST(ServerLimits, MalformedSize501) {
  const auto o = check_splits(script(
      {kEhlo, "MAIL FROM:<a@example.net> SIZE=abc\r\n", "MAIL FROM:<a@example.net> SIZE=-1\r\n",
       "MAIL FROM:<a@example.net> SIZE=\r\n", "MAIL FROM:<a@example.net> SIZE\r\n",
       "MAIL FROM:<a@example.net> SIZE=1 SIZE=2\r\n", "MAIL FROM:<a@example.net> SIZE=0x10\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4", "501 5.5.4", "501 5.5.4", "501 5.5.4",
                                  "501 5.5.4", "501 5.5.4"}));
}

TEST(ServerLimits, EhloAdvertisesTheConfiguredSize) {
  ServerConfig cfg;
  cfg.max_message_size = 200;
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@example.net> SIZE=201\r\n"}, cfg));
  EXPECT_NE(o.output.find("250-SIZE 200\r\n"), std::string::npos);
  EXPECT_EQ(replies(o.output).back(), "552 5.3.4");
}

// A message whose stored content (CRLF line ends, unstuffed) has exactly n octets.
std::string body_of_size(std::size_t n) {
  std::string b = "Subject: s\r\n\r\n";
  while (b.size() + 2 < n)
    b += std::string(std::min<std::size_t>(70, n - b.size() - 2), 'b') + "\r\n";
  return b;
}

TEST(ServerLimits, MessageExactlyAtTheLimitAccepted) {
  ServerConfig cfg;
  cfg.max_message_size = 300;
  const std::string body = body_of_size(300);
  ASSERT_EQ(body.size(), 300u);
  const auto o = check_splits(script({kEhlo, kMail + kRcpt + "DATA\r\n", body + ".\r\n"}, cfg));
  EXPECT_EQ(replies(o.output).back(), "250 2.0.0");
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, body);
}

TEST(ServerLimits, MessageOverMaxSize552AfterTheDot) {
  ServerConfig cfg;
  cfg.max_message_size = 300;
  const std::string body = body_of_size(302);
  ASSERT_EQ(body.size(), 302u);
  const auto o = check_splits(script(
      {kEhlo, kMail + kRcpt + "DATA\r\n", body + ".\r\n", kMail + kRcpt + "DATA\r\n", kBody}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "552 5.3.4",
                                  "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
  EXPECT_NE(o.output.find("552 5.3.4 Message size exceeds fixed maximum message size\r\n"),
            std::string::npos);
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, "Subject: test\r\n\r\nhello\r\n");
}

TEST(ServerLimits, MessageOverMaxSizeWithTruthfulSmallSizeParameter) {
  // A SIZE= lie does not help: the limit is enforced on the octets received.
  ServerConfig cfg;
  cfg.max_message_size = 300;
  const auto o =
      check_splits(script({kEhlo, "MAIL FROM:<a@example.net> SIZE=10\r\n" + kRcpt + "DATA\r\n",
                           body_of_size(400) + ".\r\n"},
                          cfg));
  EXPECT_EQ(replies(o.output).back(), "552 5.3.4");
  EXPECT_TRUE(o.delivered.empty());
}

}  // namespace
