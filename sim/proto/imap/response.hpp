// What an IMAP4rev1 server says (RFC 3501 §7), as the client sees it: continuation requests,
// tagged completions, and typed untagged data. Everything here was produced by the
// ResponseParser from untrusted bytes; the types carry values only, no invariants beyond
// "the syntax was valid". A generic s-expression (SExpr) keeps the parts the client does not
// interpret (BODYSTRUCTURE, unknown FETCH items), so new server extensions are tolerated.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace smtpsim::imap {

// RFC 3501 §4: atom, quoted string, literal, NIL, parenthesized list.
struct SExpr {
  enum class Kind { Atom, Quoted, Literal, Nil, List };
  Kind kind = Kind::Nil;
  std::string text;          // atom text or the string's value (escapes removed)
  std::vector<SExpr> items;  // for List

  bool is_string() const { return kind == Kind::Quoted || kind == Kind::Literal; }
  bool is_nil() const { return kind == Kind::Nil; }
  bool is_list() const { return kind == Kind::List; }
  bool is_atom() const { return kind == Kind::Atom; }
  // nstring: the value of a string, nullopt for NIL (and for anything else)
  std::optional<std::string> nstring() const;
  // astring (atom or string)
  std::optional<std::string> astring() const;
  // an unsigned number (atom of digits) fitting in 64 bits
  std::optional<std::uint64_t> number() const;
};
// Back to IMAP syntax (atoms as they are, strings quoted or as literals, lists in parens).
std::string to_text(const SExpr& e);

// RFC 3501 §7.4.2 ENVELOPE address: (name adl mailbox host); host NIL marks group syntax.
struct Address {
  std::optional<std::string> name, adl, mailbox, host;
  std::string email() const;  // "mailbox@host", or the mailbox alone
  bool operator==(const Address&) const = default;
};

struct Envelope {
  std::optional<std::string> date, subject;
  std::vector<Address> from, sender, reply_to, to, cc, bcc;
  std::optional<std::string> in_reply_to, message_id;
  bool operator==(const Envelope&) const = default;
};

// "OK/NO/BAD/BYE/PREAUTH [code] text" (RFC 3501 §7.1). `code` is what stood between the
// brackets, e.g. "UIDVALIDITY 3857529045" or "PERMANENTFLAGS (\Deleted \Seen \*)".
struct Condition {
  enum class Kind { Ok, No, Bad, Bye, Preauth };
  Kind kind = Kind::Ok;
  std::string code;
  std::string text;

  std::string_view code_name() const;  // "UIDVALIDITY" (upper case as sent)
  std::string_view code_args() const;  // "3857529045"
  // The code's argument as a number, when the code is `name` with one numeric argument.
  std::optional<std::uint64_t> code_number(std::string_view name) const;
};
std::string_view condition_name(Condition::Kind k);

namespace untagged {
struct Exists {
  std::uint32_t n;
};
struct Recent {
  std::uint32_t n;
};
struct Expunge {
  std::uint32_t seq;
};
struct Fetch {
  std::uint32_t seq = 0;
  std::optional<std::uint32_t> uid;
  std::optional<std::vector<std::string>> flags;
  std::optional<std::uint64_t> size;         // RFC822.SIZE
  std::optional<std::string> internal_date;  // as sent: "17-Jul-1996 02:44:25 -0700"
  std::optional<Envelope> envelope;
  std::optional<std::string> body_structure;  // raw IMAP text of BODYSTRUCTURE / BODY
  // BODY[...], RFC822, RFC822.HEADER, RFC822.TEXT: upper-case item name without the
  // <origin> ("BODY[]", "BODY[HEADER.FIELDS (FROM)]", "RFC822") -> bytes ("" for NIL).
  std::map<std::string, std::string> sections;
  std::map<std::string, std::uint32_t> origins;  // BODY[]<0> -> "BODY[]" -> 0
  // every item the client does not interpret, name upper case
  std::vector<std::pair<std::string, SExpr>> other;
};
struct Flags {
  std::vector<std::string> flags;
};
struct Search {
  std::vector<std::uint32_t> numbers;
};
struct List {
  std::vector<std::string> flags;  // "\Noselect", "\HasNoChildren", ...
  std::optional<char> delimiter;   // nullopt: NIL (flat namespace)
  std::string name;
  bool lsub = false;
};
struct Status {
  std::string name;
  std::map<std::string, std::uint64_t> items;  // "MESSAGES" -> 231, "UIDNEXT" -> 44292
};
struct Capability {
  std::vector<std::string> caps;  // as sent: "IMAP4rev1", "AUTH=PLAIN", "IDLE"
};
// Any other untagged data ("* ENABLED ...", "* NAMESPACE ..."): kept, not interpreted.
struct Other {
  std::string name;  // upper case
  std::string rest;  // the raw text after the name (literals inline as {n}CRLF bytes)
};
}  // namespace untagged

using UntaggedResponse =
    std::variant<Condition, untagged::Capability, untagged::List, untagged::Status,
                 untagged::Search, untagged::Flags, untagged::Exists, untagged::Recent,
                 untagged::Expunge, untagged::Fetch, untagged::Other>;

struct Continuation {
  std::string text;  // after "+ " (may be base64 for AUTHENTICATE)
};
struct Tagged {
  std::string tag;
  Condition cond;  // Ok, No or Bad only
};
struct Untagged {
  UntaggedResponse data;
};
using Response = std::variant<Continuation, Tagged, Untagged>;

// Upper-case copy (ASCII only); IMAP keywords are case-insensitive (RFC 3501 §9).
std::string ascii_upper(std::string_view s);

}  // namespace smtpsim::imap
