// IMAP response framing and parsing (RFC 3501 §4, §7, §9). Framing finds where a response
// ends (CRLF not followed by a literal); parsing turns the complete text into a Response,
// through a generic s-expression for everything parenthesized. Trusts nothing: every read
// is bounds-checked, numbers are checked for overflow, and the Limits cap memory and work.
#include "sim/proto/imap/response_parser.hpp"

#include <utility>

namespace smtpsim::imap {

namespace {

using Result = ResponseParser::Result;
using Error = ResponseParser::Error;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// ATOM-CHAR (RFC 3501 §9) loosened the way real servers need it: anything printable but
// SP, parens, braces and '"'; 8-bit bytes are kept (mailbox names, RFC 6855 UTF-8).
bool is_atom_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return false;
  return c != '(' && c != ')' && c != '{' && c != '"';
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  SExpr e{SExpr::Kind::Atom, std::string(s), {}};
  return e.number();
}

// A cursor over one complete response; errors are sticky.
class Cursor {
 public:
  Cursor(std::string_view s, const ResponseParser::Limits& lim) : s_(s), lim_(lim) {}

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  std::string_view rest() const { return s_.substr(std::min(i_, s_.size())); }
  void skip_rest() { i_ = s_.size(); }
  bool ok() const { return err_.empty(); }
  const std::string& error() const { return err_; }

  bool fail(std::string why) {
    if (err_.empty()) err_ = std::move(why);
    return false;
  }
  bool sp() {
    if (peek() != ' ' || at_end()) return fail("expected a space");
    ++i_;
    return true;
  }
  bool end() { return at_end() || fail("unexpected text at the end of the response"); }

  // Atom characters (no brackets handling): may be empty.
  std::string_view atom_chars() {
    const std::size_t b = i_;
    while (!at_end() && is_atom_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }
  bool atom(std::string* out) {
    auto a = atom_chars();
    if (a.empty()) return fail("expected an atom");
    *out = std::string(a);
    return count();
  }
  bool number32(std::uint32_t* out, bool nonzero) {
    const std::size_t b = i_;
    while (!at_end() && is_digit(s_[i_])) ++i_;
    auto n = parse_number(s_.substr(b, i_ - b));
    if (!n || *n > UINT32_MAX || (nonzero && *n == 0)) return fail("expected a number");
    *out = static_cast<std::uint32_t>(*n);
    return count();
  }

  bool value(SExpr* out, std::size_t depth) {
    if (!count()) return false;
    const char c = peek();
    if (at_end()) return fail("expected a value");
    if (c == '(') {
      if (depth >= lim_.max_depth) return fail("lists nested too deeply");
      ++i_;
      out->kind = SExpr::Kind::List;
      if (peek() == ')' && !at_end()) {
        ++i_;
        return true;
      }
      for (;;) {
        SExpr item;
        if (!value(&item, depth + 1)) return false;
        out->items.push_back(std::move(item));
        if (at_end()) return fail("unterminated list");
        if (s_[i_] == ')') {
          ++i_;
          return true;
        }
        // RFC 3501 §9 env-from etc.: "(" 1*address ")": lists may follow lists without SP.
        if (s_[i_] == '(' && out->items.back().is_list()) continue;
        if (!sp()) return false;
      }
    }
    if (c == '"') return quoted(out);
    if (c == '{') return literal(out);
    return bracket_atom(out);
  }

  bool quoted(SExpr* out) {
    ++i_;  // the opening quote
    out->kind = SExpr::Kind::Quoted;
    for (;;) {
      if (at_end()) return fail("unterminated quoted string");
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\r' || c == '\n' || c == '\0') return fail("CR, LF or NUL in a quoted string");
      if (c == '\\') {
        // RFC 3501 §9: only quoted-specials may be escaped.
        if (at_end() || (s_[i_] != '"' && s_[i_] != '\\')) return fail("bad escape in a string");
        out->text.push_back(s_[i_++]);
        continue;
      }
      out->text.push_back(c);
    }
  }

  bool literal(SExpr* out) {
    ++i_;  // '{'
    const std::size_t b = i_;
    while (!at_end() && is_digit(s_[i_])) ++i_;
    auto n = parse_number(s_.substr(b, i_ - b));
    if (!n) return fail("bad literal size");
    if (*n > lim_.max_literal) return fail("literal too large");
    if (s_.substr(i_, 3) != "}\r\n") return fail("literal size not followed by } CRLF");
    i_ += 3;
    if (s_.size() - i_ < *n) return fail("literal shorter than its size");
    out->kind = SExpr::Kind::Literal;
    out->text = std::string(s_.substr(i_, *n));
    i_ += *n;
    return true;
  }

  // An atom; one with "[" runs to the matching "]" (spaces and parens allowed inside, for
  // BODY[HEADER.FIELDS (FROM TO)]) and may go on with "<origin>" (RFC 3501 §7.4.2).
  bool bracket_atom(SExpr* out) {
    const std::size_t b = i_;
    for (;;) {
      while (!at_end() && is_atom_char(s_[i_]) && s_[i_] != '[') ++i_;
      if (at_end() || s_[i_] != '[') break;
      const auto close = s_.find(']', i_);
      if (close == s_.npos) return fail("unterminated [ in an atom");
      for (std::size_t k = i_ + 1; k < close; ++k) {
        const auto u = static_cast<unsigned char>(s_[k]);
        if (u < 0x20 || u == 0x7f || s_[k] == '[') return fail("bad character in a section");
      }
      i_ = close + 1;
    }
    if (i_ == b) return fail("expected a value");
    out->text = std::string(s_.substr(b, i_ - b));
    out->kind = ascii_upper(out->text) == "NIL" ? SExpr::Kind::Nil : SExpr::Kind::Atom;
    if (out->kind == SExpr::Kind::Nil) out->text.clear();
    return true;
  }

  // resp-text (RFC 3501 §9): [SP] ["[" code "]" [SP]] text, to the end of the line.
  bool resp_text(Condition* c) {
    if (at_end()) return true;  // tolerated: servers that send "a1 OK" without text
    if (!sp()) return false;
    if (peek() == '[' && !at_end()) {
      const auto close = s_.find(']', i_);
      if (close == s_.npos) return fail("unterminated response code");
      c->code = std::string(s_.substr(i_ + 1, close - i_ - 1));
      if (c->code.empty()) return fail("empty response code");
      i_ = close + 1;
      if (peek() == ' ' && !at_end()) ++i_;
    }
    const auto t = rest();
    for (char ch : t) {
      if (ch == '\r' || ch == '\n' || ch == '\0') return fail("CR, LF or NUL in response text");
    }
    for (char ch : c->code) {
      if (ch == '\r' || ch == '\n' || ch == '\0') return fail("CR, LF or NUL in response code");
    }
    c->text = std::string(t);
    skip_rest();
    return true;
  }

 private:
  bool count() {
    if (++tokens_ > lim_.max_tokens) return fail("too many tokens in one response");
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  const ResponseParser::Limits& lim_;
  std::size_t tokens_ = 0;
  std::string err_;
};

std::optional<Condition::Kind> condition_kind(std::string_view upper) {
  if (upper == "OK") return Condition::Kind::Ok;
  if (upper == "NO") return Condition::Kind::No;
  if (upper == "BAD") return Condition::Kind::Bad;
  if (upper == "BYE") return Condition::Kind::Bye;
  if (upper == "PREAUTH") return Condition::Kind::Preauth;
  return std::nullopt;
}

bool get_nstring(const SExpr& e, std::optional<std::string>* out) {
  if (e.is_nil()) {
    out->reset();
    return true;
  }
  if (!e.is_string()) return false;
  *out = e.text;
  return true;
}

bool get_addresses(const SExpr& e, std::vector<Address>* out) {
  if (e.is_nil()) return true;
  if (!e.is_list() || e.items.empty()) return false;
  for (const auto& a : e.items) {
    if (!a.is_list() || a.items.size() != 4) return false;
    Address ad;
    if (!get_nstring(a.items[0], &ad.name) || !get_nstring(a.items[1], &ad.adl) ||
        !get_nstring(a.items[2], &ad.mailbox) || !get_nstring(a.items[3], &ad.host)) {
      return false;
    }
    out->push_back(std::move(ad));
  }
  return true;
}

// RFC 3501 §7.4.2 ENVELOPE: date subject from sender reply-to to cc bcc in-reply-to
// message-id.
bool get_envelope(const SExpr& e, Envelope* env) {
  if (!e.is_list() || e.items.size() != 10) return false;
  const auto& it = e.items;
  return get_nstring(it[0], &env->date) && get_nstring(it[1], &env->subject) &&
         get_addresses(it[2], &env->from) && get_addresses(it[3], &env->sender) &&
         get_addresses(it[4], &env->reply_to) && get_addresses(it[5], &env->to) &&
         get_addresses(it[6], &env->cc) && get_addresses(it[7], &env->bcc) &&
         get_nstring(it[8], &env->in_reply_to) && get_nstring(it[9], &env->message_id);
}

bool get_flags(const SExpr& e, std::vector<std::string>* out) {
  if (!e.is_list()) return false;
  for (const auto& f : e.items) {
    if (!f.is_atom()) return false;
    out->push_back(f.text);
  }
  return true;
}

bool is_section_item(std::string_view upper) {
  return upper.starts_with("BODY[") || upper.starts_with("BINARY[") || upper == "RFC822" ||
         upper == "RFC822.HEADER" || upper == "RFC822.TEXT";
}

// msg-att (RFC 3501 §7.4.2) as a list of name/value pairs.
bool get_fetch(const SExpr& list, untagged::Fetch* f, std::string* why) {
  if (!list.is_list() || list.items.size() % 2 != 0) {
    *why = "FETCH data is not a list of name/value pairs";
    return false;
  }
  for (std::size_t i = 0; i < list.items.size(); i += 2) {
    const SExpr& name = list.items[i];
    const SExpr& v = list.items[i + 1];
    if (!name.is_atom()) {
      *why = "FETCH item name is not an atom";
      return false;
    }
    const std::string up = ascii_upper(name.text);
    bool ok = true;
    if (up == "UID") {
      const auto n = v.number();
      ok = n && *n > 0 && *n <= UINT32_MAX;
      if (ok) f->uid = static_cast<std::uint32_t>(*n);
    } else if (up == "FLAGS") {
      std::vector<std::string> fl;
      ok = get_flags(v, &fl);
      if (ok) f->flags = std::move(fl);
    } else if (up == "RFC822.SIZE") {
      const auto n = v.number();
      ok = n.has_value();
      if (ok) f->size = *n;
    } else if (up == "INTERNALDATE") {
      ok = v.is_string();
      if (ok) f->internal_date = v.text;
    } else if (up == "ENVELOPE") {
      Envelope env;
      ok = get_envelope(v, &env);
      if (ok) f->envelope = std::move(env);
    } else if (up == "BODYSTRUCTURE" || up == "BODY") {
      ok = v.is_list();
      if (ok) f->body_structure = to_text(v);
    } else if (is_section_item(up)) {
      ok = v.is_string() || v.is_nil();
      std::string key = up;
      // "<origin>" after the section (RFC 3501 §7.4.2: partial fetch).
      if (ok && !key.empty() && key.back() == '>') {
        const auto lt = key.rfind('<');
        const auto origin =
            lt == key.npos
                ? std::nullopt
                : parse_number(std::string_view(key).substr(lt + 1, key.size() - lt - 2));
        ok = origin && *origin <= UINT32_MAX && lt > 0 && key[lt - 1] == ']';
        if (ok) {
          key.resize(lt);
          f->origins[key] = static_cast<std::uint32_t>(*origin);
        }
      }
      if (ok) f->sections[key] = v.text;
    } else {
      f->other.emplace_back(up, v);
    }
    if (!ok) {
      *why = "malformed FETCH item " + up;
      return false;
    }
  }
  return true;
}

Result parse_untagged(Cursor& c) {
  auto bad = [&]() -> Result { return Error{c.error()}; };
  if (is_digit(c.peek())) {
    std::uint32_t n = 0;
    std::string kw;
    if (!c.number32(&n, false) || !c.sp() || !c.atom(&kw)) return bad();
    kw = ascii_upper(kw);
    if (kw == "EXISTS" || kw == "RECENT" || kw == "EXPUNGE") {
      if (!c.end()) return bad();
      if (kw == "EXISTS") return Untagged{untagged::Exists{n}};
      if (kw == "RECENT") return Untagged{untagged::Recent{n}};
      if (n == 0) return Error{"EXPUNGE of message 0"};
      return Untagged{untagged::Expunge{n}};
    }
    if (kw == "FETCH") {
      if (n == 0) return Error{"FETCH of message 0"};
      SExpr list;
      if (!c.sp() || !c.value(&list, 0) || !c.end()) return bad();
      untagged::Fetch f;
      f.seq = n;
      std::string why;
      if (!get_fetch(list, &f, &why)) return Error{why};
      return Untagged{std::move(f)};
    }
    return Error{"unknown numeric response " + kw};
  }
  std::string kw;
  if (!c.atom(&kw)) return bad();
  const std::string up = ascii_upper(kw);
  if (auto k = condition_kind(up)) {
    Condition cond;
    cond.kind = *k;
    if (!c.resp_text(&cond)) return bad();
    return Untagged{std::move(cond)};
  }
  if (up == "CAPABILITY") {
    untagged::Capability cap;
    while (!c.at_end()) {
      std::string a;
      if (!c.sp() || !c.atom(&a)) return bad();
      cap.caps.push_back(std::move(a));
    }
    if (cap.caps.empty()) return Error{"CAPABILITY without capabilities"};
    return Untagged{std::move(cap)};
  }
  if (up == "LIST" || up == "LSUB") {
    untagged::List l;
    l.lsub = up == "LSUB";
    SExpr flags, delim, name;
    if (!c.sp() || !c.value(&flags, 0) || !c.sp() || !c.value(&delim, 0) || !c.sp() ||
        !c.value(&name, 0) || !c.end()) {
      return bad();
    }
    if (!get_flags(flags, &l.flags)) return Error{"LIST flags are not a list of atoms"};
    if (delim.kind == SExpr::Kind::Quoted && delim.text.size() == 1) {
      l.delimiter = delim.text[0];
    } else if (!delim.is_nil()) {
      return Error{"LIST delimiter is not one quoted character or NIL"};
    }
    auto n = name.astring();
    if (!n) return Error{"LIST mailbox name is not a string"};
    l.name = std::move(*n);
    return Untagged{std::move(l)};
  }
  if (up == "STATUS") {
    untagged::Status st;
    SExpr name, list;
    if (!c.sp() || !c.value(&name, 0) || !c.sp() || !c.value(&list, 0)) return bad();
    // Some servers (Exchange) put a space before CRLF here; RFC 3501 §9 does not.
    if (!c.end()) return bad();
    auto n = name.astring();
    if (!n || !list.is_list() || list.items.size() % 2 != 0) return Error{"malformed STATUS"};
    st.name = std::move(*n);
    for (std::size_t i = 0; i < list.items.size(); i += 2) {
      auto v = list.items[i + 1].number();
      if (!list.items[i].is_atom() || !v) return Error{"malformed STATUS item"};
      st.items[ascii_upper(list.items[i].text)] = *v;
    }
    return Untagged{std::move(st)};
  }
  if (up == "SEARCH") {
    untagged::Search s;
    while (!c.at_end()) {
      std::uint32_t n = 0;
      if (!c.sp() || !c.number32(&n, true)) return bad();
      s.numbers.push_back(n);
    }
    return Untagged{std::move(s)};
  }
  if (up == "FLAGS") {
    SExpr list;
    untagged::Flags f;
    if (!c.sp() || !c.value(&list, 0) || !c.end()) return bad();
    if (!get_flags(list, &f.flags)) return Error{"FLAGS is not a list of atoms"};
    return Untagged{std::move(f)};
  }
  untagged::Other o;
  o.name = up;
  auto rest = c.rest();
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  o.rest = std::string(rest);
  return Untagged{std::move(o)};
}

}  // namespace

Result parse_response(std::string_view raw, const ResponseParser::Limits& limits) {
  if (raw.empty()) return Error{"empty response line"};
  Cursor c(raw, limits);
  if (raw[0] == '+') {
    // continue-req (RFC 3501 §7.5): "+" SP text; a bare "+" is common and harmless.
    if (raw.size() > 1 && raw[1] != ' ') return Error{"continuation without a space"};
    Continuation k;
    if (raw.size() > 2) k.text = std::string(raw.substr(2));
    for (char ch : k.text)
      if (ch == '\r' || ch == '\n' || ch == '\0') return Error{"CR, LF or NUL in a continuation"};
    return Continuation{std::move(k)};
  }
  if (raw.starts_with("* ")) {
    Cursor u(raw.substr(2), limits);
    return parse_untagged(u);
  }
  // tagged: tag SP (OK / NO / BAD) resp-text. A tag is an astring-char run without "+".
  std::string tag, kw;
  if (!c.atom(&tag)) return Error{"response does not start with a tag, '*' or '+'"};
  for (char ch : tag)
    if (ch == '+' || ch == '*' || ch == '%' || ch == ']' || ch == '[' || ch == '\\')
      return Error{"bad character in a tag"};
  if (!c.sp() || !c.atom(&kw)) return Error{c.error()};
  const auto k = condition_kind(ascii_upper(kw));
  if (!k || *k == Condition::Kind::Bye || *k == Condition::Kind::Preauth)
    return Error{"tagged response is not OK, NO or BAD"};
  Tagged t;
  t.tag = std::move(tag);
  t.cond.kind = *k;
  if (!c.resp_text(&t.cond)) return Error{c.error()};
  return Tagged{std::move(t)};
}

void ResponseParser::feed(std::string_view bytes) {
  fed_ += bytes.size();
  if (failed_) return;
  // Drop what has been returned once it is a good part of the buffer (amortised O(1)).
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    scan_ -= pos_;
    line_start_ -= pos_;
    pos_ = 0;
  }
  raw_ = {};
  buf_.append(bytes);
}

void ResponseParser::discard_buffered() {
  buf_.clear();
  pos_ = scan_ = line_start_ = 0;
  literal_left_ = literal_total_ = 0;
  in_literal_ = false;
  raw_ = {};
}

ResponseParser::Result ResponseParser::fail(std::string reason) {
  failed_ = true;
  error_ = std::move(reason);
  raw_ = {};
  buf_.clear();
  pos_ = scan_ = line_start_ = 0;
  return Error{error_};
}

ResponseParser::Result ResponseParser::next() {
  if (failed_) return Error{error_};
  for (;;) {
    if (in_literal_) {
      const std::size_t take = std::min(buf_.size() - scan_, literal_left_);
      scan_ += take;
      literal_left_ -= take;
      if (literal_left_ > 0) return NeedMore{};
      in_literal_ = false;
      line_start_ = scan_;
    }
    const auto lf = buf_.find('\n', scan_);
    if (lf == std::string::npos) {
      scan_ = buf_.size();
      if (scan_ - line_start_ > limits_.max_line) return fail("response line too long");
      return NeedMore{};
    }
    if (lf - line_start_ > limits_.max_line + 1) return fail("response line too long");
    if (lf == line_start_ || buf_[lf - 1] != '\r') return fail("line not ended by CRLF");
    const std::size_t cr = lf - 1;
    // "{n}" CRLF ends the line: a literal of n bytes follows (RFC 3501 §4.3).
    if (cr > line_start_ && buf_[cr - 1] == '}') {
      std::size_t b = cr - 1;
      while (b > line_start_ && is_digit(buf_[b - 1])) --b;
      if (b > line_start_ && buf_[b - 1] == '{') {
        if (b == cr - 1 || cr - 1 - b > 20) return fail("bad literal size");
        const auto n = parse_number(std::string_view(buf_).substr(b, cr - 1 - b));
        if (!n) return fail("bad literal size");
        if (*n > limits_.max_literal || *n > limits_.max_literal - literal_total_)
          return fail("literal too large");
        literal_total_ += *n;
        in_literal_ = true;
        literal_left_ = static_cast<std::size_t>(*n);
        scan_ = lf + 1;
        continue;
      }
    }
    raw_ = std::string_view(buf_).substr(pos_, cr - pos_);
    last_offset_ = fed_ - (buf_.size() - pos_);
    pos_ = scan_ = line_start_ = lf + 1;
    literal_total_ = 0;
    auto r = parse_response(raw_, limits_);
    if (auto* e = std::get_if<Error>(&r)) return fail(std::move(e->reason));
    return r;
  }
}

}  // namespace smtpsim::imap
