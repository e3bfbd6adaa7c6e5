// Domain names (RFC 1035 §2.3.4, §3.1; RFC 2181 §11; RFC 4343) in the one text form the rest
// of smtpsim uses: labels joined by ".", no trailing dot, the root is "" (shown as "."). A
// label may hold any byte (RFC 2181 §11), so the text uses the master-file escapes of
// RFC 1035 §5.1: "\." for a dot inside a label, "\\" for a backslash, "\DDD" (three decimal
// digits) for any other byte outside the printable ASCII range. Parsing accepts one trailing
// dot ("example.com." is "example.com", "." is the root) and "\X" for any X.
// Trusts nothing: these functions are fed scenario files and, through the decoder, bytes off
// the wire; every limit (63-byte labels, 255-byte names in wire form) is checked here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smtpsim::dns {

inline constexpr std::size_t kMaxLabel = 63;      // RFC 1035 §2.3.4 (six-bit length)
inline constexpr std::size_t kMaxNameWire = 255;  // length octets and terminating zero included

// Raw label bytes, most specific first: "mx1.example.com" is {"mx1", "example", "com"}.
using Labels = std::vector<std::string>;

struct NameError {
  std::string reason;
};

// Text to labels, checking the escapes, empty labels and the RFC 1035 limits.
std::variant<Labels, NameError> parse_name(std::string_view text);
// The reason text is not a valid name, nullopt when it is (for scenario validation).
std::optional<std::string> check_name(std::string_view text);
// Labels to text, escaping what needs it. Decoded names go through this, so the decoder
// always produces this one canonical spelling (case preserved).
std::string name_text(const Labels& labels);
// Wire length of the uncompressed name: length octets + label bytes + the root's zero octet.
std::size_t wire_length(const Labels& labels);

// The text without its one trailing dot; "." becomes "". Escaped dots ("a\.") are kept.
std::string_view strip_trailing_dot(std::string_view text);
// For display: the root is ".", everything else without a trailing dot.
std::string display_name(std::string_view text);
// Lower-case ASCII (RFC 4343 §3: only A-Z fold), canonical escapes, no trailing dot. A key
// for maps. Text that is not a valid name comes back lower-cased and without its trailing dot.
std::string canonical_name(std::string_view text);
// RFC 4343 comparison: ASCII case-insensitive, label by label, trailing dot ignored, escapes
// understood ("a\098c" equals "ABC"). Invalid names compare by their lower-cased text.
bool names_equal(std::string_view a, std::string_view b);
// True when name is ancestor itself or below it, label-wise ("a.example.com" is under
// "example.com", "badexample.com" is not; everything is under the root).
bool is_subdomain(std::string_view name, std::string_view ancestor);

// ASCII lower case of one label or name, leaving every other byte alone (RFC 4343 §3).
std::string ascii_lower(std::string_view s);
bool ascii_iequal(std::string_view a, std::string_view b);

}  // namespace smtpsim::dns
