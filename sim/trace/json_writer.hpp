// The JSON trace: the recorder's stream, versioned, loadable back (GUI replay, tests).
//
//   {"format":"smtpsim-trace","version":1,"scenario":"relay-basic","seed":1,"events":[
//   {"seq":0,"time":0,"kind":"action","text":"mua1 sends to <bob@example.net>"},
//   {"seq":1,"time":10000,"kind":"connection_opened","host":"mua1","peer":"msa.example.com",
//    "conn":1,"port":587,"proto":"SMTP"},
//   ...
//   ]}
//
// One event object per line, keys always in the order of the Event struct (seq, time, kind,
// host, peer, conn, port, proto, outbound, tls, sensitive, code, text, detail, message_id,
// address, next_retry); every field except seq, time and kind is left out when it has its
// default value ("" / 0 / false / next_retry -1). "kind" is kind_name() (snake_case). Times
// are virtual microseconds. Identical events give byte-identical output. Strings are UTF-8;
// bytes that are not valid UTF-8 are written as U+FFFD (the only lossy case). Sensitive lines
// are already redacted by the machines; one whose text lacks "[redacted]" is written as
// "[redacted]" (second line of defence, as in the text transcript).
//
// Versioning: a reader accepts only the versions it knows (1); a new field or meaning bumps
// the version. The reader is strict (unknown keys, wrong types, seq out of order are errors)
// so a damaged file is reported, never half-replayed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/trace/event.hpp"

namespace smtpsim::trace {

inline constexpr int kTraceFormatVersion = 1;
inline constexpr std::string_view kTraceFormatName = "smtpsim-trace";

struct TraceHeader {
  std::string scenario;    // the scenario's name
  std::uint64_t seed = 0;  // the seed of the run
  int version = kTraceFormatVersion;
  bool operator==(const TraceHeader&) const = default;
};

// Streaming writer: out = header() + render(e) for each event + footer(). Each piece is
// complete lines, so a subscriber of the Recorder can write as the run goes on.
class JsonWriter {
 public:
  explicit JsonWriter(TraceHeader header) : header_(std::move(header)) {}
  std::string header() const;
  std::string render(const Event& e);  // ",\n" before every event but the first
  std::string footer() const { return "\n]}\n"; }

 private:
  TraceHeader header_;
  bool first_ = true;
};

// One event as a single-line JSON object (no newline).
std::string event_to_json(const Event& e);

// A whole trace file.
std::string write_json_trace(const TraceHeader& header, std::span<const Event> events);

struct TraceFile {
  TraceHeader header;
  std::vector<Event> events;
};

// message: one sentence, "<label>: line 3, column 7: invalid JSON (...)" or
// "<label>: /events/4/kind: unknown event kind "foo"".
struct TraceReadError {
  std::string message;
};

std::variant<TraceFile, TraceReadError> read_json_trace(std::string_view text,
                                                        std::string_view label = "trace");

// Shared by the JSON readers (trace and scenario): where byte offset `byte` (nlohmann's
// parse_error::byte, 1-based: the last character read) lies in text, as a 1-based line and a
// 1-based column counted in characters (UTF-8 code points, a tab counts 1).
struct TextPosition {
  std::size_t line = 1, column = 1;
};
TextPosition text_position(std::string_view text, std::size_t byte);

// "line 3, column 7: invalid JSON (syntax error while parsing object - unexpected '}')" from
// a nlohmann parse_error's what() and byte. byte 0 (other nlohmann exceptions, e.g. number
// overflow "... parsing '1e400'"): the position of the quoted token, when it can be found.
std::string describe_json_syntax_error(std::string_view text, std::size_t byte,
                                       std::string_view what);

// A JSON pointer token with "~" and "/" escaped (RFC 6901).
std::string json_pointer_escape(std::string_view key);

}  // namespace smtpsim::trace
