// The Faults menu and its two dialogs (link latency, add a DNS record): take a host or a
// service down or up, cut or restore a host's link, change its latency, add or remove a DNS
// record, make a DNS server fail, fill or empty a mailbox. Each choice is built as the same
// scenario::Action a script would hold; the caller applies it (View::apply_action), so the
// loader checks it and a saved scenario replays it. Reads the View (what is down now, which
// records exist at the displayed time) and never changes it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gui/view.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::gui {

// The ports a host serves, from its roles (as the simulation starts them).
std::vector<int> service_ports(const scenario::HostSpec& h);
// The DNS records served at virtual time t: the scenario's, changed by the script's
// dns_add and dns_remove actions up to and including t.
std::vector<scenario::DnsRecord> records_at(const scenario::Spec& spec, std::int64_t t);
// The mailboxes (user@first-domain) of every MDA host, with the host, and whether the script
// has made each full at time t.
struct MailboxChoice {
  std::string host, address;
  bool full = false;
};
std::vector<MailboxChoice> mailboxes_at(const scenario::Spec& spec, std::int64_t t);
// "MX example.com 10 mail.example.com" (how menus and messages name a record).
std::string record_label(const scenario::DnsRecord& r);

// ImGui::BeginMenu, but opened without a click when `forced` names it (screenshot mode
// shows a menu dropped down: "menu:Faults/Stop / start a service").
bool begin_menu(const char* label, bool enabled, const std::string& forced);

class FaultMenu {
 public:
  std::string forced;  // a submenu to show open (screenshot mode), "" = none

  // The items of the "Faults" menu (call between BeginMenu and EndMenu). Returns the action
  // chosen this frame, if any; the dialogs' actions come from draw_dialogs().
  std::optional<scenario::Action> draw_menu(View& view);
  // A dialog stays open until its action was applied (the caller closes it then), so a
  // refused action can be corrected.
  std::optional<scenario::Action> draw_dialogs(View& view);
  void close_dialogs();

  void open_latency(const std::string& host);
  void open_dns_add();
  bool latency_open() const { return latency_open_; }
  bool dns_add_open() const { return dns_open_; }

 private:
  bool latency_open_ = false;
  std::string latency_host_;
  float latency_ms_ = 10.f;
  bool dns_open_ = false;
  int dns_type_ = 0;  // MX, A, TXT
  char dns_name_[256] = "example.net";
  char dns_value_[256] = "";
  int dns_preference_ = 10;
  int dns_ttl_ = 3600;
};

}  // namespace smtpsim::gui
