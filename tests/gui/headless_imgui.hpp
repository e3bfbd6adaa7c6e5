// The headless ImGui context the GUI tests draw into: a 1600x900 display, the program's theme
// and fonts, and the font atlas built (what a backend does before its first frame) — no
// window, no GL. One fixture for every panel test, so they all draw what the app draws.
#pragma once

#include <gtest/gtest.h>
#include <imgui.h>

#include "gui/app_window.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

class HeadlessImGui : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 900);
    io.DeltaTime = 1.f / 60;
    apply_theme(1.f, false);
    load_fonts(1.f, false);
    build_atlas();
  }
  void TearDown() override { ImGui::DestroyContext(); }
  static void build_atlas() {
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  // One whole frame of the window's panels, as the app draws it.
  static void frame(View& v, Panels& p) {
    ImGui::NewFrame();
    draw_frame(v, p);
    ImGui::Render();
  }
};

}  // namespace smtpsim::gui
