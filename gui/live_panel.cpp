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
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  if (!ImGui::Begin("Connect to a real server###live-panel", &open,
                    ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  ImGui::TextDisabled(
      "The simulator's own SMTP client, on \"this computer\", talks to a real server.");
  auto field = [&](const char* label, std::string* text, ImGuiInputTextFlags flags = 0) {
    ImGui::SetNextItemWidth(em * 18);
    ImGui::InputText(label, text, flags);
  };
  field("host", &form.host);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(em * 5);
  ImGui::InputText("port", &form.port, ImGuiInputTextFlags_CharsDecimal);
  ImGui::TextUnformatted("TLS:");
  for (LiveTls t : {LiveTls::None, LiveTls::StartTls, LiveTls::Implicit}) {
    ImGui::SameLine();
    if (ImGui::RadioButton(tls_label(t), form.tls == t)) form.tls = t;
  }
  ImGui::Checkbox("do not verify the certificate (insecure)", &form.insecure);
  field("user (empty: no AUTH)", &form.user);
  field("password", &form.password, ImGuiInputTextFlags_Password);
  field("from", &form.from);
  field("to", &form.to);
  field("subject", &form.subject);
  ImGui::InputTextMultiline("body", &form.body, ImVec2(em * 18, em * 4));
  if (ImGui::Button("Send", ImVec2(em * 6, 0))) send(view);
  ImGui::SameLine();
  if (ImGui::Button("Close")) open = false;
  if (const std::string m = message(view); !m.empty()) {
    const bool bad =
        error_ || m.find("refused") != std::string::npos || m.find("failed") != std::string::npos;
    ImGui::PushStyleColor(ImGuiCol_Text,
                          bad ? ImVec4(1.f, 0.45f, 0.4f, 1.f) : ImVec4(0.55f, 0.9f, 0.55f, 1.f));
    ImGui::PushTextWrapPos(em * 34);
    ImGui::TextUnformatted(m.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
  }
  ImGui::End();
}

}  // namespace smtpsim::gui
