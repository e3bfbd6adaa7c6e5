// Server command sequencing and the plain command set (RFC 5321 §4.1, §4.3.2; REFERENCE.md
// "SMTP limits and rules"): MAIL before HELO, RCPT before MAIL, DATA without recipients,
// nested MAIL, unknown / malformed / unimplemented commands, VRFY/EXPN/HELP/RSET/NOOP/QUIT,
// the error limit, idle timeout, shutdown and lost connections. Every conversation is also
// replayed split at every byte boundary (check_splits) and must not change.
#include <gtest/gtest.h>

#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerState;
using smtpsim::testing::check_splits;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using smtpsim::testing::ServerRun;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO client.example.net\r\n";
const std::string kHelo = "HELO client.example.net\r\n";
const std::string kMail = "MAIL FROM:<sender@example.net>\r\n";
const std::string kRcpt = "RCPT TO:<alice@example.com>\r\n";
const std::string kBody = "Subject: test\r\n\r\nhello\r\n.\r\n";

Script script(V turns, ServerConfig cfg = {}) {
  Script s;
  s.cfg = std::move(cfg);
  s.turns = std::move(turns);
  return s;
}

TEST(ServerSequencing, MailBeforeHelo503) {
  const auto o = check_splits(script({kMail, "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "503 5.5.1", "221 2.0.0"}));
  EXPECT_TRUE(o.delivered.empty());
  EXPECT_TRUE(o.closed);
}

TEST(ServerSequencing, RcptBeforeMail503) {
  const auto o = check_splits(script({kEhlo, kRcpt, "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "503 5.5.1", "221 2.0.0"}));
}

TEST(ServerSequencing, RcptBeforeHelo503) {
  const auto o = check_splits(script({kRcpt, "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "503 5.5.1", "221 2.0.0"}));
}

TEST(ServerSequencing, DataWithoutMail503) {
  const auto o = check_splits(script({kEhlo, "DATA\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "503 5.5.1", "221 2.0.0"}));
}

TEST(ServerSequencing, DataBeforeHelo503) {
  const auto o = check_splits(script({"DATA\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "503 5.5.1", "221 2.0.0"}));
}

TEST(ServerSequencing, DataWithNoAcceptedRecipient554) {
  // The only recipient is refused (relay denied), so DATA has nobody to deliver to.
  const auto o = check_splits(
      script({kEhlo, kMail, "RCPT TO:<carol@example.net>\r\n", "DATA\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "554 5.7.1", "554 5.5.1", "221 2.0.0"}));
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerSequencing, DataWithNoRcptAtAll554) {
  const auto o = check_splits(script({kEhlo, kMail, "DATA\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "554 5.5.1", "221 2.0.0"}));
}

TEST(ServerSequencing, NestedMail503) {
  const auto o = check_splits(
      script({kEhlo, kMail, "MAIL FROM:<other@example.net>\r\n", kRcpt, "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "503 5.5.1", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].sender, "sender@example.net");  // the first MAIL still holds
}

TEST(ServerSequencing, NestedMailAfterRcpt503) {
  const auto o = check_splits(script({kEhlo, kMail, kRcpt, "MAIL FROM:<x@example.net>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "503 5.5.1"}));
  EXPECT_EQ(o.state, ServerState::Rcpt);
}

TEST(ServerSequencing, HeloAgainResetsTheTransaction) {
  // RFC 5321 §4.1.4: a new EHLO/HELO is an implicit RSET.
  const auto o = check_splits(script({kEhlo, kMail, kRcpt, kEhlo, "DATA\r\n", kRcpt}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "250", "503 5.5.1", "503 5.5.1"}));
}

TEST(ServerSequencing, MailAfterRejectedMailIsNotNested) {
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<bad address>\r\n", kMail, kRcpt}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.7", "250 2.1.0", "250 2.1.5"}));
}

TEST(ServerCommands, UnknownCommand500) {
  const auto o = check_splits(script({"XYZZY plugh\r\n", kEhlo, "FOO\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "500 5.5.2", "250", "500 5.5.2", "221 2.0.0"}));
}

TEST(ServerCommands, EmptyLine500) {
  const auto o = check_splits(script({"\r\n", kEhlo}));
  EXPECT_EQ(replies(o.output), (V{"220", "500 5.5.2", "250"}));
}

TEST(ServerCommands, HeloWithoutArgument501) {
  const auto o = check_splits(script({"HELO\r\n", "EHLO\r\n", "HELO \r\n", kHelo}));
  EXPECT_EQ(replies(o.output), (V{"220", "501 5.5.4", "501 5.5.4", "501 5.5.4", "250"}));
}

TEST(ServerCommands, HeloWithSpacesOrControlBytes501) {
  const auto o = check_splits(script({"HELO two words\r\n", "EHLO bad\x01name\r\n",
                                      "EHLO caf\xc3\xa9.example\r\n", "MAIL FROM:<>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "501 5.5.4", "501 5.5.4", "501 5.5.4", "503 5.5.1"}));
}

TEST(ServerCommands, MailWithBadArguments501) {
  const auto o = check_splits(
      script({kEhlo, "MAIL\r\n", "MAIL TO:<a@example.net>\r\n", "MAIL FROM:a@example.net\r\n",
              "MAIL FROM:<a@example.net\r\n", "MAIL FROM:<@>\r\n", "MAIL FROM:<a@b..c>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4", "501 5.5.4", "501 5.5.4", "501 5.1.7",
                                  "501 5.1.7", "501 5.1.7"}));
}

TEST(ServerCommands, RcptWithBadArguments501) {
  const auto o = check_splits(script({kEhlo, kMail, "RCPT\r\n", "RCPT FROM:<a@example.com>\r\n",
                                      "RCPT TO:alice@example.com\r\n", "RCPT TO:<alice>\r\n",
                                      "RCPT TO:<alice@-bad.example.com>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "501 5.5.4", "501 5.5.4", "501 5.5.4",
                                  "501 5.1.3", "501 5.1.3"}));
}

TEST(ServerCommands, DataRsetQuitWithArgument501) {
  const auto o = check_splits(
      script({kEhlo, kMail, kRcpt, "DATA now\r\n", "RSET all\r\n", "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "501 5.5.4", "501 5.5.4",
                                  "354", "250 2.0.0"}));
  EXPECT_EQ(o.delivered.size(), 1u);
}

TEST(ServerCommands, QuitWithArguments501AndSessionContinues) {
  // RFC 5321 §4.1.1.10: quit = "QUIT" CRLF; the session goes on after the 501.
  const auto o = check_splits(script({kEhlo, "QUIT now please\r\n", "NOOP\r\n", "QUIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4", "250 2.0.0", "221 2.0.0"}));
  EXPECT_TRUE(o.closed);
  EXPECT_NE(o.output.find("221 2.0.0 mail.example.com closing connection\r\n"), std::string::npos);
}

TEST(ServerCommands, QuitWithTrailingSpaceIsQuit) {
  const auto o = check_splits(script({"QUIT \r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "221 2.0.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerCommands, NotImplemented502) {
  V turns = {kEhlo};
  for (auto v : {"TURN", "ETRN example.net", "ATRN", "BDAT 10 LAST", "SEND FROM:<a@b.c>",
                 "SOML FROM:<a@b.c>", "SAML FROM:<a@b.c>", "VERB"}) {
    turns.push_back(std::string(v) + "\r\n");
  }
  const auto o = check_splits(script(turns));
  V want = {"220", "250"};
  want.insert(want.end(), 8, "502 5.5.1");
  EXPECT_EQ(replies(o.output), want);
  EXPECT_FALSE(o.closed);
}

TEST(ServerCommands, StarttlsNotOffered502) {
  const auto o = check_splits(script({kEhlo, "STARTTLS\r\n", "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "502 5.5.1", "250 2.0.0"}));
  EXPECT_EQ(o.tls_starts, 0);
}

TEST(ServerCommands, VrfyAnswers252ByDefault) {
  const auto o = check_splits(script({kEhlo, "VRFY alice\r\n", "VRFY nobody@example.com\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "252 2.0.0", "252 2.0.0"}));
}

TEST(ServerCommands, VrfyWithoutArgument501) {
  const auto o = check_splits(script({kEhlo, "VRFY\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4"}));
}

TEST(ServerCommands, ExpnAnswers502) {
  const auto o = check_splits(script({kEhlo, "EXPN staff\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "502 5.5.1"}));
}

TEST(ServerCommands, HelpAnswers214) {
  const auto o = check_splits(script({"HELP\r\n", "HELP mail\r\n", "HELP \x01\xff\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "214 2.0.0", "214 2.0.0", "214 2.0.0"}));
  EXPECT_NE(o.output.find("214-2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP"),
            std::string::npos);
  EXPECT_NE(o.output.find("214 2.0.0 Syntax: MAIL FROM:<address>"), std::string::npos);
  EXPECT_NE(o.output.find("214 2.0.0 No help for ??\r\n"), std::string::npos);  // sanitised
}

TEST(ServerCommands, RsetAbortsTheTransaction) {
  const auto o = check_splits(script({kEhlo, kMail, kRcpt, "RSET\r\n", "DATA\r\n", kRcpt}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.0.0", "503 5.5.1", "503 5.5.1"}));
  EXPECT_EQ(o.state, ServerState::Ready);
}

TEST(ServerCommands, RsetAndNoopBeforeHeloAreFine) {
  const auto o = check_splits(script({"RSET\r\n", "NOOP\r\n", kMail}));
  EXPECT_EQ(replies(o.output), (V{"220", "250 2.0.0", "250 2.0.0", "503 5.5.1"}));
  EXPECT_EQ(o.state, ServerState::Greeted);
}

TEST(ServerCommands, NoopTakesAnArgument) {
  // RFC 5321 §4.1.1.9: noop = "NOOP" [ SP String ] CRLF
  const auto o = check_splits(script({"NOOP hello there\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250 2.0.0"}));
}

TEST(ServerCommands, LowercaseCommandsWork) {
  // RFC 5321 §2.4: verbs and argument keywords are case-insensitive.
  const auto o =
      check_splits(script({"ehlo client.example.net\r\n", "mail from:<a@example.net>\r\n",
                           "rcpt to:<alice@example.com>\r\n", "data\r\n", kBody, "qUiT\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients, V{"alice@example.com"});
}

TEST(ServerCommands, TooManyErrors421) {
  ServerConfig cfg;
  cfg.max_errors = 3;
  const auto o = check_splits(script({"FOO\r\n", "BAR\r\n", "BAZ\r\n", "NOOP\r\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "500 5.5.2", "500 5.5.2", "500 5.5.2", "421 4.7.0"}));
  EXPECT_TRUE(o.closed);
  EXPECT_NE(o.output.find("421 4.7.0 mail.example.com Error: too many errors\r\n"),
            std::string::npos);
}

TEST(ServerCommands, TooManyErrorsDefaultIsTwenty) {
  V turns = {kEhlo};
  for (int i = 0; i < 25; ++i) turns.push_back("MAIL FROM:<no brackets\r\n");
  const auto o = check_splits(script(turns));
  V want = {"220", "250"};
  want.insert(want.end(), 20, "501 5.1.7");
  want.push_back("421 4.7.0");
  EXPECT_EQ(replies(o.output), want);
  EXPECT_TRUE(o.closed);
}

TEST(ServerCommands, ErrorsMixedWithGoodCommandsStillCount) {
  ServerConfig cfg;
  cfg.max_errors = 2;
  const auto o = check_splits(script({kEhlo, "FOO\r\n", "NOOP\r\n", kRcpt, "NOOP\r\n"}, cfg));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "500 5.5.2", "250 2.0.0", "503 5.5.1", "421 4.7.0"}));
}

TEST(ServerSession, TimeoutAnswers421AndCloses) {
  Script s = script({kEhlo, kMail});
  s.end = Script::End::Timeout;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "421 4.4.2"}));
  EXPECT_NE(o.output.find("421 4.4.2 mail.example.com Error: timeout exceeded\r\n"),
            std::string::npos);
  EXPECT_TRUE(o.closed);
  EXPECT_EQ(o.state, ServerState::Closed);
}

TEST(ServerSession, TimeoutMidDataDeliversNothing) {
  Script s = script({kEhlo, kMail, kRcpt, "DATA\r\n", "Subject: half\r\n\r\nno end"});
  s.end = Script::End::Timeout;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "421 4.4.2"}));
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerSession, ShutdownAnswers421) {
  Script s = script({kEhlo, kMail, kRcpt, "DATA\r\n", "Subject: half\r\n"});
  s.end = Script::End::Shutdown;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "421 4.3.2"}));
  EXPECT_TRUE(o.delivered.empty());
  EXPECT_TRUE(o.closed);
}

TEST(ServerSession, EofMidDataDeliversNothing) {
  Script s = script({kEhlo, kMail, kRcpt, "DATA\r\n", "Subject: cut\r\n\r\nthe line ends\r\n."});
  s.end = Script::End::Eof;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354"}));
  EXPECT_TRUE(o.delivered.empty());
  EXPECT_TRUE(o.closed);
}

TEST(ServerSession, EofRightAfterDataEndMarkerWithoutLf) {
  // "\r\n.\r" is not the end: the LF never came, so nothing was acknowledged.
  Script s = script({kEhlo, kMail, kRcpt, "DATA\r\n", "body\r\n.\r"});
  s.end = Script::End::Eof;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354"}));
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerSession, EofMidCommand) {
  Script s = script({kEhlo, "MAIL FROM:<a@exa"});
  s.end = Script::End::Eof;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerSession, EofAfterCompleteCommandsAnswersThemFirst) {
  Script s = script({kEhlo, "NOOP\r\n"});
  s.end = Script::End::Eof;
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.0.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerSession, MessageAcceptedThenEofKeepsIt) {
  Script s = script({kEhlo, kMail, kRcpt, "DATA\r\n", kBody});
  s.end = Script::End::Eof;
  const auto o = check_splits(s);
  EXPECT_EQ(o.delivered.size(), 1u);
  EXPECT_TRUE(o.closed);
}

TEST(ServerSession, SlowTrickleIsEndedByTheDriversTimeout) {
  // The machine has no clock (DESIGN.md idea 1): a client trickling a command one byte at a
  // time is fine for the machine, and the driver enforces the minimum data rate / idle time
  // with timeout(), which answers 421 4.4.2 mid-command.
  ServerRun run;
  run.run({kEhlo});
  for (char c : std::string("MAIL FROM:<slow@exa")) run.feed(std::string(1, c));
  EXPECT_EQ(replies(run.output), (V{"220", "250"}));
  run.server.timeout();
  run.pump();
  EXPECT_EQ(replies(run.output), (V{"220", "250", "421 4.4.2"}));
  EXPECT_TRUE(run.closed);
}

TEST(ServerSession, TimeoutAndShutdownBeforeStart) {
  // A driver may give up on a connection before it sent the greeting.
  smtpsim::smtp::ServerSession a;
  EXPECT_NO_THROW(a.timeout());
  EXPECT_EQ(a.state(), ServerState::Closed);
  EXPECT_EQ(replies(a.take_output()), (V{"421 4.4.2"}));
  smtpsim::smtp::ServerSession b;
  EXPECT_NO_THROW(b.shutdown(smtpsim::smtp::Reply{421, "4.3.2", "shutting down"}));
  EXPECT_EQ(b.state(), ServerState::Closed);
}

TEST(ServerSession, RefuseBeforeGreeting) {
  smtpsim::smtp::ServerSession s;
  s.refuse(smtpsim::smtp::Reply{554, "5.7.1", "no service for you"});
  EXPECT_EQ(s.take_output(), "554 5.7.1 no service for you\r\n");
  EXPECT_EQ(s.state(), ServerState::Closed);
  EXPECT_TRUE(std::holds_alternative<smtpsim::smtp::server_event::Closed>(s.next_event()));
}

TEST(ServerSession, InputAfterCloseIsIgnored) {
  const auto o = check_splits(script({"QUIT\r\n", "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "221 2.0.0"}));
}

TEST(ServerSession, EnhancedCodesCanBeTurnedOff) {
  ServerConfig cfg;
  cfg.enhanced_status_codes = false;
  const auto o = check_splits(script({kEhlo, kRcpt, "NOOP\r\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "503", "250"}));
  EXPECT_EQ(o.output.find("ENHANCEDSTATUSCODES"), std::string::npos);
}

}  // namespace
