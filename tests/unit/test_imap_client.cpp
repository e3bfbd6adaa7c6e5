// Tests of the IMAP client machine (sim/proto/imap/client_session.hpp) against scripted
// server bytes written the way RFC 3501 and RFC 2177 show them: login variants, STARTTLS,
// the mailbox model through SELECT/FETCH/STORE/SEARCH/EXPUNGE and IDLE, APPEND's
// continuation, completions, and hostile servers. The whole scripted session is also run
// with every server segment split at every byte boundary.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/client_session.hpp"

namespace imap = smtpsim::imap;
namespace ce = imap::client_event;
using imap::ClientState;

namespace {

std::string describe(const imap::ClientEvent& ev) {
  if (std::holds_alternative<ce::NeedData>(ev)) return "NeedData";
  if (std::holds_alternative<ce::StartTls>(ev)) return "StartTls";
  if (std::holds_alternative<ce::Ready>(ev)) return "Ready";
  if (std::holds_alternative<ce::Idling>(ev)) return "Idling";
  if (std::holds_alternative<ce::Closed>(ev)) return "Closed";
  if (const auto* f = std::get_if<ce::Failed>(&ev)) return "Failed " + f->stage + ": " + f->reason;
  if (const auto* c = std::get_if<ce::Completed>(&ev)) {
    static const char* const kSt[] = {"OK", "NO", "BAD"};
    return "Completed " + std::to_string(c->id) + " " + kSt[static_cast<int>(c->status)] + " [" +
           c->code + "] " + c->text;
  }
  const auto& u = std::get<ce::Untagged>(ev).response;
  namespace un = imap::untagged;
  if (const auto* c = std::get_if<imap::Condition>(&u))
    return "* " + std::string(imap::condition_name(c->kind)) + " [" + c->code + "] " + c->text;
  if (std::holds_alternative<un::Capability>(u)) return "* CAPABILITY";
  if (const auto* e = std::get_if<un::Exists>(&u)) return "* EXISTS " + std::to_string(e->n);
  if (const auto* e = std::get_if<un::Recent>(&u)) return "* RECENT " + std::to_string(e->n);
  if (const auto* e = std::get_if<un::Expunge>(&u)) return "* EXPUNGE " + std::to_string(e->seq);
  if (const auto* f = std::get_if<un::Fetch>(&u)) return "* FETCH " + std::to_string(f->seq);
  if (const auto* s = std::get_if<un::Search>(&u)) {
    std::string out = "* SEARCH";
    for (auto n : s->numbers) out += " " + std::to_string(n);
    return out;
  }
  if (std::holds_alternative<un::Flags>(u)) return "* FLAGS";
  if (const auto* l = std::get_if<un::List>(&u)) return "* LIST " + l->name;
  if (const auto* s = std::get_if<un::Status>(&u)) return "* STATUS " + s->name;
  return "* OTHER";
}

struct Observer : smtpsim::proto::SessionObserver {
  std::vector<std::string> out, in, transitions;
  std::vector<bool> sensitive;
  void on_transition(const smtpsim::proto::MachineSpec& spec, int from, int to,
                     std::string_view trigger) override {
    transitions.push_back(std::string(spec.state(from).name) + " -> " +
                          std::string(spec.state(to).name) + " (" + std::string(trigger) + ")");
  }
  void on_line_in(std::string_view line, bool) override { in.emplace_back(line); }
  void on_line_out(std::string_view line, bool s) override {
    out.emplace_back(line);
    sensitive.push_back(s);
  }
};

// Drives a client: feeds server bytes and collects what it writes and reports.
struct Harness {
  imap::ClientSession c;
  std::string wrote;                // everything written so far
  std::vector<std::string> events;  // everything reported, NeedData left out
  bool handshake_on_starttls = true;

  explicit Harness(imap::ClientConfig cfg = cfg_login()) : c(std::move(cfg)) { c.start(); }

  static imap::ClientConfig cfg_login() {
    imap::ClientConfig cfg;
    cfg.user = "alice";
    cfg.password = "secret";
    return cfg;
  }

  void drain() {
    for (int guard = 0; guard < 10000; ++guard) {
      auto ev = c.next_event();
      wrote += c.take_output();
      if (std::holds_alternative<ce::NeedData>(ev)) return;
      events.push_back(describe(ev));
      if (std::holds_alternative<ce::Closed>(ev)) return;
      if (std::holds_alternative<ce::StartTls>(ev)) {
        if (!handshake_on_starttls) return;
        c.tls_established();
        wrote += c.take_output();
      }
    }
    FAIL() << "event loop does not settle";
  }
  // Server bytes, then what the client wrote in answer (cleared for the next step).
  std::string say(std::string_view server) {
    c.receive(server);
    drain();
    std::string w;
    w.swap(wrote);
    return w;
  }
  std::vector<std::string> take_events() {
    std::vector<std::string> e;
    e.swap(events);
    return e;
  }
};

using V = std::vector<std::string>;

TEST(ImapClientLogin, LoginWithCapabilityInGreeting) {
  Harness h;
  Observer obs;
  h.c.set_observer(&obs);
  EXPECT_EQ(h.say(""), "");
  EXPECT_EQ(h.c.state(), ClientState::Connecting);
  EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n"),
            "a1 LOGIN alice secret\r\n");
  EXPECT_EQ(h.c.state(), ClientState::Authenticating);
  EXPECT_EQ(h.say("a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"), "");
  EXPECT_EQ(h.c.state(), ClientState::Authenticated);
  EXPECT_TRUE(h.c.has_capability("idle"));
  EXPECT_FALSE(h.c.has_capability("LITERAL+"));
  EXPECT_EQ(h.take_events(),
            (V{"* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.", "Ready"}));
  // The password never reaches the observer.
  ASSERT_EQ(obs.out, (V{"a1 LOGIN alice [redacted]"}));
  EXPECT_TRUE(obs.sensitive[0]);
  EXPECT_EQ(obs.transitions, (V{"CONNECTING -> NOT AUTHENTICATED (greeting OK)",
                                "NOT AUTHENTICATED -> AUTHENTICATING (LOGIN)",
                                "AUTHENTICATING -> AUTHENTICATED (logged in)"}));
}

TEST(ImapClientLogin, CapabilityAskedAndStringsQuoted) {
  imap::ClientConfig cfg = Harness::cfg_login();
  cfg.user = "bob smith";
  cfg.password = "pa\"ss\\word";
  Harness h(cfg);
  EXPECT_EQ(h.say("* OK IMAP4rev1 Service Ready\r\n"), "a1 CAPABILITY\r\n");
  EXPECT_EQ(h.say("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK CAPABILITY completed\r\n"),
            "a2 LOGIN \"bob smith\" \"pa\\\"ss\\\\word\"\r\n");
  EXPECT_EQ(h.say("a2 OK LOGIN completed\r\n"), "");
  EXPECT_EQ(h.take_events(), (V{"* OK [] IMAP4rev1 Service Ready", "* CAPABILITY", "Ready"}));
}

TEST(ImapClientLogin, PasswordNeedingALiteralWaitsForContinuation) {
  imap::ClientConfig cfg = Harness::cfg_login();
  cfg.password = "gr\xc3\xbc\xc3\x9f";  // 8-bit: not allowed in a quoted string
  Harness h(cfg);
  Observer obs;
  h.c.set_observer(&obs);
  EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n"), "a1 LOGIN alice {6}\r\n");
  EXPECT_EQ(h.say("+ Ready for literal\r\n"), "gr\xc3\xbc\xc3\x9f\r\n");
  EXPECT_EQ(h.say("a1 OK done\r\n"), "");
  EXPECT_EQ(obs.out, (V{"a1 LOGIN alice [redacted]"}));
}

TEST(ImapClientLogin, LoginDisabledRefusedWithoutSendingPassword) {
  Harness h;
  EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n"), "a1 LOGOUT\r\n");
  EXPECT_EQ(h.c.state(), ClientState::LoggingOut);
  EXPECT_EQ(h.say("* BYE Logging out\r\na1 OK LOGOUT completed\r\n"), "");
  const auto ev = h.take_events();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[1].substr(0, 27), "Failed login: server advert");
  EXPECT_EQ(ev[2], "* BYE [] Logging out");
  EXPECT_EQ(ev[3], "Closed");
  EXPECT_EQ(h.c.state(), ClientState::Closed);
}

TEST(ImapClientLogin, AuthenticatePlainWithAndWithoutSaslIr) {
  imap::ClientConfig cfg = Harness::cfg_login();
  cfg.auth = "PLAIN";
  {
    Harness h(cfg);
    Observer obs;
    h.c.set_observer(&obs);
    // base64("\0alice\0secret")
    EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n"),
              "a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n");
    EXPECT_EQ(h.say("a1 OK Logged in\r\n"), "");
    EXPECT_EQ(h.c.state(), ClientState::Authenticated);
    EXPECT_EQ(obs.out, (V{"a1 AUTHENTICATE PLAIN [redacted]"}));
  }
  {
    Harness h(cfg);
    Observer obs;
    h.c.set_observer(&obs);
    EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"), "a1 AUTHENTICATE PLAIN\r\n");
    EXPECT_EQ(h.say("+ \r\n"), "AGFsaWNlAHNlY3JldA==\r\n");
    EXPECT_EQ(h.say("+ more?\r\n"), "*\r\n");  // PLAIN has one step: cancel
    EXPECT_EQ(h.say("a1 BAD cancelled\r\n"), "a2 LOGOUT\r\n");
    EXPECT_EQ(obs.out[1], "[redacted]");
    EXPECT_TRUE(obs.sensitive[1]);
    EXPECT_EQ(h.take_events()[1], "Failed login: AUTHENTICATE refused: BAD cancelled");
  }
  {
    Harness h(cfg);
    EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n"), "a1 LOGOUT\r\n");
    EXPECT_EQ(h.take_events()[1], "Failed login: AUTH=PLAIN not advertised");
  }
}

TEST(ImapClientLogin, LoginRefusedPreauthAndByeGreeting) {
  {
    Harness h;
    h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    EXPECT_EQ(h.say("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"), "a2 LOGOUT\r\n");
    EXPECT_EQ(h.say(""), "");
    h.c.receive_eof();
    h.drain();
    EXPECT_EQ(h.take_events(),
              (V{"* OK [CAPABILITY IMAP4rev1] hi",
                 "Failed login: LOGIN refused: NO Authentication failed.", "Closed"}));
  }
  {
    Harness h;
    const auto id = h.c.noop();
    EXPECT_EQ(h.say("* PREAUTH IMAP4rev1 server logged in as Smith\r\n"), "a1 NOOP\r\n");
    EXPECT_EQ(h.say("a1 OK NOOP completed\r\n"), "");
    EXPECT_EQ(h.take_events(), (V{"* PREAUTH [] IMAP4rev1 server logged in as Smith", "Ready",
                                  "Completed " + std::to_string(id) + " OK [] NOOP completed"}));
  }
  {
    Harness h;
    EXPECT_EQ(h.say("* BYE Too many connections\r\n"), "");
    EXPECT_EQ(h.take_events(), (V{"* BYE [] Too many connections",
                                  "Failed greeting: server refused the connection: Too many "
                                  "connections",
                                  "Closed"}));
  }
}

TEST(ImapClientTls, StartTlsDiscardsBytesAfterTheOk) {
  imap::ClientConfig cfg = Harness::cfg_login();
  cfg.tls = imap::TlsMode::StartTlsRequired;
  Harness h(cfg);
  h.handshake_on_starttls = false;
  EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n"), "a1 STARTTLS\r\n");
  EXPECT_EQ(h.c.state(), ClientState::StartingTls);
  // Injected after the OK in the same plaintext segment: must never be acted on.
  EXPECT_EQ(h.say("a1 OK Begin TLS negotiation now\r\n* BYE injected\r\na2 OK [CAPABILITY "
                  "IMAP4rev1 AUTH=PLAIN] injected\r\n"),
            "");
  EXPECT_EQ(h.take_events(),
            (V{"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi", "StartTls"}));
  EXPECT_FALSE(h.c.tls_active());
  h.c.tls_established();
  EXPECT_TRUE(h.c.tls_active());
  EXPECT_EQ(h.c.take_output(), "a2 CAPABILITY\r\n");
  EXPECT_FALSE(h.c.has_capability("STARTTLS"));  // forgotten (RFC 3501 §6.2.1)
  EXPECT_EQ(h.say("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n"),
            "a3 LOGIN alice secret\r\n");
  EXPECT_EQ(h.say("a3 OK hi\r\n"), "");
  EXPECT_EQ(h.take_events(), (V{"* CAPABILITY", "Ready"}));
}

TEST(ImapClientTls, RequiredButNotOfferedOrRefused) {
  imap::ClientConfig cfg = Harness::cfg_login();
  cfg.tls = imap::TlsMode::StartTlsRequired;
  {
    Harness h(cfg);
    EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n"), "a1 LOGOUT\r\n");
    EXPECT_EQ(h.take_events()[1], "Failed starttls: STARTTLS not offered");
  }
  {
    Harness h(cfg);
    h.say("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
    EXPECT_EQ(h.say("a1 BAD no TLS today\r\n"), "a2 LOGOUT\r\n");
  }
  cfg.tls = imap::TlsMode::StartTlsIfOffered;
  {
    Harness h(cfg);
    EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n"), "a1 LOGIN alice secret\r\n");
  }
  {
    Harness h(cfg);
    h.say("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
    EXPECT_EQ(h.say("a1 NO no TLS today\r\n"), "a2 LOGIN alice secret\r\n");
  }
  {
    Harness h(cfg);
    h.say("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
    h.handshake_on_starttls = false;
    h.say("a1 OK go\r\n");
    h.c.tls_established();  // twice: the second is spurious
    h.c.tls_established();
    EXPECT_EQ(h.c.take_output(), "a2 CAPABILITY\r\n");
  }
}

// Logged in with IDLE and UIDPLUS; INBOX selected with 5 messages, UIDs 10..14.
std::string selected(Harness& h) {
  std::string w = h.say("* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n");
  w += h.say("a1 OK Logged in\r\n");
  h.c.select("INBOX");
  w += h.c.take_output();
  w += h.say(
      "* 5 EXISTS\r\n"
      "* 1 RECENT\r\n"
      "* OK [UNSEEN 2] Message 2 is first unseen\r\n"
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
      "* OK [UIDNEXT 15] Predicted next UID\r\n"
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
      "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
      "a2 OK [READ-WRITE] SELECT completed\r\n");
  h.c.fetch("1:*", "(UID FLAGS)");
  w += h.c.take_output();
  w += h.say(
      "* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n"
      "* 2 FETCH (UID 11 FLAGS ())\r\n"
      "* 3 FETCH (UID 12 FLAGS (\\Seen))\r\n"
      "* 4 FETCH (UID 13 FLAGS (\\Answered \\Seen))\r\n"
      "* 5 FETCH (UID 14 FLAGS ())\r\n"
      "a3 OK FETCH completed\r\n");
  return w;
}

std::vector<std::uint32_t> uids(const imap::MailboxView& v) {
  std::vector<std::uint32_t> out;
  for (const auto& m : v.messages) out.push_back(m.uid.value_or(0));
  return out;
}

TEST(ImapClientMailbox, SelectFetchStoreSearchExpungeRenumbers) {
  Harness h;
  EXPECT_EQ(selected(h),
            "a1 LOGIN alice secret\r\na2 SELECT INBOX\r\na3 FETCH 1:* (UID FLAGS)\r\n");
  const auto& v = h.c.view();
  EXPECT_EQ(h.c.state(), ClientState::Selected);
  EXPECT_EQ(v.folder, "INBOX");
  EXPECT_TRUE(v.selected);
  EXPECT_FALSE(v.read_only);
  EXPECT_EQ(v.exists, 5u);
  EXPECT_EQ(v.recent, 1u);
  EXPECT_EQ(v.uidvalidity, 3857529045u);
  EXPECT_EQ(v.uidnext, 15u);
  EXPECT_EQ(v.unseen, 2u);
  EXPECT_EQ(v.permanent_flags, (V{"\\Deleted", "\\Seen", "\\*"}));
  EXPECT_EQ(v.flags.size(), 5u);
  EXPECT_EQ(uids(v), (std::vector<std::uint32_t>{10, 11, 12, 13, 14}));
  h.take_events();

  const auto st = h.c.store("2,4", "+FLAGS", "(\\Deleted)");
  EXPECT_EQ(h.c.take_output(), "a4 STORE 2,4 +FLAGS (\\Deleted)\r\n");
  h.say(
      "* 2 FETCH (FLAGS (\\Deleted))\r\n* 4 FETCH (FLAGS (\\Answered \\Deleted \\Seen))\r\n"
      "a4 OK STORE completed\r\n");
  EXPECT_EQ(v.messages[1].flags, (V{"\\Deleted"}));
  const auto se = h.c.search("DELETED", true);
  EXPECT_EQ(h.c.take_output(), "a5 UID SEARCH DELETED\r\n");
  h.say("* SEARCH 11 13\r\na5 OK SEARCH completed\r\n");
  const auto ex = h.c.expunge();
  EXPECT_EQ(h.c.take_output(), "a6 EXPUNGE\r\n");
  // RFC 3501 §7.4.1: each EXPUNGE renumbers the ones after it, so 4 goes before 2.
  h.say("* 4 EXPUNGE\r\n* 2 EXPUNGE\r\n* 2 RECENT\r\na6 OK EXPUNGE completed\r\n");
  EXPECT_EQ(v.exists, 3u);
  EXPECT_EQ(uids(v), (std::vector<std::uint32_t>{10, 12, 14}));
  EXPECT_EQ(v.messages[1].flags, (V{"\\Seen"}));
  EXPECT_EQ(
      h.take_events(),
      (V{"* FETCH 2", "* FETCH 4", "Completed " + std::to_string(st) + " OK [] STORE completed",
         "* SEARCH 11 13", "Completed " + std::to_string(se) + " OK [] SEARCH completed",
         "* EXPUNGE 4", "* EXPUNGE 2", "* RECENT 2",
         "Completed " + std::to_string(ex) + " OK [] EXPUNGE completed"}));

  h.c.close();
  EXPECT_EQ(h.say(""), "a7 CLOSE\r\n");
  h.say("a7 OK CLOSE completed\r\n");
  EXPECT_EQ(h.c.state(), ClientState::Authenticated);
  EXPECT_FALSE(h.c.view().selected);
  EXPECT_TRUE(h.c.view().messages.empty());
}

TEST(ImapClientMailbox, CommandsQueueUntilLoggedInAndRunOneAtATime) {
  Harness h;
  const auto l = h.c.list("", "*");
  const auto s = h.c.status("Sent Items", "(MESSAGES UIDNEXT)");
  const auto c = h.c.copy("1:2", "Archive/2026", true);
  EXPECT_EQ(h.c.take_output(), "");
  EXPECT_EQ(h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n"), "a1 LOGIN alice secret\r\n");
  EXPECT_EQ(h.say("a1 OK hi\r\n"), "a2 LIST \"\" *\r\n");
  EXPECT_EQ(h.say("* LIST (\\HasNoChildren) \"/\" INBOX\r\na2 OK LIST done\r\n"),
            "a3 STATUS \"Sent Items\" (MESSAGES UIDNEXT)\r\n");
  EXPECT_EQ(h.say("* STATUS \"Sent Items\" (MESSAGES 3 UIDNEXT 4)\r\na3 OK done\r\n"),
            "a4 UID COPY 1:2 Archive/2026\r\n");
  EXPECT_EQ(h.say("a4 NO [TRYCREATE] no such mailbox\r\n"), "");
  EXPECT_EQ(h.take_events(),
            (V{"* OK [CAPABILITY IMAP4rev1] hi", "Ready", "* LIST INBOX",
               "Completed " + std::to_string(l) + " OK [] LIST done", "* STATUS Sent Items",
               "Completed " + std::to_string(s) + " OK [] done",
               "Completed " + std::to_string(c) + " NO [TRYCREATE] no such mailbox"}));
}

TEST(ImapClientMailbox, FailedSelectAndExamine) {
  Harness h;
  selected(h);
  const auto id = h.c.select("nosuch");
  EXPECT_EQ(h.c.take_output(), "a4 SELECT nosuch\r\n");
  h.take_events();
  h.say("a4 NO [NONEXISTENT] Mailbox doesn't exist\r\n");
  EXPECT_EQ(h.take_events(),
            (V{"Completed " + std::to_string(id) + " NO [NONEXISTENT] Mailbox doesn't exist"}));
  EXPECT_EQ(h.c.state(), ClientState::Authenticated);
  EXPECT_FALSE(h.c.view().selected);
  h.c.examine("Drafts");
  EXPECT_EQ(h.c.take_output(), "a5 EXAMINE Drafts\r\n");
  h.say("* 0 EXISTS\r\na5 OK [READ-ONLY] EXAMINE completed\r\n");
  EXPECT_TRUE(h.c.view().read_only);
  EXPECT_EQ(h.c.state(), ClientState::Selected);
  const auto bad = h.c.fetch("1", "(FLAGS");
  h.say("");
  h.say("a6 BAD Error in IMAP command FETCH\r\n");
  EXPECT_EQ(h.take_events().back(),
            "Completed " + std::to_string(bad) + " BAD [] Error in IMAP command FETCH");
}

TEST(ImapClientIdle, UntaggedDataWhileIdlingThenDone) {
  Harness h;
  selected(h);
  h.take_events();
  const auto id = h.c.idle();
  EXPECT_EQ(h.c.take_output(), "a4 IDLE\r\n");
  EXPECT_EQ(h.say("+ idling\r\n"), "");
  EXPECT_EQ(h.c.state(), ClientState::Idle);
  // Another client adds one message, deletes the first, flags another (RFC 2177 §3).
  h.say("* 6 EXISTS\r\n");
  h.say("* 1 EXPUNGE\r\n* 2 FETCH (UID 12 FLAGS (\\Seen \\Flagged))\r\n");
  const auto queued = h.c.noop();  // waits for the end of IDLE
  EXPECT_EQ(h.c.take_output(), "");
  h.c.done();
  h.c.done();  // twice: DONE goes once
  EXPECT_EQ(h.c.take_output(), "DONE\r\n");
  EXPECT_EQ(h.say("a4 OK Idle completed\r\n"), "a5 NOOP\r\n");
  EXPECT_EQ(h.c.state(), ClientState::Selected);
  EXPECT_EQ(h.take_events(), (V{"Idling", "* EXISTS 6", "* EXPUNGE 1", "* FETCH 2",
                                "Completed " + std::to_string(id) + " OK [] Idle completed"}));
  const auto& v = h.c.view();
  EXPECT_EQ(v.exists, 5u);
  EXPECT_EQ(uids(v), (std::vector<std::uint32_t>{11, 12, 13, 14, 0}));
  EXPECT_EQ(v.messages[1].flags, (V{"\\Seen", "\\Flagged"}));
  h.say("* 5 FETCH (UID 15 FLAGS (\\Recent))\r\na5 OK done\r\n");
  EXPECT_EQ(uids(v), (std::vector<std::uint32_t>{11, 12, 13, 14, 15}));
  EXPECT_EQ(h.take_events().back(), "Completed " + std::to_string(queued) + " OK [] done");
  EXPECT_THROW(h.c.done(), std::logic_error);
}

TEST(ImapClientIdle, DoneBeforeTheContinuation) {
  Harness h;
  selected(h);
  h.c.idle();
  h.c.done();
  EXPECT_EQ(h.c.take_output(), "a4 IDLE\r\n");
  EXPECT_EQ(h.say("+ idling\r\n"), "DONE\r\n");
  h.say("a4 OK Idle completed\r\n");
  EXPECT_EQ(h.c.state(), ClientState::Selected);
}

// The mail reader's pattern on new mail: DONE, then a FETCH and a new IDLE queued behind the
// running IDLE; a user action then calls done() again before the first IDLE's OK. That must
// end the queued IDLE. (It used to be ignored: one session-wide "DONE wanted" flag, already
// set for the running IDLE and cleared at its OK, left the queued IDLE running for good and
// the user's commands waiting behind it. Found by RetrievalConservation.)
TEST(ImapClientIdle, DoneAgainEndsTheQueuedIdle) {
  Harness h;
  selected(h);
  h.c.idle();
  EXPECT_EQ(h.c.take_output(), "a4 IDLE\r\n");
  EXPECT_EQ(h.say("+ idling\r\n* 6 EXISTS\r\n"), "");
  h.c.done();
  EXPECT_EQ(h.c.take_output(), "DONE\r\n");
  h.c.fetch("15:*", "(UID FLAGS)", true);
  h.c.idle();
  h.c.done();  // the user acts: this ends the IDLE queued as a6
  const auto noop = h.c.noop();
  EXPECT_EQ(h.c.take_output(), "");
  EXPECT_EQ(h.say("a4 OK Idle completed\r\n"), "a5 UID FETCH 15:* (UID FLAGS)\r\n");
  EXPECT_EQ(h.say("* 6 FETCH (UID 15 FLAGS ())\r\na5 OK done\r\n"), "a6 IDLE\r\n");
  EXPECT_EQ(h.say("+ idling\r\n"), "DONE\r\n");
  EXPECT_EQ(h.say("a6 OK Idle completed\r\n"), "a7 NOOP\r\n");
  h.say("a7 OK NOOP completed\r\n");
  EXPECT_EQ(h.take_events().back(), "Completed " + std::to_string(noop) + " OK [] NOOP completed");
  EXPECT_EQ(h.c.state(), ClientState::Selected);
  EXPECT_THROW(h.c.done(), std::logic_error);
}

TEST(ImapClientAppend, LiteralWaitsForContinuationUnlessLiteralPlus) {
  const std::string msg = "From: alice@example.com\r\nSubject: hi\r\n\r\nHello (world)\r\n";
  {
    Harness h;
    h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    h.say("a1 OK hi\r\n");
    h.take_events();
    const auto id = h.c.append("Sent", "(\\Seen)", msg);
    EXPECT_EQ(h.c.take_output(),
              "a2 APPEND Sent (\\Seen) {" + std::to_string(msg.size()) + "}\r\n");
    EXPECT_EQ(h.say("+ Ready for literal data\r\n"), msg + "\r\n");
    h.say("a2 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    EXPECT_EQ(h.take_events(), (V{"Completed " + std::to_string(id) +
                                  " OK [APPENDUID 38505 3955] APPEND completed"}));
  }
  {
    Harness h;
    h.say("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
    h.say("a1 OK hi\r\n");
    h.c.append("Sent", "", msg);
    EXPECT_EQ(h.c.take_output(),
              "a2 APPEND Sent {" + std::to_string(msg.size()) + "+}\r\n" + msg + "\r\n");
  }
  {
    Harness h;  // the server refuses the literal instead of sending "+"
    h.say("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    h.say("a1 OK hi\r\n");
    h.take_events();
    const auto id = h.c.append("Sent", "", msg);
    h.say("");
    EXPECT_EQ(h.say("a2 NO [OVERQUOTA] Quota exceeded\r\n"), "");
    EXPECT_EQ(h.take_events(),
              (V{"Completed " + std::to_string(id) + " NO [OVERQUOTA] Quota exceeded"}));
    h.c.noop();
    EXPECT_EQ(h.c.take_output(), "a3 NOOP\r\n");
  }
}

TEST(ImapClientSession, LogoutByeThenTaggedOk) {
  Harness h;
  selected(h);
  h.take_events();
  const auto id = h.c.logout();
  EXPECT_THROW(h.c.noop(), std::logic_error);
  EXPECT_EQ(h.c.take_output(), "a4 LOGOUT\r\n");
  EXPECT_EQ(h.c.state(), ClientState::LoggingOut);
  h.say("* BYE IMAP4rev1 Server logging out\r\na4 OK LOGOUT completed\r\n");
  EXPECT_EQ(h.take_events(),
            (V{"* BYE [] IMAP4rev1 Server logging out",
               "Completed " + std::to_string(id) + " OK [] LOGOUT completed", "Closed"}));
  EXPECT_EQ(h.c.state(), ClientState::Closed);
}

// Each of these server lines, after a normal login and select, must fail the session.
TEST(ImapClientSession, HostileServersFailTheSession) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hello world\r\n", "Failed connection: malformed response: "},
      {"zz9 OK who asked\r\n", "Failed connection: tagged response with unknown tag 'zz9'"},
      {"a3 OK again\r\n", "Failed connection: tagged response with unknown tag 'a3'"},
      {"+ go on\r\n", "Failed connection: unexpected continuation request"},
      {"* BYE Autologout; idle for too long\r\n",
       "Failed connection: server closed the session: BYE Autologout; idle for too long"},
      {"* 9 EXPUNGE\r\n", "Failed connection: EXPUNGE 9 of 5 messages"},
      {"* 3 EXISTS\r\n", "Failed connection: EXISTS 3 after 5 without EXPUNGE"},
      {"* 4000000000 EXISTS\r\n", "Failed connection: EXISTS 4000000000: more messages than"},
      {"* 6 FETCH (FLAGS ())\r\n", "Failed connection: FETCH 6 of 5 messages"},
      {"* PREAUTH again\r\n", "Failed connection: PREAUTH after the greeting"},
      {"* OK " + std::string(70000, 'x') + "\r\n", "Failed connection: malformed response: "},
  };
  for (const auto& [line, want] : cases) {
    Harness h;
    selected(h);
    h.take_events();
    EXPECT_EQ(h.say(line), "") << line.substr(0, 40);
    const auto ev = h.take_events();
    ASSERT_GE(ev.size(), 2u) << line.substr(0, 40);
    EXPECT_EQ(ev[ev.size() - 2].substr(0, want.size()), want) << line.substr(0, 40);
    EXPECT_EQ(ev.back(), "Closed");
    EXPECT_EQ(h.c.state(), ClientState::Closed);
    EXPECT_EQ(h.say("* OK more\r\n"), "");  // nothing happens once closed
  }
}

TEST(ImapClientSession, EarlyTaggedEofTimeoutAndBadArguments) {
  {
    Harness h;  // a tagged response before any command
    h.say("a1 OK [CAPABILITY IMAP4rev1] hi\r\n");
    EXPECT_EQ(h.take_events(),
              (V{"Failed greeting: expected a greeting (* OK, * PREAUTH or * BYE)", "Closed"}));
  }
  {
    Harness h;  // the answer to LOGIN sent in the same segment as the greeting: too early
    h.say("* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK guessed\r\n");
    EXPECT_EQ(h.take_events()[1], "Failed login: tagged response with unknown tag 'a1'");
  }
  {
    Harness h;
    selected(h);
    h.take_events();
    h.c.receive_eof();
    h.drain();
    EXPECT_EQ(h.take_events(), (V{"Failed connection: connection closed by server", "Closed"}));
  }
  {
    Harness h;
    h.c.timeout();
    h.drain();
    EXPECT_EQ(h.take_events(), (V{"Failed greeting: timeout", "Closed"}));
  }
  Harness h;
  EXPECT_THROW(h.c.fetch("1;2", "FLAGS"), std::invalid_argument);
  EXPECT_THROW(h.c.fetch("1", "FLAGS\r\na9 DELETE INBOX"), std::invalid_argument);
  EXPECT_THROW(h.c.search("ALL\r\n"), std::invalid_argument);
  EXPECT_THROW(h.c.store("1", "FLAGS.SILENT", "\\Seen"), std::invalid_argument);
  EXPECT_THROW(h.c.select(std::string_view("a\0b", 3)), std::invalid_argument);
  imap::ClientConfig bad;
  bad.auth = "CRAM-MD5";
  EXPECT_THROW(imap::ClientSession{bad}, std::invalid_argument);
  bad.auth = "LOGIN";
  bad.tag_prefix = "a b";
  EXPECT_THROW(imap::ClientSession{bad}, std::invalid_argument);
  // A folder name with a line break goes as a literal, so it cannot end the command.
  h.c.select("evil\r\na9 DELETE INBOX");
  EXPECT_EQ(h.say("* PREAUTH hi\r\n"), "a1 SELECT {21}\r\n");
  EXPECT_EQ(h.say("+ go ahead\r\n"), "evil\r\na9 DELETE INBOX\r\n");
}

TEST(ImapClientSession, MachineSpecCoversEveryState) {
  const auto& spec = imap::ClientSession::client_machine_spec();
  EXPECT_EQ(spec.states.size(), 9u);
  for (const auto& s : spec.states) {
    bool reachable = s.id == 0;
    for (const auto& t : spec.transitions) reachable = reachable || t.to == s.id;
    EXPECT_TRUE(reachable) << s.name;
  }
  EXPECT_NE(smtpsim::proto::render_dot(spec, 5).find("SELECTED"), std::string::npos);
  Harness h;
  EXPECT_EQ(h.c.state_caption(), "waiting for the greeting");
}

// The full scripted session (login, select, fetch, store, idle, append, logout), with each
// server segment split at every byte boundary: the client must write the same bytes and
// report the same events.
struct Step {
  std::string server;
  std::function<void(imap::ClientSession&)> then;  // owner actions after the segment
};

std::vector<Step> script() {
  return {
      {"* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready\r\n", nullptr},
      {"a1 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n",
       [](imap::ClientSession& c) { c.select("INBOX"); }},
      {"* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] ok\r\n"
       "* FLAGS (\\Seen \\Deleted)\r\na2 OK [READ-WRITE] SELECT completed\r\n",
       [](imap::ClientSession& c) { c.fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])"); }},
      {"* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 5 BODY[] {5}\r\nab)\r\n)\r\n"
       "* 2 FETCH (UID 2 FLAGS () RFC822.SIZE 0 BODY[] \"\")\r\n"
       "* 3 FETCH (UID 3 FLAGS () RFC822.SIZE 3 BODY[] {3}\r\n}\r\n)\r\na3 OK done\r\n",
       [](imap::ClientSession& c) { c.store("1", "+FLAGS", "(\\Deleted)", true, false); }},
      {"a4 OK STORE completed\r\n", [](imap::ClientSession& c) { c.idle(); }},
      {"+ idling\r\n", nullptr},
      {"* 4 EXISTS\r\n* 1 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Seen))\r\n",
       [](imap::ClientSession& c) {
         c.done();
         c.append("Sent", "(\\Seen)", "Subject: x\r\n\r\ny\r\n");
       }},
      {"a5 OK Idle completed\r\n", nullptr},
      {"+ OK\r\n", nullptr},
      {"a6 OK [APPENDUID 7 9] APPEND completed\r\n", [](imap::ClientSession& c) { c.logout(); }},
      {"* BYE Logging out\r\na7 OK Logout completed.\r\n", nullptr},
  };
}

struct Outcome {
  std::string wrote;
  std::vector<std::string> events;
  std::vector<std::uint32_t> uids;
  bool operator==(const Outcome&) const = default;
};

Outcome play(std::size_t step_to_split, const std::vector<std::size_t>& cuts) {
  Harness h;
  const auto steps = script();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string& s = steps[i].server;
    if (i == step_to_split) {
      std::size_t at = 0;
      for (auto k : cuts) {
        h.c.receive(std::string_view(s).substr(at, k - at));
        h.drain();
        at = k;
      }
      h.c.receive(std::string_view(s).substr(at));
    } else {
      h.c.receive(s);
    }
    h.drain();
    if (i == 6) {
      EXPECT_EQ(uids(h.c.view()), (std::vector<std::uint32_t>{2, 3, 0}));
    }
    if (steps[i].then) steps[i].then(h.c);
    h.drain();
  }
  return {h.wrote, h.events, uids(h.c.view())};
}

TEST(ImapClientSession, ScriptedSessionSplitAtEveryByte) {
  const Outcome whole = play(SIZE_MAX, {});
  EXPECT_EQ(whole.wrote,
            "a1 LOGIN alice secret\r\n"
            "a2 SELECT INBOX\r\n"
            "a3 FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])\r\n"
            "a4 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n"
            "a5 IDLE\r\n"
            "DONE\r\n"
            "a6 APPEND Sent (\\Seen) {17}\r\n"
            "Subject: x\r\n\r\ny\r\n\r\n"
            "a7 LOGOUT\r\n");
  EXPECT_EQ(whole.events.back(), "Closed");
  EXPECT_EQ(whole.events.size(), 23u);
  for (const auto& e : whole.events) EXPECT_EQ(e.find("Failed"), std::string::npos) << e;
  const auto steps = script();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::size_t n = steps[i].server.size();
    for (std::size_t k = 1; k < n; ++k)
      EXPECT_EQ(play(i, {k}), whole) << "step " << i << " at " << k;
    std::vector<std::size_t> every;
    for (std::size_t k = 1; k < n; ++k) every.push_back(k);
    EXPECT_EQ(play(i, every), whole) << "step " << i << " byte by byte";
  }
}

}  // namespace
