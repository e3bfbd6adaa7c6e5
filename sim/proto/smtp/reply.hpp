// SMTP replies (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
// (RFC 3463 / RFC 2034) and one or more text lines. Rendering is the only place that knows
// the wire form ("250-" continuation lines, "250 " on the last line, CRLF endings).
// Trusts nothing about its text: CR/LF inside a line are replaced so a reply can never be
// split into two by a caller's string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtpsim::smtp {

struct Reply {
  int code = 0;          // 211..554
  std::string enhanced;  // "2.1.0", empty when not used (greeting, EHLO, RFC 2034 §3)
  std::vector<std::string> lines;

  Reply() = default;
  Reply(int c, std::string enh, std::string text)
      : code(c), enhanced(std::move(enh)), lines{std::move(text)} {}
  Reply(int c, std::string enh, std::vector<std::string> text)
      : code(c), enhanced(std::move(enh)), lines(std::move(text)) {}

  int klass() const { return code / 100; }  // 2 done, 3 go on, 4 temporary, 5 permanent
  bool positive() const { return klass() == 2 || klass() == 3; }
  bool transient() const { return klass() == 4; }
  bool permanent() const { return klass() == 5; }

  // The text of the first line, without code and enhanced code.
  std::string_view text() const { return lines.empty() ? std::string_view{} : lines.front(); }

  // Wire form, appended to out.
  void render_to(std::string& out) const;
  std::string render() const;
  // One-line human form, "550 5.1.1 No such user" (for logs and errors).
  std::string summary() const;
};

// What a reply code means, in one short sentence for learners (used by transcripts and,
// later, by the GUI's hover help). Unknown codes are explained by their class.
std::string_view explain_code(int code);

}  // namespace smtpsim::smtp
