// The transcript list: rendered once per event, drawn with a clipper, filtered by host.
#include "gui/transcript.hpp"

#include <algorithm>
#include <cctype>

namespace smtpsim::gui {

std::string explain_reply(const std::string& line) {
  // The reply is the text after the direction marker: find the first "ddd" token.
  std::size_t i = 0;
  while (i + 3 <= line.size()) {
    if (std::isdigit(static_cast<unsigned char>(line[i])) &&
        std::isdigit(static_cast<unsigned char>(line[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(line[i + 2])) &&
        (i + 3 == line.size() || line[i + 3] == ' ' || line[i + 3] == '-') &&
        (i == 0 || line[i - 1] == ' '))
      break;
    ++i;
  }
  if (i + 3 > line.size()) return {};
  const std::string code = line.substr(i, 3);
  const std::string rest = line.substr(i + 3);
  if (rest.find("5.1.1") != std::string::npos) return "5.1.1: no such user here";
  if (rest.find("5.7.1") != std::string::npos)
    return "5.7.1: not allowed (relaying denied or policy)";
  if (rest.find("4.2.2") != std::string::npos || rest.find("5.2.2") != std::string::npos)
    return "mailbox full";
  static const std::pair<const char*, const char*> table[] = {
      {"220", "service ready (greeting, or go ahead with TLS)"},
      {"221", "closing the connection"},
      {"235", "authentication succeeded"},
      {"250", "OK: requested action completed"},
      {"251", "user not local; will forward"},
      {"334", "server challenge: continue authentication"},
      {"354", "start the message; end with a line holding only \".\""},
      {"421", "service not available, closing (try again later)"},
      {"450", "mailbox unavailable for now (try again later)"},
      {"451", "local error in processing (try again later)"},
      {"452", "insufficient storage or too many recipients (try again later)"},
      {"454", "TLS or authentication temporarily unavailable"},
      {"500", "syntax error: command not recognised"},
      {"501", "syntax error in parameters"},
      {"502", "command not implemented"},
      {"503", "bad sequence of commands"},
      {"504", "parameter not implemented"},
      {"530", "authentication required"},
      {"535", "authentication failed: wrong user name or password"},
      {"538", "encryption required for this authentication mechanism"},
      {"550", "mailbox unavailable (no such user, or refused)"},
      {"551", "user not local"},
      {"552", "message too big or mailbox full"},
      {"553", "mailbox name not allowed"},
      {"554", "transaction failed"},
  };
  for (const auto& [c, text] : table)
    if (code == c) return code + ": " + text;
  return {};
}

void TranscriptPanel::sync(const View& view) {
  const auto& ev = view.events();
  for (; rendered_ < ev.size(); ++rendered_) {
    const trace::Event& e = ev[rendered_];
    if (e.kind == trace::EventKind::ConnectionOpened && e.conn != 0)
      connections_.emplace_back(e.conn, e.host + "→" + e.peer + ":" + std::to_string(e.port));
    std::string text = writer_.render(e);
    if (text.empty()) continue;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    Direction dir = Direction::Info;
    if (text.find(" *** ") != std::string::npos) {
      dir = Direction::Error;
    } else if (e.kind == trace::EventKind::Line) {
      dir = view.client_of(e.conn) == e.host ? Direction::ClientSent : Direction::ServerSent;
    }
    // Brief form: the label "client→server:port" shortened to the client. The label is the
    // token after the time when the line belongs to a connection or a
    // datagram (TextWriter's format); host names never contain spaces.
    std::string brief = text;
    const bool labelled = e.conn != 0 || e.kind == trace::EventKind::Datagram ||
                          ((e.kind == trace::EventKind::ConnectionRefused ||
                            e.kind == trace::EventKind::ConnectionTimeout) &&
                           !e.peer.empty());
    if (const auto a = text.find(' '); labelled && a != std::string::npos) {
      // Live mode's host names hold spaces ("external client 127.0.0.1:53122"): the label
      // of an opened connection is matched whole, as TextWriter wrote it.
      std::size_t b = std::string::npos;
      std::string label;
      for (auto it = connections_.rbegin(); e.conn != 0 && it != connections_.rend(); ++it) {
        if (it->first != e.conn) continue;
        if (text.compare(a + 1, it->second.size(), it->second) == 0) {
          label = it->second;
          b = a + 1 + label.size();
        }
        break;
      }
      if (b == std::string::npos && (b = text.find(' ', a + 1)) != std::string::npos)
        label = text.substr(a + 1, b - a - 1);
      // Keep the client's name ("alice-laptop"): parallel sessions stay apart. A real
      // client's name is its address alone here ("127.0.0.1:53122", as under its box on the
      // canvas): "external client " would push every reply past the panel's right edge.
      if (b != std::string::npos) {
        std::string client = label.substr(0, label.find("→"));
        static const std::string kReal = "external client ";
        if (client.rfind(kReal, 0) == 0) client.erase(0, kReal.size());
        brief = text.substr(0, a + 1) + client + text.substr(b);
      }
    }
    rows_.push_back(TranscriptRow{rendered_, dir, std::move(text), std::move(brief)});
  }
}

std::vector<std::size_t> TranscriptPanel::visible(const View& view) const {
  std::vector<std::size_t> out;
  out.reserve(rows_.size());
  const auto& ev = view.events();
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const trace::Event& e = ev[rows_[i].event];
    if (conn_filter_ != 0 ? e.conn == conn_filter_
                          : filter_.empty() || e.host == filter_ || e.peer == filter_)
      out.push_back(i);
  }
  return out;
}

void TranscriptPanel::draw(View& view) {
  sync(view);
  clicked_.reset();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  std::string current_filter = filter_.empty() ? "all hosts" : filter_;
  for (const auto& [id, label] : connections_)
    if (id == conn_filter_) current_filter = label;
  if (ImGui::BeginCombo("show", current_filter.c_str())) {
    if (ImGui::Selectable("all hosts", filter_.empty() && conn_filter_ == 0)) set_host_filter("");
    for (const auto& h : view.spec().hosts)
      if (ImGui::Selectable(h.name.c_str(), filter_ == h.name)) set_host_filter(h.name);
    ImGui::Separator();
    for (const auto& [id, label] : connections_) {
      ImGui::PushID(static_cast<int>(id));
      if (ImGui::Selectable(label.c_str(), conn_filter_ == id)) set_connection_filter(id);
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("connections", &labels_);
  std::vector<std::size_t> rows = visible(view);
  if (hide_future)
    std::erase_if(rows, [&](std::size_t i) { return rows_[i].event >= view.cursor(); });
  listed_ = rows.size();
  ImGui::BeginChild("transcript-lines", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  // Keep the current line in view when the cursor moved.
  const bool follow = view.cursor() != last_cursor_;
  last_cursor_ = view.cursor();
  std::size_t current = rows.size();
  for (std::size_t k = 0; k < rows.size(); ++k)
    if (rows_[rows[k]].event < view.cursor()) current = k;
  if (follow && current < rows.size()) {
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    const float y = static_cast<float>(current) * line_h;
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + ImGui::GetWindowHeight() - 2 * line_h)
      ImGui::SetScrollY(std::max(0.f, y - ImGui::GetWindowHeight() * 0.5f));
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()));
  while (clipper.Step()) {
    for (int k = clipper.DisplayStart; k < clipper.DisplayEnd; ++k) {
      const TranscriptRow& r = rows_[rows[static_cast<std::size_t>(k)]];
      ImVec4 col;
      switch (r.dir) {
        case Direction::ClientSent:
          col = ImVec4(1.0f, 0.85f, 0.45f, 1);
          break;
        case Direction::ServerSent:
          col = ImVec4(0.5f, 0.85f, 1.0f, 1);
          break;
        case Direction::Error:
          col = ImVec4(1.0f, 0.45f, 0.45f, 1);
          break;
        case Direction::Info:
          col = ImVec4(0.75f, 0.78f, 0.85f, 1);
          break;
      }
      if (r.event >= view.cursor()) col.w = 0.45f;  // not happened yet at the cursor
      ImGui::PushID(k);
      ImGui::PushStyleColor(ImGuiCol_Text, col);
      const std::string& shown = labels_ ? r.text : r.brief;
      if (ImGui::Selectable(shown.c_str(), static_cast<std::size_t>(k) == current)) {
        view.play(false);
        activate(view, r);
        clicked_ = r.event;
      }
      ImGui::PopStyleColor();
      if (marked && r.event == *marked)
        ImGui::GetWindowDrawList()->AddRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax(),
                                            IM_COL32(255, 236, 90, 255), 3.f, 0, 3.f);
      if (ImGui::IsItemHovered()) {
        const std::string why = r.dir == Direction::ServerSent ? explain_reply(r.text) : "";
        ImGui::SetTooltip("%s%s%s", r.text.c_str(), why.empty() ? "" : "\n", why.c_str());
      }
      ImGui::PopID();
    }
  }
  ImGui::EndChild();
}

}  // namespace smtpsim::gui
