// Look of the view for a projector: a dark high-contrast theme, sizes scaled by the monitor's
// DPI, and DejaVu Sans (fonts-dejavu-core, found at run time) at 19 px, or DejaVu Sans Bold at
// 26 px in presenter mode (thin strokes wash out on a projector), with ImGui's built-in font
// as the fallback at the same size. Presenter mode also turns the contrast up: black
// background, white text, brighter frames. Needs a current ImGui context, no window.
#pragma once

#include <string>
#include <vector>
struct ImFont;

namespace smtpsim::gui {

// Font size in pixels at DPI scale 1.
inline constexpr float kFontPx = 19, kPresenterFontPx = 26;

// The TrueType fonts tried in order: presenter mode prefers the bold face.
std::vector<std::string> font_candidates(bool presenter);

void apply_theme(float dpi_scale, bool presenter);
// Returns true when a TrueType font was loaded, false when ImGui's default font is used.
bool load_fonts(float dpi_scale, bool presenter);
// The same with the files to try given (tests: a missing file falls back to ImGui's font).
bool load_fonts(float dpi_scale, bool presenter, const std::vector<std::string>& candidates);
// The same face larger (lesson narration), loaded by load_fonts.
ImFont* large_font();

}  // namespace smtpsim::gui
