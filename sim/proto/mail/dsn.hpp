// Delivery status notifications (RFC 3464), the "bounces" an MTA sends back to the envelope
// sender when it gives up on a recipient (Action: failed) or wants to warn that delivery is
// late (Action: delayed). The message is a multipart/report (RFC 6522, was RFC 3462):
//   part 1  text/plain               what happened, for the person who sent the mail
//   part 2  message/delivery-status  the same facts for programs: per-message fields, then
//                                    one group of per-recipient fields for each recipient
//   part 3  text/rfc822-headers      the header section of the original message
//
// Who may get one: a DSN is sent from the null reverse-path "<>" (RFC 5321 §4.5.5), and a
// message whose envelope sender is null is never answered with another DSN (RFC 3464 §1,
// RFC 5321 §4.5.5: "to prevent mail loops"). In other words:
//   is_bounce(sender_is_null) == sender_is_null
// a message is treated as a bounce exactly when its envelope sender is "<>", whatever its
// headers say. That rule is applied by the MTA (sim/nodes) with must_not_bounce(); a
// failure of such a message is logged and dropped (Postfix tells the postmaster instead:
// a "double bounce").
//
// What it trusts: DsnInput comes from the MTA's own queue, but the diagnostic text is the
// remote server's reply and the original message is whatever the sender wrote. Every value
// in parts 1 and 2 and in the DSN's own header is made one line of 7-bit text (CR/LF become
// spaces, other controls and 8-bit bytes '?', at most 900 octets). Part 3 keeps the
// original header bytes (then marked 8bit if it has to be) with CRLF line ends, and a line
// over 998 octets is folded by force. So every line of the result is CRLF and <= 998.
// parse_dsn() trusts nothing: any message in, nullopt when it is not a well-formed DSN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/mail/message.hpp"
#include "sim/proto/smtp/address.hpp"

namespace smtpsim::mail {

// RFC 3464 §2.3.3.
enum class DsnAction { Failed, Delayed, Delivered, Relayed, Expanded };
std::string_view action_name(DsnAction a);                         // "failed", ...
std::optional<DsnAction> action_from_name(std::string_view name);  // case-insensitive

struct DsnRecipient {
  std::string final_recipient;  // "bob@example.com" (written as "rfc822; bob@example.com")
  DsnAction action = DsnAction::Failed;
  std::string status;                     // RFC 3463 enhanced code, "5.1.1"
  std::optional<std::string> remote_mta;  // "mx.example.net" (written as "dns; ...")
  std::optional<std::string>
      diagnostic_code;                       // "smtp; 550 5.1.1 <bob@example.com>... User unknown"
  std::optional<std::int64_t> last_attempt;  // Unix seconds
  std::optional<std::int64_t> will_retry_until;  // Unix seconds; written for delayed only
};

struct DsnInput {
  std::string reporting_mta;             // this MTA's host name, "mx.example.com"
  std::string original_envelope_sender;  // where the DSN goes (MAIL FROM of the original)
  std::int64_t arrival_date = 0;         // when the original entered this MTA
  std::int64_t dsn_date = 0;             // now
  std::string message_id_of_dsn;         // "local@domain", with or without angle brackets
  std::string original_message;          // the whole original message, CRLF
  std::vector<DsnRecipient> recipients;
  std::string postmaster;  // address in From:; empty: "MAILER-DAEMON@" + reporting_mta
  std::string boundary;    // MIME boundary; made longer if it occurs in the content
};

// The complete DSN message, CRLF line ends, every line at most 998 octets. The Subject says
// "Undelivered Mail Returned to Sender" when any recipient failed, "Delayed Mail (still
// being retried)" when some are only delayed, "Successful Mail Delivery Report" otherwise.
// Precondition: !must_not_bounce(original_envelope_sender) (else it is addressed to the
// postmaster, as a double bounce would be).
std::string build_dsn(const DsnInput& in);

// "a bounce is never bounced": true for the null reverse-path ("" or "<>").
bool must_not_bounce(std::string_view envelope_sender);
bool must_not_bounce(const smtp::Address& envelope_sender);

// RFC 3463 status code in words: "5.1.1" -> "bad destination mailbox address". The class
// digit says how bad (2 success, 4 temporary, 5 permanent); subject.detail says what.
std::string_view status_meaning(std::string_view status);

struct ParsedDsnRecipient {
  std::string final_recipient;  // the address, without "rfc822;"
  std::optional<std::string> original_recipient;
  DsnAction action = DsnAction::Failed;
  std::string status;
  std::optional<std::string> remote_mta;       // without "dns;"
  std::optional<std::string> diagnostic_code;  // as written, "smtp; 550 ..."
  std::optional<std::string> last_attempt_date;
  std::optional<std::string> will_retry_until;
  std::vector<HeaderField> fields;  // every field of the group, for the inspector
};

struct ParsedDsn {
  std::string reporting_mta;  // without "dns;"
  std::optional<std::string> arrival_date;
  std::vector<HeaderField> per_message_fields;
  std::vector<ParsedDsnRecipient> recipients;
  std::string boundary;
  std::vector<MimePart> parts;   // all parts, in order
  std::string human_text;        // body of the first text/plain part
  std::string original_headers;  // text/rfc822-headers part (or message/rfc822's headers)
};

// nullopt unless: Content-Type multipart/report; report-type=delivery-status with a
// boundary, a message/delivery-status part with Reporting-MTA, and at least one recipient
// group, each with Final-Recipient, a known Action and a Status.
std::optional<ParsedDsn> parse_dsn(std::string_view message);

}  // namespace smtpsim::mail
