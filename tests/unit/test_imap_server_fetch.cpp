// FETCH, STORE, SEARCH, EXPUNGE and the UID forms on one session: exact response bytes,
// literals included.
#include "sim/proto/imap/fetch.hpp"
#include "sim/proto/imap/syntax.hpp"
#include "tests/unit/test_imap_server_harness.hpp"

namespace smtpsim::imap {
namespace {

using namespace server_side;

using imaptest::contains;
using imaptest::fill;
using imaptest::ImapRun;
using imaptest::kMsg1;
using imaptest::kMsg2;

std::string lit(std::string_view s) {
  return "{" + std::to_string(s.size()) + "}\r\n" + std::string(s);
}

TEST(ImapServerFetch, FlagsUidSizeInternalDate) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("f FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)\r\n"),
            "* 1 FETCH (FLAGS (\\Recent) UID 1 RFC822.SIZE " + std::to_string(kMsg1.size()) +
                " INTERNALDATE \"14-Nov-2023 22:13:20 +0000\")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 2:3 UID\r\n"),
            "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 4,* fast\r\n"),
            "* 4 FETCH (FLAGS (\\Recent) INTERNALDATE \"14-Nov-2023 22:13:23 +0000\" RFC822.SIZE " +
                std::to_string(imaptest::numbered(4).size()) +
                ")\r\n* 5 FETCH (FLAGS (\\Recent) INTERNALDATE \"14-Nov-2023 22:13:24 +0000\" "
                "RFC822.SIZE " +
                std::to_string(imaptest::numbered(5).size()) + ")\r\nf OK FETCH completed\r\n");
}

TEST(ImapServerFetch, MacrosAllAndFull) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  const std::string head =
      "* 2 FETCH (FLAGS (\\Recent) INTERNALDATE \"14-Nov-2023 22:13:21 +0000\" "
      "RFC822.SIZE " +
      std::to_string(kMsg2.size()) + " ENVELOPE (NIL \"second\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  EXPECT_EQ(r.send("f FETCH 2 ALL\r\n"), head + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 2 FULL\r\n"),
            head +
                " BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 1))"
                "\r\nf OK FETCH completed\r\n");
}

TEST(ImapServerFetch, BodySectionsAsLiterals) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  const std::string header = kMsg1.substr(0, kMsg1.find("\r\n\r\n") + 4);
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[HEADER]\r\n"),
            "* 1 FETCH (BODY[HEADER] " + lit(header) + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[]\r\n"),
            "* 1 FETCH (BODY[] " + lit(kMsg1) + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[HEADER.FIELDS (Subject FROM)]\r\n"),
            "* 1 FETCH (BODY[HEADER.FIELDS (Subject FROM)] " +
                lit("From: Alice Example <alice@example.com>\r\nSubject: Hello there\r\n\r\n") +
                ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 2 BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)]\r\n"),
            "* 2 FETCH (BODY[HEADER.FIELDS.NOT (SUBJECT)] " + lit("\r\n") +
                ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[]<0.4>\r\n"),
            "* 1 FETCH (BODY[]<0> " + lit("From") + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[TEXT]<5.100>\r\n"),
            "* 1 FETCH (BODY[TEXT]<5> " + lit("one\r\n") + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[TEXT]<500.10>\r\n"),
            "* 1 FETCH (BODY[TEXT]<500> " + lit("") + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK[1]\r\n"),
            "* 1 FETCH (BODY[1] " + lit("Body one\r\n") + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 1 RFC822.HEADER\r\n"),
            "* 1 FETCH (RFC822.HEADER " + lit(header) + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages[0].flags, 0u);  // all of these peek
}

TEST(ImapServerFetch, BodyWithoutPeekSetsSeenAndReportsFlags) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("f FETCH 2 BODY[TEXT]\r\n"),
            "* 2 FETCH (BODY[TEXT] " + lit("no from here\r\n") +
                " FLAGS (\\Seen \\Recent))\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages[1].flags, unsigned(mail::kSeen));
  // Already seen: no FLAGS added; nothing re-announced on NOOP.
  EXPECT_EQ(r.send("f FETCH 2 RFC822.TEXT\r\n"),
            "* 2 FETCH (RFC822.TEXT " + lit("no from here\r\n") + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
  EXPECT_EQ(r.send("f FETCH 3 (FLAGS RFC822)\r\n"), "* 3 FETCH (FLAGS (\\Seen \\Recent) RFC822 " +
                                                        lit(imaptest::numbered(3)) +
                                                        ")\r\nf OK FETCH completed\r\n");
}

TEST(ImapServerFetch, ExamineNeverSetsSeen) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.start();
  r.send("l LOGIN alice alice\r\n");
  r.send("e EXAMINE INBOX\r\n");
  EXPECT_EQ(r.send("f FETCH 2 BODY[]\r\n"),
            "* 2 FETCH (BODY[] " + lit(kMsg2) + ")\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages[1].flags, 0u);
}

TEST(ImapServerFetch, EnvelopeWithAddressListsAndMissingFields) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  const std::string alice = "((\"Alice Example\" NIL \"alice\" \"example.com\"))";
  EXPECT_EQ(r.send("f FETCH 1 ENVELOPE\r\n"),
            "* 1 FETCH (ENVELOPE (\"Mon, 01 Jan 2024 10:00:00 +0000\" \"Hello there\" " + alice +
                " " + alice + " " + alice +
                " ((\"Bob\" NIL \"bob\" \"example.net\")(NIL NIL \"carol\" \"example.org\")) "
                "((\"Smith, Dave\" NIL \"dave\" \"example.com\")) NIL NIL \"<m1@example.com>\"))"
                "\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("f FETCH 2 ENVELOPE\r\n"),
            "* 2 FETCH (ENVELOPE (NIL \"second\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
            "f OK FETCH completed\r\n");
}

TEST(ImapServerFetch, EnvelopeSenderReplyToGroupsAndQuoting) {
  const std::string msg =
      "From: \"Q. \\\"Quote\\\" Public\" <q@example.com>\r\n"
      "Sender: list@example.org\r\n"
      "Reply-To: \r\n"
      "To: undisclosed-recipients:;\r\n"
      "Cc: Team: a@x.test, B <b@y.test>;, c@z.test (comment)\r\n"
      "Bcc: <@relay.test:route@example.com>\r\n"
      "In-Reply-To: <parent@example.com>\r\n"
      "Subject: =?UTF-8?B?w6k=?=\r\n"
      "\r\nbody\r\n";
  EXPECT_EQ(render_envelope(msg),
            "(NIL \"=?UTF-8?B?w6k=?=\" "
            "((\"Q. \\\"Quote\\\" Public\" NIL \"q\" \"example.com\")) "
            "((NIL NIL \"list\" \"example.org\")) "
            "((\"Q. \\\"Quote\\\" Public\" NIL \"q\" \"example.com\")) "
            "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
            "((NIL NIL \"Team\" NIL)(NIL NIL \"a\" \"x.test\")(\"B\" NIL \"b\" \"y.test\")"
            "(NIL NIL NIL NIL)(NIL NIL \"c\" \"z.test\")) "
            "((NIL \"@relay.test\" \"route\" \"example.com\")) "
            "\"<parent@example.com>\" NIL)");
}

TEST(ImapServerFetch, BodyStructureTextAndMultipart) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("f FETCH 1 BODY\r\n"),
            "* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 "
            "1))\r\nf OK FETCH completed\r\n");
  const std::string mp =
      "Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\npreamble\r\n--xx\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--xx\r\n"
      "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"
      "--xx--\r\n";
  EXPECT_EQ(render_body_structure(mp, false),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1)"
            "(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 4) \"MIXED\")");
  EXPECT_EQ(render_body_structure(mp, true),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL)"
            "(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 4 NIL NIL NIL) \"MIXED\" "
            "(\"BOUNDARY\" \"xx\") NIL NIL)");
  Section s;
  s.part = {2};
  EXPECT_EQ(section_bytes(s, mp), "AAAA");
  s.kind = Section::Kind::Mime;
  EXPECT_EQ(section_bytes(s, mp),
            "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n");
}

TEST(ImapServerFetch, FetchSyntaxAndRangeErrors) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("f FETCH 6 FLAGS\r\n"), "f BAD Invalid sequence number\r\n");
  EXPECT_EQ(r.send("f FETCH 0 FLAGS\r\n"), "f BAD Syntax: FETCH sequence-set items\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BOGUS\r\n"), "f BAD Syntax: FETCH sequence-set items\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY[FOO]\r\n"), "f BAD Syntax: FETCH sequence-set items\r\n");
  EXPECT_EQ(r.send("f FETCH 1 (FLAGS\r\n"), "f BAD Syntax: FETCH sequence-set items\r\n");
  EXPECT_EQ(r.send("f FETCH 1 BODY.PEEK\r\n"), "f BAD Syntax: FETCH sequence-set items\r\n");
}

TEST(ImapServerFetch, UidFetchAlwaysReportsUid) {
  mail::MailStore store;
  fill(store);
  store.expunge("alice", "INBOX", std::vector<std::uint32_t>{1});
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("u UID FETCH 2:3 FLAGS\r\n"),
            "* 1 FETCH (UID 2 FLAGS (\\Recent))\r\n* 2 FETCH (UID 3 FLAGS (\\Recent))\r\n"
            "u OK UID FETCH completed\r\n");
  EXPECT_EQ(r.send("u UID FETCH 1 FLAGS\r\n"), "u OK UID FETCH completed\r\n");
  EXPECT_EQ(r.send("u UID FETCH 9:* (UID)\r\n"),
            "* 4 FETCH (UID 5)\r\nu OK UID FETCH completed\r\n");
}

TEST(ImapServerFetch, StoreVariants) {
  mail::MailStore store;
  fill(store);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("s STORE 1 +FLAGS (\\Seen \\Flagged)\r\n"),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))\r\ns OK STORE completed\r\n");
  EXPECT_EQ(r.send("s STORE 1 -FLAGS \\Seen\r\n"),
            "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\ns OK STORE completed\r\n");
  EXPECT_EQ(r.send("s STORE 1:2 FLAGS (\\Answered)\r\n"),
            "* 1 FETCH (FLAGS (\\Answered \\Recent))\r\n* 2 FETCH (FLAGS (\\Answered \\Recent))\r\n"
            "s OK STORE completed\r\n");
  EXPECT_EQ(r.send("s STORE 3 +FLAGS.SILENT (\\Deleted)\r\n"), "s OK STORE completed\r\n");
  EXPECT_EQ(store.folder("alice", "INBOX")->messages[2].flags, unsigned(mail::kDeleted));
  EXPECT_EQ(r.send("s UID STORE 4 +FLAGS (\\Draft $Junk)\r\n"),
            "* 4 FETCH (UID 4 FLAGS (\\Draft \\Recent))\r\ns OK UID STORE completed\r\n");
  EXPECT_EQ(r.send("s STORE 1 +FLAGS (\\Recent)\r\n"),
            "s BAD Invalid flag (\\Recent cannot be stored)\r\n");
  EXPECT_EQ(r.send("s STORE 1 XFLAGS (\\Seen)\r\n"), "s BAD Unknown STORE item\r\n");
  EXPECT_EQ(r.send("s STORE 1 FLAGS (\\Bogus)\r\n"),
            "s BAD Invalid flag (\\Recent cannot be stored)\r\n");
  // Our own changes are never announced again.
  EXPECT_EQ(r.send("n NOOP\r\n"), "n OK NOOP completed\r\n");
}

TEST(ImapServerFetch, SearchVariants) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 1, mail::kSeen);
  store.set_flags("alice", "INBOX", 3, mail::kSeen | mail::kFlagged);
  store.set_flags("alice", "INBOX", 4, mail::kDeleted | mail::kAnswered);
  ImapRun r(store);
  r.login_select();
  auto search = [&](const std::string& q) {
    const std::string out = r.send("s " + q + "\r\n");
    const auto end = out.find("\r\n");
    return out.substr(0, end);
  };
  EXPECT_EQ(search("SEARCH ALL"), "* SEARCH 1 2 3 4 5");
  EXPECT_EQ(search("SEARCH UNSEEN"), "* SEARCH 2 4 5");
  EXPECT_EQ(search("SEARCH SEEN"), "* SEARCH 1 3");
  EXPECT_EQ(search("SEARCH DELETED"), "* SEARCH 4");
  EXPECT_EQ(search("SEARCH FLAGGED"), "* SEARCH 3");
  EXPECT_EQ(search("SEARCH ANSWERED"), "* SEARCH 4");
  EXPECT_EQ(search("SEARCH NEW"), "* SEARCH 2 4 5");
  EXPECT_EQ(search("SEARCH FROM alice"), "* SEARCH 1");
  EXPECT_EQ(search("SEARCH FROM BOB@EXAMPLE"), "* SEARCH 3 4 5");
  EXPECT_EQ(search("SEARCH TO carol"), "* SEARCH 1");
  EXPECT_EQ(search("SEARCH SUBJECT \"MESSAGE 4\""), "* SEARCH 4");
  EXPECT_EQ(search("SEARCH 2:3"), "* SEARCH 2 3");
  EXPECT_EQ(search("SEARCH UID 4:*"), "* SEARCH 4 5");
  EXPECT_EQ(search("SEARCH NOT SEEN"), "* SEARCH 2 4 5");
  EXPECT_EQ(search("SEARCH OR FLAGGED DELETED"), "* SEARCH 3 4");
  EXPECT_EQ(search("SEARCH UNSEEN FROM bob"), "* SEARCH 4 5");
  EXPECT_EQ(search("SEARCH (OR 1 2) NOT 1"), "* SEARCH 2");
  EXPECT_EQ(search("SEARCH CHARSET UTF-8 BODY \"TEXT 5\""), "* SEARCH 5");
  EXPECT_EQ(search("SEARCH HEADER Message-ID m1"), "* SEARCH 1");
  EXPECT_EQ(search("SEARCH SUBJECT nothing-like-this"), "* SEARCH");
  EXPECT_EQ(search("UID SEARCH UNSEEN"), "* SEARCH 2 4 5");
  EXPECT_EQ(search("SEARCH ON 14-Nov-2023"), "* SEARCH 1 2 3 4 5");  // internal dates
  EXPECT_EQ(search("SEARCH SINCE \"15-Nov-2023\""), "* SEARCH");
  EXPECT_EQ(search("SEARCH BEFORE 15-Nov-2023 NOT BEFORE 14-nov-2023"), "* SEARCH 1 2 3 4 5");
  EXPECT_EQ(search("SEARCH LARGER 100 SMALLER 1000"), "* SEARCH 1");
  EXPECT_EQ(search("SEARCH SINCE 32-Nov-2023"), "s BAD Invalid SEARCH syntax");
  EXPECT_EQ(search("SEARCH CHARSET KOI8-R ALL"),
            "s NO [BADCHARSET (US-ASCII UTF-8)] Unknown charset");
  EXPECT_EQ(search("SEARCH BOGUS"), "s BAD Invalid SEARCH syntax");
  EXPECT_EQ(search("SEARCH"), "s BAD Invalid SEARCH syntax");
  EXPECT_EQ(search("SEARCH FROM"), "s BAD Invalid SEARCH syntax");
  std::string deep = "SEARCH ";
  for (int i = 0; i < 100; ++i) deep += "NOT ";
  EXPECT_EQ(search(deep + "ALL"), "s BAD Invalid SEARCH syntax");  // bounded recursion
}

TEST(ImapServerFetch, UidSearchReportsUids) {
  mail::MailStore store;
  fill(store);
  store.expunge("alice", "INBOX", std::vector<std::uint32_t>{1, 2});
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("s UID SEARCH ALL\r\n"), "* SEARCH 3 4 5\r\ns OK UID SEARCH completed\r\n");
  EXPECT_EQ(r.send("s SEARCH UID 4\r\n"), "* SEARCH 2\r\ns OK SEARCH completed\r\n");
}

TEST(ImapServerFetch, ExpungeSeveralReportsHighestFirst) {
  mail::MailStore store;
  fill(store);
  store.set_flags("alice", "INBOX", 2, mail::kDeleted);
  store.set_flags("alice", "INBOX", 4, mail::kDeleted);
  ImapRun r(store);
  r.login_select();
  EXPECT_EQ(r.send("e EXPUNGE\r\n"), "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\ne OK EXPUNGE completed\r\n");
  ASSERT_EQ(r.s.view().size(), 3u);
  EXPECT_EQ(r.s.view()[1].uid, 3u);
  EXPECT_EQ(r.send("f FETCH 2:3 UID\r\n"),
            "* 2 FETCH (UID 3)\r\n* 3 FETCH (UID 5)\r\nf OK FETCH completed\r\n");
  EXPECT_EQ(r.send("e EXPUNGE\r\n"), "e OK EXPUNGE completed\r\n");
}

TEST(ImapServerFetch, SyntaxHelpers) {
  EXPECT_EQ(format_date_time(0), "01-Jan-1970 00:00:00 +0000");
  EXPECT_EQ(format_date_time(imaptest::kDate), "14-Nov-2023 22:13:20 +0000");
  EXPECT_EQ(parse_date_time("17-Jul-1996 02:44:25 -0700"), 837596665LL * 1'000'000);
  EXPECT_EQ(parse_date_time(" 7-Jul-1996 02:44:25 +0000"), 836707465LL * 1'000'000);
  EXPECT_FALSE(parse_date_time("17-Foo-1996 02:44:25 -0700"));
  EXPECT_FALSE(parse_date_time("17-Jul-1996 02:44:25"));
  EXPECT_EQ(imap_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(imap_string("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(imap_astring("INBOX"), "INBOX");
  EXPECT_EQ(imap_astring("two words"), "\"two words\"");
}

}  // namespace
}  // namespace smtpsim::imap
