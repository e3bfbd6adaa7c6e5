// The queue of one MTA, folded from its trace events.
#include "gui/queue_model.hpp"

#include <algorithm>

namespace smtpsim::gui {

using trace::EventKind;

std::string queued_sender(const std::string& text) {
  const auto from = text.find(" from <");
  if (from == std::string::npos) return {};
  const auto start = from + 7;
  const auto end = text.find('>', start);
  return end == std::string::npos ? std::string{} : text.substr(start, end - start);
}

namespace {
// The reason after "deferred <addr>: " / "bounced <addr>: ", or the whole text.
std::string reason_of(const std::string& text) {
  const auto close = text.find(">: ");
  return close == std::string::npos ? text : text.substr(close + 3);
}
}  // namespace

std::vector<QueueRow> queue_rows(std::span<const trace::Event> events, std::size_t n,
                                 const std::string& host) {
  std::vector<QueueRow> rows;
  auto find = [&](const std::string& id) -> QueueRow* {
    for (auto& r : rows)
      if (r.id == id) return &r;
    return nullptr;
  };
  n = std::min(n, events.size());
  for (std::size_t i = 0; i < n; ++i) {
    const trace::Event& e = events[i];
    if (e.host != host || e.message_id.empty()) continue;
    if (e.kind == EventKind::Queued) {
      QueueRow r;
      r.id = e.message_id;
      r.sender = queued_sender(e.text);
      r.queued_at = e.time;
      std::size_t start = 0;
      while (!e.detail.empty()) {
        const auto comma = e.detail.find(',', start);
        r.recipients.push_back(e.detail.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      r.pending = r.recipients;
      rows.push_back(std::move(r));
      continue;
    }
    QueueRow* r = find(e.message_id);
    if (!r) continue;
    switch (e.kind) {
      case EventKind::Attempt:
        if (!r->trying) ++r->attempts;
        r->trying = true;
        break;
      case EventKind::Deferred:
        ++r->deferrals;
        r->trying = false;
        r->next_retry = e.next_retry;
        r->last_error = reason_of(e.text);
        break;
      case EventKind::Relayed:
      case EventKind::Delivered:
      case EventKind::Bounced:
        r->trying = false;
        std::erase(r->pending, e.address);
        if (e.kind == EventKind::Bounced) r->last_error = reason_of(e.text);
        break;
      default:
        break;
    }
  }
  std::erase_if(rows, [](const QueueRow& r) { return r.pending.empty(); });
  return rows;
}

}  // namespace smtpsim::gui
