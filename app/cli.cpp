// The smtpsim command line: CLI11 definitions for every subcommand; the work is elsewhere.
#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace smtpsim::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"smtpsim: watch email travel. A virtual network of mail hosts speaking real SMTP."};
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  std::fprintf(stderr, "smtpsim: the GUI is not built yet; try 'smtpsim --help'\n");
  return 2;
}

}  // namespace smtpsim::app
