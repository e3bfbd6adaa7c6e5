// Reading the arguments of one IMAP command (RFC 3501 §9 grammar): atoms, quoted strings,
// literals, astrings, sequence sets, flag lists and parenthesised lists. The input is the
// whole command as the server's framing assembled it: lines with their CRLF and, after each
// "{n}" / "{n+}" line end, exactly n literal bytes. Nothing in it is trusted: every reader
// returns nullopt (or false) on a syntax error and never reads past the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// server_side: the IMAP server's own parsing and rendering, kept apart from the client's
// types in smtpsim::imap so that equal names can never collide.
namespace smtpsim::imap::server_side {

// "1:4,7,9:*": ranges of sequence numbers or UIDs; 0 stands for "*" (the largest in use).
struct SequenceSet {
  struct Range {
    std::uint32_t lo, hi;  // as written; either may be 0 ("*")
  };
  std::vector<Range> ranges;
  // Is n in the set when "*" means `largest`? (RFC 3501 §9: "3:*" with largest 2 is 2:3.)
  bool contains(std::uint32_t n, std::uint32_t largest) const;
};

class ArgReader {
 public:
  explicit ArgReader(std::string_view command) : s_(command) {}

  bool at_end() const { return pos_ >= s_.size(); }
  std::size_t position() const { return pos_; }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  bool consume(char c);                         // the next byte is c: take it
  bool sp() { return consume(' '); }            // exactly one SP
  void rewind(std::size_t pos) { pos_ = pos; }  // back to a position() taken earlier
  std::string_view slice(std::size_t from, std::size_t to) const {
    return s_.substr(from, to - from);
  }

  // 1*ATOM-CHAR (no list, literal or quoted specials)
  std::optional<std::string> atom();
  // Like atom() but also accepts '\' and '*' (flags "\Seen", "\*") and '%'/'*' (LIST).
  std::optional<std::string> flag();
  std::optional<std::string> list_mailbox();
  // Letters, digits and '.' (fetch attribute and section keywords: "BODY.PEEK", "HEADER").
  std::string keyword();  // LIST pattern: atom chars plus % and *
  std::optional<std::string> quoted();
  std::optional<std::string> literal();
  std::optional<std::string> string();    // quoted / literal
  std::optional<std::string> astring();   // atom (with ']') / string
  std::optional<std::uint32_t> number();  // nz or 0, at most 2^32-1
  std::optional<SequenceSet> sequence_set();
  // "(" [flag *(SP flag)] ")"
  std::optional<std::vector<std::string>> flag_list();
  // The rest of the command, for error messages.
  std::string_view rest() const { return s_.substr(std::min(pos_, s_.size())); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// The tag of a command line: 1*<ASTRING-CHAR except "+"> (RFC 3501 §9 "tag"). Empty when
// the line does not start with a valid tag followed by SP.
std::string_view command_tag(std::string_view line);

}  // namespace smtpsim::imap::server_side
