// HTTP text rules shared by the client and server machines.
#include "sim/proto/http/message.hpp"

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::http {

std::optional<std::string> Request::field(std::string_view name) const {
  return find_field(fields, name);
}

std::optional<std::string> Response::field(std::string_view name) const {
  return find_field(fields, name);
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

bool is_field_value(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\t') continue;
    if (u < 32 || u == 127) return false;
  }
  return true;
}

std::optional<std::string> find_field(const Fields& f, std::string_view name) {
  for (const auto& [n, v] : f)
    if (smtp::iequals(n, name)) return v;
  return std::nullopt;
}

std::size_t count_fields(const Fields& f, std::string_view name) {
  std::size_t n = 0;
  for (const auto& kv : f) n += smtp::iequals(kv.first, name) ? 1 : 0;
  return n;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";  // RFC 6585 §5
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string encode_part(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '*' || c == '-' || c == '.' || c == '_';
    if (keep) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string decode_part(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);  // a stray "%" stays as it is (WHATWG percent-decode)
    }
  }
  return out;
}
}  // namespace

std::string form_encode(const Form& form) {
  std::string out;
  for (const auto& [k, v] : form) {
    if (!out.empty()) out.push_back('&');
    out += encode_part(k) + "=" + encode_part(v);
  }
  return out;
}

Form form_decode(std::string_view body) {
  Form out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view part = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    out.emplace_back(decode_part(part.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : decode_part(part.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> form_value(const Form& form, std::string_view name) {
  for (const auto& [k, v] : form)
    if (k == name) return v;
  return std::nullopt;
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    const bool crlf = (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ||
                      (s[i] == '\n' && i > 0 && s[i - 1] == '\r');
    out.push_back(crlf || (u >= 32 && u < 127) || u == '\t' ? s[i] : '?');
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string redact_form(std::string_view body, bool& redacted) {
  redacted = false;
  std::string out;
  std::string_view rest = body;
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = part.find('=');
    const std::string name = smtp::to_lower(decode_part(part.substr(0, eq)));
    if (eq != std::string_view::npos && name.find("pass") != std::string::npos) {
      out += std::string(part.substr(0, eq + 1)) + "[redacted]";
      redacted = true;
    } else {
      out += part;
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

}  // namespace smtpsim::http
