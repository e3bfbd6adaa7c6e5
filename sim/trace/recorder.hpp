// The recorder: the one place that keeps the whole trace of a run (DESIGN.md idea 6).
// Sources (engine, nodes) call record(); the recorder numbers each event (seq 0, 1, 2 ... in
// recording order), keeps it, and hands it to every subscriber — the GUI animator, the
// transcript writers, the lesson checker and statistics are all just subscribers. Keeping the
// whole stream lets the GUI step back (replay to event N) and scrub the timeline.
//
// Re-entrancy: a subscriber may itself record (the lesson checker narrating a Note). Such an
// event is numbered at once but stored and delivered only after every subscriber has seen the
// current one, so all subscribers see the events in seq order and each exactly once, and the
// reference a callback receives stays valid for the whole call (no copy is made).
// Subscribing or unsubscribing from inside a callback takes effect from the next event.
//
// Memory: an Event is sizeof(Event) bytes (280 on 64-bit libstdc++: seven std::string fields
// with small-string buffers) plus heap only for strings longer than 15 bytes — in practice the
// protocol line in `text` and sometimes `detail`. heap_bytes() estimates the total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/trace/event.hpp"
#include "sim/trace/sink.hpp"

namespace smtpsim::trace {

class Recorder final : public Sink {
 public:
  using Callback = std::function<void(const Event&)>;
  using SubscriptionId = std::uint64_t;

  // Room for `expected_events` events is reserved up front (a lesson produces hundreds to a
  // few thousand; growth beyond that is amortised by std::vector).
  explicit Recorder(std::size_t expected_events = 1024);

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Overwrites e.seq with the next number, stores the event, notifies subscribers.
  void record(Event e) override;

  // Callbacks run in subscription order. The returned id unsubscribes.
  SubscriptionId subscribe(Callback cb);
  void unsubscribe(SubscriptionId id);

  const std::vector<Event>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  // Event number n (== its seq); throws std::out_of_range past the end.
  const Event& at(std::size_t n) const { return events_.at(n); }

  // Forgets all events (numbering restarts at 0); subscriptions stay.
  void clear();

  // Bytes used: the vector's capacity plus the heap buffers of long strings (an estimate
  // that assumes the libstdc++ small-string size of 15).
  std::size_t heap_bytes() const;

 private:
  struct Subscriber {
    SubscriptionId id;
    Callback cb;
    bool removed = false;  // unsubscribed during a delivery; erased afterwards
  };
  void deliver(const Event& e);
  void settle_subscribers();

  std::vector<Event> events_;
  std::vector<Event> pending_;  // recorded by subscribers during a delivery, in order
  std::vector<Subscriber> subscribers_;
  std::vector<Subscriber> joining_;  // subscribed during a delivery
  SubscriptionId next_id_ = 1;
  bool delivering_ = false;
};

}  // namespace smtpsim::trace
