// The wall-clock bridge (DESIGN.md idea 5: "the clock is swappable"): the simulation's event
// queue driven by real time on one Asio io_context. Virtual time is microseconds since the
// loop started; everything due runs as soon as it is due, and an I/O completion that feeds
// bytes to the network first calls sync() so they are scheduled from the real now.
// Single-threaded: the io_context runs on one thread, the simulation is never touched from
// another. Trusts the event queue for ordering.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "sim/engine/event_queue.hpp"

namespace smtpsim::net {

class LiveLoop {
 public:
  LiveLoop(boost::asio::io_context& io, engine::EventQueue& queue);
  LiveLoop(const LiveLoop&) = delete;
  LiveLoop& operator=(const LiveLoop&) = delete;

  // Runs what is due and moves the virtual clock to the wall clock's now.
  void sync();
  // sync(), then sleeps until the next event is due (call after feeding the network).
  void pump();
  engine::SimTime now() const;
  // Runs after every turn of sync() (serve: the spool's commit(), so what a timer-driven
  // queue round changed is durable without waiting for the next client).
  void set_after_turn(std::function<void()> f) { after_turn_ = std::move(f); }
  boost::asio::io_context& io() { return io_; }

 private:
  void arm();
  boost::asio::io_context& io_;
  engine::EventQueue& queue_;
  std::chrono::steady_clock::time_point start_;
  boost::asio::steady_timer timer_;
  bool in_sync_ = false;
  engine::SimTime armed_for_ = -1;
  std::function<void()> after_turn_;
};

}  // namespace smtpsim::net
