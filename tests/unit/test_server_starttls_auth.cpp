// STARTTLS (RFC 3207) and AUTH (RFC 4954) on the server machine; REFERENCE.md "STARTTLS and
// AUTH". The STARTTLS command injection (CVE-2011-0411): bytes after "STARTTLS\r\n" in the
// same segment are discarded, never executed; after the handshake HELO, transaction and AUTH
// are forgotten and STARTTLS is no longer offered. AUTH: PLAIN (with an initial response and
// with the empty 334 challenge), LOGIN, CRAM-MD5, and every way of getting it wrong.
// Conversations are replayed split at every byte boundary (check_splits), except the
// injection case, whose outcome legitimately depends on segmentation (see there).
#include <gtest/gtest.h>

#include "sim/proto/smtp/sasl.hpp"
#include "tests/support/server_cases.hpp"

namespace {

using smtpsim::smtp::base64_decode;
using smtpsim::smtp::base64_encode;
using smtpsim::smtp::hmac_md5_hex;
using smtpsim::smtp::make_plain;
using smtpsim::smtp::ServerConfig;
using smtpsim::smtp::ServerState;
using smtpsim::testing::check_splits;
using smtpsim::testing::count_of;
using smtpsim::testing::Outcome;
using smtpsim::testing::play;
using smtpsim::testing::replies;
using smtpsim::testing::Script;
using smtpsim::testing::ServerRun;
using V = std::vector<std::string>;

const std::string kEhlo = "EHLO client.example.net\r\n";
const std::string kMail = "MAIL FROM:<sender@example.net>\r\n";
const std::string kRcpt = "RCPT TO:<alice@example.com>\r\n";
const std::string kRelayRcpt = "RCPT TO:<carol@example.net>\r\n";
const std::string kAlicePlain = "AGFsaWNlAGFsaWNl";  // base64("\0alice\0alice")

std::string b64(std::string_view s) {
  return base64_encode(s);
}

ServerConfig starttls_cfg() {
  ServerConfig c;
  c.starttls_available = true;
  c.auth_enabled = true;
  return c;
}

ServerConfig tls_auth_cfg() {  // already inside TLS (implicit TLS, port 465)
  ServerConfig c;
  c.auth_enabled = true;
  c.tls_active = true;
  return c;
}

Script script(V turns, ServerConfig cfg) {
  Script s;
  s.cfg = std::move(cfg);
  s.turns = std::move(turns);
  return s;
}

// The CRAM-MD5 response of alice/alice to the default nonce (RFC 2195).
std::string cram_response(std::string_view user = "alice", std::string_view secret = "alice") {
  return b64(std::string(user) + " " + hmac_md5_hex(secret, "<1@mail.example.com>"));
}

// --- STARTTLS ----------------------------------------------------------------------------

TEST(ServerStarttls, InjectedCommandIsDiscarded) {
  // CVE-2011-0411: "STARTTLS\r\nRSET\r\n" in one segment. The RSET arrived in plaintext and
  // must not run inside TLS: exactly one reply after the 220, no 250 for the RSET.
  Script s = script({kEhlo, "STARTTLS\r\nRSET\r\n", kMail, kEhlo, kMail}, starttls_cfg());
  const Outcome o = play(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "220 2.0.0", "503 5.5.1", "250", "250 2.1.0"}));
  ASSERT_TRUE(o.output_at_tls);
  EXPECT_EQ(replies(*o.output_at_tls), (V{"220", "250", "220 2.0.0"}));
  EXPECT_EQ(o.tls_starts, 1);

  // Split, the outcome legitimately changes: with the cut right after "STARTTLS\r\n" the RSET
  // arrives after the handshake (in reality it would be fed to TLS and break it; here it is
  // answered inside TLS), and with a cut inside "RSET" its tail is an unknown command. What
  // must hold for every cut: the RSET is never answered before TLS started, the 220 is the
  // last thing said in plaintext, and the injected bytes never count as the new EHLO.
  smtpsim::testing::for_each_split(s.turns, [&](const V& segs, std::size_t turn, std::size_t cut) {
    SCOPED_TRACE("turn " + std::to_string(turn) + " cut " + std::to_string(cut));
    const Outcome so = play(s, segs);
    ASSERT_TRUE(so.output_at_tls);
    EXPECT_EQ(replies(*so.output_at_tls), (V{"220", "250", "220 2.0.0"}));
    EXPECT_EQ(so.tls_starts, 1);
    const std::string after_tls = so.output.substr(so.output_at_tls->size());
    const auto r = replies(after_tls);
    ASSERT_GE(r.size(), 3u);
    EXPECT_EQ(std::vector<std::string>(r.end() - 3, r.end()), (V{"503 5.5.1", "250", "250 2.1.0"}));
    EXPECT_TRUE(so.delivered.empty());
  });
}

TEST(ServerStarttls, InjectedEhloAndMailAreDiscarded) {
  Script s = script({kEhlo, "STARTTLS\r\nEHLO evil.example\r\nMAIL FROM:<evil@example.net>\r\n",
                     "RCPT TO:<alice@example.com>\r\n"},
                    starttls_cfg());
  const Outcome o = play(s);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "220 2.0.0", "503 5.5.1"}));
  EXPECT_EQ(o.state, ServerState::Greeted);
}

TEST(ServerStarttls, ClientMustEhloAgainAfterTls) {
  const auto o = check_splits(
      script({kEhlo, "STARTTLS\r\n", kMail, kEhlo, kMail, kRcpt, "DATA\r\n", "hi\r\n.\r\n"},
             starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "220 2.0.0", "503 5.5.1", "250", "250 2.1.0",
                                  "250 2.1.5", "354", "250 2.0.0"}));
  EXPECT_EQ(o.tls_starts, 1);
  EXPECT_EQ(o.delivered.size(), 1u);
}

TEST(ServerStarttls, NotAdvertisedAfterTls) {
  const auto o = check_splits(script({kEhlo, "STARTTLS\r\n", kEhlo}, starttls_cfg()));
  ASSERT_TRUE(o.output_at_tls);
  EXPECT_NE(o.output_at_tls->find("250-STARTTLS\r\n"), std::string::npos);
  const std::string after = o.output.substr(o.output_at_tls->size());
  EXPECT_EQ(after.find("STARTTLS"), std::string::npos);
  EXPECT_NE(after.find("250-AUTH PLAIN LOGIN CRAM-MD5\r\n"), std::string::npos);
}

TEST(ServerStarttls, AuthStateIsForgotten) {
  // AUTH with CRAM-MD5 in plaintext (allowed: no password on the wire), then STARTTLS: the
  // server must forget the authentication (RFC 3207 §4.2), so relaying is refused again
  // until the client authenticates inside TLS.
  const auto o = check_splits(
      script({kEhlo, "AUTH CRAM-MD5\r\n", cram_response() + "\r\n", "STARTTLS\r\n", kEhlo, kMail,
              kRelayRcpt, "RSET\r\n", "AUTH PLAIN " + kAlicePlain + "\r\n", kMail, kRelayRcpt},
             starttls_cfg()));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "334", "235 2.7.0", "220 2.0.0", "250", "250 2.1.0", "554 5.7.1",
               "250 2.0.0", "235 2.7.0", "250 2.1.0", "250 2.1.5"}));
  EXPECT_TRUE(o.authenticated);
}

TEST(ServerStarttls, HeloNameIsForgotten) {
  ServerRun run(starttls_cfg());
  run.run({"EHLO first.example\r\n", "STARTTLS\r\n"});
  EXPECT_EQ(run.server.helo_name(), "");
  EXPECT_TRUE(run.server.tls_active());
  run.feed("EHLO second.example\r\n");
  EXPECT_EQ(run.server.helo_name(), "second.example");
}

TEST(ServerStarttls, SecondStarttls554) {
  const auto o = check_splits(
      script({kEhlo, "STARTTLS\r\n", "STARTTLS\r\n", kEhlo, "STARTTLS\r\n"}, starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "220 2.0.0", "503 5.5.1", "250", "554 5.5.1"}));
  EXPECT_EQ(o.tls_starts, 1);
}

TEST(ServerStarttls, ImplicitTlsDoesNotOfferStarttls) {
  ServerConfig cfg = starttls_cfg();
  cfg.tls_active = true;
  const auto o = check_splits(script({kEhlo, "STARTTLS\r\n"}, cfg));
  EXPECT_EQ(o.output.find("250-STARTTLS"), std::string::npos);
  EXPECT_EQ(replies(o.output), (V{"220", "250", "554 5.5.1"}));
}

TEST(ServerStarttls, WithArgument501) {
  const auto o = check_splits(script({kEhlo, "STARTTLS now\r\n"}, starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4"}));
  EXPECT_EQ(o.tls_starts, 0);
}

TEST(ServerStarttls, BeforeEhlo503) {
  const auto o = check_splits(script({"STARTTLS\r\n", kEhlo}, starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "503 5.5.1", "250"}));
  EXPECT_EQ(o.tls_starts, 0);
}

TEST(ServerStarttls, DuringTransaction503) {
  const auto o = check_splits(script({kEhlo, kMail, "STARTTLS\r\n", kRcpt}, starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "503 5.5.1", "250 2.1.5"}));
  EXPECT_EQ(o.tls_starts, 0);
}

TEST(ServerStarttls, TlsRequiredRefusesMailAndAuthBeforeTls) {
  ServerConfig cfg = starttls_cfg();
  cfg.tls_required = true;
  const auto o = check_splits(script({kEhlo, kMail, "AUTH PLAIN " + kAlicePlain + "\r\n",
                                      "VRFY alice\r\n", "NOOP\r\n", "STARTTLS\r\n", kEhlo, kMail},
                                     cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "530 5.7.0", "530 5.7.0", "530 5.7.0", "250 2.0.0",
                                  "220 2.0.0", "250", "250 2.1.0"}));
}

// --- AUTH --------------------------------------------------------------------------------

TEST(ServerAuth, PlainWithInitialResponse) {
  const auto o =
      check_splits(script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "235 2.7.0"}));
  EXPECT_TRUE(o.authenticated);
}

TEST(ServerAuth, PlainWithEmptyChallenge) {
  // RFC 4954 §4: without an initial response the server sends "334 " and an empty challenge.
  const auto o =
      check_splits(script({kEhlo, "AUTH PLAIN\r\n", kAlicePlain + "\r\n", kMail}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "235 2.7.0", "250 2.1.0"}));
  EXPECT_NE(o.output.find("\r\n334 \r\n"), std::string::npos);
  EXPECT_TRUE(o.authenticated);
}

TEST(ServerAuth, PlainWithAuthzidAndLowercaseMechanism) {
  const auto o = check_splits(
      script({kEhlo, "auth plain " + b64(std::string("alice\0alice\0alice", 17)) + "\r\n"},
             tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "235 2.7.0"}));
}

TEST(ServerAuth, LoginTwoStep) {
  const auto o = check_splits(script(
      {kEhlo, "AUTH LOGIN\r\n", b64("alice") + "\r\n", b64("alice") + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "334", "235 2.7.0"}));
  EXPECT_NE(o.output.find("334 VXNlcm5hbWU6\r\n"), std::string::npos);  // "Username:"
  EXPECT_NE(o.output.find("334 UGFzc3dvcmQ6\r\n"), std::string::npos);  // "Password:"
  EXPECT_TRUE(o.authenticated);
}

TEST(ServerAuth, LoginWithInitialResponse) {
  const auto o = check_splits(
      script({kEhlo, "AUTH LOGIN " + b64("bob") + "\r\n", b64("bob") + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "235 2.7.0"}));
}

TEST(ServerAuth, CramMd5FullExchange) {
  // Read the challenge off the wire, answer it with HMAC-MD5 (RFC 2195), as a client would.
  ServerConfig cfg = tls_auth_cfg();
  cfg.cram_md5_nonce = "17.4711";
  ServerRun run(cfg);
  run.run({kEhlo, "AUTH CRAM-MD5\r\n"});
  const auto pos = run.output.rfind("334 ");
  ASSERT_NE(pos, std::string::npos);
  const std::string b64_challenge = run.output.substr(pos + 4, run.output.size() - pos - 6);
  const auto challenge = base64_decode(b64_challenge);
  ASSERT_TRUE(challenge);
  EXPECT_EQ(*challenge, "<17.4711@mail.example.com>");
  run.feed(b64("alice " + hmac_md5_hex("alice", *challenge)) + "\r\n");
  EXPECT_EQ(replies(run.output), (V{"220", "250", "334", "235 2.7.0"}));
  EXPECT_TRUE(run.server.authenticated());
  EXPECT_EQ(run.server.auth_user(), "alice");
}

TEST(ServerAuth, CramMd5Splits) {
  const auto o =
      check_splits(script({kEhlo, "AUTH CRAM-MD5\r\n", cram_response() + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "235 2.7.0"}));
}

TEST(ServerAuth, CramMd5UppercaseDigestAccepted) {
  std::string digest = hmac_md5_hex("alice", "<1@mail.example.com>");
  for (char& c : digest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto o = check_splits(
      script({kEhlo, "AUTH CRAM-MD5\r\n", b64("alice " + digest) + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output).back(), "235 2.7.0");
}

TEST(ServerAuth, CramMd5WrongDigest535) {
  const auto o = check_splits(script(
      {kEhlo, "AUTH CRAM-MD5\r\n", cram_response("alice", "wrong") + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "535 5.7.8"}));
  EXPECT_FALSE(o.authenticated);
}

TEST(ServerAuth, CramMd5MalformedResponse501) {
  const auto o = check_splits(script({kEhlo, "AUTH CRAM-MD5\r\n", b64("alice") + "\r\n",
                                      "AUTH CRAM-MD5 " + cram_response() + "\r\n"},
                                     tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "501 5.5.2", "501 5.5.4"}));
}

TEST(ServerAuth, Twice503) {
  const auto o = check_splits(script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n",
                                      "AUTH PLAIN " + b64(make_plain("bob", "bob")) + "\r\n"},
                                     tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "235 2.7.0", "503 5.5.1"}));
}

TEST(ServerAuth, DuringTransaction503) {
  const auto o = check_splits(
      script({kEhlo, kMail, "AUTH PLAIN " + kAlicePlain + "\r\n", kRcpt}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "250 2.1.0", "503 5.5.1", "250 2.1.5"}));
  EXPECT_FALSE(o.authenticated);
}

TEST(ServerAuth, StarCancels501) {
  const auto o = check_splits(
      script({kEhlo, "AUTH LOGIN\r\n", "*\r\n", "AUTH LOGIN\r\n", b64("alice") + "\r\n", "*\r\n",
              "AUTH PLAIN *\r\n", "AUTH PLAIN " + kAlicePlain + "\r\n"},
             tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "501 5.0.0", "334", "334", "501 5.0.0",
                                  "501 5.0.0", "235 2.7.0"}));
}

TEST(ServerAuth, BadBase64_501) {
  const auto o =
      check_splits(script({kEhlo, "AUTH PLAIN !!!!\r\n", "AUTH PLAIN AGFsaWNlAGFsaWNl=\r\n",
                           "AUTH PLAIN AGFsaW NlAGFsaWNl\r\n", "AUTH LOGIN\r\n", "not base64\r\n",
                           "AUTH PLAIN\r\n", "AGFs\raWNlAGFsaWNl\r\n", "NOOP\r\n"},
                          tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.2", "501 5.5.2", "501 5.5.2", "334",
                                  "501 5.5.2", "334", "501 5.5.2", "250 2.0.0"}));
  EXPECT_EQ(o.state, ServerState::Ready);
}

TEST(ServerAuth, MalformedPlainMessage501) {
  const auto o = check_splits(
      script({kEhlo, "AUTH PLAIN " + b64("alice:alice") + "\r\n",
              "AUTH PLAIN " + b64(std::string("\0\0alice", 7)) + "\r\n", "AUTH PLAIN =\r\n"},
             tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.2", "501 5.5.2", "501 5.5.2"}));
}

TEST(ServerAuth, UnknownMechanism504) {
  const auto o = check_splits(script({kEhlo, "AUTH GSSAPI\r\n", "AUTH XOAUTH2 dXNlcj0=\r\n",
                                      "AUTH DIGEST-MD5\r\n", "AUTH PLAIN " + kAlicePlain + "\r\n"},
                                     tls_auth_cfg()));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "504 5.5.4", "504 5.5.4", "504 5.5.4", "235 2.7.0"}));
}

TEST(ServerAuth, WrongPassword535) {
  const auto o = check_splits(
      script({kEhlo, "AUTH PLAIN " + b64(make_plain("alice", "bob")) + "\r\n",
              "AUTH PLAIN " + b64(make_plain("mallory", "x")) + "\r\n", "AUTH LOGIN\r\n",
              b64("alice") + "\r\n", b64("Alice") + "\r\n", kMail, kRelayRcpt},
             tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "535 5.7.8", "535 5.7.8", "334", "334", "535 5.7.8",
                                  "250 2.1.0", "554 5.7.1"}));
  EXPECT_FALSE(o.authenticated);
}

TEST(ServerAuth, FailuresCountTowardsTheErrorLimit) {
  ServerConfig cfg = tls_auth_cfg();
  cfg.max_errors = 3;
  const std::string wrong = "AUTH PLAIN " + b64(make_plain("alice", "guess")) + "\r\n";
  const auto o = check_splits(script({kEhlo, wrong, wrong, wrong, wrong}, cfg));
  EXPECT_EQ(replies(o.output),
            (V{"220", "250", "535 5.7.8", "535 5.7.8", "535 5.7.8", "421 4.7.0"}));
  EXPECT_TRUE(o.closed);
}

TEST(ServerAuth, PlaintextMechanismsBeforeTls538) {
  // RFC 4954 §4 / REFERENCE.md: PLAIN and LOGIN only inside TLS; CRAM-MD5 sends no password.
  const auto o = check_splits(script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n", "AUTH LOGIN\r\n",
                                      "AUTH CRAM-MD5\r\n", cram_response() + "\r\n"},
                                     starttls_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "538 5.7.11", "538 5.7.11", "334", "235 2.7.0"}));
  EXPECT_NE(o.output.find("250-AUTH CRAM-MD5\r\n"), std::string::npos);  // only CRAM offered
}

TEST(ServerAuth, PlaintextAllowedWhenConfigured) {
  ServerConfig cfg = starttls_cfg();
  cfg.plaintext_auth_needs_tls = false;
  const auto o = check_splits(script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "235 2.7.0"}));
  EXPECT_NE(o.output.find("250-AUTH PLAIN LOGIN CRAM-MD5\r\n"), std::string::npos);
}

TEST(ServerAuth, RequiredMailWithoutAuth530) {
  ServerConfig cfg = tls_auth_cfg();
  cfg.auth_required = true;
  const auto o = check_splits(script({kEhlo, kMail, "AUTH PLAIN " + kAlicePlain + "\r\n", kMail,
                                      kRelayRcpt, "DATA\r\n", "hi\r\n.\r\n"},
                                     cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "530 5.7.0", "235 2.7.0", "250 2.1.0", "250 2.1.5",
                                  "354", "250 2.0.0"}));
  EXPECT_EQ(o.delivered.size(), 1u);
}

TEST(ServerAuth, AfterHeloOnly503) {
  const auto o = check_splits(script(
      {"HELO client.example.net\r\n", "AUTH PLAIN " + kAlicePlain + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "503 5.5.1"}));
}

TEST(ServerAuth, BeforeEhlo503) {
  const auto o = check_splits(script({"AUTH PLAIN " + kAlicePlain + "\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "503 5.5.1"}));
}

TEST(ServerAuth, NotEnabled503) {
  ServerConfig cfg;
  cfg.tls_active = true;
  const auto o = check_splits(script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n"}, cfg));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "503 5.5.1"}));
  EXPECT_EQ(o.output.find("AUTH"), std::string::npos);
}

TEST(ServerAuth, WithoutArgument501) {
  const auto o = check_splits(script({kEhlo, "AUTH\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "501 5.5.4"}));
}

TEST(ServerAuth, EmptyLoginUser501) {
  const auto o =
      check_splits(script({kEhlo, "AUTH LOGIN\r\n", "\r\n", "AUTH LOGIN =\r\n"}, tls_auth_cfg()));
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "501 5.5.2", "501 5.5.2"}));
}

TEST(ServerAuth, OverlongResponseLine500) {
  // RFC 4954 §4: a response line may be up to 12288 octets; longer is refused and AUTH ends.
  const auto o =
      check_splits(script({kEhlo, "AUTH LOGIN\r\n", std::string(13000, 'A') + "\r\n", "NOOP\r\n"},
                          tls_auth_cfg()),
                   smtpsim::testing::SplitOptions{.cut_budget = 600});
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "500 5.5.2", "250 2.0.0"}));
  EXPECT_EQ(o.state, ServerState::Ready);
}

TEST(ServerAuth, ResponseLineOf12288Accepted) {
  // a syntactically fine but wrong LOGIN user of maximal length: 535, not 500
  std::string user(9213, 'u');  // base64 of 9213 octets is 12284 characters, + CRLF = 12286
  const auto o = check_splits(
      script({kEhlo, "AUTH LOGIN\r\n", b64(user) + "\r\n", b64("pw") + "\r\n"}, tls_auth_cfg()),
      smtpsim::testing::SplitOptions{.cut_budget = 600});
  EXPECT_EQ(replies(o.output), (V{"220", "250", "334", "334", "535 5.7.8"}));
}

// Records what an observer (the trace, a transcript writer) sees of the client's lines.
struct LineLog : smtpsim::proto::SessionObserver {
  std::vector<std::pair<std::string, bool>> in;
  void on_line_in(std::string_view line, bool sensitive) override {
    in.emplace_back(std::string(line), sensitive);
  }
};

TEST(ServerAuth, CredentialsNeverReachTheObserver) {
  LineLog log;
  Script s = script({kEhlo, "AUTH PLAIN " + kAlicePlain + "\r\n"}, tls_auth_cfg());
  s.observer = &log;
  play(s);
  Script s2 = script({kEhlo, "AUTH LOGIN\r\n", b64("alice") + "\r\n", b64("alice") + "\r\n"},
                     tls_auth_cfg());
  s2.observer = &log;
  play(s2);
  int redacted = 0;
  for (const auto& [line, sensitive] : log.in) {
    EXPECT_EQ(line.find(kAlicePlain), std::string::npos) << line;
    EXPECT_EQ(line.find(b64("alice")), std::string::npos) << line;
    if (sensitive) ++redacted;
  }
  EXPECT_EQ(redacted, 3);  // "AUTH PLAIN [redacted]", and the two LOGIN lines
}

}  // namespace
