// The live status strip.
#include "gui/live_strip.hpp"

#include <fmt/format.h>
#include <imgui.h>

namespace smtpsim::gui {

void draw_live_strip(View& view) {
  LiveDriver* d = view.live_driver();
  if (!view.live() || !d) return;
  const LiveStatus st = d->status();
  const bool edge = view.at_live_edge();
  // The badge: red and solid at the live edge, grey while a moment is studied.
  const std::string badge = edge ? " LIVE " : " PAUSED ";
  ImGui::PushStyleColor(ImGuiCol_Button,
                        edge ? ImVec4(0.85f, 0.1f, 0.15f, 1.f) : ImVec4(0.4f, 0.4f, 0.45f, 1.f));
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImGui::GetStyleColorVec4(ImGuiCol_Button));
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImGui::GetStyleColorVec4(ImGuiCol_Button));
  ImGui::Button(badge.c_str());
  ImGui::PopStyleColor(3);
  ImGui::SameLine();
  ImGui::TextUnformatted(
      fmt::format("{} real client{} connected", st.clients, st.clients == 1 ? "" : "s").c_str());
  if (!edge) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.f, 0.85f, 0.5f, 1.f), "showing event %zu of %zu", view.cursor(),
                       view.events().size());
    ImGui::SameLine();
    if (ImGui::Button("Back to live")) view.back_to_live();
  }
  if (!st.ports.empty()) {
    ImGui::SameLine();
    const bool v6 = st.listen.find(':') != std::string::npos;  // bracketed, RFC 3986 §3.2.2
    std::string ports = "   on " + (v6 ? "[" + st.listen + "]" : st.listen) + ":";
    for (const auto& p : st.ports) ports += "  " + p;
    ImGui::TextColored(ImVec4(0.6f, 0.85f, 1.f, 1.f), "%s", ports.c_str());
  }
  std::string users = "users:";
  for (std::size_t i = 0; i < st.users.size(); ++i) users += (i ? ",  " : "  ") + st.users[i];
  ImGui::TextDisabled("%s", users.c_str());
  if (!st.simulated_users.empty()) {
    // Mail reaches them through the simulation; they cannot log in on the real ports.
    std::string others = "   simulated only:";
    for (std::size_t i = 0; i < st.simulated_users.size(); ++i)
      others += (i ? ",  " : "  ") + st.simulated_users[i];
    ImGui::SameLine();
    ImGui::TextDisabled("%s", others.c_str());
  }
}

}  // namespace smtpsim::gui
