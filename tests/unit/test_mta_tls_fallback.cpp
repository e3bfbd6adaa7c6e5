// The relay hop's opportunistic TLS when the handshake fails (live relay, issue 7): the MTA
// tries the same server again at once over a new plaintext connection, as Postfix does at
// smtp_tls_security_level=may (RFC 7435 §3), says so in one trace line, and does not defer;
// with the fallback off, that server counts as failed and the mail is deferred. The MX host
// name reaches the real end as the SNI to send (RFC 6066 §3). The real server is a scripted
// SMTP end behind a fake outside gateway whose TLS handshake always fails, as OpenSMTPD's
// does on this machine. Trusts the engine's network; no sockets.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sim/engine/network.hpp"
#include "sim/nodes/mta.hpp"
#include "sim/trace/recorder.hpp"

namespace {

using namespace smtpsim;
using engine::ConnId;
using engine::Side;
using trace::EventKind;

// One real SMTP server connection, scripted: greets, offers STARTTLS, accepts any mail, and
// fails every TLS handshake.
struct ScriptedServer : engine::ConnectionHandler {
  engine::Network& net;
  ConnId id;
  std::string in;
  std::vector<std::string> commands;
  bool in_data = false, tls_asked = false, closed = false;
  int messages = 0;
  std::string sni;

  ScriptedServer(engine::Network& n, ConnId c) : net(n), id(c) {}
  void reply(const std::string& r) { net.send(id, Side::Server, r + "\r\n"); }
  void on_data(ConnId, std::string_view b) override {
    in.append(b);
    for (auto eol = in.find("\r\n"); eol != std::string::npos; eol = in.find("\r\n")) {
      const std::string line = in.substr(0, eol);
      in.erase(0, eol + 2);
      if (in_data) {
        if (line == ".") {
          in_data = false;
          ++messages;
          reply("250 2.0.0 Ok: queued");
        }
        continue;
      }
      commands.push_back(line);
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO") {
        reply("250-mx.example.test\r\n250 STARTTLS");
      } else if (verb == "STAR") {
        reply("220 2.0.0 Ready to start TLS");
      } else if (verb == "DATA") {
        in_data = true;
        reply("354 End data with <CR><LF>.<CR><LF>");
      } else if (verb == "QUIT") {
        reply("221 2.0.0 Bye");
        net.close(id, Side::Server);
      } else {
        reply("250 2.0.0 Ok");
      }
    }
  }
  void on_closed(ConnId) override { closed = true; }
  // What net/live_relay.cpp does when OpenSSL gives up: tell the client, then hang up.
  void on_tls_start(ConnId) override {
    tls_asked = true;
    sni = net.tls_server_name(id);
    net.tls_failed(id, Side::Server, "sslv3 alert handshake failure");
    net.close(id, Side::Server);
  }
};

struct Gateway : engine::OutsideGateway {
  engine::Network& net;
  std::vector<std::unique_ptr<ScriptedServer>> servers;
  explicit Gateway(engine::Network& n) : net(n) {}
  void open(ConnId id, const std::string&, std::uint16_t) override {
    servers.push_back(std::make_unique<ScriptedServer>(net, id));
    ScriptedServer* s = servers.back().get();
    net.queue().schedule_in(0, [this, id, s] {
      net.outside_connected(id, s);
      s->reply("220 mx.example.test ESMTP");
    });
  }
};

// example.test's one MX, on the real network.
struct OneMx : nodes::Resolver {
  engine::EventQueue& q;
  explicit OneMx(engine::EventQueue& queue) : q(queue) {}
  void resolve_mx(const std::string&, std::function<void(nodes::MxAnswer)> done) override {
    q.schedule_in(0, [done] {
      nodes::MxAnswer a;
      a.targets.push_back(nodes::MxTarget{10, "mx.example.test", "127.0.0.1"});
      a.summary = "example.test MX: 10 mx.example.test [127.0.0.1]";
      done(a);
    });
  }
  void lookup(const std::string&, dns::RecordType,
              std::function<void(std::optional<dns::Message>)> done) override {
    q.schedule_in(0, [done] { done(std::nullopt); });
  }
};

struct MtaTlsFallback : ::testing::Test {
  engine::EventQueue q;
  trace::Recorder rec;
  engine::Network net{q, rec};
  engine::Rng rng{1};
  nodes::World world{q, net, rng};
  Gateway gw{net};
  OneMx dns{q};
  std::unique_ptr<nodes::Mta> mta;

  void SetUp() override {
    const auto host = net.add_host("mail.example.com", "203.0.113.25", engine::kMillisecond);
    net.set_outside(&gw);
    mta = std::make_unique<nodes::Mta>(world, host, std::set<std::string>{"example.com"},
                                       nodes::QueueConfig{}, nullptr, &dns);
  }
  void send_one() {
    const std::string id = mta->new_queue_id();
    ASSERT_FALSE(mta->enqueue(id, "alice@example.com", {"someone@example.test"},
                              "Subject: hi\r\n\r\nhello\r\n"));
    q.run_until(q.now() + 60 * engine::kSecond);
  }
  std::vector<const trace::Event*> events(EventKind k, std::string_view part) const {
    std::vector<const trace::Event*> out;
    for (const auto& e : rec.events())
      if (e.kind == k && e.text.find(part) != std::string::npos) out.push_back(&e);
    return out;
  }
};

TEST_F(MtaTlsFallback, FailedHandshakeIsRetriedAtOnceInPlaintext) {
  send_one();
  ASSERT_EQ(gw.servers.size(), 2u);
  const ScriptedServer& first = *gw.servers[0];
  const ScriptedServer& second = *gw.servers[1];
  EXPECT_TRUE(first.tls_asked);
  EXPECT_EQ(first.sni, "mx.example.test");  // the MX name, for the socket's SNI
  EXPECT_EQ(first.messages, 0);
  // The same attempt, without STARTTLS this time, delivers.
  EXPECT_FALSE(second.tls_asked);
  EXPECT_EQ(std::count(second.commands.begin(), second.commands.end(), "STARTTLS"), 0);
  EXPECT_EQ(second.messages, 1);
  EXPECT_EQ(mta->queued_count(), 0u);
  EXPECT_TRUE(events(EventKind::Deferred, "").empty());
  EXPECT_EQ(events(EventKind::Relayed, "relayed to mx.example.test").size(), 1u);
  // One line says that TLS failed, why, and what happens instead.
  const auto said = events(EventKind::Note, "TLS handshake with mx.example.test failed");
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0]->text.find("(sslv3 alert handshake failure); trying it again at once "
                               "without TLS"),
            std::string::npos)
      << said[0]->text;
  EXPECT_EQ(said[0]->detail, "error");
}

TEST_F(MtaTlsFallback, WithoutTheFallbackTheServerCountsAsFailed) {
  mta->set_plaintext_fallback(false);
  send_one();
  ASSERT_GE(gw.servers.size(), 1u);
  EXPECT_TRUE(gw.servers[0]->tls_asked);
  for (const auto& s : gw.servers) EXPECT_EQ(s->messages, 0);
  ASSERT_EQ(mta->queued_count(), 1u);
  const auto& entry = mta->queue().begin()->second;
  ASSERT_EQ(entry.rcpts.size(), 1u);
  EXPECT_NE(entry.rcpts[0].last_error.find("TLS handshake failed: sslv3 alert handshake failure"),
            std::string::npos)
      << entry.rcpts[0].last_error;
  EXPECT_FALSE(events(EventKind::Deferred, "").empty());
  EXPECT_TRUE(events(EventKind::Note, "trying it again").empty());
}

}  // namespace
