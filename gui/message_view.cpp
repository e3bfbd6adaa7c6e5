// The message view of the inspector.
#include "gui/message_view.hpp"

#include <imgui.h>

#include <string>

#include "gui/inspector.hpp"
#include "sim/engine/sim_time.hpp"

namespace smtpsim::gui {

namespace {

const ImVec4 kDim(0.62f, 0.66f, 0.74f, 1);
const ImVec4 kGood(0.45f, 0.9f, 0.5f, 1);
const ImVec4 kBad(1.0f, 0.45f, 0.45f, 1);
const ImVec4 kWarn(1.0f, 0.75f, 0.3f, 1);
const ImVec4 kHead(1, 0.85f, 0.45f, 1);

ImVec4 reply_colour(int code) {
  return code >= 500 ? kBad : code >= 400 ? kWarn : code > 0 ? kGood : kDim;
}

void wrapped(const std::string& s, ImVec4 col) {
  ImGui::PushStyleColor(ImGuiCol_Text, col);
  ImGui::TextWrapped("%s", s.c_str());
  ImGui::PopStyleColor();
}

}  // namespace

bool draw_message_info(const MessageInfo& m, Selection& go) {
  bool clicked = false;
  auto follow = [&](const std::string& label, Selection s) {
    ImGui::PushID(label.c_str());
    if (link_text(label)) {
      go = std::move(s);
      clicked = true;
    }
    ImGui::PopID();
  };
  if (!m.found) {
    wrapped("Message " + m.queue_id + " is not in any queue at this moment (not queued yet).",
            kDim);
    return false;
  }
  ImGui::Text("Message %s, queued by", m.queue_id.c_str());
  ImGui::SameLine();
  follow(m.host, Selection::host(m.host));
  ImGui::SameLine();
  ImGui::TextColored(kDim, "at %s", engine::format_time(m.queued_at).c_str());
  if (!m.subject.empty()) wrapped("\"" + m.subject + "\"", ImVec4(1, 1, 1, 1));

  // Hops: where the same mail was before and after this queue.
  if (!m.previous_id.empty()) {
    ImGui::TextUnformatted("Came from");
    ImGui::SameLine();
    follow("message " + m.previous_id, Selection::message(m.previous_id));
    ImGui::SameLine();
    ImGui::TextColored(kDim, "(the previous server's queue)");
  }
  for (const auto& id : m.next_ids) {
    ImGui::TextUnformatted("Handed on as");
    ImGui::SameLine();
    follow("message " + id, Selection::message(id));
    ImGui::SameLine();
    ImGui::TextColored(kDim, "(the next server's queue)");
  }
  for (const auto& id : m.dsn_ids) {
    ImGui::TextUnformatted("Notice to the sender:");
    ImGui::SameLine();
    follow("message " + id, Selection::message(id));
  }
  for (const auto& box : m.mailboxes) {
    ImGui::TextUnformatted("Delivered to");
    ImGui::SameLine();
    const auto slash = box.find('/');
    follow("mailbox " + box, Selection::mailbox(box.substr(0, slash), box.substr(slash + 1)));
  }
  if (!m.dsn_about.empty()) {
    ImGui::TextUnformatted(m.dsn_kind == "delayed" ? "A delay notice (DSN) about"
                                                   : "A bounce (DSN) about");
    ImGui::SameLine();
    follow("message " + m.dsn_about, Selection::message(m.dsn_about));
  }

  // Envelope vs header, side by side.
  ImGui::Spacing();
  const ImGuiTableFlags flags =
      ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame | ImGuiTableFlags_RowBg;
  if (ImGui::BeginTable("envelope-vs-header", 2, flags)) {
    ImGui::TableSetupColumn("Envelope (SMTP, RFC 5321)");
    ImGui::TableSetupColumn("Header (in the message, RFC 5322)");
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (m.wire) {
      const WireCopy& w = *m.wire;
      ImGui::TextColored(kDim, "on connection #%llu", static_cast<unsigned long long>(w.conn));
      follow(w.client + " -> " + w.server + ":" + std::to_string(w.port),
             Selection::connection(w.conn));
      if (w.tls) {
        ImGui::SameLine();
        ImGui::TextColored(kGood, "TLS");
      }
      if (!w.mail_from.command.empty()) {
        ImGui::TextWrapped("%s", w.mail_from.command.c_str());
        ImGui::TextColored(reply_colour(w.mail_from.code), "  %s", w.mail_from.reply.c_str());
      }
      for (const auto& r : w.rcpt_to) {
        ImGui::TextWrapped("%s", r.command.c_str());
        ImGui::TextColored(reply_colour(r.code), "  %s", r.reply.c_str());
      }
    } else {
      wrapped("Made by " + m.host + " itself: it never crossed a wire.", kDim);
      ImGui::Text("MAIL FROM:<%s>", m.sender.c_str());
      for (const auto& r : m.recipients) ImGui::Text("RCPT TO:<%s>", r.c_str());
    }
    ImGui::TableNextColumn();
    if (m.have_content) {
      static const char* const shown[] = {"From", "To",         "Cc",         "Subject",
                                          "Date", "Message-ID", "Return-Path"};
      for (const char* name : shown)
        if (auto v = m.parsed.get(name)) ImGui::TextWrapped("%s: %s", name, v->c_str());
    } else {
      wrapped("The content was not transcribed (it did not cross a wire in this run).", kDim);
    }
    ImGui::EndTable();
  }
  wrapped(
      "Servers route by the envelope; the reader sees the header. They need not agree "
      "(Bcc, mailing lists, bounces to <>).",
      kDim);

  // The route: Received: fields, newest on top, so the route reads bottom-up.
  ImGui::Spacing();
  ImGui::TextColored(kHead, "Route (Received: fields, oldest first)");
  if (m.received.empty()) {
    wrapped(m.have_content ? "No Received: field yet: each server adds one on top when it "
                             "passes the message on (RFC 5321 §4.4)."
                           : "Unknown.",
            kDim);
  }
  for (std::size_t k = m.received.size(); k-- > 0;) {
    const ReceivedHop& h = m.received[k];
    ImGui::Text("%zu.", m.received.size() - k);
    ImGui::SameLine();
    ImGui::TextWrapped("from %s  by %s%s%s%s%s", h.from.c_str(), h.by.c_str(),
                       h.with.empty() ? "" : "  with ", h.with.c_str(), h.id.empty() ? "" : "  id ",
                       h.id.c_str());
    if (!h.date.empty()) ImGui::TextColored(kDim, "     %s", h.date.c_str());
  }

  if (m.wire) {
    // The hop into this queue: its server writes that line when it passes the message on.
    ImGui::Text("%zu.", m.received.size() + 1);
    ImGui::SameLine();
    wrapped("from " + m.wire->client + "  by " + m.host + "  id " + m.queue_id +
                "  (this hop: " + m.host + " adds its Received: when it passes the message on)",
            kDim);
  }

  if (!m.outcomes.empty()) {
    ImGui::Spacing();
    ImGui::TextColored(kHead, "What happened");
    for (const auto& o : m.outcomes)
      wrapped(o, o.find("bounced") != std::string::npos    ? kBad
                 : o.find("deferred") != std::string::npos ? kWarn
                                                           : kGood);
  }

  // A DSN's three parts (RFC 3464 §2, RFC 6522).
  if (!m.dsn_facts.empty() || m.dsn) {
    ImGui::Spacing();
    ImGui::TextColored(kHead, "DSN part 1: text/plain (for the person)");
    if (m.dsn) {
      wrapped(m.dsn->human_text, ImVec4(1, 1, 1, 1));
    } else {
      wrapped("An explanation in words, written by " + m.host +
                  " (its text did not cross a wire in this run).",
              kDim);
    }
    ImGui::TextColored(kHead, "DSN part 2: message/delivery-status (for programs)");
    ImGui::Text("Reporting-MTA: dns; %s", m.dsn ? m.dsn->reporting_mta.c_str() : m.host.c_str());
    if (ImGui::BeginTable("dsn", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("Final-Recipient", ImGuiTableColumnFlags_WidthStretch, 1.4f);
      ImGui::TableSetupColumn("Action", ImGuiTableColumnFlags_WidthStretch, 0.6f);
      ImGui::TableSetupColumn("Status", ImGuiTableColumnFlags_WidthStretch, 1.2f);
      ImGui::TableSetupColumn("Diagnostic-Code", ImGuiTableColumnFlags_WidthStretch, 2.2f);
      ImGui::TableHeadersRow();
      for (const auto& f : m.dsn_facts) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", f.recipient.c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(f.action == "failed" ? kBad : kWarn, "%s", f.action.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(f.status.c_str());
        const std::string meaning(mail::status_meaning(f.status));
        if (!meaning.empty()) wrapped(meaning, kDim);
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", f.diagnostic.c_str());
      }
      ImGui::EndTable();
    }
    ImGui::TextColored(kHead, "DSN part 3: text/rfc822-headers (the original's header)");
    if (m.original_headers.empty()) wrapped("not known", kDim);
    for (const auto& h : m.original_headers)
      ImGui::TextWrapped("%s: %s", h.name.c_str(), h.value.c_str());
  }

  if (m.have_content) {
    ImGui::Spacing();
    if (ImGui::CollapsingHeader("All header fields")) {
      for (const auto& h : m.parsed.fields)
        ImGui::TextWrapped("%s: %s", h.name.c_str(), h.value.c_str());
    }
    if (ImGui::CollapsingHeader("Body")) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.85f, 0.88f, 0.95f, 1));
      ImGui::TextUnformatted(m.parsed.body.c_str());
      ImGui::PopStyleColor();
    }
  }
  return clicked;
}

}  // namespace smtpsim::gui
