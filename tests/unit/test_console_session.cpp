// The SMTP console of lesson 13 (scenario::ConsoleSession): a complete correct session, and
// each hint on the mistake that should produce it (and no hint on correct lines).
#include <gtest/gtest.h>

#include <string>

#include "sim/scenario/console_session.hpp"
#include "sim/scenario/load.hpp"

namespace smtpsim::scenario {
namespace {

Spec same_domain() {
  auto r = load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/same-domain.json");
  if (auto* e = std::get_if<LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<Spec>(r);
}

class Console : public ::testing::Test {
 protected:
  Spec spec = same_domain();
  ConsoleSession c{spec, "mail.example.com"};

  // Types a line that must be answered without any hint, and returns the reply code.
  int ok(std::string_view line) {
    const ConsoleTurn t = c.type(line);
    EXPECT_TRUE(t.hints.empty()) << line << " -> " << t.hints.front().id << ": "
                                 << t.hints.front().text;
    return t.code;
  }
  // Types a line and expects exactly this hint; returns its text.
  std::string hint(std::string_view line, std::string_view id) {
    const ConsoleTurn t = c.type(line);
    EXPECT_EQ(t.hints.size(), 1u) << line;
    if (t.hints.empty()) return {};
    EXPECT_EQ(t.hints.front().id, id) << line << ": " << t.hints.front().text;
    EXPECT_NE(t.hints.front().rfc.find("RFC"), std::string::npos);
    return t.hints.front().text;
  }
  void greet() { EXPECT_EQ(ok("EHLO laptop.example.org"), 250); }
  void to_rcpt() {
    greet();
    EXPECT_EQ(ok("MAIL FROM:<alice@example.com>"), 250);
    EXPECT_EQ(ok("RCPT TO:<bob@example.com>"), 250);
  }
  void to_data() {
    to_rcpt();
    EXPECT_EQ(ok("DATA"), 354);
  }
};

TEST_F(Console, ACompleteCorrectSessionReachesTheGoal) {
  ASSERT_FALSE(c.log().empty());
  EXPECT_EQ(c.log().back().kind, ConsoleRow::Kind::Reply);
  EXPECT_EQ(c.log().back().text, "220 mail.example.com ESMTP smtpsim");
  const ConsoleTurn ehlo = c.type("EHLO laptop.example.org");
  EXPECT_EQ(ehlo.replies.front(), "250-mail.example.com Hello laptop.example.org [192.0.2.200]");
  EXPECT_EQ(ehlo.replies.back(), "250 8BITMIME");
  EXPECT_EQ(ok("mail from:<alice@example.com>"), 250);  // verbs are case-insensitive
  EXPECT_EQ(ok("RCPT TO:<bob@example.com>"), 250);
  EXPECT_EQ(ok("DATA"), 354);
  EXPECT_TRUE(c.in_data());
  EXPECT_TRUE(c.type("Subject: cake").replies.empty());
  EXPECT_EQ(ok(""), 0);
  EXPECT_EQ(ok("Do not forget the cake."), 0);
  EXPECT_FALSE(c.accepted_for("bob@example.com"));
  const ConsoleTurn dot = c.type(".");
  EXPECT_EQ(dot.code, 250);
  EXPECT_EQ(dot.replies.front(), "250 2.0.0 Ok: queued as C00001");
  EXPECT_TRUE(c.accepted_for("BOB@example.com"));
  EXPECT_FALSE(c.accepted_for("alice@example.com"));
  ASSERT_EQ(c.accepted().size(), 1u);
  EXPECT_EQ(c.accepted()[0].sender, "alice@example.com");
  EXPECT_EQ(c.accepted()[0].content, "Subject: cake\r\n\r\nDo not forget the cake.\r\n");
  EXPECT_EQ(ok("QUIT"), 221);
  EXPECT_TRUE(c.closed());
  // The log has what a terminal shows: typed lines, replies, no hints.
  int typed = 0, replies = 0, hints = 0;
  for (const auto& r : c.log()) {
    typed += r.kind == ConsoleRow::Kind::Typed;
    replies += r.kind == ConsoleRow::Kind::Reply;
    hints += r.kind == ConsoleRow::Kind::Hint;
  }
  EXPECT_EQ(typed, 9);
  EXPECT_EQ(hints, 0);
  EXPECT_GE(replies, 7);
}

TEST_F(Console, ResetConnectsAgainAndKeepsAcceptedMessages) {
  to_data();
  c.type(".");
  c.type("QUIT");
  EXPECT_NE(hint("NOOP", "closed").find("Reset"), std::string::npos);
  c.reset();
  EXPECT_FALSE(c.closed());
  EXPECT_EQ(c.accepted().size(), 1u);
  EXPECT_EQ(ok("HELO again"), 250);
}

TEST_F(Console, ForgettingEhlo) {
  EXPECT_NE(hint("MAIL FROM:<alice@example.com>", "forgot-ehlo").find("EHLO"), std::string::npos);
}

TEST_F(Console, RcptBeforeMail) {
  greet();
  EXPECT_EQ(hint("RCPT TO:<bob@example.com>", "rcpt-before-mail"),
            "RCPT before MAIL: first say who sends with MAIL FROM:<you@example.com>, then who "
            "receives with RCPT TO:<...>.");
}

TEST_F(Console, DataBeforeRcpt) {
  greet();
  hint("DATA", "data-before-rcpt");
}

TEST_F(Console, NestedMail) {
  to_rcpt();
  hint("MAIL FROM:<carol@example.net>", "nested-mail");
}

TEST_F(Console, AuthIsNotOfferedOnPort25) {
  greet();
  EXPECT_NE(hint("AUTH PLAIN AGFsaWNlAGFsaWNl", "auth-not-here").find("587"), std::string::npos);
}

TEST_F(Console, OtherBadSequenceNamesTheValidVerbs) {
  to_rcpt();
  // STARTTLS during a transaction: 503 from the handler, hint lists what is valid now.
  const std::string h = hint("STARTTLS", "bad-sequence");
  EXPECT_NE(h.find("waiting for RCPT or DATA"), std::string::npos) << h;
  EXPECT_NE(h.find("RCPT, DATA, RSET"), std::string::npos) << h;
  EXPECT_EQ(h.find("STARTTLS"), std::string::npos) << h;
  EXPECT_EQ(h.find("MAIL"), std::string::npos) << h;
}

TEST_F(Console, DataWithoutAcceptedRecipients) {
  greet();
  ok("MAIL FROM:<alice@example.com>");
  hint("RCPT TO:<nobody@example.com>", "unknown-user");
  const std::string h = hint("DATA", "data-without-recipients");
  EXPECT_NE(h.find("bob@example.com"), std::string::npos);
}

TEST_F(Console, MissingAngleBracketsSuggestsTheFixedLine) {
  greet();
  EXPECT_EQ(hint("MAIL FROM: alice@example.com", "angle-brackets"),
            "Put the address in angle brackets: MAIL FROM:<alice@example.com>");
  ok("MAIL FROM:<alice@example.com>");
  EXPECT_EQ(hint("RCPT TO:bob@example.com", "angle-brackets"),
            "Put the address in angle brackets: RCPT TO:<bob@example.com>");
}

TEST_F(Console, MissingFromOrTo) {
  greet();
  hint("MAIL alice@example.com", "from-to-keyword");
  ok("MAIL FROM:<alice@example.com>");
  EXPECT_NE(hint("RCPT <bob@example.com>", "from-to-keyword").find("RCPT TO:<"), std::string::npos);
}

TEST_F(Console, BadAddressInsideTheBrackets) {
  greet();
  ok("MAIL FROM:<alice@example.com>");
  hint("RCPT TO:<bob@@example.com>", "bad-address");
}

TEST_F(Console, HeloNeedsAName) {
  hint("EHLO", "helo-needs-name");
  hint("HELO my laptop", "helo-needs-name");
}

TEST_F(Console, DataTakesNoArgument) {
  to_rcpt();
  EXPECT_NE(hint("DATA hello", "no-argument").find("354"), std::string::npos);
}

TEST_F(Console, OtherSyntaxErrorsQuoteTheTable) {
  greet();
  EXPECT_EQ(hint("MAIL FROM:<alice@example.com> SIZE=ten", "syntax"),
            "The syntax is: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]");
}

TEST_F(Console, UnknownCommandSuggestsTheNearestVerbAndListsValidOnes) {
  const std::string h = hint("HELLO laptop", "unknown-command");
  EXPECT_NE(h.find("Did you mean HELO?"), std::string::npos) << h;
  EXPECT_NE(h.find("waiting for HELO/EHLO"), std::string::npos) << h;
  EXPECT_NE(h.find("takes: HELO, EHLO, RSET, NOOP, VRFY, HELP, QUIT"), std::string::npos) << h;
  greet();
  EXPECT_NE(hint("MAILFROM:<alice@example.com>", "unknown-command").find("MAIL FROM:"),
            std::string::npos);
  EXPECT_NE(hint("RCTP TO:<bob@example.com>", "unknown-command").find("RCPT"), std::string::npos);
}

TEST_F(Console, NotImplementedCommands) {
  greet();
  hint("EXPN staff", "not-implemented");
  hint("TURN", "not-implemented");
}

TEST_F(Console, EmptyLineAndDotOutsideData) {
  greet();
  EXPECT_NE(hint("", "empty-line").find("MAIL"), std::string::npos);
  EXPECT_NE(hint(".", "dot-outside-data").find("354"), std::string::npos);
}

TEST_F(Console, OverlongCommandLine) {
  greet();
  hint("MAIL FROM:<" + std::string(600, 'a') + "@example.com>", "line-too-long");
  EXPECT_EQ(ok("NOOP"), 250);
}

TEST_F(Console, UnknownUserListsTheMailboxes) {
  greet();
  ok("MAIL FROM:<alice@example.com>");
  EXPECT_EQ(hint("RCPT TO:<rob@example.com>", "unknown-user"),
            "No such mailbox here. This server's mailboxes: alice@example.com, bob@example.com.");
}

TEST_F(Console, RelayIsRefused) {
  greet();
  ok("MAIL FROM:<alice@example.com>");
  EXPECT_NE(hint("RCPT TO:<carol@example.net>", "relay-denied").find("example.com"),
            std::string::npos);
}

TEST_F(Console, PastingASessionBreaksPipeliningRules) {
  // After HELO (no PIPELINING offered) a pasted block is a synchronisation error.
  const ConsoleTurn t =
      c.type("HELO laptop\nMAIL FROM:<alice@example.com>\nRCPT TO:<bob@example.com>\n");
  EXPECT_TRUE(t.has_hint("pipelining"));
  EXPECT_EQ(t.code, 554);
  EXPECT_TRUE(c.closed());
}

TEST_F(Console, PipeliningAfterEhloIsFine) {
  greet();
  const ConsoleTurn t = c.type("MAIL FROM:<alice@example.com>\nRCPT TO:<bob@example.com>\nDATA");
  EXPECT_TRUE(t.hints.empty());
  EXPECT_EQ(t.code, 354);
  EXPECT_EQ(t.replies.size(), 3u);
}

TEST_F(Console, TooManyErrorsHangsUp) {
  greet();
  ConsoleTurn t;
  for (int i = 0; i < 20 && !c.closed(); ++i) t = c.type("XYZZY");
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(t.has_hint("too-many-errors"));
}

TEST_F(Console, DotWithSpacesDoesNotEndTheMessage) {
  to_data();
  hint(". ", "dot-with-spaces");
  EXPECT_TRUE(c.in_data());
  EXPECT_EQ(ok("."), 250);
}

TEST_F(Console, DotInsideALine) {
  to_data();
  hint("Bye .", "dot-in-line");
  hint("the end<CR><LF>.<CR><LF>", "dot-in-line");
  EXPECT_EQ(ok("A normal sentence."), 0);  // punctuation is no mistake
  EXPECT_EQ(ok("See you..."), 0);
  EXPECT_TRUE(c.in_data());
}

TEST_F(Console, LeadingDotIsRemoved) {
  to_data();
  hint(".hidden", "leading-dot");
  c.type(".");
  EXPECT_EQ(c.accepted().back().content, "hidden\r\n");
}

TEST_F(Console, CommandsInsideTheMessageAreText) {
  to_data();
  hint("QUIT", "command-in-data");
  hint("RCPT TO:<carol@example.net>", "command-in-data");
  EXPECT_EQ(ok("Mail from Alice"), 0);
  EXPECT_EQ(ok("Quit smoking"), 0);
  hint("DATA", "command-in-data");
  EXPECT_TRUE(c.in_data());
}

TEST_F(Console, EhloInsideATransactionStartsOver) {
  to_rcpt();
  hint("EHLO laptop", "ehlo-resets");
  hint("RCPT TO:<bob@example.com>", "rcpt-before-mail");
}

TEST_F(Console, QuitBeforeTheDotLosesTheMessage) {
  to_rcpt();
  hint("QUIT", "quit-before-dot");
  EXPECT_TRUE(c.accepted().empty());
}

TEST_F(Console, StartTlsIsPlayedByTheConsole) {
  greet();
  hint("STARTTLS", "starttls");
  EXPECT_TRUE(c.server().tls_active());
  hint("MAIL FROM:<alice@example.com>", "forgot-ehlo");  // RFC 3207 §4.2: state forgotten
  const ConsoleTurn t = c.type("EHLO laptop");
  EXPECT_EQ(t.code, 250);
  for (const auto& r : t.replies) EXPECT_EQ(r.find("STARTTLS"), std::string::npos);
}

TEST_F(Console, OtherErrorsAreExplainedByTheirCode) {
  greet();
  // A source route: 553, no specific rule.
  EXPECT_NE(hint("MAIL FROM:<@relay.example:alice@example.com>", "other-error").find("553"),
            std::string::npos);
}

TEST_F(Console, HintRowsAreLogged) {
  greet();
  c.type("RCPT TO:<bob@example.com>");
  const ConsoleRow& last = c.log().back();
  EXPECT_EQ(last.kind, ConsoleRow::Kind::Hint);
  EXPECT_EQ(last.hint_id, "rcpt-before-mail");
  EXPECT_NE(last.text.find("(RFC 5321 §3.3, §4.1.4)"), std::string::npos);
  EXPECT_EQ(c.log()[c.log().size() - 2].code, 503);
}

TEST(ConsoleSetup, UnknownHostAndHostWithoutMtaAreRefused) {
  const Spec spec = same_domain();
  EXPECT_THROW(ConsoleSession(spec, "nowhere"), std::invalid_argument);
  EXPECT_THROW(ConsoleSession(spec, "alice-laptop"), std::invalid_argument);
  EXPECT_EQ(default_console_host(spec), "mail.example.com");
  EXPECT_EQ(default_console_goal(spec, "mail.example.com"), "bob@example.com");
  EXPECT_EQ(default_console_goal(spec, "mx.example.net"), "carol@example.net");
}

TEST(ConsoleSetup, ValidVerbsFollowTheMachineState) {
  const Spec spec = same_domain();
  ConsoleSession c(spec, "mail.example.com");
  EXPECT_EQ(verbs_valid_now(c.server()),
            (std::vector<std::string>{"HELO", "EHLO", "RSET", "NOOP", "VRFY", "HELP", "QUIT"}));
  c.type("EHLO x");
  EXPECT_EQ(verbs_valid_now(c.server()),
            (std::vector<std::string>{"HELO", "EHLO", "MAIL", "RSET", "NOOP", "VRFY", "HELP",
                                      "QUIT", "STARTTLS"}));
}

TEST(ConsoleStepCheck, ASolutionMustReachTheGoal) {
  const Spec spec = same_domain();
  ConsoleStep step{"mail.example.com",
                   "bob@example.com",
                   {"EHLO laptop", "MAIL FROM:<alice@example.com>", "RCPT TO:<bob@example.com>",
                    "DATA", "Subject: hi", "", "Hello Bob", ".", "QUIT"}};
  EXPECT_TRUE(check_console_step(spec, step, "l.json /steps/2").empty());
  step.solution.erase(step.solution.begin() + 7);  // no final dot: QUIT becomes text
  const auto problems = check_console_step(spec, step, "l.json /steps/2");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].substr(0, 79),
            "l.json /steps/2: console: solution line 8 \"QUIT\" is a mistake (command-in-data:");
  EXPECT_EQ(problems[1],
            "l.json /steps/2: console: the solution does not get a message accepted for "
            "bob@example.com by mail.example.com (last reply: \"354 End data with "
            "<CR><LF>.<CR><LF>\")");
  step.solution = {"EHLO laptop",
                   "MAIL FROM: alice@example.com",
                   "MAIL FROM:<alice@example.com>",
                   "RCPT TO:<bob@example.com>",
                   "DATA",
                   "hi",
                   "."};
  EXPECT_EQ(check_console_step(spec, step, "x"),
            (std::vector<std::string>{
                "x: console: solution line 2 \"MAIL FROM: alice@example.com\" is a mistake "
                "(angle-brackets: Put the address in angle brackets: MAIL "
                "FROM:<alice@example.com>)"}));
  step.host = "alice-laptop";
  EXPECT_EQ(check_console_step(spec, step, "x")[0],
            "x: console: alice-laptop runs no MTA on port 25 to type to");
}

}  // namespace
}  // namespace smtpsim::scenario
