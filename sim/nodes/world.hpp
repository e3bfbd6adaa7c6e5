// What every role needs from the simulation around it: the clock and queue, the network,
// the run's one random generator, and the wall-clock date that virtual time 0 stands for
// (for Date: and Received: headers).
#pragma once

#include <cstdint>

#include "sim/engine/network.hpp"

namespace smtpsim::nodes {

struct World {
  engine::EventQueue& queue;
  engine::Network& net;
  engine::Rng& rng;
  std::int64_t epoch_unix = 1746534200;

  engine::SimTime now() const { return queue.now(); }
  std::int64_t unix_now() const { return epoch_unix + queue.now() / engine::kSecond; }
  // Microseconds since the Unix epoch: the clock of mailbox dates (IMAP INTERNALDATE).
  std::int64_t unix_now_us() const { return epoch_unix * engine::kSecond + queue.now(); }
};

}  // namespace smtpsim::nodes
