// SMTP smuggling (CVE-2023-51764/5/6; REFERENCE.md "SMTP smuggling"): each of the twelve
// fake end-of-data sequences is put where a body line ends, followed by a whole second
// transaction (MAIL FROM, RCPT TO, DATA, text) inside the body. In both BareLineEnds modes
// the server must produce exactly one message whose content carries the smuggled text
// (Normalize), or refuse it with 550 5.5.2 and deliver nothing (Reject) -- never two
// messages. RFC 5321 §4.1.1.4: only <CRLF>.<CRLF> ends the data. Every conversation is also
// replayed split at every byte boundary (check_splits).
#include <gtest/gtest.h>

#include "tests/support/server_cases.hpp"

namespace {

using namespace std::string_literals;
using smtpsim::smtp::BareLineEnds;
using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerState;
using smtpsim::testing::check_splits;
using smtpsim::testing::count_of;
using smtpsim::testing::Outcome;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO attacker.example.net\r\n";
const std::string kEnvelope =
    "MAIL FROM:<sender@example.net>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n";
const std::string kSmuggled =
    "MAIL FROM:<ceo@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n"
    "From: ceo@example.com\r\nSubject: smuggled\r\n\r\nwire the money\r\n";

Outcome smuggle(std::string_view fake_end, BareLineEnds mode, bool quit_in_same_segment = false) {
  Script s;
  s.cfg.bare_line_ends = mode;
  const std::string body = "From: sender@example.net\r\nSubject: innocent\r\n\r\nhello" +
                           std::string(fake_end) + kSmuggled;
  if (quit_in_same_segment) {
    s.turns = {kEhlo, kEnvelope, body + ".\r\nQUIT\r\n"};
  } else {
    s.turns = {kEhlo, kEnvelope, body + ".\r\n", "QUIT\r\n"};
  }
  return check_splits(s);
}

bool has_bare_lf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  return false;
}

void expect_one_message(std::string_view fake_end) {
  for (bool same_segment : {false, true}) {
    SCOPED_TRACE(same_segment ? "QUIT in the same segment" : "QUIT in its own segment");
    const Outcome o = smuggle(fake_end, BareLineEnds::Normalize, same_segment);
    EXPECT_EQ(replies(o.output),
              (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}));
    ASSERT_EQ(o.delivered.size(), 1u);
    const auto& m = o.delivered[0];
    EXPECT_EQ(m.sender, "sender@example.net");
    EXPECT_EQ(m.recipients, V{"alice@example.com"});  // bob got nothing
    EXPECT_NE(m.content.find("MAIL FROM:<ceo@example.com>\r\n"), std::string::npos);
    EXPECT_NE(m.content.find("wire the money\r\n"), std::string::npos);
    EXPECT_FALSE(has_bare_lf(m.content)) << "Normalize turns a bare LF into CRLF";
    EXPECT_EQ(count_of(o.output, "354 "), 1u);
  }
}

void expect_rejected(std::string_view fake_end) {
  for (bool same_segment : {false, true}) {
    SCOPED_TRACE(same_segment ? "QUIT in the same segment" : "QUIT in its own segment");
    const Outcome o = smuggle(fake_end, BareLineEnds::Reject, same_segment);
    EXPECT_EQ(replies(o.output),
              (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "550 5.5.2", "221 2.0.0"}));
    EXPECT_TRUE(o.delivered.empty());
    EXPECT_TRUE(o.closed);
  }
}

#define SMUGGLING_CASE(Name, fake_end)   \
  TEST(ServerSmugglingNormalize, Name) { \
    expect_one_message(fake_end);        \
  }                                      \
  TEST(ServerSmugglingReject, Name) {    \
    expect_rejected(fake_end);           \
  }

SMUGGLING_CASE(BareLfDotBareLf, "\n.\n"s)
SMUGGLING_CASE(BareLfDotCrLf, "\n.\r\n"s)
SMUGGLING_CASE(BareCrDotBareCr, "\r.\r"s)
SMUGGLING_CASE(BareCrDotBareLf, "\r.\n"s)
SMUGGLING_CASE(BareLfDotBareCr, "\n.\r"s)
SMUGGLING_CASE(CrLfDotBareLf, "\r\n.\n"s)
SMUGGLING_CASE(BareCrDotCrLf, "\r.\r\n"s)
SMUGGLING_CASE(CrLfDotBareCr, "\r\n.\r"s)
SMUGGLING_CASE(CrLfNulDotCrLf, "\r\n\0.\r\n"s)
SMUGGLING_CASE(CrLfDotNulCrLf, "\r\n.\0\r\n"s)
SMUGGLING_CASE(CrLfDotCrCrLf, "\r\n.\r\r\n"s)
SMUGGLING_CASE(CrCrLfDotCrCrLf, "\r\r\n.\r\r\n"s)

#undef SMUGGLING_CASE

TEST(ServerSmuggling, TheRejectRepliesNameTheOffence) {
  EXPECT_NE(
      smuggle("\n.\n", BareLineEnds::Reject).output.find("550 5.5.2 Error: bare <LF> received"),
      std::string::npos);
  EXPECT_NE(
      smuggle("\r.\r", BareLineEnds::Reject).output.find("550 5.5.2 Error: bare <CR> received"),
      std::string::npos);
  EXPECT_NE(
      smuggle("\r\n\0.\r\n"s, BareLineEnds::Reject).output.find("550 5.5.2 Error: NUL character"),
      std::string::npos);
}

TEST(ServerSmuggling, NormalizeKeepsTheTextOfEachFakeEnd) {
  // What the one message holds: a bare LF became CRLF; a "." that starts a line after a real
  // CRLF lost that first dot (dot-stuffing, RFC 5321 §4.5.2); a "." after a bare LF is not at
  // a line start in SMTP's sense and is kept; bare CRs are kept as they are.
  auto content = [](std::string_view fake_end) {
    const auto o = smuggle(fake_end, BareLineEnds::Normalize);
    return o.delivered.size() == 1 ? o.delivered[0].content : std::string("(not one message)");
  };
  EXPECT_NE(content("\n.\n").find("hello\r\n.\r\nMAIL FROM:<ceo@"), std::string::npos);
  EXPECT_NE(content("\n.\r\n").find("hello\r\n.\r\nMAIL FROM:<ceo@"), std::string::npos);
  EXPECT_NE(content("\r\n.\n").find("hello\r\n\r\nMAIL FROM:<ceo@"), std::string::npos);
  EXPECT_NE(content("\r.\r").find("hello\r.\rMAIL FROM:<ceo@"), std::string::npos);
  EXPECT_NE(content("\r\n.\r\r\n").find("hello\r\n\r\r\nMAIL FROM:<ceo@"), std::string::npos);
  EXPECT_NE(content("\r\n\0.\r\n"s).find("hello\r\n\0.\r\nMAIL FROM:<ceo@"s), std::string::npos);
}

TEST(ServerSmuggling, OnlyCrLfDotCrLfEndsTheData) {
  Script s;
  s.turns = {kEhlo, kEnvelope, "line one\r\n..\r\n...x\r\n.\r\n", "NOOP\r\n"};
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, "line one\r\n.\r\n..x\r\n");
}

TEST(ServerSmuggling, DotRightAfterDataEndsAnEmptyMessage) {
  Script s;
  s.turns = {kEhlo, kEnvelope, ".\r\n"};
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output).back(), "250 2.0.0");
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].content, "");
}

TEST(ServerSmuggling, BareLfDotCrLfNeverEndsData) {
  // A client that ends its last line with a bare LF has not ended the message: the server
  // keeps reading, and when the client gives up nothing was delivered.
  for (auto mode : {BareLineEnds::Normalize, BareLineEnds::Reject}) {
    Script s;
    s.cfg.bare_line_ends = mode;
    s.turns = {kEhlo, kEnvelope, "text\n.\r\n", "QUIT\r\n"};
    s.end = Script::End::Timeout;
    const auto o = check_splits(s);
    EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "421 4.4.2"}));
    EXPECT_TRUE(o.delivered.empty());
  }
}

TEST(ServerSmuggling, SmuggledCommandsNeverReachTheCommandParser) {
  // The smuggled MAIL FROM would be a nested MAIL (503) if it were read as a command; it
  // must not be answered at all.
  for (auto mode : {BareLineEnds::Normalize, BareLineEnds::Reject}) {
    const auto o = smuggle("\n.\n", mode);
    EXPECT_EQ(o.output.find("503"), std::string::npos);
    EXPECT_EQ(count_of(o.output, "250 2.1.0"), 1u);
    EXPECT_EQ(count_of(o.output, "250 2.1.5"), 1u);
  }
}

TEST(ServerSmuggling, WithoutSyncEnforcementStillOneMessage) {
  for (auto mode : {BareLineEnds::Normalize, BareLineEnds::Reject}) {
    Script s;
    s.cfg.bare_line_ends = mode;
    s.cfg.enforce_sync = false;
    s.turns = {"HELO attacker.example.net\r\n" + kEnvelope + "x\r\n.\n" + kSmuggled +
               ".\r\nQUIT\r\n"};
    const auto o = check_splits(s);
    EXPECT_LE(o.delivered.size(), 1u);
    EXPECT_EQ(o.delivered.size(), mode == BareLineEnds::Normalize ? 1u : 0u);
    EXPECT_TRUE(o.closed);
  }
}

TEST(ServerSmuggling, TwoHonestMessagesInOneSessionAreTwo) {
  // The other side of the coin: real CRLF.CRLF ends do give two messages.
  Script s;
  s.turns = {kEhlo, kEnvelope, "one\r\n.\r\n", kEnvelope, "two\r\n.\r\n"};
  const auto o = check_splits(s);
  ASSERT_EQ(o.delivered.size(), 2u);
  EXPECT_EQ(o.delivered[0].content, "one\r\n");
  EXPECT_EQ(o.delivered[1].content, "two\r\n");
}

}  // namespace
