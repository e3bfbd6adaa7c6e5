// Opening the GUI: resolve and load the scenario, check for a display, hand over to gui/.
#include "app/gui_cmd.hpp"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "app/lesson_cmd.hpp"
#include "app/run_cmd.hpp"
#include "gui/app_window.hpp"
#include "gui/live_session.hpp"
#include "gui/view.hpp"
#include "net/live_relay.hpp"
#include "net/spool.hpp"
#include "net/tls.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"
#include "sim/scenario/restore.hpp"

namespace smtpsim::app {

namespace fs = std::filesystem;

std::string first_shipped_scenario() {
  // The first lesson once lessons exist (issue 6); a scenario otherwise.
  if (const auto lessons = shipped_lessons(); !lessons.empty())
    return fs::path(lessons.front()).stem().string();
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data_dir()) / "scenarios", ec))
    if (entry.path().extension() == ".json") names.insert(entry.path().stem().string());
  return names.empty() ? std::string{} : *names.begin();
}

namespace {
int no_display(std::FILE* err, const std::string& scenario) {
  std::fprintf(err,
               "smtpsim: no display to open the graphical view on; run it headless instead "
               "with 'smtpsim run %s'.\n",
               scenario.empty() ? "SCENARIO" : scenario.c_str());
  return 2;
}
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}
// `gui --serve`: a live View (wall clock, real sockets) on the scenario `serve` would run,
// with the same banner on standard output.
int run_live_gui(const GuiOptions& o, std::FILE* err,
                 std::chrono::steady_clock::time_point launched) {
  const std::string name = o.scenario.empty() ? "default" : o.scenario;
  auto loaded = load_scenario_or_lesson(resolve_scenario(name));
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim gui: %s\n", e->message.c_str());
    return 2;
  }
  auto& spec = std::get<scenario::Spec>(loaded);
  spec.script.clear();  // live mode: the mail comes from real clients
  std::optional<gui::LiveSendForm> send;
  if (!o.live_send.empty()) {
    gui::LiveSendForm f;
    const auto colon = o.live_send.rfind(':');
    f.host = o.live_send.substr(0, colon);
    f.port = colon == std::string::npos ? "" : o.live_send.substr(colon + 1);
    f.tls = o.live_tls == "none"       ? gui::LiveTls::None
            : o.live_tls == "implicit" ? gui::LiveTls::Implicit
                                       : gui::LiveTls::StartTls;
    if (const auto c = o.live_auth.find(':'); c != std::string::npos) {
      f.user = o.live_auth.substr(0, c);
      f.password = o.live_auth.substr(c + 1);
    }
    if (const std::string problem = gui::validate(f); !problem.empty()) {
      std::fprintf(err, "smtpsim gui: --live-send: %s\n", problem.c_str());
      return 2;
    }
    send = std::move(f);
  }
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY")) {
    std::fprintf(err,
                 "smtpsim: no display to open the graphical view on; run live mode headless "
                 "instead with 'smtpsim serve %s'.\n",
                 name.c_str());
    return 2;
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    std::fprintf(err, "smtpsim gui: --tls-cert and --tls-key go together.\n");
    return 2;
  }
  try {
    // As `smtpsim serve` (app/serve_cmd.cpp), in the same order: what the simulation's
    // resolvers and journal use is made before the View and outlives it (run_window drops
    // the View before returning).
    boost::asio::io_context io;
    std::unique_ptr<net::LiveRelay> relay;
    if (!o.dns.empty() || !o.relay.empty()) {
      relay = std::make_unique<net::LiveRelay>(
          io,
          net::RelayOptions{
              .dns = o.dns, .relay = o.relay, .mx_port = static_cast<std::uint16_t>(o.mx_port)});
    }
    // RFC 5321 §6.1: the 250 only once the message is on disk, as in serve; the same
    // directory by default, so serve and the window share a class's mail (one at a time: the
    // spool locks it).
    const std::string state =
        o.state_dir.empty() ? net::data_home() + "/serve/" + spec.name : o.state_dir;
    auto spool = std::make_unique<net::Spool>(state);
    std::ostringstream spool_problems;
    nodes::Recovered kept = spool->load(spool_problems);
    std::fputs(spool_problems.str().c_str(), err);

    scenario::LiveHooks hooks;
    hooks.journal = spool.get();
    if (relay) {
      hooks.wrap_resolver = [&relay](std::unique_ptr<nodes::Resolver> simulated,
                                     nodes::World& world, engine::HostId mta) {
        return relay->wrap(std::move(simulated), world, mta);
      };
    }
    hooks.epoch_unix = static_cast<std::int64_t>(std::time(nullptr));
    const std::int64_t started = *hooks.epoch_unix;
    auto view = std::make_unique<gui::View>(std::move(spec), o.seed, std::move(hooks));
    for (const auto& problem : scenario::restore(view->simulation(), kept, started))
      std::fprintf(err, "smtpsim gui: %s\n", problem.c_str());
    gui::LiveOptions lo;
    lo.listen = o.listen;
    lo.port_offset = o.port_offset;
    lo.tls_cert = o.tls_cert;
    lo.tls_key = o.tls_key;
    lo.max_connections = o.max_connections;
    lo.max_per_client = o.max_per_client;
    lo.io = &io;
    lo.relay = relay.get();
    lo.state_dir = state;
    lo.spool = spool.get();
    auto session = std::make_unique<gui::LiveSession>(*view, lo);
    session->start();
    std::fputs(session->banner().c_str(), stdout);
    std::fflush(stdout);
    if (o.listen.rfind("127.", 0) != 0 && o.listen != "::1")
      std::fprintf(err,
                   "smtpsim gui: warning: listening on %s, not loopback: anyone who can reach "
                   "this machine can talk to it (the passwords above are public).\n",
                   o.listen.c_str());
    view->attach_live(std::move(session));
    gui::WindowOptions w;
    w.presenter = o.presenter;
    w.screenshot = o.screenshot;
    w.layout_json = o.layout_json;
    w.data_dir = data_dir();
    w.lessons_dir = data_dir();
    w.dialog = o.dialog;
    w.select = o.select;
    w.frames = o.frames;
    w.wait_clients = o.wait_clients;
    w.bench_frames = o.bench_frames;
    w.live_send = std::move(send);
    w.launched = launched;
    const int rc = gui::run_window(std::move(view), w, err);
    if (rc == gui::kNoDisplay) return no_display(err, name);
    return rc;
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim gui: %s\n", ex.what());
    return 2;
  }
}
}  // namespace

int run_gui_command(const GuiOptions& o, std::FILE* err) {
  const auto launched = std::chrono::steady_clock::now();
  if (o.serve) return run_live_gui(o, err, launched);
  if (!o.live_send.empty() || o.wait_clients > 0) {
    std::fprintf(err, "smtpsim gui: --live-send and --wait-clients need --serve.\n");
    return 2;
  }
  const std::string name = o.scenario.empty() ? first_shipped_scenario() : o.scenario;
  if (name.empty()) {
    std::fprintf(err, "smtpsim gui: no scenario given and none shipped in %s.\n",
                 data_dir().c_str());
    return 2;
  }
  // A lesson file is a scenario file with a "lesson" key: the View plays its scenario and
  // the lesson panel follows its steps.
  const std::string path = resolve_scenario(name);
  std::optional<scenario::Lesson> lesson;
  std::variant<scenario::Spec, scenario::LoadError> loaded = scenario::LoadError{};
  if (scenario::looks_like_lesson(read_text(path))) {
    auto l = scenario::load_lesson(path);
    if (auto* e = std::get_if<scenario::LoadError>(&l)) {
      loaded = *e;
    } else {
      lesson = std::get<scenario::Lesson>(std::move(l));
      loaded = lesson->scenario;
    }
  } else {
    loaded = scenario::load_scenario(path);
  }
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim gui: %s\n", e->message.c_str());
    return 2;
  }
  if (o.step && (!lesson || *o.step < 1 || *o.step > lesson->steps.size())) {
    std::fprintf(err, "smtpsim gui: --step %zu: %s\n", *o.step,
                 lesson
                     ? ("the lesson has steps 1 to " + std::to_string(lesson->steps.size())).c_str()
                     : "only a lesson has steps");
    return 2;
  }
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY")) return no_display(err, name);
  try {
    auto view = std::make_unique<gui::View>(std::get<scenario::Spec>(std::move(loaded)), o.seed);
    gui::WindowOptions w;
    w.lesson = std::move(lesson);
    if (o.step) w.step = *o.step - 1;
    w.lessons_dir = data_dir();
    w.load_lesson = [](const std::string& p) { return scenario::load_lesson(p); };
    w.seed = o.seed;
    w.browse = o.browse;
    w.presenter = o.presenter;
    w.console_script = o.console_script;
    w.screenshot = o.screenshot;
    w.at = o.at;
    w.layout_json = o.layout_json;
    w.data_dir = data_dir();
    w.dialog = o.dialog;
    w.select = o.select;
    w.bench_frames = o.bench_frames;
    w.frames = o.frames;
    w.launched = launched;
    const int rc = gui::run_window(std::move(view), w, err);
    if (rc == gui::kNoDisplay) return no_display(err, name);
    return rc;
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim gui: %s: %s\n", name.c_str(), ex.what());
    return 1;
  }
}

}  // namespace smtpsim::app
