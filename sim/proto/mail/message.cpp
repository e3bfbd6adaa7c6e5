// RFC 5322 message parsing and composing, and the MIME helpers (RFC 2045, 2046, 2047).
#include "sim/proto/mail/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "sim/proto/mail/headers.hpp"
#include "sim/proto/smtp/sasl.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::mail {

using smtp::iequals;

namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_ftext(char c) {  // RFC 5322 §3.6.8: printable US-ASCII except ':'
  const auto u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_ftext(c)) return false;
  return true;
}

bool is_8bit(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// A header value on one logical line: CR and LF become spaces, so a caller's string can
// never start a new field.
std::string one_line(std::string_view v) {
  std::string out(trim_wsp(v));
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return std::string(trim_wsp(out));
}

std::string angle(std::string_view id) {
  const std::string_view t = trim_wsp(id);
  if (!t.empty() && t.front() == '<') return std::string(t);
  return "<" + std::string(t) + ">";
}

// Every line end becomes CRLF (a lone CR or LF too); a non-empty text ends with CRLF.
std::string normalize_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

// UTF-8 sequence length from its lead byte (1 for ASCII and for stray bytes).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF7) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

// RFC 5322 §3.2.3 specials: a display name holding one of them must be quoted.
bool has_specials(std::string_view s) {
  return s.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos;
}

bool needs_encoding(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u == 0x7F || (u < 32 && c != '\t')) return true;
  }
  return s.find("=?") != std::string_view::npos;  // would be taken for an encoded-word
}

// A mailbox ready for a header: the display name quoted or encoded when it has to be.
std::string format_mailbox(std::string_view entry) {
  const std::string e = one_line(entry);
  const auto lt = e.rfind('<');
  const auto gt = e.rfind('>');
  if (lt == std::string::npos || gt == std::string::npos || gt < lt) return e;
  const std::string addr(trim_wsp(std::string_view(e).substr(lt + 1, gt - lt - 1)));
  std::string name(trim_wsp(std::string_view(e).substr(0, lt)));
  if (name.empty()) return addr;
  const bool quoted = name.size() >= 2 && name.front() == '"' && name.back() == '"';
  if (!quoted && needs_encoding(name)) {
    name = encode_words(name);
  } else if (!quoted && has_specials(name)) {
    std::string q = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') q.push_back('\\');
      q.push_back(c);
    }
    name = q + "\"";
  }
  return name + " <" + addr + ">";
}

std::string join_mailboxes(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& m : list) {
    if (trim_wsp(m).empty()) continue;
    if (!out.empty()) out += ", ";
    out += format_mailbox(m);
  }
  return out;
}

// Field names compose() writes itself; extra headers with these names are ignored.
bool is_generated_field(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kGenerated = {
      "From", "To",         "Cc",           "Bcc",          "Subject",
      "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
  for (auto g : kGenerated)
    if (iequals(g, name)) return true;
  return false;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (u >> 6)));
      out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
    }
  }
  return out;
}

// One encoded-word starting at s[0] ("=?charset?enc?text?="): the decoded UTF-8 text and
// its length in s, or nullopt when it is not a well-formed word we can decode.
std::optional<std::pair<std::string, std::size_t>> decode_word(std::string_view s) {
  if (!s.starts_with("=?")) return std::nullopt;
  const auto q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  std::string charset = smtp::to_lower(s.substr(2, q1 - 2));
  if (const auto star = charset.find('*'); star != std::string::npos)
    charset.resize(star);  // RFC 2231 §5 language suffix
  const char enc = smtp::ascii_upper(s[q1 + 1]);
  const std::size_t text_start = q1 + 3;
  const auto end = s.find("?=", text_start);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view text = s.substr(text_start, end - text_start);
  for (char c : text)
    if (c == ' ' || c == '\t' || c == '?' || c == '\r' || c == '\n') return std::nullopt;
  std::string raw;
  if (enc == 'B') {
    auto d = smtp::base64_decode(text);
    if (!d) return std::nullopt;
    raw = std::move(*d);
  } else if (enc == 'Q') {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        raw.push_back(' ');
      } else if (text[i] == '=') {
        if (i + 2 >= text.size()) return std::nullopt;
        const int hi = hex_value(text[i + 1]);
        const int lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        raw.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        raw.push_back(text[i]);
      }
    }
  } else {
    return std::nullopt;
  }
  if (charset == "utf-8" || charset == "utf8" || charset == "us-ascii") {
    return std::pair{std::move(raw), end + 2};
  }
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso_8859-1") {
    return std::pair{latin1_to_utf8(raw), end + 2};
  }
  return std::nullopt;
}

}  // namespace

// --- Parsing -----------------------------------------------------------------------------

const HeaderField* ParsedMessage::find(std::string_view name) const {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::optional<std::string> ParsedMessage::get(std::string_view name) const {
  if (const auto* f = find(name)) return f->value;
  return std::nullopt;
}

std::vector<std::string> ParsedMessage::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& f : fields)
    if (iequals(f.name, name)) out.push_back(f.value);
  return out;
}

ParsedMessage parse_message(std::string_view m) {
  ParsedMessage out;
  std::size_t pos = 0;
  bool ended = false;
  while (pos < m.size()) {
    const auto nl = m.find('\n', pos);
    const std::size_t next = nl == std::string_view::npos ? m.size() : nl + 1;
    std::string_view line = m.substr(pos, (nl == std::string_view::npos ? m.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line.empty()) {  // the empty line between header section and body
      out.header_end = pos;
      out.body_offset = next;
      out.has_separator = true;
      ended = true;
      break;
    }
    if (is_wsp(line.front()) && !out.fields.empty()) {  // continuation: unfold
      auto& f = out.fields.back();
      f.value += line;
      f.raw += m.substr(pos, next - pos);
      pos = next;
      continue;
    }
    const auto colon = line.find(':');
    const std::string_view name =
        colon == std::string_view::npos ? std::string_view{} : trim_wsp(line.substr(0, colon));
    if (is_wsp(line.front()) || !valid_field_name(name)) {  // junk ends the header section
      out.header_end = pos;
      out.body_offset = pos;
      out.ended_by_junk = true;
      ended = true;
      break;
    }
    HeaderField f;
    f.name = std::string(name);
    f.value = std::string(line.substr(colon + 1));
    f.raw = std::string(m.substr(pos, next - pos));
    f.offset = pos;
    out.fields.push_back(std::move(f));
    pos = next;
  }
  if (!ended) {
    out.header_end = m.size();
    out.body_offset = m.size();
  }
  for (auto& f : out.fields) f.value = std::string(trim_wsp(f.value));
  out.body = std::string(m.substr(out.body_offset));
  return out;
}

std::string_view header_section(std::string_view message) {
  return message.substr(0, parse_message(message).header_end);
}

std::string_view body_of(std::string_view message) {
  return message.substr(parse_message(message).body_offset);
}

bool has_header(std::string_view message, std::string_view name) {
  return parse_message(message).has(name);
}

std::string prepend_header(std::string_view message, std::string_view field_line) {
  std::string out(field_line);
  if (!out.ends_with("\r\n")) {
    if (out.ends_with('\r')) out.pop_back();
    out += "\r\n";
  }
  out += message;
  return out;
}

MsaFixup add_missing_message_id_and_date(std::string_view message, std::string_view id,
                                         std::int64_t unix_seconds) {
  const ParsedMessage p = parse_message(message);
  MsaFixup out;
  std::string added;
  if (!p.has("Date")) {
    added += fold_field("Date", rfc5322_date(unix_seconds));
    out.added_date = true;
  }
  if (!p.has("Message-ID")) {
    added += fold_field("Message-ID", angle(id));
    out.added_message_id = true;
  }
  if (added.empty()) {
    out.message = std::string(message);
    return out;
  }
  const std::size_t at = p.header_end;
  out.message = std::string(message.substr(0, at));
  if (at > 0 && message[at - 1] != '\n') out.message += "\r\n";  // last field had no line end
  out.message += added;
  out.message += message.substr(at);
  return out;
}

// --- Composing ---------------------------------------------------------------------------

std::string fold_field(std::string_view name, std::string_view value, std::size_t width) {
  const std::string v = one_line(value);
  const std::string s = v.empty() ? std::string(name) + ":" : std::string(name) + ": " + v;
  std::string out;
  std::size_t start = 0;
  bool first = true;
  // A break goes before a white-space character that follows a non-white one, so no line
  // ends in white space and every continuation line holds a word (RFC 5322 §3.2.2).
  auto can_break = [&](std::size_t p) {
    const std::size_t min_p = first ? name.size() + 2 : start + 1;
    return p >= min_p && p < s.size() && is_wsp(s[p]) && !is_wsp(s[p - 1]);
  };
  while (s.size() - start > width) {
    std::size_t p = std::string::npos;
    for (std::size_t i = start + width; i > start; --i) {
      if (can_break(i)) {
        p = i;
        break;
      }
    }
    if (p == std::string::npos) {  // a word longer than the line: break after it
      for (std::size_t i = start + width + 1; i < s.size(); ++i) {
        if (can_break(i)) {
          p = i;
          break;
        }
      }
    }
    if (p == std::string::npos) break;
    out += s.substr(start, p - start);
    out += "\r\n";
    start = p;
    first = false;
  }
  out += s.substr(start);
  out += "\r\n";
  return out;
}

std::string encode_words(std::string_view utf8) {
  // 39 octets -> 52 base64 characters -> a 64-character word with "=?UTF-8?B?" and "?=".
  constexpr std::size_t kChunk = 39;
  std::string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t end = i;
    while (end < utf8.size()) {
      const std::size_t len =
          std::min(utf8_length(static_cast<unsigned char>(utf8[end])), utf8.size() - end);
      if (end + len - i > kChunk && end > i) break;
      end += len;
    }
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + smtp::base64_encode(utf8.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string decode_words(std::string_view value) {
  std::string out;
  std::string pending;  // literal text since the last encoded-word
  bool after_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value[i] == '=' && i + 1 < value.size() && value[i + 1] == '?') {
      if (auto w = decode_word(value.substr(i))) {
        const bool only_space = pending.find_first_not_of(" \t\r\n") == std::string::npos;
        if (!(after_word && only_space)) out += pending;
        pending.clear();
        out += w->first;
        i += w->second;
        after_word = true;
        continue;
      }
    }
    pending.push_back(value[i]);
    ++i;
  }
  out += pending;
  return out;
}

std::string quoted_printable_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto crlf = text.find("\r\n", pos);
    const std::size_t end = crlf == std::string_view::npos ? text.size() : crlf;
    const std::string_view line = text.substr(pos, end - pos);
    std::string cur;
    for (std::size_t j = 0; j < line.size(); ++j) {
      const auto u = static_cast<unsigned char>(line[j]);
      const bool last = j + 1 == line.size();
      std::string tok;
      if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last)) {
        tok.push_back(line[j]);
      } else {
        tok = {'=', kHex[u >> 4], kHex[u & 15]};
      }
      if (cur.size() + tok.size() > 75) {  // soft line break: "=" ends the line (§6.7 rule 5)
        out += cur + "=\r\n";
        cur.clear();
      }
      cur += tok;
    }
    out += cur;
    if (crlf == std::string_view::npos) break;
    out += "\r\n";
    pos = crlf + 2;
  }
  return out;
}

std::string address_of(std::string_view mailbox) {
  const std::string_view m = trim_wsp(mailbox);
  const auto lt = m.rfind('<');
  const auto gt = m.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt)
    return std::string(trim_wsp(m.substr(lt + 1, gt - lt - 1)));
  return std::string(m);
}

std::string envelope_sender(const Composed& c) {
  return address_of(c.from);
}

std::vector<std::string> envelope_recipients(const Composed& c) {
  std::vector<std::string> out;
  std::vector<std::string> keys;
  auto key_of = [](const std::string& a) {
    const auto at = a.rfind('@');
    if (at == std::string::npos) return a;
    return a.substr(0, at) + smtp::to_lower(std::string_view(a).substr(at));
  };
  for (const auto* list : {&c.to, &c.cc, &c.bcc}) {
    for (const auto& m : *list) {
      std::string a = address_of(m);
      if (a.empty()) continue;
      std::string k = key_of(a);
      bool seen = false;
      for (const auto& existing : keys) seen = seen || existing == k;
      if (seen) continue;
      keys.push_back(std::move(k));
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::string compose(const Composed& c) {
  std::string out;
  out += fold_field("From", format_mailbox(c.from));
  if (c.to.empty() && c.cc.empty()) {
    out += "To: undisclosed-recipients:;\r\n";  // RFC 5322 §3.4 empty group
  } else {
    if (!c.to.empty()) out += fold_field("To", join_mailboxes(c.to));
    if (!c.cc.empty()) out += fold_field("Cc", join_mailboxes(c.cc));
  }
  const std::string subject = one_line(c.subject);
  if (!subject.empty()) {
    bool long_word = false;  // a word that could never fit in 998 octets is encoded too
    std::size_t run = 0;
    for (char ch : subject) {
      run = is_wsp(ch) ? 0 : run + 1;
      long_word = long_word || run > kMaxLineLength - 10;
    }
    out += fold_field("Subject",
                      needs_encoding(subject) || long_word ? encode_words(subject) : subject);
  }
  out += fold_field("Date", rfc5322_date(c.date));
  if (!trim_wsp(c.message_id).empty()) out += fold_field("Message-ID", angle(c.message_id));
  for (const auto& [name, value] : c.extra_headers) {
    const std::string_view n = trim_wsp(name);
    if (!valid_field_name(n) || is_generated_field(n)) continue;
    out += fold_field(n, value);
  }
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";

  std::string body = normalize_crlf(c.body);
  bool eight_bit = false;
  bool needs_qp = body.find('\0') != std::string::npos;
  std::size_t line = 0;
  for (char ch : body) {
    eight_bit = eight_bit || is_8bit(ch);
    line = ch == '\n' ? 0 : line + 1;
    needs_qp = needs_qp || line > kMaxLineLength + 1;  // +1: the CR of the CRLF
  }
  if (needs_qp) {
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
    body = quoted_printable_encode(body);
  } else if (eight_bit) {
    out += "Content-Transfer-Encoding: 8bit\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

// --- MIME --------------------------------------------------------------------------------

std::string ContentType::param(std::string_view name) const {
  const auto it = params.find(smtp::to_lower(name));
  return it == params.end() ? std::string{} : it->second;
}

ContentType parse_content_type(std::string_view value) {
  // Split at ';' outside quoted strings, dropping (comments) (RFC 2045 §5.1, RFC 5322 §3.2.2).
  std::vector<std::string> pieces(1);
  bool in_quote = false;
  int comment = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (in_quote) {
      pieces.back().push_back(c);
      if (c == '\\' && i + 1 < value.size()) {
        pieces.back().push_back(value[++i]);
      } else if (c == '"') {
        in_quote = false;
      }
    } else if (comment > 0) {
      if (c == '\\') ++i;
      if (c == '(') ++comment;
      if (c == ')') --comment;
    } else if (c == '(') {
      ++comment;
    } else if (c == '"') {
      in_quote = true;
      pieces.back().push_back(c);
    } else if (c == ';') {
      pieces.emplace_back();
    } else {
      pieces.back().push_back(c);
    }
  }
  ContentType out;
  std::string type;
  for (char c : pieces.front())
    if (!is_wsp(c) && c != '\r' && c != '\n') type.push_back(smtp::ascii_lower(c));
  const auto slash = type.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == type.size()) {
    out.type = "text/plain";  // absent or invalid: the default (RFC 2045 §5.2)
    out.params["charset"] = "us-ascii";
    if (!trim_wsp(value).empty()) return out;
  } else {
    out.type = type;
  }
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    const std::string_view p = pieces[i];
    const auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    auto trim_all = [](std::string_view s) {
      while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
      while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
      return s;
    };
    const std::string name = smtp::to_lower(trim_all(p.substr(0, eq)));
    std::string_view raw = trim_all(p.substr(eq + 1));
    std::string v;
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
      raw = raw.substr(1, raw.size() - 2);
      for (std::size_t j = 0; j < raw.size(); ++j) {
        if (raw[j] == '\\' && j + 1 < raw.size()) ++j;
        v.push_back(raw[j]);
      }
    } else {
      v = std::string(raw);
    }
    if (!name.empty()) out.params[name] = v;
  }
  return out;
}

std::vector<MimePart> split_multipart(std::string_view body, std::string_view boundary) {
  std::vector<MimePart> parts;
  if (boundary.empty()) return parts;
  const std::string delimiter = "--" + std::string(boundary);
  bool in_part = false;
  std::size_t part_start = 0;

  auto close_part = [&](std::size_t end) {
    std::string_view content = body.substr(part_start, end - part_start);
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    if (content.ends_with("\r\n")) {
      content.remove_suffix(2);
    } else if (content.ends_with('\n')) {
      content.remove_suffix(1);
    }
    ParsedMessage p = parse_message(content);
    MimePart part;
    part.headers = std::move(p.fields);
    part.body = std::move(p.body);
    part.offset = part_start;
    std::string ct;
    for (const auto& h : part.headers)
      if (iequals(h.name, "Content-Type")) {
        ct = h.value;
        break;
      }
    part.content_type = parse_content_type(ct);
    parts.push_back(std::move(part));
  };

  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto nl = body.find('\n', pos);
    const std::size_t next = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line =
        body.substr(pos, (nl == std::string_view::npos ? body.size() : nl) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(delimiter)) {
      std::string_view rest = line.substr(delimiter.size());
      const bool closing = rest.starts_with("--");
      if (closing) rest.remove_prefix(2);
      if (trim_wsp(rest).empty()) {  // transport padding is allowed after the boundary
        if (in_part) close_part(pos);
        if (closing) return parts;
        in_part = true;
        part_start = next;
      }
    }
    pos = next;
  }
  if (in_part) close_part(body.size());
  return parts;
}

}  // namespace smtpsim::mail
