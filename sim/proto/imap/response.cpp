// Accessors of the IMAP response types (response.hpp). Pure functions over parsed values;
// they trust only that the parser produced the value, never its content.
#include "sim/proto/imap/response.hpp"

namespace smtpsim::imap {

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::optional<std::string> SExpr::nstring() const {
  if (is_string()) return text;
  return std::nullopt;
}

std::optional<std::string> SExpr::astring() const {
  if (is_string() || is_atom()) return text;
  return std::nullopt;
}

std::optional<std::uint64_t> SExpr::number() const {
  if (!is_atom() || text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

namespace {
void append_text(const SExpr& e, std::string& out) {
  switch (e.kind) {
    case SExpr::Kind::Atom:
      out += e.text;
      return;
    case SExpr::Kind::Nil:
      out += "NIL";
      return;
    case SExpr::Kind::Quoted:
    case SExpr::Kind::Literal: {
      // A quoted string cannot carry CR, LF or NUL (RFC 3501 §4.3): those go as literals.
      if (e.text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        out += "{" + std::to_string(e.text.size()) + "}\r\n";
        out += e.text;
        return;
      }
      out.push_back('"');
      for (char c : e.text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('"');
      return;
    }
    case SExpr::Kind::List:
      out.push_back('(');
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        if (i) out.push_back(' ');
        append_text(e.items[i], out);
      }
      out.push_back(')');
      return;
  }
}
}  // namespace

std::string to_text(const SExpr& e) {
  std::string out;
  append_text(e, out);
  return out;
}

std::string Address::email() const {
  std::string out = mailbox.value_or("");
  if (host) out += "@" + *host;
  return out;
}

std::string_view Condition::code_name() const {
  const std::string_view c(code);
  return c.substr(0, c.find(' '));
}

std::string_view Condition::code_args() const {
  const std::string_view c(code);
  const auto sp = c.find(' ');
  return sp == c.npos ? std::string_view{} : c.substr(sp + 1);
}

std::optional<std::uint64_t> Condition::code_number(std::string_view name) const {
  if (ascii_upper(code_name()) != ascii_upper(name)) return std::nullopt;
  SExpr e{SExpr::Kind::Atom, std::string(code_args()), {}};
  return e.number();
}

std::string_view condition_name(Condition::Kind k) {
  switch (k) {
    case Condition::Kind::Ok:
      return "OK";
    case Condition::Kind::No:
      return "NO";
    case Condition::Kind::Bad:
      return "BAD";
    case Condition::Kind::Bye:
      return "BYE";
    case Condition::Kind::Preauth:
      return "PREAUTH";
  }
  return "OK";
}

}  // namespace smtpsim::imap
