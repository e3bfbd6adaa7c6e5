// Placing hosts that joined while running: rows above the scenario, clients from the left,
// servers from the right.
#include "gui/live_layout.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace smtpsim::gui {

namespace {
// The same pitch as compute_layout's automatic columns and rows (layout.cpp).
constexpr double kColumn = kBoxW + kMinGapX + 40, kRow = kBoxH + kMinGapY;
}  // namespace

std::vector<HostBox> place_extra_hosts(const std::vector<HostBox>& base,
                                       const std::vector<ExtraHost>& extra) {
  double x0 = 0, x1 = 0, y0 = 0;
  if (!base.empty()) {
    x0 = y0 = 1e18;
    x1 = -1e18;
    for (const auto& b : base) {
      x0 = std::min(x0, b.x);
      x1 = std::max(x1, b.x);
      y0 = std::min(y0, b.y);
    }
  }
  const int per_row = std::max(2, static_cast<int>(std::lround((x1 - x0) / kColumn)) + 1);
  // From the leftmost box's centre to the rightmost one's, never closer than a column.
  const double pitch = std::max(kColumn, (x1 - x0) / (per_row - 1));
  std::set<std::pair<int, int>> taken;  // (row, slot from the left)
  int clients = 0, servers = 0;
  std::vector<HostBox> out;
  for (const auto& x : extra) {
    HostBox b;
    b.name = x.name;
    b.w = kBoxW;
    b.h = kBoxH;
    b.glyph = x.real ? Glyph::Real : Glyph::Laptop;
    int& k = x.client ? clients : servers;
    int row = k / per_row;
    const int slot = x.client ? k % per_row : per_row - 1 - k % per_row;
    ++k;
    while (taken.count({row, slot})) ++row;  // a client and a server met: one row up
    taken.insert({row, slot});
    b.x = x0 + pitch * slot;
    b.y = y0 - kRow * (1 + row);
    if (!x.client && x.port != 0) b.ports.push_back(x.port);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace smtpsim::gui
