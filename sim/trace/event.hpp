// The one typed event stream of a simulation run (DESIGN.md idea 6). Everything observable
// is one of these kinds; the recorder keeps them, writers render them, the GUI and the
// lesson checker fold them. Sources (the engine and the mail roles) only ever append.
//
// Layering note: DESIGN.md lists sim/trace as depending on sim/proto only, and sim/engine and
// sim/nodes as not depending on sim/trace. The vocabulary has to live somewhere both the
// sources and the subscribers can see, so the engine and the nodes include this header and
// sink.hpp — and nothing else of sim/trace. sim/trace still includes nothing above sim/proto.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace smtpsim::trace {

enum class EventKind : std::uint8_t {
  // network
  ConnectionOpened,   // host -> peer:port established
  ConnectionRefused,  // host or service down: RST
  ConnectionTimeout,  // no answer (link cut, host unreachable)
  ConnectionClosed,
  TlsStarted,  // handshake done on conn
  Line,        // one protocol line; `outbound` from host to peer; code for replies
  Datagram,    // DNS query/answer bytes (text is the dig-like description)
  // protocol machines
  StateChanged,  // text "FROM -> TO", detail = trigger
  // mail flow
  Submitted,    // MUA composed and handed a message to its submission client
  Queued,       // MTA took responsibility (after 250)
  Attempt,      // delivery attempt to recipient/domain starts
  Deferred,     // 4xx or connection failure; next_retry set
  Relayed,      // accepted by the next hop (250 after ".")
  Delivered,    // stored in a mailbox
  Bounced,      // permanent failure for a recipient
  DsnSent,      // a DSN was queued back to the sender
  DelayWarned,  // a "delayed" DSN was sent
  Dropped,      // bounce that cannot be returned (null sender): logged, never bounced
  Retrieved,    // a reader's device got a message (POP3 download, IMAP listing): host = the
                // device, detail = its UIDL id or UID; "body" = an IMAP body fetched later
  // Mail store events: host = the MDA, address = the user, detail = the folder, uid/flags set.
  // (Delivered also carries uid, and detail = the user whose INBOX received it.)
  FlagsChanged,  // a stored message's flags changed (IMAP STORE, POP3 RETR marks \Seen)
  Expunged,      // one message removed from a folder (POP3 UPDATE, IMAP EXPUNGE)
  Appended,      // a client saved a message into a folder (IMAP APPEND, e.g. Sent)
  LocalChange,   // a reader changed only its own copy: host = device, detail "read"/"deleted"
  DnsLookup,     // resolver result (text: summary)
  // faults and script
  HostDown,
  HostUp,
  ServiceDown,
  ServiceUp,
  LinkCut,
  LinkRestored,
  LatencyChanged,
  DnsRecordChanged,
  MailboxFull,
  Action,  // a scripted action started (text)
  Note,    // narration-level information
};

std::string_view kind_name(EventKind k);
bool kind_from_name(std::string_view name, EventKind& out);

struct Event {
  std::uint64_t seq = 0;  // 0, 1, 2 ... in recording order
  std::int64_t time = 0;  // virtual microseconds
  EventKind kind = EventKind::Note;
  std::string host;        // where it happened ("mx1.example.com")
  std::string peer;        // the other side, when there is one
  std::uint64_t conn = 0;  // connection id (0: none)
  std::uint16_t port = 0;
  std::string proto;             // "SMTP", "DNS", "POP3", "IMAP", "HTTP"
  bool outbound = false;         // Line: sent by `host` to `peer`
  bool tls = false;              // Line: inside TLS
  bool sensitive = false;        // Line: carried credentials (already redacted in text)
  int code = 0;                  // Line: reply code for server replies
  std::string text;              // the line, or a one-sentence description
  std::string detail;            // trigger, reason, diagnostic
  std::string message_id;        // queue id of the message concerned
  std::string address;           // recipient (or sender) concerned
  std::int64_t next_retry = -1;  // Deferred: virtual time of the next attempt
  // Mail store events (Delivered, Retrieved, FlagsChanged, Expunged, Appended, LocalChange):
  // the message's UID in its folder and its flags afterwards (RFC 3501 §2.3; bits as in
  // mail::Flag: 1 Seen, 2 Answered, 4 Flagged, 8 Deleted, 16 Draft).
  std::uint32_t uid = 0;
  std::uint32_t flags = 0;
};

}  // namespace smtpsim::trace
