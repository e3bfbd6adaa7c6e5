// RFC 5322 date and trace headers.
#include "sim/proto/mail/headers.hpp"

#include <fmt/format.h>

namespace smtpsim::mail {

std::string rfc5322_date(std::int64_t t) {
  // Civil-from-days (Howard Hinnant's algorithm): no locale, no time zone database.
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const std::int64_t secs = t - days * 86400;
  const int weekday = static_cast<int>(((days % 7) + 7) % 7);
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[weekday], day,
                     kMonths[month - 1], year, secs / 3600, secs / 60 % 60, secs % 60);
}

std::string with_protocol(bool extended, bool tls, bool authenticated) {
  if (!extended) return "SMTP";
  std::string p = "ESMTP";
  if (tls) p += "S";
  if (authenticated) p += "A";
  return p;
}

std::string received_header(const ReceivedInfo& r) {
  std::string out = fmt::format("Received: from {}", r.from_helo.empty() ? "unknown" : r.from_helo);
  if (!r.from_address.empty()) out += fmt::format(" ([{}])", r.from_address);
  out += fmt::format("\r\n\tby {} (smtpsim) with {}", r.by_host, r.protocol);
  if (!r.id.empty()) out += fmt::format(" id {}", r.id);
  if (!r.for_address.empty()) out += fmt::format("\r\n\tfor <{}>", r.for_address);
  out += fmt::format("; {}\r\n", rfc5322_date(r.unix_seconds));
  return out;
}

}  // namespace smtpsim::mail
