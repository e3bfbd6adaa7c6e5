// The IMAP server machine's conversation: greeting, capabilities, authentication, states,
// SELECT/EXAMINE, mailbox commands (LIST, CREATE, STATUS, APPEND, COPY, CLOSE), LOGOUT.
#include "sim/proto/smtp/sasl.hpp"
#include "tests/unit/test_imap_server_harness.hpp"

namespace smtpsim::imap {
namespace {

using imaptest::contains;
using imaptest::fill;
using imaptest::ImapRun;

TEST(ImapServerSession, GreetingCarriesCapabilities) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  EXPECT_EQ(
      r.output,
      "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS AUTH=PLAIN] "
      "mail.example.com IMAP4rev1 ready\r\n");
  EXPECT_EQ(r.s.state(), ServerState::NotAuthenticated);
}

TEST(ImapServerSession, CapabilityCommandAndStartTlsAdvertising) {
  mail::MailStore store;
  ServerConfig cfg;
  cfg.starttls_available = true;
  cfg.login_needs_tls = true;
  ImapRun r(store, cfg);
  r.start();
  EXPECT_EQ(r.send("c1 CAPABILITY\r\n"),
            "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS STARTTLS "
            "LOGINDISABLED\r\nc1 OK CAPABILITY completed\r\n");
  EXPECT_EQ(r.send("l LOGIN alice alice\r\n"),
            "l NO [PRIVACYREQUIRED] LOGIN is disabled before STARTTLS\r\n");
  EXPECT_EQ(r.send("a AUTHENTICATE PLAIN\r\n"),
            "a NO [PRIVACYREQUIRED] Authentication is disabled before STARTTLS\r\n");
  EXPECT_EQ(r.send("t STARTTLS\r\n"), "t OK Begin TLS negotiation now\r\n");
  EXPECT_TRUE(r.start_tls);
  r.s.tls_established();
  EXPECT_TRUE(r.s.tls_active());
  EXPECT_EQ(r.send("c2 CAPABILITY\r\n"),
            "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS AUTH=PLAIN\r\n"
            "c2 OK CAPABILITY completed\r\n");
  EXPECT_EQ(r.send("t2 STARTTLS\r\n"), "t2 BAD STARTTLS not available\r\n");
}

TEST(ImapServerSession, LoginAcceptedAndRefused) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("a1 LOGIN alice wrong\r\n"),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  EXPECT_EQ(r.s.state(), ServerState::NotAuthenticated);
  EXPECT_EQ(r.send("a2 LOGIN \"alice\" {5+}\r\nalice\r\n"),
            "a2 OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS] Logged "
            "in\r\n");
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
  EXPECT_EQ(r.s.user(), "alice");
  ASSERT_EQ(r.auths.size(), 2u);
  EXPECT_EQ(r.auths[1].mechanism, "LOGIN");
  EXPECT_EQ(r.send("a3 LOGIN alice alice\r\n"), "a3 BAD LOGIN not valid in this state\r\n");
  EXPECT_EQ(r.send("a4 LOGIN alice\r\n"), "a4 BAD LOGIN not valid in this state\r\n");
}

TEST(ImapServerSession, LoginSyntaxErrors) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("a LOGIN alice\r\n"), "a BAD Syntax: LOGIN user password\r\n");
  EXPECT_EQ(r.send("b LOGIN a b c\r\n"), "b BAD Syntax: LOGIN user password\r\n");
  EXPECT_TRUE(r.auths.empty());
}

TEST(ImapServerSession, LoginWithSynchronizingLiteralGetsContinuation) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("a LOGIN {5}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(r.send("alice {5}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_TRUE(contains(r.send("alice\r\n"), "a OK [CAPABILITY"));
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
}

TEST(ImapServerSession, AuthenticatePlainWithContinuation) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  EXPECT_EQ(r.send("a AUTHENTICATE PLAIN\r\n"), "+ \r\n");
  EXPECT_TRUE(contains(r.send(smtp::base64_encode(std::string("\0alice\0alice", 12)) + "\r\n"),
                       "a OK [CAPABILITY"));
  ASSERT_EQ(r.auths.size(), 1u);
  EXPECT_EQ(r.auths[0].mechanism, "PLAIN");
  EXPECT_EQ(r.auths[0].user, "alice");
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
}

TEST(ImapServerSession, AuthenticatePlainWithInitialResponse) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  const std::string ir = smtp::base64_encode(std::string("admin\0bob\0bob", 13));
  EXPECT_TRUE(contains(r.send("a AUTHENTICATE PLAIN " + ir + "\r\n"), "a OK [CAPABILITY"));
  EXPECT_EQ(r.auths[0].authzid, "admin");
  EXPECT_EQ(r.s.user(), "bob");
}

TEST(ImapServerSession, AuthenticateCancelledBadBase64AndFailure) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("a AUTHENTICATE PLAIN\r\n");
  EXPECT_EQ(r.send("*\r\n"), "a BAD Authentication cancelled\r\n");
  r.send("b AUTHENTICATE PLAIN\r\n");
  EXPECT_EQ(r.send("!!!\r\n"), "b BAD Invalid base64 in authentication response\r\n");
  EXPECT_EQ(
      r.send("c AUTHENTICATE PLAIN " + smtp::base64_encode(std::string("\0alice\0x", 8)) + "\r\n"),
      "c NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  EXPECT_EQ(r.send("d AUTHENTICATE CRAM-MD5\r\n"), "d NO Unsupported authentication mechanism\r\n");
  EXPECT_EQ(r.s.state(), ServerState::NotAuthenticated);
}

TEST(ImapServerSession, ObserverSeesRedactedCredentials) {
  struct Obs : proto::SessionObserver {
    std::vector<std::pair<std::string, bool>> in;
    std::vector<std::string> transitions;
    void on_line_in(std::string_view l, bool s) override { in.emplace_back(l, s); }
    void on_transition(const proto::MachineSpec&, int, int, std::string_view t) override {
      transitions.emplace_back(t);
    }
  } obs;
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.s.set_observer(&obs);
  r.start();
  r.send("a1 LOGIN alice alice\r\n");
  r.send("a2 LOGOUT\r\n");
  ASSERT_EQ(obs.in.size(), 2u);
  EXPECT_EQ(obs.in[0].first, "a1 LOGIN alice [redacted]");
  EXPECT_TRUE(obs.in[0].second);
  EXPECT_EQ(obs.in[1].first, "a2 LOGOUT");
  EXPECT_EQ(obs.transitions, (std::vector<std::string>{"LOGIN OK", "LOGOUT"}));

  Obs obs2;
  ImapRun r2(store);
  r2.s.set_observer(&obs2);
  r2.start();
  r2.send("b AUTHENTICATE PLAIN\r\n");
  r2.send(smtp::base64_encode(std::string("\0alice\0alice", 12)) + "\r\n");
  r2.send("c AUTHENTICATE PLAIN AGFsaWNlAGFsaWNl\r\n");
  ASSERT_EQ(obs2.in.size(), 3u);
  EXPECT_EQ(obs2.in[0].first, "b AUTHENTICATE PLAIN");
  EXPECT_EQ(obs2.in[1].first, "[redacted]");
  EXPECT_TRUE(obs2.in[1].second);
  EXPECT_EQ(obs2.in[2].first, "c AUTHENTICATE PLAIN [redacted]");
}

TEST(ImapServerSession, EveryCommandInTheWrongState) {
  mail::MailStore store;
  fill(store);
  ServerConfig cfg;
  cfg.max_errors = 100;  // every command below is an error on purpose
  ImapRun r(store, cfg);
  r.start();
  for (std::string c :
       {"SELECT INBOX", "EXAMINE INBOX", "CREATE x", "LIST \"\" *", "LSUB \"\" *",
        "STATUS INBOX (MESSAGES)", "APPEND INBOX {1+}\r\nx", "IDLE", "CHECK", "CLOSE", "UNSELECT",
        "EXPUNGE", "SEARCH ALL", "FETCH 1 FLAGS", "STORE 1 FLAGS (\\Seen)", "COPY 1 Sent",
        "UID FETCH 1 FLAGS", "NAMESPACE", "SUBSCRIBE INBOX"}) {
    const std::string verb = c.substr(0, c.find(' '));
    const std::string out = r.send("w " + c + "\r\n");
    EXPECT_TRUE(out.starts_with("w BAD ")) << c << " -> " << out;
  }
  r.send("l LOGIN alice alice\r\n");
  for (std::string c : {"CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH ALL", "FETCH 1 FLAGS",
                        "STORE 1 FLAGS (\\Seen)", "COPY 1 Sent", "UID SEARCH ALL", "LOGIN a b",
                        "AUTHENTICATE PLAIN", "STARTTLS"}) {
    const std::string out = r.send("w " + c + "\r\n");
    EXPECT_TRUE(out.starts_with("w BAD ")) << c << " -> " << out;
  }
  EXPECT_EQ(r.send("u FOO\r\n"), "u BAD Unknown command\r\n");
  EXPECT_EQ(r.send("u UID FOO 1\r\n"), "u BAD Unknown command\r\n");
  EXPECT_TRUE(r.send("u UID EXPUNGE 1\r\n").starts_with("u BAD "));  // needs SELECTED
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
}

TEST(ImapServerSession, SelectReportsTheMailbox) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 1, mail::kSeen);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("s SELECT inbox\r\n"),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* 5 EXISTS\r\n"
            "* 5 RECENT\r\n"
            "* OK [UNSEEN 2] Message 2 is first unseen\r\n"
            "* OK [UIDVALIDITY 1] UIDs valid\r\n"
            "* OK [UIDNEXT 6] Predicted next UID\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "
            "permitted\r\n"
            "s OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(r.s.state(), ServerState::Selected);
  EXPECT_EQ(r.s.selected_folder(), "INBOX");
  // The first session took \Recent: a second one sees none.
  ImapRun r2(store);
  r2.start();
  r2.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r2.send("e EXAMINE INBOX\r\n"),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* 5 EXISTS\r\n"
            "* 0 RECENT\r\n"
            "* OK [UNSEEN 2] Message 2 is first unseen\r\n"
            "* OK [UIDVALIDITY 1] UIDs valid\r\n"
            "* OK [UIDNEXT 6] Predicted next UID\r\n"
            "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
            "e OK [READ-ONLY] EXAMINE completed\r\n");
  EXPECT_TRUE(r2.s.read_only());
  EXPECT_EQ(r2.send("x STORE 1 +FLAGS (\\Flagged)\r\n"),
            "x NO [READ-ONLY] Mailbox is read-only\r\n");
  EXPECT_EQ(r2.send("y EXPUNGE\r\n"), "y NO [READ-ONLY] Mailbox is read-only\r\n");
}

TEST(ImapServerSession, SelectOfMissingMailboxLeavesSelectedState) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("s SELECT Nope\r\n"), "s NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
  EXPECT_TRUE(r.s.selected_folder().empty());
}

TEST(ImapServerSession, ListPatterns) {
  mail::MailStore store;
  fill(store);
  store.create_folder("alice", "Work");
  store.create_folder("alice", "Work/2024");
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("a LIST \"\" \"\"\r\n"),
            "* LIST (\\Noselect) \"/\" \"\"\r\na OK LIST completed\r\n");
  EXPECT_EQ(r.send("b LIST \"\" *\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Work\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Work/2024\"\r\n"
            "b OK LIST completed\r\n");
  EXPECT_EQ(r.send("c LIST \"\" %\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Work\"\r\n"
            "c OK LIST completed\r\n");
  EXPECT_EQ(r.send("d LIST \"\" inbox\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\nd OK LIST completed\r\n");
  EXPECT_EQ(r.send("e LIST Work/ %\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"Work/2024\"\r\ne OK LIST completed\r\n");
  EXPECT_EQ(r.send("f LSUB \"\" S*\r\n"),
            "* LSUB (\\HasNoChildren) \"/\" \"Sent\"\r\nf OK LSUB completed\r\n");
}

TEST(ImapServerSession, CreateAndStatus) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 2, mail::kSeen);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("c CREATE Archive/\r\n"), "c OK CREATE completed\r\n");
  EXPECT_NE(store.folder("alice", "Archive"), nullptr);
  EXPECT_EQ(r.send("c CREATE Archive\r\n"), "c NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(r.send("c CREATE inbox\r\n"), "c NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(r.send("c CREATE \"a*b\"\r\n"), "c NO Invalid mailbox name\r\n");
  // The superior names come too (RFC 3501 §6.3.3), so "%" reaches the new level.
  EXPECT_EQ(r.send("c CREATE Work/2024/Q1\r\n"), "c OK CREATE completed\r\n");
  EXPECT_EQ(r.send("l LIST \"\" %\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Archive\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Work\"\r\n"
            "l OK LIST completed\r\n");
  EXPECT_EQ(r.send("l LIST Work/ %\r\n"),
            "* LIST (\\HasChildren) \"/\" \"Work/2024\"\r\nl OK LIST completed\r\n");
  EXPECT_EQ(r.send("c CREATE Work/2024\r\n"), "c NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(r.send("c CREATE Work/2025\r\n"), "c OK CREATE completed\r\n");
  EXPECT_EQ(r.send("s STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n"),
            "* STATUS \"INBOX\" (MESSAGES 5 RECENT 5 UIDNEXT 6 UIDVALIDITY 1 UNSEEN 4)\r\n"
            "s OK STATUS completed\r\n");
  EXPECT_EQ(r.send("s STATUS Nope (MESSAGES)\r\n"), "s NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(r.send("s STATUS INBOX (BOGUS)\r\n"), "s BAD Unknown STATUS item\r\n");
}

TEST(ImapServerSession, AppendWithFlagsDateAndLiteral) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  const std::string msg = "Subject: saved\r\n\r\nhi\r\n";
  EXPECT_EQ(r.send("a APPEND Sent (\\Seen \\Draft) \"05-Mar-2024 10:11:12 +0100\" {" +
                   std::to_string(msg.size()) + "}\r\n"),
            "+ Ready for literal data\r\n");
  EXPECT_EQ(r.send(msg + "\r\n"), "a OK [APPENDUID 1 1] APPEND completed\r\n");
  const mail::Folder* sent = store.folder("alice", "Sent");
  ASSERT_EQ(sent->messages.size(), 1u);
  EXPECT_EQ(sent->messages[0].content, msg);
  EXPECT_EQ(sent->messages[0].flags, unsigned(mail::kSeen | mail::kDraft));
  EXPECT_EQ(sent->messages[0].internal_date, 1709629872LL * 1'000'000);  // 09:11:12 UTC
  // LITERAL+, default date = the session's clock
  EXPECT_EQ(r.send("b APPEND Sent {2+}\r\nhi\r\n"), "b OK [APPENDUID 1 2] APPEND completed\r\n");
  EXPECT_EQ(sent->messages[1].internal_date, imaptest::kDate);
  EXPECT_EQ(r.send("c APPEND Nope {2+}\r\nhi\r\n"), "c NO [TRYCREATE] No such mailbox\r\n");
  EXPECT_EQ(r.send("d APPEND Sent (\\Recent) {2+}\r\nhi\r\n"), "d BAD Invalid flag\r\n");
  EXPECT_EQ(r.send("e APPEND Sent \"bad date\" {2+}\r\nhi\r\n"), "e BAD Invalid date-time\r\n");
}

TEST(ImapServerSession, AppendToSelectedMailboxAnnouncesIt) {
  mail::MailStore store;
  fill(store, 2);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("a APPEND INBOX {2+}\r\nhi\r\n"),
            "* 3 EXISTS\r\n* 3 RECENT\r\na OK [APPENDUID 1 3] APPEND completed\r\n");
}

TEST(ImapServerSession, CopyToAnotherFolder) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 2, mail::kFlagged);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("c COPY 2:3 Sent\r\n"), "c OK [COPYUID 1 2:3 1:2] COPY completed\r\n");
  const mail::Folder* sent = store.folder("alice", "Sent");
  ASSERT_EQ(sent->messages.size(), 2u);
  EXPECT_EQ(sent->messages[0].content, imaptest::kMsg2);
  EXPECT_EQ(sent->messages[0].flags, unsigned(mail::kFlagged));
  EXPECT_EQ(sent->messages[0].internal_date, imaptest::kDate + 1'000'000);
  EXPECT_EQ(r.send("c COPY 1 Nope\r\n"), "c NO [TRYCREATE] No such mailbox\r\n");
  EXPECT_EQ(r.send("c COPY 9 Sent\r\n"), "c BAD Invalid sequence number\r\n");
  EXPECT_EQ(r.send("u UID COPY 4:* Sent\r\n"), "u OK [COPYUID 1 4:5 3:4] UID COPY completed\r\n");
  EXPECT_EQ(sent->messages.size(), 4u);
  EXPECT_EQ(r.send("u UID COPY 99 Sent\r\n"), "u OK UID COPY completed\r\n");
  EXPECT_EQ(sent->messages.size(), 4u);
}

TEST(ImapServerSession, CopyIntoTheSelectedFolderShowsNewMessages) {
  mail::MailStore store;
  fill(store, 2);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("c COPY 1:2 INBOX\r\n"),
            "* 4 EXISTS\r\n* 4 RECENT\r\nc OK [COPYUID 1 1:2 3:4] COPY completed\r\n");
}

// UIDPLUS (RFC 4315), which mbsync needs to pair a message it APPENDs with its local copy:
// APPENDUID and COPYUID name the new UIDs, UID EXPUNGE removes only \Deleted messages in
// its set (another client's \Deleted message stays).
TEST(ImapServerSession, UidPlusAppendUidCopyUidAndUidExpunge) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("c CAPABILITY\r\n"),
            "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS\r\n"
            "c OK CAPABILITY completed\r\n");
  EXPECT_EQ(r.send("a APPEND Sent {2+}\r\nhi\r\n"), "a OK [APPENDUID 1 1] APPEND completed\r\n");
  EXPECT_EQ(r.send("a APPEND Sent {2+}\r\nho\r\n"), "a OK [APPENDUID 1 2] APPEND completed\r\n");
  EXPECT_EQ(r.send("a APPEND INBOX {2+}\r\nhi\r\n"),
            "* 6 EXISTS\r\n* 6 RECENT\r\na OK [APPENDUID 1 6] APPEND completed\r\n");
  // Sources in UID order, runs compressed; destination UIDs in the same order.
  EXPECT_EQ(r.send("c COPY 1,2,4 Sent\r\n"), "c OK [COPYUID 1 1:2,4 3:5] COPY completed\r\n");
  EXPECT_EQ(r.send("u UID COPY 5 Sent\r\n"), "u OK [COPYUID 1 5 6] UID COPY completed\r\n");
  // Nothing copied: no COPYUID (there are no UIDs to name).
  EXPECT_EQ(r.send("u UID COPY 99 Sent\r\n"), "u OK UID COPY completed\r\n");
  EXPECT_EQ(store.folder("alice", "Sent")->messages.size(), 6u);

  r.send("f STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n");
  EXPECT_EQ(r.send("x UID EXPUNGE 2:5\r\n"),
            "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nx OK UID EXPUNGE completed\r\n");
  const mail::Folder* inbox = store.folder("alice", "INBOX");
  ASSERT_EQ(inbox->messages.size(), 4u);
  EXPECT_EQ(inbox->messages[0].uid, 1u);  // \Deleted but not in the set: kept
  EXPECT_TRUE(inbox->messages[0].flags & mail::kDeleted);
  EXPECT_EQ(r.send("x UID EXPUNGE\r\n"), "x BAD Syntax: UID EXPUNGE sequence-set\r\n");
  EXPECT_EQ(r.send("x UID EXPUNGE 1 2\r\n"), "x BAD Syntax: UID EXPUNGE sequence-set\r\n");
  EXPECT_EQ(r.send("x UID EXPUNGE *\r\n"), "x OK UID EXPUNGE completed\r\n");  // UID 6
  EXPECT_EQ(inbox->messages.size(), 4u);
  EXPECT_EQ(r.send("x EXPUNGE\r\n"), "* 1 EXPUNGE\r\nx OK EXPUNGE completed\r\n");
  r.send("e EXAMINE INBOX\r\n");
  EXPECT_EQ(r.send("x UID EXPUNGE 1:*\r\n"), "x NO [READ-ONLY] Mailbox is read-only\r\n");
}

TEST(ImapServerSession, CloseExpungesSilentlyUnselectDoesNot) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 2, mail::kDeleted);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("u UNSELECT\r\n"), "u OK UNSELECT completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 5u);
  r.send("e EXAMINE INBOX\r\n");
  EXPECT_EQ(r.send("c CLOSE\r\n"), "c OK CLOSE completed\r\n");  // read-only: nothing removed
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 5u);
  r.send("s SELECT INBOX\r\n");
  EXPECT_EQ(r.send("c CLOSE\r\n"), "c OK CLOSE completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 4u);
  EXPECT_EQ(r.s.state(), ServerState::Authenticated);
}

TEST(ImapServerSession, LogoutInEveryState) {
  mail::MailStore store;
  fill(store);
  {
    ImapRun r(store);
    r.start();
    EXPECT_EQ(r.send("z LOGOUT\r\n"),
              "* BYE IMAP4rev1 Server logging out\r\nz OK LOGOUT completed\r\n");
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(r.s.state(), ServerState::Logout);
    EXPECT_EQ(r.send("a NOOP\r\n"), "");
  }
  {
    ImapRun r(store);
    r.login_select();
    EXPECT_EQ(r.send("z LOGOUT\r\n"),
              "* BYE IMAP4rev1 Server logging out\r\nz OK LOGOUT completed\r\n");
    EXPECT_TRUE(r.closed);
  }
}

TEST(ImapServerSession, TimeoutAndShutdown) {
  mail::MailStore store;
  ImapRun r(store);
  r.start();
  r.s.timeout();
  EXPECT_EQ(r.pump(), "* BYE Autologout; idle for too long\r\n");
  EXPECT_TRUE(r.closed);
  ImapRun r2(store);
  r2.start();
  r2.s.shutdown("Server shutting down");
  EXPECT_EQ(r2.pump(), "* BYE Server shutting down\r\n");
  EXPECT_EQ(r2.s.state(), ServerState::Logout);
  EXPECT_EQ(ServerSession::idle_timeout(), std::chrono::minutes(30));
}

TEST(ImapServerSession, NamespaceNoopAndStateDiagram) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(r.send("n NAMESPACE\r\n"),
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nn OK NAMESPACE completed\r\n");
  EXPECT_EQ(r.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
  EXPECT_EQ(r.s.state_caption(), "logged in, no mailbox selected");
  const std::string dot = proto::render_dot(server_machine_spec());
  EXPECT_TRUE(contains(dot, "digraph \"IMAP server\""));
  EXPECT_TRUE(contains(dot, "label=\"SELECT OK\""));
}

}  // namespace
}  // namespace smtpsim::imap
