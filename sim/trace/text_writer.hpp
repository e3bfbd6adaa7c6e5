// The text transcript of a run (DESIGN.md "Transcripts"), in swaks' convention so it looks
// familiar: "===" information, " ->" sent by the client, "<- " received from the server,
// " ~>" / "<~ " the same inside TLS, "***" errors. Every line starts with the virtual time
// (engine::format_time) and, for connection traffic, the connection label
// "mua1→msa.example.com:587" (client→server:port, from the connection's ConnectionOpened).
//
//   +0:00:10.000 mua1→msa.example.com:587 === connection established
//   +0:00:10.010 mua1→msa.example.com:587 <-  220 msa.example.com ESMTP smtpsim
//   +0:00:10.010 mua1→msa.example.com:587  -> EHLO mua1
//   +0:00:12.000 === mx1.example.com: queued 4F2A01 from <alice@example.com> to <bob@example.net>
//   +0:00:13.000 *** mx1.example.com: 4F2A01: deferred <bob@example.net>: smtp; 451 4.3.0 Try
//                    again later; next try +0:05:13.000                  (one line in reality)
//
// The pieces of a line, in order:
//   time      format_time(e.time)
//   label     conn != 0: the connection's "client→server:port" (from its ConnectionOpened;
//             for a trace cut in the middle it is guessed from the first line seen: a line
//             with a reply code was sent by the server). ConnectionRefused/Timeout/Opened
//             without a known conn: host→peer:port. Datagram: host→peer. Otherwise none.
//   marker    Line: " -> " sent by the connection's client, "<-  " sent by its server,
//             " ~> " / "<~  " the same with tls=true. The sender is `host` when outbound is
//             true (what the nodes emit), else `peer`.
//             "*** " for ConnectionRefused, ConnectionTimeout, Deferred, Bounced, Dropped,
//             HostDown, ServiceDown, LinkCut, MailboxFull, and a Note whose detail is "error";
//             "=== " for everything else.
//   sentence  Line, Datagram, Note: the text as is.
//             ConnectionOpened/Refused/Timeout/Closed, TlsStarted: the text.
//             All other kinds: "host: " + ("id: " when message_id is set and the text does
//             not already mention it) + text; StateChanged adds " (detail)" (the trigger);
//             Deferred adds "; next try " + format_time(next_retry) when next_retry >= 0
//             (absolute virtual time). Empty pieces are left out. The detail of a source's
//             own sentence is not shown: it is data for other observers (status code,
//             recipient list); put what the reader should see in the text.
// When a source leaves `text` empty, a sentence is made from the fields instead, followed by
// the detail as the reason (": detail") for the "***" kinds, " (detail)" for the others:
//   ConnectionOpened "connected to peer:port"   Refused "connection refused"
//   Timeout "connection timed out"   Closed "connection closed"   TlsStarted "TLS started"
//   StateChanged "state changed"   Submitted "submitted ID for <address> to peer"
//   Queued "queued ID for <address>"   Attempt "trying ID to <address> via peer:port"
//   Deferred "deferred ID to <address>"   Relayed "relayed ID to <address> via peer:port"
//   Delivered "delivered ID to <address>"   Bounced "bounced ID to <address>"
//   DsnSent "sent a DSN about ID to <address>"   DelayWarned "sent a delay warning about ID
//   to <address>"   Dropped "dropped ID to <address>"   Retrieved "retrieved ID for <address>
//   from peer over proto"   FlagsChanged "flags changed for USER"   Expunged "message removed
//   for USER"   Appended "message saved for USER" (each then " (FOLDER)")   LocalChange "changed on
//   the device only"   DnsLookup "DNS lookup"   HostDown/Up "host is down/up"
//   ServiceDown/Up "port N (proto) is down/up"   LinkCut/Restored "link to peer is
//   cut/restored"   LatencyChanged "latency changed"   DnsRecordChanged "DNS record changed"
//   MailboxFull "mailbox <address> is full"   Action "script action".
// e.g. "*** mx1.example.com: deferred 4F2A01 to <bob@example.net>: connection refused by
// mx.example.net:25; next try +0:05:00.000". Control characters are shown escaped (\x0d) so
// a transcript never corrupts a terminal.
//
// Credentials: the machines redact them (sensitive lines carry "[redacted]"). As a second
// line of defence, a sensitive Line whose text lacks "[redacted]" is printed as "[redacted]".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include "sim/trace/event.hpp"

namespace smtpsim::trace {

struct TextOptions {
  bool show_state_changes = false;  // StateChanged events
  bool show_datagrams = true;       // Datagram events (DNS queries and answers)
};

// Stateful because labels come from ConnectionOpened events: feed it the events in order
// (subscribe it to a Recorder to stream a transcript while the run goes on).
class TextWriter {
 public:
  explicit TextWriter(TextOptions options = {}) : options_(options) {}

  // The transcript line for e, ending in '\n', or "" when the options hide it.
  std::string render(const Event& e);

 private:
  struct Conn {
    std::string client, server, label;
  };
  const Conn* find_or_guess(const Event& e);

  TextOptions options_;
  std::unordered_map<std::uint64_t, Conn> conns_;
};

// The whole transcript of a recorded stream.
std::string render_text(std::span<const Event> events, TextOptions options = {});

}  // namespace smtpsim::trace
