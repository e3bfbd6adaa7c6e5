// The fuzz harnesses' shared input script: the fuzzer's bytes are data for the machine, with
// 0xFF as an escape whose next byte (mod kActions) names a driver action that ends the
// current segment. Every harness defines its own Action enum with Segment (the default end)
// and LiteralFF (the escape for a data byte 0xFF). Trusts nothing: any byte string is a
// valid script.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace smtpsim::fuzz {

template <class Action>
struct Step {
  Action action;
  std::string bytes;  // the segment fed before the action
};

template <class Action, unsigned kActions>
std::vector<Step<Action>> split_input(const std::uint8_t* data, std::size_t size) {
  std::vector<Step<Action>> steps;
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != 0xFF) {
      cur.push_back(static_cast<char>(data[i]));
      continue;
    }
    if (i + 1 == size) break;
    const auto a = static_cast<Action>(data[++i] % kActions);
    if (a == Action::LiteralFF) {
      cur.push_back(static_cast<char>(0xFF));
      continue;
    }
    steps.push_back({a, std::move(cur)});
    cur.clear();
  }
  steps.push_back({Action::Segment, std::move(cur)});
  return steps;
}

}  // namespace smtpsim::fuzz
