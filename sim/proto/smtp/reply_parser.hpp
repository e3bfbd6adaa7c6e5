// Client-side parsing of SMTP replies (RFC 5321 §4.2): "ddd-text" continuation lines and a
// final "ddd text" (or bare "ddd") line, all with the same code. Enhanced status codes
// (RFC 3463) are split off when present. Input is untrusted: lines and line counts are
// bounded, and anything malformed is reported as an error instead of being guessed at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/smtp/reply.hpp"

namespace smtpsim::smtp {

class ReplyParser {
 public:
  static constexpr std::size_t kMaxLine = 2048;  // generous over RFC 5321's 512
  static constexpr std::size_t kMaxLines = 200;

  struct NeedMore {};
  struct Error {
    std::string reason;
  };
  using Result = std::variant<NeedMore, Reply, Error>;

  void feed(std::string_view bytes);
  // The next complete reply, NeedMore, or Error (after which the parser is unusable).
  Result next();
  // Forgets every byte not yet returned as a reply (RFC 3207 §4.2, after "220" to STARTTLS).
  void discard_buffered();
  bool has_buffered() const { return pos_ < buf_.size(); }
  // The raw lines (without CRLF) of the reply last returned by next(), for observers.
  // Views into the buffer: valid until the next feed(), next() or discard_buffered().
  const std::vector<std::string_view>& last_lines() const { return lines_; }

  // Stream positions, counted in bytes since construction (discarded bytes included):
  // everything fed so far, and where the reply last returned by next() began. The client
  // uses them to tell a reply to its command from bytes the server sent before the command.
  std::uint64_t bytes_fed() const { return fed_; }
  std::uint64_t last_reply_offset() const { return last_offset_; }

 private:
  Result fail(std::string reason);
  Reply take_reply();

  std::string buf_;
  std::size_t pos_ = 0;     // first byte of the reply being assembled
  std::size_t scan_ = 0;    // first byte of the first line not yet checked
  std::size_t nlines_ = 0;  // lines of the reply being assembled, checked so far
  int code_ = 0;            // their code
  std::uint64_t fed_ = 0;
  std::uint64_t last_offset_ = 0;
  std::vector<std::string_view> lines_;
  std::string error_;
  bool failed_ = false;
};

}  // namespace smtpsim::smtp
