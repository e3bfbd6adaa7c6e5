// The one View of the GUI (DESIGN.md idea 8, "thin view over the model"): it owns a
// scenario::Simulation, the trace::Recorder that simulation writes to, a trace::ViewIndex for
// cheap random access, and a playback cursor. The cursor is a number of events: the screen
// shows the WorldView after the first `cursor()` events of the recorder. The simulation runs
// ahead of the cursor as needed (step() until the recorder holds what the cursor asks for),
// so stepping back is only folding to cursor - 1: nothing in the model is undone.
//
// Panels (canvas, timeline, transcript) read from here and change things only through the
// controls documented below. The View trusts the Spec it is given (already validated by the
// scenario loader) and owns no mail logic.
//
// Live mode (issue 7): the simulation runs on the wall clock, driven by a LiveDriver (real
// sockets, gui/live_session.hpp) that pump() polls once per frame; nothing here steps it. The
// recorder grows by itself and the cursor follows the live edge until the teacher pauses or
// steps back to study a moment; back_to_live() (or playing up to the end) rejoins it. Hosts
// that join while running (real clients, "this computer", real servers) are extra_hosts().
// Lessons never take these paths: their behaviour is unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gui/live_driver.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/scenario/spec.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/world_view.hpp"

namespace smtpsim::gui {

// One marker on the timeline scrubber.
struct Marker {
  std::size_t event = 0;                                // index into the recorder
  trace::EventKind kind = trace::EventKind::Delivered;  // Delivered, Deferred or Bounced
};

// A message on the wire at the displayed time: a protocol line or a DNS datagram.
struct InFlight {
  std::size_t event = 0;  // the Line or Datagram event
  std::string from, to;   // sending and receiving host
  double progress = 0;    // 0 at the sender, 1 at the receiver
};

// A host that joined the network while running (live mode): not in the Spec.
struct ExtraHost {
  std::string name;             // "external client 127.0.0.1:53122", "this computer"
  std::string address;          // "127.0.0.1"
  std::size_t first_event = 0;  // the event it first appears in (shown from then on)
  bool real = false;            // the far end of a real socket (Network::is_real)
  bool client = true;           // first seen opening a connection (else: a server reached)
  std::uint16_t port = 0;       // the port of that first connection
};

// Animation only: a real host has no simulated latency (Network::add_real_host), so its lines
// would arrive the instant they leave; on screen they travel this long (wall-clock µs at the
// live edge) so a class can see them move.
inline constexpr std::int64_t kLiveTravelUs = 600'000;

class View {
 public:
  // Throws std::invalid_argument like Simulation does for a Spec the loader should refuse.
  explicit View(scenario::Spec spec, std::optional<std::uint64_t> seed = {});
  // Live mode: the Simulation gets `hooks`; attach_live() gives it its driver.
  View(scenario::Spec spec, std::optional<std::uint64_t> seed, scenario::LiveHooks hooks);
  ~View();

  const scenario::Spec& spec() const { return spec_; }
  const std::vector<trace::Event>& events() const { return rec_.events(); }
  bool finished() const { return finished_; }  // the simulation has nothing left to do

  // --- live mode ------------------------------------------------------------------------
  bool live() const { return live_; }
  void attach_live(std::unique_ptr<LiveDriver> driver) { driver_ = std::move(driver); }
  LiveDriver* live_driver() { return driver_.get(); }
  scenario::Simulation& simulation() { return *sim_; }
  // The cursor follows the newest event and the clock the wall clock's now.
  bool at_live_edge() const { return live_ && following_; }
  void back_to_live();
  const std::vector<ExtraHost>& extra_hosts() const { return extra_; }

  // --- controls (the only way panels change anything) ---------------------------------
  std::size_t cursor() const { return cursor_; }
  void seek(std::size_t n);  // show the state after n events (runs the simulation as needed)
  bool step_forward();       // one event forward; false at the end of the run
  bool step_back();          // one event back; false at the start
  void restart();            // cursor to 0, paused
  void play(bool on);
  bool playing() const { return playing_; }
  void set_speed(double s) { speed_ = s; }
  double speed() const { return speed_; }
  void set_skip_idle(bool on) { skip_idle_ = on; }
  bool skip_idle() const { return skip_idle_; }
  // Advances playback by `wall_seconds` of real time (called once per frame while playing).
  void tick(double wall_seconds);
  // Runs the simulation ahead by at most `budget` engine steps (per frame), so the scrubber
  // learns the whole run without blocking the window. Live mode: polls the driver instead.
  void pump(std::size_t budget);

  // --- changing the run by hand (fault menu, compose dialog) ---------------------------
  // Adds `a` to the scenario's script at the displayed moment (a.at_us = display_time(), or
  // 1 us after the last event shown when that is at the same time: events at one time run in
  // scheduling order and the script is scheduled first, so the action must be later to come
  // after everything already on screen). The Spec is checked by the loader (scenario::
  // with_action), then the simulation and recorder are rebuilt from scratch with the same
  // seed: the run is deterministic (DESIGN.md idea 5), so every event before the action is
  // the same and the cursor stays where it was. Returns "" or the loader's sentence, in
  // which case nothing changed.
  std::string apply_action(scenario::Action a);
  // Takes the last action done by hand out again and rebuilds; false when there is none.
  bool undo_last_action();
  const std::vector<scenario::Action>& hand_actions() const { return hand_; }
  // Counts rebuilds: a panel that cached events past the cursor drops its cache when it moves.
  std::uint64_t generation() const { return generation_; }
  std::uint64_t seed() const { return seed_.value_or(spec_.seed); }

  // --- what the panels read -----------------------------------------------------------
  const trace::WorldView& world();                             // the state after cursor() events
  std::int64_t display_time() const { return display_time_; }  // virtual microseconds
  std::int64_t end_time() const;                               // time of the last recorded event
  const std::vector<Marker>& markers() const { return markers_; }
  // Lines and datagrams on the wire at display_time().
  std::vector<InFlight> in_flight();
  // One-way travel time between two hosts (sum of their uplinks) as it was when event
  // `at` happened: the scenario's latencies, changed by every LatencyChanged before `at`
  // (a `latency` action slows the animation from that moment on). Default: at the cursor.
  std::int64_t travel_us(const std::string& a, const std::string& b) const;
  std::int64_t travel_us(const std::string& a, const std::string& b, std::size_t at) const;
  // The connection's client host for a Line event (from its ConnectionOpened), or "".
  std::string client_of(std::uint64_t conn) const;

 private:
  bool ensure(std::size_t n);  // run until the recorder holds n events; false if it cannot
  void on_event(const trace::Event& e);
  void rebuild(scenario::Spec spec);
  void record_hop(const trace::Event& e);
  void reset_latencies();  // latency_ and hops_ from spec_, as before the first event
  void note_extra_hosts(const trace::Event& e);  // live mode
  bool is_extra(const std::string& host) const;

  scenario::Spec spec_;
  std::optional<std::uint64_t> seed_;
  trace::Recorder rec_;
  std::unique_ptr<scenario::Simulation> sim_;
  trace::ViewIndex index_{256};
  std::size_t cursor_ = 0;
  bool finished_ = false;
  bool playing_ = false;
  double speed_ = 0.1;  // a 20 ms hop takes 0.2 s on screen
  bool skip_idle_ = true;
  std::int64_t display_time_ = 0;
  std::optional<trace::WorldView> world_;  // cache for cursor_
  std::size_t world_at_ = 0;
  std::vector<Marker> markers_;
  std::map<std::uint64_t, std::string> clients_;  // conn -> client host
  // Per recorded event, worked out once when it is recorded (in_flight() runs every frame
  // over thousands of lines): when a Line or Datagram left its sender, and how long it
  // travels (0: not a message between two hosts).
  struct Hop {
    std::int64_t time = 0;  // the event's own time (the scan reads 32-byte hops, not events)
    std::int64_t sent = 0, travel = 0;
    bool sent_at_t = false;  // recorded when sent (a client's line, a datagram), not on arrival
  };
  std::vector<Hop> hops_;
  // host -> its uplink latency from event index `first` on, in event order (the scenario's
  // value from 0, then one entry per LatencyChanged).
  struct LatencyFrom {
    std::size_t first = 0;
    std::int64_t us = 0;
  };
  std::map<std::string, std::vector<LatencyFrom>> latency_;
  std::int64_t longest_hop_ = 1;  // the largest one-way travel time ever seen
  std::int64_t uplink_at(const std::string& host, std::size_t at) const;
  std::vector<scenario::Action> hand_;  // actions done by hand, in order
  std::vector<scenario::Spec> before_;  // the Spec before each of them (undo)
  std::uint64_t generation_ = 0;
  // Live mode. The driver refers to sim_: declared after it, so destroyed before it.
  bool live_ = false;
  bool following_ = false;
  std::vector<ExtraHost> extra_;
  std::map<std::string, std::size_t> extra_index_;
  std::unique_ptr<LiveDriver> driver_;
};

}  // namespace smtpsim::gui
