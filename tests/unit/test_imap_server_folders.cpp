// IMAP DELETE and RENAME (RFC 3501 §6.3.4, §6.3.5) on the server machine: the rules about
// INBOX and inferior names, UIDVALIDITY of a name used again (§2.3.1.1), RENAME of INBOX,
// and what another session sees when its selected mailbox is deleted or renamed.
#include <fmt/format.h>

#include "tests/unit/test_imap_server_harness.hpp"

namespace smtpsim::imap {
namespace {

using imaptest::contains;
using imaptest::fill;
using imaptest::ImapRun;

constexpr std::uint32_t kSecs = 1'700'000'000;  // imaptest::kDate in seconds

// Logged in as alice, nothing selected, output dropped.
ImapRun& login(ImapRun& r) {
  r.start();
  r.send("l LOGIN alice alice\r\n");
  r.output.clear();
  return r;
}

TEST(ImapServerFolders, DeleteRemovesTheMailboxAndItsMessages) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  a.send("c CREATE Work\r\n");
  EXPECT_EQ(a.send("p APPEND Work {5+}\r\nhello\r\n"),
            fmt::format("p OK [APPENDUID {} 1] APPEND completed\r\n", kSecs));
  EXPECT_EQ(a.send("d DELETE Work\r\n"), "d OK DELETE completed\r\n");
  EXPECT_EQ(store.folder("alice", "Work"), nullptr);
  EXPECT_EQ(a.send("s SELECT Work\r\n"), "s NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_FALSE(contains(a.send("l LIST \"\" *\r\n"), "Work"));
  EXPECT_EQ(a.send("d DELETE Work\r\n"), "d NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(a.send("d DELETE INBOX\r\n"), "d NO [CANNOT] INBOX cannot be deleted\r\n");
  EXPECT_EQ(a.send("d DELETE inbox\r\n"), "d NO [CANNOT] INBOX cannot be deleted\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.size(), 5u);
  EXPECT_EQ(a.send("d DELETE\r\n"), "d BAD Syntax: DELETE mailbox\r\n");
  EXPECT_EQ(a.send("d DELETE a b\r\n"), "d BAD Syntax: DELETE mailbox\r\n");
}

// RFC 3501 §6.3.4's second example, which is what Dovecot does: the messages go, the name
// stays as the \Noselect superior of its inferiors, and deleting that is an error until the
// inferiors are gone (then the name disappears with them).
TEST(ImapServerFolders, DeleteOfAMailboxWithInferiorsLeavesANoselectName) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  a.send("c CREATE Work/2024\r\n");
  a.send("c CREATE Work-old\r\n");  // sorts between "Work" and "Work/2024"
  a.send("p APPEND Work {5+}\r\nhello\r\n");
  EXPECT_EQ(a.send("d DELETE Work\r\n"), "d OK DELETE completed\r\n");
  EXPECT_EQ(a.send("l LIST \"\" Work*\r\n"),
            "* LIST (\\Noselect \\HasChildren) \"/\" \"Work\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Work-old\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Work/2024\"\r\n"
            "l OK LIST completed\r\n");
  EXPECT_EQ(a.send("l LIST \"\" %\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n"
            "* LIST (\\Noselect \\HasChildren) \"/\" \"Work\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Work-old\"\r\n"
            "l OK LIST completed\r\n");
  EXPECT_EQ(a.send("s SELECT Work\r\n"), "s NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(a.send("t STATUS Work (MESSAGES)\r\n"), "t NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(a.send("d DELETE Work\r\n"),
            "d NO [HASCHILDREN] Mailbox has children, delete them first\r\n");
  EXPECT_EQ(a.send("d DELETE Work/2024\r\n"), "d OK DELETE completed\r\n");
  EXPECT_EQ(a.send("l LIST \"\" Work*\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"Work-old\"\r\nl OK LIST completed\r\n");
  // CREATE makes a \Noselect name a mailbox again.
  a.send("c CREATE Work/2025\r\n");
  a.send("d DELETE Work\r\n");
  EXPECT_EQ(a.send("c CREATE Work\r\n"), "c OK CREATE completed\r\n");
  EXPECT_EQ(a.send("l LIST \"\" Work\r\n"),
            "* LIST (\\HasChildren) \"/\" \"Work\"\r\nl OK LIST completed\r\n");
}

// RFC 3501 §2.3.1.1: a mailbox deleted and created again under the same name must not
// repeat the old UIDVALIDITY (a client would take the new UID 1 for the old one).
TEST(ImapServerFolders, ANameCreatedAgainGetsANewUidvalidity) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  auto validity = [&](const std::string& box) {
    const std::string said = a.send("t STATUS " + box + " (UIDVALIDITY)\r\n");
    return said.substr(0, said.find("\r\n"));
  };
  a.send("c CREATE Work\r\n");
  EXPECT_EQ(validity("Work"), fmt::format("* STATUS \"Work\" (UIDVALIDITY {})", kSecs));
  a.send("d DELETE Work\r\n");
  a.send("c CREATE Work\r\n");
  EXPECT_EQ(validity("Work"), fmt::format("* STATUS \"Work\" (UIDVALIDITY {})", kSecs + 1));
  // Later in time: the clock's seconds, as Dovecot does (a restart forgets deleted folders).
  a.s.set_now(imaptest::kDate + 3600'000'000LL);
  a.send("d DELETE Work\r\n");
  a.send("c CREATE Work\r\n");
  EXPECT_EQ(validity("Work"), fmt::format("* STATUS \"Work\" (UIDVALIDITY {})", kSecs + 3600));
}

// RFC 3501 §6.3.5: inferiors are renamed too, superiors of the new name are created as CREATE
// does, and the mailbox keeps its UIDVALIDITY, UIDs and flags (RFC 9051 §6.3.6 says so).
TEST(ImapServerFolders, RenameMovesInferiorsAndKeepsUids) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  a.send("c CREATE Work/2024\r\n");  // Work: kSecs, Work/2024: kSecs + 1
  a.send("p APPEND Work/2024 (\\Flagged) {5+}\r\nhello\r\n");
  a.send("p APPEND Work/2024 {5+}\r\nworld\r\n");
  EXPECT_EQ(a.send("r RENAME Work Archive/Old\r\n"), "r OK RENAME completed\r\n");
  EXPECT_EQ(a.send("l LIST \"\" *\r\n"),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Archive\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Archive/Old\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Archive/Old/2024\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n"
            "l OK LIST completed\r\n");
  EXPECT_EQ(a.send("t STATUS Archive/Old/2024 (MESSAGES UIDNEXT UIDVALIDITY)\r\n"),
            fmt::format("* STATUS \"Archive/Old/2024\" (MESSAGES 2 UIDNEXT 3 UIDVALIDITY {})\r\n"
                        "t OK STATUS completed\r\n",
                        kSecs + 1));
  a.send("s SELECT Archive/Old/2024\r\n");
  EXPECT_EQ(a.send("f UID FETCH 1:* (FLAGS)\r\n"),
            "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\n* 2 FETCH (UID 2 FLAGS (\\Recent))\r\n"
            "f OK UID FETCH completed\r\n");
  // The superior made for the new name is a new mailbox.
  EXPECT_EQ(store.folder("alice", "Archive")->uidvalidity, kSecs + 2);
  EXPECT_EQ(store.folder("alice", "Work"), nullptr);
  EXPECT_EQ(store.folder("alice", "Work/2024"), nullptr);
}

TEST(ImapServerFolders, RenameErrors) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  a.send("c CREATE A/x\r\n");
  a.send("c CREATE B/x\r\n");
  a.send("d DELETE B\r\n");  // B is now only the \Noselect superior of B/x
  EXPECT_EQ(a.send("r RENAME Nope New\r\n"), "r NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(a.send("r RENAME A Sent\r\n"), "r NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(a.send("r RENAME A inbox\r\n"), "r NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(a.send("r RENAME A A\r\n"), "r NO [ALREADYEXISTS] Mailbox exists\r\n");
  // A/x would become B/x, which exists.
  EXPECT_EQ(a.send("r RENAME A B\r\n"), "r NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(a.send("r RENAME A A/y\r\n"),
            "r NO [CANNOT] Cannot rename a mailbox to its own inferior\r\n");
  EXPECT_EQ(a.send("r RENAME A \"bad*\"\r\n"), "r NO [CANNOT] Invalid mailbox name\r\n");
  EXPECT_EQ(a.send("r RENAME A\r\n"), "r BAD Syntax: RENAME existing new\r\n");
  EXPECT_NE(store.folder("alice", "A"), nullptr);
  EXPECT_NE(store.folder("alice", "A/x"), nullptr);
  // A \Noselect name with inferiors can be renamed: the inferiors move.
  EXPECT_EQ(a.send("r RENAME B C/\r\n"), "r OK RENAME completed\r\n");
  EXPECT_NE(store.folder("alice", "C/x"), nullptr);
  EXPECT_EQ(store.folder("alice", "C"), nullptr);  // still only a superior
  EXPECT_EQ(store.folder("alice", "B/x"), nullptr);
}

// RFC 3501 §6.3.5: RENAME INBOX moves its messages to the new mailbox and leaves INBOX empty;
// INBOX's inferiors stay. INBOX keeps its UIDVALIDITY and UIDNEXT (its next UID still
// ascends); the new mailbox is new, so it has a UIDVALIDITY of its own.
TEST(ImapServerFolders, RenameInboxMovesItsMessages) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  login(a);
  b.login_select();  // alice's INBOX, 5 messages
  a.send("c CREATE INBOX/Sub\r\n");
  EXPECT_EQ(a.send("r RENAME INBOX Old\r\n"), "r OK RENAME completed\r\n");
  EXPECT_EQ(a.send("t STATUS Old (MESSAGES UIDNEXT UIDVALIDITY)\r\n"),
            fmt::format("* STATUS \"Old\" (MESSAGES 5 UIDNEXT 6 UIDVALIDITY {})\r\n"
                        "t OK STATUS completed\r\n",
                        kSecs + 1));
  EXPECT_EQ(a.send("t STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)\r\n"),
            "* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 6 UIDVALIDITY 1)\r\nt OK STATUS completed\r\n");
  EXPECT_NE(store.folder("alice", "INBOX/Sub"), nullptr);
  EXPECT_EQ(store.folder("alice", "Old")->messages.front().content, imaptest::kMsg1);
  // The session that had INBOX selected sees its messages leave.
  EXPECT_EQ(b.send("n NOOP\r\n"),
            "* 5 EXPUNGE\r\n* 4 EXPUNGE\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n* 1 EXPUNGE\r\n"
            "n OK NOOP completed\r\n");
  store.deliver("alice", "Subject: next\r\n\r\nx\r\n", imaptest::kDate);
  EXPECT_EQ(store.folder("alice", "INBOX")->messages.front().uid, 6u);
}

// Dovecot's answer: a session whose selected mailbox was deleted says BYE before its next
// command (RFC 3501 has no response that unselects, and the old UIDs mean nothing now).
TEST(ImapServerFolders, AnotherSessionsSelectedMailboxDeletedGetsBye) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  login(a);
  a.send("c CREATE Work\r\n");
  a.send("p APPEND Work {5+}\r\nhello\r\n");
  b.login_select("alice", "Work");
  EXPECT_EQ(a.send("d DELETE Work\r\n"), "d OK DELETE completed\r\n");
  a.send("c CREATE Work\r\n");  // the same name again: not the mailbox b had
  EXPECT_EQ(b.send("n NOOP\r\n"), "* BYE Selected mailbox was deleted, have to disconnect\r\n");
  EXPECT_TRUE(b.closed);
  EXPECT_EQ(b.s.state(), ServerState::Logout);
}

TEST(ImapServerFolders, AnIdleSessionHearsOfTheDeleteAtOnce) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  login(a);
  a.send("c CREATE Work\r\n");
  b.login_select("alice", "Work");
  EXPECT_EQ(b.send("i IDLE\r\n"), "+ idling\r\n");
  a.send("d DELETE Work\r\n");
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "* BYE Selected mailbox was deleted, have to disconnect\r\n");
  EXPECT_TRUE(b.closed);
}

TEST(ImapServerFolders, DeletingTheOwnSelectedMailboxAnswersThenSaysBye) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store);
  login(a);
  a.send("c CREATE Work\r\n");
  a.send("s SELECT Work\r\n");
  EXPECT_EQ(a.send("d DELETE Work\r\n"),
            "d OK DELETE completed\r\n* BYE Selected mailbox was deleted, have to disconnect\r\n");
  EXPECT_TRUE(a.closed);
}

// A renamed mailbox is the same mailbox: a session that has it selected carries on under the
// new name, even when a new mailbox takes the old name.
TEST(ImapServerFolders, ASelectedMailboxRenamedIsFollowed) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  login(a);
  a.send("c CREATE Work\r\n");
  a.send("p APPEND Work {5+}\r\nhello\r\n");
  b.login_select("alice", "Work");
  EXPECT_EQ(a.send("r RENAME Work Play\r\n"), "r OK RENAME completed\r\n");
  a.send("c CREATE Work\r\n");
  a.send("p APPEND Work {5+}\r\nother\r\n");
  EXPECT_EQ(b.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
  EXPECT_EQ(b.s.selected_folder(), "Play");
  a.send("p APPEND Play {5+}\r\nagain\r\n");
  EXPECT_EQ(b.send("n NOOP\r\n"), "* 2 EXISTS\r\n* 2 RECENT\r\nn OK NOOP completed\r\n");
  EXPECT_EQ(b.send("f UID FETCH 2 BODY.PEEK[]\r\n"),
            "* 2 FETCH (UID 2 BODY[] {5}\r\nagain)\r\nf OK UID FETCH completed\r\n");
  // The session's own RENAME of its selected mailbox too.
  EXPECT_EQ(b.send("r RENAME Play Games\r\n"), "r OK RENAME completed\r\n");
  EXPECT_EQ(b.s.selected_folder(), "Games");
  EXPECT_EQ(b.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
}

TEST(ImapServerFolders, SameAnswersHoweverTheBytesAreCut) {
  imaptest::expect_split_invariant(
      "a LOGIN alice alice\r\nb CREATE W/x\r\nc RENAME W V\r\nd DELETE V\r\n"
      "e LIST \"\" *\r\nf DELETE V\r\ng RENAME INBOX Old\r\nh LOGOUT\r\n");
}

}  // namespace
}  // namespace smtpsim::imap
