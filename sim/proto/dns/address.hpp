// Address text for A and AAAA records: IPv4 dotted quads (RFC 1035 §3.4.1) and IPv6 text
// (RFC 4291 §2.2 to parse, RFC 5952 canonical form to print). Written here rather than
// taken from <arpa/inet.h> so that sim/ stays free of networking headers (DESIGN.md).
// Trusts nothing: any text. Strict on purpose: no leading zeros in an IPv4 octet (they mean
// octal to inet_aton), no shortened forms ("10.1"), no zone index ("fe80::1%eth0").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsim::dns {

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Bytes = std::array<std::uint8_t, 16>;

std::optional<Ipv4Bytes> parse_ipv4(std::string_view text);
std::string format_ipv4(const Ipv4Bytes& bytes);  // "192.0.2.1"

std::optional<Ipv6Bytes> parse_ipv6(std::string_view text);  // also "::ffff:192.0.2.1"
// RFC 5952 §4: lower case, no leading zeros, the longest run (first of equals) of two or
// more zero groups as "::"; §5: IPv4-mapped addresses end in dotted-quad form.
std::string format_ipv6(const Ipv6Bytes& bytes);

}  // namespace smtpsim::dns
