// `smtpsim gui [LESSON|SCENARIO] [--presenter] [--screenshot PNG [--at STEP]]` and the bare
// `smtpsim`: open the view on a scenario (a bare name is looked up among the shipped ones;
// none given: the first shipped lesson, else the first scenario alphabetically). Without a display
// it says, in one sentence, how to run headless, and exits 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace smtpsim::app {

struct GuiOptions {
  std::string scenario;  // empty: the first shipped scenario
  bool presenter = false;
  std::string console_script;  // open the SMTP console and type these lines
  std::string screenshot;
  std::optional<std::size_t> at;
  std::string layout_json;  // with --screenshot: host boxes and envelopes in pixels
  std::string select;       // with --screenshot: what the inspector shows ("host:NAME", ...)
  std::optional<std::uint64_t> seed;
  std::string dialog;  // with --screenshot: a dialog shown open (gui::MenuBar::open_dialog)
  std::size_t bench_frames = 0;     // --bench-frames N: print frame times and memory, exit
  std::optional<std::size_t> step;  // a lesson: the step to show first, 1-based ("step K of N")
  bool browse = false;              // open with the lesson browser shown
  // Live mode (--serve): the scenario on real sockets, as `smtpsim serve` runs it.
  bool serve = false;
  int port_offset = 3000;
  std::string listen = "127.0.0.1";
  std::size_t frames = 4;        // --screenshot: frames before the picture
  std::size_t wait_clients = 0;  // --screenshot in live mode: real clients to wait for
  std::string live_send;         // HOST:PORT: the live panel sends there at start
  std::string live_tls = "starttls";
  std::string live_auth;  // USER:PASSWORD
  // As `smtpsim serve`'s options of the same names.
  std::string tls_cert, tls_key;
  std::string state_dir;  // empty: $XDG_DATA_HOME/smtpsim/serve/<scenario name>, as serve
  std::size_t max_connections = 200;
  std::size_t max_per_client = 20;
  std::string dns, relay;
  int mx_port = 25;
};

// The first shipped lesson in file-name order, else the first shipped scenario in
// alphabetical order ("" when there is neither).
std::string first_shipped_scenario();

int run_gui_command(const GuiOptions& o, std::FILE* err);

}  // namespace smtpsim::app
