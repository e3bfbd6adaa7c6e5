// `smtpsim serve`: loads a scenario, runs it on the wall clock, puts the provider's services
// on real ports, prints the ports and users, and streams the transcript until Ctrl-C.
#include "app/serve_cmd.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "app/lesson_cmd.hpp"
#include "app/run_cmd.hpp"
#include "net/live_loop.hpp"
#include "net/live_relay.hpp"
#include "net/live_server.hpp"
#include "net/serve_setup.hpp"
#include "net/spool.hpp"
#include "net/tls.hpp"
#include "sim/scenario/restore.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/text_writer.hpp"

namespace smtpsim::app {

namespace fs = std::filesystem;

CLI::App* add_serve_command(CLI::App& app, ServeCmdOptions& o) {
  auto* cmd = app.add_subcommand(
      "serve",
      "The simulated network on real sockets: real mail clients talk to the scenario's provider");
  cmd->add_option("scenario", o.scenario, "Scenario file, or the name of a shipped one")
      ->capture_default_str();
  cmd->add_option("--listen", o.listen, "Address to listen on (a warning unless loopback)")
      ->capture_default_str();
  cmd->add_option("--port-offset", o.port_offset,
                  "Added to the standard ports (25 -> 3025 by default, as GreenMail does)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64000));
  cmd->add_option("-o,--output", o.output, "Append the transcript to FILE as it happens");
  cmd->add_option("--tls-cert", o.tls_cert,
                  "PEM certificate (default: a self-signed one made on first start)");
  cmd->add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--state-dir", o.state_dir,
                  "Where queued mail and mailboxes are kept between runs");
  cmd->add_option("--max-connections", o.max_connections, "Connections in all (421 past it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-per-client", o.max_per_client,
                  "Connections from one address (421 past it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", o.seed, "Seed for every random choice (default: the scenario's)");
  cmd->add_option("--dns", o.dns, "Relay to real servers, finding MX hosts with this DNS server");
  cmd->add_option("--relay", o.relay, "Relay mail for other domains to this smarthost");
  cmd->add_option("--mx-port", o.mx_port, "Port of real MX hosts with --dns")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd->add_flag("-q,--quiet", o.quiet, "No transcript on standard output");
  // For tests of the timeouts, which cannot wait the RFC's minutes: not in --help.
  cmd->add_option("--timeout-scale", o.timeout_scale,
                  "Multiply every server timeout (idle, minimum data rate, TLS handshake) by "
                  "this; for tests only")
      ->check(CLI::Range(0.0001, 1000.0))
      ->group("");
  return cmd;
}

namespace {

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address == "localhost";
}

// Streams each event's transcript line to a file as it happens.
class LiveTranscript final : public trace::Sink {
 public:
  LiveTranscript(std::FILE* screen, std::FILE* file) : screen_(screen), file_(file) {}
  void record(trace::Event e) override {
    if (!screen_ && !file_) return;
    e.seq = seq_++;
    const std::string line = writer_.render(e);
    if (line.empty()) return;
    for (std::FILE* f : {screen_, file_}) {
      if (!f) continue;
      std::fwrite(line.data(), 1, line.size(), f);
      std::fflush(f);
    }
  }

 private:
  std::FILE* screen_;
  std::FILE* file_;
  trace::TextWriter writer_;
  std::uint64_t seq_ = 0;
};

}  // namespace

int run_serve_command(const ServeCmdOptions& o, std::FILE* out, std::FILE* err) {
  auto loaded = load_scenario_or_lesson(resolve_scenario(o.scenario));
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim serve: %s\n", e->message.c_str());
    return 2;
  }
  auto& spec = std::get<scenario::Spec>(loaded);
  const scenario::HostSpec* provider = net::pick_provider(spec);
  if (!provider) {
    std::fprintf(err, "smtpsim serve: %s has no mail provider (a host with an MTA or MDA).\n",
                 spec.file.c_str());
    return 2;
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    std::fprintf(err, "smtpsim serve: --tls-cert and --tls-key go together.\n");
    return 2;
  }

  std::FILE* file = nullptr;
  if (!o.output.empty() && o.output != "-") {
    file = std::fopen(o.output.c_str(), "a");
    if (!file) {
      std::fprintf(err, "smtpsim serve: cannot write %s: %s\n", o.output.c_str(),
                   std::strerror(errno));
      return 2;
    }
  }
  struct Closer {
    std::FILE* f;
    ~Closer() {
      if (f) std::fclose(f);
    }
  } closer{file};

  std::shared_ptr<boost::asio::ssl::context> tls;
  net::TlsFiles files{o.tls_cert, o.tls_key};
  try {
    if (files.cert.empty())
      files = net::ensure_self_signed(net::data_home() + "/tls", provider->name);
    tls = net::server_context(files);
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim serve: %s\n", ex.what());
    return 2;
  }

  LiveTranscript sink(o.quiet ? nullptr : out, file);
  boost::asio::io_context io;  // before everything holding Asio objects
  // Live relay: mail for domains the scenario does not know goes to real servers.
  std::unique_ptr<net::LiveRelay> relay;
  if (!o.dns.empty() || !o.relay.empty()) {
    try {
      relay = std::make_unique<net::LiveRelay>(
          io,
          net::RelayOptions{
              .dns = o.dns, .relay = o.relay, .mx_port = static_cast<std::uint16_t>(o.mx_port)});
    } catch (const std::exception& ex) {
      std::fprintf(err, "smtpsim serve: %s\n", ex.what());
      return 2;
    }
  }
  // Durable queue and mailboxes (RFC 5321 §6.1: 250 only once the message is on disk);
  // declared before the simulation, which calls it until its last moment.
  const std::string state =
      o.state_dir.empty() ? net::data_home() + "/serve/" + spec.name : o.state_dir;
  std::unique_ptr<net::Spool> spool;
  try {
    spool = std::make_unique<net::Spool>(state);
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim serve: %s\n", ex.what());
    return 2;
  }
  std::ostringstream spool_problems;
  nodes::Recovered kept = spool->load(spool_problems);
  std::fputs(spool_problems.str().c_str(), err);
  scenario::LiveHooks hooks;
  hooks.journal = spool.get();
  if (relay) {
    hooks.wrap_resolver = [&relay](std::unique_ptr<nodes::Resolver> simulated, nodes::World& world,
                                   engine::HostId mta) {
      return relay->wrap(std::move(simulated), world, mta);
    };
  }
  hooks.epoch_unix = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t started = *hooks.epoch_unix;
  spec.script.clear();  // live mode: the mail comes from real clients
  std::unique_ptr<scenario::Simulation> sim;
  try {
    sim = std::make_unique<scenario::Simulation>(spec, sink, o.seed, std::move(hooks));
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim serve: %s: %s\n", spec.file.c_str(), ex.what());
    return 2;
  }
  // What the last run accepted and had not finished: queued again, tried at once.
  for (const auto& problem : scenario::restore(*sim, kept, started))
    std::fprintf(err, "smtpsim serve: %s\n", problem.c_str());

  net::LiveLoop loop(io, sim->queue());
  // Grouped durability (net/spool.hpp): the spool's pending writes become durable before
  // any byte reaches a client and at the end of every turn of the loop.
  loop.set_after_turn([&spool, err] {
    if (auto problem = spool->end_turn())
      std::fprintf(err, "smtpsim serve: %s\n", problem->c_str());
  });
  if (relay) relay->attach(loop, sim->net());
  net::ServeOptions so;
  so.listen = o.listen;
  so.port_offset = o.port_offset;
  so.tls = tls;
  so.max_connections = o.max_connections;
  so.max_per_client = o.max_per_client;
  so.before_output = [&spool] { return spool->commit(); };
  // RFC 5321 §4.5.3.2.7, RFC 1939 §3, RFC 3501 §5.4 by default; tests shrink them.
  sim->net().server_timeout_scale = o.timeout_scale;
  so.handshake_timeout = std::chrono::milliseconds(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(60'000 * o.timeout_scale)));
  const engine::HostId provider_id = sim->net().find(provider->name);
  net::LiveServer server(loop, sim->net(), provider_id, so);
  try {
    server.start();
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim serve: %s\n", ex.what());
    return 2;
  }

  const std::string banner =
      net::serve_banner("smtpsim serve", spec, provider->name, o.listen, server.ports(), files.cert,
                        relay ? relay->describe() : std::string{}, state);
  std::fputs(banner.c_str(), out);
  std::fflush(out);
  if (!is_loopback(o.listen)) {
    std::fprintf(err,
                 "smtpsim serve: warning: listening on %s, not loopback: anyone who can reach "
                 "this machine can talk to it (the passwords above are public).\n",
                 o.listen.c_str());
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server.stop();
    if (relay) relay->stop();
    loop.pump();
    // Let the closes go out, then stop.
    boost::asio::post(io, [&io] { io.stop(); });
  });
  loop.pump();
  io.run();
  std::fprintf(out, "smtpsim serve: stopped (%zu messages in the queue).\n", sim->total_queued());
  return 0;
}

}  // namespace smtpsim::app
