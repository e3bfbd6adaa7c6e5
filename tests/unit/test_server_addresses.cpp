// Envelope addresses and ESMTP parameters on the wire (RFC 5321 §4.1.2, §4.5.3.1, §4.5.1;
// REFERENCE.md "SMTP limits and rules", "STARTTLS and AUTH" relay rules, "More bad input"):
// length limits (501 5.1.3), the null sender, <Postmaster>, relay refusal, source routes and
// the %/! relay hacks, shell metacharacters, quotes and '=' in parameters, NUL and 8-bit bytes.
// Every conversation is also replayed split at every byte boundary (check_splits).
#include <gtest/gtest.h>

#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::StaticPolicy;
using smtpsim::testing::check_splits;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
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

// A valid domain of exactly n octets (n >= 6; labels of at most 63), ending in ".com".
std::string domain_of(std::size_t n) {
  std::string d;
  std::size_t remaining = n - 4;  // room before ".com"
  while (remaining > 63) {
    const std::size_t len = std::min<std::size_t>(63, remaining - 2);
    d += std::string(len, 'd') + ".";
    remaining -= len + 1;
  }
  return d + std::string(remaining, 'e') + ".com";
}

// --- lengths (RFC 5321 §4.5.3.1.1-3) -------------------------------------------------------

TEST(ServerAddresses, LocalPartOf64Accepted) {
  const std::string local(64, 'l');
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<" + local + "@example.net>\r\n",
                                      "RCPT TO:<" + local + "@example.com>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5"}));
}

TEST(ServerAddresses, LocalPartOf65Rejected501) {
  const std::string local(65, 'l');
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<" + local + "@example.net>\r\n", kMail,
                                      "RCPT TO:<" + local + "@example.com>\r\n", kRcpt}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "501 5.1.3", "250 2.1.0", "501 5.1.3", "250 2.1.5"}));
}

TEST(ServerAddresses, DomainOver255Rejected501) {
  const std::string d = domain_of(256);
  ASSERT_EQ(d.size(), 256u);
  const auto o = check_splits(
      script({kEhlo, "MAIL FROM:<a@" + d + ">\r\n", kMail, "RCPT TO:<a@" + d + ">\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.3", "250 2.1.0", "501 5.1.3"}));
}

TEST(ServerAddresses, PathOf256Accepted) {
  // "<" + 64 + "@" + 189 + ">" = 256 octets, the RFC 5321 §4.5.3.1.3 maximum.
  const std::string d = domain_of(189);
  const std::string path = "<" + std::string(64, 'p') + "@" + d + ">";
  ASSERT_EQ(path.size(), 256u);
  Script s = script({kEhlo, "MAIL FROM:" + path + "\r\n", "RCPT TO:" + path + "\r\n"});
  s.policy = [d](StaticPolicy& p) { p.local_domains.insert(d); };
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5"}));
}

TEST(ServerAddresses, PathOf257Rejected501) {
  const std::string d = domain_of(190);
  const std::string path = "<" + std::string(64, 'p') + "@" + d + ">";
  ASSERT_EQ(path.size(), 257u);
  Script s = script({kEhlo, "MAIL FROM:" + path + "\r\n", kMail, "RCPT TO:" + path + "\r\n"});
  s.policy = [d](StaticPolicy& p) { p.local_domains.insert(d); };
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.3", "250 2.1.0", "501 5.1.3"}));
  EXPECT_NE(o.output.find("501 5.1.3 Path too long\r\n"), std::string::npos);
}

TEST(ServerAddresses, DomainLabelOf64Rejected) {
  const auto o =
      check_splits(script({kEhlo, "MAIL FROM:<a@" + std::string(64, 'x') + ".example>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.7"}));
}

// --- null sender, Postmaster -------------------------------------------------------------

TEST(ServerAddresses, NullSenderAccepted) {
  // RFC 5321 §4.5.5: bounces use MAIL FROM:<>.
  const auto o = check_splits(
      script({kEhlo, "MAIL FROM:<>\r\n", kRcpt, "DATA\r\n", kBody, "MAIL FROM: <>\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "250 2.1.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].sender, "");
}

TEST(ServerAddresses, NullRecipientRejected) {
  const auto o = check_splits(script({kEhlo, kMail, "RCPT TO:<>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "501 5.1.3"}));
}

TEST(ServerAddresses, PostmasterAlwaysAccepted) {
  // RFC 5321 §4.5.1: <Postmaster> (any case, no domain) and postmaster@<local domain> are
  // accepted even when the mailbox list does not name them.
  Script s = script({kEhlo, kMail,
                     "RCPT TO:<Postmaster>\r\n"
                     "RCPT TO:<postmaster>\r\n"
                     "RCPT TO:<POSTMASTER@example.com>\r\n"
                     "RCPT TO:<bob@example.com>\r\n"
                     "RCPT TO:<alice@example.com>\r\n"
                     "DATA\r\n",
                     kBody});
  s.policy = [](StaticPolicy& p) { p.mailboxes = {"alice@example.com"}; };
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5",
                                  "550 5.1.1", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients,
            (V{"Postmaster", "postmaster", "POSTMASTER@example.com", "alice@example.com"}));
}

TEST(ServerAddresses, PostmasterOfAForeignDomainIsRelay) {
  const auto o = check_splits(script({kEhlo, kMail, "RCPT TO:<postmaster@example.net>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "554 5.7.1"}));
}

TEST(ServerAddresses, UnknownLocalUser550) {
  Script s = script({kEhlo, kMail, "RCPT TO:<mallory@example.com>\r\n", "DATA\r\n"});
  s.policy = [](StaticPolicy& p) { p.mailboxes = {"alice@example.com"}; };
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "550 5.1.1", "554 5.5.1"}));
}

TEST(ServerAddresses, DomainsAreCaseInsensitive) {
  const auto o = check_splits(script({kEhlo, kMail, "RCPT TO:<alice@EXAMPLE.Com>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5"}));
}

// --- relay -------------------------------------------------------------------------------

TEST(ServerAddresses, RelayDeniedUnauthenticated554) {
  const auto o = check_splits(
      script({kEhlo, kMail, "RCPT TO:<carol@example.net>\r\n", "RCPT TO:<x@[192.0.2.1]>\r\n",
              "RCPT TO:<x@sub.example.com>\r\n", "DATA\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "250 2.1.0", "554 5.7.1", "554 5.7.1", "554 5.7.1", "554 5.5.1"}));
  EXPECT_NE(o.output.find("554 5.7.1 <carol@example.net>: Relay access denied\r\n"),
            std::string::npos);
  EXPECT_TRUE(o.delivered.empty());
}

TEST(ServerAddresses, RelayAllowedWhenAuthenticated) {
  ServerConfig cfg;
  cfg.auth_enabled = true;
  cfg.tls_active = true;
  const auto o = check_splits(script({kEhlo, "AUTH PLAIN AGFsaWNlAGFsaWNl\r\n", kMail,
                                      "RCPT TO:<carol@example.net>\r\n", "DATA\r\n", kBody},
                                     cfg));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "235 2.7.0", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].recipients, V{"carol@example.net"});
}

TEST(ServerAddresses, RelayNotAllowedWhenPolicySaysNo) {
  ServerConfig cfg;
  cfg.auth_enabled = true;
  cfg.tls_active = true;
  Script s = script(
      {kEhlo, "AUTH PLAIN AGFsaWNlAGFsaWNl\r\n", kMail, "RCPT TO:<carol@example.net>\r\n"}, cfg);
  s.policy = [](StaticPolicy& p) { p.relay_when_authenticated = false; };
  const auto o = check_splits(s);
  EXPECT_EQ(replies(o.output).back(), "554 5.7.1");
}

TEST(ServerAddresses, SourceRouteRefused) {
  // RFC 5321 §4.1.1.3 and Appendix C: source routes are obsolete; honouring them relays.
  const auto o =
      check_splits(script({kEhlo, "MAIL FROM:<@relay.example:sender@example.net>\r\n", kMail,
                           "RCPT TO:<@a.example,@b.example:alice@example.com>\r\n",
                           "RCPT TO:<@example.com:alice@example.com>\r\n", "DATA\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "553 5.1.0", "250 2.1.0", "553 5.1.0", "553 5.1.0", "554 5.5.1"}));
}

TEST(ServerAddresses, PercentHackRefused) {
  const auto o = check_splits(
      script({kEhlo, kMail, "RCPT TO:<carol%example.net@example.com>\r\n", "DATA\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "553 5.7.1", "554 5.5.1"}));
}

TEST(ServerAddresses, BangPathRefused) {
  const auto o = check_splits(
      script({kEhlo, kMail, "RCPT TO:<example.net!carol@example.com>\r\n", "DATA\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "553 5.7.1", "554 5.5.1"}));
}

TEST(ServerAddresses, AddressLiterals) {
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@[192.0.2.1]>\r\n", "RSET\r\n",
                                      "MAIL FROM:<a@[IPv6:2001:db8::1]>\r\n", "RSET\r\n",
                                      "MAIL FROM:<a@[300.1.1.1]>\r\n", "MAIL FROM:<a@[]>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.0.0", "250 2.1.0", "250 2.0.0",
                                  "501 5.1.7", "501 5.1.7"}));
}

TEST(ServerAddresses, QuotedLocalPartAccepted) {
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<\"john q. public\"@example.net>\r\n",
                                      "RCPT TO:<\"a>b\"@example.com>\r\n", "DATA\r\n", kBody}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
  ASSERT_EQ(o.delivered.size(), 1u);
  EXPECT_EQ(o.delivered[0].sender, "\"john q. public\"@example.net");
  EXPECT_EQ(o.delivered[0].recipients, V{"\"a>b\"@example.com"});
}

TEST(ServerAddresses, SpaceAfterColonTolerated) {
  const auto o = check_splits(
      script({kEhlo, "MAIL FROM: <a@example.net>\r\n", "RCPT TO: <alice@example.com>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.1.5"}));
}

// --- hostile content ---------------------------------------------------------------------

TEST(ServerAddresses, ShellMetacharactersGetCleanAnswers) {
  // No shell ever sees an address: these are just bytes, answered by the grammar.
  const auto o = check_splits(
      script({kEhlo, "MAIL FROM:<;sleep 10;>\r\n", "MAIL FROM:<$(reboot)@example.net>\r\n",
              "MAIL FROM:<a@example.net;rm -rf />\r\n", "MAIL FROM:<a@example.net> ;sleep 10;\r\n",
              "MAIL FROM:<a@example.net>;sleep 10\r\n", "MAIL FROM:<|/bin/sh@example.net>\r\n",
              "RCPT TO:<;sleep 10;>\r\n", "RCPT TO:<`id`@example.com>\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.7", "501 5.1.7", "501 5.1.7", "501 5.5.4",
                                  "501 5.5.4", "250 2.1.0", "501 5.1.3", "250 2.1.5"}));
  // '|', '/' and '`' are atext (RFC 5322 §3.2.3): legal, harmless local parts.
  EXPECT_EQ(o.output.find("sleep"), std::string::npos);  // nothing echoed back
}

TEST(ServerAddresses, QuotesAndEqualsInEsmtpParameters) {
  const auto o = check_splits(script(
      {kEhlo, "MAIL FROM:<a@example.net> SIZE=\"100\"\r\n",
       "MAIL FROM:<a@example.net> BODY=\"8BITMIME\"\r\n",
       "MAIL FROM:<a@example.net> X-FOO=\"bar\"\r\n", "MAIL FROM:<a@example.net> SIZE=10=20\r\n",
       "MAIL FROM:<a@example.net> =10\r\n", "MAIL FROM:<a@example.net> \"SIZE\"=10\r\n",
       "MAIL FROM:<a@example.net>SIZE=10\r\n", "MAIL FROM:<a@example.net> AUTH=<>\r\n", kRcpt,
       "RCPT TO:<bob@example.com> NOTIFY=\"NEVER\"\r\n",
       "RCPT TO:<bob@example.com> ORCPT=rfc822;a=b\r\n"}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "501 5.5.4", "501 5.5.4", "555 5.5.4", "501 5.5.4", "501 5.5.4",
               "501 5.5.4", "501 5.5.4", "250 2.1.0", "250 2.1.5", "555 5.5.4", "501 5.5.4"}));
}

TEST(ServerAddresses, BodyParameter) {
  ServerConfig no8;
  no8.eightbitmime = false;
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@example.net> BODY=8BITMIME\r\n",
                                      "RSET\r\n", "MAIL FROM:<a@example.net> BODY=7bit\r\n",
                                      "RSET\r\n", "MAIL FROM:<a@example.net> BODY=BINARYMIME\r\n",
                                      "MAIL FROM:<a@example.net> BODY=7BIT BODY=7BIT\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "250 2.0.0", "250 2.1.0", "250 2.0.0",
                                  "501 5.5.4", "501 5.5.4"}));
  const auto o2 = check_splits(script({kEhlo, "MAIL FROM:<a@example.net> BODY=8BITMIME\r\n"}, no8));
  EXPECT_EQ(replies(o2.output).back(), "555 5.5.4");  // not offered: unknown parameter
  EXPECT_EQ(o2.output.find("8BITMIME\r\n"), std::string::npos);
}

TEST(ServerAddresses, NulInCommand500) {
  const auto o = check_splits(script({std::string("EHLO a\0b\r\n", 10), kEhlo,
                                      std::string("MAIL FROM:<a@example.net>\0\r\n", 28),
                                      std::string("NO\0OP\r\n", 7), kMail}));
  EXPECT_EQ(replies(o.output),
            (V{"220", "500 5.5.2", "250", "500 5.5.2", "500 5.5.2", "250 2.1.0"}));
}

TEST(ServerAddresses, EightBitBytesInCommands) {
  // No SMTPUTF8: 8-bit bytes are not atext, not a verb, not a hostname.
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<jos\xc3\xa9@example.net>\r\n",
                                      "M\xc3\x84IL FROM:<a@example.net>\r\n", kMail,
                                      "RCPT TO:<alice@ex\xc3\xa4mple.com>\r\n",
                                      "RCPT TO:<\xff\xfe@example.com>\r\n", kRcpt}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.1.7", "500 5.5.2", "250 2.1.0", "501 5.1.3",
                                  "501 5.1.3", "250 2.1.5"}));
}

TEST(ServerAddresses, BareCrInCommandIsNotALineEnd) {
  // "NOOP<CR>QUIT<CRLF>" is one line with a bare CR in it: refused, QUIT never runs.
  const auto o = check_splits(script({kEhlo, "NOOP\rQUIT\r\n", "NOOP\r\n"}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "250 2.0.0"}));
  EXPECT_FALSE(o.closed);
}

TEST(ServerAddresses, BareLfCommandIsRefused) {
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@example.net>\n", kMail}));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "500 5.5.2", "250 2.1.0"}));
  EXPECT_NE(o.output.find("bare <LF>"), std::string::npos);
}

}  // namespace

namespace {
TEST(ServerAddresses, SizeParameterWithoutTheSizeExtensionIs555) {
  smtpsim::smtp::ServerConfig nosize;
  nosize.size_extension = false;
  const auto o = check_splits(script({kEhlo, "MAIL FROM:<a@example.net> SIZE=10\r\n"}, nosize));
  EXPECT_EQ(replies(o.output).back(), "555 5.5.4");
  EXPECT_EQ(o.output.find("250-SIZE"), std::string::npos);
}

TEST(ServerAddresses, BareMailBeforeHeloIsASequencingError) {
  const auto o = check_splits(script({"MAIL\r\n"}));
  EXPECT_EQ(replies(o.output).back(), "503 5.5.1");
}
}  // namespace
