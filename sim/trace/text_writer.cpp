// Rendering of trace events as a swaks-style text transcript.
#include "sim/trace/text_writer.hpp"

#include <fmt/format.h>

#include "sim/engine/sim_time.hpp"

namespace smtpsim::trace {

namespace {

constexpr std::string_view kInfo = "=== ";
constexpr std::string_view kError = "*** ";

// Control characters would corrupt the transcript (and a terminal): show them escaped.
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 32 && c != '\t') || u == 127) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
}

// " for <addr>" style pieces that vanish when the field is empty.
std::string opt(std::string_view prefix, std::string_view value, std::string_view suffix = "") {
  if (value.empty()) return {};
  return fmt::format("{}{}{}", prefix, value, suffix);
}
std::string addr(std::string_view prefix, std::string_view a) {
  return opt(prefix, a, ">");
}
std::string endpoint(const Event& e) {
  if (e.peer.empty()) return {};
  return e.port != 0 ? fmt::format("{}:{}", e.peer, e.port) : e.peer;
}

bool is_redacted(const Event& e) {
  return e.text.find("[redacted]") != std::string::npos;
}

bool is_error(const Event& e) {
  switch (e.kind) {
    case EventKind::ConnectionRefused:
    case EventKind::ConnectionTimeout:
    case EventKind::Deferred:
    case EventKind::Bounced:
    case EventKind::Dropped:
    case EventKind::HostDown:
    case EventKind::ServiceDown:
    case EventKind::LinkCut:
    case EventKind::MailboxFull:
      return true;
    case EventKind::Note:
      return e.detail == "error";
    default:
      return false;
  }
}

bool is_connection_kind(EventKind k) {
  return k == EventKind::ConnectionOpened || k == EventKind::ConnectionRefused ||
         k == EventKind::ConnectionTimeout || k == EventKind::ConnectionClosed ||
         k == EventKind::TlsStarted;
}

// The sentence made from the fields when the source left `text` empty (see the header).
std::string generated(const Event& e) {
  const std::string& id = e.message_id;
  const std::string port = e.port != 0 ? fmt::format("port {}", e.port) : std::string("port");
  switch (e.kind) {
    case EventKind::ConnectionOpened:
      return "connected" + opt(" to ", endpoint(e));
    case EventKind::ConnectionRefused:
      return "connection refused";
    case EventKind::ConnectionTimeout:
      return "connection timed out";
    case EventKind::ConnectionClosed:
      return "connection closed";
    case EventKind::TlsStarted:
      return "TLS started";
    case EventKind::StateChanged:
      return "state changed";
    case EventKind::Submitted:
      return "submitted" + opt(" ", id) + addr(" for <", e.address) + opt(" to ", e.peer);
    case EventKind::Queued:
      return "queued" + opt(" ", id) + addr(" for <", e.address);
    case EventKind::Attempt:
      return "trying" + opt(" ", id) + addr(" to <", e.address) + opt(" via ", endpoint(e));
    case EventKind::Deferred:
      return "deferred" + opt(" ", id) + addr(" to <", e.address);
    case EventKind::Relayed:
      return "relayed" + opt(" ", id) + addr(" to <", e.address) + opt(" via ", endpoint(e));
    case EventKind::Delivered:
      return "delivered" + opt(" ", id) + addr(" to <", e.address);
    case EventKind::Bounced:
      return "bounced" + opt(" ", id) + addr(" to <", e.address);
    case EventKind::DsnSent:
      return "sent a DSN" + opt(" about ", id) + addr(" to <", e.address);
    case EventKind::DelayWarned:
      return "sent a delay warning" + opt(" about ", id) + addr(" to <", e.address);
    case EventKind::Dropped:
      return "dropped" + opt(" ", id) + addr(" to <", e.address);
    case EventKind::Retrieved:
      return "retrieved" + opt(" ", id) + addr(" for <", e.address) + opt(" from ", e.peer) +
             opt(" over ", e.proto);
    case EventKind::FlagsChanged:
      return "flags changed" + opt(" for ", e.address);
    case EventKind::Expunged:
      return "message removed" + opt(" for ", e.address);
    case EventKind::Appended:
      return "message saved" + opt(" for ", e.address);
    case EventKind::LocalChange:
      return "changed on the device only";
    case EventKind::DnsLookup:
      return "DNS lookup";
    case EventKind::HostDown:
      return "host is down";
    case EventKind::HostUp:
      return "host is up";
    case EventKind::ServiceDown:
      return port + opt(" (", e.proto, ")") + " is down";
    case EventKind::ServiceUp:
      return port + opt(" (", e.proto, ")") + " is up";
    case EventKind::LinkCut:
      return "link" + opt(" to ", e.peer) + " is cut";
    case EventKind::LinkRestored:
      return "link" + opt(" to ", e.peer) + " is restored";
    case EventKind::LatencyChanged:
      return "latency changed";
    case EventKind::DnsRecordChanged:
      return "DNS record changed";
    case EventKind::MailboxFull:
      return "mailbox" + addr(" <", e.address) + " is full";
    case EventKind::Action:
      return "script action";
    case EventKind::Line:
    case EventKind::Datagram:
    case EventKind::Note:
      break;
  }
  return {};
}

// Everything but a Line (see the header).
std::string sentence(const Event& e) {
  if (e.kind == EventKind::Datagram || e.kind == EventKind::Note) return e.text;
  const bool made = e.text.empty();
  std::string out;
  if (!is_connection_kind(e.kind)) {
    if (!e.host.empty()) out += e.host + ": ";
    if (!made && !e.message_id.empty() && e.text.find(e.message_id) == std::string::npos)
      out += e.message_id + ": ";
  }
  out += made ? generated(e) : e.text;
  // A source's own sentence says what matters; its detail is data for other observers (a
  // status code, the recipient list), except a state change's trigger.
  if (!e.detail.empty() && (made || e.kind == EventKind::StateChanged))
    out += made && is_error(e) ? ": " + e.detail : " (" + e.detail + ")";
  if (e.kind == EventKind::Deferred && e.next_retry >= 0)
    out += "; next try " + engine::format_time(e.next_retry);
  return out;
}

}  // namespace

const TextWriter::Conn* TextWriter::find_or_guess(const Event& e) {
  if (e.conn == 0) return nullptr;
  if (auto it = conns_.find(e.conn); it != conns_.end()) return &it->second;
  // No ConnectionOpened seen (a trace cut in the middle): guess the client from the line.
  // Server replies carry a reply code, so a coded line was sent by the server. Only lines:
  // a refused or timed-out connection was never opened, and names its client as host.
  if (e.kind != EventKind::Line || e.host.empty() || e.peer.empty()) return nullptr;
  std::string sender = e.outbound ? e.host : e.peer;
  std::string receiver = e.outbound ? e.peer : e.host;
  const bool from_server = e.kind == EventKind::Line && e.code != 0;
  Conn c;
  c.client = from_server ? receiver : sender;
  c.server = from_server ? sender : receiver;
  c.label = c.client + "→" + c.server + (e.port ? fmt::format(":{}", e.port) : "");
  return &conns_.emplace(e.conn, std::move(c)).first->second;
}

std::string TextWriter::render(const Event& e) {
  if (e.kind == EventKind::StateChanged && !options_.show_state_changes) return {};
  if (e.kind == EventKind::Datagram && !options_.show_datagrams) return {};

  if (e.kind == EventKind::ConnectionOpened && e.conn != 0) {
    Conn c{e.host, e.peer,
           e.host + "→" + e.peer + (e.port ? fmt::format(":{}", e.port) : std::string())};
    conns_.insert_or_assign(e.conn, std::move(c));
  }

  std::string label;
  const Conn* conn = find_or_guess(e);
  if (conn) {
    label = conn->label;
  } else if ((e.kind == EventKind::ConnectionRefused || e.kind == EventKind::ConnectionTimeout ||
              e.kind == EventKind::ConnectionOpened) &&
             !e.peer.empty()) {
    label = e.host + "→" + endpoint(e);
  } else if (e.kind == EventKind::Datagram && !e.peer.empty()) {
    label = e.host + "→" + e.peer;
  }

  std::string_view marker;
  std::string text;
  if (e.kind == EventKind::Line) {
    const std::string& sender = e.outbound ? e.host : e.peer;
    const bool from_client = conn ? sender == conn->client : e.code == 0;
    marker = from_client ? (e.tls ? " ~> " : " -> ") : (e.tls ? "<~  " : "<-  ");
    text = e.sensitive && !is_redacted(e) ? "[redacted]" : e.text;
  } else {
    marker = is_error(e) ? kError : kInfo;
    text = sentence(e);
  }

  std::string out = engine::format_time(e.time);
  out.push_back(' ');
  if (!label.empty()) {
    append_escaped(out, label);
    out.push_back(' ');
  }
  out += marker;
  append_escaped(out, text);
  out.push_back('\n');

  if (e.kind == EventKind::ConnectionClosed) conns_.erase(e.conn);
  return out;
}

std::string render_text(std::span<const Event> events, TextOptions options) {
  TextWriter w(options);
  std::string out;
  for (const auto& e : events) out += w.render(e);
  return out;
}

}  // namespace smtpsim::trace
