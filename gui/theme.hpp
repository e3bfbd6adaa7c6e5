// Look of the view for a projector: a dark high-contrast theme, sizes scaled by the monitor's
// DPI, and DejaVu Sans (fonts-dejavu-core, found at run time) at 19 px, or 26 px in presenter
// mode, with ImGui's built-in font as the fallback. Needs a current ImGui context, no window.
#pragma once

struct ImFont;

namespace smtpsim::gui {

void apply_theme(float dpi_scale, bool presenter);
// Returns true when the TrueType font was found, false when ImGui's default font is used.
bool load_fonts(float dpi_scale, bool presenter);
// The same face larger (lesson narration), loaded by load_fonts.
ImFont* large_font();

}  // namespace smtpsim::gui
