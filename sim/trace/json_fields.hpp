// What every reader of our JSON files shares (trace files here, scenario files in
// sim/scenario): the JSON type, the error that names a field by its JSON pointer (RFC 6901),
// and the checked conversion of a JSON number to a 64-bit integer.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace smtpsim::trace {

using Json = nlohmann::ordered_json;  // keeps key order, so writers are byte-stable

// A field that is not what it should be: where (JSON pointer, "" = the whole document)
// and what was expected.
struct FieldError {
  std::string pointer;
  std::string what;
};

// The value as an int64 when it is an integer that fits; nullopt otherwise (fractions,
// strings, and unsigned values past INT64_MAX included).
std::optional<std::int64_t> as_int64(const Json& v);

}  // namespace smtpsim::trace
