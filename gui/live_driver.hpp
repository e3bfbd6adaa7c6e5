// What the View needs from live mode (issue 7), without Asio: something that runs the real
// sockets and the wall-clock event loop a little every frame, says what virtual time the wall
// clock's now is, and describes itself for the status strip. gui/live_session.hpp is the one
// implementation; tests use a fake. Trusts nothing about its caller but single-threadedness:
// poll() is called from the frame loop only, and never blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gui/live_form.hpp"

namespace smtpsim::gui {

// The status strip's facts: what a class needs to point a real client at the simulation.
struct LiveStatus {
  std::string listen;                        // "127.0.0.1"
  std::vector<std::string> ports;            // "SMTP 3025", "submission 3587", ...
  std::vector<std::string> users;            // "alice@example.com / alice": on the real ports
  std::vector<std::string> simulated_users;  // "carol@example.net / carol on mx.example.net"
  std::size_t clients = 0;                   // real clients connected now
  std::uint64_t accepted = 0;                // real clients accepted since the start
};

class LiveDriver {
 public:
  virtual ~LiveDriver() = default;
  // Runs the I/O that is ready and every simulation event that is due; returns at once.
  virtual void poll() = 0;
  // The virtual time (µs) of the wall clock's now: the live edge.
  virtual std::int64_t now_us() const = 0;
  virtual LiveStatus status() const = 0;
  // The live panel's Send: the sim's SMTP client on "this computer" talks to a real server.
  // Returns "" when the session started (its outcome comes in send_outcome()), otherwise
  // one sentence saying why nothing was sent.
  virtual std::string send(const LiveSendForm& form) = 0;
  // The last session's outcome in one sentence ("" while it runs or before any).
  virtual std::string send_outcome() const = 0;
};

}  // namespace smtpsim::gui
