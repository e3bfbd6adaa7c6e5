// Test support: small scenarios built in code (the shipped ones live in lessons/scenarios/).
#pragma once

#include "sim/scenario/spec.hpp"

namespace smtpsim::testing {

// example.com (MSA+MTA+MDA, alice/bob), example.net (MTA+MDA, carol), a DNS host, a laptop
// for alice. DESIGN.md's default scenario, minus what tests do not need.
inline scenario::Spec two_providers() {
  scenario::Spec s;
  s.name = "two-providers";
  s.hosts.push_back({.name = "mail.example.com",
                     .address = "203.0.113.25",
                     .roles = {"MSA", "MTA", "MDA"},
                     .domains = {"example.com"},
                     .users = {{"alice", "alice"}, {"bob", "bob"}}});
  s.hosts.push_back({.name = "mx.example.net",
                     .address = "198.51.100.25",
                     .roles = {"MTA", "MDA"},
                     .domains = {"example.net"},
                     .users = {{"carol", "carol"}}});
  s.hosts.push_back({.name = "ns.example", .address = "192.0.2.53", .roles = {"DNS"}});
  s.hosts.push_back({.name = "alice-laptop",
                     .address = "192.0.2.10",
                     .roles = {"MUA"},
                     .mua = scenario::MuaSettings{"alice@example.com", "alice", "alice",
                                                  "mail.example.com", 587}});
  s.dns = {{"example.com", "MX", 10, "mail.example.com"},
           {"mail.example.com", "A", 0, "203.0.113.25"},
           {"example.net", "MX", 10, "mx.example.net"},
           {"mx.example.net", "A", 0, "198.51.100.25"}};
  return s;
}

inline scenario::Action send_action(std::int64_t at, std::string from_host,
                                    std::vector<std::string> to, std::string subject) {
  scenario::Action a;
  a.at_us = at;
  a.kind = "send";
  a.host = std::move(from_host);
  a.to = std::move(to);
  a.subject = std::move(subject);
  a.body = "Hello!\n";
  return a;
}

// A fault or other host-level action ("host_down", "host_up", "dns_servfail", ...).
inline scenario::Action host_action(std::int64_t at, std::string kind, std::string host) {
  scenario::Action a;
  a.at_us = at;
  a.kind = std::move(kind);
  a.host = std::move(host);
  return a;
}

}  // namespace smtpsim::testing
