// Live mode's restart: what a journal recovered (net::Spool::load) put back into a freshly
// built Simulation, before it runs. Queue entries return to their MTA and are tried again at
// their next attempt time (at once when it has passed); mailbox folders return to their MDA
// with their UIDVALIDITY, UIDs and flags. Trusts the journal's data as far as the journal
// checked it; only the scenario's shape (which host has which role) is checked here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/nodes/journal.hpp"
#include "sim/scenario/simulation.hpp"

namespace smtpsim::scenario {

// Returns one sentence per part that could not be put back (mail kept for a host this
// scenario does not have, or that has no MTA/MDA); that data stays on disk untouched.
// Folders with nothing kept get UIDVALIDITY = unix_now, so a client that cached an earlier
// spool's UIDs (since deleted) sees them invalidated (RFC 3501 §2.3.1.1).
std::vector<std::string> restore(Simulation& sim, const nodes::Recovered& kept,
                                 std::int64_t unix_now);

}  // namespace smtpsim::scenario
