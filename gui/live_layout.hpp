// Where hosts that join while running go on the canvas (live mode, issue 7): in a row above
// the scenario's boxes -- clients (real external clients "external client 127.0.0.1:53122",
// and "this computer" of the live panel) from the left in order of arrival, servers reached
// over the real network ("real server 127.0.0.1") from the right. A row holds as many boxes as
// the scenario is columns wide; more open rows further up. Above rather than beside: the
// canvas is usually limited by its width, so a row on top keeps every box as large as before,
// and a line from the top row down to the provider crosses no other box. Pure geometry, like
// layout.hpp.
#pragma once

#include <vector>

#include "gui/layout.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

// Boxes for `extra` (in that order), placed around `base` (the scenario's layout).
std::vector<HostBox> place_extra_hosts(const std::vector<HostBox>& base,
                                       const std::vector<ExtraHost>& extra);

}  // namespace smtpsim::gui
