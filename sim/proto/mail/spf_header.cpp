// The Received-SPF header field (RFC 7208 §9.1) and the comment that explains a result.
#include <fmt/format.h>

#include <string_view>
#include <utility>
#include <vector>

#include "sim/proto/mail/spf.hpp"

namespace smtpsim::mail::spf {

namespace {

// A header field is 7-bit text (RFC 5322 §2.2): the "§" of our problem texts is spelled
// out, any other byte outside printable ASCII becomes "?".
std::string ascii(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\xC2\xA7") == 0) {
      out += "section ";
      ++i;
      continue;
    }
    const auto u = static_cast<unsigned char>(s[i]);
    out += u < 0x20 || u > 0x7e ? '?' : s[i];
  }
  return out;
}

// Comment text (RFC 5322 §3.2.2): "(", ")" and "\" are escaped.
std::string comment_text(std::string_view text) {
  const std::string s = ascii(text);
  std::string out;
  for (char c : s) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool is_atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// dot-atom when it is one, else a quoted-string (§9.1: key "=" ( dot-atom / quoted-string )).
std::string kv_value(std::string_view text) {
  const std::string v = ascii(text);
  bool dot_atom =
      !v.empty() && v.front() != '.' && v.back() != '.' && v.find("..") == std::string::npos;
  for (char c : v) dot_atom = dot_atom && (is_atext(c) || c == '.');
  if (dot_atom) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string comment(const Verdict& v, const Request& r, std::string_view receiver) {
  const std::string& who = v.sender;
  const std::string& ip = r.client_ip;
  std::string text;
  switch (v.result) {
    case Result::Pass:
      text = fmt::format("domain of {} designates {} as permitted sender", who, ip);
      break;
    case Result::Fail:
      text = fmt::format("domain of {} does not designate {} as permitted sender", who, ip);
      break;
    case Result::SoftFail:
      text = fmt::format("domain of transitioning {} does not designate {} as permitted sender",
                         who, ip);
      break;
    case Result::Neutral:
      text = fmt::format("{} is neither permitted nor denied by domain of {}", ip, who);
      break;
    case Result::None:
      text = fmt::format("domain of {} does not designate permitted sender hosts", who);
      break;
    case Result::TempError:
      text = fmt::format("error in processing during lookup of {}: {}", who, v.problem);
      break;
    case Result::PermError:
      text = fmt::format("permanent error in processing domain of {}: {}", who, v.problem);
      break;
  }
  return fmt::format("{}: {}", receiver, text);
}

std::string received_spf(const Verdict& v, const Request& r, std::string_view receiver) {
  // §9.1: result, comment, then key=value pairs.
  std::vector<std::string> words;
  words.push_back("Received-SPF:");
  words.push_back(std::string(result_name(v.result)));
  const std::string c = "(" + comment_text(comment(v, r, receiver)) + ")";
  std::size_t start = 0;
  while (start < c.size()) {  // the comment folds at its spaces
    std::size_t sp = c.find(' ', start);
    if (sp == std::string::npos) sp = c.size();
    words.push_back(c.substr(start, sp - start));
    start = sp + 1;
  }
  std::vector<std::pair<std::string, std::string>> kv = {
      {"client-ip", r.client_ip},          {"envelope-from", v.sender}, {"helo", r.helo},
      {"receiver", std::string(receiver)}, {"identity", v.identity},
  };
  const bool error = v.result == Result::TempError || v.result == Result::PermError;
  if (error) {
    kv.emplace_back("problem", v.problem);
  } else if (!v.mechanism.empty() && v.mechanism != "default") {
    kv.emplace_back("mechanism", v.mechanism);
  }
  for (std::size_t i = 0; i < kv.size(); ++i) {
    if (kv[i].second.empty()) continue;
    words.push_back(kv[i].first + "=" + kv_value(kv[i].second) + ";");
  }
  if (words.back().back() == ';') words.back().pop_back();
  // Greedy folding at 78 octets (RFC 5322 §2.1.1); a continuation line starts with a tab.
  std::string out, line;
  for (const auto& w : words) {
    if (line.empty()) {
      line = w;
    } else if (line.size() + 1 + w.size() <= 78) {
      line += ' ' + w;
    } else {
      out += line + "\r\n";
      line = "\t" + w;
    }
  }
  return out + line + "\r\n";
}

}  // namespace smtpsim::mail::spf
