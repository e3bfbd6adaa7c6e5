// Reading mail on the virtual network, end to end: MUA devices fetch from the MDA's POP3
// (110/995) and IMAP (143/993) services through the real machines.
//   Pop3*  leave-on-server fetches each message once; download-and-delete empties the
//          mailbox only at QUIT; a session cut before QUIT deletes nothing; the downloaded
//          copy is readable while the server is down; 995 runs inside TLS.
//   Imap*  two devices of one user stay in sync (read on one is \Seen on the other, delete
//          on one disappears from both, new mail shows on both through IDLE); a body never
//          fetched cannot be opened offline; a wrong password is refused and reported.
//   Regressions found by RetrievalConservation: an action right after new mail is not held
//   back behind an IDLE; a fetch after a stuck logout uses a new connection; a fetch at the
//   instant the last POP3/IMAP connection ended is not torn down by its stale callback.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kMinute;
using engine::kSecond;
using trace::EventKind;

constexpr const char* kMail = "mail.example.com";

// alice sends; bob reads on "laptop" and "phone" with the given settings.
scenario::Spec world(const std::string& laptop_proto, const std::string& phone_proto,
                     bool keep = true, int laptop_port = 0, std::string phone_password = "bob") {
  auto s = smtpsim::testing::two_providers();
  s.run_for_us = 60 * kMinute;
  auto device = [&](std::string name, std::string address, std::string proto, int port,
                    std::string password) {
    scenario::MuaSettings m{"bob@example.com", "bob", std::move(password), kMail, 587};
    m.retrieve_from = kMail;
    m.protocol = proto;
    m.retrieve_port = port != 0 ? port : (proto == "pop3" ? 110 : 143);
    m.keep_on_server = keep;
    s.hosts.push_back(
        {.name = std::move(name), .address = std::move(address), .roles = {"MUA"}, .mua = m});
  };
  device("laptop", "192.0.2.20", laptop_proto, laptop_port, "bob");
  device("phone", "192.0.2.21", phone_proto, 0, std::move(phone_password));
  s.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"bob@example.com"}, "Lunch"));
  s.script.push_back(
      smtpsim::testing::send_action(2 * kSecond, "alice-laptop", {"bob@example.com"}, "Slides"));
  return s;
}

scenario::Action act(std::int64_t at, std::string kind, std::string host, std::string msg = "") {
  auto a = smtpsim::testing::host_action(at, std::move(kind), std::move(host));
  a.subject_match = std::move(msg);
  return a;
}

std::size_t bob_inbox(scenario::Simulation& sim) {
  return sim.mda(kMail)->store().folder("bob", "INBOX")->messages.size();
}

const nodes::MailReader& reader(scenario::Simulation& sim, const std::string& host) {
  return *sim.mua(host)->reader();
}

std::size_t count(const trace::Recorder& r, EventKind k, const std::string& host) {
  return static_cast<std::size_t>(std::count_if(r.events().begin(), r.events().end(), [&](auto& e) {
    return e.kind == k && e.host == host;
  }));
}

bool has_note(const trace::Recorder& r, const std::string& part) {
  return std::any_of(r.events().begin(), r.events().end(), [&](auto& e) {
    return e.kind == EventKind::Note && e.text.find(part) != std::string::npos;
  });
}

TEST(Pop3Retrieval, LeaveOnServerFetchesEachMessageOnce) {
  auto spec = world("pop3", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(act(2 * kMinute, "fetch", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
  EXPECT_EQ(count(rec, EventKind::Retrieved, "laptop"), 2u);  // the second fetch found nothing new
  EXPECT_EQ(bob_inbox(sim), 2u);                              // a copy stays on the server
  EXPECT_EQ(count(rec, EventKind::Expunged, kMail), 0u);
}

TEST(Pop3Retrieval, DownloadAndDeleteRemovesOnlyAtQuit) {
  auto spec = world("pop3", "imap", /*keep=*/false);
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
  EXPECT_EQ(bob_inbox(sim), 0u);
  // Every removal comes after the client's QUIT (RFC 1939 §6: UPDATE state).
  std::size_t quit_at = 0, first_expunge = 0;
  for (std::size_t i = 0; i < rec.events().size(); ++i) {
    const auto& e = rec.events()[i];
    if (e.kind == EventKind::Line && e.proto == "POP3" && e.text == "QUIT") quit_at = i;
    if (e.kind == EventKind::Expunged && first_expunge == 0) first_expunge = i;
  }
  ASSERT_GT(quit_at, 0u);
  EXPECT_GT(first_expunge, quit_at);
}

TEST(Pop3Retrieval, SessionCutBeforeQuitDeletesNothing) {
  auto spec = world("pop3", "imap", /*keep=*/false);
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  // The laptop's link dies while the session runs (after RETR/DELE, before QUIT completes).
  spec.script.push_back(act(kMinute + 450 * engine::kMillisecond, "host_down", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_GT(std::count_if(rec.events().begin(), rec.events().end(),
                          [](auto& e) { return e.kind == EventKind::Line && e.text == "DELE 1"; }),
            0)
      << trace::render_text(rec.events());
  EXPECT_EQ(bob_inbox(sim), 2u);  // nothing deleted: no QUIT, no UPDATE
}

TEST(Pop3Retrieval, DownloadedCopyIsReadableOffline) {
  auto spec = world("pop3", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(act(2 * kMinute, "host_down", kMail));
  spec.script.push_back(act(3 * kMinute, "read", "laptop", "Slides"));
  spec.script.push_back(act(4 * kMinute, "delete", "laptop", "Lunch"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  const auto& msgs = reader(sim, "laptop").messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].subject, "Slides");
  EXPECT_TRUE(msgs[0].seen);
  EXPECT_EQ(count(rec, EventKind::LocalChange, "laptop"), 2u);
  EXPECT_EQ(bob_inbox(sim), 2u);  // the server was never told
}

TEST(Pop3Retrieval, ImplicitTlsOn995) {
  auto spec = world("pop3", "imap", true, 995);
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  std::size_t lines = 0, plain = 0;
  for (const auto& e : rec.events()) {
    if (e.kind != EventKind::Line || e.port != 995) continue;
    ++lines;
    plain += !e.tls;
  }
  EXPECT_GT(lines, 5u);
  EXPECT_EQ(plain, 0u);
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
}

TEST(ImapRetrieval, TwoDevicesStayInSync) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(act(kMinute, "fetch", "phone"));
  spec.script.push_back(act(2 * kMinute, "read", "laptop", "Lunch"));
  spec.script.push_back(act(3 * kMinute, "delete", "phone", "Slides"));
  spec.script.push_back(
      smtpsim::testing::send_action(4 * kMinute, "alice-laptop", {"bob@example.com"}, "Room"));
  spec.run_for_us = 5 * kMinute;  // both devices still idling
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  for (const char* dev : {"laptop", "phone"}) {
    const auto& msgs = reader(sim, dev).messages();
    ASSERT_EQ(msgs.size(), 2u) << dev << "\n" << trace::render_text(rec.events());
    EXPECT_EQ(msgs[0].subject, "Lunch") << dev;
    EXPECT_TRUE(msgs[0].seen) << dev;           // read on the laptop, \Seen everywhere
    EXPECT_EQ(msgs[1].subject, "Room") << dev;  // arrived during IDLE
    EXPECT_FALSE(msgs[1].seen) << dev;
    EXPECT_TRUE(reader(sim, dev).connected()) << dev;
  }
  EXPECT_EQ(bob_inbox(sim), 2u);  // Slides expunged on the server
  // No polling: the new message reached both devices without a NOOP.
  EXPECT_EQ(std::count_if(rec.events().begin(), rec.events().end(),
                          [](auto& e) {
                            return e.kind == EventKind::Line &&
                                   e.text.find(" NOOP") != std::string::npos;
                          }),
            0);
}

TEST(ImapRetrieval, UnfetchedBodyCannotBeOpenedOffline) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(act(2 * kMinute, "read", "laptop", "Lunch"));  // body fetched
  spec.script.push_back(act(3 * kMinute, "host_down", kMail));
  spec.script.push_back(act(4 * kMinute, "read", "laptop", "Slides"));
  spec.script.push_back(act(5 * kMinute, "read", "laptop", "Lunch"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_TRUE(has_note(rec, "cannot open \"Slides\""));
  EXPECT_FALSE(has_note(rec, "cannot open \"Lunch\""));
  EXPECT_EQ(count(rec, EventKind::LocalChange, "laptop"), 1u);  // Lunch from the cache
}

TEST(ImapRetrieval, WrongPasswordIsRefusedAndReported) {
  auto spec = world("imap", "imap", true, 0, "not-bobs-password");
  spec.script.push_back(act(kMinute, "fetch", "phone"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_TRUE(reader(sim, "phone").messages().empty());
  EXPECT_TRUE(has_note(rec, "phone: IMAP session ended (login)"))
      << trace::render_text(rec.events());
}

TEST(ImapRetrieval, DeviceLogsOutAfterLingering) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  sim.run();
  EXPECT_FALSE(reader(sim, "laptop").connected());
  EXPECT_TRUE(std::any_of(rec.events().begin(), rec.events().end(), [](auto& e) {
    return e.kind == EventKind::Line && e.text.find("LOGOUT") != std::string::npos;
  }));
}

// Runs `spec`, calling `hook` with every newly recorded event (it may apply actions).
void run_with(scenario::Simulation& sim, const trace::Recorder& rec,
              const std::function<void(const trace::Event&)>& hook) {
  std::size_t seen = 0;
  while (sim.step()) {
    while (seen < rec.size()) hook(rec.events()[seen++]);
  }
}

// Found by RetrievalConservation: new mail arrives while the laptop idles (DONE, FETCH and a
// new IDLE queued), and the user deletes a message before the server confirms the DONE. The
// delete must go out at once, not wait behind an IDLE nobody ends (it waited for the
// 15-minute logout), and the device ends in step with the server.
TEST(ImapRetrieval, ActionRightAfterNewMailIsNotHeldBackByIdle) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(
      smtpsim::testing::send_action(2 * kMinute, "alice-laptop", {"bob@example.com"}, "Room"));
  spec.run_for_us = 5 * kMinute;
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  bool acted = false;
  run_with(sim, rec, [&](const trace::Event& e) {
    if (!acted && e.kind == EventKind::Line && e.host == "laptop" && e.text == "DONE") {
      sim.apply(act(0, "delete", "laptop", "Lunch"));
      acted = true;
    }
  });
  ASSERT_TRUE(acted);
  EXPECT_EQ(bob_inbox(sim), 2u) << trace::render_text(rec.events());
  const auto& msgs = reader(sim, "laptop").messages();
  ASSERT_EQ(msgs.size(), 2u) << trace::render_text(rec.events());
  EXPECT_EQ(msgs[0].subject, "Slides");
  EXPECT_EQ(msgs[1].subject, "Room");
}

// Found by RetrievalConservation: a cut link loses the laptop's FETCH, so the reply never
// comes; after 15 minutes the device logs out (the LOGOUT waits behind the FETCH). A fetch
// after that used to issue a command on the logged-out client machine, which throws and
// ended the whole simulation. Now it waits for that connection to end (the server's
// autologout) and lists INBOX on a new one.
TEST(ImapRetrieval, FetchAfterAStuckLogoutUsesANewConnection) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.script.push_back(act(2 * kMinute, "fetch", "laptop"));
  spec.script.push_back(act(2 * kMinute + 5 * kSecond, "link_restored", kMail));
  spec.script.push_back(act(20 * kMinute, "fetch", "laptop"));
  spec.run_for_us = 40 * kMinute;
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  bool cut = false;
  EXPECT_NO_THROW(run_with(sim, rec, [&](const trace::Event& e) {
    if (!cut && e.kind == EventKind::Line && e.host == "laptop" && e.time > 2 * kMinute &&
        e.text.find("UID FETCH") != std::string::npos) {
      sim.apply(act(0, "link_cut", kMail));  // the FETCH is in flight: lost
      cut = true;
    }
  }));
  ASSERT_TRUE(cut);
  const auto logins = std::count_if(rec.events().begin(), rec.events().end(), [](auto& e) {
    return e.kind == EventKind::Line && e.host == "laptop" &&
           e.text.find(" LOGIN ") != std::string::npos;
  });
  EXPECT_EQ(logins, 2) << trace::render_text(rec.events());
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
}

// A session's end is reported to the reader by a callback scheduled for the same instant;
// a fetch in between (here: right after the step that ended it) starts a new session, which
// that stale callback used to tear down (a connection destroyed while the network still
// held it). Seen in reading the glue while writing RetrievalConservation.
TEST(Pop3Retrieval, FetchAtTheInstantTheLastSessionEnded) {
  auto spec = world("pop3", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  bool again = false;
  run_with(sim, rec, [&](const trace::Event& e) {
    if (!again && e.kind == EventKind::Note && e.host == "laptop" &&
        e.text.find("POP3:") != std::string::npos) {
      sim.apply(act(0, "fetch", "laptop"));
      again = true;
    }
  });
  ASSERT_TRUE(again);
  const auto quits = std::count_if(rec.events().begin(), rec.events().end(), [](auto& e) {
    return e.kind == EventKind::Line && e.host == "laptop" && e.text == "QUIT";
  });
  EXPECT_EQ(quits, 2) << trace::render_text(rec.events());
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
}

TEST(ImapRetrieval, FetchAtTheInstantTheLastConnectionEnded) {
  auto spec = world("imap", "imap");
  spec.script.push_back(act(kMinute, "fetch", "laptop"));
  spec.run_for_us = 20 * kMinute;
  trace::Recorder rec;
  scenario::Simulation sim(spec, rec);
  bool again = false;
  run_with(sim, rec, [&](const trace::Event& e) {
    if (!again && e.kind == EventKind::Line && e.host == kMail && e.peer == "laptop" &&
        e.text.find("OK LOGOUT") != std::string::npos) {
      sim.apply(act(0, "fetch", "laptop"));
      again = true;
    }
  });
  ASSERT_TRUE(again);
  const auto logins = std::count_if(rec.events().begin(), rec.events().end(), [](auto& e) {
    return e.kind == EventKind::Line && e.host == "laptop" &&
           e.text.find(" LOGIN ") != std::string::npos;
  });
  EXPECT_EQ(logins, 2) << trace::render_text(rec.events());
  EXPECT_TRUE(reader(sim, "laptop").connected());  // the new connection idles
  EXPECT_EQ(reader(sim, "laptop").messages().size(), 2u);
}

}  // namespace
