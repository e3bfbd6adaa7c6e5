// Host placement: scenario positions spread out, or columns by role.
#include "gui/layout.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace smtpsim::gui {

namespace {
// Scenario positions are written for a small sketch; boxes with readable text need more room.
// Vertically they are spread by a fixed factor; horizontally by just enough that no two boxes
// in the same band touch (so a wide sketch is not stretched for nothing, and the canvas can
// draw the boxes larger).
constexpr double kSpreadY = 1.3, kGap = 24;

double spread_x(const scenario::Spec& spec) {
  double spread = 1.0;
  for (std::size_t i = 0; i < spec.hosts.size(); ++i)
    for (std::size_t j = i + 1; j < spec.hosts.size(); ++j) {
      const auto& a = spec.hosts[i].position;
      const auto& b = spec.hosts[j].position;
      if (!a || !b) continue;
      const double dx = std::abs(a->first - b->first), dy = std::abs(a->second - b->second);
      if (dy * kSpreadY >= kBoxH + kGap || dx < 1) continue;  // different bands, or stacked
      spread = std::max(spread, (kBoxW + kGap) / dx);
    }
  return std::min(spread, 4.0);
}
constexpr double kColumn = 320, kRow = 160;

int column(const scenario::HostSpec& h) {
  if (has_role(h, "MUA")) return 0;
  if (has_role(h, "MSA")) return 1;
  if (has_role(h, "MTA")) return 2;
  if (has_role(h, "MDA")) return 3;
  return 1;  // DNS: under the submission column, in its own row band
}
}  // namespace

bool has_role(const scenario::HostSpec& h, const char* role) {
  return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
}

std::vector<HostBox> compute_layout(const scenario::Spec& spec) {
  std::vector<HostBox> out;
  std::map<int, int> rows;  // column -> hosts placed automatically so far
  std::vector<std::size_t> below;
  int dns_row = 0;  // automatic DNS hosts go in a row of their own under the others
  const double sx = spread_x(spec);
  double lowest = 0;
  for (const auto& h : spec.hosts)
    if (h.position) lowest = std::max(lowest, h.position->second * kSpreadY);
  for (const auto& h : spec.hosts) {
    HostBox b;
    b.name = h.name;
    b.w = kBoxW;
    b.h = kBoxH;
    if (has_role(h, "MUA")) {
      b.glyph = h.mua && h.mua->device == "phone" ? Glyph::Phone : Glyph::Laptop;
    } else if (has_role(h, "MSA") || has_role(h, "MTA") || has_role(h, "MDA") ||
               has_role(h, "WEBMAIL")) {
      b.glyph = Glyph::Server;
    } else {
      b.glyph = Glyph::Directory;
    }
    if (has_role(h, "MTA")) b.ports.push_back(25);
    if (has_role(h, "MSA")) b.ports.insert(b.ports.end(), {587, 465});
    if (has_role(h, "MDA")) b.ports.insert(b.ports.end(), {110, 143, 993, 995});
    if (has_role(h, "DNS")) b.ports.push_back(53);
    if (has_role(h, "WEBMAIL")) b.ports.push_back(443);
    if (h.position) {
      b.x = h.position->first * sx;
      b.y = h.position->second * kSpreadY;
    } else if (!has_role(h, "MUA") && !has_role(h, "MSA") && !has_role(h, "MTA") &&
               !has_role(h, "MDA") && !has_role(h, "WEBMAIL")) {
      b.x = 120 + kColumn * (1 + dns_row++);
      below.push_back(out.size());  // placed under everything else, below
    } else {
      const int c = column(h);
      b.x = 120 + kColumn * c;
      b.y = lowest + 100 + kRow * rows[c]++;
    }
    out.push_back(std::move(b));
  }
  double bottom = 0;  // (the DNS boxes are still at 0 here)
  for (const auto& b : out) bottom = std::max(bottom, b.y);
  for (std::size_t i : below) out[i].y = bottom + kRow;
  return out;
}

}  // namespace smtpsim::gui
