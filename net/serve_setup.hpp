// What `smtpsim serve` and `smtpsim gui --serve` share (issue 7): which host of a scenario
// gets the real ports, and the banner that tells a class where to point its mail clients
// (ports, users and passwords, the certificate to trust). Trusts the Spec (already loaded).
#pragma once

#include <string>
#include <vector>

#include "net/live_server.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::net {

// The provider whose services get the real ports: the one delivering example.com, else the
// first host with an MSA, else the first with an MTA or MDA; nullptr when there is none.
const scenario::HostSpec* pick_provider(const scenario::Spec& spec);

// "127.0.0.1:3025", "[::1]:3025".
std::string host_port(const std::string& address, std::uint16_t port);

// "alice@example.com / alice" for every user of the provider: who can log in on the real
// ports. (The banner and the GUI strip list them.)
std::vector<std::string> provider_users(const scenario::Spec& spec, const std::string& provider);
// Users of the other hosts, "carol@example.net / carol on mx.example.net": they exist in the
// simulation only (mail reaches them through it), not on the real ports.
std::vector<std::string> simulated_users(const scenario::Spec& spec, const std::string& provider);

// The banner printed at start: a title line, one line per port, the users, the certificate
// and how to stop. `program` names the command ("smtpsim serve"); `relay` (live relay:
// where mail for other domains goes) and `state_dir` (where accepted mail is kept) are lines
// of their own when not empty; without a state dir the banner says mail is not kept.
std::string serve_banner(const std::string& program, const scenario::Spec& spec,
                         const std::string& provider, const std::string& listen,
                         const std::vector<ServedPort>& ports, const std::string& cert,
                         const std::string& relay = {}, const std::string& state_dir = {});

}  // namespace smtpsim::net
