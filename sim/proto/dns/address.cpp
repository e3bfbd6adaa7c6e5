// IPv4 / IPv6 address text (RFC 1035 §3.4.1, RFC 4291 §2.2, RFC 5952). Trusts nothing.
#include "sim/proto/dns/address.hpp"

#include <vector>

namespace smtpsim::dns {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "1:2:3" -> groups; an empty string gives no groups. An IPv4 tail is allowed only when
// allow_v4 (it must be the last thing in the address) and counts as two groups.
bool parse_groups(std::string_view s, bool allow_v4, std::vector<std::uint16_t>& out) {
  if (s.empty()) return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = s.find(':', start);
    const std::string_view part =
        s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (colon == std::string_view::npos && allow_v4 && part.find('.') != std::string_view::npos) {
      const auto v4 = parse_ipv4(part);
      if (!v4) return false;
      out.push_back(static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]));
      out.push_back(static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]));
      return true;
    }
    if (part.empty() || part.size() > 4) return false;
    unsigned v = 0;
    for (const char c : part) {
      const int h = hex_value(c);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    out.push_back(static_cast<std::uint16_t>(v));
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

}  // namespace

std::optional<Ipv4Bytes> parse_ipv4(std::string_view text) {
  Ipv4Bytes out{};
  std::size_t i = 0;
  for (std::size_t octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    if (i == start || v > 255) return std::nullopt;
    if (i - start > 1 && text[start] == '0') return std::nullopt;  // "01" would be octal
    out[octet] = static_cast<std::uint8_t>(v);
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

std::string format_ipv4(const Ipv4Bytes& b) {
  return std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' + std::to_string(b[2]) + '.' +
         std::to_string(b[3]);
}

std::optional<Ipv6Bytes> parse_ipv6(std::string_view text) {
  std::vector<std::uint16_t> head, tail;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, true, head) || head.size() != 8) return std::nullopt;
  } else {
    const std::string_view left = text.substr(0, gap);
    const std::string_view right = text.substr(gap + 2);
    if (right.find("::") != std::string_view::npos) return std::nullopt;
    if (!parse_groups(left, false, head) || !parse_groups(right, true, tail)) return std::nullopt;
    if (head.size() + tail.size() > 7) return std::nullopt;
  }
  Ipv6Bytes out{};
  auto put = [&](std::size_t group, std::uint16_t v) {
    out[2 * group] = static_cast<std::uint8_t>(v >> 8);
    out[2 * group + 1] = static_cast<std::uint8_t>(v & 0xFF);
  };
  for (std::size_t i = 0; i < head.size(); ++i) put(i, head[i]);
  for (std::size_t i = 0; i < tail.size(); ++i) put(8 - tail.size() + i, tail[i]);
  return out;
}

std::string format_ipv6(const Ipv6Bytes& b) {
  std::uint16_t g[8];
  for (std::size_t i = 0; i < 8; ++i)
    g[i] = static_cast<std::uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);

  // RFC 5952 §5: ::ffff:0:0/96 (IPv4-mapped) keeps the IPv4 part in dotted-quad form.
  const bool mapped =
      g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF;
  const std::size_t groups = mapped ? 6 : 8;

  // The longest run of zero groups, at least two long, the first one on a tie (§4.2).
  std::size_t best_start = groups, best_len = 0;
  for (std::size_t i = 0; i < groups;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < groups && g[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = groups;

  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < groups; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (g[i] >> shift) & 0xF;
      if (nibble != 0 || started || shift == 0) {
        out.push_back(kHex[nibble]);
        started = true;
      }
    }
  }
  if (mapped) {
    if (out.back() != ':') out.push_back(':');
    out += format_ipv4({b[12], b[13], b[14], b[15]});
  }
  return out;
}

}  // namespace smtpsim::dns
