// Writing and reading the versioned JSON trace (format in json_writer.hpp).
#include "sim/trace/json_writer.hpp"

#include "sim/trace/json_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace smtpsim::trace {

namespace {

using ojson = Json;

std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

bool is_redacted(const Event& e) {
  return e.text.find("[redacted]") != std::string::npos;
}

// ---- reading ---------------------------------------------------------------------------

using Bad = FieldError;

std::string type_name(const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::null:
      return "null";
    case ojson::value_t::object:
      return "an object";
    case ojson::value_t::array:
      return "an array";
    case ojson::value_t::string:
      return "a string";
    case ojson::value_t::boolean:
      return "a boolean";
    case ojson::value_t::number_float:
      return "a fractional number";
    default:
      return "a number";
  }
}

std::string get_string(const ojson& v, const std::string& ptr) {
  if (!v.is_string()) throw Bad{ptr, "expected a string, found " + type_name(v)};
  return v.get<std::string>();
}

bool get_bool(const ojson& v, const std::string& ptr) {
  if (!v.is_boolean()) throw Bad{ptr, "expected true or false, found " + type_name(v)};
  return v.get<bool>();
}

std::int64_t get_int(const ojson& v, const std::string& ptr, std::int64_t lo, std::int64_t hi) {
  const auto n = as_int64(v);
  if (!n || *n < lo || *n > hi)
    throw Bad{ptr, fmt::format("expected an integer from {} to {}", lo, hi)};
  return *n;
}

std::uint64_t get_uint(const ojson& v, const std::string& ptr) {
  if (!v.is_number_unsigned()) throw Bad{ptr, "expected a non-negative integer"};
  return v.get<std::uint64_t>();
}

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

Event read_event(const ojson& j, const std::string& ptr, std::size_t index) {
  if (!j.is_object()) throw Bad{ptr, "expected an event object, found " + type_name(j)};
  Event e;
  bool has_seq = false, has_time = false, has_kind = false;
  for (const auto& [key, v] : j.items()) {
    const std::string p = ptr + "/" + json_pointer_escape(key);
    if (key == "seq") {
      e.seq = get_uint(v, p);
      if (e.seq != index)
        throw Bad{p, fmt::format("expected {} (events are numbered in order)", index)};
      has_seq = true;
    } else if (key == "time") {
      e.time = get_int(v, p, kMin, kMax);
      has_time = true;
    } else if (key == "kind") {
      const auto name = get_string(v, p);
      if (!kind_from_name(name, e.kind))
        throw Bad{p, fmt::format("unknown event kind \"{}\"", name)};
      has_kind = true;
    } else if (key == "host") {
      e.host = get_string(v, p);
    } else if (key == "peer") {
      e.peer = get_string(v, p);
    } else if (key == "conn") {
      e.conn = get_uint(v, p);
    } else if (key == "port") {
      e.port = static_cast<std::uint16_t>(get_int(v, p, 0, 65535));
    } else if (key == "proto") {
      e.proto = get_string(v, p);
    } else if (key == "outbound") {
      e.outbound = get_bool(v, p);
    } else if (key == "tls") {
      e.tls = get_bool(v, p);
    } else if (key == "sensitive") {
      e.sensitive = get_bool(v, p);
    } else if (key == "code") {
      e.code = static_cast<int>(get_int(v, p, 0, 999));
    } else if (key == "text") {
      e.text = get_string(v, p);
    } else if (key == "detail") {
      e.detail = get_string(v, p);
    } else if (key == "message_id") {
      e.message_id = get_string(v, p);
    } else if (key == "address") {
      e.address = get_string(v, p);
    } else if (key == "next_retry") {
      e.next_retry = get_int(v, p, -1, kMax);
    } else if (key == "uid") {
      e.uid = static_cast<std::uint32_t>(get_int(v, p, 0, 0xffffffffLL));
    } else if (key == "flags") {
      e.flags = static_cast<std::uint32_t>(get_int(v, p, 0, 0xffffffffLL));
    } else {
      throw Bad{p, "unknown event field"};
    }
  }
  if (!has_seq) throw Bad{ptr, "missing required field \"seq\""};
  if (!has_time) throw Bad{ptr, "missing required field \"time\""};
  if (!has_kind) throw Bad{ptr, "missing required field \"kind\""};
  return e;
}

TraceFile read_trace(const ojson& root) {
  if (!root.is_object()) throw Bad{"", "expected a trace object, found " + type_name(root)};
  TraceFile out;
  bool has_format = false, has_version = false, has_events = false;
  for (const auto& [key, v] : root.items()) {
    const std::string p = "/" + json_pointer_escape(key);
    if (key == "format") {
      if (get_string(v, p) != kTraceFormatName)
        throw Bad{p, fmt::format("expected \"{}\" (not a smtpsim trace)", kTraceFormatName)};
      has_format = true;
    } else if (key == "version") {
      const auto n = get_int(v, p, 0, kMax);
      if (n != kTraceFormatVersion)
        throw Bad{p, fmt::format("unsupported version {} (this build reads version {})", n,
                                 kTraceFormatVersion)};
      out.header.version = static_cast<int>(n);
      has_version = true;
    } else if (key == "scenario") {
      out.header.scenario = get_string(v, p);
    } else if (key == "seed") {
      out.header.seed = get_uint(v, p);
    } else if (key == "events") {
      if (!v.is_array()) throw Bad{p, "expected an array of events, found " + type_name(v)};
      out.events.reserve(v.size());
      for (std::size_t i = 0; i < v.size(); ++i)
        out.events.push_back(read_event(v[i], fmt::format("{}/{}", p, i), i));
      has_events = true;
    } else {
      throw Bad{p, "unknown field"};
    }
  }
  if (!has_format) throw Bad{"", "missing required field \"format\" (not a smtpsim trace)"};
  if (!has_version) throw Bad{"", "missing required field \"version\""};
  if (!has_events) throw Bad{"", "missing required field \"events\""};
  return out;
}

}  // namespace

// ---- writing ---------------------------------------------------------------------------

std::string event_to_json(const Event& e) {
  ojson j;
  j["seq"] = e.seq;
  j["time"] = e.time;
  j["kind"] = kind_name(e.kind);
  if (!e.host.empty()) j["host"] = e.host;
  if (!e.peer.empty()) j["peer"] = e.peer;
  if (e.conn != 0) j["conn"] = e.conn;
  if (e.port != 0) j["port"] = e.port;
  if (!e.proto.empty()) j["proto"] = e.proto;
  if (e.outbound) j["outbound"] = true;
  if (e.tls) j["tls"] = true;
  if (e.sensitive) j["sensitive"] = true;
  if (e.code != 0) j["code"] = e.code;
  if (e.sensitive && !is_redacted(e))
    j["text"] = "[redacted]";
  else if (!e.text.empty())
    j["text"] = e.text;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.message_id.empty()) j["message_id"] = e.message_id;
  if (!e.address.empty()) j["address"] = e.address;
  if (e.next_retry != -1) j["next_retry"] = e.next_retry;
  if (e.uid != 0) j["uid"] = e.uid;
  if (e.flags != 0) j["flags"] = e.flags;
  return dump(j);
}

std::string JsonWriter::header() const {
  ojson h;
  h["format"] = kTraceFormatName;
  h["version"] = header_.version;
  h["scenario"] = header_.scenario;
  h["seed"] = header_.seed;
  std::string s = dump(h);
  s.pop_back();  // the closing brace: the events array follows
  return s + ",\"events\":[\n";
}

std::string JsonWriter::render(const Event& e) {
  std::string s = first_ ? std::string() : std::string(",\n");
  first_ = false;
  return s + event_to_json(e);
}

std::string write_json_trace(const TraceHeader& header, std::span<const Event> events) {
  JsonWriter w(header);
  std::string out = w.header();
  for (const auto& e : events) out += w.render(e);
  return out + w.footer();
}

// ---- reading ---------------------------------------------------------------------------

TextPosition text_position(std::string_view text, std::size_t byte) {
  // byte is 1-based (the count of characters read); the character at fault is byte - 1.
  const std::size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  TextPosition pos;
  for (std::size_t i = 0; i < end; ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((u & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++pos.column;
    }
  }
  return pos;
}

std::string describe_json_syntax_error(std::string_view text, std::size_t byte,
                                       std::string_view what) {
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 5: <reason>"
  std::string_view reason = what;
  if (const auto col = reason.find(", column "); col != reason.npos) {
    if (const auto sep = reason.find(": ", col); sep != reason.npos) reason.remove_prefix(sep + 2);
  } else if (const auto br = reason.find("] "); br != reason.npos) {
    reason.remove_prefix(br + 2);
  }
  if (byte == 0) {
    // Errors without a position (number overflow: "... parsing '1e400'"): find the token.
    if (const auto q = what.find("parsing '"); q != what.npos) {
      const auto token = what.substr(q + 9, what.find('\'', q + 9) - (q + 9));
      if (const auto at = text.find(token); !token.empty() && at != text.npos)
        byte = at + token.size();
    }
  }
  const auto pos = text_position(text, byte);
  return fmt::format("line {}, column {}: invalid JSON ({})", pos.line, pos.column, reason);
}

std::string json_pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

std::variant<TraceFile, TraceReadError> read_json_trace(std::string_view text,
                                                        std::string_view label) {
  ojson root;
  try {
    root = ojson::parse(text);
  } catch (const ojson::parse_error& e) {
    return TraceReadError{
        fmt::format("{}: {}", label, describe_json_syntax_error(text, e.byte, e.what()))};
  } catch (const ojson::exception& e) {  // number overflow (out_of_range.406)
    return TraceReadError{
        fmt::format("{}: {}", label, describe_json_syntax_error(text, 0, e.what()))};
  }
  try {
    return read_trace(root);
  } catch (const Bad& b) {
    std::string msg =
        fmt::format("{}: {}: {}", label, b.pointer.empty() ? "(top level)" : b.pointer, b.what);
    for (char& ch : msg)  // keys and kinds come from the file: keep the sentence on one line
      if (static_cast<unsigned char>(ch) < 32) ch = ' ';
    return TraceReadError{std::move(msg)};
  }
}

}  // namespace smtpsim::trace
