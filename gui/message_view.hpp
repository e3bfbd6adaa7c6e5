// The inspector's message view: a MessageInfo (message_model.hpp) drawn with ImGui — the
// envelope as it crossed the wire beside the header fields, the Received: chain as a route,
// the hops before and after, what happened to each recipient, and a bounce's DSN parts.
// Reads only the MessageInfo it is given.
#pragma once

#include "gui/message_model.hpp"
#include "gui/selection.hpp"

namespace smtpsim::gui {

// Draws m into the current window. Returns true (and sets go) when a link was clicked.
bool draw_message_info(const MessageInfo& m, Selection& go);

}  // namespace smtpsim::gui
