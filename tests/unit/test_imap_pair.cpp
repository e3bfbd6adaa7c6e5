// The IMAP client machine against the IMAP server machine, in memory, on one mail store:
// login both ways (LOGIN after STARTTLS, AUTHENTICATE PLAIN with SASL-IR), SELECT, FETCH,
// STORE, SEARCH, APPEND to Sent, EXPUNGE, and two sessions of one user seeing each other's
// changes — the second one while in IDLE (RFC 3501 §5.2, RFC 2177).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/proto/imap/client_session.hpp"
#include "sim/proto/imap/server_session.hpp"
#include "sim/proto/mail/mail_store.hpp"

namespace {

using namespace smtpsim;
namespace ce = imap::client_event;

// One client and one server joined by an in-memory link.
struct Pair {
  Pair(mail::MailStore& store, imap::ClientConfig cc, bool tls_on_server = false)
      : client(std::move(cc)), server(server_config(tls_on_server), store) {
    server.start();
    client.start();
  }
  static imap::ServerConfig server_config(bool starttls) {
    imap::ServerConfig c;
    c.starttls_available = starttls;
    return c;
  }

  // Move bytes both ways until neither side has anything to say.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (;;) {
        auto ev = server.next_event();
        if (auto* a = std::get_if<imap::server_event::Auth>(&ev)) {
          if (a->password == "secret-" + a->user) {
            server.accept();
          } else {
            server.reject();
          }
          continue;
        }
        if (std::holds_alternative<imap::server_event::StartTls>(ev)) {
          std::string out = server.take_output();
          if (!out.empty()) client.receive(out);
          server.tls_established();
          moved = true;
          continue;
        }
        break;
      }
      if (std::string out = server.take_output(); !out.empty()) {
        client.receive(out);
        moved = true;
      }
      while (!closed) {
        auto ev = client.next_event();
        if (std::holds_alternative<ce::NeedData>(ev)) break;
        if (std::holds_alternative<ce::StartTls>(ev)) {
          if (std::string out = client.take_output(); !out.empty()) server.receive(out);
          client.tls_established();
          moved = true;
          continue;
        }
        closed = std::holds_alternative<ce::Closed>(ev);  // the machine's last word
        events.push_back(std::move(ev));
      }
      if (std::string out = client.take_output(); !out.empty()) {
        server.receive(out);
        moved = true;
      }
      if (!moved) return;
    }
    FAIL() << "the pair did not settle";
  }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    return out;
  }
  ce::Completed completed(std::uint32_t id) const {
    for (const auto& c : all<ce::Completed>())
      if (c.id == id) return c;
    ADD_FAILURE() << "command " << id << " did not complete";
    return {};
  }
  bool ok(std::uint32_t id) const { return completed(id).status == ce::Completed::Status::Ok; }

  imap::ClientSession client;
  imap::ServerSession server;
  std::vector<imap::ClientEvent> events;
  bool closed = false;
};

mail::MailStore store_with_mail() {
  mail::MailStore s;
  s.add_user("bob");
  for (const char* subject : {"Lunch", "Slides", "Room"}) {
    s.deliver("bob",
              std::string("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: ") + subject +
                  "\r\n\r\nHello.\r\n",
              1'746'534'200'000'000);
  }
  return s;
}

imap::ClientConfig bob(std::string auth = "LOGIN", imap::TlsMode tls = imap::TlsMode::None) {
  imap::ClientConfig c;
  c.user = "bob";
  c.password = "secret-bob";
  c.auth = std::move(auth);
  c.tls = tls;
  return c;
}

TEST(ImapPair, LoginAfterStartTlsSelectFetchStoreSearch) {
  auto store = store_with_mail();
  Pair p(store, bob("LOGIN", imap::TlsMode::StartTlsRequired), /*tls_on_server=*/true);
  p.pump();
  ASSERT_EQ(p.all<ce::Ready>().size(), 1u);
  EXPECT_TRUE(p.client.tls_active());
  const auto sel = p.client.select("INBOX");
  const auto fetch = p.client.fetch("1:*", "(UID FLAGS ENVELOPE BODY.PEEK[HEADER])");
  const auto store_id = p.client.store("2", "+FLAGS", "(\\Seen)");
  const auto search = p.client.search("UNSEEN");
  p.pump();
  EXPECT_TRUE(p.ok(sel));
  EXPECT_TRUE(p.ok(fetch));
  EXPECT_TRUE(p.ok(store_id));
  EXPECT_TRUE(p.ok(search));
  const auto& view = p.client.view();
  ASSERT_EQ(view.messages.size(), 3u);
  EXPECT_EQ(view.uidvalidity, store.folder("bob", "INBOX")->uidvalidity);
  std::vector<std::string> subjects;
  for (const auto& u : p.all<ce::Untagged>())
    if (auto* f = std::get_if<imap::untagged::Fetch>(&u.response))
      if (f->envelope) subjects.push_back(f->envelope->subject.value_or(""));
  EXPECT_EQ(subjects, (std::vector<std::string>{"Lunch", "Slides", "Room"}));
  std::vector<std::uint32_t> unseen;
  for (const auto& u : p.all<ce::Untagged>())
    if (auto* s = std::get_if<imap::untagged::Search>(&u.response)) unseen = s->numbers;
  EXPECT_EQ(unseen, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(store.folder("bob", "INBOX")->find(2)->flags, unsigned{mail::kSeen});
}

TEST(ImapPair, AuthenticatePlainAppendToSentAndLogout) {
  auto store = store_with_mail();
  Pair p(store, bob("PLAIN"));
  p.pump();
  ASSERT_EQ(p.all<ce::Ready>().size(), 1u);
  const auto app = p.client.append("Sent", "(\\Seen)",
                                   "From: bob@example.com\r\nSubject: Re: Lunch\r\n\r\nYes.\r\n");
  const auto out = p.client.logout();
  p.pump();
  EXPECT_TRUE(p.ok(app));
  EXPECT_TRUE(p.ok(out));
  EXPECT_EQ(p.all<ce::Closed>().size(), 1u);
  const auto* sent = store.folder("bob", "Sent");
  ASSERT_EQ(sent->messages.size(), 1u);
  EXPECT_EQ(sent->messages[0].flags, unsigned{mail::kSeen});
}

TEST(ImapPair, WrongPasswordFailsTheSession) {
  auto store = store_with_mail();
  auto cfg = bob();
  cfg.password = "guess";
  Pair p(store, cfg);
  p.pump();
  EXPECT_TRUE(p.all<ce::Ready>().empty());
  ASSERT_FALSE(p.all<ce::Failed>().empty());
  EXPECT_EQ(p.all<ce::Failed>()[0].stage, "login");
}

TEST(ImapPair, TwoSessionsSeeEachOthersChangesWhileIdling) {
  auto store = store_with_mail();
  Pair laptop(store, bob());
  Pair phone(store, bob("PLAIN"));
  laptop.pump();
  phone.pump();
  laptop.client.select("INBOX");
  laptop.client.fetch("1:*", "(UID FLAGS)");
  phone.client.select("INBOX");
  phone.client.fetch("1:*", "(UID FLAGS)");
  laptop.pump();
  phone.pump();
  phone.client.idle();
  phone.pump();
  ASSERT_EQ(phone.all<ce::Idling>().size(), 1u);

  // The laptop reads message 1 (BODY[] sets \Seen) and deletes message 2.
  laptop.client.fetch("1", "(BODY[])");
  laptop.client.store("2", "+FLAGS", "(\\Deleted)", /*silent=*/true);
  laptop.client.expunge();
  laptop.pump();
  // New mail arrives.
  store.deliver("bob", "Subject: New\r\n\r\nHi.\r\n", 1'746'534'300'000'000);
  phone.server.mailbox_changed();  // what the MDA does for every session of the user
  phone.pump();

  const auto& view = phone.client.view();
  ASSERT_EQ(view.messages.size(), 3u);  // 3 - 1 expunged + 1 new
  EXPECT_EQ(view.messages[0].uid, 1u);
  ASSERT_TRUE(view.messages[0].flags);
  EXPECT_NE(std::find(view.messages[0].flags->begin(), view.messages[0].flags->end(), "\\Seen"),
            view.messages[0].flags->end());
  EXPECT_EQ(view.messages[1].uid, 3u);
  // The phone heard all of it without sending a command: it is still idling.
  EXPECT_EQ(phone.client.state(), imap::ClientState::Idle);
  bool expunge = false;
  for (const auto& u : phone.all<ce::Untagged>())
    expunge = expunge || std::holds_alternative<imap::untagged::Expunge>(u.response);
  EXPECT_TRUE(expunge);

  phone.client.done();
  const auto fetch_new = phone.client.fetch("3", "(UID ENVELOPE)");
  phone.pump();
  EXPECT_TRUE(phone.ok(fetch_new));
  EXPECT_EQ(phone.client.view().messages[2].uid, 4u);
}

}  // namespace
