// Small IMAP syntax pieces the server and the client both need (RFC 3501 §9): how a string
// is written on the wire (atom, quoted or literal), and the date-time format of INTERNALDATE
// and APPEND. Pure functions; inputs are untrusted and every parser can fail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtpsim::imap {

// A string as an IMAP "string": quoted when that is possible (no CR, LF, NUL or 8-bit byte,
// at most 1000 octets), otherwise a literal "{n}\r\n" followed by the bytes. RFC 3501 §4.3.
void append_string(std::string& out, std::string_view s);
std::string imap_string(std::string_view s);
// "nstring": NIL when absent.
void append_nstring(std::string& out, const std::optional<std::string>& s);
// An "astring": the bare atom when it is one (mailbox names in LIST), else imap_string().
std::string imap_astring(std::string_view s);
bool is_atom_char(char c);  // ATOM-CHAR: printable ASCII except atom-specials

// INTERNALDATE: "17-Jul-1996 02:44:25 +0000" (RFC 3501 §9 date-time, always UTC here) for
// microseconds since 1970-01-01 UTC.
std::string format_date_time(std::int64_t micros);
// The APPEND date-time (without the quotes): "dd-Mon-yyyy hh:mm:ss +hhmm", the day may be
// " 7" or "7". Returns microseconds since 1970 UTC; nullopt when malformed.
std::optional<std::int64_t> parse_date_time(std::string_view s);

}  // namespace smtpsim::imap
