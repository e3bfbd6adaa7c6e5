// Rendering of swaks-style transcripts.
#include "sim/trace/transcript.hpp"

namespace smtpsim::trace {

void Transcript::add(LineKind k, std::string_view text) {
  lines_.push_back({k, tls_now_ ? tls_now_() : false, std::string(text)});
}

std::string Transcript::render() const {
  std::string out;
  for (const auto& l : lines_) {
    switch (l.kind) {
      case LineKind::Info:
        out += "=== ";
        break;
      case LineKind::Error:
        out += "*** ";
        break;
      case LineKind::Sent:
        out += l.tls ? " ~> " : " -> ";
        break;
      case LineKind::Received:
        out += l.tls ? "<~  " : "<-  ";
        break;
    }
    // Control characters would corrupt the transcript (and a terminal): show them escaped.
    for (char c : l.text) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 32 && c != '\t') || u == 127) {
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\x";
        out.push_back(hex[u >> 4]);
        out.push_back(hex[u & 15]);
      } else {
        out.push_back(c);
      }
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace smtpsim::trace
