// Test harness for the POP3 machines: a server run that answers Auth from a secrets map,
// records events and what the observer saw, and a standard two-message maildrop.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/proto/mail/mail_store.hpp"
#include "sim/proto/pop3/server_session.hpp"

namespace smtpsim::testing {

// Message 1 has a body line starting with "." (dot-stuffing); message 2 has three lines.
inline const std::string kPop3Msg1 =
    "From: bob@example.com\r\nSubject: one\r\n\r\nHello\r\n.hidden dot\r\n";
inline const std::string kPop3Msg2 = "Subject: two\r\n\r\nline1\r\nline2\r\nline3\r\n";

inline void seed_pop3_store(mail::MailStore& store) {
  store.add_user("alice");
  store.deliver("alice", kPop3Msg1, 1);
  store.deliver("alice", kPop3Msg2, 2);
}

struct Pop3Recorder : proto::SessionObserver {
  std::vector<std::string> transitions, lines_in, lines_out;
  std::vector<bool> in_sensitive;
  void on_transition(const proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    transitions.push_back(std::string(spec.state(from).name) + "->" +
                          std::string(spec.state(to).name) + " [" + std::string(trigger) + "]");
  }
  void on_line_in(std::string_view line, bool sensitive) override {
    lines_in.emplace_back(line);
    in_sensitive.push_back(sensitive);
  }
  void on_line_out(std::string_view line, bool /*sensitive*/) override {
    lines_out.emplace_back(line);
  }
};

struct Pop3ServerRun {
  mail::MailStore store;
  pop3::ServerConfig cfg;
  std::map<std::string, std::string> secrets{{"alice", "secret"}};
  std::optional<std::string> reject_text;  // reject() with this text instead of the default
  bool auto_tls = true;                    // tls_established() right after StartTls
  std::unique_ptr<pop3::ServerSession> s;
  Pop3Recorder rec;
  std::string out;
  bool closed = false;
  int tls_starts = 0, auths = 0;
  std::vector<std::vector<std::uint32_t>> updates;

  Pop3ServerRun() { seed_pop3_store(store); }

  void begin() {
    s = std::make_unique<pop3::ServerSession>(cfg, store);
    s->set_observer(&rec);
    s->start();
    pump();
  }
  void pump() {
    while (true) {
      auto ev = s->next_event();
      if (auto* a = std::get_if<pop3::server_event::Auth>(&ev)) {
        ++auths;
        auto it = secrets.find(a->user);
        if (it != secrets.end() && a->password_matches(it->second)) {
          s->accept();
        } else {
          s->reject(reject_text);
        }
        continue;
      }
      if (auto* u = std::get_if<pop3::server_event::Update>(&ev)) {
        updates.push_back(u->deleted);
        continue;
      }
      out += s->take_output();
      if (std::holds_alternative<pop3::server_event::StartTls>(ev)) {
        ++tls_starts;
        if (!auto_tls) return;
        s->tls_established();
        continue;
      }
      if (std::holds_alternative<pop3::server_event::Closed>(ev)) closed = true;
      return;
    }
  }
  void feed(std::string_view bytes) {
    s->receive(bytes);
    pump();
  }
  // What the server answered to these bytes.
  std::string say(std::string_view bytes) {
    const std::size_t before = out.size();
    feed(bytes);
    return out.substr(before);
  }
  void eof() {
    s->receive_eof();
    pump();
  }
  void login() {
    begin();
    say("USER alice\r\nPASS secret\r\n");
    ASSERT_EQ(s->state(), pop3::ServerState::Transaction);
  }
  const mail::Folder& inbox() const { return *store.folder("alice", "INBOX"); }
};

}  // namespace smtpsim::testing
