// Where each host sits on the network canvas, in world units (before pan and zoom). Positions
// come from the scenario (HostSpec::position, stretched until every two boxes are at least a
// minimum link apart); hosts without one get an automatic place in a column by role: devices,
// submission, relay, delivery, with DNS servers underneath; a long column (a class of 30
// laptops) wraps into several, so the picture stays about as wide as it is high. The minimum
// gaps leave room for what is drawn outside a box -- queue and mailbox badges above it, port
// badges below, envelopes on the link between two boxes -- so labels never overlap.
// Pure geometry: no ImGui, so tests can check it directly.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

// Real: the far end of a real socket in live mode (a globe: it is out on the real network).
enum class Glyph { Laptop, Phone, Server, Directory, Real };

struct HostBox {
  std::string name;
  Glyph glyph = Glyph::Server;
  double x = 0, y = 0;     // centre, world units
  double w = 0, h = 0;     // size, world units
  std::vector<int> ports;  // services shown as port badges
};

inline constexpr double kBoxW = 232, kBoxH = 112;
// Two boxes are at least this far apart side by side (an envelope of about 40 units plus its
// margins fits on the link between them with room to move), or this far apart one above the
// other (port badges below one box, queue and mailbox badges above the next).
inline constexpr double kMinGapX = 120, kMinGapY = 72;

std::vector<HostBox> compute_layout(const scenario::Spec& spec);

bool has_role(const scenario::HostSpec& h, const char* role);

}  // namespace smtpsim::gui
