// SEARCH keys (RFC 3501 §6.4.4): parsing and evaluation.
#include "sim/proto/imap/search.hpp"

#include <algorithm>

#include "sim/proto/imap/syntax.hpp"

#include "sim/proto/mail/message.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap::server_side {

using smtp::iequals;

namespace {

constexpr int kMaxDepth = 32;  // OR/NOT/( ) nesting: a hostile command cannot blow the stack

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  const auto it =
      std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                  [](char a, char b) { return smtp::ascii_upper(a) == smtp::ascii_upper(b); });
  return it != hay.end();
}

std::optional<SearchKey> parse_key(ArgReader& r, int depth);

std::int64_t day_of(std::int64_t micros) {
  constexpr std::int64_t kDay = 86'400'000'000;
  return micros >= 0 ? micros / kDay : -((-micros + kDay - 1) / kDay);
}

// search date: "1-Feb-1994", quoted or not (RFC 3501 §9 "date").
std::optional<std::int64_t> search_day(ArgReader& r) {
  std::optional<std::string> text = r.peek() == '"' ? r.quoted() : r.atom();
  if (!text || text->size() > 11) return std::nullopt;
  auto when = parse_date_time(*text + " 00:00:00 +0000");
  if (!when) return std::nullopt;
  return day_of(*when);
}

// search-key *(SP search-key), ended by ")" (in a list) or the end of the command.
bool parse_keys(ArgReader& r, int depth, std::vector<SearchKey>& out, bool in_list) {
  while (true) {
    auto k = parse_key(r, depth);
    if (!k || out.size() >= 256) return false;
    out.push_back(std::move(*k));
    if (in_list && r.consume(')')) return true;
    if (!in_list && r.at_end()) return true;
    if (!r.sp()) return false;
  }
}

std::optional<SearchKey> parse_key(ArgReader& r, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  SearchKey k;
  using K = SearchKey::Kind;
  if (r.consume('(')) {
    k.kind = K::And;
    if (!parse_keys(r, depth + 1, k.children, true)) return std::nullopt;
    return k;
  }
  if ((r.peek() >= '0' && r.peek() <= '9') || r.peek() == '*') {
    auto s = r.sequence_set();
    if (!s) return std::nullopt;
    k.kind = K::SeqSet;
    k.set = std::move(*s);
    return k;
  }
  auto word = r.atom();
  if (!word) return std::nullopt;
  const std::string& w = *word;
  auto arg_string = [&]() -> bool {
    if (!r.sp()) return false;
    auto s = r.astring();
    if (!s) return false;
    k.text = std::move(*s);
    return true;
  };
  struct FlagKey {
    std::string_view name;
    unsigned flag;
    bool set;
  };
  static constexpr FlagKey kFlags[] = {
      {"SEEN", mail::kSeen, true},         {"UNSEEN", mail::kSeen, false},
      {"ANSWERED", mail::kAnswered, true}, {"UNANSWERED", mail::kAnswered, false},
      {"FLAGGED", mail::kFlagged, true},   {"UNFLAGGED", mail::kFlagged, false},
      {"DELETED", mail::kDeleted, true},   {"UNDELETED", mail::kDeleted, false},
      {"DRAFT", mail::kDraft, true},       {"UNDRAFT", mail::kDraft, false},
  };
  for (const auto& f : kFlags) {
    if (iequals(w, f.name)) {
      k.kind = f.set ? K::FlagSet : K::FlagClear;
      k.flag = f.flag;
      return k;
    }
  }
  static constexpr std::string_view kAddressKeys[] = {"FROM", "TO", "CC", "BCC", "SUBJECT"};
  for (auto name : kAddressKeys) {
    if (iequals(w, name)) {
      k.kind = K::Header;
      k.field = std::string(name);
      if (!arg_string()) return std::nullopt;
      return k;
    }
  }
  if (iequals(w, "ALL")) {
    k.kind = K::All;
  } else if (iequals(w, "RECENT")) {
    k.kind = K::Recent;
  } else if (iequals(w, "OLD")) {
    k.kind = K::Old;
  } else if (iequals(w, "NEW")) {
    k.kind = K::New;
  } else if (iequals(w, "BODY") || iequals(w, "TEXT")) {
    k.kind = iequals(w, "BODY") ? K::Body : K::Text;
    if (!arg_string()) return std::nullopt;
  } else if (iequals(w, "HEADER")) {
    k.kind = K::Header;
    if (!r.sp()) return std::nullopt;
    auto f = r.astring();
    if (!f) return std::nullopt;
    k.field = std::move(*f);
    if (!arg_string()) return std::nullopt;
  } else if (iequals(w, "KEYWORD") || iequals(w, "UNKEYWORD")) {
    k.kind = iequals(w, "KEYWORD") ? K::Keyword : K::Unkeyword;
    if (!r.sp() || !r.flag()) return std::nullopt;
  } else if (iequals(w, "LARGER") || iequals(w, "SMALLER")) {
    k.kind = iequals(w, "LARGER") ? K::Larger : K::Smaller;
    if (!r.sp()) return std::nullopt;
    auto n = r.number();
    if (!n) return std::nullopt;
    k.number = *n;
  } else if (iequals(w, "BEFORE") || iequals(w, "ON") || iequals(w, "SINCE")) {
    k.kind = iequals(w, "BEFORE") ? K::Before : iequals(w, "ON") ? K::On : K::Since;
    if (!r.sp()) return std::nullopt;
    auto d = search_day(r);
    if (!d) return std::nullopt;
    k.day = *d;
  } else if (iequals(w, "UID")) {
    k.kind = K::UidSet;
    if (!r.sp()) return std::nullopt;
    auto s = r.sequence_set();
    if (!s) return std::nullopt;
    k.set = std::move(*s);
  } else if (iequals(w, "NOT")) {
    k.kind = K::Not;
    if (!r.sp()) return std::nullopt;
    auto c = parse_key(r, depth + 1);
    if (!c) return std::nullopt;
    k.children.push_back(std::move(*c));
  } else if (iequals(w, "OR")) {
    k.kind = K::Or;
    for (int i = 0; i < 2; ++i) {
      if (!r.sp()) return std::nullopt;
      auto c = parse_key(r, depth + 1);
      if (!c) return std::nullopt;
      k.children.push_back(std::move(*c));
    }
  } else {
    return std::nullopt;  // SENTBEFORE/SENTON/SENTSINCE (Date: header) are not supported
  }
  return k;
}

}  // namespace

std::optional<SearchKey> parse_search(ArgReader& r, bool& bad_charset) {
  bad_charset = false;
  const std::size_t start = r.position();
  if (auto w = r.atom(); w && iequals(*w, "CHARSET")) {
    if (!r.sp()) return std::nullopt;
    auto cs = r.astring();
    if (!cs || !r.sp()) return std::nullopt;
    if (!iequals(*cs, "US-ASCII") && !iequals(*cs, "UTF-8")) {
      bad_charset = true;
      return std::nullopt;
    }
  } else {
    r.rewind(start);
  }
  SearchKey all;
  all.kind = SearchKey::Kind::And;
  if (!parse_keys(r, 0, all.children, false)) return std::nullopt;
  return all;
}

bool search_matches(const SearchKey& k, const SearchContext& c) {
  using K = SearchKey::Kind;
  switch (k.kind) {
    case K::All:
      return true;
    case K::And:
      for (const auto& ch : k.children)
        if (!search_matches(ch, c)) return false;
      return true;
    case K::Or:
      return search_matches(k.children[0], c) || search_matches(k.children[1], c);
    case K::Not:
      return !search_matches(k.children[0], c);
    case K::FlagSet:
      return (c.flags & k.flag) != 0;
    case K::FlagClear:
      return (c.flags & k.flag) == 0;
    case K::Recent:
      return c.recent;
    case K::Old:
      return !c.recent;
    case K::New:
      return c.recent && !(c.flags & mail::kSeen);
    case K::Header: {
      const mail::ParsedMessage pm = mail::parse_message(c.message.content);
      for (const auto& f : pm.fields)
        if (iequals(f.name, k.field) && icontains(f.value, k.text)) return true;
      // HEADER f "" matches every message that has the field (RFC 3501 §6.4.4).
      return false;
    }
    case K::Body:
      return icontains(mail::body_of(c.message.content), k.text);
    case K::Text:
      return icontains(c.message.content, k.text);
    case K::Larger:
      return c.message.size() > k.number;
    case K::Smaller:
      return c.message.size() < k.number;
    case K::SeqSet:
      return k.set.contains(c.seq, c.max_seq);
    case K::UidSet:
      return k.set.contains(c.message.uid, c.max_uid);
    case K::Before:
      return day_of(c.message.internal_date) < k.day;
    case K::On:
      return day_of(c.message.internal_date) == k.day;
    case K::Since:
      return day_of(c.message.internal_date) >= k.day;
    case K::Keyword:
      return false;
    case K::Unkeyword:
      return true;
  }
  return false;
}

}  // namespace smtpsim::imap::server_side
