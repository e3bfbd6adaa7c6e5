// What every protocol machine shares: a transition table held as data, the one function
// that reports a state change, and an observer interface the trace (sim/trace) subscribes
// to. The state diagram (Graphviz DOT) is rendered from the same table the machine checks
// its moves against, so the picture cannot drift from the code (DESIGN.md ideas 2 and 3).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace smtpsim::proto {

struct StateInfo {
  int id;
  std::string_view name;     // "MAIL"
  std::string_view caption;  // "waiting for RCPT" (Postfix xfer_states[] idea)
};

struct TransitionRule {
  int from;
  int to;
  std::string_view trigger;  // "EHLO 250", "end of data", ...
};

struct MachineSpec {
  std::string_view name;  // "SMTP server"
  std::span<const StateInfo> states;
  std::span<const TransitionRule> transitions;

  const StateInfo& state(int id) const;
  bool allows(int from, int to, std::string_view trigger) const;
};

// Graphviz DOT of the machine. `current` and `last` (a trigger) are highlighted when given.
std::string render_dot(const MachineSpec& spec, int current = -1,
                       std::string_view last_trigger = {});

// Observer of a session: state changes, lines in and out. Default: ignore everything.
// Redaction is the machine's job: AUTH payloads are reported as "[redacted]" with
// `sensitive` set, so no writer can leak them by accident.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void on_transition(const MachineSpec& /*spec*/, int /*from*/, int /*to*/,
                             std::string_view /*trigger*/) {}
  // A complete line received (without CRLF); for DATA, the message is reported once, whole.
  virtual void on_line_in(std::string_view /*line*/, bool /*sensitive*/) {}
  virtual void on_line_out(std::string_view /*line*/, bool /*sensitive*/) {}
};

}  // namespace smtpsim::proto
