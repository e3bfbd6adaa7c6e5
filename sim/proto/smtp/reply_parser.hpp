// Client-side parsing of SMTP replies (RFC 5321 §4.2): "ddd-text" continuation lines and a
// final "ddd text" (or bare "ddd") line, all with the same code. Enhanced status codes
// (RFC 3463) are split off when present. Input is untrusted: lines and line counts are
// bounded, and anything malformed is reported as an error instead of being guessed at.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/smtp/reply.hpp"

namespace smtpsim::smtp {

class ReplyParser {
 public:
  static constexpr std::size_t kMaxLine = 2048;   // generous over RFC 5321's 512
  static constexpr std::size_t kMaxLines = 200;

  struct NeedMore {};
  struct Error {
    std::string reason;
  };
  using Result = std::variant<NeedMore, Reply, Error>;

  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete reply, NeedMore, or Error (after which the parser is unusable).
  Result next();
  void discard_buffered() { buf_.clear(); pos_ = 0; partial_ = {}; }
  bool has_buffered() const { return pos_ < buf_.size(); }
  // Each raw reply line seen (without CRLF), for observers; cleared by next().
  const std::vector<std::string>& last_lines() const { return lines_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  Reply partial_;
  std::vector<std::string> lines_;
  bool failed_ = false;
};

}  // namespace smtpsim::smtp
