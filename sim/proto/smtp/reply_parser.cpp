// Strict parsing of SMTP replies (RFC 5321 §4.2, RFC 3463 enhanced codes).
// Trusts nothing it is fed: a reply is only returned once its last line has arrived and every
// line has passed the checks below; the buffer never grows past one bounded reply.
#include "sim/proto/smtp/reply_parser.hpp"

#include <algorithm>
#include <cstring>

namespace smtpsim::smtp {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Checks one reply line (without CRLF). RFC 5321 §4.2:
//   Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
//   Reply-code = %x32-35 %x30-35 %x30-39
//   textstring = 1*(%d09 / %d32-126)
// Two deliberate allowances: "ddd " with nothing after the space (RFC 4954 §4 sends
// "334 " as an empty challenge), and 8-bit bytes in the text (RFC 6531 servers send UTF-8).
const char* check_line(std::string_view line, int& code, bool& last) {
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
    return "reply line does not start with a three-digit code";
  }
  if (line[0] < '2' || line[0] > '5' || line[1] > '5') {
    return "reply code outside the RFC 5321 grammar (2yz to 5yz, y from 0 to 5)";
  }
  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() == 3 || line[3] == ' ') {
    last = true;
  } else if (line[3] == '-') {
    last = false;
  } else {
    return "reply code not followed by a space, a hyphen or CRLF";
  }
  for (std::size_t i = 4; i < line.size(); ++i) {
    const auto u = static_cast<unsigned char>(line[i]);
    if ((u < 32 && u != '\t') || u == 127) return "control character in reply text";
  }
  return nullptr;
}

// Length of a leading RFC 3463 status code "class.subject.detail" (class 2, 4 or 5 and equal
// to the reply's class; subject and detail 1 to 3 digits) followed by SP or the end; else 0.
std::size_t enhanced_prefix(std::string_view text, int klass) {
  if (klass != 2 && klass != 4 && klass != 5) return 0;
  if (text.size() < 5 || text[0] != char('0' + klass) || text[1] != '.') return 0;
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < 4) ++i;
    if (i == start || i - start > 3) return 0;
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

}  // namespace

void ReplyParser::feed(std::string_view bytes) {
  fed_ += bytes.size();
  lines_.clear();  // views into buf_ die here
  if (failed_) return;
  // Everything before pos_ has been returned already: drop it so the buffer holds at most
  // the reply being assembled plus the new bytes.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    scan_ -= pos_;
    pos_ = 0;
  }
  buf_.append(bytes);
}

void ReplyParser::discard_buffered() {
  buf_.clear();
  pos_ = scan_ = nlines_ = 0;
  code_ = 0;
  lines_.clear();
}

ReplyParser::Result ReplyParser::fail(std::string reason) {
  failed_ = true;
  error_ = std::move(reason);
  buf_.clear();
  pos_ = scan_ = 0;
  return Error{error_};
}

ReplyParser::Result ReplyParser::next() {
  lines_.clear();
  if (failed_) return Error{error_};
  while (true) {
    const char* p = buf_.data() + scan_;
    const std::size_t avail = buf_.size() - scan_;
    const void* nl = avail ? std::memchr(p, '\n', avail) : nullptr;
    if (!nl) {
      // An unterminated line longer than the limit (plus its CR) can never become valid.
      if (avail > kMaxLine + 1) return fail("reply line too long");
      return NeedMore{};
    }
    const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - p);
    // RFC 5321 §2.3.8: only CRLF ends a line; a bare LF is not recognised as one. Every
    // real server sends CRLF, so a bare LF means the peer is not speaking SMTP.
    if (len == 0 || p[len - 1] != '\r') return fail("reply line not ended by CRLF");
    const std::string_view line(p, len - 1);
    if (line.size() > kMaxLine) return fail("reply line too long");
    int code = 0;
    bool last = false;
    if (const char* err = check_line(line, code, last)) return fail(err);
    if (nlines_ == 0) {
      code_ = code;
    } else if (code != code_) {
      return fail("lines of one reply carry different codes");  // RFC 5321 §4.2.1
    }
    if (++nlines_ > kMaxLines) return fail("reply has too many lines");
    scan_ += len + 1;
    if (last) return take_reply();
  }
}

// Builds the reply from the checked lines in [pos_, scan_).
Reply ReplyParser::take_reply() {
  Reply r;
  r.code = code_;
  const int klass = code_ / 100;
  r.lines.reserve(nlines_);
  lines_.reserve(nlines_);
  const char* p = buf_.data() + pos_;
  const char* const end = buf_.data() + scan_;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
    const std::string_view raw(p, std::size_t(nl - p) - 1);  // without CRLF
    lines_.push_back(raw);
    std::string_view text = raw.size() > 4 ? raw.substr(4) : std::string_view{};
    if (r.lines.empty()) {
      if (const std::size_t n = enhanced_prefix(text, klass)) {
        r.enhanced.assign(text.substr(0, n));
        text.remove_prefix(n < text.size() ? n + 1 : n);
      }
    } else if (!r.enhanced.empty() && text.starts_with(r.enhanced) &&
               (text.size() == r.enhanced.size() || text[r.enhanced.size()] == ' ')) {
      // RFC 2034 §4: the code is repeated on every line of a multi-line reply.
      text.remove_prefix(std::min(text.size(), r.enhanced.size() + 1));
    }
    r.lines.emplace_back(text);
    p = nl + 1;
  }
  last_offset_ = fed_ - buf_.size() + pos_;
  pos_ = scan_;
  nlines_ = 0;
  code_ = 0;
  return r;
}

}  // namespace smtpsim::smtp
