// HTTP/1.1 framing rules (RFC 9112 §2.2, §5, §6.3).
#include "sim/proto/http/framing.hpp"

#include <cstring>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::http {

LineResult take_line(const std::string& in, std::size_t& pos, std::size_t max_line) {
  const char* base = in.data() + pos;
  const std::size_t avail = in.size() - pos;
  const void* nl = avail ? std::memchr(base, '\n', avail) : nullptr;
  if (!nl) return {avail > max_line ? LineStatus::TooLong : LineStatus::NeedData, {}};
  const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
  if (len > max_line) return {LineStatus::TooLong, {}};
  if (len == 0 || base[len - 1] != '\r') return {LineStatus::BareLf, {}};
  pos += len + 1;
  return {LineStatus::Line, std::string_view(base, len - 1)};
}

std::optional<std::pair<std::string, std::string>> parse_field_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return std::nullopt;  // also refuses "Host :" and obs-fold lines
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!is_field_value(value)) return std::nullopt;
  return std::pair{std::string(name), std::string(value)};
}

BodyLength body_length(const Fields& fields) {
  // §6.3 rule 3: Transfer-Encoding overrides Content-Length; we implement no coding.
  if (count_fields(fields, "Transfer-Encoding") > 0) return {BodyLength::TransferCoding, 0};
  std::optional<std::size_t> length;
  for (const auto& [name, value] : fields) {
    if (!smtp::iequals(name, "Content-Length")) continue;
    // §6.3 rule 5 / RFC 9110 §8.6: 1*DIGIT; differing values make the framing unknowable.
    if (value.empty() || value.size() > 15) return {BodyLength::Invalid, 0};
    std::size_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return {BodyLength::Invalid, 0};
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (length && *length != n) return {BodyLength::Invalid, 0};
    length = n;
  }
  if (!length) return {BodyLength::Absent, 0};
  return {BodyLength::Length, *length};
}

}  // namespace smtpsim::http
