// HTTP/1.1 message framing shared by the client and server machines (RFC 9112): taking one
// CRLF-terminated line off a receive buffer with a size bound, splitting a field line, and
// deciding how long a body is. Pure functions over untrusted bytes; the machines decide what
// status or failure each outcome means.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sim/proto/http/message.hpp"

namespace smtpsim::http {

struct Limits {
  // RFC 9112 §2.3 / §3: at least 8000 octets of request line should be supported.
  std::size_t max_line = 8000;
  std::size_t max_fields = 100;
  std::size_t max_body = 64 * 1024;  // the front end's forms and pages are small
};

enum class LineStatus {
  Line,      // `line` holds the line without its CRLF
  NeedData,  // no complete line yet (and not over the limit)
  TooLong,   // over the limit, with or without its end
  BareLf,    // LF without CR before it (RFC 9112 §2.2: CRLF ends a line; we refuse others)
};

struct LineResult {
  LineStatus status;
  std::string_view line;
};

// Takes the next line from in[pos...]; advances pos past its CRLF.
LineResult take_line(const std::string& in, std::size_t& pos, std::size_t max_line);

// RFC 9112 §5.1: field-line = field-name ":" OWS field-value OWS; no whitespace before the
// colon, no obs-fold (§5.2: a line starting with SP or HTAB), no CTL in the value.
std::optional<std::pair<std::string, std::string>> parse_field_line(std::string_view line);

// RFC 9112 §6.3 in the order it gives, for what this machine supports (no transfer codings).
struct BodyLength {
  enum Kind { Absent, Length, Invalid, TransferCoding } kind = Absent;
  std::size_t length = 0;
};
BodyLength body_length(const Fields& fields);

}  // namespace smtpsim::http
