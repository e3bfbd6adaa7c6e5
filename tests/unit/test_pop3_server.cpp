// The POP3 server machine (RFC 1939, 2449, 2595): exact replies, every command in every
// wrong state, the maildrop snapshot and UPDATE, hostile input, STLS injection and
// segmentation independence.
#include <gtest/gtest.h>

#include "tests/unit/test_pop3_harness.hpp"

namespace pop3 = smtpsim::pop3;
using pop3::ServerState;
using smtpsim::testing::kPop3Msg1;
using smtpsim::testing::kPop3Msg2;
using smtpsim::testing::Pop3ServerRun;
using namespace std::string_literals;

namespace {

const std::string kCapaPlain =
    "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
    "PIPELINING\r\nIMPLEMENTATION smtpsim\r\n.\r\n";

TEST(Pop3Server, GreetingWithAndWithoutApopTimestamp) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.out, "+OK POP3 smtpsim ready\r\n");
  Pop3ServerRun apop;
  apop.cfg.apop_timestamp = "<1896.697170952@dbc.mtview.ca.us>";
  apop.begin();
  EXPECT_EQ(apop.out, "+OK POP3 smtpsim ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  EXPECT_EQ(apop.s->state(), ServerState::Authorization);
  EXPECT_EQ(apop.s->state_caption(), "waiting for USER, APOP or STLS");
}

TEST(Pop3Server, CapaInAuthorizationAndTransaction) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("CAPA\r\n"), kCapaPlain);
  run.say("USER alice\r\nPASS secret\r\n");
  EXPECT_EQ(run.say("CAPA\r\n"), kCapaPlain);
  EXPECT_EQ(run.say("CAPA x\r\n"), "-ERR Syntax: CAPA\r\n");
}

TEST(Pop3Server, CapaBeforeAndAfterTls) {
  Pop3ServerRun run;
  run.cfg.stls_available = true;
  run.cfg.plaintext_auth_needs_tls = true;
  run.begin();
  const std::string before = run.say("CAPA\r\n");
  EXPECT_NE(before.find("\r\nSTLS\r\n"), std::string::npos);
  EXPECT_EQ(before.find("USER"), std::string::npos);  // RFC 2595 §2: no plaintext yet
  EXPECT_EQ(run.say("USER alice\r\n"),
            "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
            "connections\r\n");
  EXPECT_EQ(run.say("STLS\r\n"), "+OK Begin TLS negotiation\r\n");
  EXPECT_EQ(run.tls_starts, 1);
  EXPECT_TRUE(run.s->tls_active());
  const std::string after = run.say("CAPA\r\n");
  EXPECT_EQ(after.find("STLS"), std::string::npos);
  EXPECT_NE(after.find("\r\nUSER\r\n"), std::string::npos);
  EXPECT_EQ(run.say("USER alice\r\n"), "+OK alice accepted, send PASS\r\n");
}

TEST(Pop3Server, UserPassLogsInAndSnapshotsTheMaildrop) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("USER alice\r\n"), "+OK alice accepted, send PASS\r\n");
  EXPECT_EQ(run.s->state(), ServerState::User);
  EXPECT_EQ(run.say("PASS secret\r\n"), "+OK alice's maildrop has 2 messages (96 octets)\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Transaction);
  EXPECT_EQ(run.s->user(), "alice");
  ASSERT_EQ(run.s->maildrop().size(), 2u);
  EXPECT_EQ(run.s->maildrop()[0].size, kPop3Msg1.size());
  EXPECT_EQ(run.rec.transitions, (std::vector<std::string>{"AUTHORIZATION->USER [USER +OK]",
                                                           "USER->TRANSACTION [PASS +OK]"}));
}

TEST(Pop3Server, PassIsRedactedToTheObserver) {
  Pop3ServerRun run;
  run.begin();
  run.say("USER alice\r\nPASS secret with spaces\r\n");
  ASSERT_EQ(run.rec.lines_in.size(), 2u);
  EXPECT_EQ(run.rec.lines_in[1], "PASS [redacted]");
  EXPECT_TRUE(run.rec.in_sensitive[1]);
  // also when the line is refused for its framing
  run.say("PASS secret\nPASS secret\r\0\r\npass\r\n"s);
  ASSERT_EQ(run.rec.lines_in.size(), 5u);
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(run.rec.lines_in[i], "PASS [redacted]") << i;
  for (const auto& l : run.rec.lines_in) EXPECT_EQ(l.find("secret"), std::string::npos);
}

TEST(Pop3Server, PasswordKeepsItsSpaces) {
  Pop3ServerRun run;
  run.secrets["alice"] = "two words";
  run.begin();
  EXPECT_EQ(run.say("USER alice\r\nPASS two words\r\n"),
            "+OK alice accepted, send PASS\r\n+OK alice's maildrop has 2 messages (96 "
            "octets)\r\n");
}

TEST(Pop3Server, WrongPasswordIsAuthError) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("USER alice\r\nPASS wrong\r\n"),
            "+OK alice accepted, send PASS\r\n-ERR [AUTH] Authentication failed\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Authorization);
  EXPECT_TRUE(run.s->user().empty());
  // and the client may try again
  EXPECT_EQ(run.say("USER alice\r\nPASS secret\r\n"),
            "+OK alice accepted, send PASS\r\n+OK alice's maildrop has 2 messages (96 "
            "octets)\r\n");
}

TEST(Pop3Server, OwnerMayRejectWithInUse) {
  Pop3ServerRun run;
  run.secrets.clear();
  run.reject_text = "[IN-USE] maildrop\r\nlocked";
  run.begin();
  EXPECT_EQ(run.say("USER alice\r\nPASS secret\r\n"),
            "+OK alice accepted, send PASS\r\n-ERR [IN-USE] maildrop??locked\r\n");
}

TEST(Pop3Server, UserWithoutMaildropIsRefused) {
  Pop3ServerRun run;
  run.secrets["nobody"] = "pw";
  run.begin();
  EXPECT_EQ(run.say("USER nobody\r\nPASS pw\r\n"),
            "+OK nobody accepted, send PASS\r\n-ERR [SYS/PERM] No maildrop for this user\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Authorization);
}

TEST(Pop3Server, ApopWithTheRfc1939Example) {
  EXPECT_EQ(pop3::apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"),
            "c4c9334bac560ecc979e58001b3e22fb");
  Pop3ServerRun run;
  run.cfg.apop_timestamp = "<1896.697170952@dbc.mtview.ca.us>";
  run.store.add_user("mrose");
  run.secrets = {{"mrose", "tanstaaf"}};
  run.begin();
  EXPECT_EQ(run.say("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
            "+OK mrose's maildrop has 0 messages (0 octets)\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Transaction);
  EXPECT_EQ(run.rec.transitions.back(), "AUTHORIZATION->TRANSACTION [APOP +OK]");
}

TEST(Pop3Server, ApopDigestCaseInsensitiveAndWrongDigest) {
  pop3::server_event::Auth a;
  a.method = pop3::server_event::Auth::Apop;
  a.timestamp = "<1896.697170952@dbc.mtview.ca.us>";
  a.digest = "C4C9334BAC560ECC979E58001B3E22FB";
  EXPECT_TRUE(a.password_matches("tanstaaf"));
  EXPECT_FALSE(a.password_matches("tanstaa"));
  Pop3ServerRun run;
  run.cfg.apop_timestamp = "<1.2@x>";
  run.begin();
  EXPECT_EQ(run.say("APOP alice 00000000000000000000000000000000\r\n"),
            "-ERR [AUTH] Authentication failed\r\n");
  EXPECT_EQ(run.say("APOP alice 1234\r\n"), "-ERR Syntax: APOP name digest\r\n");
  EXPECT_EQ(run.say("APOP alice zz000000000000000000000000000000\r\n"),
            "-ERR Syntax: APOP name digest (32 hex digits)\r\n");
  EXPECT_EQ(run.say("APOP alice\r\n"), "-ERR Syntax: APOP name digest\r\n");
}

TEST(Pop3Server, ApopAfterUser) {
  Pop3ServerRun run;
  run.cfg.apop_timestamp = "<1.2@x>";
  run.begin();
  run.say("USER bob\r\n");
  EXPECT_EQ(run.say("APOP alice 00000000000000000000000000000000\r\n"),
            "-ERR [AUTH] Authentication failed\r\n");
  EXPECT_EQ(run.rec.transitions.back(), "USER->AUTHORIZATION [APOP -ERR]");
  run.say("USER bob\r\n");
  EXPECT_EQ(run.say("APOP alice " + pop3::apop_digest("<1.2@x>", "secret") + "\r\n"),
            "+OK alice's maildrop has 2 messages (96 octets)\r\n");
  EXPECT_EQ(run.rec.transitions.back(), "USER->TRANSACTION [APOP +OK]");
  EXPECT_EQ(run.s->user(), "alice");
}

TEST(Pop3Server, ApopRefusedWithoutTimestamp) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n"),
            "-ERR APOP not available (no timestamp in the greeting)\r\n");
  EXPECT_EQ(run.auths, 0);
}

TEST(Pop3Server, EveryCommandInEveryWrongState) {
  // AUTHORIZATION: nothing of TRANSACTION, and PASS only after USER.
  for (const char* cmd : {"STAT", "LIST", "LIST 1", "UIDL", "UIDL 1", "RETR 1", "TOP 1 1", "DELE 1",
                          "NOOP", "RSET", "PASS secret"}) {
    Pop3ServerRun run;
    run.begin();
    const std::string verb = std::string(cmd).substr(0, std::string(cmd).find(' '));
    EXPECT_EQ(run.say(std::string(cmd) + "\r\n"),
              "-ERR " + verb + " is not allowed in the AUTHORIZATION state\r\n")
        << cmd;
    EXPECT_EQ(run.s->state(), ServerState::Authorization);
  }
  // USER given, waiting for PASS: still no TRANSACTION commands, and no STLS.
  for (const char* cmd :
       {"STAT", "LIST", "UIDL", "RETR 1", "TOP 1 1", "DELE 1", "NOOP", "RSET", "STLS"}) {
    Pop3ServerRun run;
    run.cfg.stls_available = true;
    run.begin();
    run.say("USER alice\r\n");
    const std::string verb = std::string(cmd).substr(0, std::string(cmd).find(' '));
    EXPECT_EQ(run.say(std::string(cmd) + "\r\n"),
              "-ERR " + verb + " is not allowed in the USER state\r\n")
        << cmd;
    EXPECT_EQ(run.s->state(), ServerState::User);
  }
  // TRANSACTION: no authentication commands.
  for (const char* cmd : {"USER alice", "PASS secret", "APOP alice x", "STLS"}) {
    Pop3ServerRun run;
    run.cfg.stls_available = true;
    run.login();
    const std::string verb = std::string(cmd).substr(0, std::string(cmd).find(' '));
    EXPECT_EQ(run.say(std::string(cmd) + "\r\n"),
              "-ERR " + verb + " is not allowed in the TRANSACTION state\r\n")
        << cmd;
    EXPECT_EQ(run.s->state(), ServerState::Transaction);
  }
  // CLOSED: nothing more is read or said.
  Pop3ServerRun run;
  run.begin();
  run.say("QUIT\r\n");
  EXPECT_TRUE(run.closed);
  EXPECT_EQ(run.say("STAT\r\nUSER alice\r\n"), "");
}

TEST(Pop3Server, UnknownCommandAndCaseInsensitiveVerbs) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("HELO there\r\n"), "-ERR Unknown command\r\n");
  EXPECT_EQ(run.say("\r\n"), "-ERR Unknown command\r\n");
  EXPECT_EQ(run.say("user alice\r\npass secret\r\nstat\r\n"),
            "+OK alice accepted, send PASS\r\n+OK alice's maildrop has 2 messages (96 "
            "octets)\r\n+OK 2 96\r\n");
}

TEST(Pop3Server, StatListUidlExactBytes) {
  Pop3ServerRun run;
  run.login();
  EXPECT_EQ(run.say("STAT\r\n"), "+OK 2 96\r\n");
  EXPECT_EQ(run.say("LIST\r\n"), "+OK 2 messages (96 octets)\r\n1 59\r\n2 37\r\n.\r\n");
  EXPECT_EQ(run.say("LIST 2\r\n"), "+OK 2 37\r\n");
  EXPECT_EQ(run.say("UIDL\r\n"), "+OK Unique-ID listing follows\r\n1 1.1\r\n2 1.2\r\n.\r\n");
  EXPECT_EQ(run.say("UIDL 1\r\n"), "+OK 1 1.1\r\n");
  EXPECT_EQ(run.say("NOOP\r\n"), "+OK\r\n");
  EXPECT_EQ(pop3::unique_id(7, 42), "7.42");
}

TEST(Pop3Server, RetrDotStuffsAndSetsSeen) {
  Pop3ServerRun run;
  run.login();
  EXPECT_EQ(run.inbox().messages[0].flags & smtpsim::mail::kSeen, 0u);
  EXPECT_EQ(run.say("RETR 1\r\n"),
            "+OK 59 octets\r\nFrom: bob@example.com\r\nSubject: one\r\n\r\nHello\r\n"
            "..hidden dot\r\n.\r\n");
  EXPECT_NE(run.inbox().messages[0].flags & smtpsim::mail::kSeen, 0u);
  EXPECT_EQ(run.inbox().messages[1].flags & smtpsim::mail::kSeen, 0u);
}

TEST(Pop3Server, RetrOfTextWithoutFinalCrlf) {
  Pop3ServerRun run;
  run.store.deliver("alice", ".x\r\n.", 3);
  run.login();
  EXPECT_EQ(run.say("RETR 3\r\n"), "+OK 5 octets\r\n..x\r\n..\r\n.\r\n");
}

TEST(Pop3Server, TopSendsHeadersBlankLineAndNLines) {
  Pop3ServerRun run;
  run.login();
  EXPECT_EQ(run.say("TOP 2 0\r\n"), "+OK Top of message follows\r\nSubject: two\r\n\r\n.\r\n");
  EXPECT_EQ(run.say("TOP 2 2\r\n"),
            "+OK Top of message follows\r\nSubject: two\r\n\r\nline1\r\nline2\r\n.\r\n");
  EXPECT_EQ(run.say("TOP 2 99\r\n"),
            "+OK Top of message follows\r\nSubject: two\r\n\r\nline1\r\nline2\r\nline3\r\n.\r\n");
  EXPECT_EQ(run.say("TOP 1 1\r\n"),
            "+OK Top of message follows\r\nFrom: bob@example.com\r\nSubject: one\r\n\r\n"
            "Hello\r\n.\r\n");
  EXPECT_EQ(run.inbox().messages[1].flags & smtpsim::mail::kSeen, 0u);  // TOP is a peek
}

TEST(Pop3Server, BadArguments) {
  Pop3ServerRun run;
  run.cfg.max_errors = 100;
  run.login();
  EXPECT_EQ(run.say("RETR\r\n"), "-ERR Message number required\r\n");
  EXPECT_EQ(run.say("RETR x\r\n"), "-ERR Invalid message number: x\r\n");
  EXPECT_EQ(run.say("RETR -1\r\n"), "-ERR Invalid message number: -1\r\n");
  EXPECT_EQ(run.say("RETR +1\r\n"), "-ERR Invalid message number: +1\r\n");
  EXPECT_EQ(run.say("RETR 0\r\n"), "-ERR No such message (the maildrop has 2 messages)\r\n");
  EXPECT_EQ(run.say("RETR 3\r\n"), "-ERR No such message (the maildrop has 2 messages)\r\n");
  EXPECT_EQ(run.say("RETR 99999999999999999999999\r\n"),
            "-ERR Invalid message number: 99999999999999999999...\r\n");
  EXPECT_EQ(run.say("LIST 1 2\r\n"), "-ERR Invalid message number: 1 2\r\n");
  EXPECT_EQ(run.say("TOP 1\r\n"), "-ERR Syntax: TOP msg n\r\n");
  EXPECT_EQ(run.say("TOP 1 x\r\n"), "-ERR Invalid line count: x\r\n");
  EXPECT_EQ(run.say("TOP 1  1\r\n"), "-ERR Syntax: TOP msg n\r\n");
  EXPECT_EQ(run.say("STAT 1\r\n"), "-ERR Syntax: STAT\r\n");
  EXPECT_EQ(run.say("DELE 1\r\n"), "+OK Message 1 deleted\r\n");
  EXPECT_EQ(run.say("DELE 1\r\n"), "-ERR Message 1 already deleted\r\n");
  EXPECT_EQ(run.say("RETR 1\r\n"), "-ERR Message 1 already deleted\r\n");
  EXPECT_EQ(run.say("LIST 1\r\n"), "-ERR Message 1 already deleted\r\n");
  EXPECT_EQ(run.say("UIDL 1\r\n"), "-ERR Message 1 already deleted\r\n");
  EXPECT_EQ(run.say("TOP 1 0\r\n"), "-ERR Message 1 already deleted\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Transaction);
}

TEST(Pop3Server, DeleThenRsetRestores) {
  Pop3ServerRun run;
  run.login();
  run.say("DELE 1\r\n");
  EXPECT_EQ(run.say("STAT\r\n"), "+OK 1 37\r\n");
  EXPECT_EQ(run.say("LIST\r\n"), "+OK 1 messages (37 octets)\r\n2 37\r\n.\r\n");
  EXPECT_EQ(run.say("UIDL\r\n"), "+OK Unique-ID listing follows\r\n2 1.2\r\n.\r\n");
  EXPECT_EQ(run.say("RSET\r\n"), "+OK Maildrop has 2 messages (96 octets)\r\n");
  EXPECT_EQ(run.say("STAT\r\n"), "+OK 2 96\r\n");
  EXPECT_EQ(run.say("QUIT\r\n"),
            "+OK mail.example.com POP3 server signing off (2 messages left)\r\n");
  EXPECT_EQ(run.inbox().messages.size(), 2u);
  ASSERT_EQ(run.updates.size(), 1u);
  EXPECT_TRUE(run.updates[0].empty());
}

TEST(Pop3Server, DeleThenQuitRemovesFromTheStore) {
  Pop3ServerRun run;
  run.login();
  run.say("DELE 1\r\n");
  EXPECT_EQ(run.inbox().messages.size(), 2u);  // only marked so far
  EXPECT_EQ(run.say("QUIT\r\n"),
            "+OK mail.example.com POP3 server signing off (1 messages left)\r\n");
  EXPECT_TRUE(run.closed);
  ASSERT_EQ(run.inbox().messages.size(), 1u);
  EXPECT_EQ(run.inbox().messages[0].content, kPop3Msg2);
  ASSERT_EQ(run.updates.size(), 1u);
  EXPECT_EQ(run.updates[0], std::vector<std::uint32_t>{1});
  EXPECT_EQ(run.rec.transitions.back(), "UPDATE->CLOSED [UPDATE done]");
  EXPECT_EQ(run.rec.transitions[run.rec.transitions.size() - 2], "TRANSACTION->UPDATE [QUIT]");
}

TEST(Pop3Server, DeleThenDroppedConnectionDeletesNothing) {
  Pop3ServerRun run;
  run.login();
  run.say("DELE 1\r\nDELE 2\r\n");
  run.eof();
  EXPECT_TRUE(run.closed);
  EXPECT_EQ(run.inbox().messages.size(), 2u);  // RFC 1939 §6
  EXPECT_TRUE(run.updates.empty());
  EXPECT_EQ(run.rec.transitions.back(), "TRANSACTION->CLOSED [connection lost]");
}

TEST(Pop3Server, QuitInAuthorizationHasNoUpdate) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("QUIT\r\n"), "+OK mail.example.com POP3 server signing off\r\n");
  EXPECT_TRUE(run.closed);
  EXPECT_TRUE(run.updates.empty());
}

TEST(Pop3Server, TimeoutAndShutdownDeleteNothing) {
  Pop3ServerRun run;
  run.login();
  run.say("DELE 1\r\n");
  run.s->timeout();
  run.pump();
  EXPECT_TRUE(run.closed);
  EXPECT_NE(run.out.find("-ERR Disconnected for inactivity (autologout)\r\n"), std::string::npos);
  EXPECT_EQ(run.inbox().messages.size(), 2u);
  Pop3ServerRun other;
  other.login();
  other.say("DELE 2\r\n");
  other.s->shutdown("going down\r\nnow");
  other.pump();
  EXPECT_TRUE(other.closed);
  EXPECT_NE(other.out.find("-ERR [SYS/TEMP] going down??now\r\n"), std::string::npos);
  EXPECT_EQ(other.inbox().messages.size(), 2u);
  EXPECT_EQ(pop3::ServerSession::idle_timeout(), std::chrono::minutes(10));
}

TEST(Pop3Server, LaterDeliveriesAreInvisibleUntilTheNextSession) {
  Pop3ServerRun run;
  run.login();
  run.store.deliver("alice", "Subject: late\r\n\r\nx\r\n", 3);
  EXPECT_EQ(run.say("STAT\r\n"), "+OK 2 96\r\n");
  EXPECT_EQ(run.say("RETR 3\r\n"), "-ERR No such message (the maildrop has 2 messages)\r\n");
  EXPECT_EQ(run.say("QUIT\r\n"),
            "+OK mail.example.com POP3 server signing off (3 messages left)\r\n");
}

TEST(Pop3Server, MessageRemovedByAnotherSession) {
  Pop3ServerRun run;
  run.login();
  const std::uint32_t uid = 1;
  run.store.expunge("alice", "INBOX", std::span<const std::uint32_t>(&uid, 1));
  EXPECT_EQ(run.say("RETR 1\r\n"), "-ERR Message 1 no longer exists\r\n");
  EXPECT_EQ(run.say("TOP 1 0\r\n"), "-ERR Message 1 no longer exists\r\n");
  EXPECT_EQ(run.say("DELE 1\r\nDELE 2\r\n"), "+OK Message 1 deleted\r\n+OK Message 2 deleted\r\n");
  EXPECT_EQ(run.say("QUIT\r\n"),
            "+OK mail.example.com POP3 server signing off (0 messages left)\r\n");
  ASSERT_EQ(run.updates.size(), 1u);
  EXPECT_EQ(run.updates[0], std::vector<std::uint32_t>{2});  // 1 was already gone
}

TEST(Pop3Server, OverlongLinesAreRefusedAndDiscarded) {
  Pop3ServerRun run;
  run.begin();
  // 255 octets with the CRLF is the limit (RFC 2449 §4).
  EXPECT_EQ(run.say("USER " + std::string(248, 'a') + "\r\n"),
            "+OK " + std::string(64, 'a') + "... accepted, send PASS\r\n");
  EXPECT_EQ(run.say("USER " + std::string(249, 'a') + "\r\n"),
            "-ERR Line too long (at most 255 octets with CRLF)\r\n");
  // an endless line in pieces: answered once, when it ends; no memory kept meanwhile
  for (int i = 0; i < 100; ++i) EXPECT_EQ(run.say(std::string(1000, 'x')), "");
  EXPECT_EQ(run.say("\r\nQUIT\r\n"),
            "-ERR Line too long (at most 255 octets with CRLF)\r\n+OK mail.example.com POP3 "
            "server signing off\r\n");
}

TEST(Pop3Server, NulBareLfAndBareCrAreRefused) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say(std::string("US\0ER alice\r\n", 13)), "-ERR NUL character in command\r\n");
  EXPECT_EQ(run.say("USER alice\nPASS secret\n"),
            "-ERR Bare LF received (POP3 lines end with CRLF)\r\n"
            "-ERR Bare LF received (POP3 lines end with CRLF)\r\n");
  EXPECT_EQ(run.say("USER alice\rPASS secret\r\n"),
            "-ERR Bare CR received (POP3 lines end with CRLF)\r\n");
  EXPECT_EQ(run.s->state(), ServerState::Authorization);
  EXPECT_EQ(run.auths, 0);
}

TEST(Pop3Server, TooManyErrorsCloses) {
  Pop3ServerRun run;
  run.cfg.max_errors = 3;
  run.login();
  run.say("DELE 1\r\n");
  EXPECT_EQ(run.say("BAD\r\nBAD\r\nBAD\r\nSTAT\r\n"),
            "-ERR Unknown command\r\n-ERR Unknown command\r\n-ERR Unknown command\r\n"
            "-ERR Too many errors, closing connection\r\n");
  EXPECT_TRUE(run.closed);
  EXPECT_EQ(run.inbox().messages.size(), 2u);
  EXPECT_EQ(run.rec.transitions.back(), "TRANSACTION->CLOSED [too many errors]");
}

TEST(Pop3Server, StlsDiscardsPipelinedPlaintext) {
  Pop3ServerRun run;
  run.cfg.stls_available = true;
  run.auto_tls = false;
  run.begin();
  // CVE-2011-0411 pattern: commands after STLS in the same segment must not run.
  EXPECT_EQ(run.say("STLS\r\nUSER alice\r\nPASS secret\r\n"), "+OK Begin TLS negotiation\r\n");
  EXPECT_EQ(run.tls_starts, 1);
  // bytes before the handshake completes are handshake bytes, never commands
  EXPECT_EQ(run.say("STAT\r\n"), "");
  run.s->tls_established();
  run.pump();
  EXPECT_TRUE(run.s->tls_active());
  EXPECT_EQ(run.s->state(), ServerState::Authorization);
  EXPECT_EQ(run.auths, 0);
  EXPECT_EQ(run.say("NOOP\r\n"), "-ERR NOOP is not allowed in the AUTHORIZATION state\r\n");
}

TEST(Pop3Server, StlsRefusedWhenUnavailableOrActive) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("STLS\r\n"), "-ERR STLS not available\r\n");
  Pop3ServerRun active;
  active.cfg.stls_available = true;
  active.cfg.tls_active = true;
  active.begin();
  EXPECT_EQ(active.say("STLS\r\n"), "-ERR Command not permitted when TLS active\r\n");
  EXPECT_EQ(active.say("CAPA\r\n").find("STLS"), std::string::npos);
  EXPECT_EQ(active.tls_starts, 0);
  // a spurious tls_established() without STLS changes nothing
  run.s->tls_established();
  EXPECT_FALSE(run.s->tls_active());
}

TEST(Pop3Server, PipelinedCommandsAnsweredInOrder) {
  Pop3ServerRun run;
  run.begin();
  EXPECT_EQ(run.say("CAPA\r\nUSER alice\r\nPASS secret\r\nSTAT\r\nLIST 1\r\nDELE 2\r\nQUIT\r\n"),
            kCapaPlain +
                "+OK alice accepted, send PASS\r\n+OK alice's maildrop has 2 messages (96 "
                "octets)\r\n+OK 2 96\r\n+OK 1 59\r\n+OK Message 2 deleted\r\n"
                "+OK mail.example.com POP3 server signing off (1 messages left)\r\n");
  EXPECT_TRUE(run.closed);
}

TEST(Pop3Server, AuthDecisionPausesThePipeline) {
  smtpsim::mail::MailStore store;
  smtpsim::testing::seed_pop3_store(store);
  pop3::ServerSession s({}, store);
  s.start();
  s.take_output();
  s.receive("USER alice\r\nPASS secret\r\nSTAT\r\n");
  auto ev = s.next_event();
  ASSERT_TRUE(std::holds_alternative<pop3::server_event::Auth>(ev));
  EXPECT_EQ(std::get<pop3::server_event::Auth>(ev).password, "secret");
  EXPECT_EQ(s.take_output(), "+OK alice accepted, send PASS\r\n");  // STAT not yet answered
  ev = s.next_event();                                              // still waiting for the answer
  ASSERT_TRUE(std::holds_alternative<pop3::server_event::Auth>(ev));
  s.accept();
  ev = s.next_event();
  EXPECT_TRUE(std::holds_alternative<pop3::server_event::NeedData>(ev));
  EXPECT_EQ(s.take_output(), "+OK alice's maildrop has 2 messages (96 octets)\r\n+OK 2 96\r\n");
}

// Runs `input` through a fresh server fed in the given pieces; returns output + store state.
std::string run_pieces(const std::vector<std::string>& pieces) {
  Pop3ServerRun run;
  run.cfg.apop_timestamp = "<1.2@mail.example.com>";
  run.begin();
  for (const auto& p : pieces) run.feed(p);
  run.eof();
  std::string state = run.out + "|closed=" + std::to_string(run.closed) +
                      "|left=" + std::to_string(run.inbox().messages.size());
  for (const auto& m : run.inbox().messages) state += "|" + std::to_string(m.flags);
  return state;
}

TEST(Pop3Server, EverySplitGivesTheSameOutput) {
  const std::string inputs[] = {
      "CAPA\r\nUSER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL 2\r\nRETR 1\r\nTOP 2 1\r\n"
      "DELE 1\r\nRSET\r\nDELE 2\r\nQUIT\r\n",
      "USER alice\nPASS x\r\nUSER al\0ce\r\nAPOP alice 00000000000000000000000000000000\r\n"
      "USER alice\r\nPASS secret\r\nRETR 9\r\nDELE 1\r\nNOOP\r\n"s,
      "CAPA\r\n" + std::string(300, 'y') + "\r\nQUIT\r\n",
  };
  for (const auto& input : inputs) {
    const std::string whole = run_pieces({input});
    std::vector<std::string> bytes;
    for (char c : input) bytes.emplace_back(1, c);
    EXPECT_EQ(run_pieces(bytes), whole) << "byte by byte";
    for (std::size_t i = 1; i < input.size(); ++i) {
      ASSERT_EQ(run_pieces({input.substr(0, i), input.substr(i)}), whole) << "split " << i;
    }
  }
}

TEST(Pop3Server, StateDiagramComesFromTheTable) {
  const std::string dot = smtpsim::proto::render_dot(pop3::server_machine_spec(),
                                                     static_cast<int>(ServerState::Update), "QUIT");
  EXPECT_NE(dot.find("digraph \"POP3 server\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"UPDATE done\""), std::string::npos);
  EXPECT_NE(dot.find("fillcolor=gold"), std::string::npos);
}

}  // namespace
