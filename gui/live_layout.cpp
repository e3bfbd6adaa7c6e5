// Placing hosts that joined while running: a column left for clients, right for servers.
#include "gui/live_layout.hpp"

#include <algorithm>
#include <cmath>

namespace smtpsim::gui {

namespace {
// The same pitch as compute_layout's automatic columns and rows (layout.cpp).
constexpr double kColumn = kBoxW + kMinGapX + 40, kRow = kBoxH + kMinGapY;
}  // namespace

std::vector<HostBox> place_extra_hosts(const std::vector<HostBox>& base,
                                       const std::vector<ExtraHost>& extra) {
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  if (!base.empty()) {
    x0 = y0 = 1e18;
    x1 = y1 = -1e18;
    for (const auto& b : base) {
      x0 = std::min(x0, b.x);
      x1 = std::max(x1, b.x);
      y0 = std::min(y0, b.y);
      y1 = std::max(y1, b.y);
    }
  }
  const int rows = std::max(4, static_cast<int>(std::lround((y1 - y0) / kRow)) + 1);
  int clients = 0, servers = 0;
  std::vector<HostBox> out;
  for (const auto& x : extra) {
    HostBox b;
    b.name = x.name;
    b.w = kBoxW;
    b.h = kBoxH;
    b.glyph = x.real ? Glyph::Real : Glyph::Laptop;
    int& k = x.client ? clients : servers;
    const int column = k / rows, row = k % rows;
    ++k;
    b.x = x.client ? x0 - kColumn * (1 + column) : x1 + kColumn * (1 + column);
    b.y = y0 + kRow * row;
    if (!x.client && x.port != 0) b.ports.push_back(x.port);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace smtpsim::gui
