// The smtpsim command line (DESIGN.md "The smtpsim command"): subcommands and their flags.
#pragma once

namespace smtpsim::app {
int run_cli(int argc, char** argv);
}
