// Domain name text <-> labels (RFC 1035 §5.1 escapes, §2.3.4 limits) and RFC 4343 comparison.
// Trusts nothing: any text, any length.
#include "sim/proto/dns/name.hpp"

#include <algorithm>

namespace smtpsim::dns {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Number of backslashes immediately before position i.
std::size_t backslashes_before(std::string_view s, std::size_t i) {
  std::size_t n = 0;
  while (n < i && s[i - 1 - n] == '\\') ++n;
  return n;
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view strip_trailing_dot(std::string_view text) {
  if (text == ".") return {};
  if (!text.empty() && text.back() == '.' && backslashes_before(text, text.size() - 1) % 2 == 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::string display_name(std::string_view text) {
  const std::string_view s = strip_trailing_dot(text);
  return s.empty() ? std::string(".") : std::string(s);
}

std::variant<Labels, NameError> parse_name(std::string_view text) {
  text = strip_trailing_dot(text);
  Labels labels;
  if (text.empty()) return labels;  // the root
  std::string cur;
  std::size_t wire = 1;  // the root's zero octet
  auto finish_label = [&]() -> const char* {
    if (cur.empty()) return "empty label (two dots in a row, or a leading dot)";
    if (cur.size() > kMaxLabel) return "label longer than 63 bytes (RFC 1035 §2.3.4)";
    wire += 1 + cur.size();
    if (wire > kMaxNameWire) return "name longer than 255 bytes (RFC 1035 §2.3.4)";
    labels.push_back(std::move(cur));
    cur.clear();
    return nullptr;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (const char* err = finish_label()) return NameError{err};
      continue;
    }
    if (c != '\\') {
      cur.push_back(c);
    } else if (i + 1 == text.size()) {
      return NameError{"backslash at the end of the name"};
    } else if (!is_digit(text[i + 1])) {
      cur.push_back(text[++i]);
    } else {
      // "\DDD": the backslash at i, digits at i+1..i+3.
      if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) {
        return NameError{"\\DDD escape needs three decimal digits"};
      }
      const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
      if (v > 255) return NameError{"\\DDD escape above 255"};
      cur.push_back(static_cast<char>(v));
      i += 3;
    }
    if (cur.size() > kMaxLabel) return NameError{"label longer than 63 bytes (RFC 1035 §2.3.4)"};
  }
  if (const char* err = finish_label()) return NameError{err};
  return labels;
}

std::optional<std::string> check_name(std::string_view text) {
  auto r = parse_name(text);
  if (auto* e = std::get_if<NameError>(&r)) return e->reason;
  return std::nullopt;
}

std::string name_text(const Labels& labels) {
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back('.');
    for (const char c : labels[i]) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else if (u <= 0x20 || u >= 0x7F) {
        out.push_back('\\');
        out.push_back(static_cast<char>('0' + u / 100));
        out.push_back(static_cast<char>('0' + u / 10 % 10));
        out.push_back(static_cast<char>('0' + u % 10));
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

std::size_t wire_length(const Labels& labels) {
  std::size_t n = 1;
  for (const auto& l : labels) n += 1 + l.size();
  return n;
}

std::string canonical_name(std::string_view text) {
  auto r = parse_name(text);
  if (auto* labels = std::get_if<Labels>(&r)) {
    for (auto& l : *labels) l = ascii_lower(l);
    return name_text(*labels);
  }
  return ascii_lower(strip_trailing_dot(text));
}

bool names_equal(std::string_view a, std::string_view b) {
  auto ra = parse_name(a);
  auto rb = parse_name(b);
  const auto* la = std::get_if<Labels>(&ra);
  const auto* lb = std::get_if<Labels>(&rb);
  if (la == nullptr || lb == nullptr) {
    return ascii_iequal(strip_trailing_dot(a), strip_trailing_dot(b));
  }
  return std::equal(la->begin(), la->end(), lb->begin(), lb->end(), ascii_iequal);
}

bool is_subdomain(std::string_view name, std::string_view ancestor) {
  auto rn = parse_name(name);
  auto ra = parse_name(ancestor);
  const auto* ln = std::get_if<Labels>(&rn);
  const auto* la = std::get_if<Labels>(&ra);
  if (ln == nullptr || la == nullptr || la->size() > ln->size()) return false;
  return std::equal(la->rbegin(), la->rend(), ln->rbegin(), ascii_iequal);
}

}  // namespace smtpsim::dns
