// The POP3 client machine against scripted server bytes: the check-mail flow, fallbacks
// (no CAPA, no UIDL), errors per stage, STLS, malformed and hostile replies, and
// segmentation independence (every reply also fed one byte at a time).
#include <gtest/gtest.h>

#include "sim/proto/pop3/client_session.hpp"
#include "tests/unit/test_pop3_harness.hpp"

namespace pop3 = smtpsim::pop3;
namespace ce = pop3::client_event;
using pop3::ClientConfig;
using pop3::ClientState;

namespace {

const std::string kGreeting = "+OK POP3 ready\r\n";
const std::string kCapa = "+OK caps\r\nTOP\r\nUIDL\r\nUSER\r\nPIPELINING\r\n.\r\n";
const std::string kMsg1Wire = "+OK 20 octets\r\nSubject: a\r\n\r\n..dot\r\n.\r\n";
const std::string kMsg1 = "Subject: a\r\n\r\n.dot\r\n";
const std::string kMsg2Wire = "+OK\r\nSubject: b\r\n\r\nbody\r\n.\r\n";
const std::string kMsg2 = "Subject: b\r\n\r\nbody\r\n";

ClientConfig alice() {
  ClientConfig c;
  c.user = "alice";
  c.password = "secret";
  return c;
}

std::string describe(const pop3::ClientEvent& ev) {
  if (auto* m = std::get_if<ce::Message>(&ev)) {
    return "MSG " + std::to_string(m->number) + " " + m->uid + " <" + m->content + ">";
  }
  if (auto* d = std::get_if<ce::Done>(&ev)) {
    return "DONE " + std::to_string(d->retrieved) + " " + std::to_string(d->deleted);
  }
  if (auto* f = std::get_if<ce::Failed>(&ev)) return "FAILED " + f->stage + ": " + f->reason;
  if (std::holds_alternative<ce::Closed>(ev)) return "CLOSED";
  if (std::holds_alternative<ce::StartTls>(ev)) return "TLS";
  return "NEED";
}

// Plays the server side: before each reply, what the client wrote so far is recorded
// ("C: ..."), then the reply is fed (whole, or one byte at a time) and the events recorded.
struct Script {
  pop3::ClientSession c;
  std::string log;
  bool closed = false;
  smtpsim::testing::Pop3Recorder rec;

  explicit Script(ClientConfig cfg) : c(std::move(cfg)) {
    c.set_observer(&rec);
    c.start();
  }
  void pump() {
    while (!closed) {
      auto ev = c.next_event();
      if (std::holds_alternative<ce::NeedData>(ev)) break;
      log += describe(ev) + "\n";
      if (std::holds_alternative<ce::StartTls>(ev)) {
        const std::string pending = c.take_output();
        if (!pending.empty()) log += "C: " + pending;
        c.tls_established();
        continue;
      }
      if (std::holds_alternative<ce::Closed>(ev)) {
        closed = true;
        break;
      }
    }
    const std::string out = c.take_output();
    if (!out.empty()) log += "C: " + out;
  }
  void reply(std::string_view bytes, bool bytewise) {
    if (bytewise) {
      for (char ch : bytes) {
        c.receive(std::string_view(&ch, 1));
        pump();
      }
    } else {
      c.receive(bytes);
      pump();
    }
  }
};

std::string play(const ClientConfig& cfg, const std::vector<std::string>& replies,
                 bool bytewise = false, bool eof = true) {
  Script s(cfg);
  s.pump();
  for (const auto& r : replies) s.reply(r, bytewise);
  if (eof) {
    s.c.receive_eof();
    s.pump();
  }
  return s.log;
}

// Same transcript whole and byte by byte.
std::string play_both(const ClientConfig& cfg, const std::vector<std::string>& replies) {
  const std::string whole = play(cfg, replies);
  EXPECT_EQ(play(cfg, replies, true), whole);
  return whole;
}

TEST(Pop3Client, LeaveOnServerHappyPath) {
  const std::string log =
      play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK logged in\r\n", "+OK 2 40\r\n",
                          "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n", kMsg1Wire, kMsg2Wire, "+OK bye\r\n"});
  EXPECT_EQ(log,
            "C: CAPA\r\n"
            "C: USER alice\r\n"
            "C: PASS secret\r\n"
            "C: STAT\r\n"
            "C: UIDL\r\n"
            "C: RETR 1\r\n"
            "MSG 1 1.1 <" +
                kMsg1 +
                ">\n"
                "C: RETR 2\r\n"
                "MSG 2 1.2 <" +
                kMsg2 +
                ">\n"
                "C: QUIT\r\n"
                "DONE 2 0\nCLOSED\n");
}

TEST(Pop3Client, KnownUidsAreSkippedAndMaxMessagesCaps) {
  ClientConfig cfg = alice();
  cfg.known_uids = {"1.1"};
  std::string log = play_both(cfg, {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 2 40\r\n",
                                    "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n", kMsg2Wire, "+OK\r\n"});
  EXPECT_NE(log.find("C: RETR 2\r\nMSG 2 1.2"), std::string::npos);
  EXPECT_EQ(log.find("RETR 1"), std::string::npos);
  EXPECT_NE(log.find("DONE 1 0"), std::string::npos);

  cfg = alice();
  cfg.max_messages = 1;
  log = play_both(cfg, {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 2 40\r\n",
                        "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n", kMsg1Wire, "+OK\r\n"});
  EXPECT_EQ(log.find("RETR 2"), std::string::npos);
  EXPECT_NE(log.find("DONE 1 0"), std::string::npos);
}

TEST(Pop3Client, DownloadAndDelete) {
  ClientConfig cfg = alice();
  cfg.mode = pop3::RetrievalMode::DownloadAndDelete;
  const std::string log =
      play_both(cfg, {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 2 40\r\n",
                      "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n", kMsg1Wire, "+OK deleted\r\n", kMsg2Wire,
                      "-ERR cannot\r\n", "+OK bye\r\n"});
  EXPECT_NE(log.find("C: RETR 1\r\nMSG 1 1.1 <" + kMsg1 + ">\nC: DELE 1\r\nC: RETR 2\r\n"),
            std::string::npos);
  EXPECT_NE(log.find("C: DELE 2\r\nC: QUIT\r\nDONE 2 1\nCLOSED\n"), std::string::npos);
}

TEST(Pop3Client, NoCapaAndNoUidlFallBackToRfc1939) {
  const std::string log = play_both(
      alice(), {kGreeting, "-ERR unknown command\r\n", "+OK\r\n", "+OK\r\n", "+OK 1 20\r\n",
                "-ERR no UIDL\r\n", "+OK\r\n1 20\r\n.\r\n", kMsg1Wire, "+OK\r\n"});
  EXPECT_NE(log.find("C: CAPA\r\nC: USER alice\r\n"), std::string::npos);
  EXPECT_NE(log.find("C: UIDL\r\nC: LIST\r\nC: RETR 1\r\nMSG 1  <"), std::string::npos);
  EXPECT_NE(log.find("DONE 1 0"), std::string::npos);
}

TEST(Pop3Client, CapaWithoutUidlGoesStraightToList) {
  const std::string log =
      play_both(alice(), {kGreeting, "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", "+OK\r\n", "+OK 1 20\r\n",
                          "+OK\r\n1 20\r\n.\r\n", kMsg1Wire, "+OK\r\n"});
  EXPECT_NE(log.find("C: STAT\r\nC: LIST\r\n"), std::string::npos);
  EXPECT_EQ(log.find("UIDL"), std::string::npos);
}

// A listing (headers_only): UIDL, then LIST for the sizes, then TOP n 0 for each header;
// sizes come from LIST, not from what TOP returned.
TEST(Pop3Client, HeadersOnlyUsesListSizesAndTop) {
  ClientConfig cfg = alice();
  cfg.headers_only = true;
  Script s(cfg);
  s.pump();
  std::vector<std::uint64_t> sizes;
  for (const std::string& r :
       {kGreeting, kCapa, std::string("+OK\r\n"), std::string("+OK\r\n"),
        std::string("+OK 2 5000\r\n"), std::string("+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n"),
        std::string("+OK\r\n1 1200\r\n2 3800\r\n.\r\n"),
        std::string("+OK\r\nSubject: a\r\n\r\n.\r\n"),
        std::string("+OK\r\nSubject: b\r\n\r\n.\r\n"), std::string("+OK bye\r\n")}) {
    s.c.receive(r);
    while (true) {
      auto ev = s.c.next_event();
      if (auto* m = std::get_if<ce::Message>(&ev)) {
        sizes.push_back(m->size);
        s.log += describe(ev) + "\n";
        continue;
      }
      if (!std::holds_alternative<ce::NeedData>(ev)) s.log += describe(ev) + "\n";
      if (std::holds_alternative<ce::NeedData>(ev) || std::holds_alternative<ce::Closed>(ev)) break;
    }
    s.log += "C: " + s.c.take_output();
  }
  EXPECT_NE(s.log.find("C: UIDL\r\nC: LIST\r\nC: TOP 1 0\r\nMSG 1 1.1 <Subject: a\r\n\r\n>\n"
                       "C: TOP 2 0\r\nMSG 2 1.2 <Subject: b\r\n\r\n>\nC: QUIT\r\n"),
            std::string::npos)
      << s.log;
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{1200, 3800}));
  EXPECT_EQ(s.log.find("RETR"), std::string::npos);
}

// TOP is optional (RFC 1939 §7): a server whose CAPA lacks it gets RETR, sizes still from LIST.
TEST(Pop3Client, HeadersOnlyWithoutTopRetrieves) {
  ClientConfig cfg = alice();
  cfg.headers_only = true;
  const std::string log = play_both(
      cfg, {kGreeting, "+OK\r\nUIDL\r\nUSER\r\n.\r\n", "+OK\r\n", "+OK\r\n", "+OK 1 20\r\n",
            "+OK\r\n1 1.1\r\n.\r\n", "+OK\r\n1 20\r\n.\r\n", kMsg1Wire, "+OK\r\n"});
  EXPECT_NE(log.find("C: UIDL\r\nC: LIST\r\nC: RETR 1\r\nMSG 1 1.1 <" + kMsg1 + ">\n"),
            std::string::npos)
      << log;
}

// Without headers_only the sizes are known only when LIST was the listing.
TEST(Pop3Client, MessageSizeFromList) {
  Script s(alice());
  s.pump();
  std::uint64_t size = 99;
  for (const std::string& r :
       {kGreeting, std::string("+OK\r\nUSER\r\n.\r\n"), std::string("+OK\r\n"),
        std::string("+OK\r\n"), std::string("+OK 1 20\r\n"), std::string("+OK\r\n1 20\r\n.\r\n"),
        kMsg1Wire}) {
    s.c.receive(r);
    for (auto ev = s.c.next_event(); !std::holds_alternative<ce::NeedData>(ev);
         ev = s.c.next_event())
      if (auto* m = std::get_if<ce::Message>(&ev)) size = m->size;
    s.c.take_output();
  }
  EXPECT_EQ(size, 20u);
}

TEST(Pop3Client, EmptyMaildropQuitsAfterStat) {
  const std::string log =
      play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 0 0\r\n", "+OK\r\n"});
  EXPECT_NE(log.find("C: STAT\r\nC: QUIT\r\nDONE 0 0\nCLOSED\n"), std::string::npos);
}

TEST(Pop3Client, ErrorsPerStage) {
  EXPECT_EQ(play_both(alice(), {"-ERR go away\r\n"}),
            "FAILED greeting: server said: -ERR go away\nCLOSED\n");
  EXPECT_EQ(play_both(alice(), {kGreeting, kCapa, "-ERR [AUTH] no such user\r\n", "+OK\r\n"}),
            "C: CAPA\r\nC: USER alice\r\nFAILED auth: server said: -ERR [AUTH] no such user\n"
            "C: QUIT\r\nCLOSED\n");
  EXPECT_NE(play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "-ERR [AUTH] wrong\r\n", "+OK\r\n"})
                .find("C: PASS secret\r\nFAILED auth: server said: -ERR [AUTH] wrong\nC: QUIT"),
            std::string::npos);
  EXPECT_NE(
      play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "-ERR [SYS/TEMP]\r\n", "+OK\r\n"})
          .find("FAILED stat: server said: -ERR [SYS/TEMP]\nC: QUIT"),
      std::string::npos);
  // RETR -ERR (the message vanished): skipped, the run goes on
  EXPECT_NE(
      play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 2 40\r\n",
                          "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n", "-ERR gone\r\n", kMsg2Wire, "+OK\r\n"})
          .find("C: RETR 1\r\nC: RETR 2\r\nMSG 2 1.2"),
      std::string::npos);
  // -ERR to QUIT: the deletions may not have happened (RFC 1939 §6)
  EXPECT_NE(play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 0 0\r\n",
                                "-ERR some deleted messages not removed\r\n"})
                .find("FAILED quit: server said: -ERR some deleted messages not removed\nCLOSED"),
            std::string::npos);
  // plaintext refused: CAPA lists no USER
  EXPECT_NE(play_both(alice(), {kGreeting, "+OK\r\nUIDL\r\nSTLS\r\n.\r\n", "+OK\r\n"})
                .find("FAILED auth: the server does not offer USER/PASS login here\nC: QUIT"),
            std::string::npos);
}

TEST(Pop3Client, ApopUsesTheGreetingTimestamp) {
  ClientConfig cfg;
  cfg.user = "mrose";
  cfg.password = "tanstaaf";
  cfg.use_apop = true;
  const std::string log =
      play_both(cfg, {"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n", kCapa,
                      "+OK maildrop has 0 messages\r\n", "+OK 0 0\r\n", "+OK\r\n"});
  EXPECT_NE(log.find("C: APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nC: STAT\r\n"),
            std::string::npos);
  EXPECT_NE(log.find("DONE 0 0"), std::string::npos);
  EXPECT_NE(play_both(cfg, {kGreeting, kCapa, "+OK\r\n"})
                .find("FAILED auth: the greeting has no APOP timestamp\nC: QUIT"),
            std::string::npos);
}

TEST(Pop3Client, StlsWhenOfferedDiscardsInjectedBytes) {
  ClientConfig cfg = alice();
  cfg.tls = pop3::TlsMode::StlsIfOffered;
  const std::string caps = "+OK\r\nUIDL\r\nUSER\r\nSTLS\r\n.\r\n";
  // the +OK to STLS comes with a forged reply in the same segment: it must be dropped
  const std::string log = play(cfg, {kGreeting, caps, "+OK Begin TLS\r\n+OK 9 999\r\n", kCapa,
                                     "+OK\r\n", "+OK\r\n", "+OK 0 0\r\n", "+OK\r\n"});
  EXPECT_EQ(log,
            "C: CAPA\r\nC: STLS\r\nTLS\nC: CAPA\r\nC: USER alice\r\nC: PASS secret\r\n"
            "C: STAT\r\nC: QUIT\r\nDONE 0 0\nCLOSED\n");
}

TEST(Pop3Client, StlsRequiredButMissingOrRefused) {
  ClientConfig cfg = alice();
  cfg.tls = pop3::TlsMode::StlsRequired;
  EXPECT_EQ(play_both(cfg, {kGreeting, kCapa, "+OK\r\n"}),
            "C: CAPA\r\nFAILED stls: server does not offer STLS\nC: QUIT\r\nCLOSED\n");
  EXPECT_EQ(play_both(cfg, {kGreeting, "-ERR\r\n", "-ERR not now\r\n", "+OK\r\n"}),
            "C: CAPA\r\nC: STLS\r\nFAILED stls: server said: -ERR not now\nC: QUIT\r\nCLOSED\n");
  // opportunistic: go on in plaintext
  cfg.tls = pop3::TlsMode::StlsIfOffered;
  EXPECT_NE(play_both(cfg, {kGreeting, kCapa, "+OK\r\n"}).find("C: CAPA\r\nC: USER alice\r\n"),
            std::string::npos);
  // implicit TLS: never STLS
  cfg.tls = pop3::TlsMode::Implicit;
  pop3::ClientSession c(cfg);
  EXPECT_TRUE(c.tls_active());
  EXPECT_NE(play_both(cfg, {kGreeting, "+OK\r\nUSER\r\nSTLS\r\n.\r\n", "+OK\r\n"})
                .find("C: CAPA\r\nC: USER alice\r\n"),
            std::string::npos);
}

// A handshake that fails (the certificate refused, say) ends with the connection: the machine
// must then fail the stls stage and close, not ask for TLS again on a dead connection.
TEST(Pop3Client, ConnectionLostDuringTheHandshakeFailsOnce) {
  ClientConfig cfg = alice();
  cfg.tls = pop3::TlsMode::StlsRequired;
  pop3::ClientSession c(cfg);
  c.start();
  std::vector<std::string> seen;
  auto drain = [&] {
    while (true) {
      auto ev = c.next_event();
      if (std::holds_alternative<ce::NeedData>(ev)) return;
      seen.push_back(describe(ev));
      if (std::holds_alternative<ce::StartTls>(ev) || std::holds_alternative<ce::Closed>(ev))
        return;
    }
  };
  for (const std::string& r :
       {kGreeting, std::string("+OK\r\nUSER\r\nSTLS\r\n.\r\n"), std::string("+OK Begin TLS\r\n")}) {
    c.receive(r);
    drain();
  }
  ASSERT_EQ(seen.back(), "TLS");
  c.receive_eof();  // the handshake failed and the socket closed; no tls_established()
  seen.clear();
  drain();
  EXPECT_EQ(seen, (std::vector<std::string>{"FAILED stls: connection closed during the TLS "
                                            "handshake",
                                            "CLOSED"}));
}

TEST(Pop3Client, MalformedRepliesFailTheSession) {
  EXPECT_EQ(play_both(alice(), {"HTTP/1.1 200 OK\r\n"}),
            "FAILED greeting: malformed response: HTTP/1.1 200 OK\nCLOSED\n");
  EXPECT_EQ(play_both(alice(), {"+OKAY\r\n"}),
            "FAILED greeting: malformed response: +OKAY\nCLOSED\n");
  EXPECT_EQ(play_both(alice(), {"+OK hi\n"}),
            "FAILED greeting: bare LF in a server response\nCLOSED\n");
  EXPECT_EQ(play_both(alice(), {std::string(2000, 'x')}),
            "FAILED greeting: response line too long\nCLOSED\n");
  EXPECT_EQ(play_both(alice(), {kGreeting, "+OK\r\n" + std::string(1200, 'C') + "\r\n"}),
            "C: CAPA\r\nFAILED capa: response line too long\nCLOSED\n");
  std::string many = "+OK\r\n";
  for (int i = 0; i < 101; ++i) many += "X\r\n";
  EXPECT_EQ(play_both(alice(), {kGreeting, many}),
            "C: CAPA\r\nFAILED capa: too many capability lines\nCLOSED\n");
  const std::vector<std::string> to_stat = {kGreeting, kCapa, "+OK\r\n", "+OK\r\n"};
  auto with = [&](std::vector<std::string> more) {
    auto v = to_stat;
    v.insert(v.end(), more.begin(), more.end());
    return play_both(alice(), v);
  };
  EXPECT_NE(with({"+OK lots\r\n"}).find("FAILED stat: malformed STAT response: lots\nCLOSED"),
            std::string::npos);
  EXPECT_NE(with({"+OK 1 20\r\n", "+OK\r\nx y\r\n.\r\n"})
                .find("FAILED uidl: malformed listing line: x y\nCLOSED"),
            std::string::npos);
  EXPECT_NE(with({"+OK 1 20\r\n", "+OK\r\n1 bad id\r\n.\r\n"})
                .find("FAILED uidl: malformed listing line: 1 bad id\nCLOSED"),
            std::string::npos);
  EXPECT_NE(with({"+OK 1 20\r\n", "+OK\r\n1 a\r\n2 b\r\n.\r\n"})
                .find("FAILED uidl: listing has more entries than STAT reported\nCLOSED"),
            std::string::npos);
  EXPECT_NE(with({"+OK 1 20\r\n", "+OK\r\n0 a\r\n.\r\n"}).find("FAILED uidl: malformed"),
            std::string::npos);
}

TEST(Pop3Client, UnsolicitedResponsesFail) {
  // A reply that was already there before CAPA was written cannot answer CAPA.
  EXPECT_EQ(play(alice(), {kGreeting + "+OK\r\n"}),
            "FAILED capa: unsolicited response: +OK\nCLOSED\nC: CAPA\r\n");
}

TEST(Pop3Client, ConnectionLostAndTimeout) {
  EXPECT_EQ(play_both(alice(), {kGreeting, kCapa, "+OK\r\n", "+OK\r\n", "+OK 1 20\r\n",
                                "+OK\r\n1 1.1\r\n.\r\n", "+OK\r\nSubject: half"}),
            "C: CAPA\r\nC: USER alice\r\nC: PASS secret\r\nC: STAT\r\nC: UIDL\r\nC: RETR 1\r\n"
            "FAILED retr: connection closed by the server\nCLOSED\n");
  Script s(alice());
  s.pump();
  s.reply(kGreeting, false);
  s.c.timeout();
  s.pump();
  EXPECT_EQ(s.log, "C: CAPA\r\nFAILED capa: timeout waiting for the server\nCLOSED\n");
  EXPECT_EQ(s.c.state(), ClientState::Closed);
}

TEST(Pop3Client, OversizedMessageFails) {
  Script s(alice());
  s.pump();
  for (const auto* r : {"+OK\r\n", "+OK\r\nUSER\r\nUIDL\r\n.\r\n", "+OK\r\n", "+OK\r\n",
                        "+OK 1 99999999\r\n", "+OK\r\n1 a\r\n.\r\n", "+OK\r\n"}) {
    s.reply(r, false);
  }
  const std::string line = std::string(1024 * 1024 - 2, 'x') + "\r\n";
  for (int i = 0; i < 70 && !s.closed; ++i) s.reply(line, false);
  EXPECT_TRUE(s.closed);
  EXPECT_NE(s.log.find("FAILED retr: message larger than 64 MiB\nCLOSED\n"), std::string::npos);
  // and an endless line without CRLF
  Script t(alice());
  t.pump();
  for (const auto* r : {"+OK\r\n", "+OK\r\nUSER\r\nUIDL\r\n.\r\n", "+OK\r\n", "+OK\r\n",
                        "+OK 1 99999999\r\n", "+OK\r\n1 a\r\n.\r\n", "+OK\r\n"}) {
    t.reply(r, false);
  }
  for (int i = 0; i < 70 && !t.closed; ++i) t.reply(std::string(1024 * 1024, 'y'), false);
  EXPECT_NE(t.log.find("FAILED retr: message larger than 64 MiB\nCLOSED\n"), std::string::npos);
}

TEST(Pop3Client, PassIsRedactedAndCredentialsChecked) {
  Script s(alice());
  s.pump();
  s.reply(kGreeting, false);
  s.reply(kCapa, false);
  s.reply("+OK\r\n", false);
  ASSERT_GE(s.rec.lines_out.size(), 3u);
  EXPECT_EQ(s.rec.lines_out[2], "PASS [redacted]");
  for (const auto& l : s.rec.lines_out) EXPECT_EQ(l.find("secret"), std::string::npos);
  ClientConfig bad = alice();
  bad.password = "x\r\nDELE 1";
  EXPECT_THROW(pop3::ClientSession{bad}, std::invalid_argument);
  bad = alice();
  bad.user = std::string("a\0b", 3);
  EXPECT_THROW(pop3::ClientSession{bad}, std::invalid_argument);
  bad.user.clear();
  EXPECT_THROW(pop3::ClientSession{bad}, std::invalid_argument);
}

TEST(Pop3Client, StateDiagramComesFromTheTable) {
  const std::string dot = smtpsim::proto::render_dot(pop3::client_machine_spec());
  EXPECT_NE(dot.find("digraph \"POP3 client\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"UIDL -ERR\""), std::string::npos);
}

}  // namespace
