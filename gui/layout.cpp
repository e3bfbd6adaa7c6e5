// Host placement: scenario positions spread out, or columns by role.
#include "gui/layout.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace smtpsim::gui {

namespace {
// Scenario positions are written for a small sketch; boxes with readable text need more room.
// The sketch is stretched, separately in x and y, by the least factors that put every two
// boxes a minimum link apart side by side or one above the other (so a wide sketch is not
// stretched for nothing, and the canvas can draw the boxes larger). Vertically at least 1.3:
// a box is about half as high as it is wide, but its text lines need air.
constexpr double kMinSpreadY = 1.3;

std::pair<double, double> spread(const scenario::Spec& spec) {
  double sx = 1.0, sy = kMinSpreadY;
  for (std::size_t i = 0; i < spec.hosts.size(); ++i)
    for (std::size_t j = i + 1; j < spec.hosts.size(); ++j) {
      const auto& a = spec.hosts[i].position;
      const auto& b = spec.hosts[j].position;
      if (!a || !b) continue;
      const double dx = std::abs(a->first - b->first), dy = std::abs(a->second - b->second);
      if (dx < 1 && dy < 1) continue;  // the same point: nothing to stretch
      const double need_x = dx < 1 ? 1e18 : (kBoxW + kMinGapX) / dx;
      const double need_y = dy < 1 ? 1e18 : (kBoxH + kMinGapY) / dy;
      if (sx >= need_x || sy >= need_y) continue;  // already far enough apart
      // Stretch the direction that needs the smaller change: the sketch keeps its shape.
      if (need_x / sx <= need_y / sy)
        sx = need_x;
      else
        sy = need_y;
    }
  return {sx, sy};
}
constexpr double kColumn = kBoxW + kMinGapX + 40, kRow = kBoxH + kMinGapY;

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
  auto automatic_dns = [](const scenario::HostSpec& h) {
    return !has_role(h, "MUA") && !has_role(h, "MSA") && !has_role(h, "MTA") &&
           !has_role(h, "MDA") && !has_role(h, "WEBMAIL");
  };
  // Automatic columns: how many hosts each role column gets, and how many rows a column may
  // have before it wraps (about the square root of the automatic hosts, at least 6).
  std::map<int, int> in_column;
  int automatic = 0;
  for (const auto& h : spec.hosts)
    if (!h.position && !automatic_dns(h)) {
      ++in_column[column(h)];
      ++automatic;
    }
  const int max_rows =
      std::max(6, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(automatic)))));
  std::map<int, int> first_x;  // role column -> its first physical column
  int next_x = 0;
  for (const auto& [c, n] : in_column) {
    first_x[c] = next_x;
    next_x += (n + max_rows - 1) / max_rows;
  }
  std::map<int, int> rows;  // column -> hosts placed automatically so far
  std::vector<std::size_t> below;
  int dns_row = 0;  // automatic DNS hosts go in a row of their own under the others
  const auto [sx, sy] = spread(spec);
  double lowest = 0;
  for (const auto& h : spec.hosts)
    if (h.position) lowest = std::max(lowest, h.position->second * sy + kRow);
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
      b.y = h.position->second * sy;
    } else if (automatic_dns(h)) {
      b.x = 120 + kColumn * (1 + dns_row++);
      below.push_back(out.size());  // placed under everything else, below
    } else {
      const int c = column(h);
      const int k = rows[c]++;
      b.x = 120 + kColumn * (first_x[c] + k / max_rows);
      b.y = lowest + kRow * (k % max_rows);
    }
    out.push_back(std::move(b));
  }
  double bottom = 0;  // (the DNS boxes are still at 0 here)
  for (std::size_t i = 0; i < out.size(); ++i)
    if (std::find(below.begin(), below.end(), i) == below.end())
      bottom = std::max(bottom, out[i].y);
  for (std::size_t i : below) out[i].y = bottom + kRow;
  return out;
}

}  // namespace smtpsim::gui
