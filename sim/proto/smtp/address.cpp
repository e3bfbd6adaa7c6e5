// Envelope address and ESMTP parameter parsing, RFC 5321 §4.1.2 grammar with the limits of
// §4.5.3.1. Each failure maps to the reply a server sends (RFC 3463 codes).
#include "sim/proto/smtp/address.hpp"

#include <fmt/format.h>
#include <charconv>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_let_dig(char c) {
  return is_alpha(c) || is_digit(c);
}

// atext, RFC 5322 §3.2.3
bool is_atext(char c) {
  if (is_let_dig(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

bool valid_dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE (§4.1.2); s includes the quotes.
bool valid_quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;
      const auto n = static_cast<unsigned char>(s[++i]);
      if (n < 32 || n > 126) return false;
    } else if (c < 32 || c > 126 || c == '"') {
      return false;
    }
  }
  return true;
}

bool valid_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == i || j - i > 3) return false;
    int v = 0;
    std::from_chars(s.data() + i, s.data() + j, v);
    if (v > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

bool valid_ipv6(std::string_view s) {
  // Loose check of RFC 5321 §4.1.3 IPv6-addr: hex groups, colons, optional IPv4 tail.
  if (s.size() < 2 || s.size() > 45) return false;
  int colons = 0;
  for (char c : s) {
    if (c == ':')
      ++colons;
    else if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.'))
      return false;
  }
  return colons >= 2 && colons <= 7;
}

bool valid_address_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  std::string_view in = s.substr(1, s.size() - 2);
  if (valid_ipv4(in)) return true;
  if (in.size() > 5 && iequals(in.substr(0, 5), "IPv6:")) return valid_ipv6(in.substr(5));
  // General-address-literal = Standardized-tag ":" 1*dcontent
  const auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == in.size()) return false;
  if (!is_valid_domain(in.substr(0, colon)) || in.substr(0, colon).find('.') != in.npos)
    return false;
  for (char c : in.substr(colon + 1)) {
    const auto u = static_cast<unsigned char>(c);
    if (!((u >= 33 && u <= 90) || (u >= 94 && u <= 126))) return false;
  }
  return true;
}

enum class Side { Sender, Recipient };

Reply syntax_error(Side side) {
  return side == Side::Sender ? Reply{501, "5.1.7", "Bad sender address syntax"}
                              : Reply{501, "5.1.3", "Bad recipient address syntax"};
}

// Parses "<...>" at the start of s. On success returns the address and sets rest to what
// follows the closing bracket.
ParseResult<Address> parse_path(std::string_view s, Side side, std::string_view& rest) {
  if (s.empty() || s.front() != '<') {
    return side == Side::Sender
               ? Reply{501, "5.5.4", "Syntax: MAIL FROM:<address> (angle brackets required)"}
               : Reply{501, "5.5.4", "Syntax: RCPT TO:<address> (angle brackets required)"};
  }
  // Find the closing '>' outside a quoted string.
  std::size_t i = 1;
  bool quoted = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size())
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '>') {
      break;
    }
  }
  if (i >= s.size()) return syntax_error(side);
  if (i + 1 > kMaxPath) return Reply{501, "5.1.3", "Path too long"};
  std::string_view inner = s.substr(1, i - 1);
  rest = s.substr(i + 1);

  if (inner.empty()) {
    if (side == Side::Sender) return Address{};
    return syntax_error(side);
  }
  if (inner.front() == '@' && inner.find(':') != inner.npos) {
    // A-d-l source route (§4.1.2, Appendix C): obsolete and a relay trick; we refuse it.
    // ("<@>" without the ':' is no route, just bad syntax: answered below.)
    return Reply{553, "5.1.0", "Source routes are not accepted"};
  }

  // Local part: quoted string or dot-string, up to the last '@' outside quotes.
  std::size_t at = std::string_view::npos;
  quoted = false;
  for (std::size_t k = 0; k < inner.size(); ++k) {
    const char c = inner[k];
    if (quoted) {
      if (c == '\\' && k + 1 < inner.size())
        ++k;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '@') {
      at = k;
    }
  }
  if (at == std::string_view::npos) {
    if (side == Side::Recipient && iequals(inner, "postmaster")) {
      return Address{std::string(inner), ""};
    }
    return syntax_error(side);
  }
  std::string_view local = inner.substr(0, at);
  std::string_view domain = inner.substr(at + 1);
  if (local.empty() || domain.empty()) return syntax_error(side);
  const bool local_ok = local.front() == '"' ? valid_quoted_string(local) : valid_dot_string(local);
  if (!local_ok) return syntax_error(side);
  if (local.size() > kMaxLocalPart) {
    return Reply{501, "5.1.3", fmt::format("Local part too long (limit {})", kMaxLocalPart)};
  }
  if (domain.size() > kMaxDomain) {
    return Reply{501, "5.1.3", fmt::format("Domain too long (limit {})", kMaxDomain)};
  }
  const bool domain_ok =
      domain.front() == '[' ? valid_address_literal(domain) : is_valid_domain(domain);
  if (!domain_ok) return syntax_error(side);
  return Address{std::string(local), std::string(domain)};
}

// esmtp-param = esmtp-keyword ["=" esmtp-value] (§4.1.2)
struct Param {
  std::string_view key, value;
  bool has_value;
};

std::optional<Param> split_param(std::string_view p) {
  const auto eq = p.find('=');
  Param out{p.substr(0, eq), eq == p.npos ? std::string_view{} : p.substr(eq + 1), eq != p.npos};
  if (out.key.empty() || !is_let_dig(out.key.front())) return std::nullopt;
  for (char c : out.key)
    if (!is_let_dig(c) && c != '-') return std::nullopt;
  if (out.has_value) {
    if (out.value.empty()) return std::nullopt;
    for (char c : out.value) {
      const auto u = static_cast<unsigned char>(c);
      if (!((u >= 33 && u <= 60) || (u >= 62 && u <= 126))) return std::nullopt;
    }
  }
  return out;
}

// Splits the parameter list on spaces; calls f(Param) for each; returns the first error.
template <typename F>
std::optional<Reply> for_each_param(std::string_view rest, F&& f) {
  if (!rest.empty() && rest.front() != ' ') {
    return Reply{501, "5.5.4", "Syntax error: space expected after the address"};
  }
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    const auto sp = rest.find(' ');
    std::string_view tok = rest.substr(0, sp);
    rest = sp == rest.npos ? std::string_view{} : rest.substr(sp);
    auto p = split_param(tok);
    if (!p) return Reply{501, "5.5.4", "Syntax error in parameters"};
    if (auto err = f(*p)) return err;
  }
  return std::nullopt;
}

std::string_view skip_keyword(std::string_view arg, std::string_view kw, bool& ok) {
  ok = arg.size() >= kw.size() && iequals(arg.substr(0, kw.size()), kw);
  if (!ok) return arg;
  arg.remove_prefix(kw.size());
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);  // Postfix-style leniency
  return arg;
}

}  // namespace

bool Address::is_postmaster() const {
  return iequals(local, "postmaster");
}

std::string Address::str() const {
  if (domain.empty()) return local;
  return local + "@" + domain;
}

bool is_valid_domain(std::string_view d) {
  if (d.empty() || d.size() > kMaxDomain) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == d.npos ? d.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (!is_let_dig(label.front()) || !is_let_dig(label.back())) return false;
    for (char c : label)
      if (!is_let_dig(c) && c != '-') return false;
    if (dot == d.npos) return true;
    start = dot + 1;
  }
}

std::optional<Address> parse_mailbox(std::string_view s) {
  std::string path = "<" + std::string(s) + ">";
  std::string_view rest;
  auto r = parse_path(path, Side::Recipient, rest);
  if (auto* a = std::get_if<Address>(&r); a && rest.empty() && !a->domain.empty()) return *a;
  return std::nullopt;
}

ParseResult<MailCommand> parse_mail_from(std::string_view arg, std::uint64_t max_size,
                                         bool eightbit_advertised, bool size_advertised) {
  bool ok = false;
  arg = skip_keyword(arg, "FROM:", ok);
  if (!ok) return Reply{501, "5.5.4", "Syntax: MAIL FROM:<address>"};
  std::string_view rest;
  auto path = parse_path(arg, Side::Sender, rest);
  if (auto* r = std::get_if<Reply>(&path)) return std::move(*r);
  MailCommand cmd{std::get<Address>(std::move(path)), {}};
  bool seen_size = false, seen_body = false, seen_auth = false;
  auto err = for_each_param(rest, [&](const Param& p) -> std::optional<Reply> {
    if (iequals(p.key, "SIZE") && size_advertised) {
      if (seen_size) return Reply{501, "5.5.4", "Duplicate SIZE parameter"};
      seen_size = true;
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), v);
      if (!p.has_value || p.value.size() > 20 || ec != std::errc{} ||
          end != p.value.data() + p.value.size()) {
        if (ec == std::errc::result_out_of_range) {
          return Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
        }
        return Reply{501, "5.5.4", "Bad SIZE parameter (RFC 1870: digits only)"};
      }
      if (max_size > 0 && v > max_size) {
        return Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
      }
      cmd.params.size = v;
      return std::nullopt;
    }
    if (iequals(p.key, "BODY")) {
      // RFC 6152 §3 / RFC 5321 §4.1.1.11: without 8BITMIME, BODY= is an unknown parameter.
      if (!eightbit_advertised) return Reply{555, "5.5.4", "Unsupported option: BODY"};
      if (seen_body) return Reply{501, "5.5.4", "Duplicate BODY parameter"};
      seen_body = true;
      if (p.has_value && iequals(p.value, "7BIT")) {
        cmd.params.body = BodyType::SevenBit;
      } else if (p.has_value && iequals(p.value, "8BITMIME")) {
        cmd.params.body = BodyType::EightBitMime;
      } else {
        return Reply{501, "5.5.4", "Bad BODY parameter (7BIT or 8BITMIME)"};
      }
      return std::nullopt;
    }
    if (iequals(p.key, "AUTH")) {
      if (seen_auth || !p.has_value) return Reply{501, "5.5.4", "Bad AUTH parameter"};
      seen_auth = true;
      cmd.params.auth = std::string(p.value);
      return std::nullopt;
    }
    return Reply{555, "5.5.4", fmt::format("Unsupported option: {}", sanitize(p.key))};
  });
  if (err) return std::move(*err);
  return cmd;
}

ParseResult<RcptCommand> parse_rcpt_to(std::string_view arg) {
  bool ok = false;
  arg = skip_keyword(arg, "TO:", ok);
  if (!ok) return Reply{501, "5.5.4", "Syntax: RCPT TO:<address>"};
  std::string_view rest;
  auto path = parse_path(arg, Side::Recipient, rest);
  if (auto* r = std::get_if<Reply>(&path)) return std::move(*r);
  RcptCommand cmd{std::get<Address>(std::move(path))};
  const std::string& local = cmd.recipient.local;
  if (local.front() != '"' &&
      (local.find('%') != std::string::npos || local.find('!') != std::string::npos)) {
    // user%host@domain and host!user@domain ask us to relay onwards: refused (REFERENCE.md).
    return Reply{553, "5.7.1", "user%host and host!user addresses are not accepted"};
  }
  auto err = for_each_param(rest, [&](const Param& p) -> std::optional<Reply> {
    return Reply{555, "5.5.4", fmt::format("Unsupported option: {}", sanitize(p.key))};
  });
  if (err) return std::move(*err);
  return cmd;
}

}  // namespace smtpsim::smtp
