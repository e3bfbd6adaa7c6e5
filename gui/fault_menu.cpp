// The Faults menu: one click per fault, built as scenario::Actions (see fault_menu.hpp).
#include "gui/fault_menu.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace smtpsim::gui {

namespace {

bool has_role(const scenario::HostSpec& h, std::string_view role) {
  return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The loader's meaning of a dns_remove pattern: no value matches every value.
bool matches(const scenario::DnsRecord& pattern, const scenario::DnsRecord& r) {
  if (lower(pattern.name) != lower(r.name) || pattern.type != r.type) return false;
  if (pattern.value.empty()) return true;
  if (lower(pattern.value) != lower(r.value) && pattern.value != r.value) return false;
  return pattern.type != "MX" || pattern.preference == r.preference;
}

scenario::Action make(std::string kind, std::string host) {
  scenario::Action a;
  a.kind = std::move(kind);
  a.host = std::move(host);
  return a;
}

const char* service_name(int port) {
  switch (port) {
    case 25:
      return "SMTP (MTA)";
    case 53:
      return "DNS";
    case 110:
      return "POP3";
    case 143:
      return "IMAP";
    case 465:
      return "submission, implicit TLS";
    case 587:
      return "submission";
    case 993:
      return "IMAPS";
    case 995:
      return "POP3S";
    default:
      return "";
  }
}

}  // namespace

std::vector<int> service_ports(const scenario::HostSpec& h) {
  std::vector<int> p;
  if (has_role(h, "MTA")) p.push_back(25);
  if (has_role(h, "DNS")) p.push_back(53);
  if (has_role(h, "MDA")) p.insert(p.end(), {110, 143, 993, 995});
  if (has_role(h, "MSA")) p.insert(p.end(), {465, 587});
  std::sort(p.begin(), p.end());
  return p;
}

std::vector<scenario::DnsRecord> records_at(const scenario::Spec& spec, std::int64_t t) {
  std::vector<scenario::DnsRecord> records = spec.dns;
  for (const auto& a : spec.script) {  // in time order (the loader sorted it)
    if (a.at_us > t) break;
    if (!a.record) continue;
    if (a.kind == "dns_add") records.push_back(*a.record);
    if (a.kind == "dns_remove")
      std::erase_if(records, [&](const auto& r) { return matches(*a.record, r); });
  }
  return records;
}

std::vector<MailboxChoice> mailboxes_at(const scenario::Spec& spec, std::int64_t t) {
  std::vector<MailboxChoice> out;
  for (const auto& h : spec.hosts) {
    if (!has_role(h, "MDA") || h.domains.empty()) continue;
    for (const auto& [user, pw] : h.users) out.push_back({h.name, user + "@" + h.domains[0]});
  }
  // Mailboxes are kept by local part (the MDA's store), so any of the host's domains counts.
  for (const auto& a : spec.script) {
    if (a.at_us > t) break;
    if (a.kind != "mailbox_full") continue;
    const std::string local = lower(a.mailbox.substr(0, a.mailbox.find('@')));
    for (auto& m : out)
      if (m.host == a.host && lower(m.address.substr(0, m.address.find('@'))) == local)
        m.full = a.full;
  }
  return out;
}

std::string record_label(const scenario::DnsRecord& r) {
  std::string s = r.type + " " + r.name;
  if (r.type == "MX") s += fmt::format(" {}", r.preference);
  if (!r.value.empty()) s += " " + (r.type == "TXT" ? "\"" + r.value + "\"" : r.value);
  return s;
}

bool begin_menu(const char* label, bool enabled, const std::string& forced) {
  if (enabled && forced == label && !ImGui::IsPopupOpen(label)) ImGui::OpenPopup(label);
  return ImGui::BeginMenu(label, enabled);
}

std::optional<scenario::Action> FaultMenu::draw_menu(View& view) {
  std::optional<scenario::Action> chosen;
  const scenario::Spec& spec = view.spec();
  const trace::WorldView& w = view.world();

  if (begin_menu("Take a host down / up", true, forced)) {
    for (const auto& h : spec.hosts) {
      const bool down = w.hosts_down.count(h.name) > 0;
      const std::string label = fmt::format("{}  ({})", h.name, down ? "down: bring up" : "up");
      if (ImGui::MenuItem(label.c_str(), nullptr, down))
        chosen = make(down ? "host_up" : "host_down", h.name);
    }
    ImGui::EndMenu();
  }
  if (begin_menu("Stop / start a service", true, forced)) {
    for (const auto& h : spec.hosts) {
      const auto ports = service_ports(h);
      if (ports.empty()) continue;
      if (begin_menu(h.name.c_str(), true, forced)) {
        for (int port : ports) {
          const bool down = w.services_down.count({h.name, static_cast<std::uint16_t>(port)}) > 0;
          const std::string label = fmt::format("port {} {}  ({})", port, service_name(port),
                                                down ? "stopped: start" : "running");
          if (ImGui::MenuItem(label.c_str(), nullptr, down)) {
            chosen = make(down ? "service_up" : "service_down", h.name);
            chosen->port = port;
          }
        }
        ImGui::EndMenu();
      }
    }
    ImGui::EndMenu();
  }
  if (begin_menu("Cut / restore a link", true, forced)) {
    for (const auto& h : spec.hosts) {
      const bool cut = w.links_cut.count(h.name) > 0;
      const std::string label =
          fmt::format("{}'s link  ({})", h.name, cut ? "cut: restore" : "connected");
      if (ImGui::MenuItem(label.c_str(), nullptr, cut))
        chosen = make(cut ? "link_restored" : "link_cut", h.name);
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Change a link's latency")) {
    for (const auto& h : spec.hosts)
      if (ImGui::MenuItem((h.name + "...").c_str())) open_latency(h.name);
    ImGui::EndMenu();
  }
  ImGui::Separator();
  const bool have_dns = std::any_of(spec.hosts.begin(), spec.hosts.end(),
                                    [](const auto& h) { return has_role(h, "DNS"); });
  if (ImGui::MenuItem("Add a DNS record...", nullptr, false, have_dns)) open_dns_add();
  if (begin_menu("Remove a DNS record", have_dns, forced)) {
    const auto records = records_at(spec, view.display_time());
    if (records.empty()) ImGui::TextDisabled("no records left");
    for (std::size_t i = 0; i < records.size(); ++i) {
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::MenuItem(record_label(records[i]).c_str())) {
        chosen = make("dns_remove", "");
        chosen->record = records[i];
        chosen->record->ttl = 0;  // a removal matches records, it has no TTL
      }
      ImGui::PopID();
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("DNS server fails (SERVFAIL)", have_dns)) {
    for (const auto& h : spec.hosts) {
      if (!has_role(h, "DNS")) continue;
      if (ImGui::MenuItem((h.name + ": fail").c_str())) chosen = make("dns_servfail", h.name);
      if (ImGui::MenuItem((h.name + ": answer again").c_str()))
        chosen = make("dns_recover", h.name);
    }
    ImGui::EndMenu();
  }
  ImGui::Separator();
  const auto boxes = mailboxes_at(spec, view.display_time());
  if (begin_menu("Fill / empty a mailbox", !boxes.empty(), forced)) {
    for (const auto& m : boxes) {
      const std::string label =
          fmt::format("{} on {}  ({})", m.address, m.host, m.full ? "full: empty it" : "has room");
      if (ImGui::MenuItem(label.c_str(), nullptr, m.full)) {
        chosen = make("mailbox_full", m.host);
        chosen->mailbox = m.address;
        chosen->full = !m.full;
      }
    }
    ImGui::EndMenu();
  }
  return chosen;
}

void FaultMenu::open_latency(const std::string& host) {
  latency_open_ = true;
  latency_host_ = host;
}

void FaultMenu::open_dns_add() {
  dns_open_ = true;
}

void FaultMenu::close_dialogs() {
  latency_open_ = dns_open_ = false;
}

std::optional<scenario::Action> FaultMenu::draw_dialogs(View& view) {
  std::optional<scenario::Action> chosen;
  const ImVec2 center = ImGui::GetMainViewport()->GetCenter();
  if (latency_open_) {
    ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Link latency", &latency_open_,
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
      ImGui::Text("Host: %s", latency_host_.c_str());
      ImGui::TextDisabled("one-way delay of its link; a round trip crosses two links");
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
      ImGui::InputFloat("milliseconds", &latency_ms_, 1.f, 10.f, "%.3f");
      latency_ms_ = std::clamp(latency_ms_, 0.f, 3'600'000.f);
      if (ImGui::Button("Change latency")) {
        chosen = make("latency", latency_host_);
        chosen->latency_us = static_cast<std::int64_t>(std::llround(latency_ms_ * 1000.0));
      }
      ImGui::SameLine();
      if (ImGui::Button("Cancel")) latency_open_ = false;
    }
    ImGui::End();
  }
  if (dns_open_) {
    ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
    if (ImGui::Begin("Add a DNS record", &dns_open_,
                     ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
      static const char* const kTypes[] = {"MX", "A", "TXT"};
      const float w = ImGui::GetFontSize() * 16;
      ImGui::SetNextItemWidth(w);
      ImGui::Combo("type", &dns_type_, kTypes, 3);
      ImGui::SetNextItemWidth(w);
      ImGui::InputText("name", dns_name_, sizeof dns_name_);
      if (dns_type_ == 0) {
        ImGui::SetNextItemWidth(w);
        ImGui::InputInt("preference", &dns_preference_);
        dns_preference_ = std::clamp(dns_preference_, 0, 65535);
      }
      ImGui::SetNextItemWidth(w);
      ImGui::InputText(dns_type_ == 0   ? "mail server"
                       : dns_type_ == 1 ? "IPv4 address"
                                        : "text",
                       dns_value_, sizeof dns_value_);
      ImGui::SetNextItemWidth(w);
      ImGui::InputInt("TTL (seconds)", &dns_ttl_);
      dns_ttl_ = std::max(dns_ttl_, 0);
      const bool multi_dns = std::count_if(view.spec().hosts.begin(), view.spec().hosts.end(),
                                           [](const auto& h) { return has_role(h, "DNS"); }) > 1;
      if (multi_dns) ImGui::TextDisabled("added on every DNS server");
      if (ImGui::Button("Add record")) {
        chosen = make("dns_add", "");
        chosen->record =
            scenario::DnsRecord{dns_name_, kTypes[dns_type_], dns_type_ == 0 ? dns_preference_ : 0,
                                dns_value_, dns_ttl_};
      }
      ImGui::SameLine();
      if (ImGui::Button("Cancel")) dns_open_ = false;
    }
    ImGui::End();
  }
  return chosen;
}

}  // namespace smtpsim::gui
