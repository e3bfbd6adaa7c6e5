// Wall-clock driving of the event queue.
#include "net/live_loop.hpp"

namespace smtpsim::net {

LiveLoop::LiveLoop(boost::asio::io_context& io, engine::EventQueue& queue)
    : io_(io), queue_(queue), start_(std::chrono::steady_clock::now()), timer_(io) {
  queue_.advance_to(now());
}

engine::SimTime LiveLoop::now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

void LiveLoop::sync() {
  if (in_sync_) return;  // an event's own I/O call: the outer sync() finishes the work
  in_sync_ = true;
  const engine::SimTime t = now();
  queue_.run_until(t);
  queue_.advance_to(t);
  if (after_turn_) after_turn_();
  in_sync_ = false;
}

void LiveLoop::pump() {
  sync();
  if (!in_sync_) arm();
}

void LiveLoop::arm() {
  if (queue_.empty()) return;
  const engine::SimTime at = queue_.next_time();
  if (at == armed_for_) return;
  armed_for_ = at;
  timer_.expires_at(start_ + std::chrono::microseconds(at));
  timer_.async_wait([this, at](const boost::system::error_code& ec) {
    if (ec || at != armed_for_) return;
    armed_for_ = -1;
    pump();
  });
}

}  // namespace smtpsim::net
