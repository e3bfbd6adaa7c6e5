// One message as the trace shows it, for the inspector: its envelope as it crossed the wire
// (MAIL FROM / RCPT TO and their replies), its content (the DATA lines of the connection that
// carried it, dot-unstuffed), the header fields (mail::parse_message), the Received: chain
// (the route, RFC 5321 §4.4), the hops before and after it, and for a bounce the DSN parts
// (mail::parse_dsn when the DSN itself crossed a wire, else the facts of the Bounced or
// Deferred events it reports). Pure: no ImGui, tested headless.
//
// Trusts the trace's vocabulary: a Queued event names the queue id (message_id) and the
// server's reply to the final "." says "queued as ID" (sim/nodes); Relayed's text quotes the
// next hop's reply; DsnSent/DelayWarned read "... notice ID sent to <...>". The message
// content is not trusted: mail::parse_message and parse_dsn accept any bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/mail/dsn.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/trace/event.hpp"

namespace smtpsim::gui {

struct EnvelopeCommand {
  std::string command;  // "RCPT TO:<bob@example.net>"
  std::string reply;    // "250 2.1.5 Ok" (the final line), "" when not seen
  int code = 0;
};

// The last mail transaction (MAIL ... DATA ... ".") on one SMTP connection.
struct WireCopy {
  std::uint64_t conn = 0;
  std::string client, server;
  std::uint16_t port = 0;
  bool tls = false;
  EnvelopeCommand mail_from;
  std::vector<EnvelopeCommand> rcpt_to;
  std::string content;        // CRLF line ends, dot-unstuffed (RFC 5321 §4.5.2)
  std::size_t end_event = 0;  // the "." line
};

// Reads the transaction that ended with the client's "." at or before event `end` on conn.
std::optional<WireCopy> wire_copy(std::span<const trace::Event> events, std::uint64_t conn,
                                  std::size_t end);

// One Received: field, split into its RFC 5321 §4.4 clauses (a clause absent stays "").
struct ReceivedHop {
  std::string from, by, via, with, id, for_address, date;
  std::string value;  // the whole unfolded value
};
ReceivedHop parse_received(std::string_view value);

// One recipient's part of a DSN (RFC 3464 §2.3).
struct DsnFact {
  std::string recipient, action, status, diagnostic, remote_mta;
};

struct MessageInfo {
  bool found = false;  // a Queued event names it within the first n events
  std::string queue_id;
  std::string host;  // the MTA that queued it
  std::int64_t queued_at = 0;
  std::string sender;  // envelope sender from the Queued event ("" = <>)
  std::vector<std::string> recipients;
  std::optional<WireCopy> wire;  // how it arrived, when it came over SMTP
  bool have_content = false;
  mail::ParsedMessage parsed;          // of wire->content
  std::string subject;                 // decoded, "" when unknown
  std::vector<ReceivedHop> received;   // in message order: the newest hop first
  std::string previous_id;             // the same message in the previous MTA's queue
  std::vector<std::string> next_ids;   // ... in the next hops' queues ("queued as")
  std::vector<std::string> outcomes;   // per recipient, what happened so far (event texts)
  std::vector<std::string> dsn_ids;    // the DSNs (bounce or delay notices) sent about it
  std::vector<std::string> mailboxes;  // "HOST/USER" of each mailbox it was delivered to
  // A DSN: the queue id of the message it reports on (when this MTA made it), its parts.
  std::string dsn_about;
  std::string dsn_kind;                // "failed" or "delayed"
  std::optional<mail::ParsedDsn> dsn;  // the real DSN, parsed from the wire
  std::vector<DsnFact> dsn_facts;      // part 2 per recipient (from parse or from events)
  std::vector<mail::HeaderField> original_headers;  // part 3
};

// The message with this queue id as the trace shows it after the first n events.
MessageInfo inspect_message(std::span<const trace::Event> events, std::size_t n,
                            const std::string& queue_id);

// "250 2.0.0 Ok: queued as 400001" -> "400001"; "" when the text does not say.
std::string queued_as(std::string_view text);

}  // namespace smtpsim::gui
