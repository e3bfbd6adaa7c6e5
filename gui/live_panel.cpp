// The live panel's window and its Send.
#include "gui/live_panel.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace smtpsim::gui {

bool LivePanel::send(View& view) {
  sent_ = false;
  error_ = true;
  problem_ = validate(form);
  if (!problem_.empty()) return false;
  if (!view.live_driver()) {
    problem_ =
        "Real servers are reached in live mode only: start the view with 'smtpsim gui --serve'.";
    return false;
  }
  problem_ = view.live_driver()->send(form);
  if (!problem_.empty()) return false;
  error_ = false;
  sent_ = true;
  view.back_to_live();  // the exchange is about to happen: show it as it does
  return true;
}

std::string LivePanel::message(View& view) const {
  if (!problem_.empty() || !sent_) return problem_;
  const std::string outcome = view.live_driver() ? view.live_driver()->send_outcome() : "";
  return outcome.empty() ? "Sending... watch the canvas and the transcript." : outcome;
}

void LivePanel::draw(View& view) {
  if (!open) return;
  const float em = ImGui::GetFontSize();
  // At the bottom left, over the canvas's empty margin and clear of the transcript: the
  // exchange it starts stays in view on both.
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + em * 0.5f, vp->WorkPos.y + vp->WorkSize.y - em * 5.5f),
      ImGuiCond_Appearing, ImVec2(0.f, 1.f));
  if (!ImGui::Begin("Connect to a real server###live-panel", &open,
                    ImGuiWindowFlags_AlwaysAutoResize)) {  // collapsible: the network under it
    ImGui::End();
    return;
  }
  auto field = [&](const char* label, std::string* text, float width,
                   ImGuiInputTextFlags flags = 0) {
    ImGui::SetNextItemWidth(em * width);
    ImGui::InputText(label, text, flags);
  };
  field("host", &form.host, 11);
  ImGui::SameLine();
  field("port", &form.port, 4, ImGuiInputTextFlags_CharsDecimal);
  ImGui::TextUnformatted("TLS:");
  for (LiveTls t : {LiveTls::None, LiveTls::StartTls, LiveTls::Implicit}) {
    ImGui::SameLine();
    if (ImGui::RadioButton(tls_label(t), form.tls == t)) form.tls = t;
  }
  ImGui::Checkbox("do not verify the certificate (insecure)", &form.insecure);
  field("user", &form.user, 8);
  ImGui::SameLine();
  field("password", &form.password, 6, ImGuiInputTextFlags_Password);
  field("from", &form.from, 11);
  ImGui::SameLine();
  field("to", &form.to, 11);
  field("subject", &form.subject, 24.5f);
  ImGui::InputTextMultiline("body", &form.body, ImVec2(em * 24.5f, em * 2.6f));
  if (ImGui::Button("Send", ImVec2(em * 6, 0))) send(view);
  ImGui::SameLine();
  if (ImGui::Button("Close")) open = false;
  ImGui::SameLine();
  ImGui::TextDisabled("(no user: no AUTH)");
  // Two lines kept for the message whether or not there is one: the window keeps its size.
  const std::string m = message(view);
  const bool bad =
      error_ || m.find("refused") != std::string::npos || m.find("failed") != std::string::npos;
  ImGui::PushStyleColor(ImGuiCol_Text,
                        bad ? ImVec4(1.f, 0.45f, 0.4f, 1.f) : ImVec4(0.55f, 0.9f, 0.55f, 1.f));
  ImGui::BeginChild("live-panel-message", ImVec2(em * 30, ImGui::GetTextLineHeight() * 2.2f));
  ImGui::TextWrapped("%s", m.c_str());
  ImGui::EndChild();
  ImGui::PopStyleColor();
  ImGui::End();
}

}  // namespace smtpsim::gui
