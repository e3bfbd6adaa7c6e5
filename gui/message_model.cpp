// A message from the trace: envelope, content, headers, route, DSN parts.
#include "gui/message_model.hpp"

#include <algorithm>
#include <cctype>

#include "gui/queue_model.hpp"

namespace smtpsim::gui {

using trace::EventKind;

std::string queued_as(std::string_view text) {
  const auto at = text.find("queued as ");
  if (at == std::string_view::npos) return {};
  std::size_t i = at + 10, j = i;
  while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
  return std::string(text.substr(i, j - i));
}

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) !=
        std::toupper(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// The final line of a reply: "250 ..." (a "250-" line is continued, RFC 5321 §4.2.1).
bool final_reply_line(const trace::Event& e) {
  return e.code != 0 && (e.text.size() < 4 || e.text[3] != '-');
}

}  // namespace

std::optional<WireCopy> wire_copy(std::span<const trace::Event> events, std::uint64_t conn,
                                  std::size_t end) {
  if (events.empty() || conn == 0) return std::nullopt;
  end = std::min(end, events.size() - 1);
  WireCopy w;
  w.conn = conn;
  std::size_t i = end + 1;
  for (std::size_t k = end + 1; k-- > 0;) {
    if (events[k].conn == conn && events[k].kind == EventKind::ConnectionOpened) {
      w.client = events[k].host;
      w.server = events[k].peer;
      w.port = events[k].port;
      i = k;
      break;
    }
  }
  if (i > end) return std::nullopt;  // no ConnectionOpened: sides unknown
  auto line_of = [&](std::size_t k, bool by_client) {
    const trace::Event& e = events[k];
    return e.conn == conn && e.kind == EventKind::Line &&
           (by_client ? e.host == w.client : e.host == w.server);
  };
  // The client's "." ends the data (RFC 5321 §4.1.1.4).
  std::size_t dot = end + 1;
  for (std::size_t k = end + 1; k-- > i;)
    if (line_of(k, true) && events[k].text == ".") {
      dot = k;
      break;
    }
  if (dot > end) return std::nullopt;
  w.end_event = dot;
  w.tls = events[dot].tls;
  // Back to the 354 that opened the data, collecting the client's lines.
  std::vector<const std::string*> lines;
  std::size_t data_reply = dot;
  for (std::size_t k = dot; k-- > i;) {
    if (line_of(k, false) && events[k].code == 354) {
      data_reply = k;
      break;
    }
    if (line_of(k, true)) lines.push_back(&events[k].text);
  }
  if (data_reply == dot) return std::nullopt;
  std::reverse(lines.begin(), lines.end());
  for (const std::string* l : lines) {
    // Dot-unstuffing: a line that starts with "." was sent with one more (§4.5.2).
    w.content += (!l->empty() && l->front() == '.') ? l->substr(1) : *l;
    w.content += "\r\n";
  }
  // Back to MAIL FROM; the commands and the final reply lines after it pair up in order
  // (pipelined or not, replies come in the order of the commands, RFC 2920 §3.1).
  std::size_t mail = data_reply;
  for (std::size_t k = data_reply; k-- > i;)
    if (line_of(k, true) && starts_with_nocase(events[k].text, "MAIL FROM:")) {
      mail = k;
      break;
    }
  if (mail == data_reply) return w;  // the envelope was before the trace started
  std::vector<const trace::Event*> commands, replies;
  for (std::size_t k = mail; k <= data_reply; ++k) {
    if (line_of(k, true)) commands.push_back(&events[k]);
    if (line_of(k, false) && final_reply_line(events[k])) replies.push_back(&events[k]);
  }
  for (std::size_t c = 0; c < commands.size(); ++c) {
    EnvelopeCommand ec;
    ec.command = commands[c]->text;
    if (c < replies.size()) {
      ec.reply = replies[c]->text;
      ec.code = replies[c]->code;
    }
    if (c == 0) {
      w.mail_from = std::move(ec);
    } else if (starts_with_nocase(ec.command, "RCPT TO:")) {
      w.rcpt_to.push_back(std::move(ec));
    }
  }
  return w;
}

ReceivedHop parse_received(std::string_view value) {
  ReceivedHop h;
  h.value = std::string(value);
  // The date follows the last ';' (RFC 5321 §4.4: "; date-time").
  std::string_view clauses = value;
  if (const auto semi = value.rfind(';'); semi != std::string_view::npos) {
    std::string_view date = value.substr(semi + 1);
    while (!date.empty() && std::isspace(static_cast<unsigned char>(date.front())))
      date.remove_prefix(1);
    h.date = std::string(date);
    clauses = value.substr(0, semi);
  }
  std::string* current = nullptr;
  int depth = 0;  // inside a comment "( ... )" nothing is a keyword
  std::size_t i = 0;
  while (i < clauses.size()) {
    while (i < clauses.size() && std::isspace(static_cast<unsigned char>(clauses[i]))) ++i;
    std::size_t j = i;
    while (j < clauses.size() && !std::isspace(static_cast<unsigned char>(clauses[j]))) ++j;
    if (i == j) break;
    const std::string_view word = clauses.substr(i, j - i);
    std::string lower(word);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string* key = nullptr;
    if (depth == 0) {
      if (lower == "from") key = &h.from;
      if (lower == "by") key = &h.by;
      if (lower == "via") key = &h.via;
      if (lower == "with") key = &h.with;
      if (lower == "id") key = &h.id;
      if (lower == "for") key = &h.for_address;
    }
    if (key) {
      current = key;
    } else if (current) {
      if (!current->empty()) current->push_back(' ');
      current->append(word);
    }
    for (char c : word) depth += c == '(' ? 1 : c == ')' ? (depth > 0 ? -1 : 0) : 0;
    i = j;
  }
  // "for <carol@example.net>": the address without its brackets.
  if (h.for_address.size() >= 2 && h.for_address.front() == '<' && h.for_address.back() == '>')
    h.for_address = h.for_address.substr(1, h.for_address.size() - 2);
  return h;
}

namespace {

MessageInfo inspect(std::span<const trace::Event> events, std::size_t n, const std::string& id,
                    int depth) {
  MessageInfo m;
  m.queue_id = id;
  n = std::min(n, events.size());
  std::size_t queued = n;
  for (std::size_t i = 0; i < n; ++i)
    if (events[i].kind == EventKind::Queued && events[i].message_id == id) {
      queued = i;
      break;
    }
  if (queued == n) return m;
  const trace::Event& q = events[queued];
  m.found = true;
  m.host = q.host;
  m.queued_at = q.time;
  m.sender = queued_sender(q.text);
  for (std::size_t start = 0; !q.detail.empty();) {
    const auto comma = q.detail.find(',', start);
    m.recipients.push_back(q.detail.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }

  // The connection that carried it: the server's "queued as ID" reply comes one hop after
  // the Queued event (so it may lie past n: the trace is complete up to what was run).
  std::size_t reply = events.size();
  const std::size_t horizon = std::min(events.size(), queued + 4096);
  for (std::size_t i = queued; i < horizon; ++i) {
    const trace::Event& e = events[i];
    if (e.kind == EventKind::Line && e.code == 250 && e.host == m.host && queued_as(e.text) == id) {
      reply = i;
      break;
    }
  }
  if (reply < events.size()) {
    m.wire = wire_copy(events, events[reply].conn, reply);
  } else {
    // Not confirmed (yet): the last "." sent to this host before it queued the message,
    // unless another message queued there since took it (a DSN the MTA wrote itself
    // crossed no wire).
    for (std::size_t i = queued; i-- > 0;) {
      const trace::Event& e = events[i];
      if (e.kind == EventKind::Queued && e.host == m.host) break;
      if (e.kind == EventKind::Line && e.peer == m.host && e.text == "." && e.conn != 0) {
        m.wire = wire_copy(events, e.conn, i);
        break;
      }
    }
  }
  if (m.wire) {
    m.have_content = true;
    m.parsed = mail::parse_message(m.wire->content);
    if (auto s = m.parsed.get("Subject")) m.subject = mail::decode_words(*s);
    for (const auto& r : m.parsed.get_all("Received")) m.received.push_back(parse_received(r));
    // The previous hop relayed it and quoted this host's reply.
    for (std::size_t i = 0; i < queued + 1 && i < events.size(); ++i) {
      const trace::Event& e = events[i];
      if (e.kind == EventKind::Relayed && e.host == m.wire->client && queued_as(e.text) == id) {
        m.previous_id = e.message_id;
        break;
      }
    }
    // Also a relayed copy whose reply came after the Queued event.
    for (std::size_t i = queued; m.previous_id.empty() && i < horizon; ++i) {
      const trace::Event& e = events[i];
      if (e.kind == EventKind::Relayed && e.host == m.wire->client && queued_as(e.text) == id)
        m.previous_id = e.message_id;
    }
  }

  for (std::size_t i = queued + 1; i < n; ++i) {
    const trace::Event& e = events[i];
    if (e.host != m.host || e.message_id != id) continue;
    switch (e.kind) {
      case EventKind::Relayed:
        if (auto next = queued_as(e.text);
            !next.empty() &&
            std::find(m.next_ids.begin(), m.next_ids.end(), next) == m.next_ids.end())
          m.next_ids.push_back(next);
        [[fallthrough]];
      case EventKind::Delivered:
        if (e.kind == EventKind::Delivered && !e.detail.empty())
          m.mailboxes.push_back(e.host + "/" + e.detail);
        [[fallthrough]];
      case EventKind::Deferred:
      case EventKind::Bounced:
      case EventKind::Dropped:
      case EventKind::DsnSent:
      case EventKind::DelayWarned:
        if (e.kind == EventKind::DsnSent || e.kind == EventKind::DelayWarned) {
          const auto at = e.text.find("notice "), sent = e.text.find(" sent");
          if (at != std::string::npos && sent != std::string::npos && sent > at + 7)
            m.dsn_ids.push_back(e.text.substr(at + 7, sent - at - 7));
        }
        m.outcomes.push_back(e.address.empty() || e.text.find(e.address) != std::string::npos
                                 ? e.text
                                 : "<" + e.address + ">: " + e.text);
        break;
      default:
        break;
    }
  }

  // A DSN this MTA made: "bounce notice ID sent to <...>" names the original.
  if (m.sender.empty()) {
    std::size_t notice = n;
    for (std::size_t i = 0; i < n; ++i) {
      const trace::Event& e = events[i];
      if ((e.kind == EventKind::DsnSent || e.kind == EventKind::DelayWarned) && e.host == m.host &&
          e.text.find("notice " + id + " sent") != std::string::npos) {
        notice = i;
        m.dsn_about = e.message_id;
        m.dsn_kind = e.kind == EventKind::DsnSent ? "failed" : "delayed";
        break;
      }
    }
    if (notice < n) {
      // The recipients it reports: the original's failures (or deferrals) since its last
      // notice (RFC 3464 §2.3: one group per recipient).
      std::size_t from = 0;
      for (std::size_t i = notice; i-- > 0;) {
        const trace::Event& e = events[i];
        if ((e.kind == EventKind::DsnSent || e.kind == EventKind::DelayWarned) &&
            e.host == m.host && e.message_id == m.dsn_about) {
          from = i + 1;
          break;
        }
      }
      const EventKind want = m.dsn_kind == "failed" ? EventKind::Bounced : EventKind::Deferred;
      for (std::size_t i = from; i < notice; ++i) {
        const trace::Event& e = events[i];
        if (e.kind != want || e.host != m.host || e.message_id != m.dsn_about) continue;
        DsnFact f;
        f.recipient = e.address;
        f.action = m.dsn_kind;
        f.status = e.detail;
        if (want == EventKind::Bounced && !f.status.empty() && f.status[0] == '4')
          f.status[0] = '5';  // expired in the queue: the DSN reports it as permanent
        const auto close = e.text.find(">: ");
        f.diagnostic = close == std::string::npos ? e.text : e.text.substr(close + 3);
        m.dsn_facts.push_back(std::move(f));
      }
      if (depth == 0) {
        const MessageInfo original = inspect(events, n, m.dsn_about, depth + 1);
        m.original_headers = original.parsed.fields;
      }
    }
  }
  if (m.have_content) {
    if (auto dsn = mail::parse_dsn(m.wire->content)) {
      m.dsn_facts.clear();
      for (const auto& r : dsn->recipients)
        m.dsn_facts.push_back(DsnFact{r.final_recipient, std::string(mail::action_name(r.action)),
                                      r.status, r.diagnostic_code.value_or(""),
                                      r.remote_mta.value_or("")});
      m.original_headers = mail::parse_message(dsn->original_headers).fields;
      if (m.dsn_kind.empty() && !dsn->recipients.empty())
        m.dsn_kind = std::string(mail::action_name(dsn->recipients.front().action));
      m.dsn = std::move(dsn);
    }
  }
  return m;
}

}  // namespace

MessageInfo inspect_message(std::span<const trace::Event> events, std::size_t n,
                            const std::string& queue_id) {
  return inspect(events, n, queue_id, 0);
}

}  // namespace smtpsim::gui
