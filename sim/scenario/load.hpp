// Loading a scenario file (JSON, documented in lessons/README.md) into the validated model
// of spec.hpp. Everything is checked before anything runs: JSON syntax (line and column),
// unknown keys (typos), types, required fields, host names and addresses, roles, references
// between hosts, email addresses, DNS records, script actions and durations. The first
// problem found is reported as ONE sentence naming the file and the place:
//
//   lessons/x.json: line 4, column 9: invalid JSON (syntax error while parsing ...)
//   lessons/x.json: /hosts/2/roles/0: unknown role "MTX" (one of MUA, MSA, MTA, DNS, MDA)
//
// Problems are looked for in document order, then cross-references (submit_to, dns_server,
// script hosts, the DNS host relaying needs) in the order hosts and actions appear.
// Script actions are sorted by time, stably: actions at the same time keep their file order.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "sim/scenario/spec.hpp"
#include "sim/trace/json_fields.hpp"

namespace smtpsim::scenario {

struct LoadError {
  std::string message;
};

using LoadResult = std::variant<Spec, LoadError>;

// Reads and parses the file; Spec::file is the path as given. An unreadable file is a
// LoadError too ("lessons/x.json: cannot read the file (No such file or directory)").
LoadResult load_scenario(const std::filesystem::path& path);

// The whole file, or the LoadError sentence for a file that cannot be read (shared with the
// lesson loader).
std::variant<std::string, LoadError> read_file_text(const std::filesystem::path& path);

// file_label names the source in messages and becomes Spec::file.
LoadResult parse_scenario(std::string_view text, std::string_view file_label);

// The two halves of parse_scenario, for files that hold a scenario and more (lessons,
// sim/scenario/lesson.hpp). parse_json_document: syntax (line and column) and duplicate
// keys. scenario_from_json: every scenario check; top-level keys in extra_keys are left to
// the caller (and so are not "unknown field").
std::variant<trace::Json, LoadError> parse_json_document(std::string_view text,
                                                         std::string_view file_label);
LoadResult scenario_from_json(const trace::Json& root, std::string_view file_label,
                              std::span<const std::string_view> extra_keys);

}  // namespace smtpsim::scenario
