// A POP3 client machine and server machine joined by an in-memory link: each side's output
// is the other's input, no network, no clock. For tests, golden transcripts and the demo.
// TLS is only simulated (both sides are told the handshake finished). The owner's Auth
// decision is taken from a user -> secret map (password_matches, so APOP works too).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/proto/pop3/client_session.hpp"
#include "sim/proto/pop3/server_session.hpp"

namespace smtpsim::pop3 {

struct PairResult {
  std::vector<client_event::Message> messages;
  std::optional<client_event::Done> done;
  std::optional<client_event::Failed> failure;
  std::vector<std::uint32_t> expunged;  // the server's Update event
  bool stalled = false;                 // neither side could make progress (a bug)
};

// Runs until both sides have closed.
PairResult run_session_pair(ClientSession& client, ServerSession& server,
                            const std::map<std::string, std::string>& secrets);

}  // namespace smtpsim::pop3
