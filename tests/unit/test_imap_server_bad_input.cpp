// Hostile and broken input: overlong lines, literals that never end or are far too big,
// NUL bytes, missing tags, STARTTLS command injection, error floods, and the rule that how
// the bytes are cut into segments never changes what the server says.
#include "tests/unit/test_imap_server_harness.hpp"

namespace smtpsim::imap {
namespace {

using imaptest::contains;
using imaptest::expect_split_invariant;
using imaptest::fill;
using imaptest::ImapRun;

TEST(ImapServerBadInput, MissingTagAndGarbage) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("\r\n"), "* BAD Missing or invalid tag\r\n");
  EXPECT_EQ(r.send("NOOP\r\n"), "* BAD Missing or invalid tag\r\n");
  EXPECT_EQ(r.send("+tag NOOP\r\n"), "* BAD Missing or invalid tag\r\n");
  EXPECT_EQ(r.send("a\r\n"), "* BAD Missing or invalid tag\r\n");
  EXPECT_EQ(r.send("a \r\n"), "a BAD Missing command\r\n");
  EXPECT_EQ(r.send("GET / HTTP/1.1\r\n"), "GET BAD Unknown command\r\n");
  EXPECT_EQ(r.send("a NOOP extra\r\n"), "a BAD NOOP takes no arguments\r\n");
  EXPECT_EQ(r.s.state(), ServerState::NotAuthenticated);
}

TEST(ImapServerBadInput, OverlongLineIsRefusedAndDiscarded) {
  mail::MailStore store;
  ServerConfig cfg;
  cfg.max_line = 100;
  ImapRun r(store, cfg);
  r.start();
  const std::string longline = "t1 NOOP " + std::string(200, 'x');
  EXPECT_EQ(r.send(longline.substr(0, 150)), "t1 BAD Command line too long\r\n");
  EXPECT_EQ(r.send(longline.substr(150) + "\r\nt2 NOOP\r\n"), "t2 OK NOOP completed\r\n");
  // Whole, with its line end: the same answer.
  EXPECT_EQ(r.send(longline + "\r\nt3 NOOP\r\n"),
            "t1 BAD Command line too long\r\nt3 OK NOOP completed\r\n");
  // Exactly max_line is fine.
  EXPECT_EQ(r.send("t4 NOOP" + std::string(93, ' ') + "\r\n"),
            "t4 BAD NOOP takes no arguments\r\n");
}

TEST(ImapServerBadInput, UnterminatedLiteralClosesCleanly) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("a APPEND INBOX {100}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(r.send("only a little"), "");
  EXPECT_EQ(r.eof(), "");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.s.state(), ServerState::Logout);
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 5u);  // nothing appended
}

TEST(ImapServerBadInput, HugeSynchronizingLiteralIsRefusedWithoutContinuation) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.max_literal = 1000;
  ImapRun r(store, cfg);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("a APPEND INBOX {99999999999999999}\r\n"), "a BAD Literal too large\r\n");
  EXPECT_EQ(r.send("a APPEND INBOX {1001}\r\n"), "a BAD Literal too large\r\n");
  // The client got no "+", so its next bytes are a command, not literal data.
  EXPECT_EQ(r.send("b NOOP\r\n"), "b OK NOOP completed\r\n");
  EXPECT_EQ(r.send("c APPEND INBOX {1000}\r\n"), "+ Ready for literal data\r\n");
}

TEST(ImapServerBadInput, HugeNonSynchronizingLiteralIsSkippedNotExecuted) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.max_literal = 10;
  ImapRun r(store, cfg);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  // The 20 bytes the client sends anyway look like a command: they must not run.
  EXPECT_EQ(r.send("a APPEND INBOX {20+}\r\n"), "a BAD Literal too large\r\n");
  EXPECT_EQ(r.send("x LOGOUT\r\ny LOGOUT\r\n"), "");
  EXPECT_EQ(r.send(" tail of line\r\nb NOOP\r\n"), "b OK NOOP completed\r\n");
  EXPECT_FALSE(r.closed);
}

TEST(ImapServerBadInput, RefusedLineEndingInNonSyncLiteralSkipsTheLiteral) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.max_line = 40;
  ImapRun r(store, cfg);
  r.start();
  // Overlong, arriving in pieces: the 10 bytes after it are literal data, not a command.
  EXPECT_EQ(r.send("a APPEND INBOX " + std::string(40, 'x')), "a BAD Command line too long\r\n");
  EXPECT_EQ(r.send(" {10+}\r\nz LOGOUT\r\n\r\nb NOOP\r\n"), "b OK NOOP completed\r\n");
  // Overlong in one piece, and a NUL line: the same.
  EXPECT_EQ(r.send("c APPEND INBOX " + std::string(40, 'x') + " {10+}\r\nz LOGOUT\r\n\r\n"),
            "c BAD Command line too long\r\n");
  EXPECT_EQ(r.send(std::string("d NO\0OP {10+}\r\nz LOGOUT\r\n\r\n", 27)),
            "d BAD NUL byte in command\r\n");
  EXPECT_FALSE(r.closed);
}

TEST(ImapServerBadInput, TotalLiteralSizeIsBounded) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.max_literal = 10;
  ImapRun r(store, cfg);
  r.start();
  EXPECT_EQ(r.send("a LOGIN {6+}\r\nalice {6}\r\n"), "a BAD Literal too large\r\n");
  EXPECT_EQ(r.send("b NOOP\r\n"), "b OK NOOP completed\r\n");
}

TEST(ImapServerBadInput, NulBytesAreRefused) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send(std::string("a NO\0OP\r\n", 9)), "a BAD NUL byte in command\r\n");
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send(std::string("b APPEND INBOX {3+}\r\na\0b\r\n", 26)),
            "b BAD NUL byte in command\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 5u);
}

TEST(ImapServerBadInput, StartTlsInjectionIsDiscarded) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.starttls_available = true;
  ImapRun r(store, cfg);
  r.start();
  // "LOGIN" pipelined in the same plaintext segment as STARTTLS must never run.
  EXPECT_EQ(r.send("t STARTTLS\r\nl LOGIN alice alice\r\n"), "t OK Begin TLS negotiation now\r\n");
  EXPECT_TRUE(r.start_tls);
  EXPECT_EQ(r.send("m LOGIN alice alice\r\n"), "");  // plaintext before the handshake: dropped
  r.s.tls_established();
  EXPECT_EQ(r.pump(), "");
  EXPECT_TRUE(r.auths.empty());
  EXPECT_EQ(r.s.state(), ServerState::NotAuthenticated);
  EXPECT_TRUE(contains(r.send("n LOGIN alice alice\r\n"), "n OK"));
}

TEST(ImapServerBadInput, SpuriousTlsEstablishedIsIgnored) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  r.s.tls_established();
  EXPECT_FALSE(r.s.tls_active());
}

TEST(ImapServerBadInput, TooManyErrorsEndsTheSession) {
  mail::MailStore store;
  ServerConfig cfg;
  cfg.max_errors = 3;
  ImapRun r(store, cfg);
  r.start();
  EXPECT_EQ(r.send("a FOO\r\nb FOO\r\nc FOO\r\nd NOOP\r\n"),
            "a BAD Unknown command\r\nb BAD Unknown command\r\nc BAD Unknown command\r\n"
            "* BYE Too many invalid commands\r\n");
  EXPECT_TRUE(r.closed);
}

TEST(ImapServerBadInput, EofClosesAndPipelinedCommandsAllRun) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("a LOGIN alice alice\r\nb SELECT INBOX\r\nc FETCH 1 UID\r\n");
  EXPECT_TRUE(contains(r.output, "* 1 FETCH (UID 1)\r\nc OK FETCH completed\r\n"));
  r.send("d NOOP");  // no line end yet
  EXPECT_EQ(r.eof(), "");
  EXPECT_TRUE(r.closed);
}

TEST(ImapServerBadInput, BareLfEndsALineToo) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("a NOOP\n"), "a OK NOOP completed\r\n");
}

TEST(ImapServerBadInput, SplitAtEveryByteBoundaryGivesTheSameOutput) {
  expect_split_invariant(
      "a1 LOGIN {5}\r\nalice \"alice\"\r\n"
      "a2 SELECT INBOX\r\n"
      "a3 FETCH 1:2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE)\r\n"
      "a4 STORE 2 +FLAGS (\\Deleted)\r\n"
      "a5 APPEND INBOX {5+}\r\nhello\r\n"
      "a6 EXPUNGE\r\n"
      "a7 SEARCH OR FROM alice UNSEEN\r\n"
      "a8 IDLE\r\nDONE\r\n"
      "a9 UID FETCH 1:* (UID RFC822.SIZE)\r\n"
      "b1 LOGOUT\r\n");
}

TEST(ImapServerBadInput, SplitInvariantForBadInput) {
  ServerConfig cfg;
  cfg.max_line = 40;
  cfg.max_literal = 8;
  expect_split_invariant(std::string("x NOOP ") + std::string(60, 'y') + "\r\n" +
                             "a LOGIN alice {9}\r\nb LOGIN {20+}\r\n" + std::string(20, 'z') +
                             "rest\r\nc AUTHENTICATE PLAIN\r\nAGFsaWNlAGFsaWNl\r\n" +
                             std::string("d NO\0OP\r\n", 9) + "\r\n* NOOP\r\n" + "f LOGIN " +
                             std::string(40, 'q') + " {4+}\r\nx Y\r\n\r\ne NOOP\n",
                         cfg);
}

}  // namespace
}  // namespace smtpsim::imap
