// RFC 5322 messages as the mail roles see them: split a message into its header fields and
// body, look fields up, compose a new message (what a MUA writes), and the small edits the
// relaying roles make (a trace field on top, the MSA's missing Date:/Message-ID:).
// Also the few MIME pieces (RFC 2045-2047) the simulator needs: Content-Type parameters,
// multipart bodies, encoded-words, quoted-printable.
//
// What it trusts: nothing in a message it parses. parse_message() accepts any bytes and never
// fails; a malformed header section is cut short the way real parsers do (see parse_message).
// compose() trusts the caller's strings to be what they say (addresses already chosen by the
// user or a scenario) but still removes CR and LF from every header value, so no string can
// smuggle an extra header field in ("header injection").
// Everything is deterministic: the Date is passed in as Unix seconds, ids are passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtpsim::mail {

// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters, MUST be at most 998 (both without
// the CRLF).
inline constexpr std::size_t kFoldWidth = 78;
inline constexpr std::size_t kMaxLineLength = 998;

// One header field (RFC 5322 §2.2).
struct HeaderField {
  std::string name;        // as written ("Subject", "subject"): compare with iequals
  std::string value;       // unfolded (§2.2.3) with leading and trailing white space removed
  std::string raw;         // the exact bytes, folding and line ends included
  std::size_t offset = 0;  // where raw starts in the parsed text
};

struct ParsedMessage {
  std::vector<HeaderField> fields;  // in order, top to bottom
  std::string body;                 // everything after the header section, verbatim
  std::size_t header_end = 0;       // offset just after the last header field's line end
  std::size_t body_offset = 0;      // offset where the body starts
  bool has_separator = false;       // the header section ended with an empty line
  bool ended_by_junk = false;       // ... or with a line that is not a header field (see below)

  // Case-insensitive lookup (field names are case-insensitive, RFC 5322 §1.2.2).
  const HeaderField* find(std::string_view name) const;  // the first such field, or null
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;  // e.g. every Received:
  bool has(std::string_view name) const { return find(name) != nullptr; }
};

// Splits a message into header fields and body. Lines end in CRLF; a bare LF is accepted as
// a line end too (as by Postfix and Python's email package), and the body is kept verbatim.
//
// The header section ends at the first empty line (which is not part of either), or at the
// end of the input. A field's continuation lines start with SP or HTAB and are unfolded by
// removing the line break only (§2.2.3: "a\r\n b" -> "a b"). A field name is one or more
// printable US-ASCII characters except ':' (§2.2, §3.6.8); white space before the colon is
// tolerated (obsolete syntax, §4.5).
//
// Junk: a line that is neither a field nor a continuation ("hello world", a body that forgot
// its empty line, a continuation line with no field above it) ends the header section, and
// that line becomes the first line of the body (ended_by_junk). This is what Postfix cleanup
// and Python's email.feedparser (MissingHeaderBodySeparatorDefect) do: the text is kept, never
// dropped, and nothing after it is taken as a header.
ParsedMessage parse_message(std::string_view message);

// The header section as written (without the empty line), and the body.
std::string_view header_section(std::string_view message);
std::string_view body_of(std::string_view message);

bool has_header(std::string_view message, std::string_view name);

// Adds one field on top of the message, the way each relaying hop adds Received: (RFC 5321
// §4.4) and the MDA adds Return-Path:. field_line is a whole field, folded or not
// ("Received: from ...\r\n\tby ...; date\r\n"); a missing final CRLF is added.
std::string prepend_header(std::string_view message, std::string_view field_line);

// RFC 6409 §8.1 and §8.3: a Message Submission Agent MAY add Date: and Message-ID: when the
// client left them out (most MUAs write them; a script talking raw SMTP often does not).
// Fields that are present are never touched. Added fields go at the end of the header
// section, as Postfix's cleanup does. id is "local@domain", with or without angle brackets.
struct MsaFixup {
  std::string message;
  bool added_date = false;
  bool added_message_id = false;
};
MsaFixup add_missing_message_id_and_date(std::string_view message, std::string_view id,
                                         std::int64_t unix_seconds);

// --- Composing ---------------------------------------------------------------------------

// What a MUA's "new message" window holds. Mailboxes are "alice@example.com" or
// "Alice Example <alice@example.com>"; a display name that needs it is quoted or encoded.
struct Composed {
  std::string from;
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;  // envelope only: never written into the message
  std::string subject;           // UTF-8; encoded as RFC 2047 words when not plain ASCII
  std::string body;              // UTF-8 text; LF or CRLF line ends, written as CRLF
  std::int64_t date = 0;         // Unix seconds
  std::string message_id;        // "local@domain", with or without angle brackets
  std::vector<std::pair<std::string, std::string>> extra_headers;  // {name, value}
};

// The message text: Date, From, To, Cc, Subject, Message-ID, the extra headers, MIME-Version,
// Content-Type: text/plain; charset=utf-8, then the body. Notes:
//  - Bcc is not written (RFC 5322 §3.6.3 allows either; hiding them is the point of Bcc).
//  - With no To and no Cc, "To: undisclosed-recipients:;" (an empty group, §3.4) is written.
//  - An empty subject writes no Subject field.
//  - Content-Transfer-Encoding: none (7bit) for ASCII text; 8bit when the body has 8-bit
//    bytes; quoted-printable when a line would exceed 998 octets or the body holds NUL.
//  - Header lines are folded at 78 characters where there is white space to fold at.
//  - Extra headers named like a generated field (From, Date, MIME-Version...) or Bcc are
//    skipped: the generated ones are the truth.
std::string compose(const Composed& c);

// RCPT TO addresses for this message: to + cc + bcc, addr-specs only, in that order, without
// duplicates (same local part, domain compared case-insensitively).
std::vector<std::string> envelope_recipients(const Composed& c);
// MAIL FROM address: the addr-spec of c.from.
std::string envelope_sender(const Composed& c);

// "Alice <alice@example.com>" -> "alice@example.com"; "bob@example.net" -> itself.
std::string address_of(std::string_view mailbox);

// "Name: value\r\n", folded at white space so lines stay within width where possible
// (RFC 5322 §2.1.1, §2.2.3). A word longer than the width is never broken. CR and LF in
// the value become spaces.
std::string fold_field(std::string_view name, std::string_view value,
                       std::size_t width = kFoldWidth);

// --- MIME pieces -------------------------------------------------------------------------

// RFC 2047 encoded-words ("=?UTF-8?B?...?="), B encoding, each at most 75 characters and
// never splitting a UTF-8 sequence (§2, §5). Words are kept to 64 characters so that
// "Subject: " plus one word fits in 78; they are separated by a space (ignored when
// decoding, §6.2), which is where fold_field breaks the line.
std::string encode_words(std::string_view utf8);
// Decodes every encoded-word in an unstructured value (B and Q; UTF-8, US-ASCII and
// ISO-8859-1 charsets, output in UTF-8); white space between two encoded-words is dropped
// (§6.2). A malformed or unknown word is left as it is.
std::string decode_words(std::string_view value);

// RFC 2045 §6.7 quoted-printable, CRLF line ends, encoded lines at most 76 characters.
std::string quoted_printable_encode(std::string_view text);

// RFC 2045 §5.1 Content-Type: "multipart/report; report-type=delivery-status;
// boundary="x"" -> {"multipart/report", {{"report-type", "delivery-status"}, {"boundary",
// "x"}}}. Type and parameter names are lowercased; quoted values are unquoted.
struct ContentType {
  std::string type;  // "type/subtype", lowercase; "text/plain" when the field is absent
  std::map<std::string, std::string> params;
  std::string param(std::string_view name) const;  // "" when absent
};
ContentType parse_content_type(std::string_view value);

// One body part of a multipart entity (RFC 2046 §5.1).
struct MimePart {
  std::vector<HeaderField> headers;
  ContentType content_type;  // text/plain; charset=us-ascii when absent (RFC 2045 §5.2)
  std::string body;          // without the CRLF that belongs to the next delimiter
  std::size_t offset = 0;    // where the part starts in the multipart body
};
// The parts between "--boundary" lines; the preamble and the epilogue are dropped.
// An unterminated last part (no "--boundary--") is still returned.
std::vector<MimePart> split_multipart(std::string_view body, std::string_view boundary);

}  // namespace smtpsim::mail
