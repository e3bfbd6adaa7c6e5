// IMAP string and date-time syntax (RFC 3501 §4.3, §9).
#include "sim/proto/imap/syntax.hpp"

#include <fmt/format.h>

#include <array>

namespace smtpsim::imap {

namespace {
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days-from-civil algorithm (public domain description, written anew).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool digits(std::string_view s, std::size_t n, int& value) {
  if (s.size() != n) return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}
}  // namespace

bool is_atom_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}

void append_string(std::string& out, std::string_view s) {
  bool quotable = s.size() <= 1000;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0 || u == '\r' || u == '\n' || u >= 128) {
      quotable = false;
      break;
    }
  }
  if (!quotable) {
    out += fmt::format("{{{}}}\r\n", s.size());
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string imap_string(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

void append_nstring(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    out += "NIL";
  } else {
    append_string(out, *s);
  }
}

std::string imap_astring(std::string_view s) {
  bool atom = !s.empty();
  for (char c : s) atom = atom && is_atom_char(c);
  if (atom && s != "NIL" && s != "nil") return std::string(s);
  return imap_string(s);
}

std::string format_date_time(std::int64_t micros) {
  std::int64_t secs = micros / 1'000'000;
  if (micros < 0 && secs * 1'000'000 != micros) --secs;  // floor for dates before 1970
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:02}-{}-{:04} {:02}:{:02}:{:02} +0000", d, kMonths[m - 1], y, rem / 3600,
                     rem / 60 % 60, rem % 60);
}

std::optional<std::int64_t> parse_date_time(std::string_view s) {
  // date-day-fixed "-" date-month "-" date-year SP time SP zone
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto dash1 = s.find('-');
  if (dash1 == s.npos || dash1 == 0 || dash1 > 2) return std::nullopt;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, zone = 0;
  if (!digits(s.substr(0, dash1), dash1, day)) return std::nullopt;
  s.remove_prefix(dash1 + 1);
  if (s.size() < 4 || s[3] != '-') return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    const auto name = kMonths[i];
    bool same = true;
    for (int k = 0; k < 3; ++k) same = same && ((s[k] | 0x20) == (name[k] | 0x20));
    if (same) month = i + 1;
  }
  if (month == 0) return std::nullopt;
  s.remove_prefix(4);
  // "yyyy hh:mm:ss +zzzz" = 4+1+8+1+5
  if (s.size() != 19 || s[4] != ' ' || s[7] != ':' || s[10] != ':' || s[13] != ' ')
    return std::nullopt;
  if (!digits(s.substr(0, 4), 4, year) || !digits(s.substr(5, 2), 2, hh) ||
      !digits(s.substr(8, 2), 2, mm) || !digits(s.substr(11, 2), 2, ss) ||
      !digits(s.substr(15, 4), 4, zone))
    return std::nullopt;
  if (s[14] != '+' && s[14] != '-') return std::nullopt;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zone % 100 > 59) return std::nullopt;
  const int zone_minutes = (zone / 100 * 60 + zone % 100) * (s[14] == '-' ? -1 : 1);
  const std::int64_t secs = days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 +
                            hh * 3600 + mm * 60 + ss - zone_minutes * 60;
  return secs * 1'000'000;
}

}  // namespace smtpsim::imap
