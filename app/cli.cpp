// The smtpsim command line (DESIGN.md contract): CLI11 definitions for every subcommand that
// exists so far; the work is done elsewhere in app/.
#include "app/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "app/demo.hpp"
#include "app/fetch_cmd.hpp"
#include "app/gui_cmd.hpp"
#include "app/imapd_stdio.hpp"
#include "app/lesson_cmd.hpp"
#include "app/run_cmd.hpp"
#include "app/send_cmd.hpp"
#include "app/serve_cmd.hpp"
#include "app/smtpd_stdio.hpp"
#include "gui/selection.hpp"
#include "sim/proto/smtp/address.hpp"

namespace smtpsim::app {

namespace {

void add_smtpd(CLI::App& app, SmtpdOptions& o, bool& stdio, std::string& crlf) {
  auto* cmd = app.add_subcommand(
      "smtpd",
      "One SMTP server session on stdin/stdout, like `sendmail -bs`. Type SMTP by hand, or pipe "
      "a client into it.");
  cmd->add_flag("--stdio", stdio, "Serve one session on stdin/stdout (required)")->required();
  cmd->add_option("--hostname", o.hostname, "Name in the greeting and Received: headers")
      ->capture_default_str();
  cmd->add_option("--domain", o.domains, "Domain delivered locally (repeatable)")
      ->capture_default_str()
      ->check([](const std::string& d) {
        return smtp::is_valid_domain(d) ? std::string{} : "not a valid domain name: " + d;
      });
  cmd->add_option("--mailbox", o.mailboxes,
                  "Known recipient address (repeatable; none: any local part of a local domain)")
      ->check([](const std::string& m) {
        return smtp::parse_mailbox(m) ? std::string{} : "not a valid address: " + m;
      });
  cmd->add_option("--user", o.users, "USER:PASS accepted by AUTH (repeatable)")
      ->capture_default_str();
  cmd->add_option("--maildir", o.maildir,
                  "Deliver each accepted message once per recipient into DIR/<recipient>/"
                  "{tmp,new,cur}, fsynced before the 250");
  cmd->add_flag("--submission", o.submission,
                "Port-587 rules (RFC 6409): MAIL needs AUTH first (530 otherwise)");
  cmd->add_option("--max-size", o.max_size, "Largest message in bytes (SIZE)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max() / 2));
  cmd->add_option("--max-recipients", o.max_recipients, "Recipients per message (then 452)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  cmd->add_flag("--reject-bare-lf", o.reject_bare_lf,
                "Reject messages containing a bare LF or CR (550 5.5.2) instead of normalising");
  cmd->add_option("--crlf", crlf,
                  "Turn typed LF into CRLF like telnet does: auto (when stdin is a terminal), "
                  "always, never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

void add_imapd(CLI::App& app, ImapdOptions& o, bool& stdio, std::string& crlf) {
  auto* cmd = app.add_subcommand(
      "imapd",
      "One IMAP4rev1 server session on stdin/stdout over an in-memory mailbox with welcome "
      "messages. Type IMAP by hand, or use imaplib.IMAP4_stream('smtpsim imapd --stdio').");
  cmd->add_flag("--stdio", stdio, "Serve one session on stdin/stdout (required)")->required();
  cmd->add_option("--hostname", o.hostname, "Name in the greeting")->capture_default_str();
  cmd->add_option("--user", o.users, "USER:PASS accepted by LOGIN / AUTHENTICATE (repeatable)")
      ->capture_default_str();
  cmd->add_flag("--empty", o.empty, "Start with empty mailboxes (no welcome messages)");
  cmd->add_option("--crlf", crlf,
                  "Turn typed LF into CRLF like telnet does: auto (when stdin is a terminal), "
                  "always, never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{
      "smtpsim: watch email travel. A virtual network of mail hosts speaking genuine SMTP."};
  app.require_subcommand(0, 1);

  SmtpdOptions smtpd;
  bool stdio = false;
  std::string crlf = "auto";
  add_smtpd(app, smtpd, stdio, crlf);
  ImapdOptions imapd;
  bool imapd_stdio = false;
  std::string imapd_crlf = "auto";
  add_imapd(app, imapd, imapd_stdio, imapd_crlf);
  auto* demo = app.add_subcommand(
      "demo", "Print a demonstration SMTP session between the real client and server machines");

  RunOptions run;
  auto* run_cmd =
      app.add_subcommand("run", "Run a lesson or scenario headless and write its transcript");
  run_cmd
      ->add_option("scenario", run.scenario,
                   "Lesson or scenario file, or the name of a shipped one")
      ->required();
  run_cmd->add_option("--seed", run.seed, "Seed for every random choice (default: the scenario's)");
  run_cmd->add_option("--format", run.format, "Transcript format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  run_cmd->add_option("-o,--output", run.output, "Write to FILE instead of standard output");

  auto* lessons_cmd = app.add_subcommand("lessons", "List the lessons: id, length, title");
  std::vector<std::string> check_names;
  auto* check_cmd = app.add_subcommand(
      "check",
      "Run lessons headless and assert what they claim (checkpoints, question answers); "
      "each failure is one sentence, exit 1");
  check_cmd->add_option("lesson", check_names, "Lesson files, or ids of shipped lessons")
      ->required();

  GuiOptions gui;
  auto* gui_cmd = app.add_subcommand(
      "gui", "Open the graphical view on a lesson or scenario (default: the first shipped one)");
  gui_cmd->add_option("scenario", gui.scenario, "Scenario file, or the name of a shipped one");
  gui_cmd->add_flag("--presenter", gui.presenter, "Large fonts and full screen for a projector");
  auto* shot = gui_cmd->add_option("--screenshot", gui.screenshot,
                                   "Render in a real window, write a PNG of it to FILE, exit");
  gui_cmd->add_option("--at", gui.at,
                      "With --screenshot or --bench-frames: the step (events applied) to show");
  gui_cmd->add_option("--bench-frames", gui.bench_frames,
                      "Play N frames from --at in a real window, print frame times and memory");
  gui_cmd
      ->add_option("--layout-json", gui.layout_json,
                   "With --screenshot: write the host boxes and envelopes (pixels) as JSON")
      ->needs(shot);
  gui_cmd
      ->add_option("--dialog", gui.dialog,
                   "With --screenshot: show a dialog open (compose, read, latency, dns-add, "
                   "open, export-text, export-json, save, screenshot)")
      ->needs(shot);
  gui_cmd
      ->add_option("--select", gui.select,
                   "With --screenshot: show in the inspector host:NAME, conn:N, queue:HOST, "
                   "mailbox:HOST/USER or message:QUEUEID")
      ->needs(shot)
      ->check(CLI::Validator(
          [](std::string& s) {
            return gui::Selection::parse(s) ? std::string{}
                                            : "expected host:NAME, conn:N, queue:HOST, "
                                              "mailbox:HOST/USER or message:QUEUEID";
          },
          "SELECTION"));
  gui_cmd->add_option("--step", gui.step,
                      "A lesson: open it at step K (1 = the first, as shown: \"step K of N\")");
  gui_cmd->add_flag("--lessons", gui.browse, "Show the list of lessons (F2) on opening");
  gui_cmd->add_option("--seed", gui.seed, "Seed for every random choice (default: the scenario's)");
  gui_cmd->add_option("--console-script", gui.console_script,
                      "Open the SMTP console (F3) and type the lines of FILE into it");
  // Live mode (issue 7): the scenario on real sockets, as `smtpsim serve` runs it.
  gui_cmd->add_flag("--serve", gui.serve,
                    "Live mode: the scenario (default: 'default') on real sockets, as 'smtpsim "
                    "serve' runs it; real clients appear on the canvas");
  gui_cmd
      ->add_option("--port-offset", gui.port_offset,
                   "With --serve: added to the standard ports (25 -> 3025 by default)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64000));
  gui_cmd->add_option("--listen", gui.listen, "With --serve: the address to listen on")
      ->capture_default_str();
  gui_cmd->add_option("--frames", gui.frames,
                      "With --screenshot: frames drawn before the picture is taken (default 4)");
  gui_cmd->add_option("--wait-clients", gui.wait_clients,
                      "With --serve --screenshot: count the frames once N real clients came");
  gui_cmd->add_option("--live-send", gui.live_send,
                      "With --serve: send one message at start from the live panel to "
                      "HOST:PORT (alice@example.com to bob@example.com)");
  gui_cmd
      ->add_option("--live-tls", gui.live_tls,
                   "With --live-send: none, starttls (default) or implicit")
      ->check(CLI::IsMember({"none", "starttls", "implicit"}));
  gui_cmd->add_option("--live-auth", gui.live_auth, "With --live-send: USER:PASSWORD for AUTH");
  // The rest of `smtpsim serve`'s options, with the same meaning (and the same state dir by
  // default: mail a class sent under `serve` is there in the window, and back).
  gui_cmd->add_option("--tls-cert", gui.tls_cert,
                      "With --serve: PEM certificate (default: a self-signed one)");
  gui_cmd->add_option("--tls-key", gui.tls_key, "With --serve: PEM private key for --tls-cert");
  gui_cmd->add_option("--state-dir", gui.state_dir,
                      "With --serve: where queued mail and mailboxes are kept between runs");
  gui_cmd
      ->add_option("--max-connections", gui.max_connections,
                   "With --serve: connections in all (421 past it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  gui_cmd
      ->add_option("--max-per-client", gui.max_per_client,
                   "With --serve: connections from one address (421 past it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  gui_cmd->add_option("--dns", gui.dns,
                      "With --serve: relay to real servers, finding MX hosts with this DNS server");
  gui_cmd->add_option("--relay", gui.relay,
                      "With --serve: relay mail for other domains to this smarthost");
  gui_cmd->add_option("--mx-port", gui.mx_port, "With --serve --dns: port of real MX hosts")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));

  ServeCmdOptions serve;
  auto* serve_cmd = add_serve_command(app, serve);
  SendCmdOptions send;
  auto* send_cmd = add_send_command(app, send);
  FetchCmdOptions fetch;
  auto* fetch_cmd = add_fetch_command(app, fetch);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // swaks exits 1 on bad options; send and fetch follow it (their exit codes are swaks')
    return code != 0 && (send_cmd->parsed() || fetch_cmd->parsed()) ? 1 : code;
  }

  if (app.got_subcommand(serve_cmd)) return run_serve_command(serve, stdout, stderr);
  if (app.got_subcommand(send_cmd)) return run_send_command(send, stdout, stderr);
  if (app.got_subcommand(fetch_cmd)) return run_fetch_command(fetch, stdout, stderr);

  if (app.got_subcommand(gui_cmd)) {
    if (gui.at && gui.screenshot.empty() && gui.bench_frames == 0) {
      std::fprintf(stderr, "smtpsim gui: --at needs --screenshot or --bench-frames.\n");
      return 2;
    }
    return run_gui_command(gui, stderr);
  }

  if (app.got_subcommand(run_cmd)) return run_scenario_command(run, stdout, stderr);
  if (app.got_subcommand(lessons_cmd)) return list_lessons_command(stdout, stderr);
  if (app.got_subcommand(check_cmd)) return check_lessons_command(check_names, stdout, stderr);

  if (app.got_subcommand("smtpd")) {
    smtpd.crlf = crlf == "always"  ? CrlfMode::Always
                 : crlf == "never" ? CrlfMode::Never
                                   : CrlfMode::Auto;
    return run_smtpd_stdio(smtpd, STDIN_FILENO, STDOUT_FILENO, stderr);
  }
  if (app.got_subcommand("imapd")) {
    imapd.crlf = imapd_crlf == "always"  ? CrlfMode::Always
                 : imapd_crlf == "never" ? CrlfMode::Never
                                         : CrlfMode::Auto;
    return run_imapd_stdio(imapd, STDIN_FILENO, STDOUT_FILENO, stderr);
  }
  if (app.got_subcommand(demo)) {
    std::fputs(demo_transcript().c_str(), stdout);
    return 0;
  }
  // No subcommand: the graphical view on the first shipped lesson.
  return run_gui_command(GuiOptions{}, stderr);
}

}  // namespace smtpsim::app
