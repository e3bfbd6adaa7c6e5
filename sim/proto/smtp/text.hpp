// Small ASCII helpers shared by the protocol machines. Protocol keywords are ASCII and
// case-insensitive (RFC 5321 §2.4); locale-dependent functions are avoided on purpose.
#pragma once

#include <string>
#include <string_view>

namespace smtpsim::smtp {

inline char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? char(c - 32) : c;
}
inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  return true;
}

inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Makes untrusted text safe to echo in a reply or a log line: printable ASCII only, bounded.
inline std::string sanitize(std::string_view s, std::size_t max = 64) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 32 && u < 127 ? c : '?');
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace smtpsim::smtp
