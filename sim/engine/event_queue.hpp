// The discrete-event core (DESIGN.md idea 5, ns-3's EventKey{time, uid}): actions ordered by
// virtual time, then by insertion number, so equal times run in the order they were
// scheduled and a run is reproducible byte for byte. Time never runs backwards: scheduling
// in the past is a programming error and throws.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sim/engine/sim_time.hpp"

namespace smtpsim::engine {

class EventQueue {
 public:
  using Action = std::function<void()>;

  SimTime now() const { return now_; }
  void schedule_at(SimTime at, Action action);
  void schedule_in(SimTime delay, Action action) { schedule_at(now_ + delay, std::move(action)); }

  // Takes the next insertion number without scheduling anything. schedule_reserved() later
  // puts an action in the queue under it, so it runs exactly where an action scheduled at
  // the moment of the reservation would have run (Timer below re-arms this way).
  std::uint64_t reserve_seq() { return seq_++; }
  void schedule_reserved(SimTime at, std::uint64_t seq, Action action);

  bool empty() const { return heap_.empty(); }
  SimTime next_time() const { return heap_.empty() ? now_ : heap_.front().at; }
  std::size_t pending() const { return heap_.size(); }
  std::uint64_t executed() const { return executed_; }

  // Runs the earliest action; false when there is none.
  bool step();
  // Runs every action due at or before `limit`; the clock ends at min(limit, last event).
  void run_until(SimTime limit);
  // Live mode: the wall clock moved on to `t` with nothing due before it (run_until(t)
  // first); the clock follows, so what is scheduled next is measured from the real now.
  void advance_to(SimTime t) {
    if (t > now_ && (heap_.empty() || heap_.front().at >= t)) now_ = t;
  }

 private:
  // The heap holds small keys; the actions wait in slots_ (reused through free_), so heap
  // operations move 24 bytes instead of a std::function.
  struct Key {
    SimTime at;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  struct Later {
    bool operator()(const Key& a, const Key& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  std::vector<Key> heap_;  // a binary heap under Later (std::push_heap / std::pop_heap)
  std::vector<Action> slots_;
  std::vector<std::uint32_t> free_;
  SimTime now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t executed_ = 0;
};

// A re-armable one-shot timer (a connection's reply or idle timeout), with the behaviour of
// "schedule_in(delay, on_fire) on every arm(), and ignore all but the latest" but at most
// one wake-up in the queue: a connection re-arms its timer on every exchange, and each of
// those used to leave a dead event in the queue for minutes of virtual time (tens of
// thousands of them in a busy run). A wake-up that comes before the deadline moves itself to
// the deadline under the sequence number reserved at arm(), so on_fire runs at exactly the
// same place in the event order as before.
class Timer {
 public:
  Timer(EventQueue& queue, std::function<void()> on_fire)
      : q_(queue), on_fire_(std::move(on_fire)) {}
  ~Timer() { *alive_ = false; }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm(SimTime delay);
  void cancel() { armed_ = false; }
  bool armed() const { return armed_; }

 private:
  void schedule_wake(SimTime at, std::uint64_t seq);
  void wake(std::uint64_t id);

  EventQueue& q_;
  std::function<void()> on_fire_;
  bool armed_ = false;
  SimTime deadline_ = 0;
  std::uint64_t deadline_seq_ = 0;
  std::uint64_t wake_id_ = 0;  // the wake-up that counts; 0: none in the queue
  SimTime wake_at_ = 0;
  std::uint64_t next_wake_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// One seeded generator for every random choice of a run (xoshiro256** seeded by splitmix64):
// specified bit for bit, unlike std::uniform_int_distribution, so seeds mean the same thing
// on every standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1);
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), n > 0
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace smtpsim::engine
