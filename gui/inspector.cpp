// The inspector: host, connection, queue and mailbox views (the message view is in
// message_view.cpp), the links between them and the back button.
#include "gui/inspector.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "gui/layout.hpp"
#include "gui/message_view.hpp"
#include "sim/engine/sim_time.hpp"

namespace smtpsim::gui {

namespace {

const ImVec4 kLinkColour(0.45f, 0.78f, 1.0f, 1);
const ImVec4 kDim(0.62f, 0.66f, 0.74f, 1);
const ImVec4 kGood(0.45f, 0.9f, 0.5f, 1);
const ImVec4 kBad(1.0f, 0.45f, 0.45f, 1);
const ImVec4 kWarn(1.0f, 0.75f, 0.3f, 1);

const char* service_name(int port) {
  switch (port) {
    case 25:
      return "SMTP (relay, MX)";
    case 587:
      return "submission (STARTTLS)";
    case 465:
      return "submissions (TLS)";
    case 110:
      return "POP3";
    case 995:
      return "POP3S (TLS)";
    case 143:
      return "IMAP";
    case 993:
      return "IMAPS (TLS)";
    case 53:
      return "DNS";
  }
  return "";
}

void heading(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.85f, 0.45f, 1));
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
}

void dim(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kDim);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

std::string flags_text(std::uint32_t f) {
  // RFC 3501 §2.3.2 system flags; bits as in mail::Flag.
  std::string out;
  static const std::pair<std::uint32_t, const char*> names[] = {
      {1, "\\Seen"}, {2, "\\Answered"}, {4, "\\Flagged"}, {8, "\\Deleted"}, {16, "\\Draft"}};
  for (const auto& [bit, name] : names)
    if (f & bit) out += (out.empty() ? "" : " ") + std::string(name);
  return out.empty() ? "(new)" : out;
}

}  // namespace

bool link_text(std::string_view text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kLinkColour);
  ImGui::TextUnformatted(text.data(), text.data() + text.size());
  ImGui::PopStyleColor();
  if (ImGui::IsItemHovered()) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, b.y), b, ImGui::GetColorU32(kLinkColour));
    ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
  }
  return ImGui::IsItemClicked();
}

void Inspector::select(Selection s) {
  if (s == sel_) return;
  if (!sel_.empty()) history_.push_back(sel_);
  if (history_.size() > 64) history_.erase(history_.begin());
  sel_ = std::move(s);
}

bool Inspector::back() {
  if (history_.empty()) return false;
  sel_ = history_.back();
  history_.pop_back();
  return true;
}

std::vector<std::string> Inspector::hosts(const View& view) const {
  switch (sel_.kind) {
    case SelectionKind::Host:
    case SelectionKind::Queue:
      return {sel_.key};
    case SelectionKind::Mailbox:
      return {sel_.mailbox_host()};
    case SelectionKind::Connection: {
      const std::string client = view.client_of(sel_.conn);
      for (const auto& e : view.events())
        if (e.conn == sel_.conn && e.kind == trace::EventKind::ConnectionOpened)
          return {e.host, e.peer};
      return client.empty() ? std::vector<std::string>{} : std::vector<std::string>{client};
    }
    case SelectionKind::Message:
      for (const auto& e : view.events())
        if (e.kind == trace::EventKind::Queued && e.message_id == sel_.key) return {e.host};
      return {};
    case SelectionKind::None:
      break;
  }
  return {};
}

const Diagram& Inspector::diagram(const proto::MachineSpec& spec) {
  auto it = diagrams_.find(&spec);
  if (it == diagrams_.end()) it = diagrams_.emplace(&spec, build_diagram(spec)).first;
  return it->second;
}

const MessageInfo& Inspector::message(View& view, const std::string& id) {
  if (messages_at_ != view.cursor() || messages_size_ != view.events().size()) {
    messages_.clear();
    messages_at_ = view.cursor();
    messages_size_ = view.events().size();
  }
  auto it = messages_.find(id);
  if (it == messages_.end())
    it = messages_.emplace(id, inspect_message(view.events(), view.cursor(), id)).first;
  return it->second;
}

void Inspector::draw(View& view) {
  pending_set_ = false;
  // Title row: what is selected, back, large, close.
  static const char* const kinds[] = {"Inspector", "Host",    "Connection",
                                      "Queue",     "Mailbox", "Message"};
  heading(kinds[static_cast<int>(sel_.kind)]);
  if (!history_.empty()) {
    ImGui::SameLine();
    if (ImGui::SmallButton("< back")) back();
  }
  if (!sel_.empty()) {
    ImGui::SameLine();
    if (ImGui::SmallButton(large_ ? "smaller" : "larger")) large_ = !large_;
    ImGui::SameLine();
    if (ImGui::SmallButton("close")) clear();
  }
  ImGui::Separator();
  ImGui::BeginChild("inspector-body", ImVec2(0, 0), false);
  switch (sel_.kind) {
    case SelectionKind::None:
      dim("Click a host on the network, or a line of the transcript, to see it here: its "
          "services, its connections and their state machines, its queue, its mailboxes and "
          "the messages.");
      break;
    case SelectionKind::Host:
      draw_host(view);
      break;
    case SelectionKind::Connection:
      draw_connection(view);
      break;
    case SelectionKind::Queue:
      draw_queue(view);
      break;
    case SelectionKind::Mailbox:
      draw_mailbox(view);
      break;
    case SelectionKind::Message:
      draw_message(view);
      break;
  }
  ImGui::EndChild();
  if (pending_set_) select(pending_);
}

// ---- host --------------------------------------------------------------------------------

void Inspector::draw_host(View& view) {
  const scenario::HostSpec* h = nullptr;
  for (const auto& hs : view.spec().hosts)
    if (hs.name == sel_.key) h = &hs;
  if (!h) {
    dim("No host named " + sel_.key + " in this scenario.");
    return;
  }
  const trace::WorldView& w = view.world();
  const bool down = w.hosts_down.count(h->name) > 0;
  ImGui::TextUnformatted(h->name.c_str());
  ImGui::SameLine();
  ImGui::TextColored(down ? kBad : kGood, down ? "DOWN" : "up");
  if (w.links_cut.count(h->name)) {
    ImGui::SameLine();
    ImGui::TextColored(kBad, "link cut");
  }
  std::string roles;
  for (const auto& r : h->roles) roles += (roles.empty() ? "" : " + ") + r;
  ImGui::Text("Roles: %s", roles.c_str());
  ImGui::Text("Address: %s", h->address.c_str());
  if (!h->domains.empty()) {
    std::string d;
    for (const auto& x : h->domains) d += (d.empty() ? "" : ", ") + x;
    ImGui::Text("Delivers mail for: %s", d.c_str());
  }
  if (h->mua) {
    ImGui::Text("User: %s", h->mua->address.c_str());
    ImGui::Text("Sends via:");
    ImGui::SameLine();
    if (link_text(h->mua->submit_to)) {
      pending_ = Selection::host(h->mua->submit_to);
      pending_set_ = true;
    }
    ImGui::SameLine(0, 0);
    ImGui::Text(":%d", h->mua->port);
    if (!h->mua->retrieve_from.empty()) {
      ImGui::Text("Reads via:");
      ImGui::SameLine();
      ImGui::PushID("reads");
      if (link_text(h->mua->retrieve_from)) {
        pending_ = Selection::host(h->mua->retrieve_from);
        pending_set_ = true;
      }
      ImGui::PopID();
      ImGui::SameLine();
      ImGui::Text("(%s)", h->mua->protocol.c_str());
      auto it = w.device_messages.find(h->name);
      ImGui::Text("Messages on this device: %d", it == w.device_messages.end() ? 0 : it->second);
    }
  }

  // Services: the same ports the canvas draws as badges.
  if (ports_for_ != &view.spec()) {  // the layout is computed once per scenario
    ports_.clear();
    for (const auto& b : compute_layout(view.spec())) ports_[b.name] = b.ports;
    ports_for_ = &view.spec();
  }
  const std::vector<int>& ports = ports_[h->name];
  if (!ports.empty()) {
    ImGui::Spacing();
    heading("Services");
    // Two services a row: the list stays short enough to leave room for the rest.
    if (ImGui::BeginTable("services", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
      for (int port : ports) {
        const bool svc_down =
            down || w.services_down.count({h->name, static_cast<std::uint16_t>(port)});
        ImGui::TableNextColumn();
        ImGui::Text("%d", port);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(service_name(port));
        ImGui::TableNextColumn();
        ImGui::TextColored(svc_down ? kBad : kGood, svc_down ? "down  " : "up  ");
      }
      ImGui::EndTable();
    }
  }

  ImGui::Spacing();
  heading("Open connections");
  int shown = 0;
  for (const auto& [id, c] : w.connections) {
    if (c.client != h->name && c.server != h->name) continue;
    ++shown;
    const std::string label = "#" + std::to_string(id) + "  " + c.client + " -> " + c.server + ":" +
                              std::to_string(c.port) + (c.tls ? "  (TLS)" : "");
    ImGui::PushID(static_cast<int>(id));
    if (link_text(label)) {
      pending_ = Selection::connection(id);
      pending_set_ = true;
    }
    ImGui::PopID();
  }
  if (!shown) dim("none at this moment");
  // Closed ones too (the last few), so a finished session can still be opened.
  std::vector<const trace::Event*> earlier;
  const auto& ev = view.events();
  for (std::size_t i = 0; i < view.cursor() && i < ev.size(); ++i)
    if (ev[i].kind == trace::EventKind::ConnectionOpened && ev[i].conn != 0 &&
        (ev[i].host == h->name || ev[i].peer == h->name) && !w.connections.count(ev[i].conn))
      earlier.push_back(&ev[i]);
  if (!earlier.empty()) {
    ImGui::TextColored(kDim, "Closed:");
    const std::size_t first = earlier.size() > 8 ? earlier.size() - 8 : 0;
    for (std::size_t k = first; k < earlier.size(); ++k) {
      const trace::Event& e = *earlier[k];
      const std::string label = "#" + std::to_string(e.conn) + "  " + e.host + " -> " + e.peer +
                                ":" + std::to_string(e.port) + "  " + e.proto;
      ImGui::PushID(static_cast<int>(e.conn));
      if (link_text(label)) {
        pending_ = Selection::connection(e.conn);
        pending_set_ = true;
      }
      ImGui::PopID();
    }
  }

  if (has_role(*h, "MTA") || has_role(*h, "MSA")) {
    ImGui::Spacing();
    heading("Queue");
    const std::size_t q = w.queued_messages(h->name);
    if (link_text(std::to_string(q) + (q == 1 ? " message" : " messages") + " in the queue")) {
      pending_ = Selection::queue(h->name);
      pending_set_ = true;
    }
  }
  if (has_role(*h, "MDA")) {
    ImGui::Spacing();
    heading("Mailboxes");
    std::vector<std::string> users;
    for (const auto& [u, _] : h->users) users.push_back(u);
    if (auto it = w.inboxes.find(h->name); it != w.inboxes.end())
      for (const auto& [u, _] : it->second)
        if (std::find(users.begin(), users.end(), u) == users.end()) users.push_back(u);
    for (const auto& u : users) {
      std::size_t total = 0;
      if (auto it = w.inboxes.find(h->name); it != w.inboxes.end())
        if (auto ui = it->second.find(u); ui != it->second.end()) total = ui->second.size();
      const std::string label = u + ": " + std::to_string(total) + " messages, " +
                                std::to_string(w.unread(h->name, u)) + " unread";
      ImGui::PushID(u.c_str());
      if (link_text(label)) {
        pending_ = Selection::mailbox(h->name, u);
        pending_set_ = true;
      }
      ImGui::PopID();
    }
    if (users.empty()) dim("no users");
  }
}

// ---- connection --------------------------------------------------------------------------

void Inspector::draw_connection(View& view) {
  const auto& ev = view.events();
  // Who and what: from the ConnectionOpened event (it may lie ahead of the cursor).
  const trace::Event* opened = nullptr;
  for (const auto& e : ev)
    if (e.conn == sel_.conn && e.kind == trace::EventKind::ConnectionOpened) {
      opened = &e;
      break;
    }
  if (!opened) {
    dim("Connection #" + std::to_string(sel_.conn) + " is not in the trace (yet).");
    return;
  }
  std::string proto = opened->proto;
  const trace::WorldView& w = view.world();
  const bool open = w.connections.count(sel_.conn) > 0;
  const bool started = opened->seq < view.cursor();
  ImGui::Text("#%llu  ", static_cast<unsigned long long>(sel_.conn));
  ImGui::SameLine(0, 0);
  if (link_text(opened->host)) {
    pending_ = Selection::host(opened->host);
    pending_set_ = true;
  }
  ImGui::SameLine(0, 0);
  ImGui::Text(" -> ");
  ImGui::SameLine(0, 0);
  if (link_text(opened->peer)) {
    pending_ = Selection::host(opened->peer);
    pending_set_ = true;
  }
  ImGui::SameLine(0, 0);
  ImGui::Text(":%u  %s", opened->port, proto.c_str());
  ImGui::SameLine();
  if (!started) {
    ImGui::TextColored(kDim, "not open yet");
  } else if (open) {
    ImGui::TextColored(kGood, w.connections.at(sel_.conn).tls ? "open, TLS" : "open");
  } else {
    ImGui::TextColored(kDim, "closed");
  }

  // Which side's machine.
  const std::string client_label = opened->host + " (" + proto + " client)";
  const std::string server_label = opened->peer + " (" + proto + " server)";
  if (ImGui::RadioButton(client_label.c_str(), client_side_)) client_side_ = true;
  ImGui::SameLine();
  if (ImGui::RadioButton(server_label.c_str(), !client_side_)) client_side_ = false;
  const std::string& side = client_side_ ? opened->host : opened->peer;
  // A side that never moved through the whole connection runs no machine in the simulation
  // (a person typing SMTP by hand, lesson action "telnet"): say so rather than draw one.
  bool moved = false, over = view.finished();
  for (const auto& e : ev) {
    if (e.conn != sel_.conn) continue;
    moved |= e.kind == trace::EventKind::StateChanged && e.host == side;
    over |= e.kind == trace::EventKind::ConnectionClosed;
  }
  if (!moved && over) {
    moment_ = MachineMoment{};
    dim(side +
        " runs no protocol machine on this connection: its lines were typed by hand. "
        "The other side's machine is the one that checks them.");
    return;
  }
  moment_ = machine_at(ev, view.cursor(), sel_.conn, side, machine_for(proto, client_side_));
  if (!moment_.spec) {
    dim("No state machine is known for " + proto + ".");
    return;
  }
  if (moment_.current >= 0) {
    const auto& st = moment_.spec->state(moment_.current);
    ImGui::Text("State: ");
    ImGui::SameLine(0, 0);
    ImGui::TextColored(ImVec4(1, 0.82f, 0.3f, 1), "%.*s", static_cast<int>(st.name.size()),
                       st.name.data());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%.*s", static_cast<int>(st.caption.size()), st.caption.data());
  } else {
    ImGui::TextColored(kDim, "State: not started at this moment");
  }
  if (moment_.last_from >= 0) {
    // The diagram shows the last transition (orange arrow, trigger on it); its words and
    // time take a line only when there is room for it, else they are the state's tooltip.
    const auto& f = moment_.spec->state(moment_.last_from);
    const auto& t = moment_.spec->state(moment_.last_to);
    char last[256];
    std::snprintf(last, sizeof last, "Last: %.*s -> %.*s on \"%s\" at %s",
                  static_cast<int>(f.name.size()), f.name.data(), static_cast<int>(t.name.size()),
                  t.name.data(), moment_.trigger.c_str(),
                  engine::format_time(moment_.time).c_str());
    if (large_) {
      ImGui::TextColored(ImVec4(1, 0.65f, 0.2f, 1), "%s", last);
    } else if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("%s", last);
    }
  }

  // Messages carried: the server's "queued as" replies on this connection so far.
  std::vector<std::string> carried;
  for (std::size_t i = 0; i < view.cursor() && i < ev.size(); ++i)
    if (ev[i].conn == sel_.conn && ev[i].code == 250)
      if (auto id = queued_as(ev[i].text); !id.empty()) carried.push_back(id);
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float footer = carried.empty() ? 0 : line;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  avail.y -= footer + ImGui::GetStyle().ItemSpacing.y;
  picture_ =
      draw_diagram(diagram(*moment_.spec), moment_, ImVec2(avail.x, std::max(avail.y, 160.f)));
  if (!carried.empty()) {
    ImGui::Text("Carried:");
    for (const auto& id : carried) {
      ImGui::SameLine();
      ImGui::PushID(id.c_str());
      if (link_text("message " + id)) {
        pending_ = Selection::message(id);
        pending_set_ = true;
      }
      ImGui::PopID();
    }
  }
}

// ---- queue -------------------------------------------------------------------------------

void Inspector::draw_queue(View& view) {
  const auto rows = queue_rows(view.events(), view.cursor(), sel_.key);
  if (link_text(sel_.key)) {
    pending_ = Selection::host(sel_.key);
    pending_set_ = true;
  }
  ImGui::SameLine();
  ImGui::Text("queue: %zu %s", rows.size(), rows.size() == 1 ? "message" : "messages");
  if (rows.empty()) {
    dim("Empty: every message was handed on (relayed, delivered or bounced).");
    return;
  }
  const std::int64_t now = view.display_time();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH;
  if (ImGui::BeginTable("queue", 4, flags)) {
    const float em = ImGui::GetFontSize();
    ImGui::TableSetupColumn("id", ImGuiTableColumnFlags_WidthFixed, em * 4);
    ImGui::TableSetupColumn("from -> still to, last error", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("tries", ImGuiTableColumnFlags_WidthFixed, em * 2.5f);
    ImGui::TableSetupColumn("next try", ImGuiTableColumnFlags_WidthFixed, em * 6);
    ImGui::TableHeadersRow();
    for (const auto& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(r.id.c_str());
      if (link_text(r.id)) {
        pending_ = Selection::message(r.id);
        pending_set_ = true;
      }
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::TextWrapped("<%s>", r.sender.c_str());
      for (const auto& p : r.pending) ImGui::TextWrapped("  -> <%s>", p.c_str());
      if (!r.last_error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, kWarn);
        ImGui::TextWrapped("%s", r.last_error.c_str());
        ImGui::PopStyleColor();
      }
      ImGui::TableNextColumn();
      ImGui::Text("%d", r.attempts);
      ImGui::TableNextColumn();
      if (r.trying) {
        ImGui::TextColored(kGood, "trying now");
      } else if (r.next_retry >= 0) {
        ImGui::TextUnformatted(engine::format_time(r.next_retry).c_str());
        if (r.next_retry > now) {
          const std::string in = engine::format_time(r.next_retry - now);
          ImGui::TextColored(kDim, "in %s", in.c_str() + 1);  // without the "+"
        }
      } else {
        ImGui::TextColored(kDim, "-");
      }
    }
    ImGui::EndTable();
  }
}

// ---- mailbox -----------------------------------------------------------------------------

void Inspector::draw_mailbox(View& view) {
  const std::string host = sel_.mailbox_host(), user = sel_.mailbox_user();
  if (link_text(host)) {
    pending_ = Selection::host(host);
    pending_set_ = true;
  }
  ImGui::SameLine();
  ImGui::Text("mailbox of %s (INBOX)", user.c_str());
  const trace::WorldView& w = view.world();
  std::map<std::uint32_t, std::uint32_t> box;
  if (auto it = w.inboxes.find(host); it != w.inboxes.end())
    if (auto ui = it->second.find(user); ui != it->second.end()) box = ui->second;
  if (box.empty()) {
    dim("Empty at this moment.");
    return;
  }
  // UID -> the queue id that was delivered under it (Delivered: detail = user, uid set).
  std::map<std::uint32_t, std::string> queue_ids;
  const auto& ev = view.events();
  for (std::size_t i = 0; i < view.cursor() && i < ev.size(); ++i)
    if (ev[i].kind == trace::EventKind::Delivered && ev[i].host == host && ev[i].detail == user &&
        ev[i].uid != 0)
      queue_ids[ev[i].uid] = ev[i].message_id;
  if (ImGui::BeginTable("mailbox", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("UID");
    ImGui::TableSetupColumn("flags");
    ImGui::TableSetupColumn("queue id");
    ImGui::TableSetupColumn("subject");
    ImGui::TableHeadersRow();
    for (const auto& [uid, flags] : box) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%u", uid);
      ImGui::TableNextColumn();
      ImGui::TextColored((flags & 1u) ? kDim : kGood, "%s", flags_text(flags).c_str());
      ImGui::TableNextColumn();
      auto q = queue_ids.find(uid);
      if (q != queue_ids.end()) {
        ImGui::PushID(static_cast<int>(uid));
        if (link_text(q->second)) {
          pending_ = Selection::message(q->second);
          pending_set_ = true;
        }
        ImGui::PopID();
        ImGui::TableNextColumn();
        const MessageInfo& m = message(view, q->second);
        if (m.subject.empty()) {
          ImGui::TextColored(kDim,
                             m.dsn_about.empty() ? "(not seen on a wire)" : "(bounce notice)");
        } else {
          ImGui::TextUnformatted(m.subject.c_str());
        }
      } else {
        ImGui::TextColored(kDim, "-");
        ImGui::TableNextColumn();
        ImGui::TextColored(kDim, "(saved by a client)");
      }
    }
    ImGui::EndTable();
  }
}

// ---- message -----------------------------------------------------------------------------

void Inspector::draw_message(View& view) {
  const MessageInfo& m = message(view, sel_.key);
  Selection go;
  if (draw_message_info(m, go)) {
    pending_ = go;
    pending_set_ = true;
  }
}

}  // namespace smtpsim::gui
