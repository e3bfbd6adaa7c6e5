// Golden transcripts (DESIGN.md idea 9): the RFC 5321 Appendix D scenarios and seed 002's
// dialogue, played by the real machines and compared byte for byte with tests/golden/*.txt.
// The client's lines must also equal the RFC's (or the seed's) "C:" lines exactly; the server
// lines are ours (our reply texts and extensions), pinned by the golden file.
// To accept a deliberate change: SMTPSIM_UPDATE_GOLDEN=1 ./smtpsim_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sim/proto/mail/headers.hpp"
#include "sim/proto/smtp/session_pair.hpp"
#include "sim/trace/transcript.hpp"

namespace {

using namespace smtpsim;

std::string golden_path(const std::string& name) {
  return std::string(SMTPSIM_SOURCE_DIR) + "/tests/golden/" + name + ".txt";
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (std::getenv("SMTPSIM_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "updated " << path;
  }
  std::ifstream f(path, std::ios::binary);
  ASSERT_TRUE(f.good()) << "missing golden file " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "transcript differs from " << path;
}

std::vector<std::string> client_lines(const trace::Transcript& t) {
  std::vector<std::string> out;
  for (const auto& l : t.lines())
    if (l.kind == trace::LineKind::Sent) out.push_back(l.text);
  return out;
}

// A server in the style of RFC 5321's examples: no PIPELINING (the RFC's foo.com offers none).
smtp::ServerConfig rfc_server(const std::string& host) {
  smtp::ServerConfig cfg;
  cfg.hostname = host;
  cfg.greeting = "Simple Mail Transfer Service Ready";
  cfg.pipelining = false;
  cfg.enhanced_status_codes = false;  // RFC 5321's examples predate RFC 2034
  return cfg;
}

struct Pair {
  smtp::ServerSession server;
  smtp::StaticPolicy policy;
  smtp::ClientSession client;
  trace::Transcript transcript;
  std::vector<smtp::Transaction> stored;

  Pair(smtp::ServerConfig s, smtp::ClientConfig c) : server(std::move(s)), client(std::move(c)) {
    client.set_observer(&transcript);
    policy.deliver = [this](const smtp::ServerSession&, const smtp::Transaction& tx) {
      stored.push_back(tx);
      return std::optional<smtp::Reply>(smtp::Reply{250, "2.0.0", "OK"});
    };
  }
  smtp::PairResult run() { return smtp::run_session_pair(client, server, policy); }
};

const std::vector<std::string> kD1Client = {"EHLO bar.com",
                                            "MAIL FROM:<Smith@bar.com>",
                                            "RCPT TO:<Jones@foo.com>",
                                            "RCPT TO:<Green@foo.com>",
                                            "RCPT TO:<Brown@foo.com>",
                                            "DATA",
                                            "Blah blah blah...",
                                            "...etc. etc. etc.",
                                            ".",
                                            "QUIT"};

TEST(Golden, Rfc5321AppendixD1TypicalTransaction) {
  smtp::ClientConfig c;
  c.helo_name = "bar.com";
  c.send_size = false;  // the RFC's client declares no SIZE
  Pair p(rfc_server("foo.com"), c);
  p.policy.local_domains = {"foo.com"};
  p.policy.mailboxes = {"jones@foo.com", "brown@foo.com"};
  // "..etc." on the wire: the RFC's own example line starts with a dot and is stuffed.
  p.client.send({"Smith@bar.com",
                 {"Jones@foo.com", "Green@foo.com", "Brown@foo.com"},
                 "Blah blah blah...\r\n..etc. etc. etc.\r\n"});
  const auto r = p.run();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].recipients[1].status, smtp::RecipientStatus::Permanent);
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].recipients.size(), 2u);
  EXPECT_EQ(client_lines(p.transcript), kD1Client);
  expect_golden("rfc5321_d1_typical", p.transcript.render());
}

TEST(Golden, Rfc5321AppendixD2AbortedTransaction) {
  smtp::ClientConfig c;
  c.helo_name = "bar.com";
  c.abort_on_refused_recipient = true;
  c.send_size = false;
  Pair p(rfc_server("foo.com"), c);
  p.policy.local_domains = {"foo.com"};
  p.policy.mailboxes = {"jones@foo.com"};
  p.client.send({"Smith@bar.com", {"Jones@foo.com", "Green@foo.com"}, "Blah\r\n"});
  const auto r = p.run();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  EXPECT_TRUE(p.stored.empty());
  EXPECT_EQ(client_lines(p.transcript),
            (std::vector<std::string>{"EHLO bar.com", "MAIL FROM:<Smith@bar.com>",
                                      "RCPT TO:<Jones@foo.com>", "RCPT TO:<Green@foo.com>", "RSET",
                                      "QUIT"}));
  expect_golden("rfc5321_d2_aborted", p.transcript.render());
}

// D.3: bar.com -> relay foo.com -> xyz.com. foo.com relays for bar.com (a trusted client, as
// in the RFC's time), adding its Received: line on top; xyz.com delivers.
class TrustedRelay : public smtp::StaticPolicy {
 public:
  smtp::Decision rcpt_to(const smtp::ServerSession&, const smtp::server_event::RcptTo&) override {
    return smtp::Decision::yes();
  }
};

TEST(Golden, Rfc5321AppendixD3RelayedMail) {
  const std::string original =
      "Date: Thu, 21 May 1998 05:33:29 -0700\r\n"
      "From: John Q. Public <JQP@bar.com>\r\n"
      "Subject: The Next Meeting of the Board\r\n"
      "To: Jones@xyz.com\r\n"
      "\r\n"
      "Bill:\r\n"
      "The next meeting of the board of directors will be\r\n"
      "on Tuesday.\r\n"
      "John.\r\n";
  trace::Transcript all;
  // Step 1: source host to relay host.
  smtp::ClientConfig c1;
  c1.helo_name = "bar.com";
  c1.send_size = false;
  smtp::ServerSession relay(rfc_server("foo.com"));
  TrustedRelay relay_policy;
  std::vector<smtp::Transaction> relayed;
  relay_policy.deliver = [&](const smtp::ServerSession&, const smtp::Transaction& tx) {
    relayed.push_back(tx);
    return std::optional<smtp::Reply>(smtp::Reply{250, "2.0.0", "OK"});
  };
  smtp::ClientSession source(c1);
  source.set_observer(&all);
  all.info("Step 1 -- Source Host to Relay Host");
  source.send({"JQP@bar.com", {"Jones@XYZ.COM"}, original});
  auto r1 = smtp::run_session_pair(source, relay, relay_policy);
  ASSERT_FALSE(r1.failure);
  ASSERT_EQ(relayed.size(), 1u);
  EXPECT_EQ(relayed[0].content, original);

  // Step 2: relay host to destination host, with the relay's trace header on top.
  all.info("Step 2 -- Relay Host to Destination Host");
  mail::ReceivedInfo hop{"bar.com", "", "foo.com", "ESMTP", "", "", 895754009};
  smtp::ClientConfig c2;
  c2.helo_name = "foo.com";
  c2.send_size = false;
  Pair p(rfc_server("xyz.com"), c2);
  p.policy.local_domains = {"xyz.com"};
  p.client.set_observer(&all);
  p.client.send({relayed[0].sender.str(),
                 {relayed[0].recipients[0].str()},
                 mail::received_header(hop) + relayed[0].content});
  auto r2 = p.run();
  ASSERT_FALSE(r2.failure);
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].content.rfind("Received: from bar.com\r\n\tby foo.com", 0), 0u);
  expect_golden("rfc5321_d3_relayed", all.render());
}

// D.4: VRFY then send. No client machine sends VRFY, so a scripted client types the RFC's
// C: lines one at a time and waits for each reply, as a person at a terminal would.
class VrfyPolicy : public smtp::StaticPolicy {
 public:
  smtp::Decision vrfy(const smtp::ServerSession&, const smtp::server_event::Vrfy& v) override {
    if (v.argument == "Crispin") {
      return {true, smtp::Reply{250, "2.1.5", "Mark Crispin <Admin.MRC@foo.com>"}};
    }
    return smtp::Decision::no();
  }
};

TEST(Golden, Rfc5321AppendixD4VerifyingAndSending) {
  const std::vector<std::string> typed = {"EHLO bar.com",
                                          "VRFY Crispin",
                                          "MAIL FROM:<EAK@bar.com>",
                                          "RCPT TO:<Admin.MRC@foo.com>",
                                          "DATA",
                                          "Blah blah blah...\r\n..etc. etc. etc.\r\n.",
                                          "QUIT"};
  smtp::ServerSession server(rfc_server("foo.com"));
  VrfyPolicy policy;
  policy.local_domains = {"foo.com"};
  int stored = 0;
  policy.deliver = [&](const smtp::ServerSession&, const smtp::Transaction&) {
    ++stored;
    return std::optional<smtp::Reply>(smtp::Reply{250, "2.0.0", "OK"});
  };
  trace::Transcript t;
  auto show_replies = [&](const std::string& bytes) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const auto eol = bytes.find("\r\n", pos);
      t.on_line_in(std::string_view(bytes).substr(pos, eol - pos), false);
      pos = eol + 2;
    }
  };
  server.start();
  show_replies(server.take_output());
  for (const auto& line : typed) {
    std::size_t pos = 0;
    while (pos <= line.size()) {
      const auto eol = line.find("\r\n", pos);
      t.on_line_out(std::string_view(line).substr(pos, eol == std::string::npos ? eol : eol - pos),
                    false);
      if (eol == std::string::npos) break;
      pos = eol + 2;
    }
    server.receive(line + "\r\n");
    smtp::drive(server, policy);
    show_replies(server.take_output());
  }
  EXPECT_EQ(stored, 1);
  EXPECT_EQ(server.state(), smtp::ServerState::Closed);
  expect_golden("rfc5321_d4_vrfy", t.render());
}

TEST(Golden, Seed002ExampleDialogue) {
  // Seed 002: mail.example.net (HELO, no extensions) sends Alice's note to Bob.
  smtp::ServerConfig s;
  s.hostname = "mail.example.com";
  s.greeting = "SMTP server ready";
  s.client_address = "192.0.2.67";
  smtp::ClientConfig c;
  c.helo_name = "mail.example.net";
  c.use_ehlo = false;
  Pair p(s, c);
  p.policy.local_domains = {"example.com"};
  p.client.send({"alice@example.net",
                 {"bob@example.com"},
                 "Date: Fri, 06 May 2025 12:23:20 +0000\n"
                 "Subject: Re: The Cake\n"
                 "\n"
                 "Do not forget to bring the cake!\n"
                 "\n"});
  const auto r = p.run();
  ASSERT_FALSE(r.failure);
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(client_lines(p.transcript),
            (std::vector<std::string>{
                "HELO mail.example.net", "MAIL FROM:<alice@example.net>",
                "RCPT TO:<bob@example.com>", "DATA", "Date: Fri, 06 May 2025 12:23:20 +0000",
                "Subject: Re: The Cake", "", "Do not forget to bring the cake!", "", ".", "QUIT"}));
  expect_golden("seed002_dialogue", p.transcript.render());
}

}  // namespace
