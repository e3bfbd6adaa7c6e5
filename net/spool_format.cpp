// Spool file formats: writing and strict reading.
#include "net/spool_format.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "sim/proto/mail/mail_store.hpp"

namespace smtpsim::net::spool_format {

namespace {
constexpr std::pair<char, unsigned> kLetters[] = {{'D', mail::kDraft},
                                                  {'F', mail::kFlagged},
                                                  {'R', mail::kAnswered},
                                                  {'S', mail::kSeen},
                                                  {'T', mail::kDeleted}};

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

using State = nodes::QueuedRecipient::State;
const char* state_name(State s) {
  switch (s) {
    case State::Pending:
      return "pending";
    case State::Delivered:
      return "delivered";
    case State::Relayed:
      return "relayed";
    case State::Bounced:
      return "bounced";
  }
  return "pending";
}
std::optional<State> parse_state(const std::string& s) {
  for (State st : {State::Pending, State::Delivered, State::Relayed, State::Bounced})
    if (s == state_name(st)) return st;
  return std::nullopt;
}

// "key value\n" lines, each key once, all keys required.
std::optional<std::map<std::string, std::uint64_t>> parse_lines(
    const std::string& text, std::initializer_list<const char*> keys, const char* magic) {
  std::map<std::string, std::uint64_t> out;
  std::size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;  // a complete file ends with a newline
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      if (line != magic) return std::nullopt;
      first = false;
      continue;
    }
    const auto sp = line.find(' ');
    if (sp == std::string::npos) return std::nullopt;
    std::uint64_t v = 0;
    if (!parse_number(std::string_view(line).substr(sp + 1), v)) return std::nullopt;
    if (!out.emplace(line.substr(0, sp), v).second) return std::nullopt;
  }
  if (first) return std::nullopt;
  for (const char* k : keys)
    if (!out.count(k)) return std::nullopt;
  return out;
}
}  // namespace

std::string flag_letters(unsigned flags) {
  std::string out;
  for (const auto& [c, bit] : kLetters)
    if (flags & bit) out.push_back(c);
  return out;
}

std::string message_name(std::int64_t internal_unix_us, std::uint32_t uid,
                         const std::string& encoded_host, std::optional<unsigned> flags) {
  std::string name = fmt::format("{}.M{}U{}.{}", internal_unix_us / 1000000,
                                 internal_unix_us % 1000000, uid, encoded_host);
  if (flags) name += ":2," + flag_letters(*flags);
  return name;
}

std::optional<MessageName> parse_message_name(const std::string& name) {
  MessageName out;
  const auto colon = name.find(':');
  out.base = name.substr(0, colon);
  if (colon != std::string::npos) {
    if (name.compare(colon, 3, ":2,") != 0) return std::nullopt;
    for (char c : name.substr(colon + 3)) {
      // Letters other than ours are other programs' keywords (a-z) or experimental: ignored.
      for (const auto& [l, bit] : kLetters)
        if (c == l) out.flags |= bit;
    }
  }
  const std::string& b = out.base;
  const auto dot = b.find('.');
  const auto m = b.find('M', dot == std::string::npos ? 0 : dot);
  const auto u = b.find('U', m == std::string::npos ? 0 : m);
  const auto dot2 = b.find('.', u == std::string::npos ? 0 : u);
  if (dot == std::string::npos || m != dot + 1 || u == std::string::npos ||
      dot2 == std::string::npos || dot2 + 1 >= b.size())
    return std::nullopt;
  std::int64_t sec = 0, usec = 0;
  if (!parse_number(std::string_view(b).substr(0, dot), sec) ||
      !parse_number(std::string_view(b).substr(m + 1, u - m - 1), usec) || usec >= 1000000 ||
      !parse_number(std::string_view(b).substr(u + 1, dot2 - u - 1), out.uid) || out.uid == 0)
    return std::nullopt;
  out.internal_unix_us = sec * 1000000 + usec;
  return out;
}

namespace {
// Keys in this order on disk (ordered_json), so a human reads "format", "id", "sender" first.
nlohmann::ordered_json entry_object(const nodes::JournalEntry& e, const char* format) {
  nlohmann::ordered_json j;
  j["format"] = format;
  j["id"] = e.id;
  j["sender"] = e.sender;
  j["arrival_unix_us"] = e.arrival_unix_us;
  j["next_attempt_unix_us"] = e.next_attempt_unix_us;
  j["attempts"] = e.attempts;
  j["delay_warned"] = e.delay_warned;
  j["recipients"] = nlohmann::json::array();
  for (const auto& r : e.rcpts) {
    j["recipients"].push_back({{"address", r.address},
                               {"state", state_name(r.state)},
                               {"attempts", r.attempts},
                               {"last_error", r.last_error},
                               {"status", r.status},
                               {"remote_mta", r.remote_mta}});
  }
  return j;
}

std::variant<nodes::JournalEntry, std::string> entry_from(const nlohmann::json& j,
                                                          const char* format) {
  if (!j.is_object() || j.value("format", "") != format)
    return std::string("it is not an smtpsim queue file");
  try {
    nodes::JournalEntry e;
    e.id = j.at("id").get<std::string>();
    e.sender = j.at("sender").get<std::string>();
    e.arrival_unix_us = j.at("arrival_unix_us").get<std::int64_t>();
    e.next_attempt_unix_us = j.at("next_attempt_unix_us").get<std::int64_t>();
    e.attempts = j.at("attempts").get<int>();
    e.delay_warned = j.at("delay_warned").get<bool>();
    for (const auto& r : j.at("recipients")) {
      nodes::QueuedRecipient q;
      q.address = r.at("address").get<std::string>();
      auto st = parse_state(r.at("state").get<std::string>());
      if (!st) return std::string("a recipient has an unknown state");
      q.state = *st;
      q.attempts = r.at("attempts").get<int>();
      q.last_error = r.at("last_error").get<std::string>();
      q.status = r.at("status").get<std::string>();
      q.remote_mta = r.at("remote_mta").get<std::string>();
      e.rcpts.push_back(std::move(q));
    }
    if (e.rcpts.empty()) return std::string("it has no recipients");
    return e;
  } catch (const nlohmann::json::exception&) {
    return std::string("a field is missing or has the wrong type");
  }
}

constexpr const char* kQueue1 = "smtpsim-queue-1";
constexpr const char* kQueue2 = "smtpsim-queue-2";
}  // namespace

// Strict UTF-8 in both formats: an envelope we could not read back byte for byte is refused
// (451) rather than stored altered. Diagnostics from remote servers are ASCII after sanitize().
std::string entry_json(const nodes::JournalEntry& e) {
  return entry_object(e, kQueue1).dump(1) + "\n";
}

std::variant<nodes::JournalEntry, std::string> parse_entry_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return std::string("it is not valid JSON");
  }
  return entry_from(j, kQueue1);
}

std::string queue_file_text(const nodes::JournalEntry& e, const std::string& content) {
  nlohmann::ordered_json j = entry_object(e, kQueue2);
  j["content_bytes"] = content.size();
  // dump() without indent escapes every control character inside strings: one line.
  return j.dump() + "\n" + content;
}

std::variant<QueueFile, std::string> parse_queue_file(const std::string& text) {
  const auto nl = text.find('\n');
  if (nl == std::string::npos) return std::string("it has no envelope line");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string_view(text).substr(0, nl));
  } catch (const nlohmann::json::exception&) {
    return std::string("its envelope line is not valid JSON");
  }
  auto entry = entry_from(j, kQueue2);
  if (auto* why = std::get_if<std::string>(&entry)) return *why;
  const auto it = j.find("content_bytes");
  if (it == j.end() || !it->is_number_unsigned())
    return std::string("a field is missing or has the wrong type");
  const auto bytes = it->get<std::uint64_t>();
  if (bytes != text.size() - nl - 1)
    return fmt::format("it holds {} bytes of message where its envelope says {}",
                       text.size() - nl - 1, bytes);
  return QueueFile{std::get<nodes::JournalEntry>(std::move(entry)), text.substr(nl + 1)};
}

std::string uidlist_text(const UidList& u) {
  return fmt::format("smtpsim-uidlist-1\nuidvalidity {}\nuidnext {}\n", u.uidvalidity, u.uidnext);
}

std::optional<UidList> parse_uidlist(const std::string& text) {
  auto v = parse_lines(text, {"uidvalidity", "uidnext"}, "smtpsim-uidlist-1");
  if (!v || v->size() != 2) return std::nullopt;
  const auto uv = v->at("uidvalidity"), un = v->at("uidnext");
  if (uv == 0 || uv > 0xFFFFFFFFu || un == 0 || un > 0xFFFFFFFFu) return std::nullopt;
  return UidList{static_cast<std::uint32_t>(uv), static_cast<std::uint32_t>(un)};
}

std::string ids_text(std::uint64_t reserved) {
  return fmt::format("smtpsim-ids-1\nreserved {}\n", reserved);
}

std::optional<std::uint64_t> parse_ids(const std::string& text) {
  auto v = parse_lines(text, {"reserved"}, "smtpsim-ids-1");
  if (!v || v->size() != 1) return std::nullopt;
  return v->at("reserved");
}

}  // namespace smtpsim::net::spool_format
