// Selection: made from a trace event, written and parsed as "kind:key".
#include "gui/selection.hpp"

#include <charconv>

namespace smtpsim::gui {

Selection Selection::for_event(const trace::Event& e) {
  if (e.conn != 0) return connection(e.conn);
  if (!e.message_id.empty()) {
    // A DSN notice names the original message in message_id and the notice's own queue id
    // only in its text; the original is what the line is about.
    return message(e.message_id);
  }
  if (!e.host.empty()) return host(e.host);
  return {};
}

std::string Selection::to_string() const {
  switch (kind) {
    case SelectionKind::None:
      return "none";
    case SelectionKind::Host:
      return "host:" + key;
    case SelectionKind::Connection:
      return "conn:" + std::to_string(conn);
    case SelectionKind::Queue:
      return "queue:" + key;
    case SelectionKind::Mailbox:
      return "mailbox:" + key;
    case SelectionKind::Message:
      return "message:" + key;
  }
  return "none";
}

std::optional<Selection> Selection::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (text == "none") return Selection{};
  if (colon == std::string_view::npos || colon + 1 == text.size()) return std::nullopt;
  const std::string_view kind = text.substr(0, colon);
  const std::string key(text.substr(colon + 1));
  if (kind == "host") return host(key);
  if (kind == "queue") return queue(key);
  if (kind == "message") return message(key);
  if (kind == "mailbox") {
    const auto slash = key.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) return std::nullopt;
    return Selection{SelectionKind::Mailbox, key, 0};
  }
  if (kind == "conn") {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc{} || end != key.data() + key.size() || id == 0) return std::nullopt;
    return connection(id);
  }
  return std::nullopt;
}

}  // namespace smtpsim::gui
