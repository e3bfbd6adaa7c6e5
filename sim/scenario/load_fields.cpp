// Typed JSON getters and message helpers for the scenario loader (see load_fields.hpp).
#include "sim/scenario/load_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "sim/engine/sim_time.hpp"
#include "sim/proto/smtp/address.hpp"
#include "sim/proto/smtp/text.hpp"
#include "sim/trace/json_writer.hpp"

namespace smtpsim::scenario::fields {

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 32 || u == 127)
      out += fmt::format("\\x{:02x}", u);
    else
      out.push_back(c);
  }
  return out;
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (auto s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

std::string join_strings(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string child(const std::string& ptr, std::string_view key) {
  return ptr + "/" + trace::json_pointer_escape(key);
}
std::string child(const std::string& ptr, std::size_t index) {
  return fmt::format("{}/{}", ptr, index);
}

std::string lower(std::string_view s) {
  return smtp::to_lower(std::string(s));
}

std::string found(const J& v) {
  switch (v.type()) {
    case J::value_t::null:
      return "null";
    case J::value_t::object:
      return "an object";
    case J::value_t::array:
      return "an array";
    case J::value_t::string:
      return fmt::format("\"{}\"", v.get<std::string>());
    case J::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    default:
      return v.dump();
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ---- typed getters ---------------------------------------------------------------------

const J& object(const J& v, const std::string& ptr) {
  if (!v.is_object()) throw Fail{ptr, "expected an object, found " + found(v)};
  return v;
}

const J& array(const J& v, const std::string& ptr) {
  if (!v.is_array()) throw Fail{ptr, "expected an array, found " + found(v)};
  return v;
}

std::string string(const J& v, const std::string& ptr) {
  if (!v.is_string()) throw Fail{ptr, "expected a string, found " + found(v)};
  return v.get<std::string>();
}

std::string nonempty(const J& v, const std::string& ptr) {
  auto s = string(v, ptr);
  if (s.empty()) throw Fail{ptr, "expected a non-empty string"};
  return s;
}

bool boolean(const J& v, const std::string& ptr) {
  if (!v.is_boolean()) throw Fail{ptr, "expected true or false, found " + found(v)};
  return v.get<bool>();
}

std::int64_t integer(const J& v, const std::string& ptr, std::int64_t lo, std::int64_t hi) {
  const auto n = trace::as_int64(v);
  if (!n || *n < lo || *n > hi)
    throw Fail{ptr, fmt::format("expected an integer from {} to {}, found {}", lo, hi, found(v))};
  return *n;
}

// "5m", "300s", "250ms", "1.5h", "2d" or a number of seconds; microseconds.
SimTime duration(const J& v, const std::string& ptr) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (!std::isfinite(s) || s < 0 || s * engine::kSecond > 9.0e18)
      throw Fail{ptr, fmt::format("expected a non-negative number of seconds, found {}", found(v))};
    return static_cast<SimTime>(std::llround(s * engine::kSecond));
  }
  if (v.is_string()) {
    SimTime t = 0;
    if (!engine::parse_duration(v.get<std::string>(), t))
      throw Fail{ptr, fmt::format("invalid duration {} (a number with ms, s, m, h or d, e.g. "
                                  "\"5m\", \"300s\", \"250ms\")",
                                  found(v))};
    return t;
  }
  throw Fail{ptr, fmt::format("expected a duration such as \"5m\", \"300s\", \"250ms\" or a "
                              "number of seconds, found {}",
                              found(v))};
}

std::int64_t whole_seconds(const J& v, const std::string& ptr) {
  const SimTime t = duration(v, ptr);
  if (t % engine::kSecond != 0)
    throw Fail{ptr, fmt::format("{} is not a whole number of seconds", found(v))};
  return t / engine::kSecond;
}

std::string mailbox(const J& v, const std::string& ptr) {
  const auto s = string(v, ptr);
  if (!smtp::parse_mailbox(s))
    throw Fail{ptr, fmt::format("\"{}\" is not a valid email address (local@domain)", s)};
  return s;
}

bool looks_like_ipv4(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Strict dotted quad: four decimal numbers 0..255 without leading zeros.
std::optional<std::array<int, 4>> parse_ipv4(std::string_view s) {
  std::array<int, 4> out{};
  std::size_t part = 0, i = 0;
  while (part < 4) {
    const std::size_t start = i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) n = n * 10 + (s[i++] - '0');
    if (i == start || n > 255 || (i - start > 1 && s[start] == '0')) return std::nullopt;
    out[part++] = n;
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::string domain_name(const J& v, const std::string& ptr, std::string_view what) {
  auto s = string(v, ptr);
  if (s.size() > 1 && s.back() == '.') s.pop_back();  // "example.com." is the same name
  if (!smtp::is_valid_domain(s))
    throw Fail{ptr, fmt::format("\"{}\" is not a valid {} (letters, digits and \"-\" in "
                                "dot-separated labels)",
                                s, what)};
  return s;
}

// ---- objects and their keys ------------------------------------------------------------

// "min_backoff" for "minimal_backoff": each "_"-separated word a prefix of the known one's.
bool abbreviates(std::string_view typed, std::string_view known) {
  while (true) {
    const auto t = typed.find('_'), k = known.find('_');
    if (!known.substr(0, k).starts_with(typed.substr(0, t)) || typed.substr(0, t).empty())
      return false;
    if (t == typed.npos || k == known.npos) return t == typed.npos && k == known.npos;
    typed.remove_prefix(t + 1);
    known.remove_prefix(k + 1);
  }
}

// The known name a mistyped one was probably meant to be ("" when none is close).
std::string_view suggestion(std::string_view typed, std::span<const std::string_view> known) {
  const std::string t = lower(typed);
  std::string_view best;
  std::size_t best_d = std::min<std::size_t>(3, t.size());  // near misses only
  for (auto k : known) {
    const auto d = edit_distance(t, k);
    if (d < best_d) best_d = d, best = k;
  }
  if (best.empty())
    for (auto k : known)
      if (abbreviates(t, k)) return k;
  return best;
}

// Every object may carry a "comment" (a string, ignored); any other key must be known.
void check_keys(const J& obj, const std::string& ptr, std::span<const std::string_view> known) {
  for (const auto& [key, v] : obj.items()) {
    if (key == "comment") {
      string(v, child(ptr, key));
      continue;
    }
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const auto best = suggestion(key, known);
    if (!best.empty())
      throw Fail{child(ptr, key), fmt::format("unknown field (did you mean \"{}\"?)", best)};
    throw Fail{child(ptr, key), fmt::format("unknown field (expected one of: {})", join(known))};
  }
}

const J* get(const J& obj, std::string_view key) {
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

const J& need(const J& obj, const std::string& ptr, std::string_view key, std::string_view why) {
  if (const J* v = get(obj, key)) return *v;
  throw Fail{ptr, fmt::format("missing required field \"{}\"{}", key,
                              why.empty() ? std::string() : fmt::format(" ({})", why))};
}

}  // namespace smtpsim::scenario::fields
