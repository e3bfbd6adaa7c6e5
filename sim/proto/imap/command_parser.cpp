// IMAP command argument grammar (RFC 3501 §9), read from the assembled command text.
#include "sim/proto/imap/command_parser.hpp"

#include <algorithm>

#include "sim/proto/imap/syntax.hpp"

namespace smtpsim::imap::server_side {

namespace {
bool astring_char(char c) {
  return is_atom_char(c) || c == ']';  // ASTRING-CHAR = ATOM-CHAR / resp-specials
}
}  // namespace

bool SequenceSet::contains(std::uint32_t n, std::uint32_t largest) const {
  for (const auto& r : ranges) {
    std::uint32_t lo = r.lo == 0 ? largest : r.lo;
    std::uint32_t hi = r.hi == 0 ? largest : r.hi;
    if (lo > hi) std::swap(lo, hi);
    if (n >= lo && n <= hi) return true;
  }
  return false;
}

std::string_view command_tag(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && astring_char(line[i]) && line[i] != '+') ++i;
  if (i == 0 || i >= line.size() || line[i] != ' ') return {};
  return line.substr(0, i);
}

bool ArgReader::consume(char c) {
  if (at_end() || s_[pos_] != c) return false;
  ++pos_;
  return true;
}

std::optional<std::string> ArgReader::atom() {
  const std::size_t start = pos_;
  while (!at_end() && is_atom_char(s_[pos_])) ++pos_;
  if (pos_ == start) return std::nullopt;
  return std::string(s_.substr(start, pos_ - start));
}

std::optional<std::string> ArgReader::flag() {
  const std::size_t start = pos_;
  if (consume('\\')) {
    if (consume('*')) return std::string("\\*");
  }
  while (!at_end() && is_atom_char(s_[pos_])) ++pos_;
  if (pos_ == start || (pos_ == start + 1 && s_[start] == '\\')) {
    pos_ = start;
    return std::nullopt;
  }
  return std::string(s_.substr(start, pos_ - start));
}

std::optional<std::string> ArgReader::list_mailbox() {
  if (peek() == '"' || peek() == '{') return string();
  const std::size_t start = pos_;
  while (!at_end() && (astring_char(s_[pos_]) || s_[pos_] == '%' || s_[pos_] == '*')) ++pos_;
  if (pos_ == start) return std::nullopt;
  return std::string(s_.substr(start, pos_ - start));
}

std::string ArgReader::keyword() {
  const std::size_t start = pos_;
  while (!at_end()) {
    const char c = s_[pos_];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.') break;
    ++pos_;
  }
  return std::string(s_.substr(start, pos_ - start));
}

std::optional<std::string> ArgReader::quoted() {
  const std::size_t start = pos_;
  if (!consume('"')) return std::nullopt;
  std::string out;
  while (!at_end()) {
    const char c = s_[pos_++];
    if (c == '"') return out;
    if (c == '\r' || c == '\n') break;
    if (c == '\\') {
      // RFC 3501 §9: only "\\" and "\"" are quoted-specials escapes.
      if (at_end() || (s_[pos_] != '"' && s_[pos_] != '\\')) break;
      out.push_back(s_[pos_++]);
      continue;
    }
    out.push_back(c);
  }
  pos_ = start;
  return std::nullopt;
}

std::optional<std::string> ArgReader::literal() {
  const std::size_t start = pos_;
  if (!consume('{')) return std::nullopt;
  std::uint64_t n = 0;
  std::size_t ndigits = 0;
  while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9' && ndigits < 19) {
    n = n * 10 + static_cast<std::uint64_t>(s_[pos_++] - '0');
    ++ndigits;
  }
  consume('+');  // LITERAL+ (RFC 7888)
  if (ndigits == 0 || !consume('}') || !consume('\r') || !consume('\n') || n > s_.size() - pos_) {
    pos_ = start;
    return std::nullopt;
  }
  std::string out(s_.substr(pos_, static_cast<std::size_t>(n)));
  pos_ += static_cast<std::size_t>(n);
  return out;
}

std::optional<std::string> ArgReader::string() {
  if (peek() == '"') return quoted();
  if (peek() == '{') return literal();
  return std::nullopt;
}

std::optional<std::string> ArgReader::astring() {
  if (peek() == '"' || peek() == '{') return string();
  const std::size_t start = pos_;
  while (!at_end() && astring_char(s_[pos_])) ++pos_;
  if (pos_ == start) return std::nullopt;
  return std::string(s_.substr(start, pos_ - start));
}

std::optional<std::uint32_t> ArgReader::number() {
  const std::size_t start = pos_;
  std::uint64_t n = 0;
  while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') {
    n = n * 10 + static_cast<std::uint64_t>(s_[pos_++] - '0');
    if (n > 0xFFFFFFFFull) {
      pos_ = start;
      return std::nullopt;
    }
  }
  if (pos_ == start) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

std::optional<SequenceSet> ArgReader::sequence_set() {
  const std::size_t start = pos_;
  SequenceSet set;
  auto seq_number = [&]() -> std::optional<std::uint32_t> {
    if (consume('*')) return 0u;
    auto n = number();
    if (!n || *n == 0) return std::nullopt;  // nz-number
    return n;
  };
  do {
    auto lo = seq_number();
    if (!lo) {
      pos_ = start;
      return std::nullopt;
    }
    std::uint32_t hi = *lo;
    if (consume(':')) {
      auto h = seq_number();
      if (!h) {
        pos_ = start;
        return std::nullopt;
      }
      hi = *h;
    }
    set.ranges.push_back({*lo, hi});
  } while (consume(','));
  return set;
}

std::optional<std::vector<std::string>> ArgReader::flag_list() {
  const std::size_t start = pos_;
  if (!consume('(')) return std::nullopt;
  std::vector<std::string> flags;
  if (consume(')')) return flags;
  while (true) {
    auto f = flag();
    if (!f) break;
    flags.push_back(std::move(*f));
    if (consume(')')) return flags;
    if (!sp()) break;
  }
  pos_ = start;
  return std::nullopt;
}

}  // namespace smtpsim::imap::server_side
