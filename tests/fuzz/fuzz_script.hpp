// The fuzz harnesses' shared input script: the fuzzer's bytes are data for the machine, with
// 0xFF as an escape whose next byte (mod kActions) names a driver action that ends the
// current segment. Every harness defines its own Action enum with Segment (the default end)
// and LiteralFF (the escape for a data byte 0xFF). Trusts nothing: any byte string is a
// valid script.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace smtpsim::fuzz {

// Reports a broken invariant of harness `target` and aborts, so libFuzzer keeps the input.
// The detail is cut at 600 bytes (a whole message body would bury the point).
[[noreturn]] inline void fail(const char* target, const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s invariant violated: %s\n", target, what);
  if (!detail.empty())
    std::fprintf(stderr, "  detail: %.*s\n",
                 static_cast<int>(std::min<std::size_t>(detail.size(), 600)), detail.data());
  std::abort();
}

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

// FUZZ_CHECK(condition, what[, detail]) calls the harness's own fail(what, detail).
#define FUZZ_CHECK(cond, ...)       \
  do {                              \
    if (!(cond)) fail(__VA_ARGS__); \
  } while (0)
