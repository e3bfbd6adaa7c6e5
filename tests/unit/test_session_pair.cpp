// The client machine against the server machine over an in-memory link (h11's
// ConnectionPair idea): pipelining, lockstep, many transactions per connection, STARTTLS +
// AUTH between the two, 100+ recipients, SIZE, and content surviving stuffing exactly.
#include <gtest/gtest.h>

#include "sim/proto/smtp/session_pair.hpp"

namespace {

using namespace smtpsim::smtp;

struct Stored {
  std::string sender;
  std::vector<std::string> rcpts;
  std::string content;
};

struct PairFixture {
  ServerSession server;
  StaticPolicy policy;
  ClientSession client;
  std::vector<Stored> stored;
  std::vector<std::string> client_chunks;

  PairFixture(ServerConfig s, ClientConfig c) : server(std::move(s)), client(std::move(c)) {
    policy.local_domains = {"example.com"};
    policy.users = {{"alice", "alice"}};
    policy.deliver = [this](const ServerSession&, const Transaction& tx) {
      Stored st{tx.sender.str(), {}, tx.content};
      for (const auto& r : tx.recipients) st.rcpts.push_back(r.str());
      stored.push_back(std::move(st));
      return std::optional<Reply>(Reply{250, "2.0.0", "Ok: queued"});
    };
  }

  // Like run_session_pair, but keeps every chunk the client wrote.
  PairResult run_logging_chunks() {
    PairResult result;
    bool sc = false, cc = false;
    server.start();
    for (int guard = 0; guard < 100000 && !(sc && cc); ++guard) {
      if (auto o = server.take_output(); !o.empty() && !cc) client.receive(o);
      if (sc && !cc) client.receive_eof();
      while (!cc) {
        auto ev = client.next_event();
        if (auto* d = std::get_if<client_event::MessageDone>(&ev)) {
          result.messages.push_back(d->result);
        } else if (std::holds_alternative<client_event::Idle>(ev)) {
          client.finish();
        } else if (std::holds_alternative<client_event::StartTls>(ev)) {
          client.tls_established();
        } else if (auto* f = std::get_if<client_event::Failed>(&ev)) {
          result.failure = *f;
        } else if (std::holds_alternative<client_event::Closed>(ev)) {
          cc = true;
        } else {
          break;
        }
      }
      if (auto o = client.take_output(); !o.empty()) {
        client_chunks.push_back(o);
        if (!sc) server.receive(o);
      }
      if (cc && !sc) server.receive_eof();
      while (!sc) {
        auto ev = drive(server, policy);
        if (std::holds_alternative<server_event::Closed>(ev)) {
          sc = true;
        } else if (std::holds_alternative<server_event::StartTls>(ev)) {
          server.tls_established();
        } else {
          break;
        }
      }
    }
    return result;
  }
};

OutgoingMessage msg(std::string from, std::vector<std::string> to, std::string body) {
  return {std::move(from), std::move(to), std::move(body), false};
}

TEST(SessionPair, PipelinedGroupIsOneWrite) {
  PairFixture p({}, {});
  p.client.send(
      msg("a@example.org", {"b@example.com", "c@example.com"}, "Subject: x\r\n\r\nx\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  ASSERT_EQ(p.stored.size(), 1u);
  bool grouped = false;
  for (const auto& c : p.client_chunks) {
    if (c.find("MAIL FROM:") != std::string::npos) {
      grouped = c.find("RCPT TO:<b@example.com>") != std::string::npos &&
                c.find("RCPT TO:<c@example.com>") != std::string::npos &&
                c.find("DATA\r\n") != std::string::npos;
    }
  }
  EXPECT_TRUE(grouped) << "MAIL, RCPT, RCPT, DATA were not sent as one pipelined group";
}

TEST(SessionPair, LockstepWhenServerOffersNoPipelining) {
  ServerConfig s;
  s.pipelining = false;
  PairFixture p(s, {});
  p.client.send(msg("a@example.org", {"b@example.com", "c@example.com"}, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  ASSERT_EQ(p.stored.size(), 1u);
  for (const auto& c : p.client_chunks) {
    if (c.rfind("MAIL", 0) == 0 || c.rfind("RCPT", 0) == 0) {
      EXPECT_EQ(c.find("\r\n"), c.size() - 2) << "more than one command in a write: " << c;
    }
  }
  EXPECT_EQ(p.server.state(), ServerState::Closed);  // no 554 synchronization error
}

TEST(SessionPair, FiftyTransactionsOnOneConnectionArriveInOrderAndIntact) {
  PairFixture p({}, {});
  for (int i = 0; i < 50; ++i) {
    p.client.send(msg(i % 7 == 0 ? "" : "a@example.org", {"b@example.com"},
                      "Subject: " + std::to_string(i) + "\r\n\r\n.\r\n..\r\n.x\r\nend\r\n"));
  }
  const auto r = p.run_logging_chunks();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  ASSERT_EQ(r.messages.size(), 50u);
  ASSERT_EQ(p.stored.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(r.messages[i].index, static_cast<std::size_t>(i));
    EXPECT_TRUE(r.messages[i].all_delivered());
    EXPECT_EQ(p.stored[i].sender, i % 7 == 0 ? "" : "a@example.org");
    EXPECT_EQ(p.stored[i].content,
              "Subject: " + std::to_string(i) + "\r\n\r\n.\r\n..\r\n.x\r\nend\r\n");
  }
}

TEST(SessionPair, ContentRoundTripsExactlyWhateverItsLineEnds) {
  PairFixture p({}, {});
  p.client.send(msg("a@example.org", {"b@example.com"}, "a\nb\r\n.\n\n..\nno newline at end"));
  const auto r = p.run_logging_chunks();
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].content, "a\r\nb\r\n.\r\n\r\n..\r\nno newline at end\r\n");
}

TEST(SessionPair, MixedRecipientOutcomesAreReportedPerRecipient) {
  PairFixture p({}, {});
  p.policy.mailboxes = {"bob@example.com"};
  p.client.send(
      msg("a@example.org", {"bob@example.com", "nobody@example.com", "x@example.net"}, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_EQ(r.messages.size(), 1u);
  const auto& rr = r.messages[0].recipients;
  ASSERT_EQ(rr.size(), 3u);
  EXPECT_EQ(rr[0].status, RecipientStatus::Accepted);
  EXPECT_EQ(rr[0].reply.code, 250);
  EXPECT_EQ(rr[1].status, RecipientStatus::Permanent);
  EXPECT_EQ(rr[1].reply.enhanced, "5.1.1");
  EXPECT_EQ(rr[2].status, RecipientStatus::Permanent);
  EXPECT_EQ(rr[2].reply.enhanced, "5.7.1");  // relay denied
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].rcpts, std::vector<std::string>{"bob@example.com"});
}

TEST(SessionPair, HundredAndFiftyRecipientsAllAccepted) {
  PairFixture p({}, {});
  std::vector<std::string> to;
  for (int i = 0; i < 150; ++i) to.push_back("user" + std::to_string(i) + "@example.com");
  p.client.send(msg("a@example.org", to, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].rcpts.size(), 150u);
  EXPECT_TRUE(r.messages[0].all_delivered());
}

TEST(SessionPair, RecipientsPastTheLimitAreTemporaryAndTheRestDelivered) {
  ServerConfig s;
  s.max_recipients = 100;
  PairFixture p(s, {});
  std::vector<std::string> to;
  for (int i = 0; i < 103; ++i) to.push_back("user" + std::to_string(i) + "@example.com");
  p.client.send(msg("a@example.org", to, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0].rcpts.size(), 100u);
  const auto& rr = r.messages[0].recipients;
  for (int i = 100; i < 103; ++i) {
    EXPECT_EQ(rr[i].status, RecipientStatus::Temporary);
    EXPECT_EQ(rr[i].reply.code, 452);
  }
}

TEST(SessionPair, DeclaredSizeOverTheLimitIsRefusedAtMail) {
  ServerConfig s;
  s.max_message_size = 100;
  PairFixture p(s, {});
  p.client.send(msg("a@example.org", {"b@example.com"}, std::string(500, 'x') + "\r\n"));
  p.client.send(msg("a@example.org", {"b@example.com"}, "small\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_EQ(r.messages.size(), 2u);
  ASSERT_TRUE(r.messages[0].failure);
  EXPECT_EQ(r.messages[0].failure->code, 552);
  EXPECT_EQ(r.messages[0].recipients[0].status, RecipientStatus::Permanent);
  EXPECT_TRUE(r.messages[1].all_delivered());  // the connection goes on after RSET
  ASSERT_EQ(p.stored.size(), 1u);
}

TEST(SessionPair, SubmissionWithStartTlsAndEachAuthMechanism) {
  for (auto mech : {SaslMechanism::Plain, SaslMechanism::Login, SaslMechanism::CramMd5}) {
    ServerConfig s;
    s.starttls_available = true;
    s.auth_enabled = true;
    s.auth_required = true;
    s.tls_required = true;
    ClientConfig c;
    c.tls = TlsMode::StartTlsRequired;
    c.auth_user = "alice";
    c.auth_password = "alice";
    c.auth_mechanism = mech;
    PairFixture p(s, c);
    p.client.send(msg("alice@example.com", {"carol@example.net"}, "relayed\r\n"));
    const auto r = p.run_logging_chunks();
    ASSERT_FALSE(r.failure) << mechanism_name(mech) << ": " << r.failure->reason;
    ASSERT_EQ(p.stored.size(), 1u) << mechanism_name(mech);
    EXPECT_TRUE(p.client.tls_active());
    EXPECT_TRUE(p.client.authenticated());
    // Credentials only after STARTTLS: no AUTH in any chunk before the STARTTLS one.
    bool tls_seen = false;
    for (const auto& ch : p.client_chunks) {
      if (ch.find("STARTTLS") != std::string::npos) tls_seen = true;
      if (ch.find("AUTH") != std::string::npos) {
        EXPECT_TRUE(tls_seen) << mechanism_name(mech);
      }
    }
  }
}

TEST(SessionPair, WrongPasswordFailsAtAuthAndNothingIsSent) {
  ServerConfig s;
  s.auth_enabled = true;
  s.auth_required = true;
  s.plaintext_auth_needs_tls = false;
  ClientConfig c;
  c.auth_user = "alice";
  c.auth_password = "wrong";
  PairFixture p(s, c);
  p.client.send(msg("alice@example.com", {"b@example.com"}, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage, ClientStage::Auth);
  ASSERT_TRUE(r.failure->reply);
  EXPECT_EQ(r.failure->reply->code, 535);
  EXPECT_TRUE(p.stored.empty());
}

TEST(SessionPair, StartTlsRequiredButNotOfferedFailsBeforeAnyMail) {
  ClientConfig c;
  c.tls = TlsMode::StartTlsRequired;
  PairFixture p({}, c);
  p.client.send(msg("a@example.org", {"b@example.com"}, "x\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage, ClientStage::StartTls);
  EXPECT_TRUE(p.stored.empty());
  for (const auto& ch : p.client_chunks) EXPECT_EQ(ch.find("MAIL"), std::string::npos);
}

TEST(SessionPair, HeloOnlyClientStillDelivers) {
  ClientConfig c;
  c.use_ehlo = false;
  PairFixture p({}, c);
  p.client.send(msg("a@example.org", {"b@example.com", "c@example.com"}, "x\r\n"));
  p.client.send(msg("a@example.org", {"b@example.com"}, "y\r\n"));
  const auto r = p.run_logging_chunks();
  ASSERT_FALSE(r.failure) << r.failure->reason;
  EXPECT_EQ(p.stored.size(), 2u);
}

}  // namespace
