// `smtpsim serve [SCENARIO]`: the simulated network on real sockets (live mode, issue 7).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace smtpsim::app {

struct ServeCmdOptions {
  std::string scenario = "default";
  std::string listen = "127.0.0.1";
  int port_offset = 3000;
  std::string output;  // transcript file ("" or "-": standard output)
  std::string tls_cert, tls_key;
  std::string state_dir;  // queue and mailboxes; default $XDG_DATA_HOME/smtpsim/serve/NAME
  std::size_t max_connections = 200;
  std::size_t max_per_client = 20;
  std::optional<std::uint64_t> seed;
  std::string dns;     // live relay: real DNS server HOST:PORT
  std::string relay;   // live relay: smarthost HOST:PORT
  int mx_port = 25;    // live relay: port of the real MX hosts (tests use another)
  bool quiet = false;  // no transcript on standard output
};

// Registers the subcommand; returns it so run_cli can tell whether it was chosen.
CLI::App* add_serve_command(CLI::App& app, ServeCmdOptions& o);
// Runs until SIGINT/SIGTERM: 0 after a clean stop, 2 when it cannot start (one sentence
// on `err`).
int run_serve_command(const ServeCmdOptions& o, std::FILE* out, std::FILE* err);

}  // namespace smtpsim::app
