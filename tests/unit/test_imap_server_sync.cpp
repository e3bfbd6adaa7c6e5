// "IMAP synchronises": several sessions on one mailbox see each other's changes, after
// every command and, while IDLE (RFC 2177), as soon as the owner calls mailbox_changed().
#include "tests/unit/test_imap_server_harness.hpp"

namespace smtpsim::imap {
namespace {

using imaptest::contains;
using imaptest::fill;
using imaptest::ImapRun;

TEST(ImapServerSync, FlagChangeByAnotherSessionShowsOnNoop) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  EXPECT_EQ(a.send("a STORE 2 +FLAGS (\\Seen)\r\n"),
            "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\na OK STORE completed\r\n");
  // B did not take \Recent (A did), so B's FETCH shows \Seen alone.
  EXPECT_EQ(b.send("b NOOP\r\n"), "* 2 FETCH (FLAGS (\\Seen))\r\nb OK NOOP completed\r\n");
  EXPECT_EQ(b.send("b NOOP\r\n"), "b OK NOOP completed\r\n");  // reported once
  EXPECT_EQ(a.send("a NOOP\r\n"), "a OK NOOP completed\r\n");  // never to the one who stored
}

TEST(ImapServerSync, ExpungeByAnotherSessionShowsAsExpunge) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  a.send("a STORE 2,4 +FLAGS.SILENT (\\Deleted)\r\n");
  EXPECT_EQ(a.send("a EXPUNGE\r\n"), "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\na OK EXPUNGE completed\r\n");
  EXPECT_EQ(b.send("b CHECK\r\n"), "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\nb OK CHECK completed\r\n");
  EXPECT_EQ(b.send("b FETCH 3 UID\r\n"), "* 3 FETCH (UID 5)\r\nb OK FETCH completed\r\n");
}

TEST(ImapServerSync, NoExpungeDuringFetchStoreSearchButUidFormsMay) {
  mail::MailStore store;
  fill(store);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  a.send("a STORE 2 +FLAGS.SILENT (\\Deleted)\r\n");
  a.send("a EXPUNGE\r\n");
  // RFC 3501 §7.4.1: B's FETCH may not shift sequence numbers; message 2 is a ghost.
  EXPECT_EQ(b.send("b FETCH 1:3 UID\r\n"),
            "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\nb OK FETCH completed\r\n");
  EXPECT_EQ(b.send("b SEARCH ALL\r\n"), "* SEARCH 1 3 4 5\r\nb OK SEARCH completed\r\n");
  EXPECT_EQ(b.send("b STORE 3 +FLAGS (\\Flagged)\r\n"),
            "* 3 FETCH (FLAGS (\\Flagged))\r\nb OK STORE completed\r\n");
  EXPECT_EQ(b.send("b UID FETCH 3 UID\r\n"),
            "* 3 FETCH (UID 3)\r\n* 2 EXPUNGE\r\nb OK UID FETCH completed\r\n");
  EXPECT_EQ(b.send("b FETCH 2 UID\r\n"), "* 2 FETCH (UID 3)\r\nb OK FETCH completed\r\n");
  // A sees B's \Flagged.
  EXPECT_EQ(a.send("a NOOP\r\n"),
            "* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\na OK NOOP completed\r\n");
}

TEST(ImapServerSync, DeliveryShowsInBothSessions) {
  mail::MailStore store;
  fill(store, 2);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  store.deliver("alice", "Subject: new\r\n\r\nnew\r\n", imaptest::kDate);
  // \Recent goes to the first session that sees the message.
  EXPECT_EQ(b.send("b NOOP\r\n"), "* 3 EXISTS\r\n* 1 RECENT\r\nb OK NOOP completed\r\n");
  EXPECT_EQ(a.send("a NOOP\r\n"), "* 3 EXISTS\r\n* 2 RECENT\r\na OK NOOP completed\r\n");
  EXPECT_EQ(a.send("a FETCH 3 (UID FLAGS)\r\n"),
            "* 3 FETCH (UID 3 FLAGS ())\r\na OK FETCH completed\r\n");
  // New messages may be announced during FETCH too (EXISTS is always allowed).
  store.deliver("alice", "Subject: newer\r\n\r\nx\r\n", imaptest::kDate);
  EXPECT_EQ(a.send("a FETCH 1 UID\r\n"),
            "* 1 FETCH (UID 1)\r\n* 4 EXISTS\r\n* 3 RECENT\r\na OK FETCH completed\r\n");
}

TEST(ImapServerSync, ExpungeAndDeliveryTogether) {
  mail::MailStore store;
  fill(store, 3);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  store.expunge("alice", "INBOX", std::vector<std::uint32_t>{1, 3});
  store.deliver("alice", "Subject: new\r\n\r\nnew\r\n", imaptest::kDate);
  EXPECT_EQ(b.send("b NOOP\r\n"),
            "* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n* 2 EXISTS\r\n* 1 RECENT\r\nb OK NOOP completed\r\n");
  EXPECT_EQ(b.send("b FETCH 1:2 UID\r\n"),
            "* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 4)\r\nb OK FETCH completed\r\n");
}

TEST(ImapServerSync, IdleReportsDeliveryFlagChangeAndExpunge) {
  mail::MailStore store;
  fill(store, 3);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  EXPECT_EQ(b.send("i IDLE\r\n"), "+ idling\r\n");
  EXPECT_TRUE(b.s.idling());
  EXPECT_EQ(b.s.state(), ServerState::Idle);

  store.deliver("alice", "Subject: pushed\r\n\r\nx\r\n", imaptest::kDate);
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "* 4 EXISTS\r\n* 1 RECENT\r\n");

  a.send("a STORE 1 +FLAGS (\\Seen)\r\n");
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "* 1 FETCH (FLAGS (\\Seen))\r\n");

  a.send("a STORE 2 +FLAGS.SILENT (\\Deleted)\r\n");
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "* 2 FETCH (FLAGS (\\Deleted))\r\n");
  a.send("a EXPUNGE\r\n");
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "* 2 EXPUNGE\r\n");

  b.s.mailbox_changed();  // nothing new
  EXPECT_EQ(b.pump(), "");
  EXPECT_EQ(b.send("DONE\r\n"), "i OK IDLE terminated\r\n");
  EXPECT_EQ(b.s.state(), ServerState::Selected);
  EXPECT_EQ(b.send("f FETCH 3 UID\r\n"), "* 3 FETCH (UID 4)\r\nf OK FETCH completed\r\n");
}

TEST(ImapServerSync, IdleAlreadyChangedReportsAtOnce) {
  mail::MailStore store;
  fill(store, 1);
  ImapRun b(store);
  b.login_select();
  store.deliver("alice", "Subject: x\r\n\r\nx\r\n", imaptest::kDate);
  EXPECT_EQ(b.send("i IDLE\r\n"), "+ idling\r\n* 2 EXISTS\r\n* 2 RECENT\r\n");
  EXPECT_EQ(b.send("done\r\n"), "i OK IDLE terminated\r\n");
}

TEST(ImapServerSync, IdleEndedByAnythingButDone) {
  mail::MailStore store;
  fill(store, 1);
  ImapRun b(store);
  b.login_select();
  b.send("i IDLE\r\n");
  EXPECT_EQ(b.send("x NOOP\r\n"), "i BAD Expected DONE to end IDLE\r\n");
  EXPECT_EQ(b.s.state(), ServerState::Selected);
  EXPECT_EQ(b.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
}

TEST(ImapServerSync, IdleInAuthenticatedStateAndTimeout) {
  mail::MailStore store;
  fill(store, 1);
  ImapRun b(store);
  b.start();
  b.send("l LOGIN alice alice\r\n");
  EXPECT_EQ(b.send("i IDLE\r\n"), "+ idling\r\n");
  b.s.mailbox_changed();  // no mailbox selected: nothing to say
  EXPECT_EQ(b.pump(), "");
  EXPECT_EQ(b.send("DONE\r\n"), "i OK IDLE terminated\r\n");
  EXPECT_EQ(b.s.state(), ServerState::Authenticated);
  b.send("j IDLE\r\n");
  b.s.timeout();
  EXPECT_EQ(b.pump(), "* BYE Autologout; idle for too long\r\n");
  EXPECT_TRUE(b.closed);
}

TEST(ImapServerSync, MailboxChangedOutsideIdleWaitsForNextCommand) {
  mail::MailStore store;
  fill(store, 1);
  ImapRun b(store);
  b.login_select();
  store.deliver("alice", "Subject: x\r\n\r\nx\r\n", imaptest::kDate);
  b.s.mailbox_changed();
  EXPECT_EQ(b.pump(), "");
  EXPECT_EQ(b.send("n NOOP\r\n"), "* 2 EXISTS\r\n* 2 RECENT\r\nn OK NOOP completed\r\n");
}

TEST(ImapServerSync, StoreOfSameMessageByBothSessions) {
  mail::MailStore store;
  fill(store, 2);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select();
  a.send("a STORE 1 +FLAGS.SILENT (\\Flagged)\r\n");
  // B's own STORE reports the combined flags; the \Flagged from A is then not repeated.
  EXPECT_EQ(b.send("b STORE 1 +FLAGS (\\Seen)\r\n"),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\nb OK STORE completed\r\n");
  EXPECT_EQ(b.send("b NOOP\r\n"), "b OK NOOP completed\r\n");
  EXPECT_EQ(a.send("a NOOP\r\n"),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))\r\na OK NOOP completed\r\n");
}

TEST(ImapServerSync, DifferentFoldersDoNotInterfere) {
  mail::MailStore store;
  fill(store, 2);
  ImapRun a(store), b(store);
  a.login_select();
  b.login_select("alice", "Sent");
  a.send("a COPY 1 Sent\r\n");
  EXPECT_EQ(a.send("a NOOP\r\n"), "a OK NOOP completed\r\n");
  EXPECT_EQ(b.send("b NOOP\r\n"), "* 1 EXISTS\r\n* 1 RECENT\r\nb OK NOOP completed\r\n");
}

}  // namespace
}  // namespace smtpsim::imap
