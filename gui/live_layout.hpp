// Where hosts that join while running go on the canvas (live mode, issue 7): clients -- real
// external clients ("external client 127.0.0.1:53122") and "this computer" of the live panel
// -- stacked in a column at the left of every scenario box, in order of arrival; servers
// reached over the real network ("real server 127.0.0.1") in a column at the right. A
// column holds as many boxes as the scenario is rows high (at least 4), then the next one
// opens further out, so a class of 30 laptops stays on screen. Pure geometry, like layout.hpp.
#pragma once

#include <vector>

#include "gui/layout.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

// Boxes for `extra` (in that order), placed around `base` (the scenario's layout).
std::vector<HostBox> place_extra_hosts(const std::vector<HostBox>& base,
                                       const std::vector<ExtraHost>& extra);

}  // namespace smtpsim::gui
