// FETCH for the IMAP server (RFC 3501 §6.4.5, §7.4.2): parsing the fetch attributes a client
// asks for, and rendering each one for a stored message -- FLAGS, UID, RFC822.SIZE,
// INTERNALDATE, ENVELOPE, BODY/BODYSTRUCTURE, BODY[section]<partial> and the RFC822 forms.
// Messages are untrusted bytes: parsing them never fails (mail::parse_message is tolerant);
// a message that is not MIME is described as one text/plain part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/command_parser.hpp"
#include "sim/proto/mail/mail_store.hpp"

// server_side: the IMAP server's own parsing and rendering, kept apart from the client's
// types in smtpsim::imap so that equal names can never collide.
namespace smtpsim::imap::server_side {

struct Section {
  enum class Kind { Full, Header, HeaderFields, HeaderFieldsNot, Text, Mime };
  std::vector<std::uint32_t> part;  // "1.2" -> {1, 2}; empty: the whole message
  Kind kind = Kind::Full;
  std::vector<std::string> fields;  // HEADER.FIELDS (...)
};

struct FetchAtt {
  enum class Kind {
    Flags,
    Uid,
    Rfc822Size,
    InternalDate,
    Envelope,
    Body,           // BODY without a section: the non-extensible BODYSTRUCTURE
    BodyStructure,  // BODYSTRUCTURE
    BodySection,    // BODY[...] / BODY.PEEK[...]
    Rfc822,         // = BODY[], sets \Seen
    Rfc822Header,   // = BODY.PEEK[HEADER]
    Rfc822Text,     // = BODY[TEXT], sets \Seen
  };
  Kind kind = Kind::Flags;
  bool peek = false;
  Section section;
  std::optional<std::uint32_t> partial_offset, partial_length;
  std::string section_text;  // as the client wrote it between [ and ], echoed back
  bool sets_seen() const;    // fetching it sets \Seen (RFC 3501 §6.4.5)
};

// att / "(" att *(SP att) ")" / ALL / FAST / FULL. nullopt on a syntax error.
std::optional<std::vector<FetchAtt>> parse_fetch_atts(ArgReader& r);

// One attribute's "NAME value" text, value rendered with literals where needed.
// `flags` and `recent` are what the session reports for the message.
std::string render_fetch_att(const FetchAtt& att, const mail::StoredMessage& m, unsigned flags,
                             bool recent);
std::string render_flags(unsigned flags, bool recent);  // "(\Seen \Recent)"

// ENVELOPE and BODYSTRUCTURE (fetch_structure.cpp).
std::string render_envelope(std::string_view message);
std::string render_body_structure(std::string_view message, bool extensible);

// An address list as RFC 3501 §7.4.2 wants it: mailboxes, and group start/end markers.
struct EnvelopeAddress {
  std::optional<std::string> name, adl, mailbox, host;
};
std::vector<EnvelopeAddress> parse_address_list(std::string_view value);

// The bytes of a BODY[section] for a message (before <partial>).
std::string section_bytes(const Section& s, std::string_view message);

}  // namespace smtpsim::imap::server_side
