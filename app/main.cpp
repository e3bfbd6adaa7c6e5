// The smtpsim command: parses the command line (CLI11) and hands over to a subcommand.
#include "app/cli.hpp"

int main(int argc, char** argv) {
  return smtpsim::app::run_cli(argc, argv);
}
