// Headless tests of the inspector (issue 5): the state diagram is the machine's table, the
// lit state is what the trace's StateChanged events say, queue rows after deferrals, message
// parsing (envelope vs header, Received: chain order, DSN parts), and clicks that select.
#include <gtest/gtest.h>
#include <imgui.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "gui/app_window.hpp"
#include "gui/inspector.hpp"
#include "gui/message_model.hpp"
#include "gui/queue_model.hpp"
#include "gui/selection.hpp"
#include "gui/state_diagram.hpp"
#include "gui/theme.hpp"
#include "gui/view.hpp"
#include "sim/proto/mail/dsn.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/load.hpp"
#include "tests/gui/headless_imgui.hpp"

namespace smtpsim::gui {
namespace {

using trace::Event;
using trace::EventKind;

scenario::Spec load(const std::string& name) {
  auto r = scenario::load_scenario(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/scenarios/" + name +
                                   ".json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) ADD_FAILURE() << e->message;
  return std::get<scenario::Spec>(r);
}

// The whole run of a scenario.
std::unique_ptr<View> run(const std::string& name) {
  auto v = std::make_unique<View>(load(name));
  while (!v->finished()) v->pump(10000);
  v->seek(v->events().size());
  return v;
}

class InspectorHeadless : public HeadlessImGui {};

// ---- state diagram --------------------------------------------------------------------------

TEST(GuiStateDiagram, BoxesAndArrowsAreExactlyTheMachineTable) {
  ASSERT_EQ(all_machines().size(), 6u);
  for (const proto::MachineSpec* spec : all_machines()) {
    SCOPED_TRACE(std::string(spec->name));
    const Diagram d = build_diagram(*spec);
    // One box per state.
    ASSERT_EQ(d.nodes.size(), spec->states.size());
    std::set<int> ids;
    for (const auto& n : d.nodes) {
      ids.insert(n.state);
      EXPECT_GE(n.layer, 0);
      EXPECT_LT(n.layer, d.layers);
      EXPECT_GT(n.x, 0.f);
      EXPECT_LT(n.x, 1.f);
      EXPECT_GT(n.y, 0.f);
      EXPECT_LT(n.y, 1.f);
    }
    EXPECT_EQ(ids.size(), spec->states.size());
    for (const auto& s : spec->states) EXPECT_TRUE(ids.count(s.id)) << s.name;
    // The arrows' triggers, unmerged, are the table's rules; one arrow per pair of states.
    std::multiset<std::tuple<int, int, std::string_view>> table, drawn;
    for (const auto& t : spec->transitions) table.insert({t.from, t.to, t.trigger});
    std::set<std::pair<int, int>> pairs;
    for (const auto& e : d.edges) {
      EXPECT_TRUE(pairs.insert({e.from, e.to}).second) << "two arrows for one pair";
      for (auto t : e.triggers) drawn.insert({e.from, e.to, t});
    }
    EXPECT_EQ(drawn, table);
    // The initial state is alone on the top row; nodes in one row sit in distinct slots.
    EXPECT_EQ(d.node(spec->states.front().id)->layer, 0);
    std::set<std::pair<int, int>> slots;
    for (const auto& n : d.nodes) {
      if (n.state != spec->states.front().id) {
        EXPECT_GT(n.layer, 0);
      }
      EXPECT_TRUE(slots.insert({n.layer, n.slot}).second);
    }
  }
  // SMTP client: CLOSED is the bottom row, QUIT (only ever leads to CLOSED) just above it.
  const proto::MachineSpec* client = machine_by_name("SMTP client");
  ASSERT_NE(client, nullptr);
  const Diagram d = build_diagram(*client);
  int closed = -1, quit = -1, mail = -1;
  for (const auto& s : client->states) {
    if (s.name == "CLOSED") closed = s.id;
    if (s.name == "QUIT") quit = s.id;
    if (s.name == "MAIL") mail = s.id;
  }
  EXPECT_EQ(d.node(closed)->layer, d.layers - 1);
  EXPECT_EQ(d.node(quit)->layer, d.layers - 2);
  EXPECT_TRUE(d.node(closed)->sink);
  EXPECT_FALSE(d.node(mail)->sink);
  EXPECT_EQ(machine_for("SMTP", true), client);
  EXPECT_EQ(machine_for("IMAP", false), machine_by_name("IMAP server"));
  EXPECT_EQ(machine_for("HTTP", true), nullptr);
}

TEST_F(InspectorHeadless, DiagramBoxesFitTheAreaAndNeverOverlap) {
  for (const proto::MachineSpec* spec : all_machines()) {
    SCOPED_TRACE(std::string(spec->name));
    const Diagram d = build_diagram(*spec);
    MachineMoment m;
    m.spec = spec;
    m.current = spec->transitions[0].to;
    m.last_from = spec->transitions[0].from;
    m.last_to = spec->transitions[0].to;
    m.trigger = std::string(spec->transitions[0].trigger);
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(700, 500));
    ImGui::Begin("diagram");
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const DiagramPicture pic = draw_diagram(d, m, ImVec2(640, 420));
    ImGui::End();
    ImGui::Render();
    ASSERT_EQ(pic.boxes.size(), spec->states.size());
    for (std::size_t i = 0; i < pic.boxes.size(); ++i) {
      const auto& b = pic.boxes[i];
      EXPECT_GE(b.min.x, origin.x);
      EXPECT_GE(b.min.y, origin.y);
      EXPECT_LE(b.max.x, origin.x + 640);
      EXPECT_LE(b.max.y, origin.y + 420);
      EXPECT_GT(b.max.x - b.min.x, 40.f) << "too small to read";
      for (std::size_t j = i + 1; j < pic.boxes.size(); ++j) {
        const auto& o = pic.boxes[j];
        EXPECT_FALSE(b.min.x < o.max.x && o.min.x < b.max.x && b.min.y < o.max.y &&
                     o.min.y < b.max.y)
            << spec->state(b.state).name << " overlaps " << spec->state(o.state).name;
      }
    }
  }
}

TEST(GuiStateDiagram, CurrentStateAfterNEventsIsWhatStateChangedSays) {
  for (const char* name : {"unknown-user-bounce", "pop3-vs-imap"}) {
    SCOPED_TRACE(name);
    const auto owner1 = run(name);
    View& v = *owner1;
    const auto& ev = v.events();
    // An independent fold: (conn, host) -> the last "TO" name, and the connection's sides.
    std::map<std::pair<std::uint64_t, std::string>, std::string> last;
    std::map<std::uint64_t, std::pair<std::string, std::string>> sides;
    std::map<std::uint64_t, std::string> protos;
    std::size_t checked = 0;
    for (std::size_t n = 0; n <= ev.size(); ++n) {
      for (const auto& [conn, side] : sides) {
        for (const std::string& host : {side.first, side.second}) {
          const bool client = host == side.first;
          const MachineMoment m = machine_at(ev, n, conn, host, machine_for(protos[conn], client));
          ASSERT_NE(m.spec, nullptr);
          auto it = last.find({conn, host});
          const std::string want =
              it == last.end() ? std::string(m.spec->states.front().name) : it->second;
          ASSERT_GE(m.current, 0);
          EXPECT_EQ(m.spec->state(m.current).name, want)
              << "conn " << conn << " " << host << " after " << n << " events";
          ++checked;
        }
      }
      if (n == ev.size()) break;
      const Event& e = ev[n];
      if (e.kind == EventKind::ConnectionOpened && e.conn != 0) {
        sides[e.conn] = {e.host, e.peer};
        protos[e.conn] = e.proto;
      }
      if (e.kind == EventKind::StateChanged) {
        std::string_view machine, from, to;
        ASSERT_TRUE(parse_state_change(e.text, machine, from, to)) << e.text;
        last[{e.conn, e.host}] = std::string(to);
        // Right after it, the transition is the highlighted one with its trigger.
        const auto& side = sides[e.conn];
        const MachineMoment m =
            machine_at(ev, n + 1, e.conn, e.host, machine_for(e.proto, e.host == side.first));
        ASSERT_GE(m.last_from, 0);
        EXPECT_EQ(m.spec->state(m.last_from).name, from);
        EXPECT_EQ(m.spec->state(m.last_to).name, to);
        EXPECT_EQ(m.trigger, e.detail);
        EXPECT_EQ(m.event, n);
        EXPECT_TRUE(m.spec->allows(m.last_from, m.last_to, m.trigger)) << e.text;
      }
    }
    EXPECT_GT(checked, 100u);
  }
  // Before the connection exists there is no state.
  const auto owner2 = run("same-domain");
  View& v = *owner2;
  const MachineMoment none =
      machine_at(v.events(), 0, 1, "alice-laptop", machine_for("SMTP", true));
  EXPECT_EQ(none.current, -1);
}

// ---- queue ---------------------------------------------------------------------------------

TEST(GuiQueue, RowsAfterADeferralShowAttemptsNextRetryAndTheError) {
  const auto owner3 = run("server-down-retry");
  View& v = *owner3;
  const auto& ev = v.events();
  std::vector<std::size_t> deferred;
  for (std::size_t i = 0; i < ev.size(); ++i)
    if (ev[i].kind == EventKind::Deferred) deferred.push_back(i);
  ASSERT_GE(deferred.size(), 2u);
  const std::string host = ev[deferred[0]].host;
  for (std::size_t k = 0; k < deferred.size(); ++k) {
    const Event& d = ev[deferred[k]];
    const auto rows = queue_rows(ev, deferred[k] + 1, host);
    ASSERT_EQ(rows.size(), 1u);
    const QueueRow& r = rows[0];
    EXPECT_EQ(r.id, d.message_id);
    EXPECT_EQ(r.sender, "alice@example.com");
    EXPECT_EQ(r.pending, std::vector<std::string>{"carol@example.net"});
    EXPECT_EQ(r.attempts, static_cast<int>(k + 1));
    EXPECT_EQ(r.deferrals, static_cast<int>(k + 1));
    EXPECT_EQ(r.next_retry, d.next_retry);
    EXPECT_GT(r.next_retry, d.time);
    EXPECT_FALSE(r.trying);
    EXPECT_NE(r.last_error.find("connection refused"), std::string::npos) << r.last_error;
  }
  // The row agrees with the WorldView's queue at every step, and is gone once relayed.
  for (std::size_t n = 0; n <= ev.size(); n += 7) {
    v.seek(n);
    const auto rows = queue_rows(ev, n, host);
    const auto& q = v.world().queues;
    auto it = q.find(host);
    ASSERT_EQ(rows.size(), it == q.end() ? 0u : it->second.size()) << n;
    for (const auto& r : rows) {
      const auto& pending = it->second.at(r.id);
      EXPECT_EQ(std::set<std::string>(r.pending.begin(), r.pending.end()), pending);
    }
  }
  EXPECT_TRUE(queue_rows(ev, ev.size(), host).empty());
  EXPECT_EQ(queued_sender("queued 200002 from <> to <alice@example.com> (2770 bytes)"), "");
}

// ---- messages ------------------------------------------------------------------------------

// A hand-made trace: one SMTP connection carrying a message that already crossed two servers
// (two Received: fields) and whose envelope recipient is not in its To: (a Bcc).
std::vector<Event> crafted_relay() {
  std::vector<Event> ev;
  auto add = [&](Event e) {
    e.seq = ev.size();
    e.time = static_cast<std::int64_t>(ev.size()) * 1000;
    ev.push_back(std::move(e));
  };
  const std::string c = "mx1.example.org", s = "mx.example.net";
  add({.kind = EventKind::ConnectionOpened,
       .host = c,
       .peer = s,
       .conn = 7,
       .port = 25,
       .proto = "SMTP"});
  auto line = [&](const std::string& from, const std::string& text, int code = 0) {
    add({.kind = EventKind::Line,
         .host = from,
         .peer = from == c ? s : c,
         .conn = 7,
         .port = 25,
         .proto = "SMTP",
         .outbound = true,
         .code = code,
         .text = text});
  };
  line(s, "220 mx.example.net ESMTP", 220);
  line(c, "EHLO mx1.example.org");
  line(s, "250-mx.example.net", 250);
  line(s, "250 PIPELINING", 250);
  line(c, "MAIL FROM:<ann@example.org>");
  line(c, "RCPT TO:<nobody@example.net>");
  line(c, "RCPT TO:<bob@example.net>");
  line(c, "DATA");
  line(s, "250 2.1.0 Ok", 250);
  line(s, "550 5.1.1 no such user", 550);
  line(s, "250 2.1.5 Ok", 250);
  line(s, "354 go ahead", 354);
  line(c, "Received: from relay.example.org (relay.example.org [192.0.2.7])");
  line(c, "\tby mx1.example.org (smtpsim) with ESMTPS id 300007");
  line(c, "\tfor <bob@example.net>; Tue, 06 May 2025 12:00:02 +0000");
  line(c, "Received: from ann-pc ([192.0.2.9]) by relay.example.org with ESMTPSA id 100001;");
  line(c, " Tue, 06 May 2025 12:00:01 +0000");
  line(c, "From: Ann <ann@example.org>");
  line(c, "To: team@example.org");
  line(c, "Subject: =?UTF-8?B?SGVsbG8gd29ybGQ=?=");
  line(c, "");
  line(c, "..a line that starts with a dot");
  line(c, "bye");
  line(c, ".");
  add({.kind = EventKind::Queued,
       .host = s,
       .text = "queued 500001 from <ann@example.org> to <bob@example.net> (300 bytes)",
       .detail = "bob@example.net",
       .message_id = "500001",
       .address = "bob@example.net"});
  line(s, "250 2.0.0 Ok: queued as 500001", 250);
  add({.kind = EventKind::Relayed,
       .host = c,
       .text = "relayed to mx.example.net: 250 2.0.0 Ok: "
               "queued as 500001",
       .message_id = "300007",
       .address = "bob@example.net"});
  return ev;
}

TEST(GuiMessage, EnvelopeAsOnTheWireBesideTheHeaderFields) {
  const auto ev = crafted_relay();
  const MessageInfo m = inspect_message(ev, ev.size(), "500001");
  ASSERT_TRUE(m.found);
  EXPECT_EQ(m.host, "mx.example.net");
  ASSERT_TRUE(m.wire);
  EXPECT_EQ(m.wire->conn, 7u);
  EXPECT_EQ(m.wire->client, "mx1.example.org");
  EXPECT_EQ(m.wire->mail_from.command, "MAIL FROM:<ann@example.org>");
  EXPECT_EQ(m.wire->mail_from.code, 250);
  ASSERT_EQ(m.wire->rcpt_to.size(), 2u);  // pipelined: replies pair up in order
  EXPECT_EQ(m.wire->rcpt_to[0].command, "RCPT TO:<nobody@example.net>");
  EXPECT_EQ(m.wire->rcpt_to[0].code, 550);
  EXPECT_EQ(m.wire->rcpt_to[1].command, "RCPT TO:<bob@example.net>");
  EXPECT_EQ(m.wire->rcpt_to[1].code, 250);
  // The header says something else than the envelope: To is a list, bob was a Bcc.
  EXPECT_EQ(m.parsed.get("To").value_or(""), "team@example.org");
  EXPECT_EQ(m.subject, "Hello world");  // RFC 2047 decoded
  // Dot-unstuffed body (RFC 5321 §4.5.2).
  EXPECT_EQ(m.parsed.body, ".a line that starts with a dot\r\nbye\r\n");
  EXPECT_EQ(m.previous_id, "300007");
  EXPECT_TRUE(m.next_ids.empty());
}

TEST(GuiMessage, ReceivedChainIsInMessageOrderNewestFirst) {
  const auto ev = crafted_relay();
  const MessageInfo m = inspect_message(ev, ev.size(), "500001");
  ASSERT_EQ(m.received.size(), 2u);
  // Top field: the latest hop (mx1 got it from the relay); bottom: the first hop.
  EXPECT_EQ(m.received[0].by, "mx1.example.org (smtpsim)");
  EXPECT_EQ(m.received[0].from, "relay.example.org (relay.example.org [192.0.2.7])");
  EXPECT_EQ(m.received[0].with, "ESMTPS");
  EXPECT_EQ(m.received[0].id, "300007");
  EXPECT_EQ(m.received[0].for_address, "bob@example.net");
  EXPECT_EQ(m.received[0].date, "Tue, 06 May 2025 12:00:02 +0000");
  EXPECT_EQ(m.received[1].from, "ann-pc ([192.0.2.9])");
  EXPECT_EQ(m.received[1].by, "relay.example.org");
  EXPECT_EQ(m.received[1].id, "100001");
  EXPECT_EQ(m.received[1].date, "Tue, 06 May 2025 12:00:01 +0000");
  // A comment holding a keyword is not a clause.
  EXPECT_EQ(parse_received("from a (by night) by b; date").by, "b");
}

TEST(GuiMessage, RelayedMessageLinksItsHopsInTheSimulation) {
  const auto owner4 = run("cross-domain-relay");
  View& v = *owner4;
  const auto& ev = v.events();
  const MessageInfo first = inspect_message(ev, ev.size(), "200001");
  ASSERT_TRUE(first.found);
  ASSERT_TRUE(first.wire);
  EXPECT_EQ(first.wire->client, "alice-laptop");
  EXPECT_EQ(first.wire->port, 587);
  EXPECT_EQ(first.wire->mail_from.command.rfind("MAIL FROM:<alice@example.com>", 0), 0u);
  ASSERT_EQ(first.wire->rcpt_to.size(), 1u);
  EXPECT_EQ(first.wire->rcpt_to[0].command, "RCPT TO:<carol@example.net>");
  EXPECT_EQ(first.subject, "Hello from example.com");
  EXPECT_TRUE(first.received.empty());  // the MSA's copy has not been passed on yet
  EXPECT_EQ(first.next_ids, std::vector<std::string>{"400001"});
  const MessageInfo second = inspect_message(ev, ev.size(), "400001");
  ASSERT_TRUE(second.found);
  EXPECT_EQ(second.previous_id, "200001");
  EXPECT_EQ(second.mailboxes, std::vector<std::string>{"mx.example.net/carol"});
  EXPECT_TRUE(first.mailboxes.empty());
  ASSERT_EQ(second.received.size(), 1u);
  EXPECT_EQ(second.received[0].from, "alice-laptop ([192.0.2.10])");
  EXPECT_EQ(second.received[0].by, "mail.example.com (smtpsim)");
  EXPECT_EQ(second.received[0].id, "200001");
  // Before it was queued, the message is not there.
  std::size_t queued = 0;
  while (!(ev[queued].kind == EventKind::Queued && ev[queued].message_id == "400001")) ++queued;
  EXPECT_FALSE(inspect_message(ev, queued, "400001").found);
  EXPECT_TRUE(inspect_message(ev, queued + 1, "400001").found);
}

TEST(GuiMessage, BounceShowsTheDsnPartsFromTheTrace) {
  const auto owner5 = run("unknown-user-bounce");
  View& v = *owner5;
  const auto& ev = v.events();
  const MessageInfo original = inspect_message(ev, ev.size(), "200001");
  ASSERT_EQ(original.dsn_ids, std::vector<std::string>{"200002"});
  const MessageInfo dsn = inspect_message(ev, ev.size(), "200002");
  ASSERT_TRUE(dsn.found);
  EXPECT_EQ(dsn.sender, "");  // from <>: a bounce is never bounced
  EXPECT_FALSE(dsn.wire);     // the MTA wrote it and delivered it locally: no wire
  EXPECT_FALSE(dsn.have_content);
  EXPECT_EQ(dsn.dsn_about, "200001");
  EXPECT_EQ(dsn.dsn_kind, "failed");
  ASSERT_EQ(dsn.dsn_facts.size(), 1u);
  EXPECT_EQ(dsn.dsn_facts[0].recipient, "dave@example.net");
  EXPECT_EQ(dsn.dsn_facts[0].action, "failed");
  EXPECT_EQ(dsn.dsn_facts[0].status, "5.1.1");
  EXPECT_EQ(dsn.dsn_facts[0].diagnostic.rfind("smtp; 550 5.1.1", 0), 0u);
  // Part 3: the original's header fields.
  bool subject = false;
  for (const auto& h : dsn.original_headers)
    subject |= h.name == "Subject" && h.value == "Hello Dave?";
  EXPECT_TRUE(subject);
}

TEST(GuiMessage, ADsnThatCrossedAWireIsParsedIntoItsParts) {
  // The DSN as the MTA builds it, carried by an SMTP session (dot-stuffed like a real one).
  mail::DsnInput in;
  in.reporting_mta = "mail.example.com";
  in.original_envelope_sender = "alice@example.com";
  in.arrival_date = 1746534200;
  in.dsn_date = 1746534260;
  in.message_id_of_dsn = "200002@mail.example.com";
  in.original_message = "From: alice@example.com\r\nSubject: Hi\r\n\r\nbody\r\n";
  in.recipients.push_back({.final_recipient = "dave@example.net",
                           .status = "5.1.1",
                           .remote_mta = "mx.example.net",
                           .diagnostic_code = "smtp; 550 5.1.1 unknown"});
  const std::string dsn = mail::build_dsn(in);
  std::vector<Event> ev;
  auto add = [&](Event e) {
    e.seq = ev.size();
    ev.push_back(std::move(e));
  };
  const std::string c = "mail.example.com", s = "mx.example.com";
  add({.kind = EventKind::ConnectionOpened, .host = c, .peer = s, .conn = 3, .port = 25});
  auto line = [&](const std::string& from, const std::string& text, int code = 0) {
    add({.kind = EventKind::Line,
         .host = from,
         .peer = from == c ? s : c,
         .conn = 3,
         .port = 25,
         .proto = "SMTP",
         .outbound = true,
         .code = code,
         .text = text});
  };
  line(c, "MAIL FROM:<>");
  line(s, "250 ok", 250);
  line(c, "RCPT TO:<alice@example.com>");
  line(s, "250 ok", 250);
  line(c, "DATA");
  line(s, "354 go", 354);
  std::size_t start = 0;
  while (start < dsn.size()) {
    const auto end = dsn.find("\r\n", start);
    std::string l = dsn.substr(start, end - start);
    line(c, !l.empty() && l[0] == '.' ? "." + l : l);
    start = end + 2;
  }
  line(c, ".");
  add({.kind = EventKind::Queued,
       .host = s,
       .text = "queued 600001 from <> to <alice@example.com> (1 bytes)",
       .detail = "alice@example.com",
       .message_id = "600001"});
  line(s, "250 2.0.0 Ok: queued as 600001", 250);
  const MessageInfo m = inspect_message(ev, ev.size(), "600001");
  ASSERT_TRUE(m.have_content);
  ASSERT_TRUE(m.dsn) << m.wire->content;
  EXPECT_EQ(m.dsn->reporting_mta, "mail.example.com");
  ASSERT_EQ(m.dsn_facts.size(), 1u);
  EXPECT_EQ(m.dsn_facts[0].recipient, "dave@example.net");
  EXPECT_EQ(m.dsn_facts[0].status, "5.1.1");
  EXPECT_EQ(m.dsn_facts[0].remote_mta, "mx.example.net");
  EXPECT_EQ(m.dsn_kind, "failed");
  ASSERT_FALSE(m.original_headers.empty());
  EXPECT_EQ(m.original_headers[1].value, "Hi");
  EXPECT_NE(m.dsn->human_text.find("dave@example.net"), std::string::npos);
}

// ---- selection and clicks -------------------------------------------------------------------

TEST(GuiSelection, ParsesAndWritesTheScreenshotSyntax) {
  for (const char* text : {"host:mail.example.com", "conn:12", "queue:mx.example.net",
                           "mailbox:mx.example.net/carol", "message:200001", "none"}) {
    auto s = Selection::parse(text);
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->to_string(), text);
  }
  EXPECT_EQ(Selection::parse("mailbox:mx.example.net/carol")->mailbox_user(), "carol");
  EXPECT_EQ(Selection::parse("mailbox:mx.example.net/carol")->mailbox_host(), "mx.example.net");
  for (const char* bad :
       {"", "host:", "conn:x", "conn:0", "conn:1x", "mailbox:nouser", "mailbox:/u", "folder:x"})
    EXPECT_FALSE(Selection::parse(bad)) << bad;
}

TEST_F(InspectorHeadless, ClickingAHostOrATranscriptLineSelectsIt) {
  const auto owner6 = run("unknown-user-bounce");
  View& v = *owner6;
  v.seek(60);
  Panels p;
  ImGuiIO& io = ImGui::GetIO();
  auto frame = [&] {
    ImGui::NewFrame();
    draw_frame(v, p);
    ImGui::Render();
  };
  auto click = [&](ImVec2 at) {
    io.MousePos = ImVec2(at.x, at.y);
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
  };
  frame();
  ASSERT_FALSE(p.canvas.boxes().empty());
  for (const auto& b : p.canvas.boxes()) {
    click(ImVec2((b.min.x + b.max.x) / 2, (b.min.y + b.max.y) / 2));
    EXPECT_EQ(p.inspector.selection(), Selection::host(b.name));
  }
  // A drag moves the host and selects nothing new.
  p.inspector.clear();
  frame();
  const ScreenBox b = p.canvas.boxes().front();
  io.MousePos = ImVec2(b.min.x + 20, b.min.y + 20);
  frame();
  io.MouseDown[0] = true;
  frame();
  for (int k = 1; k <= 5; ++k) {
    io.MousePos = ImVec2(b.min.x + 20 + 10.f * k, b.min.y + 20);
    frame();
  }
  io.MouseDown[0] = false;
  frame();
  EXPECT_TRUE(p.inspector.selection().empty());

  // A transcript line: scan down the right-hand column until a click lands on one; it seeks
  // to just after that event and selects the event's connection (or message, or host).
  p.inspector.clear();
  bool hit = false;
  for (float y = 60; y < 400 && !hit; y += 6) {
    const std::size_t before = v.cursor();
    click(ImVec2(1300, y));
    if (v.cursor() != before || !p.inspector.selection().empty()) {
      hit = true;
      ASSERT_GT(v.cursor(), 0u);
      EXPECT_EQ(p.inspector.selection(), Selection::for_event(v.events()[v.cursor() - 1]));
    }
  }
  EXPECT_TRUE(hit);
  EXPECT_FALSE(p.inspector.selection().empty());
}

TEST_F(InspectorHeadless, EveryViewDrawsAndLinksGoBack) {
  const auto owner7 = run("unknown-user-bounce");
  View& v = *owner7;
  Inspector in;
  auto frame = [&] {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(700, 800));
    ImGui::Begin("inspector");
    in.draw(v);
    ImGui::End();
    ImGui::Render();
  };
  const std::vector<Selection> all = {Selection{},
                                      Selection::host("mail.example.com"),
                                      Selection::host("no-such-host"),
                                      Selection::connection(1),
                                      Selection::connection(2),
                                      Selection::connection(999),
                                      Selection::queue("mail.example.com"),
                                      Selection::mailbox("mail.example.com", "alice"),
                                      Selection::message("200001"),
                                      Selection::message("200002"),
                                      Selection::message("nope")};
  for (std::size_t n : {std::size_t{0}, std::size_t{60}, v.events().size()}) {
    v.seek(n);
    for (const auto& s : all) {
      in.select(s);
      frame();
    }
  }
  // The connection view lit the client's state at the end: CLOSED, after "221 closing".
  in.select(Selection::connection(1));
  in.show_client_side(true);
  frame();
  ASSERT_NE(in.last_moment().spec, nullptr);
  EXPECT_EQ(in.last_moment().spec->name, "SMTP client");
  EXPECT_EQ(in.last_moment().spec->state(in.last_moment().current).name, "CLOSED");
  EXPECT_EQ(in.last_picture().boxes.size(), in.last_moment().spec->states.size());
  in.show_client_side(false);
  frame();
  EXPECT_EQ(in.last_moment().spec->name, "SMTP server");
  // The canvas highlights the hosts the selection is about.
  EXPECT_EQ(in.hosts(v), (std::vector<std::string>{"alice-laptop", "mail.example.com"}));
  in.select(Selection::message("200002"));
  EXPECT_EQ(in.hosts(v), std::vector<std::string>{"mail.example.com"});
  in.select(Selection::mailbox("mail.example.com", "alice"));
  EXPECT_EQ(in.hosts(v), std::vector<std::string>{"mail.example.com"});
  // Back walks the history.
  in.select(Selection::host("mail.example.com"));
  in.select(Selection::queue("mail.example.com"));
  EXPECT_TRUE(in.back());
  EXPECT_EQ(in.selection(), Selection::host("mail.example.com"));
}

TEST_F(InspectorHeadless, AHandTypedSideShowsNoMachine) {
  // Lesson 04: a person types SMTP to the MTA ("telnet"); only the server runs a machine.
  auto r = scenario::load_lesson(std::string(SMTPSIM_SOURCE_DIR) + "/lessons/04-reply-codes.json");
  if (auto* e = std::get_if<scenario::LoadError>(&r)) FAIL() << e->message;
  View v(std::get<scenario::Lesson>(r).scenario);
  while (!v.finished()) v.pump(10000);
  v.seek(v.events().size());
  Inspector in;
  auto frame = [&] {
    ImGui::NewFrame();
    ImGui::Begin("inspector");
    in.draw(v);
    ImGui::End();
    ImGui::Render();
  };
  in.select(Selection::connection(1));
  in.show_client_side(true);
  frame();
  EXPECT_EQ(in.last_moment().spec, nullptr);  // no SMTP client diagram for a person
  in.show_client_side(false);
  frame();
  ASSERT_NE(in.last_moment().spec, nullptr);
  EXPECT_EQ(in.last_moment().spec->name, "SMTP server");
  EXPECT_GE(in.last_moment().current, 0);
}

}  // namespace
}  // namespace smtpsim::gui
