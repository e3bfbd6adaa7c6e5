// Formatting and parsing of virtual time.
#include "sim/engine/sim_time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace smtpsim::engine {

std::string format_time(SimTime t) {
  const char* sign = t < 0 ? "-" : "+";
  if (t < 0) t = -t;
  const auto days = t / kDay;
  const auto h = t % kDay / kHour, m = t % kHour / kMinute, s = t % kMinute / kSecond,
             ms = t % kSecond / kMillisecond;
  if (days > 0) return fmt::format("{}{}d {:02}:{:02}:{:02}.{:03}", sign, days, h, m, s, ms);
  return fmt::format("{}{}:{:02}:{:02}.{:03}", sign, h, m, s, ms);
}

bool parse_duration(const std::string& text, SimTime& out) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc{} || p == b || v < 0 || !std::isfinite(v)) return false;
  const std::string unit(p, e);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = kSecond;
  else if (unit == "ms")
    scale = kMillisecond;
  else if (unit == "m" || unit == "min")
    scale = kMinute;
  else if (unit == "h")
    scale = kHour;
  else if (unit == "d")
    scale = kDay;
  else
    return false;
  const double us = v * scale;
  if (us > 9.0e18) return false;
  out = static_cast<SimTime>(std::llround(us));
  return true;
}

}  // namespace smtpsim::engine
