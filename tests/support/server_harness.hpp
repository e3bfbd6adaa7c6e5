// Test support: one ServerSession owned by a StaticPolicy, fed client "turns" (what a client
// sends before it waits for a reply). Collects everything the server wrote and every message
// it accepted, so tests can compare runs byte for byte. Header-only, tests only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/smtp/server_policy.hpp"

namespace smtpsim::testing {

struct Delivered {
  std::string sender;
  std::vector<std::string> recipients;
  std::string content;
  bool operator==(const Delivered&) const = default;
};

struct ServerRun {
  smtp::ServerSession server;
  smtp::StaticPolicy policy;
  std::string output;                // everything the server sent
  std::vector<Delivered> delivered;  // every message it accepted (250 after ".")
  bool closed = false;
  int tls_starts = 0;

  explicit ServerRun(smtp::ServerConfig cfg = {}) : server(std::move(cfg)) {
    policy.users = {{"alice", "alice"}, {"bob", "bob"}};
    policy.deliver = [this](const smtp::ServerSession&, const smtp::Transaction& tx) {
      Delivered d{tx.sender.str(), {}, tx.content};
      for (const auto& r : tx.recipients) d.recipients.push_back(r.str());
      delivered.push_back(std::move(d));
      return std::optional<smtp::Reply>(smtp::Reply{250, "2.0.0", "Ok: queued"});
    };
  }

  void start() {
    server.start();
    output += server.take_output();
  }

  // Feeds bytes (one TCP segment) and lets the server answer everything it can.
  void feed(std::string_view bytes) {
    if (closed) return;
    server.receive(bytes);
    pump();
  }

  void eof() {
    server.receive_eof();
    pump();
  }

  void pump() {
    while (!closed) {
      auto ev = smtp::drive(server, policy);
      output += server.take_output();
      if (std::holds_alternative<smtp::server_event::Closed>(ev)) {
        closed = true;
      } else if (std::holds_alternative<smtp::server_event::StartTls>(ev)) {
        ++tls_starts;
        server.tls_established();  // a real driver would handshake here
      } else {
        break;
      }
    }
  }

  // Feeds each turn as one segment.
  void run(const std::vector<std::string>& turns) {
    start();
    for (const auto& t : turns) feed(t);
  }
};

// Every way of cutting each turn in two (and byte-by-byte), for the split tests.
template <typename F>
void for_each_split(const std::vector<std::string>& turns, F&& f) {
  for (std::size_t t = 0; t < turns.size(); ++t) {
    for (std::size_t cut = 1; cut < turns[t].size(); ++cut) {
      std::vector<std::string> segs;
      for (std::size_t i = 0; i < turns.size(); ++i) {
        if (i == t) {
          segs.push_back(turns[i].substr(0, cut));
          segs.push_back(turns[i].substr(cut));
        } else {
          segs.push_back(turns[i]);
        }
      }
      f(segs, t, cut);
    }
  }
}

}  // namespace smtpsim::testing
