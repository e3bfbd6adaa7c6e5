// Event queue and RNG.
#include "sim/engine/event_queue.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace smtpsim::engine {

void EventQueue::schedule_at(SimTime at, Action action) {
  schedule_reserved(at, seq_++, std::move(action));
}

void EventQueue::schedule_reserved(SimTime at, std::uint64_t seq, Action action) {
  if (at < now_) {
    throw std::logic_error(fmt::format("event scheduled in the past: {} < now {}", at, now_));
  }
  if (seq >= seq_) throw std::logic_error("sequence number was not reserved");
  std::uint32_t slot;
  if (free_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(action));
  } else {
    slot = free_.back();
    free_.pop_back();
    slots_[slot] = std::move(action);
  }
  heap_.push_back(Key{at, seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

bool EventQueue::step() {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  const Key key = heap_.back();
  heap_.pop_back();
  if (key.at < now_) throw std::logic_error("time ran backwards");
  Action action = std::move(slots_[key.slot]);
  slots_[key.slot] = nullptr;
  free_.push_back(key.slot);
  now_ = key.at;
  ++executed_;
  action();
  return true;
}

void Timer::arm(SimTime delay) {
  armed_ = true;
  deadline_ = q_.now() + delay;
  deadline_seq_ = q_.reserve_seq();
  // A wake-up already due by the deadline will move itself there; a later one cannot.
  if (wake_id_ != 0 && wake_at_ <= deadline_) return;
  schedule_wake(deadline_, deadline_seq_);
}

void Timer::schedule_wake(SimTime at, std::uint64_t seq) {
  const std::uint64_t id = ++next_wake_;
  wake_id_ = id;
  wake_at_ = at;
  q_.schedule_reserved(at, seq, [this, id, alive = alive_] {
    if (*alive) wake(id);
  });
}

void Timer::wake(std::uint64_t id) {
  if (id != wake_id_) return;  // superseded by an earlier deadline
  wake_id_ = 0;
  if (!armed_) return;
  if (deadline_ > q_.now()) {
    schedule_wake(deadline_, deadline_seq_);
    return;
  }
  armed_ = false;
  on_fire_();  // last: it may re-arm
}

void EventQueue::run_until(SimTime limit) {
  while (!heap_.empty() && heap_.front().at <= limit) step();
  if (limit > now_ && heap_.empty()) return;
  if (limit > now_) now_ = limit;
}

namespace {
std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's rejection keeps the draw unbiased.
  const std::uint64_t limit = -n % n;
  while (true) {
    const std::uint64_t r = next();
    if (r >= limit) return r % n;
  }
}

}  // namespace smtpsim::engine
