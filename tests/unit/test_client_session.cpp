// The SMTP client machine driven by scripted server replies: the exact bytes it sends,
// its per-recipient outcomes, and how it fails. Each script feeds a server "turn" (the
// replies the server can have sent by then) and collects what the client writes back.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sim/proto/smtp/client_session.hpp"

namespace smtpsim::smtp {
namespace {

namespace ce = client_event;
using namespace std::chrono_literals;

constexpr std::string_view kGreeting = "220 mail.example.com ESMTP smtpsim\r\n";
constexpr std::string_view kEhloPipelining =
    "250-mail.example.com Hello client.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
constexpr std::string_view kEhloLockstep =
    "250-mail.example.com Hello client.example.net\r\n250-SIZE 10240000\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
constexpr std::string_view kEhloBare = "250 mail.example.com\r\n";

struct Recorder : proto::SessionObserver {
  std::vector<std::string> transitions, in, out;
  std::vector<std::string> sensitive_out;
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    transitions.push_back(
        fmt::format("{} -> {} [{}]", spec.state(from).name, spec.state(to).name, trigger));
  }
  void on_line_in(std::string_view line, bool) override { in.emplace_back(line); }
  void on_line_out(std::string_view line, bool sensitive) override {
    out.emplace_back(line);
    if (sensitive) sensitive_out.emplace_back(line);
  }
};

// A client with a scripted server: feed() hands it the server's bytes and returns what the
// client wrote in answer; events are collected on the way.
struct Dialog {
  ClientSession c;
  Recorder rec;
  std::vector<MessageResult> done;
  std::vector<ce::Failed> failed;
  std::size_t idle_events = 0, starttls_events = 0;
  bool closed = false;
  std::string wire;  // everything the client wrote

  explicit Dialog(ClientConfig cfg = {}) : c(std::move(cfg)) { c.set_observer(&rec); }

  std::string pump() {
    while (true) {
      ClientEvent ev = c.next_event();
      if (auto* d = std::get_if<ce::MessageDone>(&ev)) {
        done.push_back(std::move(d->result));
        continue;
      }
      if (auto* f = std::get_if<ce::Failed>(&ev)) {
        failed.push_back(std::move(*f));
        continue;
      }
      if (std::holds_alternative<ce::Idle>(ev)) ++idle_events;
      if (std::holds_alternative<ce::StartTls>(ev)) ++starttls_events;
      if (std::holds_alternative<ce::Closed>(ev)) closed = true;
      break;
    }
    std::string out = c.take_output();
    wire += out;
    return out;
  }
  std::string feed(std::string_view server) {
    c.receive(server);
    return pump();
  }
  std::string eof() {
    c.receive_eof();
    return pump();
  }
  // greeting + EHLO with the given reply; returns what follows the EHLO reply
  std::string open(std::string_view ehlo_reply = kEhloPipelining) {
    EXPECT_EQ(feed(kGreeting), "EHLO client.example.net\r\n");
    return feed(ehlo_reply);
  }
};

OutgoingMessage msg(std::vector<std::string> rcpts,
                    std::string content = "Subject: hi\r\n\r\nHello\r\n",
                    std::string sender = "alice@example.net") {
  return OutgoingMessage{std::move(sender), std::move(rcpts), std::move(content), false};
}

char status_char(RecipientStatus s) {
  switch (s) {
    case RecipientStatus::Accepted:
      return 'A';
    case RecipientStatus::Temporary:
      return 'T';
    case RecipientStatus::Permanent:
      return 'P';
  }
  return '?';
}

// "bob@x:A:250 carol@x:T:450 | failure 451"
std::string summary(const MessageResult& m) {
  std::string s;
  for (const auto& r : m.recipients)
    s += fmt::format("{}:{}:{} ", r.address, status_char(r.status), r.reply.code);
  if (m.failure) s += fmt::format("| failure {}", m.failure->code);
  return s;
}

// ---------------------------------------------------------------------------------------
// Greeting, EHLO, HELO

TEST(ClientSession, WaitsForTheGreetingThenSendsEhlo) {
  Dialog r;
  EXPECT_EQ(r.c.state(), ClientState::Greeting);
  EXPECT_EQ(r.pump(), "");  // nothing before the greeting
  EXPECT_EQ(r.feed("220 mail.exa"), "");
  EXPECT_EQ(r.feed("mple.com ESMTP\r\n"), "EHLO client.example.net\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Ehlo);
  EXPECT_EQ(r.c.state_caption(), "waiting for the EHLO reply");
}

TEST(ClientSession, ParsesEhloKeywords) {
  Dialog r;
  r.feed(kGreeting);
  r.feed(
      "250-mail.example.com greets PIPELINING\r\n250-pipelining\r\n250-Size 10240000\r\n"
      "250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
  EXPECT_EQ(r.c.server_extensions(),
            (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN CRAM-MD5",
                                      "STARTTLS", "8BITMIME"}));
  EXPECT_TRUE(r.c.server_supports("PIPELINING"));
  EXPECT_TRUE(r.c.server_supports("size"));
  EXPECT_TRUE(r.c.server_supports("AUTH"));
  EXPECT_FALSE(r.c.server_supports("mail.example.com"));  // the first line is not a keyword
  EXPECT_FALSE(r.c.server_supports("SMTPUTF8"));
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_EQ(r.idle_events, 1u);
}

TEST(ClientSession, EhloRefusedWith5xxFallsBackToHelo) {
  Dialog r;
  r.feed(kGreeting);
  EXPECT_EQ(r.feed("500 5.5.2 Error: command not recognized\r\n"), "HELO client.example.net\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Helo);
  EXPECT_EQ(r.feed("250 mail.example.com\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_TRUE(r.c.server_extensions().empty());
  // HELO means no PIPELINING: lockstep
  r.c.send(msg({"bob@example.com"}));
  EXPECT_EQ(r.pump(), "MAIL FROM:<alice@example.net>\r\n");
}

TEST(ClientSession, EhloTemporaryFailureQuits) {
  Dialog r;
  r.feed(kGreeting);
  EXPECT_EQ(r.feed("421-4.3.2 busy\r\n421 4.3.2 try later\r\n"), "");  // 421: no QUIT
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Helo);
  EXPECT_TRUE(r.closed);

  Dialog r2;
  r2.feed(kGreeting);
  EXPECT_EQ(r2.feed("451 4.3.0 later\r\n"), "QUIT\r\n");
  ASSERT_EQ(r2.failed.size(), 1u);
  EXPECT_EQ(r2.failed[0].stage, ClientStage::Helo);
  EXPECT_EQ(r2.failed[0].reply->code, 451);
  EXPECT_EQ(r2.feed("221 2.0.0 Bye\r\n"), "");
  EXPECT_TRUE(r2.closed);
}

TEST(ClientSession, HeloOnlyWhenConfigured) {
  ClientConfig cfg;
  cfg.use_ehlo = false;
  cfg.helo_name = "laptop.example.net";
  Dialog r(cfg);
  EXPECT_EQ(r.feed(kGreeting), "HELO laptop.example.net\r\n");
  EXPECT_EQ(r.feed("250 mail.example.com\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
}

TEST(ClientSession, HeloRefusedFails) {
  Dialog r;
  r.feed(kGreeting);
  r.feed("502 5.5.1 no EHLO\r\n");
  EXPECT_EQ(r.feed("501 5.5.4 Syntax: HELO hostname\r\n"), "QUIT\r\n");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Helo);
}

TEST(ClientSession, GreetingRefused) {
  Dialog r;
  // RFC 5321 §3.1: 554 instead of 220; the client sends QUIT and waits
  EXPECT_EQ(r.feed("554 5.3.2 no SMTP service here\r\n"), "QUIT\r\n");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Greeting);
  EXPECT_EQ(r.failed[0].reply->code, 554);
  EXPECT_FALSE(r.closed);
  EXPECT_EQ(r.feed("221 Bye\r\n"), "");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.c.state(), ClientState::Closed);
}

TEST(ClientSession, Greeting421ClosesWithoutQuit) {
  Dialog r;
  EXPECT_EQ(r.feed("421 4.3.2 too busy\r\n"), "");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Greeting);
  EXPECT_EQ(r.failed[0].reply->code, 421);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.wire, "");
}

// ---------------------------------------------------------------------------------------
// Transactions

TEST(ClientSession, PipelinedGroupInOneWrite) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com", "dave@example.com"}));
  r.c.finish();
  EXPECT_EQ(r.open(),
            "MAIL FROM:<alice@example.net> SIZE=22\r\n"
            "RCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\n"
            "RCPT TO:<dave@example.com>\r\nDATA\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Mail);
  EXPECT_EQ(
      r.feed(
          "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450 4.2.0 <carol@example.com>: busy\r\n"
          "550 5.1.1 <dave@example.com>: no such user\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
      "Subject: hi\r\n\r\nHello\r\n.\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Body);
  EXPECT_EQ(r.feed("250 2.0.0 Ok: queued as 1234\r\n"), "QUIT\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]),
            "bob@example.com:A:250 carol@example.com:T:450 dave@example.com:P:550 ");
  EXPECT_EQ(r.done[0].recipients[0].reply.text(), "Ok: queued as 1234");
  EXPECT_EQ(r.done[0].recipients[2].reply.enhanced, "5.1.1");
  EXPECT_FALSE(r.done[0].all_delivered());
  EXPECT_EQ(r.feed("221 2.0.0 Bye\r\n"), "");
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.failed.empty());
}

TEST(ClientSession, LockstepWithoutPipelining) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com", "dave@example.com"}));
  EXPECT_EQ(r.open(kEhloLockstep), "MAIL FROM:<alice@example.net> SIZE=22\r\n");
  EXPECT_EQ(r.feed("250 2.1.0 Ok\r\n"), "RCPT TO:<bob@example.com>\r\n");
  EXPECT_EQ(r.feed("250 2.1.5 Ok\r\n"), "RCPT TO:<carol@example.com>\r\n");
  EXPECT_EQ(r.feed("450 4.2.0 busy\r\n"), "RCPT TO:<dave@example.com>\r\n");
  EXPECT_EQ(r.feed("550 5.1.1 unknown\r\n"), "DATA\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Data);
  EXPECT_EQ(r.feed("354 go ahead\r\n"), "Subject: hi\r\n\r\nHello\r\n.\r\n");
  EXPECT_EQ(r.feed("250 2.0.0 queued\r\n"), "");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]),
            "bob@example.com:A:250 carol@example.com:T:450 dave@example.com:P:550 ");
  EXPECT_FALSE(r.done[0].failed_stage);  // bob has it
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  r.c.finish();
  EXPECT_EQ(r.pump(), "QUIT\r\n");
}

TEST(ClientSession, PipeliningOffInConfigMeansLockstep) {
  ClientConfig cfg;
  cfg.use_pipelining = false;
  Dialog r(cfg);
  r.c.send(msg({"bob@example.com", "carol@example.com"}));
  EXPECT_EQ(r.open(), "MAIL FROM:<alice@example.net> SIZE=22\r\n");
  EXPECT_EQ(r.feed("250 Ok\r\n"), "RCPT TO:<bob@example.com>\r\n");
}

TEST(ClientSession, AllDelivered) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open();
  r.feed("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n");
  r.feed("250 2.0.0 Ok: queued\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_TRUE(r.done[0].all_delivered());
  EXPECT_EQ(r.done[0].index, 0u);
  EXPECT_FALSE(r.done[0].failure);
  EXPECT_FALSE(r.done[0].failed_stage);
}

TEST(ClientSession, MailRefusedLockstep) {
  for (auto [reply, st] : {std::pair{"550 5.7.1 sender rejected\r\n", 'P'},
                           std::pair{"451 4.3.0 try later\r\n", 'T'}}) {
    Dialog r;
    r.c.send(msg({"bob@example.com", "carol@example.com"}));
    r.c.send(msg({"erin@example.com"}));
    r.open(kEhloLockstep);
    EXPECT_EQ(r.feed(reply), "RSET\r\n");
    ASSERT_EQ(r.done.size(), 1u);
    const int code = reply[0] == '5' ? 550 : 451;
    EXPECT_EQ(
        summary(r.done[0]),
        fmt::format("bob@example.com:{0}:{1} carol@example.com:{0}:{1} | failure {1}", st, code));
    EXPECT_EQ(r.done[0].failed_stage, ClientStage::Mail);
    EXPECT_EQ(r.c.state(), ClientState::Rset);
    // the next message starts after the RSET reply
    EXPECT_EQ(r.feed("250 2.0.0 Ok\r\n"), "MAIL FROM:<alice@example.net> SIZE=22\r\n");
  }
}

TEST(ClientSession, MailRefusedPipelinedConsumesTheGroup) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com"}));
  r.c.finish();
  r.open();
  EXPECT_EQ(r.feed("451 4.3.0 try later\r\n"), "");
  EXPECT_EQ(r.feed("503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"), "");
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.feed("554 5.5.1 no valid recipients\r\n"), "RSET\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "bob@example.com:T:451 carol@example.com:T:451 | failure 451");
  EXPECT_EQ(r.done[0].failed_stage, ClientStage::Mail);  // not Rcpt, though no RCPT got 250
  EXPECT_EQ(r.feed("250 2.0.0 Ok\r\n"), "QUIT\r\n");
  EXPECT_TRUE(r.failed.empty());
}

TEST(ClientSession, NoRecipientAcceptedLockstep) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com"}));
  r.open(kEhloLockstep);
  r.feed("250 Ok\r\n");
  r.feed("550 5.1.1 no\r\n");
  EXPECT_EQ(r.feed("450 4.1.1 later\r\n"), "RSET\r\n");  // no DATA
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "bob@example.com:P:550 carol@example.com:T:450 ");
  EXPECT_EQ(r.done[0].failed_stage, ClientStage::Rcpt);
  EXPECT_EQ(r.feed("250 Ok\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
}

TEST(ClientSession, NoRecipientAcceptedPipelinedDataRefused) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open();
  EXPECT_EQ(r.feed("250 Ok\r\n550 5.1.1 no\r\n554 5.5.1 Error: no valid recipients\r\n"),
            "RSET\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "bob@example.com:P:550 ");  // same as lockstep
  EXPECT_EQ(r.done[0].failed_stage, ClientStage::Rcpt);     // not Data: DATA had no chance
}

TEST(ClientSession, NoRecipientAcceptedPipelined354SendsOnlyTheDot) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open();
  // RFC 2920 §3.1: a server that says 354 anyway gets an empty message: "." alone
  EXPECT_EQ(r.feed("250 Ok\r\n550 5.1.1 no\r\n354 go\r\n"), ".\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Body);
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.feed("554 5.5.1 no valid recipients\r\n"), "RSET\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "bob@example.com:P:550 ");
  EXPECT_EQ(r.done[0].failed_stage, ClientStage::Rcpt);
  EXPECT_EQ(r.feed("250 Ok\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
}

TEST(ClientSession, DataRefused) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com"}));
  r.open();
  EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n550 no\r\n451 4.3.0 local error\r\n"), "RSET\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "bob@example.com:T:451 carol@example.com:P:550 | failure 451");
  EXPECT_EQ(r.done[0].failed_stage, ClientStage::Data);
}

TEST(ClientSession, FinalReplyDecidesForAcceptedRecipients) {
  for (auto [reply, st] :
       {std::pair{"552 5.3.4 too big\r\n", 'P'}, std::pair{"451 4.3.0 disk full\r\n", 'T'}}) {
    Dialog r;
    r.c.send(msg({"bob@example.com", "carol@example.com"}));
    r.c.send(msg({"dave@example.com"}));
    r.open();
    r.feed("250 Ok\r\n250 Ok\r\n450 busy\r\n354 go\r\n");
    // RFC 5321 §4.1.1.4: the transaction is over after the final reply: no RSET
    EXPECT_EQ(r.feed(reply),
              "MAIL FROM:<alice@example.net> SIZE=22\r\nRCPT TO:<dave@example.com>\r\nDATA\r\n");
    ASSERT_EQ(r.done.size(), 1u);
    const int code = reply[0] == '5' ? 552 : 451;
    EXPECT_EQ(
        summary(r.done[0]),
        fmt::format("bob@example.com:{}:{} carol@example.com:T:450 | failure {}", st, code, code));
    EXPECT_EQ(r.done[0].failed_stage, ClientStage::Body);
  }
}

TEST(ClientSession, TooManyRecipientsIsTemporaryForThatRecipient) {
  Dialog r;
  r.c.send(msg({"a@example.com", "b@example.com"}));
  r.open();
  r.feed("250 Ok\r\n250 Ok\r\n452 4.5.3 Error: too many recipients\r\n354 go\r\n");
  r.feed("250 Ok\r\n");
  ASSERT_EQ(r.done.size(), 1u);
  EXPECT_EQ(summary(r.done[0]), "a@example.com:A:250 b@example.com:T:452 ");
  EXPECT_FALSE(r.done[0].failed_stage);
}

TEST(ClientSession, AbortOnRefusedRecipient) {
  ClientConfig cfg;
  cfg.abort_on_refused_recipient = true;
  for (bool pipelining : {true, false}) {
    Dialog r(cfg);
    r.c.send(msg({"bob@example.com", "carol@example.com"}));
    if (pipelining) {
      // DATA is held back from the group: after 354 there would be no way back
      EXPECT_EQ(r.open(),
                "MAIL FROM:<alice@example.net> SIZE=22\r\nRCPT TO:<bob@example.com>\r\n"
                "RCPT TO:<carol@example.com>\r\n");
      EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n550 5.1.1 no\r\n"), "RSET\r\n");
    } else {
      r.open(kEhloLockstep);
      r.feed("250 Ok\r\n");
      r.feed("250 Ok\r\n");
      EXPECT_EQ(r.feed("550 5.1.1 no\r\n"), "RSET\r\n");
    }
    ASSERT_EQ(r.done.size(), 1u);
    EXPECT_EQ(summary(r.done[0]), "bob@example.com:T:250 carol@example.com:P:550 | failure 550");
    EXPECT_EQ(r.done[0].failed_stage, ClientStage::Rcpt);
    EXPECT_EQ(r.feed("250 Ok\r\n"), "");
    EXPECT_EQ(r.c.state(), ClientState::Idle);
  }
  // all accepted: DATA follows
  Dialog r(cfg);
  r.c.send(msg({"bob@example.com"}));
  r.open();
  EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n"), "DATA\r\n");
  EXPECT_EQ(r.feed("354 go\r\n"), "Subject: hi\r\n\r\nHello\r\n.\r\n");
}

TEST(ClientSession, SeveralMessagesOnOneConnection) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}, "one\r\n"));
  r.c.send(msg({"carol@example.com"}, "two\r\n", ""));
  EXPECT_EQ(r.open(),
            "MAIL FROM:<alice@example.net> SIZE=5\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
  EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n"), "one\r\n.\r\n");
  EXPECT_EQ(r.feed("250 Ok: queued as A\r\n"),
            "MAIL FROM:<> SIZE=5\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
  EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n"), "two\r\n.\r\n");
  EXPECT_EQ(r.feed("250 Ok: queued as B\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_EQ(r.idle_events, 1u);
  ASSERT_EQ(r.done.size(), 2u);
  EXPECT_EQ(r.done[0].index, 0u);
  EXPECT_EQ(r.done[1].index, 1u);
  EXPECT_EQ(r.done[1].recipients[0].reply.text(), "Ok: queued as B");
  // more later, on the same connection
  r.c.send(msg({"dave@example.com"}, "three\r\n"));
  EXPECT_EQ(r.c.state(), ClientState::Mail);
  EXPECT_EQ(r.pump(),
            "MAIL FROM:<alice@example.net> SIZE=7\r\nRCPT TO:<dave@example.com>\r\nDATA\r\n");
  r.c.finish();
  r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n");
  EXPECT_EQ(r.feed("250 Ok\r\n"), "QUIT\r\n");
  EXPECT_EQ(r.done.back().index, 2u);
  EXPECT_EQ(r.feed("221 Bye\r\n"), "");
  EXPECT_TRUE(r.closed);
  EXPECT_THROW(r.c.send(msg({"x@example.com"})), std::logic_error);
}

TEST(ClientSession, FinishWhenIdleQuitsAtOnce) {
  Dialog r;
  r.open();
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  r.c.finish();
  EXPECT_EQ(r.c.state(), ClientState::Quit);
  EXPECT_EQ(r.pump(), "QUIT\r\n");
  // EOF instead of 221 is fine after QUIT
  EXPECT_EQ(r.eof(), "");
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.failed.empty());
}

TEST(ClientSession, QuitGetsAnyReply) {
  Dialog r;
  r.c.finish();
  EXPECT_EQ(r.open(), "QUIT\r\n");
  EXPECT_EQ(r.feed("500 what\r\n"), "");
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.failed.empty());
}

TEST(ClientSession, SizeAndBodyParameters) {
  auto mail_line = [](std::string_view ehlo, ClientConfig cfg, bool eight_bit) {
    Dialog r(cfg);
    auto m = msg({"bob@example.com"}, "caf\xc3\xa9\n");
    m.eight_bit = eight_bit;
    r.c.send(m);
    const std::string out = r.open(ehlo);
    return out.substr(0, out.find("\r\n"));
  };
  EXPECT_EQ(mail_line(kEhloPipelining, {}, true),
            "MAIL FROM:<alice@example.net> SIZE=7 BODY=8BITMIME");
  EXPECT_EQ(mail_line(kEhloPipelining, {}, false), "MAIL FROM:<alice@example.net> SIZE=7");
  ClientConfig no_size;
  no_size.send_size = false;
  EXPECT_EQ(mail_line(kEhloPipelining, no_size, true),
            "MAIL FROM:<alice@example.net> BODY=8BITMIME");
  EXPECT_EQ(mail_line(kEhloBare, {}, true), "MAIL FROM:<alice@example.net>");
}

// RFC 5321 §4.5.2 dot-stuffing and CRLF line ends; RFC 1870 size of the unstuffed text.
struct BodyCase {
  std::string content, wire;
  std::size_t size;
};

TEST(ClientSession, DotStuffingAndLineEnds) {
  const std::vector<BodyCase> cases = {
      {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n", 9},
      {"..\r\n", "...\r\n", 4},
      {".hidden\r\n", "..hidden\r\n", 9},
      {"a\r\n.\r\n", "a\r\n..\r\n", 6},
      {".", "..\r\n", 3},
      {"a\nb\n", "a\r\nb\r\n", 6},
      {"no newline", "no newline\r\n", 12},
      {"", "", 0},
      {"\r\n", "\r\n", 2},
      {"a\r\n\n.\n", "a\r\n\r\n..\r\n", 8},
      {"x\n.\nMAIL FROM:<e@x>\n", "x\r\n..\r\nMAIL FROM:<e@x>\r\n", 23},  // smuggling
      {"x\r\n.\nRSET\r\n", "x\r\n..\r\nRSET\r\n", 12},
      {"a\rb\r\n", "a\r\nb\r\n", 6},
      {"\r.\r", "\r\n..\r\n", 5},
      {"x\r\r\n.\r\r\n", "x\r\n\r\n..\r\n\r\n", 10},
      {"line .\r\n ..\r\n", "line .\r\n ..\r\n", 13},
  };
  for (const auto& bc : cases) {
    Dialog r;
    r.c.send(msg({"bob@example.com"}, bc.content));
    const std::string group = r.open();
    EXPECT_EQ(group.substr(0, group.find("\r\n")),
              fmt::format("MAIL FROM:<alice@example.net> SIZE={}", bc.size))
        << testing::PrintToString(bc.content);
    EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n"), bc.wire + ".\r\n")
        << testing::PrintToString(bc.content);
  }
}

TEST(ClientSession, BodyLinesReportedOnceEachAsSent) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}, "Subject: x\n\n.\nend"));
  r.open();
  r.rec.out.clear();
  r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n");
  EXPECT_EQ(r.rec.out, (std::vector<std::string>{"Subject: x", "", "..", "end", "."}));
}

TEST(ClientSession, SendChecksAddresses) {
  Dialog r;
  EXPECT_THROW(r.c.send(msg({"bob@example.com>\r\nRCPT TO:<evil@example.org"})),
               std::invalid_argument);
  EXPECT_THROW(r.c.send(msg({"bob@example.com"}, "x", "a@b\nRSET")), std::invalid_argument);
  EXPECT_THROW(r.c.send(msg({})), std::invalid_argument);
  ClientConfig bad;
  bad.helo_name = "x\r\nMAIL FROM:<>";
  EXPECT_THROW(ClientSession{bad}, std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// AUTH (RFC 4954)

ClientConfig auth_config(std::optional<SaslMechanism> m = std::nullopt) {
  ClientConfig cfg;
  cfg.auth_user = "tim";
  cfg.auth_password = "tanstaaftanstaaf";
  cfg.auth_mechanism = m;
  return cfg;
}

std::string ehlo_with_auth(std::string_view mechs) {
  return fmt::format("250-mail.example.com\r\n250-PIPELINING\r\n250-AUTH {}\r\n250 8BITMIME\r\n",
                     mechs);
}

TEST(ClientSession, AuthPlainWithInitialResponse) {
  Dialog r(auth_config());
  EXPECT_EQ(r.open(ehlo_with_auth("PLAIN LOGIN")), "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Auth);
  EXPECT_EQ(r.rec.sensitive_out, (std::vector<std::string>{"AUTH PLAIN [redacted]"}));
  EXPECT_EQ(r.feed("235 2.7.0 Authentication successful\r\n"), "");
  EXPECT_TRUE(r.c.authenticated());
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  for (const auto& line : r.rec.out) EXPECT_EQ(line.find("AHRpbQ"), std::string::npos);
}

TEST(ClientSession, AuthLoginTwoSteps) {
  Dialog r(auth_config(SaslMechanism::Login));
  r.c.send(msg({"bob@example.com"}));
  EXPECT_EQ(r.open(ehlo_with_auth("PLAIN LOGIN CRAM-MD5")), "AUTH LOGIN\r\n");
  EXPECT_EQ(r.feed("334 VXNlcm5hbWU6\r\n"), "dGlt\r\n");
  EXPECT_EQ(r.feed("334 UGFzc3dvcmQ6\r\n"), "dGFuc3RhYWZ0YW5zdGFhZg==\r\n");
  EXPECT_EQ(r.rec.sensitive_out, (std::vector<std::string>{"[redacted]", "[redacted]"}));
  // authenticated: the queued message goes out
  EXPECT_EQ(r.feed("235 2.7.0 Authentication successful\r\n"),
            "MAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
}

TEST(ClientSession, AuthCramMd5Rfc2195Example) {
  Dialog r(auth_config());
  EXPECT_EQ(r.open(ehlo_with_auth("LOGIN PLAIN CRAM-MD5")), "AUTH CRAM-MD5\r\n");
  // RFC 2195 §2: challenge <1896.697170952@postoffice.reston.mci.net>
  EXPECT_EQ(r.feed("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");  // "tim b913a602c7ed..."
  EXPECT_EQ(r.rec.sensitive_out, (std::vector<std::string>{"[redacted]"}));
  r.feed("235 2.7.0 ok\r\n");
  EXPECT_TRUE(r.c.authenticated());
}

TEST(ClientSession, AuthPrefersCramThenPlainThenLogin) {
  auto first_line = [](std::string_view mechs) {
    Dialog r(auth_config());
    std::string out = r.open(ehlo_with_auth(mechs));
    return out.substr(0, out.find(' ', 5));
  };
  EXPECT_EQ(first_line("LOGIN PLAIN CRAM-MD5"), "AUTH CRAM-MD5\r\n");
  EXPECT_EQ(first_line("LOGIN PLAIN"), "AUTH PLAIN");
  EXPECT_EQ(first_line("login"), "AUTH LOGIN\r\n");
  EXPECT_EQ(first_line("GSSAPI XOAUTH2 LOGIN"), "AUTH LOGIN\r\n");
}

TEST(ClientSession, AuthNotOffered) {
  {
    Dialog r(auth_config());
    EXPECT_EQ(r.open(kEhloPipelining), "QUIT\r\n");
    ASSERT_EQ(r.failed.size(), 1u);
    EXPECT_EQ(r.failed[0].stage, ClientStage::Auth);
    EXPECT_EQ(r.failed[0].reason, "the server does not offer AUTH");
  }
  {
    Dialog r(auth_config(SaslMechanism::CramMd5));
    EXPECT_EQ(r.open(ehlo_with_auth("PLAIN LOGIN")), "QUIT\r\n");
    ASSERT_EQ(r.failed.size(), 1u);
    EXPECT_EQ(r.failed[0].reason, "the server does not offer AUTH CRAM-MD5");
  }
  {
    Dialog r(auth_config());
    EXPECT_EQ(r.open(ehlo_with_auth("GSSAPI")), "QUIT\r\n");
    EXPECT_EQ(r.failed.at(0).reason, "no AUTH mechanism in common with the server");
  }
  {
    ClientConfig cfg = auth_config();
    cfg.use_ehlo = false;
    Dialog r(cfg);
    EXPECT_EQ(r.feed(kGreeting), "HELO client.example.net\r\n");
    EXPECT_EQ(r.feed("250 mail.example.com\r\n"), "QUIT\r\n");
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Auth);
  }
}

TEST(ClientSession, AuthRefused) {
  Dialog r(auth_config());
  r.c.send(msg({"bob@example.com"}));
  r.open(ehlo_with_auth("PLAIN"));
  EXPECT_EQ(r.feed("535 5.7.8 Error: authentication failed\r\n"), "QUIT\r\n");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Auth);
  EXPECT_EQ(r.failed[0].reply->code, 535);
  EXPECT_FALSE(r.c.authenticated());
  EXPECT_EQ(r.feed("221 Bye\r\n"), "");
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.done.empty());  // the message was never sent
}

TEST(ClientSession, AuthBadChallengeIsCancelled) {
  Dialog r(auth_config());
  r.open(ehlo_with_auth("CRAM-MD5"));
  EXPECT_EQ(r.feed("334 not base64!\r\n"), "*\r\n");  // RFC 4954 §4
  EXPECT_EQ(r.feed("501 5.7.0 Authentication cancelled\r\n"), "QUIT\r\n");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Auth);
  EXPECT_EQ(r.failed[0].reason, "AUTH cancelled: CRAM-MD5 challenge is not valid base64");
}

TEST(ClientSession, AuthUnexpectedChallengeIsCancelled) {
  Dialog r(auth_config(SaslMechanism::Plain));
  r.open(ehlo_with_auth("PLAIN"));
  EXPECT_EQ(r.feed("334 \r\n"), "*\r\n");  // PLAIN sent its response already
  EXPECT_EQ(r.feed("501 cancelled\r\n"), "QUIT\r\n");
  Dialog l(auth_config(SaslMechanism::Login));
  l.open(ehlo_with_auth("LOGIN"));
  l.feed("334 VXNlcm5hbWU6\r\n");
  l.feed("334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(l.feed("334 VXNlcm5hbWU6\r\n"), "*\r\n");
}

TEST(ClientSession, AuthPlainLongCredentialsWaitForTheChallenge) {
  ClientConfig cfg = auth_config(SaslMechanism::Plain);
  cfg.auth_password = std::string(400, 'p');
  Dialog r(cfg);
  // RFC 4954 §4: the initial response would make the line longer than 512 octets
  EXPECT_EQ(r.open(ehlo_with_auth("PLAIN")), "AUTH PLAIN\r\n");
  const std::string out = r.feed("334 \r\n");
  EXPECT_EQ(out, base64_encode(make_plain("tim", cfg.auth_password)) + "\r\n");
  EXPECT_EQ(r.rec.sensitive_out, (std::vector<std::string>{"[redacted]"}));
  r.feed("235 ok\r\n");
  EXPECT_TRUE(r.c.authenticated());
}

// ---------------------------------------------------------------------------------------
// STARTTLS (RFC 3207)

constexpr std::string_view kEhloStartTls =
    "250-mail.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";

TEST(ClientSession, StartTlsDiscardsInjectedBytesAndSaysEhloAgain) {
  ClientConfig cfg;
  cfg.tls = TlsMode::StartTlsIfOffered;
  Dialog r(cfg);
  EXPECT_EQ(r.open(kEhloStartTls), "STARTTLS\r\n");
  EXPECT_EQ(r.c.state(), ClientState::StartTls);
  // a man in the middle appends a reply to the plaintext 220 (CVE-2011-0411's mirror)
  EXPECT_EQ(r.feed("220 2.0.0 Ready to start TLS\r\n250-mail.example.com\r\n250 AUTH PLAIN\r\n"),
            "");
  EXPECT_EQ(r.starttls_events, 1u);
  EXPECT_EQ(r.c.state(), ClientState::TlsHandshake);
  EXPECT_TRUE(r.c.server_extensions().empty());  // forgotten (RFC 3207 §4.2)
  EXPECT_FALSE(r.c.tls_active());
  EXPECT_EQ(r.feed("more plaintext\r\n"), "");  // dropped during the handshake
  EXPECT_EQ(r.starttls_events, 2u);
  r.c.tls_established();
  EXPECT_TRUE(r.c.tls_active());
  EXPECT_EQ(r.pump(), "EHLO client.example.net\r\n");
  EXPECT_EQ(r.feed("250-mail.example.com\r\n250 PIPELINING\r\n"), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_FALSE(r.c.server_supports("AUTH"));
  EXPECT_TRUE(r.failed.empty());
}

TEST(ClientSession, StartTlsRequiredButNotOffered) {
  ClientConfig cfg;
  cfg.tls = TlsMode::StartTlsRequired;
  Dialog r(cfg);
  EXPECT_EQ(r.open(kEhloPipelining), "QUIT\r\n");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::StartTls);
  EXPECT_FALSE(r.failed[0].reply);
}

TEST(ClientSession, StartTlsRefused) {
  ClientConfig cfg;
  cfg.tls = TlsMode::StartTlsRequired;
  Dialog r(cfg);
  r.open(kEhloStartTls);
  EXPECT_EQ(r.feed("454 4.7.0 TLS not available\r\n"), "QUIT\r\n");
  EXPECT_EQ(r.failed.at(0).stage, ClientStage::StartTls);
  EXPECT_EQ(r.failed.at(0).reply->code, 454);

  cfg.tls = TlsMode::StartTlsIfOffered;  // opportunistic: go on in plain text
  Dialog o(cfg);
  o.c.send(msg({"bob@example.com"}));
  o.open(kEhloStartTls);
  EXPECT_EQ(o.feed("454 4.7.0 TLS not available\r\n"),
            "MAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
  EXPECT_TRUE(o.failed.empty());
  EXPECT_FALSE(o.c.tls_active());
}

TEST(ClientSession, StartTlsOpportunisticWithoutOffer) {
  ClientConfig cfg;
  cfg.tls = TlsMode::StartTlsIfOffered;
  Dialog r(cfg);
  EXPECT_EQ(r.open(kEhloPipelining), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_FALSE(r.c.tls_active());
}

TEST(ClientSession, StartTlsThenAuth) {
  ClientConfig cfg = auth_config();
  cfg.tls = TlsMode::StartTlsRequired;
  Dialog r(cfg);
  EXPECT_EQ(r.open(kEhloStartTls), "STARTTLS\r\n");
  r.feed("220 2.0.0 Ready to start TLS\r\n");
  r.c.tls_established();
  EXPECT_EQ(r.pump(), "EHLO client.example.net\r\n");
  EXPECT_EQ(r.feed(ehlo_with_auth("PLAIN LOGIN")), "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
}

TEST(ClientSession, ImplicitTlsNeverSaysStartTls) {
  ClientConfig cfg;
  cfg.tls = TlsMode::Implicit;
  Dialog r(cfg);
  EXPECT_TRUE(r.c.tls_active());
  EXPECT_EQ(r.open(kEhloStartTls), "");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
}

TEST(ClientSession, EofDuringHandshake) {
  ClientConfig cfg;
  cfg.tls = TlsMode::StartTlsIfOffered;
  Dialog r(cfg);
  r.open(kEhloStartTls);
  r.feed("220 go ahead\r\n");
  r.eof();
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::StartTls);
  EXPECT_TRUE(r.closed);
}

// ---------------------------------------------------------------------------------------
// The server misbehaves, goes away or is slow

TEST(ClientSession, Reply421MidSession) {
  Dialog r;
  r.c.send(msg({"bob@example.com", "carol@example.com"}));
  r.open(kEhloLockstep);
  r.feed("250 Ok\r\n");
  EXPECT_EQ(r.feed("421 4.7.0 mail.example.com Error: too many errors\r\n"), "");  // no QUIT
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Rcpt);
  EXPECT_EQ(r.failed[0].reply->code, 421);
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.done.empty());
  EXPECT_EQ(r.c.current_timeout(), std::nullopt);
  // later bytes are ignored, Closed is repeated
  EXPECT_EQ(r.feed("250 Ok\r\n"), "");
  EXPECT_TRUE(std::holds_alternative<ce::Closed>(r.c.next_event()));
}

TEST(ClientSession, Reply421InsidePipelinedGroup) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open();
  EXPECT_EQ(r.feed("250 Ok\r\n421 4.4.2 shutting down\r\n"), "");
  EXPECT_EQ(r.failed.at(0).stage, ClientStage::Rcpt);
  EXPECT_TRUE(r.closed);
}

TEST(ClientSession, Reply421WhileIdle) {
  Dialog r;
  r.open();
  EXPECT_EQ(r.feed("421 4.4.2 mail.example.com Error: timeout exceeded\r\n"), "");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Connection);
  EXPECT_EQ(r.failed[0].reply->code, 421);
  EXPECT_TRUE(r.closed);
}

TEST(ClientSession, UnsolicitedReplyWhileIdle) {
  Dialog r;
  r.open();
  EXPECT_EQ(r.feed("250 surprise\r\n"), "");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Connection);
  EXPECT_EQ(r.failed[0].reply->code, 250);
  EXPECT_EQ(r.failed[0].reason, "unsolicited reply (no command outstanding)");
  EXPECT_TRUE(r.closed);
}

TEST(ClientSession, ReplySentBeforeTheCommandIsUnsolicited) {
  // The server answers EHLO before EHLO was written: out of step (or talking to someone else)
  Dialog r;
  EXPECT_EQ(r.feed(std::string(kGreeting) + "250 mail.example.com\r\n"),
            "EHLO client.example.net\r\n");
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].reason, "unsolicited reply (sent before our command)");

  // A fake "250 queued" sent with the 354, before the message itself
  Dialog f;
  f.c.send(msg({"bob@example.com"}));
  f.open();
  f.feed("250 Ok\r\n250 Ok\r\n354 go\r\n250 2.0.0 Ok: queued\r\n");
  EXPECT_TRUE(f.done.empty());
  ASSERT_EQ(f.failed.size(), 1u);
  EXPECT_EQ(f.failed[0].stage, ClientStage::Connection);
  EXPECT_TRUE(f.closed);
}

TEST(ClientSession, MalformedReplies) {
  for (std::string_view bad : {"hello\r\n", "250 ok\n", "250-a\r\n251 b\r\n", "2500 x\r\n",
                               "HTTP/1.1 200 OK\r\n", "099 x\r\n"}) {
    Dialog r;
    r.c.send(msg({"bob@example.com"}));
    r.open();
    EXPECT_EQ(r.feed(bad), "") << bad;
    ASSERT_EQ(r.failed.size(), 1u) << bad;
    EXPECT_EQ(r.failed[0].stage, ClientStage::Mail);
    EXPECT_EQ(r.failed[0].reason.rfind("malformed reply: ", 0), 0u) << r.failed[0].reason;
    EXPECT_TRUE(r.closed);
  }
  Dialog g;
  EXPECT_EQ(g.feed("SSH-2.0-OpenSSH_9.2\r\n"), "");
  EXPECT_EQ(g.failed.at(0).stage, ClientStage::Greeting);
  EXPECT_TRUE(g.closed);
}

TEST(ClientSession, UnexpectedReplyClassesQuit) {
  {
    Dialog r;
    r.c.send(msg({"bob@example.com"}));
    r.open(kEhloLockstep);
    EXPECT_EQ(r.feed("354 what?\r\n"), "QUIT\r\n");  // 3xx to MAIL
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Mail);
  }
  {
    Dialog r;
    r.c.send(msg({"bob@example.com"}));
    r.open();
    EXPECT_EQ(r.feed("250 Ok\r\n250 Ok\r\n250 Ok\r\n"), "QUIT\r\n");  // 250 to DATA
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Data);
  }
}

TEST(ClientSession, RsetRefused) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open(kEhloLockstep);
  r.feed("550 no\r\n");
  EXPECT_EQ(r.feed("500 what\r\n"), "QUIT\r\n");
  EXPECT_EQ(r.failed.at(0).reason, "RSET refused");
}

TEST(ClientSession, EofWhileWaiting) {
  {
    Dialog r;
    r.eof();
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Greeting);
    EXPECT_EQ(r.failed.at(0).reason, "connection closed by server");
    EXPECT_TRUE(r.closed);
  }
  {
    Dialog r;
    r.c.send(msg({"bob@example.com"}));
    r.open();
    r.feed("250 Ok\r\n250 Ok\r\n354 go\r\n");
    r.feed("250 2.0");  // half a reply, then the line drops
    EXPECT_EQ(r.eof(), "");
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Body);
    EXPECT_TRUE(r.done.empty());
    EXPECT_TRUE(r.closed);
  }
  {
    Dialog r;
    r.open();
    r.eof();  // the server went away while we were idle
    EXPECT_EQ(r.failed.at(0).stage, ClientStage::Connection);
    EXPECT_TRUE(r.closed);
  }
}

TEST(ClientSession, TimeoutClosesWithoutQuit) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.open();
  r.feed("250 Ok\r\n250 Ok\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Data);
  r.c.timeout();
  EXPECT_EQ(r.pump(), "");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].stage, ClientStage::Data);
  EXPECT_EQ(r.failed[0].reason, "timeout");
  EXPECT_TRUE(r.closed);
  r.c.timeout();  // no effect once closed
  EXPECT_EQ(r.failed.size(), 1u);
}

TEST(ClientSession, CurrentTimeoutFollowsRfc5321) {
  ClientConfig cfg = auth_config();
  cfg.tls = TlsMode::StartTlsIfOffered;
  Dialog r(cfg);
  r.c.send(msg({"bob@example.com"}));
  EXPECT_EQ(r.c.current_timeout(), 5min);  // greeting
  r.feed(kGreeting);
  EXPECT_EQ(r.c.current_timeout(), 5min);  // EHLO
  r.feed("250-mail.example.com\r\n250-STARTTLS\r\n250 PIPELINING\r\n");
  EXPECT_EQ(r.c.current_timeout(), 5min);  // STARTTLS
  r.feed("220 go\r\n");
  r.c.tls_established();
  r.pump();
  r.feed(ehlo_with_auth("PLAIN"));
  EXPECT_EQ(r.c.state(), ClientState::Auth);
  EXPECT_EQ(r.c.current_timeout(), 5min);
  r.feed("235 ok\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Mail);
  EXPECT_EQ(r.c.current_timeout(), 5min);  // MAIL
  r.feed("250 Ok\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Rcpt);
  EXPECT_EQ(r.c.current_timeout(), 5min);  // RCPT
  r.feed("250 Ok\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Data);
  EXPECT_EQ(r.c.current_timeout(), 2min);  // DATA initiation
  r.feed("354 go\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Body);
  EXPECT_EQ(r.c.current_timeout(), 10min);  // DATA termination
  EXPECT_EQ(ClientSession::data_block_timeout(), 3min);
  r.feed("250 Ok\r\n");
  EXPECT_EQ(r.c.state(), ClientState::Idle);
  EXPECT_EQ(r.c.current_timeout(), std::nullopt);
  r.c.finish();
  EXPECT_EQ(r.c.current_timeout(), 5min);  // QUIT
  r.feed("221 bye\r\n");
  EXPECT_EQ(r.c.current_timeout(), std::nullopt);
}

// ---------------------------------------------------------------------------------------
// Byte boundaries: however the server's bytes are cut, the client does the same thing.

struct Script {
  ClientConfig cfg;
  std::vector<OutgoingMessage> messages;
  std::vector<std::string> turns;  // what the server has sent by the time the client waits
};

std::string play(
    const Script& s,
    const std::function<std::vector<std::string_view>(std::size_t, std::string_view)>& cut) {
  Dialog r(s.cfg);
  for (const auto& m : s.messages) r.c.send(m);
  r.c.finish();
  for (std::size_t t = 0; t < s.turns.size(); ++t) {
    for (auto piece : cut(t, s.turns[t])) r.feed(piece);
    if (r.c.state() == ClientState::TlsHandshake) {
      r.c.tls_established();
      r.pump();
    }
  }
  std::string log = r.wire + "\n";
  for (const auto& d : r.done) log += summary(d) + "\n";
  for (const auto& f : r.failed)
    log += fmt::format("failed {} {}\n", stage_name(f.stage), f.reason);
  for (const auto& t : r.rec.transitions) log += t + "\n";
  for (const auto& l : r.rec.in) log += "< " + l + "\n";
  log += r.closed ? "closed" : "open";
  return log;
}

void check_every_split(const Script& s) {
  const std::string whole =
      play(s, [](std::size_t, std::string_view t) { return std::vector<std::string_view>{t}; });
  ASSERT_NE(whole.find("closed"), std::string::npos) << whole;
  for (std::size_t turn = 0; turn < s.turns.size(); ++turn) {
    for (std::size_t at = 1; at < s.turns[turn].size(); ++at) {
      const std::string split = play(s, [&](std::size_t t, std::string_view bytes) {
        if (t != turn) return std::vector<std::string_view>{bytes};
        return std::vector<std::string_view>{bytes.substr(0, at), bytes.substr(at)};
      });
      ASSERT_EQ(split, whole) << "turn " << turn << " split at " << at;
    }
  }
  const std::string trickle = play(s, [](std::size_t, std::string_view bytes) {
    std::vector<std::string_view> v;
    for (std::size_t i = 0; i < bytes.size(); ++i) v.push_back(bytes.substr(i, 1));
    return v;
  });
  EXPECT_EQ(trickle, whole);
}

TEST(ClientSession, EveryByteSplitPipelined) {
  Script s;
  s.messages = {msg({"bob@example.com", "carol@example.com", "dave@example.com"}, "a\n.\nb"),
                msg({"erin@example.com"})};
  s.turns = {std::string(kGreeting),
             std::string(kEhloPipelining),
             "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450 4.2.0 busy\r\n550 5.1.1 no\r\n354 go\r\n",
             "250 2.0.0 Ok: queued as 1\r\n",
             "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n",
             "451-4.3.0 local error\r\n451 4.3.0 try again\r\n",
             "221 2.0.0 Bye\r\n"};
  check_every_split(s);
}

TEST(ClientSession, EveryByteSplitLockstepWithAuthAndTls) {
  Script s;
  s.cfg = auth_config(SaslMechanism::Login);
  s.cfg.tls = TlsMode::StartTlsRequired;
  s.messages = {msg({"bob@example.com", "carol@example.com"}), msg({"dave@example.com"})};
  s.turns = {std::string(kGreeting),
             "250-mail.example.com\r\n250-STARTTLS\r\n250 SIZE 100000\r\n",
             "220 2.0.0 Ready to start TLS\r\n",
             "250-mail.example.com\r\n250-AUTH LOGIN PLAIN\r\n250 SIZE 100000\r\n",
             "334 VXNlcm5hbWU6\r\n",
             "334 UGFzc3dvcmQ6\r\n",
             "235 2.7.0 Authentication successful\r\n",
             "250 2.1.0 Ok\r\n",
             "550 5.1.1 no\r\n",
             "250 2.1.5 Ok\r\n",
             "354 go\r\n",
             "250 2.0.0 Ok\r\n",
             "553 5.7.1 sender rejected\r\n",
             "250 2.0.0 Ok\r\n",
             "221 2.0.0 Bye\r\n"};
  check_every_split(s);
}

// ---------------------------------------------------------------------------------------
// The machine as data

TEST(ClientSession, TableIsConsistent) {
  const auto& spec = client_machine_spec();
  EXPECT_EQ(spec.states.size(), static_cast<std::size_t>(ClientState::Closed) + 1);
  for (const auto& s : spec.states) {
    EXPECT_FALSE(s.name.empty());
    EXPECT_FALSE(s.caption.empty());
  }
  for (std::size_t i = 0; i < spec.transitions.size(); ++i) {
    const auto& t = spec.transitions[i];
    EXPECT_NO_THROW(spec.state(t.from));
    EXPECT_NO_THROW(spec.state(t.to));
    EXPECT_NE(t.from, t.to);
    EXPECT_NE(t.from, static_cast<int>(ClientState::Closed));
    for (std::size_t j = i + 1; j < spec.transitions.size(); ++j) {
      const auto& u = spec.transitions[j];
      EXPECT_FALSE(t.from == u.from && t.to == u.to && t.trigger == u.trigger)
          << "duplicate row " << t.trigger;
    }
  }
  const std::string dot = proto::render_dot(spec, static_cast<int>(ClientState::Rcpt), "MAIL 250");
  EXPECT_NE(dot.find("waiting for the RCPT replies"), std::string::npos);
  EXPECT_NE(dot.find("penwidth"), std::string::npos);
}

// A seeded random server, mostly plausible for the state the client is in, sometimes
// faulty (421, garbage, two replies at once, timeout, EOF), against every configuration.
// Each move must be in the table (enter() throws otherwise), EOF always ends in Closed, and
// every row of the table is reached: the table has no dead rows.
TEST(ClientSession, RandomServersReachEveryRowAndNeverLeaveTheTable) {
  using Pool = std::vector<std::string>;
  const std::map<ClientState, Pool> plausible = {
      {ClientState::Greeting, {"220 mail.example.com ESMTP\r\n", "554 5.3.2 go away\r\n"}},
      {ClientState::Ehlo,
       {"250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n"
        "250 AUTH PLAIN LOGIN CRAM-MD5\r\n",
        "250-mail.example.com\r\n250-PIPELINING\r\n250 AUTH LOGIN\r\n",
        "250-mail.example.com\r\n250 STARTTLS\r\n", "250 mail.example.com\r\n",
        "500 5.5.2 unknown\r\n", "451 4.3.0 later\r\n", "354 what\r\n"}},
      {ClientState::Helo, {"250 mail.example.com\r\n", "501 5.5.4 no\r\n", "354 what\r\n"}},
      {ClientState::StartTls, {"220 2.0.0 go ahead\r\n", "454 4.7.0 no TLS\r\n", "354 what\r\n"}},
      {ClientState::Auth,
       {"334 VXNlcm5hbWU6\r\n", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
        "334 \r\n", "334 !!\r\n", "235 2.7.0 ok\r\n", "235 2.7.0 ok\r\n", "535 5.7.8 no\r\n",
        "250 what\r\n"}},
      {ClientState::Mail,
       {"250 2.1.0 Ok\r\n", "250 2.1.0 Ok\r\n", "451 4.3.0 later\r\n", "550 5.7.1 no\r\n",
        "354 what\r\n"}},
      {ClientState::Rcpt,
       {"250 2.1.5 Ok\r\n", "250 2.1.5 Ok\r\n", "450 4.2.0 busy\r\n", "452 4.5.3 too many\r\n",
        "550 5.1.1 no\r\n", "354 what\r\n"}},
      {ClientState::Data,
       {"354 go\r\n", "354 go\r\n", "554 5.5.1 no valid recipients\r\n", "451 4.3.0 later\r\n",
        "250 what\r\n"}},
      {ClientState::Body,
       {"250 2.0.0 queued\r\n", "250 2.0.0 queued\r\n", "451 4.3.0 later\r\n",
        "552 5.3.4 too big\r\n", "554 5.5.1 no\r\n", "354 what\r\n"}},
      {ClientState::Rset, {"250 2.0.0 Ok\r\n", "250 2.0.0 Ok\r\n", "500 5.5.2 what\r\n"}},
      {ClientState::Quit, {"221 2.0.0 bye\r\n", "500 5.5.2 what\r\n"}},
      {ClientState::Idle, {"250 surprise\r\n"}},
  };
  const Pool faults = {"421 4.3.2 closing\r\n", "garbage\r\n", "250 bare LF\n"};

  struct Rows : proto::SessionObserver {
    std::set<std::tuple<int, int, std::string>> seen;
    void on_transition(const proto::MachineSpec&, int from, int to,
                       std::string_view trigger) override {
      seen.emplace(from, to, std::string(trigger));
    }
  } rows;

  std::mt19937 rng(20240229);
  // mostly the first (happy) reply of the pool, so that sessions get deep enough
  auto pick = [&rng](ClientState st, const Pool& p) -> const std::string& {
    if (st != ClientState::Auth && rng() % 10 < 7) return p.front();
    return p[rng() % p.size()];
  };
  for (int round = 0; round < 6000; ++round) {
    ClientConfig cfg;
    cfg.use_ehlo = rng() % 6 != 0;
    cfg.use_pipelining = rng() % 2 == 0;
    cfg.tls = static_cast<TlsMode>(rng() % 4);
    if (rng() % 2) cfg.auth_user = "tim";
    if (rng() % 3 == 0) cfg.auth_mechanism = static_cast<SaslMechanism>(rng() % 3);
    cfg.abort_on_refused_recipient = rng() % 4 == 0;
    Dialog d(cfg);
    d.c.set_observer(&rows);
    const int messages = static_cast<int>(rng() % 3);
    for (int i = 0; i < messages; ++i) {
      d.c.send(msg({"a@example.com", "b@example.com"}, rng() % 2 ? "hi\r\n" : "."));
    }
    bool finished = rng() % 2 == 0;
    if (finished) d.c.finish();
    ASSERT_NO_THROW({
      for (int step = 0; step < 80 && !d.closed; ++step) {
        const unsigned what = rng() % 100;
        const ClientState st = d.c.state();
        const Pool* p = plausible.count(st) ? &plausible.at(st) : nullptr;
        if (what < 1) {
          d.c.timeout();
          d.pump();
        } else if (what < 2) {
          d.eof();
        } else if (what < 4) {
          d.feed(faults[rng() % faults.size()]);
        } else if (what < 6 && p) {
          // a plausible reply with another one stuck to it (sent before our next command)
          const std::string& first = pick(st, *p);
          d.feed(first + (rng() % 2 ? "250 2.0.0 extra\r\n" : "421 bye\r\n"));
        } else if (st == ClientState::TlsHandshake) {
          d.c.tls_established();
          d.pump();
        } else if (st == ClientState::Idle && what < 95) {
          if (!finished && what < 70) {
            d.c.send(msg({"c@example.com"}));
          } else {
            finished = true;
            d.c.finish();
          }
          d.pump();
        } else if (p) {
          d.feed(pick(st, *p));
        }
      }
      d.eof();
    }) << "round "
       << round;
    EXPECT_TRUE(d.closed) << "round " << round;
    EXPECT_EQ(d.c.state(), ClientState::Closed);
  }
  const auto& spec = client_machine_spec();
  for (const auto& t : spec.transitions) {
    EXPECT_TRUE(rows.seen.count({t.from, t.to, std::string(t.trigger)}))
        << "never reached: " << spec.state(t.from).name << " -> " << spec.state(t.to).name << " ["
        << t.trigger << "]";
  }
}

TEST(ClientSession, ObserverSeesTransitionsAndLines) {
  Dialog r;
  r.c.send(msg({"bob@example.com"}));
  r.c.finish();
  r.open();
  r.feed("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n");
  r.feed("250 2.0.0 Ok\r\n");
  r.feed("221 2.0.0 Bye\r\n");
  EXPECT_EQ(r.rec.transitions,
            (std::vector<std::string>{"GREETING -> EHLO [220 greeting]", "EHLO -> MAIL [EHLO 250]",
                                      "MAIL -> RCPT [MAIL 250]", "RCPT -> DATA [last RCPT reply]",
                                      "DATA -> BODY [DATA 354]", "BODY -> QUIT [final reply]",
                                      "QUIT -> CLOSED [221 closing]"}));
  EXPECT_EQ(r.rec.in.front(), "220 mail.example.com ESMTP smtpsim");
  EXPECT_EQ(r.rec.in[1], "250-mail.example.com Hello client.example.net");
  EXPECT_EQ(r.rec.in.back(), "221 2.0.0 Bye");
  EXPECT_EQ(r.rec.out.front(), "EHLO client.example.net");
  EXPECT_EQ(r.rec.out.back(), "QUIT");
  EXPECT_TRUE(r.rec.sensitive_out.empty());
}

TEST(ClientSession, StageNames) {
  EXPECT_EQ(stage_name(ClientStage::Greeting), "greeting");
  EXPECT_EQ(stage_name(ClientStage::Body), "end of data");
  EXPECT_EQ(stage_name(ClientStage::Connection), "connection");
}

}  // namespace
}  // namespace smtpsim::smtp
