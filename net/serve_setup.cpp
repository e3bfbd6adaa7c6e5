// The provider choice and the start banner of live mode.
#include "net/serve_setup.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::net {

const scenario::HostSpec* pick_provider(const scenario::Spec& spec) {
  auto has = [](const scenario::HostSpec& h, std::string_view role) {
    return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
  };
  for (const auto& h : spec.hosts)
    if (std::find(h.domains.begin(), h.domains.end(), "example.com") != h.domains.end() &&
        (has(h, "MTA") || has(h, "MDA")))
      return &h;
  for (const auto& h : spec.hosts)
    if (has(h, "MSA")) return &h;
  for (const auto& h : spec.hosts)
    if (has(h, "MTA") || has(h, "MDA")) return &h;
  return nullptr;
}

namespace {
std::string user_line(const scenario::HostSpec& h, const std::string& user, const std::string& pw) {
  return fmt::format("{}@{} / {}", user, h.domains.empty() ? h.name : h.domains.front(), pw);
}
}  // namespace

std::string host_port(const std::string& address, std::uint16_t port) {
  // RFC 3986 §3.2.2: an IPv6 literal is bracketed, as mail clients expect it written.
  return address.find(':') != std::string::npos ? fmt::format("[{}]:{}", address, port)
                                                : fmt::format("{}:{}", address, port);
}

std::vector<std::string> provider_users(const scenario::Spec& spec, const std::string& provider) {
  std::vector<std::string> out;
  for (const auto& h : spec.hosts)
    if (h.name == provider)
      for (const auto& [user, pw] : h.users) out.push_back(user_line(h, user, pw));
  return out;
}

std::vector<std::string> simulated_users(const scenario::Spec& spec, const std::string& provider) {
  std::vector<std::string> out;
  for (const auto& h : spec.hosts)
    if (h.name != provider)
      for (const auto& [user, pw] : h.users)
        out.push_back(user_line(h, user, pw) + " on " + h.name);
  return out;
}

std::string serve_banner(const std::string& program, const scenario::Spec& spec,
                         const std::string& provider, const std::string& listen,
                         const std::vector<ServedPort>& ports, const std::string& cert,
                         const std::string& relay, const std::string& state_dir) {
  std::string banner = fmt::format("{}: {} — {} on real sockets\n", program, spec.name, provider);
  for (const auto& p : ports) {
    banner += fmt::format("  {:<10} {}  ({} port {}{})\n", p.name, host_port(listen, p.real),
                          p.proto, p.simulated, p.implicit_tls ? ", implicit TLS" : "");
  }
  banner += "  users:";
  for (const auto& u : provider_users(spec, provider)) banner += " " + u;
  const auto others = simulated_users(spec, provider);
  if (!others.empty()) {
    banner += "\n  simulated only (not on these ports):";
    for (const auto& u : others) banner += " " + u;
  }
  if (!relay.empty()) banner += fmt::format("\n  relay: {}", relay);
  banner += fmt::format("\n  TLS certificate: {}\n", cert);
  if (state_dir.empty()) {
    banner += "  Ctrl-C stops; mail is kept in memory only.\n";
  } else {
    banner += fmt::format("  mail kept in: {}\n  Ctrl-C stops; queued mail is kept.\n", state_dir);
  }
  return banner;
}

}  // namespace smtpsim::net
