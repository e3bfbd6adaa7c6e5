// SEARCH for the IMAP server (RFC 3501 §6.4.4): the search keys parsed into a small tree and
// evaluated against one message at a time. Keys in a list are ANDed; OR and NOT combine.
// Text keys are case-insensitive ASCII substring matches on header fields or the body.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/proto/imap/command_parser.hpp"
#include "sim/proto/mail/mail_store.hpp"

// server_side: the IMAP server's own parsing and rendering, kept apart from the client's
// types in smtpsim::imap so that equal names can never collide.
namespace smtpsim::imap::server_side {

struct SearchKey {
  enum class Kind {
    All,
    And,        // children
    Or,         // children[0] or children[1]
    Not,        // children[0]
    FlagSet,    // flag bit set (SEEN, ANSWERED, ...)
    FlagClear,  // flag bit clear (UNSEEN, ...)
    Recent,
    Old,
    New,     // RECENT UNSEEN
    Header,  // text in field `field` (FROM, TO, CC, BCC, SUBJECT, HEADER f s)
    Body,
    Text,
    Larger,
    Smaller,
    SeqSet,
    UidSet,
    Keyword,  // keywords are not kept: KEYWORD matches nothing, UNKEYWORD everything
    Before,   // internal date, by day (UTC): before / on / since `day`
    On,
    Since,
    Unkeyword,
  };
  Kind kind = Kind::All;
  unsigned flag = 0;
  std::string field, text;
  std::uint32_t number = 0;
  std::int64_t day = 0;  // days since 1970-01-01 for BEFORE / ON / SINCE
  SequenceSet set;
  std::vector<SearchKey> children;
};

// Everything after "SEARCH " (an optional CHARSET is accepted for US-ASCII and UTF-8).
// nullopt on a syntax error; `bad_charset` set when the charset is unknown (NO [BADCHARSET]).
std::optional<SearchKey> parse_search(ArgReader& r, bool& bad_charset);

// What the key needs to know about one message.
struct SearchContext {
  const mail::StoredMessage& message;
  std::uint32_t seq;      // sequence number in the session's view
  std::uint32_t max_seq;  // for "*"
  std::uint32_t max_uid;  // for "*" in UID sets
  unsigned flags;
  bool recent;
};
bool search_matches(const SearchKey& key, const SearchContext& ctx);

}  // namespace smtpsim::imap::server_side
