// `smtpsim run LESSON|SCENARIO [--seed N] [--format text|json] [-o FILE]`: run a scenario
// headless and write its transcript. A bare name is looked up among the shipped scenarios.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace smtpsim::app {

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string format = "text";
  std::string output;  // empty: stdout
};

// Where shipped lessons and scenarios live (SMTPSIM_DATA_DIR, else next to the source tree).
std::string data_dir();
// "two-mx-failover" -> ".../lessons/scenarios/two-mx-failover.json" when it exists.
std::string resolve_scenario(const std::string& name_or_path);

int run_scenario_command(const RunOptions& o, std::FILE* out, std::FILE* err);

// Writes data to path atomically (temporary file, fsync, rename): never a half-written file.
// Returns an error sentence, or empty on success.
std::string write_file_atomically(const std::string& path, const std::string& data);

}  // namespace smtpsim::app
