// The headless runner.
#include "app/run_cmd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "app/lesson_cmd.hpp"
#include "sim/scenario/load.hpp"
#include "sim/scenario/save.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/json_writer.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"

#ifndef SMTPSIM_SOURCE_DATA_DIR
#define SMTPSIM_SOURCE_DATA_DIR ""
#endif

namespace smtpsim::app {

namespace fs = std::filesystem;

std::string data_dir() {
  if (const char* env = std::getenv("SMTPSIM_DATA_DIR"); env && *env) return env;
  return SMTPSIM_SOURCE_DATA_DIR;
}

std::string resolve_scenario(const std::string& name) {
  std::error_code ec;
  if (fs::exists(name, ec)) return name;
  const fs::path base = data_dir();
  for (const char* sub : {"scenarios", ""}) {
    fs::path p = base / sub / (name + ".json");
    if (fs::exists(p, ec)) return p.string();
  }
  return name;  // let the loader say it does not exist
}

std::string write_file_atomically(const std::string& path, const std::string& data) {
  return scenario::write_file_atomically(path, data);
}

int run_scenario_command(const RunOptions& o, std::FILE* out, std::FILE* err) {
  auto loaded = load_scenario_or_lesson(resolve_scenario(o.scenario));
  if (auto* e = std::get_if<scenario::LoadError>(&loaded)) {
    std::fprintf(err, "smtpsim run: %s\n", e->message.c_str());
    return 2;
  }
  const auto& spec = std::get<scenario::Spec>(loaded);
  trace::Recorder rec;
  std::string text;
  try {
    scenario::Simulation sim(spec, rec, o.seed);
    sim.run();
  } catch (const std::exception& ex) {
    std::fprintf(err, "smtpsim run: %s: %s\n", spec.file.c_str(), ex.what());
    return 1;
  }
  if (o.format == "json") {
    text = trace::write_json_trace({spec.name, o.seed.value_or(spec.seed)}, rec.events());
  } else {
    text = trace::render_text(rec.events());
  }
  if (o.output.empty() || o.output == "-") {
    std::fwrite(text.data(), 1, text.size(), out);
    return std::fflush(out) == 0 ? 0 : 1;
  }
  if (auto problem = write_file_atomically(o.output, text); !problem.empty()) {
    std::fprintf(err, "smtpsim run: %s\n", problem.c_str());
    return 1;
  }
  return 0;
}

}  // namespace smtpsim::app
