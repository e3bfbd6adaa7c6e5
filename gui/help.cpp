// The shortcuts table and its overlay.
#include "gui/help.hpp"

#include <imgui.h>

#include <iterator>

namespace smtpsim::gui {

namespace {
constexpr Shortcut kShortcuts[] = {
    {"Space", "play / pause"},
    {"Right arrow", "step forward one event"},
    {"Left arrow", "step back one event"},
    {"Home", "restart from the beginning"},
    {"F11", "full screen on / off"},
    {"F1", "this help"},
    {"Page Down / Page Up", "lesson: next / previous step"},
    {"F2", "the list of lessons"},
    {"F3", "SMTP console: type to a server yourself"},
    {"Ctrl+Z", "undo the last thing done by hand (Faults, Mail menus)"},
    {"Mouse wheel", "zoom the network"},
    {"Drag", "move a host, or pan the background"},
    {"Click a transcript line", "go to that moment, inspect its connection"},
    {"Click a host", "inspect it (services, connections, queue, mailboxes)"},
    {"Click or drag the scrubber", "go to that moment (by event or by time)"},
};
}  // namespace

std::span<const Shortcut> shortcuts() {
  return kShortcuts;
}

void draw_help() {
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Always,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.95f);
  ImGui::Begin("Keyboard shortcuts (F1 to close)", nullptr,
               ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse);
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (const Shortcut& s : kShortcuts) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.keys);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.what);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace smtpsim::gui
