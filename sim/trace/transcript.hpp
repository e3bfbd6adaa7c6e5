// A session transcript in swaks' convention (DESIGN.md "Transcripts"): "===" information,
// " -> " sent by the client, "<-  " received from the server, " ~> " / "<~  " the same inside
// TLS, "***" errors. It observes one side of a connection (usually the client) through the
// machine's SessionObserver interface, so it only ever sees what the machine reports —
// credentials arrive already redacted.
// (The full typed trace with virtual time and connection names arrives with the engine.)
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::trace {

enum class LineKind { Info, Sent, Received, Error };

struct TranscriptLine {
  LineKind kind;
  bool tls;
  std::string text;
};

class Transcript : public proto::SessionObserver {
 public:
  // tls_now tells whether the observed side is inside TLS at this moment.
  explicit Transcript(std::function<bool()> tls_now = {}) : tls_now_(std::move(tls_now)) {}

  void info(std::string_view text) { add(LineKind::Info, text); }
  void error(std::string_view text) { add(LineKind::Error, text); }

  // Observer side: the observed machine sent (out) / received (in) a line.
  void on_line_out(std::string_view line, bool) override { add(LineKind::Sent, line); }
  void on_line_in(std::string_view line, bool) override { add(LineKind::Received, line); }

  const std::vector<TranscriptLine>& lines() const { return lines_; }
  std::string render() const;

 private:
  void add(LineKind k, std::string_view text);
  std::function<bool()> tls_now_;
  std::vector<TranscriptLine> lines_;
};

}  // namespace smtpsim::trace
