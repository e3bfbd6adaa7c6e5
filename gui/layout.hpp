// Where each host sits on the network canvas, in world units (before pan and zoom). Positions
// come from the scenario (HostSpec::position, spread out so boxes never touch); hosts without
// one get an automatic place in a column by role: devices, submission, relay, delivery, with
// DNS servers underneath. Pure geometry: no ImGui, so tests can check it directly.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

enum class Glyph { Laptop, Phone, Server, Directory };

struct HostBox {
  std::string name;
  Glyph glyph = Glyph::Server;
  double x = 0, y = 0;     // centre, world units
  double w = 0, h = 0;     // size, world units
  std::vector<int> ports;  // services shown as port badges
};

inline constexpr double kBoxW = 232, kBoxH = 112;

std::vector<HostBox> compute_layout(const scenario::Spec& spec);

bool has_role(const scenario::HostSpec& h, const char* role);

}  // namespace smtpsim::gui
