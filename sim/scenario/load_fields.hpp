// The JSON-reading vocabulary of the scenario loader: typed getters that throw a FieldError
// naming the JSON pointer and what was expected, key checks with "did you mean", and small
// text helpers for one-sentence messages. Internal to sim/scenario (load.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine/sim_time.hpp"
#include "sim/trace/json_fields.hpp"

namespace smtpsim::scenario::fields {

using J = trace::Json;
using Fail = trace::FieldError;  // where (JSON pointer, "" = the whole file) and what
using engine::SimTime;

std::string one_line(std::string_view s);
std::string join(std::span<const std::string_view> items);
std::string join_strings(const std::vector<std::string>& items);
std::string child(const std::string& ptr, std::string_view key);
std::string child(const std::string& ptr, std::size_t index);
std::string lower(std::string_view s);
std::string found(const J& v);
std::size_t edit_distance(std::string_view a, std::string_view b);
const J& object(const J& v, const std::string& ptr);
const J& array(const J& v, const std::string& ptr);
std::string string(const J& v, const std::string& ptr);
std::string nonempty(const J& v, const std::string& ptr);
bool boolean(const J& v, const std::string& ptr);
std::int64_t integer(const J& v, const std::string& ptr, std::int64_t lo, std::int64_t hi);
SimTime duration(const J& v, const std::string& ptr);
std::int64_t whole_seconds(const J& v, const std::string& ptr);
std::string mailbox(const J& v, const std::string& ptr);
bool looks_like_ipv4(std::string_view s);
std::optional<std::array<int, 4>> parse_ipv4(std::string_view s);
std::string domain_name(const J& v, const std::string& ptr, std::string_view what);
bool abbreviates(std::string_view typed, std::string_view known);
std::string_view suggestion(std::string_view typed, std::span<const std::string_view> known);
void check_keys(const J& obj, const std::string& ptr, std::span<const std::string_view> known);
const J* get(const J& obj, std::string_view key);
const J& need(const J& obj, const std::string& ptr, std::string_view key,
              std::string_view why = "");

}  // namespace smtpsim::scenario::fields
