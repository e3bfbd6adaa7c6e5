// Compose, fetch, read and delete by hand, as scenario::Actions (see compose.hpp).
#include "gui/compose.hpp"

#include <fmt/format.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

namespace smtpsim::gui {

namespace {

bool is_mua(const scenario::HostSpec& h) {
  return h.mua.has_value();
}
bool reads_mail(const scenario::HostSpec& h) {
  return h.mua && !h.mua->retrieve_from.empty();
}

std::string device_label(const scenario::HostSpec& h) {
  return fmt::format("{}  ({})", h.name, h.mua ? h.mua->address : "");
}

// A combo over the hosts that pass `keep`, selecting by name.
void host_combo(const char* label, const scenario::Spec& spec, std::string& selected,
                bool (*keep)(const scenario::HostSpec&)) {
  std::string preview = selected;
  for (const auto& h : spec.hosts)
    if (h.name == selected) preview = device_label(h);
  if (ImGui::BeginCombo(label, preview.c_str())) {
    for (const auto& h : spec.hosts) {
      if (!keep(h)) continue;
      if (ImGui::Selectable(device_label(h).c_str(), h.name == selected)) selected = h.name;
    }
    ImGui::EndCombo();
  }
}

std::string first_host(const scenario::Spec& spec, bool (*keep)(const scenario::HostSpec&)) {
  for (const auto& h : spec.hosts)
    if (keep(h)) return h.name;
  return {};
}

}  // namespace

std::vector<std::string> split_addresses(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void ComposeDialog::open(const View& view, const std::string& from) {
  open_ = true;
  draft_.from_host = from.empty() ? first_host(view.spec(), is_mua) : from;
}

void ComposeDialog::open_reader(const View& view, const std::string& device) {
  reader_open_ = true;
  device_ = device.empty() ? first_host(view.spec(), reads_mail) : device;
}

scenario::Action ComposeDialog::send_action() const {
  scenario::Action a;
  a.kind = "send";
  a.host = draft_.from_host;
  a.to = split_addresses(draft_.to);
  a.cc = split_addresses(draft_.cc);
  a.bcc = split_addresses(draft_.bcc);
  a.subject = draft_.subject;
  a.body = draft_.body;
  return a;
}

std::optional<scenario::Action> ComposeDialog::draw_menu(View& view) {
  std::optional<scenario::Action> chosen;
  const scenario::Spec& spec = view.spec();
  const bool any_mua = std::any_of(spec.hosts.begin(), spec.hosts.end(), is_mua);
  const bool any_reader = std::any_of(spec.hosts.begin(), spec.hosts.end(), reads_mail);
  if (ImGui::MenuItem("Compose a message...", nullptr, false, any_mua)) open(view);
  ImGui::Separator();
  if (ImGui::BeginMenu("Fetch new mail", any_reader)) {
    for (const auto& h : spec.hosts) {
      if (!reads_mail(h)) continue;
      const std::string label =
          fmt::format("{}  ({} from {})", h.name, h.mua->protocol == "pop3" ? "POP3" : "IMAP",
                      h.mua->retrieve_from);
      if (ImGui::MenuItem(label.c_str())) {
        chosen = scenario::Action{};
        chosen->kind = "fetch";
        chosen->host = h.name;
      }
    }
    ImGui::EndMenu();
  }
  if (ImGui::MenuItem("Read or delete a message...", nullptr, false, any_reader)) open_reader(view);
  return chosen;
}

std::optional<scenario::Action> ComposeDialog::draw_dialogs(View& view) {
  std::optional<scenario::Action> chosen;
  const scenario::Spec& spec = view.spec();
  const ImVec2 center = ImGui::GetMainViewport()->GetCenter();
  const float field_w = ImGui::GetFontSize() * 24;
  if (open_) {
    ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Compose a message", &open_,
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
      ImGui::SetNextItemWidth(field_w);
      host_combo("From", spec, draft_.from_host, is_mua);
      ImGui::SetNextItemWidth(field_w);
      ImGui::InputTextWithHint("To", "bob@example.com, carol@example.net", &draft_.to);
      ImGui::SetNextItemWidth(field_w);
      ImGui::InputText("Cc", &draft_.cc);
      ImGui::SetNextItemWidth(field_w);
      ImGui::InputText("Bcc", &draft_.bcc);
      ImGui::SetNextItemWidth(field_w);
      ImGui::InputText("Subject", &draft_.subject);
      ImGui::InputTextMultiline("Body", &draft_.body,
                                ImVec2(field_w, ImGui::GetTextLineHeight() * 6));
      ImGui::TextDisabled("Bcc recipients get the message without a header naming them.");
      if (ImGui::Button("Send")) chosen = send_action();
      ImGui::SameLine();
      if (ImGui::Button("Cancel")) open_ = false;
    }
    ImGui::End();
  }
  if (reader_open_) {
    ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Read or delete a message", &reader_open_,
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
      ImGui::SetNextItemWidth(field_w);
      host_combo("Device", spec, device_, reads_mail);
      const auto it = view.world().device_messages.find(device_);
      ImGui::Text("Messages on the device now: %d",
                  it == view.world().device_messages.end() ? 0 : it->second);
      ImGui::SetNextItemWidth(field_w * 0.5f);
      ImGui::InputInt("position (1 = oldest)", &message_);
      message_ = std::max(message_, 1);
      ImGui::SetNextItemWidth(field_w);
      ImGui::InputTextWithHint("or subject contains", "leave empty to use the position",
                               &subject_match_);
      auto make = [&](const char* kind) {
        scenario::Action a;
        a.kind = kind;
        a.host = device_;
        if (subject_match_.empty())
          a.index = message_;
        else
          a.subject_match = subject_match_;
        return a;
      };
      if (ImGui::Button("Read")) chosen = make("read");
      ImGui::SameLine();
      if (ImGui::Button("Delete")) chosen = make("delete");
      ImGui::SameLine();
      if (ImGui::Button("Cancel")) reader_open_ = false;
    }
    ImGui::End();
  }
  return chosen;
}

}  // namespace smtpsim::gui
