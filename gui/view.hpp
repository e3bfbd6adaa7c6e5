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
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

class View {
 public:
  // Throws std::invalid_argument like Simulation does for a Spec the loader should refuse.
  explicit View(scenario::Spec spec, std::optional<std::uint64_t> seed = {});
  ~View();

  const scenario::Spec& spec() const { return spec_; }
  const std::vector<trace::Event>& events() const { return rec_.events(); }
  bool finished() const { return finished_; }  // the simulation has nothing left to do

  // --- controls (the only way panels change anything) ---------------------------------
  std::size_t cursor() const { return cursor_; }
  void seek(std::size_t n);  // show the state after n events (runs the simulation as needed)
  bool step_forward();       // one event forward; false at the end of the run
  bool step_back();          // one event back; false at the start
  void restart();            // cursor to 0, paused
  void play(bool on) { playing_ = on; }
  bool playing() const { return playing_; }
  void set_speed(double s) { speed_ = s; }
  double speed() const { return speed_; }
  void set_skip_idle(bool on) { skip_idle_ = on; }
  bool skip_idle() const { return skip_idle_; }
  // Advances playback by `wall_seconds` of real time (called once per frame while playing).
  void tick(double wall_seconds);
  // Runs the simulation ahead by at most `budget` engine steps (per frame), so the scrubber
  // learns the whole run without blocking the window.
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
  // One-way travel time between two hosts (sum of their uplinks), from the scenario.
  std::int64_t travel_us(const std::string& a, const std::string& b) const;
  // The connection's client host for a Line event (from its ConnectionOpened), or "".
  std::string client_of(std::uint64_t conn) const;

 private:
  bool ensure(std::size_t n);  // run until the recorder holds n events; false if it cannot
  void on_event(const trace::Event& e);
  void rebuild(scenario::Spec spec);

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
  std::map<std::string, std::int64_t> latency_;   // host -> uplink latency
  std::vector<scenario::Action> hand_;            // actions done by hand, in order
  std::vector<scenario::Spec> before_;            // the Spec before each of them (undo)
  std::uint64_t generation_ = 0;
};

}  // namespace smtpsim::gui
