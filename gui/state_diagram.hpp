// A protocol machine's state diagram, drawn from its transition table (proto::MachineSpec,
// DESIGN.md idea 2: the picture cannot drift from the code), with the state a connection's
// machine is in at the cursor lit and its last transition highlighted.
//
// Three parts: build_diagram() lays the table out (pure: layers by BFS depth from the initial
// state, closing states such as QUIT and sinks such as CLOSED in the last rows, rows ordered
// to cross less);
// machine_at() reads a connection's machine state from the trace's StateChanged events (text
// "SPEC NAME: FROM -> TO", detail = trigger, host = the side whose machine moved); and
// draw_diagram() paints both with the ImGui draw list.
//
// Trusts: the specs' tables (states[0] is the initial state, as every table in sim/proto
// lists it first) and the trace's StateChanged text format (sim/nodes SessionTracer). An
// event naming an unknown machine or state is ignored, never trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "sim/proto/smtp/machine.hpp"
#include "sim/trace/event.hpp"

namespace smtpsim::gui {

// The machines the simulator runs, looked up by MachineSpec::name ("SMTP client") or by the
// protocol ("SMTP", "POP3", "IMAP") and side. nullptr when unknown.
const proto::MachineSpec* machine_by_name(std::string_view name);
const proto::MachineSpec* machine_for(std::string_view proto, bool client_side);
std::span<const proto::MachineSpec* const> all_machines();

struct DiagramNode {
  int state = 0;       // StateInfo::id
  int layer = 0;       // row, 0 = the initial state's
  int slot = 0;        // position in its row, left to right
  bool sink = false;   // no way out (CLOSED): drawn in the last row
  float x = 0, y = 0;  // centre in [0,1] x [0,1] of the drawing area
};

// All transitions between one pair of states, merged: one arrow, its triggers in table order.
struct DiagramEdge {
  int from = 0, to = 0;
  std::vector<std::string_view> triggers;
  bool into_sink = false;  // into a sink or closing state: faint unless lit (all states can close)
};

struct Diagram {
  const proto::MachineSpec* spec = nullptr;
  std::vector<DiagramNode> nodes;  // one per state, in table order
  std::vector<DiagramEdge> edges;  // in order of first appearance in the table
  int layers = 0;
  int widest = 0;  // most nodes in one row
  const DiagramNode* node(int state) const;
  const DiagramEdge* edge(int from, int to) const;
};

Diagram build_diagram(const proto::MachineSpec& spec);

// A connection's machine on one side, after the first n events.
struct MachineMoment {
  const proto::MachineSpec* spec = nullptr;          // which machine moved (or the expected one)
  int current = -1;                                  // state id; -1: not started / unknown
  int last_from = -1, last_to = -1;                  // the last transition, -1 when none yet
  std::string trigger;                               // its trigger
  std::size_t event = static_cast<std::size_t>(-1);  // the StateChanged event, if any
  std::int64_t time = 0;
};

// Scans back from event n-1 to the connection's ConnectionOpened. `fallback` is the machine
// assumed before its first StateChanged (from the protocol and side); its initial state is
// current once the connection is open.
MachineMoment machine_at(std::span<const trace::Event> events, std::size_t n, std::uint64_t conn,
                         const std::string& host, const proto::MachineSpec* fallback);

// Parses "SPEC NAME: FROM -> TO" into its three parts; false when the text is not that.
bool parse_state_change(std::string_view text, std::string_view& machine, std::string_view& from,
                        std::string_view& to);

// What the last draw_diagram() put where (screen pixels), for tests and hover.
struct DiagramPicture {
  struct Box {
    int state;
    ImVec2 min, max;
  };
  std::vector<Box> boxes;
  int hovered_state = -1;
  int hovered_edge = -1;  // index into Diagram::edges
};

// Fills `size` from the current cursor position (an InvisibleButton catches the mouse).
DiagramPicture draw_diagram(const Diagram& d, const MachineMoment& m, ImVec2 size);

}  // namespace smtpsim::gui
