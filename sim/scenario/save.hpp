// Writing a Spec back as a scenario file (the JSON of lessons/README.md), so a run changed by
// hand in the GUI (faults, composed mail) can be saved and replayed by `smtpsim run` or the
// loader: load(save(spec)) == spec for every Spec the loader produced. Also the one way the
// GUI adds an action: the changed Spec is saved and loaded again, so an action done by hand
// passes exactly the loader's checks and is refused with the loader's one sentence.
// Trusts the Spec to be a loader's output (or such a Spec plus actions checked here).
#pragma once

#include <filesystem>
#include <string>
#include <variant>

#include "sim/scenario/load.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::scenario {

// The scenario as JSON text (two-space indent, fields in the order lessons/README.md shows).
// Defaults are left out (queue settings, latency, run_for ...) except where writing them
// keeps the file self-explaining (title, seed). Spec::file is not written.
std::string save_scenario(const Spec& spec);

// spec with `a` added to its script (kept in time order, after actions at the same time),
// validated by the loader; Spec::file is kept. A LoadError's message is the loader's sentence
// about the new action without the file name (e.g. "/script/3/record: there is no MX record
// example.net 10 mx.example.net to remove at +0:00:05.000").
LoadResult with_action(const Spec& spec, const Action& a);

// Writes data to path atomically (temporary file beside it, fsync, rename): never a
// half-written file, and nothing at all on failure. Returns an error sentence, or "" on success.
std::string write_file_atomically(const std::filesystem::path& path, const std::string& data);

}  // namespace smtpsim::scenario
