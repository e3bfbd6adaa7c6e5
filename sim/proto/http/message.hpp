// HTTP/1.1 messages as the machines hand them to their owners (RFC 9110, RFC 9112), and the
// small text rules both ends share: tokens, field lookup, reason phrases, and HTML form
// bodies (application/x-www-form-urlencoded, the WHATWG URL standard's encoding).
// Trusts nothing it parses; the owner's values are checked by the machines before sending.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtpsim::http {

// Field lines in the order received; names as sent (compare without regard to case,
// RFC 9110 §5.1).
using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST"
  std::string target;  // origin-form "/inbox" (RFC 9112 §3.2.1)
  std::string version = "HTTP/1.1";
  Fields fields;
  std::string body;
  // First value of a field (case-insensitive name), or nothing.
  std::optional<std::string> field(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string reason;  // empty: the standard phrase for the status
  Fields fields;       // Content-Length and Connection are added by the machine
  std::string body;
  std::optional<std::string> field(std::string_view name) const;
};

// RFC 9110 §5.6.2: token = 1*tchar.
bool is_token(std::string_view s);
// RFC 9110 §5.5: a field value may hold visible characters, SP, HTAB and obs-text, never
// CR, LF or NUL (and the machines never send other controls either).
bool is_field_value(std::string_view s);
std::optional<std::string> find_field(const Fields& f, std::string_view name);
std::size_t count_fields(const Fields& f, std::string_view name);

// The reason phrase RFC 9110 §15 gives a status code ("" for codes it does not list).
std::string_view reason_phrase(int status);

// application/x-www-form-urlencoded: "user=alice&password=x%26y" <-> pairs.
using Form = std::vector<std::pair<std::string, std::string>>;
std::string form_encode(const Form& form);
Form form_decode(std::string_view body);
std::optional<std::string> form_value(const Form& form, std::string_view name);

// Text for an observer: CRLF line ends kept, other control bytes shown as "?", at most
// `max` octets ("..." after a cut).
std::string printable(std::string_view s, std::size_t max);

// What a trace may show of a form body: values of fields whose name contains "pass" are
// replaced by "[redacted]" (as AUTH payloads are in SMTP). `redacted` tells whether any was.
std::string redact_form(std::string_view body, bool& redacted);

}  // namespace smtpsim::http
