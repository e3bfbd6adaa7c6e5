// Theme and fonts.
#include "gui/theme.hpp"

#include <imgui.h>

#include <filesystem>

namespace smtpsim::gui {

namespace {
constexpr const char* kDejaVuDir = "/usr/share/fonts/truetype/dejavu/";
}

std::vector<std::string> font_candidates(bool presenter) {
  std::vector<std::string> out;
  if (presenter) out.push_back(std::string(kDejaVuDir) + "DejaVuSans-Bold.ttf");
  out.push_back(std::string(kDejaVuDir) + "DejaVuSans.ttf");
  return out;
}

void apply_theme(float dpi, bool presenter) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 4;
  s.FrameRounding = 4;
  s.FramePadding = ImVec2(8, 5);
  s.ItemSpacing = ImVec2(10, 6);
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.06f, 0.07f, 0.09f, 1);
  c[ImGuiCol_ChildBg] = ImVec4(0.08f, 0.09f, 0.12f, 1);
  c[ImGuiCol_Text] = ImVec4(0.96f, 0.97f, 1.0f, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.62f, 0.66f, 0.74f, 1);
  c[ImGuiCol_Button] = ImVec4(0.20f, 0.32f, 0.56f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.28f, 0.44f, 0.76f, 1);
  c[ImGuiCol_ButtonActive] = ImVec4(0.34f, 0.52f, 0.90f, 1);
  c[ImGuiCol_Header] = ImVec4(0.24f, 0.36f, 0.62f, 1);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.30f, 0.44f, 0.74f, 1);
  c[ImGuiCol_Border] = ImVec4(0.35f, 0.40f, 0.50f, 1);
  if (presenter) {
    // A projector lifts blacks and washes out greys: pure black, pure white, lighter greys,
    // visible frames around every control.
    c[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 1);
    c[ImGuiCol_ChildBg] = ImVec4(0.02f, 0.02f, 0.03f, 1);
    c[ImGuiCol_Text] = ImVec4(1, 1, 1, 1);
    c[ImGuiCol_TextDisabled] = ImVec4(0.80f, 0.83f, 0.88f, 1);
    c[ImGuiCol_Button] = ImVec4(0.16f, 0.36f, 0.78f, 1);
    c[ImGuiCol_FrameBg] = ImVec4(0.14f, 0.18f, 0.28f, 1);
    c[ImGuiCol_Border] = ImVec4(0.75f, 0.80f, 0.90f, 1);
    c[ImGuiCol_CheckMark] = ImVec4(1, 0.85f, 0.3f, 1);
    s.FrameBorderSize = 1;
    s.ChildBorderSize = 2;
  }
  s.ScaleAllSizes(dpi * (presenter ? 1.3f : 1.f));
}

ImFont* large_font() {
  ImGuiIO& io = ImGui::GetIO();
  return io.Fonts->Fonts.Size > 1 ? io.Fonts->Fonts[1] : ImGui::GetFont();
}

bool load_fonts(float dpi, bool presenter) {
  return load_fonts(dpi, presenter, font_candidates(presenter));
}

bool load_fonts(float dpi, bool presenter, const std::vector<std::string>& candidates) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  const float px = (presenter ? kPresenterFontPx : kFontPx) * dpi;
  // Lesson narration: 30 px, or 35 px in presenter mode (where 42 would crowd out the canvas).
  const float large = presenter ? 1.35f : 1.6f;
  // Latin, Latin-1, arrows (the transcript's "→"), box drawing.
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2190, 0x21FF, 0x2500, 0x257F, 0};
  for (const auto& path : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) &&
        io.Fonts->AddFontFromFileTTF(path.c_str(), px, nullptr, ranges) != nullptr) {
      // Fonts[1]: lesson narration, read from the back of a classroom.
      io.Fonts->AddFontFromFileTTF(path.c_str(), px * large, nullptr, ranges);
      return true;
    }
  }
  // ImGui's own font (ProggyClean, 13 px bitmap) scaled to the same size: blurry but legible,
  // and the layout (computed from the font size) stays the same.
  ImFontConfig cfg;
  cfg.SizePixels = px;
  io.Fonts->AddFontDefault(&cfg);
  cfg.SizePixels = px * large;
  io.Fonts->AddFontDefault(&cfg);
  return false;
}

}  // namespace smtpsim::gui
