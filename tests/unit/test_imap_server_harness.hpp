// Test harness for the IMAP server machine (tests/unit/test_imap_server_*.cpp): a store with
// known messages, a driver that feeds bytes and answers Auth from a password table, and the
// "same output however the bytes are cut" check.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/server_session.hpp"

namespace smtpsim::imap::imaptest {

// 2023-11-14 22:13:20 UTC
inline constexpr std::int64_t kDate = 1'700'000'000'000'000;

inline const std::string kMsg1 =
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.net>, carol@example.org\r\n"
    "Cc: \"Smith, Dave\" <dave@example.com>\r\n"
    "Subject: Hello there\r\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "\r\n"
    "Body one\r\n";
inline const std::string kMsg2 = "Subject: second\r\n\r\nno from here\r\n";
inline std::string numbered(int n) {
  return "From: bob@example.net\r\nSubject: message " + std::to_string(n) + "\r\n\r\ntext " +
         std::to_string(n) + "\r\n";
}

// alice's INBOX: kMsg1, kMsg2, then messages 3..count (UIDs 1..count); bob is empty.
inline void fill(mail::MailStore& store, int count = 5) {
  store.add_user("alice");
  store.add_user("bob");
  for (int i = 1; i <= count; ++i) {
    const std::string c = i == 1 ? kMsg1 : i == 2 ? kMsg2 : numbered(i);
    store.deliver("alice", c, kDate + (i - 1) * 1'000'000);
  }
}

struct ImapRun {
  mail::MailStore& store;
  ServerSession s;
  std::string output;  // everything said so far
  bool closed = false;
  bool start_tls = false;
  std::map<std::string, std::string> passwords{{"alice", "alice"}, {"bob", "bob"}};
  std::vector<server_event::Auth> auths;

  explicit ImapRun(mail::MailStore& st, ServerConfig cfg = {}) : store(st), s(std::move(cfg), st) {
    s.set_now(kDate);
  }
  void start() {
    s.start();
    output += s.take_output();
  }
  // Drives until the machine needs data; returns what it said.
  std::string pump() {
    std::string said;
    while (true) {
      auto ev = s.next_event();
      if (auto* a = std::get_if<server_event::Auth>(&ev)) {
        auths.push_back(*a);
        auto it = passwords.find(a->user);
        if (it != passwords.end() && it->second == a->password) {
          s.accept();
        } else {
          s.reject();
        }
        continue;
      }
      said += s.take_output();
      if (std::holds_alternative<server_event::Closed>(ev)) closed = true;
      if (std::holds_alternative<server_event::StartTls>(ev)) {
        start_tls = true;
        continue;  // the test decides when the handshake completes
      }
      break;
    }
    output += said;
    return said;
  }
  std::string send(std::string_view bytes) {
    s.receive(bytes);
    return pump();
  }
  std::string eof() {
    s.receive_eof();
    return pump();
  }
  // Logged in as alice with INBOX selected; the output so far is dropped.
  ImapRun& login_select(std::string_view user = "alice", std::string_view box = "INBOX") {
    start();
    send("l1 LOGIN " + std::string(user) + " " + std::string(user) + "\r\n");
    send("s1 SELECT " + std::string(box) + "\r\n");
    output.clear();
    return *this;
  }
};

inline bool contains(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

// Feeds `input` whole, then split in two at every byte boundary (and one byte at a time),
// each time on a fresh store; every run must say exactly the same.
inline void expect_split_invariant(const std::string& input, ServerConfig cfg = {}) {
  auto run = [&](const std::vector<std::string>& pieces) {
    mail::MailStore store;
    fill(store);
    ImapRun r(store, cfg);
    r.start();
    for (const auto& p : pieces) r.send(p);
    r.eof();
    return r.output;
  };
  const std::string whole = run({input});
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    const std::string got = run({input.substr(0, cut), input.substr(cut)});
    ASSERT_EQ(got, whole) << "input cut at byte " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : input) bytes.emplace_back(1, c);
  ASSERT_EQ(run(bytes), whole) << "input fed one byte at a time";
}

}  // namespace smtpsim::imap::imaptest
