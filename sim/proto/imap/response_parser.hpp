// Incremental parser of IMAP4rev1 server output (RFC 3501 §7 and §9): bytes in, Responses
// out. A response is one line, or several joined by literals ("{n}" CRLF then n bytes of
// anything, §4.3). Input is untrusted: lines, literals, list nesting and token counts are
// bounded; anything malformed is an Error, after which the parser stays failed (the stream
// cannot be resynchronised). The work per byte is constant apart from the final parse of
// each complete response, so feeding one byte at a time cannot make it quadratic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/imap/response.hpp"

namespace smtpsim::imap {

class ResponseParser {
 public:
  struct Limits {
    std::size_t max_line = 64 * 1024;            // one line, literals excluded
    std::size_t max_literal = 64 * 1024 * 1024;  // one literal, and all of one response's
    std::size_t max_depth = 32;                  // nested parenthesized lists
    std::size_t max_tokens = 100000;             // tokens in one response
  };
  struct NeedMore {};
  struct Error {
    std::string reason;
  };
  using Result = std::variant<NeedMore, Response, Error>;

  ResponseParser() = default;
  explicit ResponseParser(Limits limits) : limits_(limits) {}

  void feed(std::string_view bytes);
  // The next complete response, NeedMore, or Error (then Error forever).
  Result next();
  // Forgets every byte not yet returned (RFC 3501 §6.2.1 / RFC 2595 §3.1: after the OK to
  // STARTTLS, nothing the server sent in plaintext may be taken as coming through TLS).
  void discard_buffered();
  bool has_buffered() const { return pos_ < buf_.size(); }

  // The raw text of the response last returned, without its final CRLF (literal bytes
  // inline). A view into the buffer: valid until the next feed(), next() or discard.
  std::string_view last_raw() const { return raw_; }
  // Stream offsets (bytes since construction, discarded ones included): everything fed,
  // and where the response last returned by next() began.
  std::uint64_t bytes_fed() const { return fed_; }
  std::uint64_t last_offset() const { return last_offset_; }

 private:
  Result fail(std::string reason);

  Limits limits_;
  std::string buf_;
  std::size_t pos_ = 0;   // first byte of the response being framed
  std::size_t scan_ = 0;  // first byte of the current line not yet scanned
  std::size_t line_start_ = 0;
  std::size_t literal_left_ = 0;  // bytes of a literal still to come
  bool in_literal_ = false;
  std::size_t literal_total_ = 0;  // literal bytes in this response so far
  std::uint64_t fed_ = 0;
  std::uint64_t last_offset_ = 0;
  std::string_view raw_;
  std::string error_;
  bool failed_ = false;
};

// Parses one complete response (no final CRLF; literals inline). Exposed for tests.
ResponseParser::Result parse_response(std::string_view raw, const ResponseParser::Limits& limits);

}  // namespace smtpsim::imap
