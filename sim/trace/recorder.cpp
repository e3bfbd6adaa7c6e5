// The recorder: numbering, storage and fan-out of trace events.
#include "sim/trace/recorder.hpp"

#include <utility>

namespace smtpsim::trace {

Recorder::Recorder(std::size_t expected_events) {
  events_.reserve(expected_events);
}

void Recorder::record(Event e) {
  if (delivering_) {
    // Recorded by a subscriber: events_ must not move while callbacks hold a reference into
    // it, so the event waits until the current one has reached every subscriber.
    e.seq = events_.size() + pending_.size();
    pending_.push_back(std::move(e));
    return;
  }
  e.seq = events_.size();
  events_.push_back(std::move(e));
  if (subscribers_.empty()) return;
  delivering_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{delivering_};
  deliver(events_.back());
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    events_.push_back(std::move(pending_[i]));
    deliver(events_.back());  // may append to pending_ (indexed loop: no iterator held)
  }
  pending_.clear();
}

void Recorder::deliver(const Event& e) {
  // Indexed: callbacks only ever flag removals or add to joining_, never resize the vector.
  for (std::size_t i = 0; i < subscribers_.size(); ++i)
    if (!subscribers_[i].removed) subscribers_[i].cb(e);
  settle_subscribers();
}

void Recorder::settle_subscribers() {
  std::erase_if(subscribers_, [](const Subscriber& s) { return s.removed; });
  for (auto& s : joining_) subscribers_.push_back(std::move(s));
  joining_.clear();
}

Recorder::SubscriptionId Recorder::subscribe(Callback cb) {
  const auto id = next_id_++;
  (delivering_ ? joining_ : subscribers_).push_back({id, std::move(cb)});
  return id;
}

void Recorder::unsubscribe(SubscriptionId id) {
  std::erase_if(joining_, [id](const Subscriber& s) { return s.id == id; });
  for (auto& s : subscribers_)
    if (s.id == id) s.removed = true;
  if (!delivering_) settle_subscribers();
}

void Recorder::clear() {
  events_.clear();
  pending_.clear();
}

std::size_t Recorder::heap_bytes() const {
  constexpr std::size_t kSso = 15;
  auto str = [](const std::string& s) { return s.size() > kSso ? s.capacity() + 1 : 0; };
  std::size_t total = events_.capacity() * sizeof(Event);
  for (const auto& e : events_) {
    total += str(e.host) + str(e.peer) + str(e.proto) + str(e.text) + str(e.detail) +
             str(e.message_id) + str(e.address);
  }
  return total;
}

}  // namespace smtpsim::trace
