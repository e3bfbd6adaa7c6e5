// The recorder and the two transcript writers (sim/trace): numbering and fan-out (also when
// a subscriber records), the text transcript of every event kind in swaks' convention, and
// the versioned JSON trace — write, read back, compare; byte-identical output; every reader
// error with its exact message.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "sim/trace/json_writer.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"

namespace {

using namespace smtpsim::trace;

constexpr std::int64_t kSec = 1'000'000;

bool same(const Event& a, const Event& b) {
  return a.seq == b.seq && a.time == b.time && a.kind == b.kind && a.host == b.host &&
         a.peer == b.peer && a.conn == b.conn && a.port == b.port && a.proto == b.proto &&
         a.outbound == b.outbound && a.tls == b.tls && a.sensitive == b.sensitive &&
         a.code == b.code && a.text == b.text && a.detail == b.detail &&
         a.message_id == b.message_id && a.address == b.address && a.next_retry == b.next_retry;
}

Event ev(EventKind k, std::int64_t t = 0) {
  Event e;
  e.kind = k;
  e.time = t;
  return e;
}

// ---- recorder ---------------------------------------------------------------------------

TEST(TraceRecorder, NumbersStoresAndNotifiesInOrder) {
  Recorder r;
  std::vector<std::uint64_t> seen_a, seen_b;
  r.subscribe([&](const Event& e) { seen_a.push_back(e.seq); });
  r.subscribe([&](const Event& e) { seen_b.push_back(e.seq); });
  for (int i = 0; i < 3; ++i) {
    Event e = ev(EventKind::Note, i);
    e.seq = 99;  // overwritten
    r.record(e);
  }
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.at(2).seq, 2u);
  EXPECT_EQ(r.at(2).time, 2);
  EXPECT_EQ(r.events().front().seq, 0u);
  EXPECT_EQ(seen_a, (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(seen_b, seen_a);
  EXPECT_THROW((void)r.at(3), std::out_of_range);
}

TEST(TraceRecorder, UnsubscribeStopsCallbacks) {
  Recorder r;
  int n = 0;
  const auto id = r.subscribe([&](const Event&) { ++n; });
  r.record(ev(EventKind::Note));
  r.unsubscribe(id);
  r.record(ev(EventKind::Note));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(r.size(), 2u);
}

TEST(TraceRecorder, SubscriberMayRecordEveryoneSeesSeqOrder) {
  Recorder r(1);  // tiny reservation: the vector must grow during delivery
  std::vector<std::uint64_t> first, second;
  r.subscribe([&](const Event& e) {
    first.push_back(e.seq);
    if (e.kind == EventKind::Queued) {
      Event n = ev(EventKind::Note);
      n.text = "narration for " + std::to_string(e.seq);
      r.record(n);
      r.record(n);
    }
    EXPECT_EQ(e.text.empty() || e.text.starts_with("narration"), true);  // reference valid
  });
  r.subscribe([&](const Event& e) { second.push_back(e.seq); });
  r.record(ev(EventKind::Queued));
  r.record(ev(EventKind::Delivered));
  EXPECT_EQ(first, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(second, first);
  EXPECT_EQ(r.at(1).text, "narration for 0");
  EXPECT_EQ(r.at(3).kind, EventKind::Delivered);
}

TEST(TraceRecorder, SubscribeAndUnsubscribeInsideCallback) {
  Recorder r;
  int late = 0, once = 0;
  Recorder::SubscriptionId self = 0;
  self = r.subscribe([&](const Event&) {
    ++once;
    r.unsubscribe(self);
    r.subscribe([&](const Event&) { ++late; });
  });
  r.record(ev(EventKind::Note));  // `once` runs, late joins from the next event
  r.record(ev(EventKind::Note));
  EXPECT_EQ(once, 1);
  EXPECT_EQ(late, 1);
}

TEST(TraceRecorder, ClearRestartsNumbering) {
  Recorder r;
  r.record(ev(EventKind::Note));
  r.clear();
  EXPECT_TRUE(r.empty());
  r.record(ev(EventKind::Note));
  EXPECT_EQ(r.at(0).seq, 0u);
}

TEST(TraceRecorder, MemoryPerEventIsSmall) {
  // Seven strings with small-string buffers dominate; a typical SMTP line adds one heap
  // buffer. Guard against accidental growth of Event.
  EXPECT_LE(sizeof(Event), 288u);
  Recorder r(1000);
  for (int i = 0; i < 1000; ++i) {
    Event e = ev(EventKind::Line, i);
    e.host = "mx1.example.com";
    e.peer = "mx.example.net";
    e.conn = 7;
    e.port = 25;
    e.proto = "SMTP";
    e.outbound = true;
    e.text = "RCPT TO:<bob@example.net>";
    r.record(e);
  }
  const auto per_event = r.heap_bytes() / r.size();
  EXPECT_LE(per_event, sizeof(Event) + 64);
  RecordProperty("sizeof_Event", static_cast<int>(sizeof(Event)));
  RecordProperty("bytes_per_line_event", static_cast<int>(per_event));
}

// ---- text transcript ----------------------------------------------------------------------

// A client session on connection 3: mua1 -> msa.example.com:587.
std::vector<Event> session() {
  std::vector<Event> out;
  auto add = [&](Event e) {
    e.seq = out.size();
    out.push_back(std::move(e));
  };
  Event open = ev(EventKind::ConnectionOpened, 10 * kSec);
  open.host = "mua1";
  open.peer = "msa.example.com";
  open.conn = 3;
  open.port = 587;
  open.proto = "SMTP";
  open.text = "connection established";
  add(open);
  auto line = [&](std::int64_t t, bool from_client, std::string text, bool tls = false,
                  bool sensitive = false, int code = 0) {
    Event e = ev(EventKind::Line, t);
    e.host = from_client ? "mua1" : "msa.example.com";
    e.peer = from_client ? "msa.example.com" : "mua1";
    e.conn = 3;
    e.port = 587;
    e.proto = "SMTP";
    e.outbound = true;
    e.tls = tls;
    e.sensitive = sensitive;
    e.code = code;
    e.text = std::move(text);
    add(e);
  };
  line(10 * kSec + 10'000, false, "220 msa.example.com ESMTP", false, false, 220);
  line(10 * kSec + 10'000, true, "EHLO mua1");
  line(10 * kSec + 20'000, true, "STARTTLS");
  Event tls = ev(EventKind::TlsStarted, 10 * kSec + 40'000);
  tls.host = "mua1";
  tls.conn = 3;
  tls.text = "TLS handshake complete";
  add(tls);
  line(10 * kSec + 40'000, true, "AUTH PLAIN [redacted]", true, true);
  line(10 * kSec + 50'000, false, "235 2.7.0 Authentication successful", true, false, 235);
  line(10 * kSec + 50'000, true, "AHVzZXIAc2VjcmV0", true, true);  // not redacted: guard
  Event close = ev(EventKind::ConnectionClosed, 11 * kSec);
  close.host = "mua1";
  close.peer = "msa.example.com";
  close.conn = 3;
  close.port = 587;
  close.text = "connection closed";
  add(close);
  return out;
}

TEST(TraceText, ClientSessionInSwaksConvention) {
  EXPECT_EQ(render_text(session()),
            "+0:00:10.000 mua1→msa.example.com:587 === connection established\n"
            "+0:00:10.010 mua1→msa.example.com:587 <-  220 msa.example.com ESMTP\n"
            "+0:00:10.010 mua1→msa.example.com:587  -> EHLO mua1\n"
            "+0:00:10.020 mua1→msa.example.com:587  -> STARTTLS\n"
            "+0:00:10.040 mua1→msa.example.com:587 === TLS handshake complete\n"
            "+0:00:10.040 mua1→msa.example.com:587  ~> AUTH PLAIN [redacted]\n"
            "+0:00:10.050 mua1→msa.example.com:587 <~  235 2.7.0 Authentication successful\n"
            "+0:00:10.050 mua1→msa.example.com:587  ~> [redacted]\n"
            "+0:00:11.000 mua1→msa.example.com:587 === connection closed\n");
}

TEST(TraceText, InboundLineFromReceiverPointOfView) {
  // outbound=false: host is the receiver, so the sender is peer.
  TextWriter w;
  Event open = ev(EventKind::ConnectionOpened);
  open.host = "a";
  open.peer = "b";
  open.conn = 1;
  open.port = 25;
  w.render(open);
  Event l = ev(EventKind::Line);
  l.host = "a";
  l.peer = "b";
  l.conn = 1;
  l.text = "250 ok";
  EXPECT_EQ(w.render(l), "+0:00:00.000 a→b:25 <-  250 ok\n");
  l.host = "b";
  l.peer = "a";
  l.text = "QUIT";
  EXPECT_EQ(w.render(l), "+0:00:00.000 a→b:25  -> QUIT\n");
}

TEST(TraceText, UnknownConnectionIsGuessedFromReplyCode) {
  TextWriter w;
  Event l = ev(EventKind::Line);
  l.host = "mx.example.net";
  l.peer = "mx1.example.com";
  l.conn = 9;
  l.port = 25;
  l.outbound = true;
  l.code = 250;
  l.text = "250 2.0.0 Ok";
  EXPECT_EQ(w.render(l), "+0:00:00.000 mx1.example.com→mx.example.net:25 <-  250 2.0.0 Ok\n");
  std::swap(l.host, l.peer);
  l.code = 0;
  l.text = "QUIT";
  EXPECT_EQ(w.render(l), "+0:00:00.000 mx1.example.com→mx.example.net:25  -> QUIT\n");
}

TEST(TraceText, ControlCharactersAreEscaped) {
  Event n = ev(EventKind::Note);
  n.text = "bare\rCR and\x7f";
  EXPECT_EQ(render_text(std::vector{n}), "+0:00:00.000 === bare\\x0dCR and\\x7f\n");
}

TEST(TraceText, OptionsHideStateChangesShowDatagrams) {
  Event s = ev(EventKind::StateChanged);
  s.host = "mx1.example.com";
  s.conn = 0;
  s.text = "server: GREETING -> READY";
  s.detail = "EHLO";
  Event d = ev(EventKind::Datagram);
  d.host = "mx1.example.com";
  d.peer = "ns";
  d.text = "DNS query MX example.net";
  const std::vector<Event> both{s, d};
  EXPECT_EQ(render_text(both), "+0:00:00.000 mx1.example.com→ns === DNS query MX example.net\n");
  EXPECT_EQ(render_text(both, {.show_state_changes = true, .show_datagrams = false}),
            "+0:00:00.000 === mx1.example.com: server: GREETING -> READY (EHLO)\n");
}

struct KindCase {
  const char* name;
  Event event;
  const char* line;
};

void PrintTo(const KindCase& c, std::ostream* os) {
  *os << c.name;
}

Event mk(EventKind k, std::string host, std::string text, std::string detail = "",
         std::string id = "", std::string address = "", std::int64_t next = -1) {
  Event e = ev(k, 5 * kSec);
  e.host = std::move(host);
  e.text = std::move(text);
  e.detail = std::move(detail);
  e.message_id = std::move(id);
  e.address = std::move(address);
  e.next_retry = next;
  return e;
}

Event with(Event e, std::string peer, std::uint16_t port, std::string proto = "") {
  e.peer = std::move(peer);
  e.port = port;
  e.proto = std::move(proto);
  return e;
}

class TraceTextKinds : public ::testing::TestWithParam<KindCase> {};

TEST_P(TraceTextKinds, RendersOneLine) {
  TextOptions all{.show_state_changes = true, .show_datagrams = true};
  EXPECT_EQ(render_text(std::vector{GetParam().event}, all), GetParam().line);
}

const std::string M = "mx1.example.com";

const KindCase kKinds[] = {
    // The sources' own sentences (what the nodes emit).
    {"ConnectionRefused",
     with(mk(EventKind::ConnectionRefused, M, "connection refused"), "mx.example.net", 25),
     "+0:00:05.000 mx1.example.com→mx.example.net:25 *** connection refused\n"},
    {"ConnectionTimeout",
     with(mk(EventKind::ConnectionTimeout, M, "connection timed out (no answer)"), "mx.example.net",
          25),
     "+0:00:05.000 mx1.example.com→mx.example.net:25 *** connection timed out (no answer)\n"},
    {"Submitted",
     mk(EventKind::Submitted, "mua1",
        "composed \"Hi\" from <alice@example.com> to <bob@example.net>"),
     "+0:00:05.000 === mua1: composed \"Hi\" from <alice@example.com> to <bob@example.net>\n"},
    {"Queued",
     mk(EventKind::Queued, M, "queued 4F2A01 from <a@example.com> to <bob@example.net> (312 bytes)",
        "", "4F2A01", "bob@example.net"),
     "+0:00:05.000 === mx1.example.com: queued 4F2A01 from <a@example.com> to <bob@example.net> "
     "(312 bytes)\n"},
    {"Attempt",
     mk(EventKind::Attempt, M, "connecting to mx.example.net (MX 10 of example.net)", "", "4F2A01"),
     "+0:00:05.000 === mx1.example.com: 4F2A01: connecting to mx.example.net (MX 10 of "
     "example.net)\n"},
    {"Deferred",
     mk(EventKind::Deferred, M, "deferred <bob@example.net>: connection refused", "4.4.1", "4F2A01",
        "bob@example.net", 305 * kSec),
     "+0:00:05.000 *** mx1.example.com: 4F2A01: deferred <bob@example.net>: connection refused"
     "; next try +0:05:05.000\n"},
    {"Relayed",
     mk(EventKind::Relayed, M, "relayed to mx.example.net: 250 2.0.0 Ok", "", "4F2A01",
        "bob@example.net"),
     "+0:00:05.000 === mx1.example.com: 4F2A01: relayed to mx.example.net: 250 2.0.0 Ok\n"},
    {"Delivered",
     mk(EventKind::Delivered, "mx.example.net", "delivered to mailbox bob", "", "2A0001",
        "bob@example.net"),
     "+0:00:05.000 === mx.example.net: 2A0001: delivered to mailbox bob\n"},
    {"Bounced",
     mk(EventKind::Bounced, M, "bounced <x@example.net>: smtp; 550 5.1.1 No such user", "5.1.1",
        "4F2A01", "x@example.net"),
     "+0:00:05.000 *** mx1.example.com: 4F2A01: bounced <x@example.net>: smtp; 550 5.1.1 No such "
     "user\n"},
    {"DsnSent",
     mk(EventKind::DsnSent, M, "bounce notice 4F2A02 sent to <a@example.com>", "", "4F2A01",
        "a@example.com"),
     "+0:00:05.000 === mx1.example.com: 4F2A01: bounce notice 4F2A02 sent to <a@example.com>\n"},
    {"DelayWarned",
     mk(EventKind::DelayWarned, M, "delay notice 4F2A03 sent to <a@example.com>", "", "4F2A01"),
     "+0:00:05.000 === mx1.example.com: 4F2A01: delay notice 4F2A03 sent to <a@example.com>\n"},
    {"Dropped", mk(EventKind::Dropped, M, "undeliverable bounce dropped", "", "4F2A02"),
     "+0:00:05.000 *** mx1.example.com: 4F2A02: undeliverable bounce dropped\n"},
    {"Retrieved", mk(EventKind::Retrieved, "mua2", "retrieved 1 message over POP3"),
     "+0:00:05.000 === mua2: retrieved 1 message over POP3\n"},
    {"DnsLookup", mk(EventKind::DnsLookup, M, "MX example.net: 10 mx.example.net"),
     "+0:00:05.000 === mx1.example.com: MX example.net: 10 mx.example.net\n"},
    {"HostDown", mk(EventKind::HostDown, "mx.example.net", "host is down"),
     "+0:00:05.000 *** mx.example.net: host is down\n"},
    {"HostUp", mk(EventKind::HostUp, "mx.example.net", "host is up"),
     "+0:00:05.000 === mx.example.net: host is up\n"},
    {"ServiceDown", mk(EventKind::ServiceDown, "mx.example.net", "SMTP on port 25 is down"),
     "+0:00:05.000 *** mx.example.net: SMTP on port 25 is down\n"},
    {"ServiceUp", mk(EventKind::ServiceUp, "mx.example.net", "SMTP on port 25 is up"),
     "+0:00:05.000 === mx.example.net: SMTP on port 25 is up\n"},
    {"LinkCut", mk(EventKind::LinkCut, "ns", "network link cut"),
     "+0:00:05.000 *** ns: network link cut\n"},
    {"LinkRestored", mk(EventKind::LinkRestored, "ns", "network link restored"),
     "+0:00:05.000 === ns: network link restored\n"},
    {"LatencyChanged", mk(EventKind::LatencyChanged, "mua1", "uplink latency is now 250 ms"),
     "+0:00:05.000 === mua1: uplink latency is now 250 ms\n"},
    {"DnsRecordChanged",
     mk(EventKind::DnsRecordChanged, "ns", "removed MX example.net 10 mx.example.net"),
     "+0:00:05.000 === ns: removed MX example.net 10 mx.example.net\n"},
    {"MailboxFull",
     mk(EventKind::MailboxFull, "mx.example.net", "mailbox bob is full", "", "", "bob@example.net"),
     "+0:00:05.000 *** mx.example.net: mailbox bob is full\n"},
    {"Action", mk(EventKind::Action, "", "send from mua1 to <bob@example.net>"),
     "+0:00:05.000 === send from mua1 to <bob@example.net>\n"},
    {"Note", mk(EventKind::Note, "mua1", "The MX record points to a host name.", "hint"),
     "+0:00:05.000 === The MX record points to a host name.\n"},
    {"NoteError", mk(EventKind::Note, "mua1", "sending failed: 535 5.7.8 bad credentials", "error"),
     "+0:00:05.000 *** sending failed: 535 5.7.8 bad credentials\n"},
    {"Datagram",
     with(mk(EventKind::Datagram, "ns", "DNS answer MX example.net: 10 mx.example.net"), M, 0),
     "+0:00:05.000 ns→mx1.example.com === DNS answer MX example.net: 10 mx.example.net\n"},
    {"StateChanged", mk(EventKind::StateChanged, M, "client: MAIL -> RCPT", "250"),
     "+0:00:05.000 === mx1.example.com: client: MAIL -> RCPT (250)\n"},
    // Sentences made from the fields when the source leaves text empty.
    {"GenConnectionOpened",
     with(mk(EventKind::ConnectionOpened, "mua1", ""), "msa.example.com", 587),
     "+0:00:05.000 mua1→msa.example.com:587 === connected to msa.example.com:587\n"},
    {"GenConnectionRefused",
     with(mk(EventKind::ConnectionRefused, M, "", "host down"), "mx.example.net", 25),
     "+0:00:05.000 mx1.example.com→mx.example.net:25 *** connection refused: host down\n"},
    {"GenConnectionTimeout", with(mk(EventKind::ConnectionTimeout, M, ""), "mx.example.net", 25),
     "+0:00:05.000 mx1.example.com→mx.example.net:25 *** connection timed out\n"},
    {"GenConnectionClosed", mk(EventKind::ConnectionClosed, "", "", "by server"),
     "+0:00:05.000 === connection closed (by server)\n"},
    {"GenTlsStarted", mk(EventKind::TlsStarted, "", ""), "+0:00:05.000 === TLS started\n"},
    {"GenStateChanged", mk(EventKind::StateChanged, M, ""),
     "+0:00:05.000 === mx1.example.com: state changed\n"},
    {"GenSubmitted",
     with(mk(EventKind::Submitted, "mua1", "", "", "1A0001", "bob@example.net"), "msa.example.com",
          587),
     "+0:00:05.000 === mua1: submitted 1A0001 for <bob@example.net> to msa.example.com\n"},
    {"GenQueued", mk(EventKind::Queued, M, "", "", "4F2A01", "bob@example.net"),
     "+0:00:05.000 === mx1.example.com: queued 4F2A01 for <bob@example.net>\n"},
    {"GenAttempt",
     with(mk(EventKind::Attempt, M, "", "", "4F2A01", "bob@example.net"), "mx.example.net", 25),
     "+0:00:05.000 === mx1.example.com: trying 4F2A01 to <bob@example.net> via "
     "mx.example.net:25\n"},
    {"GenDeferred",
     mk(EventKind::Deferred, M, "", "connection refused by mx.example.net:25", "4F2A01",
        "bob@example.net", 300 * kSec),
     "+0:00:05.000 *** mx1.example.com: deferred 4F2A01 to <bob@example.net>: connection refused "
     "by mx.example.net:25; next try +0:05:00.000\n"},
    {"GenRelayed",
     with(mk(EventKind::Relayed, M, "", "250 2.0.0 Ok", "4F2A01", "bob@example.net"),
          "mx.example.net", 25),
     "+0:00:05.000 === mx1.example.com: relayed 4F2A01 to <bob@example.net> via mx.example.net:25 "
     "(250 2.0.0 Ok)\n"},
    {"GenDelivered",
     mk(EventKind::Delivered, "mx.example.net", "", "", "2A0001", "bob@example.net"),
     "+0:00:05.000 === mx.example.net: delivered 2A0001 to <bob@example.net>\n"},
    {"GenBounced",
     mk(EventKind::Bounced, M, "", "550 5.1.1 no such user", "4F2A01", "x@example.net"),
     "+0:00:05.000 *** mx1.example.com: bounced 4F2A01 to <x@example.net>: 550 5.1.1 no such "
     "user\n"},
    {"GenDsnSent", mk(EventKind::DsnSent, M, "", "", "4F2A01", "a@example.com"),
     "+0:00:05.000 === mx1.example.com: sent a DSN about 4F2A01 to <a@example.com>\n"},
    {"GenDelayWarned", mk(EventKind::DelayWarned, M, "", "", "4F2A01", "a@example.com"),
     "+0:00:05.000 === mx1.example.com: sent a delay warning about 4F2A01 to <a@example.com>\n"},
    {"GenDropped", mk(EventKind::Dropped, M, "", "null sender", "4F2A02", "x@example.net"),
     "+0:00:05.000 *** mx1.example.com: dropped 4F2A02 to <x@example.net>: null sender\n"},
    {"GenRetrieved",
     with(mk(EventKind::Retrieved, "mua2", "", "", "2A0001", "bob@example.net"), "mx.example.net",
          110, "POP3"),
     "+0:00:05.000 === mua2: retrieved 2A0001 for <bob@example.net> from mx.example.net over "
     "POP3\n"},
    {"GenDnsLookup", mk(EventKind::DnsLookup, M, "", "NXDOMAIN"),
     "+0:00:05.000 === mx1.example.com: DNS lookup (NXDOMAIN)\n"},
    {"GenHostDown", mk(EventKind::HostDown, "mx.example.net", ""),
     "+0:00:05.000 *** mx.example.net: host is down\n"},
    {"GenHostUp", mk(EventKind::HostUp, "mx.example.net", ""),
     "+0:00:05.000 === mx.example.net: host is up\n"},
    {"GenServiceDown", with(mk(EventKind::ServiceDown, "mx.example.net", ""), "", 25, "SMTP"),
     "+0:00:05.000 *** mx.example.net: port 25 (SMTP) is down\n"},
    {"GenServiceUp", with(mk(EventKind::ServiceUp, "mx.example.net", ""), "", 25),
     "+0:00:05.000 === mx.example.net: port 25 is up\n"},
    {"GenLinkCut", with(mk(EventKind::LinkCut, "ns", ""), M, 0),
     "+0:00:05.000 *** ns: link to mx1.example.com is cut\n"},
    {"GenLinkRestored", mk(EventKind::LinkRestored, "ns", ""),
     "+0:00:05.000 === ns: link is restored\n"},
    {"GenLatencyChanged", mk(EventKind::LatencyChanged, "ns", ""),
     "+0:00:05.000 === ns: latency changed\n"},
    {"GenDnsRecordChanged", mk(EventKind::DnsRecordChanged, "ns", ""),
     "+0:00:05.000 === ns: DNS record changed\n"},
    {"GenMailboxFull", mk(EventKind::MailboxFull, "mx.example.net", "", "", "", "bob@example.net"),
     "+0:00:05.000 *** mx.example.net: mailbox <bob@example.net> is full\n"},
    {"GenAction", mk(EventKind::Action, "", ""), "+0:00:05.000 === script action\n"},
    {"GenFlagsChanged", mk(EventKind::FlagsChanged, "mx.example.net", "", "INBOX", "", "bob"),
     "+0:00:05.000 === mx.example.net: flags changed for bob (INBOX)\n"},
    {"GenExpunged", mk(EventKind::Expunged, "mx.example.net", "", "INBOX", "", "bob"),
     "+0:00:05.000 === mx.example.net: message removed for bob (INBOX)\n"},
    {"GenAppended", mk(EventKind::Appended, "mx.example.net", "", "Sent", "", "bob"),
     "+0:00:05.000 === mx.example.net: message saved for bob (Sent)\n"},
    {"LocalChange",
     mk(EventKind::LocalChange, "phone", "message 2 deleted on this device only", "deleted"),
     "+0:00:05.000 === phone: message 2 deleted on this device only\n"},
};

INSTANTIATE_TEST_SUITE_P(Trace, TraceTextKinds, ::testing::ValuesIn(kKinds),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TraceText, EveryKindIsCovered) {
  std::set<EventKind> covered;
  for (const auto& c : kKinds) covered.insert(c.event.kind);
  covered.insert(EventKind::Line);
  for (int k = 0; k <= static_cast<int>(EventKind::Note); ++k)
    EXPECT_TRUE(covered.count(static_cast<EventKind>(k))) << kind_name(static_cast<EventKind>(k));
}

// ---- JSON trace ---------------------------------------------------------------------------

std::vector<Event> every_field() {
  std::vector<Event> out = session();
  for (const auto& c : kKinds) {
    Event e = c.event;
    e.seq = out.size();
    out.push_back(e);
  }
  Event odd = ev(EventKind::Line, -1);  // negative time, every field set, awkward text
  odd.seq = out.size();
  odd.host = "h";
  odd.peer = "p";
  odd.conn = 18446744073709551615ull;
  odd.port = 65535;
  odd.proto = "IMAP";
  odd.outbound = true;
  odd.tls = true;
  odd.code = 999;
  odd.text = std::string("quote\" back\\slash nul") + '\0' + " tab\t é→";
  odd.detail = "d";
  odd.message_id = "m";
  odd.address = "a@b";
  odd.next_retry = 0;
  out.push_back(odd);
  return out;
}

TEST(TraceJson, RoundTripKeepsEveryField) {
  const auto events = every_field();
  const TraceHeader h{"relay-basic", 42};
  const std::string text = write_json_trace(h, events);
  auto r = read_json_trace(text);
  ASSERT_TRUE(std::holds_alternative<TraceFile>(r)) << std::get<TraceReadError>(r).message;
  const auto& f = std::get<TraceFile>(r);
  EXPECT_EQ(f.header, h);
  ASSERT_EQ(f.events.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    // The unredacted sensitive line is the one deliberate difference.
    if (events[i].sensitive && events[i].text.find("[redacted]") == std::string::npos) {
      EXPECT_EQ(f.events[i].text, "[redacted]");
      continue;
    }
    EXPECT_TRUE(same(f.events[i], events[i])) << "event " << i;
  }
  // Writing what was read gives the same bytes.
  EXPECT_EQ(write_json_trace(f.header, f.events), text);
}

TEST(TraceJson, ByteIdenticalAndCompact) {
  std::vector<Event> events;
  Event a = ev(EventKind::Queued, 1500);
  a.host = "mx1.example.com";
  a.message_id = "4F2A01";
  a.address = "bob@example.net";
  a.text = "queued";
  events.push_back(a);
  Event b = ev(EventKind::Deferred, 2000);
  b.seq = 1;
  b.host = "mx1.example.com";
  b.next_retry = 302000;
  events.push_back(b);
  const std::string expected =
      "{\"format\":\"smtpsim-trace\",\"version\":1,\"scenario\":\"s\",\"seed\":7,\"events\":[\n"
      "{\"seq\":0,\"time\":1500,\"kind\":\"queued\",\"host\":\"mx1.example.com\","
      "\"text\":\"queued\",\"message_id\":\"4F2A01\",\"address\":\"bob@example.net\"},\n"
      "{\"seq\":1,\"time\":2000,\"kind\":\"deferred\",\"host\":\"mx1.example.com\","
      "\"next_retry\":302000}\n"
      "]}\n";
  EXPECT_EQ(write_json_trace({"s", 7}, events), expected);
  EXPECT_EQ(write_json_trace({"s", 7}, events), expected);
}

TEST(TraceJson, EmptyTraceAndStreamingWriter) {
  EXPECT_EQ(write_json_trace({"s", 1}, {}),
            "{\"format\":\"smtpsim-trace\",\"version\":1,\"scenario\":\"s\",\"seed\":1,"
            "\"events\":[\n\n]}\n");
  auto r = read_json_trace(write_json_trace({"s", 1}, {}));
  ASSERT_TRUE(std::holds_alternative<TraceFile>(r));
  EXPECT_TRUE(std::get<TraceFile>(r).events.empty());

  const auto events = session();
  JsonWriter w({"s", 1});
  std::string streamed = w.header();
  for (const auto& e : events) streamed += w.render(e);
  streamed += w.footer();
  EXPECT_EQ(streamed, write_json_trace({"s", 1}, events));
}

TEST(TraceJson, InvalidUtf8IsReplacedNotFatal) {
  Event e = ev(EventKind::Line);
  e.text = "caf\xe9";  // Latin-1, not UTF-8
  const auto j = event_to_json(e);
  EXPECT_EQ(j, "{\"seq\":0,\"time\":0,\"kind\":\"line\",\"text\":\"caf\xef\xbf\xbd\"}");
}

TEST(TraceJson, RecorderStreamRoundTrips) {
  Recorder r;
  for (const auto& e : session()) r.record(e);
  auto back = read_json_trace(write_json_trace({"x", 3}, r.events()));
  ASSERT_TRUE(std::holds_alternative<TraceFile>(back));
  EXPECT_EQ(render_text(std::get<TraceFile>(back).events), render_text(r.events()));
}

struct ReadCase {
  const char* name;
  const char* text;
  const char* message;
};

void PrintTo(const ReadCase& c, std::ostream* os) {
  *os << c.name;
}

class TraceJsonErrors : public ::testing::TestWithParam<ReadCase> {};

TEST_P(TraceJsonErrors, ExactMessage) {
  auto r = read_json_trace(GetParam().text, "run.json");
  ASSERT_TRUE(std::holds_alternative<TraceReadError>(r));
  EXPECT_EQ(std::get<TraceReadError>(r).message, GetParam().message);
}

#define HEAD \
  "{\"format\":\"smtpsim-trace\",\"version\":1,\"scenario\":\"s\",\"seed\":1,\"events\":["

const ReadCase kReadCases[] = {
    {"Syntax", HEAD "\n{\"seq\":0,}]}",
     "run.json: line 2, column 10: invalid JSON (syntax error while parsing object key - "
     "unexpected '}'; expected string literal)"},
    {"NumberOverflow", HEAD "{\"seq\":0,\"time\":1e999,\"kind\":\"note\"}]}",
     "run.json: line 1, column 93: invalid JSON (number overflow parsing '1e999')"},
    {"NotObject", "[]", "run.json: (top level): expected a trace object, found an array"},
    {"WrongFormat", "{\"format\":\"other\"}",
     "run.json: /format: expected \"smtpsim-trace\" (not a smtpsim trace)"},
    {"MissingFormat", "{\"version\":1,\"events\":[]}",
     "run.json: (top level): missing required field \"format\" (not a smtpsim trace)"},
    {"FutureVersion", "{\"format\":\"smtpsim-trace\",\"version\":2,\"events\":[]}",
     "run.json: /version: unsupported version 2 (this build reads version 1)"},
    {"MissingVersion", "{\"format\":\"smtpsim-trace\",\"events\":[]}",
     "run.json: (top level): missing required field \"version\""},
    {"MissingEvents", "{\"format\":\"smtpsim-trace\",\"version\":1}",
     "run.json: (top level): missing required field \"events\""},
    {"UnknownTopField", "{\"format\":\"smtpsim-trace\",\"extra\":1}",
     "run.json: /extra: unknown field"},
    {"SeedNegative", "{\"format\":\"smtpsim-trace\",\"seed\":-1}",
     "run.json: /seed: expected a non-negative integer"},
    {"EventsNotArray", "{\"format\":\"smtpsim-trace\",\"version\":1,\"events\":{}}",
     "run.json: /events: expected an array of events, found an object"},
    {"EventNotObject", HEAD "1]}", "run.json: /events/0: expected an event object, found a number"},
    {"SeqOutOfOrder", HEAD "{\"seq\":1,\"time\":0,\"kind\":\"note\"}]}",
     "run.json: /events/0/seq: expected 0 (events are numbered in order)"},
    {"MissingSeq", HEAD "{\"time\":0,\"kind\":\"note\"}]}",
     "run.json: /events/0: missing required field \"seq\""},
    {"MissingTime", HEAD "{\"seq\":0,\"kind\":\"note\"}]}",
     "run.json: /events/0: missing required field \"time\""},
    {"MissingKind", HEAD "{\"seq\":0,\"time\":0}]}",
     "run.json: /events/0: missing required field \"kind\""},
    {"UnknownKind", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"exploded\"}]}",
     "run.json: /events/0/kind: unknown event kind \"exploded\""},
    {"TimeNotInteger", HEAD "{\"seq\":0,\"time\":1.5,\"kind\":\"note\"}]}",
     "run.json: /events/0/time: expected an integer from -9223372036854775808 to "
     "9223372036854775807"},
    {"PortRange", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"note\",\"port\":70000}]}",
     "run.json: /events/0/port: expected an integer from 0 to 65535"},
    {"BoolField", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"line\",\"tls\":1}]}",
     "run.json: /events/0/tls: expected true or false, found a number"},
    {"StringField", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"line\",\"text\":null}]}",
     "run.json: /events/0/text: expected a string, found null"},
    {"NextRetryRange", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"deferred\",\"next_retry\":-2}]}",
     "run.json: /events/0/next_retry: expected an integer from -1 to 9223372036854775807"},
    {"UnknownEventField", HEAD "{\"seq\":0,\"time\":0,\"kind\":\"note\",\"colour\":\"red\"}]}",
     "run.json: /events/0/colour: unknown event field"},
    {"SecondEventBad",
     HEAD "{\"seq\":0,\"time\":0,\"kind\":\"note\"},\n{\"seq\":1,\"time\":0,\"kind\":\"note\","
          "\"code\":\"250\"}]}",
     "run.json: /events/1/code: expected an integer from 0 to 999"},
};

INSTANTIATE_TEST_SUITE_P(Trace, TraceJsonErrors, ::testing::ValuesIn(kReadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TraceJson, TextPositionCountsCharacters) {
  EXPECT_EQ(text_position("ab\ncd", 5).line, 2u);
  EXPECT_EQ(text_position("ab\ncd", 5).column, 2u);
  EXPECT_EQ(text_position("é", 3).column, 2u);
  EXPECT_EQ(text_position("", 0).column, 1u);
  EXPECT_EQ(json_pointer_escape("a/b~c"), "a~1b~0c");
}

}  // namespace
