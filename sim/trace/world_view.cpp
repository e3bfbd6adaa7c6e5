// Folding events into a view.
#include "sim/trace/world_view.hpp"

#include <algorithm>

namespace smtpsim::trace {

void WorldView::apply(const Event& e) {
  ++applied;
  time = e.time;
  switch (e.kind) {
    case EventKind::HostDown:
      hosts_down.insert(e.host);
      for (auto it = connections.begin(); it != connections.end();) {
        it = (it->second.client == e.host || it->second.server == e.host) ? connections.erase(it)
                                                                          : std::next(it);
      }
      break;
    case EventKind::HostUp:
      hosts_down.erase(e.host);
      break;
    case EventKind::LinkCut:
      links_cut.insert(e.host);
      break;
    case EventKind::LinkRestored:
      links_cut.erase(e.host);
      break;
    case EventKind::ServiceDown:
      services_down.insert({e.host, e.port});
      break;
    case EventKind::ServiceUp:
      services_down.erase({e.host, e.port});
      break;
    case EventKind::ConnectionOpened:
      connections[e.conn] = ConnectionView{e.host, e.peer, e.port, false, {}};
      break;
    case EventKind::ConnectionClosed:
      connections.erase(e.conn);
      break;
    case EventKind::TlsStarted:
      if (auto it = connections.find(e.conn); it != connections.end()) it->second.tls = true;
      break;
    case EventKind::Line:
      if (auto it = connections.find(e.conn); it != connections.end())
        it->second.last_line = e.text;
      break;
    case EventKind::Queued: {
      auto& pending = queues[e.host][e.message_id];
      std::size_t start = 0;
      while (start <= e.detail.size() && !e.detail.empty()) {
        const auto comma = e.detail.find(',', start);
        pending.insert(e.detail.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      break;
    }
    case EventKind::FlagsChanged:
    case EventKind::Appended:
      if (e.detail == "INBOX") inboxes[e.host][e.address][e.uid] = e.flags;
      break;
    case EventKind::Expunged:
      if (e.detail == "INBOX") inboxes[e.host][e.address].erase(e.uid);
      break;
    case EventKind::Retrieved:
      if (e.detail != "body") ++device_messages[e.host];
      break;
    case EventKind::LocalChange:
      if (e.detail == "deleted" && device_messages[e.host] > 0) --device_messages[e.host];
      break;
    case EventKind::Delivered:
      ++delivered[e.host][e.address];
      if (e.uid != 0) inboxes[e.host][e.detail][e.uid] = 0;  // detail: the mailbox's user
      [[fallthrough]];
    case EventKind::Relayed:
    case EventKind::Bounced:
    case EventKind::Dropped: {
      if (e.kind == EventKind::Bounced) ++bounces;
      auto h = queues.find(e.host);
      if (h == queues.end()) break;
      auto q = h->second.find(e.message_id);
      if (q == h->second.end()) break;
      if (e.kind != EventKind::Dropped) q->second.erase(e.address);
      if (q->second.empty()) h->second.erase(q);
      break;
    }
    case EventKind::Deferred:
      ++deferrals;
      break;
    case EventKind::DsnSent:
      ++dsns;
      break;
    default:
      break;
  }
}

std::size_t WorldView::queued_messages(const std::string& host) const {
  auto it = queues.find(host);
  return it == queues.end() ? 0 : it->second.size();
}

std::size_t WorldView::unread(const std::string& host, const std::string& user) const {
  auto h = inboxes.find(host);
  if (h == inboxes.end()) return 0;
  auto u = h->second.find(user);
  if (u == h->second.end()) return 0;
  return static_cast<std::size_t>(std::count_if(u->second.begin(), u->second.end(),
                                                [](const auto& kv) { return !(kv.second & 1u); }));
}

WorldView fold(std::span<const Event> events, std::size_t n) {
  WorldView v;
  n = std::min(n, events.size());
  for (std::size_t i = 0; i < n; ++i) v.apply(events[i]);
  return v;
}

WorldView ViewIndex::at(std::span<const Event> events, std::size_t n) {
  n = std::min(n, events.size());
  if (snapshots_.empty()) snapshots_.emplace_back();
  // Extend the snapshots up to n, then fold the rest from the nearest one.
  while ((snapshots_.size()) * stride_ <= n) {
    WorldView next = snapshots_.back();
    const std::size_t from = (snapshots_.size() - 1) * stride_;
    for (std::size_t i = from; i < from + stride_; ++i) next.apply(events[i]);
    snapshots_.push_back(std::move(next));
  }
  WorldView v = snapshots_[n / stride_];
  for (std::size_t i = (n / stride_) * stride_; i < n; ++i) v.apply(events[i]);
  return v;
}

}  // namespace smtpsim::trace
