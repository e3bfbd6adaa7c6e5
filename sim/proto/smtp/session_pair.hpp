// A client machine and a server machine joined by an in-memory link (h11's ConnectionPair):
// each side's output is the other's input, with no network and no clock. Used by the demo,
// golden transcripts, benchmarks and tests. TLS is only simulated: both sides are told the
// handshake finished (the bytes in between are not encrypted here).
#pragma once

#include <optional>
#include <vector>

#include "sim/proto/smtp/client_session.hpp"
#include "sim/proto/smtp/server_policy.hpp"

namespace smtpsim::smtp {

struct PairResult {
  std::vector<MessageResult> messages;
  std::optional<client_event::Failed> failure;
  bool stalled = false;  // neither side could make progress (a bug in one of the machines)
};

// Runs until both sides have closed. The client is told finish() when it goes idle.
PairResult run_session_pair(ClientSession& client, ServerSession& server, ServerPolicy& policy);

}  // namespace smtpsim::smtp
