// Event queue and RNG.
#include "sim/engine/event_queue.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace smtpsim::engine {

void EventQueue::schedule_at(SimTime at, Action action) {
  if (at < now_) {
    throw std::logic_error(fmt::format("event scheduled in the past: {} < now {}", at, now_));
  }
  heap_.push_back(Item{at, seq_++, std::move(action)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

bool EventQueue::step() {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  Item item = std::move(heap_.back());
  heap_.pop_back();
  if (item.at < now_) throw std::logic_error("time ran backwards");
  now_ = item.at;
  ++executed_;
  item.action();
  return true;
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
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
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
