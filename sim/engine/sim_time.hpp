// Virtual time: signed 64-bit microseconds since the start of a run (DESIGN.md "Time").
// Plain integers on purpose: exact, comparable, and identical on every machine.
#pragma once

#include <cstdint>
#include <string>

namespace smtpsim::engine {

using SimTime = std::int64_t;  // microseconds

inline constexpr SimTime kMicrosecond = 1;
inline constexpr SimTime kMillisecond = 1000;
inline constexpr SimTime kSecond = 1000 * kMillisecond;
inline constexpr SimTime kMinute = 60 * kSecond;
inline constexpr SimTime kHour = 60 * kMinute;
inline constexpr SimTime kDay = 24 * kHour;

// "+0:00:05.120" (h:mm:ss.mmm), "+2d 03:00:00.000" past a day.
std::string format_time(SimTime t);

// Parses "300", "300s", "5m", "1.5h", "5d", "250ms" into microseconds; false when malformed.
bool parse_duration(const std::string& text, SimTime& out);

}  // namespace smtpsim::engine
