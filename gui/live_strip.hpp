// The live status strip (issue 7), under the title in live mode: a red "LIVE" badge, how many
// real clients are connected, the real ports and the users to point a mail client at, and --
// when the teacher has paused or stepped back -- where the picture is and "Back to live".
// Reads the View and its driver; changes only the cursor (back_to_live).
#pragma once

#include "gui/view.hpp"

namespace smtpsim::gui {

// Draws the strip when the View is live (nothing otherwise).
void draw_live_strip(View& view);

}  // namespace smtpsim::gui
