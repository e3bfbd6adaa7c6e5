// The discrete-event core (DESIGN.md idea 5, ns-3's EventKey{time, uid}): actions ordered by
// virtual time, then by insertion number, so equal times run in the order they were
// scheduled and a run is reproducible byte for byte. Time never runs backwards: scheduling
// in the past is a programming error and throws.
#pragma once

#include <cstdint>
#include <functional>
#include <algorithm>
#include <vector>

#include "sim/engine/sim_time.hpp"

namespace smtpsim::engine {

class EventQueue {
 public:
  using Action = std::function<void()>;

  SimTime now() const { return now_; }
  void schedule_at(SimTime at, Action action);
  void schedule_in(SimTime delay, Action action) { schedule_at(now_ + delay, std::move(action)); }

  bool empty() const { return heap_.empty(); }
  SimTime next_time() const { return heap_.empty() ? now_ : heap_.front().at; }
  std::size_t pending() const { return heap_.size(); }
  std::uint64_t executed() const { return executed_; }

  // Runs the earliest action; false when there is none.
  bool step();
  // Runs every action due at or before `limit`; the clock ends at min(limit, last event).
  void run_until(SimTime limit);

 private:
  struct Item {
    SimTime at;
    std::uint64_t seq;
    Action action;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  std::vector<Item> heap_;  // a binary heap under Later (std::push_heap / std::pop_heap)
  SimTime now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t executed_ = 0;
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
