// The help overlay (F1): every keyboard and mouse shortcut of the window in one table, drawn
// centred over the panels. The table is data so tests can check that each row is drawn.
#pragma once

#include <span>

namespace smtpsim::gui {

struct Shortcut {
  const char* keys;
  const char* what;
};

std::span<const Shortcut> shortcuts();

// Draws the overlay window (between ImGui::NewFrame and ImGui::Render).
void draw_help();

}  // namespace smtpsim::gui
