// Tests of the IMAP response parser (sim/proto/imap/response_parser.hpp): every response
// kind the client reads, the RFC 3501 §8 sample lines, literals with arbitrary bytes, and
// malformed or hostile input (which must give an Error, never a crash or a hang). Every
// input is also fed split at every byte boundary and must give the same results.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/response_parser.hpp"

namespace imap = smtpsim::imap;
using imap::ResponseParser;

namespace {

std::string opt(const std::optional<std::string>& s) {
  return s ? "\"" + *s + "\"" : "NIL";
}

std::string describe_addresses(const std::vector<imap::Address>& as) {
  std::string out = "[";
  for (const auto& a : as)
    out += "(" + opt(a.name) + " " + opt(a.adl) + " " + opt(a.mailbox) + " " + opt(a.host) + ")";
  return out + "]";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string describe_condition(const imap::Condition& c) {
  return std::string(imap::condition_name(c.kind)) + " [" + c.code + "] " + c.text;
}

// One line per response, every field shown: equal strings mean equal parses.
std::string describe(const imap::Response& r) {
  if (const auto* k = std::get_if<imap::Continuation>(&r)) return "+ " + k->text;
  if (const auto* t = std::get_if<imap::Tagged>(&r))
    return t->tag + " " + describe_condition(t->cond);
  const auto& u = std::get<imap::Untagged>(r).data;
  namespace un = imap::untagged;
  if (const auto* c = std::get_if<imap::Condition>(&u)) return "* " + describe_condition(*c);
  if (const auto* c = std::get_if<un::Capability>(&u)) return "CAPABILITY " + join(c->caps);
  if (const auto* l = std::get_if<un::List>(&u)) {
    return std::string(l->lsub ? "LSUB" : "LIST") + " (" + join(l->flags) + ") " +
           (l->delimiter ? std::string(1, *l->delimiter) : "NIL") + " <" + l->name + ">";
  }
  if (const auto* s = std::get_if<un::Status>(&u)) {
    std::string out = "STATUS <" + s->name + ">";
    for (const auto& [k, v] : s->items) out += " " + k + "=" + std::to_string(v);
    return out;
  }
  if (const auto* s = std::get_if<un::Search>(&u)) {
    std::string out = "SEARCH";
    for (auto n : s->numbers) out += " " + std::to_string(n);
    return out;
  }
  if (const auto* f = std::get_if<un::Flags>(&u)) return "FLAGS " + join(f->flags);
  if (const auto* e = std::get_if<un::Exists>(&u)) return "EXISTS " + std::to_string(e->n);
  if (const auto* e = std::get_if<un::Recent>(&u)) return "RECENT " + std::to_string(e->n);
  if (const auto* e = std::get_if<un::Expunge>(&u)) return "EXPUNGE " + std::to_string(e->seq);
  if (const auto* o = std::get_if<un::Other>(&u)) return "OTHER " + o->name + " <" + o->rest + ">";
  const auto& f = std::get<un::Fetch>(u);
  std::string out = "FETCH " + std::to_string(f.seq);
  if (f.uid) out += " uid=" + std::to_string(*f.uid);
  if (f.flags) out += " flags=(" + join(*f.flags) + ")";
  if (f.size) out += " size=" + std::to_string(*f.size);
  if (f.internal_date) out += " date=" + *f.internal_date;
  if (f.envelope) {
    const auto& e = *f.envelope;
    out += " env=(" + opt(e.date) + " " + opt(e.subject) + " " + describe_addresses(e.from) +
           describe_addresses(e.sender) + describe_addresses(e.reply_to) +
           describe_addresses(e.to) + describe_addresses(e.cc) + describe_addresses(e.bcc) + " " +
           opt(e.in_reply_to) + " " + opt(e.message_id) + ")";
  }
  if (f.body_structure) out += " bs=" + *f.body_structure;
  for (const auto& [k, v] : f.sections) out += " " + k + "=<" + v + ">";
  for (const auto& [k, v] : f.origins) out += " " + k + "@" + std::to_string(v);
  for (const auto& [k, v] : f.other) out += " " + k + ":" + imap::to_text(v);
  return out;
}

// Feeds `bytes` in pieces cut at `cuts` and returns every result described; an Error ends
// the list as "ERROR reason".
std::vector<std::string> run(std::string_view bytes, const std::vector<std::size_t>& cuts = {},
                             ResponseParser::Limits limits = {}) {
  ResponseParser p(limits);
  std::vector<std::string> out;
  std::size_t at = 0;
  auto drain = [&]() {
    for (;;) {
      auto r = p.next();
      if (std::holds_alternative<ResponseParser::NeedMore>(r)) return true;
      if (auto* e = std::get_if<ResponseParser::Error>(&r)) {
        out.push_back("ERROR " + e->reason);
        return false;
      }
      out.push_back(describe(std::get<imap::Response>(r)));
    }
  };
  for (std::size_t cut : cuts) {
    p.feed(bytes.substr(at, cut - at));
    at = cut;
    if (!drain()) return out;
  }
  p.feed(bytes.substr(at));
  drain();
  return out;
}

// Same results whether fed whole, in two pieces cut anywhere, or one byte at a time.
std::vector<std::string> run_all_splits(std::string_view bytes) {
  const auto whole = run(bytes);
  for (std::size_t k = 1; k < bytes.size(); ++k) {
    EXPECT_EQ(run(bytes, {k}), whole) << "split at " << k;
  }
  std::vector<std::size_t> every;
  for (std::size_t k = 1; k < bytes.size(); ++k) every.push_back(k);
  EXPECT_EQ(run(bytes, every), whole) << "byte by byte";
  return whole;
}

using V = std::vector<std::string>;

TEST(ImapResponseParser, ContinuationAndTagged) {
  EXPECT_EQ(run_all_splits("+ Ready for additional command text\r\n+\r\n+ \r\n"),
            (V{"+ Ready for additional command text", "+ ", "+ "}));
  EXPECT_EQ(run_all_splits("a001 OK LOGIN completed\r\nA142 OK [READ-WRITE] SELECT completed\r\n"
                           "a2 no [ALERT] go away\r\nA1 BAD\r\n"),
            (V{"a001 OK [] LOGIN completed", "A142 OK [READ-WRITE] SELECT completed",
               "a2 NO [ALERT] go away", "A1 BAD [] "}));
}

TEST(ImapResponseParser, UntaggedConditionsAndCodes) {
  const auto r = run_all_splits(
      "* OK IMAP4rev1 Service Ready\r\n"
      "* PREAUTH IMAP4rev1 server logged in as Smith\r\n"
      "* BYE Autologout; idle for too long\r\n"
      "* OK [UNSEEN 12] Message 12 is first unseen\r\n"
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
      "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
      "* NO [ALERT] disk is full\r\n"
      "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  EXPECT_EQ(
      r, (V{"* OK [] IMAP4rev1 Service Ready", "* PREAUTH [] IMAP4rev1 server logged in as Smith",
            "* BYE [] Autologout; idle for too long", "* OK [UNSEEN 12] Message 12 is first unseen",
            "* OK [UIDVALIDITY 3857529045] UIDs valid",
            "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited", "* NO [ALERT] disk is full",
            "A003 OK [APPENDUID 38505 3955] APPEND completed"}));
  imap::Condition c;
  c.code = "UIDVALIDITY 3857529045";
  EXPECT_EQ(c.code_name(), "UIDVALIDITY");
  EXPECT_EQ(c.code_number("uidvalidity"), 3857529045u);
  EXPECT_FALSE(c.code_number("UIDNEXT").has_value());
  c.code = "READ-WRITE";
  EXPECT_EQ(c.code_args(), "");
}

TEST(ImapResponseParser, DataResponses) {
  const auto r = run_all_splits(
      "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n"
      "* LIST (\\Noselect) \"/\" \"\"\r\n"
      "* LIST () \".\" #news.comp.mail.misc\r\n"
      "* LIST (\\HasNoChildren) NIL \"Sent \\\"Items\\\"\"\r\n"
      "* LSUB () \"/\" {7}\r\nM\xc3\xa4il/x\r\n"
      "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"
      "* SEARCH 2 84 882\r\n"
      "* SEARCH\r\n"
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
      "* 172 EXISTS\r\n* 1 RECENT\r\n* 3 EXPUNGE\r\n"
      "* ENABLED CONDSTORE\r\n");
  EXPECT_EQ(r,
            (V{"CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED", "LIST (\\Noselect) / <>",
               "LIST () . <#news.comp.mail.misc>", "LIST (\\HasNoChildren) NIL <Sent \"Items\">",
               "LSUB () / <M\xc3\xa4il/x>", "STATUS <blurdybloop> MESSAGES=231 UIDNEXT=44292",
               "SEARCH 2 84 882", "SEARCH", "FLAGS \\Answered \\Flagged \\Deleted \\Seen \\Draft",
               "EXISTS 172", "RECENT 1", "EXPUNGE 3", "OTHER ENABLED <CONDSTORE>"}));
}

// RFC 3501 §8, the sample FETCH (note the address lists without a space between them).
TEST(ImapResponseParser, Rfc3501SampleFetch) {
  const std::string line =
      "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
      "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
      "\"IMAP4rev1 WG mtg summary and minutes\" "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((NIL NIL \"imap\" \"cac.washington.edu\")) "
      "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
      "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
      "\"<B27397-0100000@cac.washington.edu>\") "
      "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n";
  ResponseParser p;
  p.feed(line);
  auto r = p.next();
  ASSERT_TRUE(std::holds_alternative<imap::Response>(r))
      << std::get<ResponseParser::Error>(r).reason;
  const auto& f =
      std::get<imap::untagged::Fetch>(std::get<imap::Untagged>(std::get<imap::Response>(r)).data);
  EXPECT_EQ(f.seq, 12u);
  EXPECT_EQ(f.flags, (V{"\\Seen"}));
  EXPECT_EQ(f.size, 4286u);
  EXPECT_EQ(f.internal_date, "17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(f.envelope);
  EXPECT_EQ(f.envelope->subject, "IMAP4rev1 WG mtg summary and minutes");
  ASSERT_EQ(f.envelope->from.size(), 1u);
  EXPECT_EQ(f.envelope->from[0].name, "Terry Gray");
  EXPECT_EQ(f.envelope->from[0].email(), "gray@cac.washington.edu");
  ASSERT_EQ(f.envelope->cc.size(), 2u);
  EXPECT_FALSE(f.envelope->cc[0].name.has_value());
  EXPECT_EQ(f.envelope->cc[1].email(), "KLENSIN@MIT.EDU");
  EXPECT_TRUE(f.envelope->bcc.empty());
  EXPECT_FALSE(f.envelope->in_reply_to.has_value());
  EXPECT_EQ(f.envelope->message_id, "<B27397-0100000@cac.washington.edu>");
  EXPECT_EQ(f.body_structure,
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
  EXPECT_EQ(run_all_splits(line).size(), 1u);
}

TEST(ImapResponseParser, FetchLiteralWithParensAndCrlfInside) {
  const std::string body = "Subject: (x)\r\n\r\n)\r\n* 2 EXISTS\r\nA1 OK fake\r\n{5}\r\n";
  const std::string bytes = "* 1 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" +
                            body + " FLAGS (\\Seen))\r\n* 1 FETCH (RFC822.SIZE 0 BODY[] \"\")\r\n";
  EXPECT_EQ(run_all_splits(bytes),
            (V{"FETCH 1 uid=5 flags=(\\Seen) BODY[]=<" + body + ">", "FETCH 1 size=0 BODY[]=<>"}));
  // Binary bytes, NUL included, are fine inside a literal.
  const std::string bin("\0\xff\r\x01", 4);
  EXPECT_EQ(run("* 3 FETCH (BODY[1] {4}\r\n" + bin + ")\r\n"),
            (V{"FETCH 3 BODY[1]=<" + bin + ">"}));
}

TEST(ImapResponseParser, FetchSectionsOriginsAndNil) {
  EXPECT_EQ(
      run_all_splits("* 2 FETCH (BODY[]<0> {3}\r\nabc UID 9)\r\n"
                     "* 2 FETCH (body[HEADER.FIELDS (From To)] {4}\r\nab\r\n)\r\n"
                     "* 2 FETCH (RFC822.HEADER \"h\" RFC822.TEXT NIL RFC822 {0}\r\n)\r\n"
                     "* 2 FETCH (BODY[TEXT]<100> NIL)\r\n"),
      (V{"FETCH 2 uid=9 BODY[]=<abc> BODY[]@0", "FETCH 2 BODY[HEADER.FIELDS (FROM TO)]=<ab\r\n>",
         "FETCH 2 RFC822=<> RFC822.HEADER=<h> RFC822.TEXT=<>",
         "FETCH 2 BODY[TEXT]=<> BODY[TEXT]@100"}));
}

TEST(ImapResponseParser, EnvelopeWithNilAndEscapes) {
  EXPECT_EQ(run_all_splits(
                "* 4 FETCH (ENVELOPE (NIL \"He said \\\"hi\\\" \\\\o/\" NIL NIL NIL "
                "((\"Bob \\\"B\\\"\" NIL \"bob\" \"example.com\")(NIL NIL \"grp\" NIL)) NIL NIL "
                "\"<a@b>\" NIL) UID 7)\r\n"),
            (V{"FETCH 4 uid=7 env=(NIL \"He said \"hi\" \\o/\" [][][][(\"Bob \"B\"\" NIL \"bob\" "
               "\"example.com\")(NIL NIL \"grp\" NIL)][][] \"<a@b>\" NIL)"}));
}

TEST(ImapResponseParser, NestedListsAndUnknownItemsTolerated) {
  EXPECT_EQ(
      run_all_splits("* 5 FETCH (X-GM-LABELS (\\Inbox (a (b))) MODSEQ (12345) "
                     "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)"
                     "(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 2 1) \"ALTERNATIVE\") UID 1)\r\n"),
      (V{"FETCH 5 uid=1 bs=((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1) (\"TEXT\" \"HTML\" NIL "
         "NIL NIL \"7BIT\" 2 1) \"ALTERNATIVE\") X-GM-LABELS:(\\Inbox (a (b))) "
         "MODSEQ:(12345)"}));
}

std::string first_error(std::string_view bytes, ResponseParser::Limits limits = {}) {
  const auto r = run(bytes, {}, limits);
  for (const auto& s : r)
    if (s.starts_with("ERROR ")) return s.substr(6);
  return "";
}

TEST(ImapResponseParser, MalformedInputIsAnError) {
  EXPECT_NE(first_error("* 1 FETCH (ENVELOPE (\"unterminated))\r\n"), "");
  EXPECT_EQ(first_error("* 1 FETCH (BODY[] {abc}\r\n)\r\n"), "bad literal size");
  EXPECT_EQ(first_error("* 1 FETCH (BODY[] {99999999999999999999999}\r\n"), "bad literal size");
  EXPECT_EQ(first_error("* 1 FETCH (BODY[] {67108865}\r\n"), "literal too large");
  EXPECT_EQ(first_error("* 1 FETCH (BODY[] {3}abc)\r\n"), "literal size not followed by } CRLF");
  EXPECT_EQ(first_error("* OK hi\n"), "line not ended by CRLF");
  EXPECT_EQ(first_error("\r\n"), "empty response line");
  EXPECT_NE(first_error("hello\r\n"), "");
  EXPECT_NE(first_error("a1 BYE no\r\n"), "");
  EXPECT_EQ(first_error("* 0 EXPUNGE\r\n"), "EXPUNGE of message 0");
  EXPECT_NE(first_error("* 1 FETCH (UID 0)\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (UID)\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (UID 4294967296)\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (ENVELOPE (NIL))\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (FLAGS (\"x\"))\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (BODY[ NIL)\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (FLAGS (\\Seen)\r\n"), "");
  EXPECT_NE(first_error("* LIST () \"ab\" x\r\n"), "");
  EXPECT_NE(first_error("* STATUS x (MESSAGES)\r\n"), "");
  EXPECT_NE(first_error("* SEARCH 1 x\r\n"), "");
  EXPECT_NE(first_error("* CAPABILITY\r\n"), "");
  EXPECT_NE(first_error("* OK [UIDNEXT 4\r\n"), "");
  EXPECT_NE(first_error("* 1 FETCH (X \"a\\b\")\r\n"), "");
  EXPECT_NE(first_error("+x\r\n"), "");
  EXPECT_NE(first_error(std::string("* OK a\0b\r\n", 10)), "");
  // too deep: 33 nested lists
  EXPECT_EQ(first_error("* 1 FETCH (X " + std::string(33, '(') + std::string(33, ')') + ")\r\n"),
            "lists nested too deeply");
  EXPECT_EQ(first_error("* 1 FETCH (X " + std::string(30, '(') + std::string(30, ')') + ")\r\n"),
            "");
}

TEST(ImapResponseParser, LimitsAndStickyErrors) {
  ResponseParser::Limits small;
  small.max_line = 16;
  small.max_literal = 8;
  small.max_tokens = 6;
  EXPECT_EQ(first_error(std::string(17, 'x'), small), "response line too long");
  EXPECT_EQ(first_error("* OK " + std::string(40, 'x') + "\r\n", small), "response line too long");
  EXPECT_EQ(first_error("* 1 FETCH (A {9}\r\n", small), "literal too large");
  // the literal bytes do not count against the line limit, the total of literals does
  EXPECT_EQ(first_error("* 1 FETCH (A {8}\r\n12345678)\r\n", small), "");
  EXPECT_EQ(first_error("* 1 FETCH (A {8}\r\n12345678 B {1}\r\nx)\r\n", small),
            "literal too large");
  ResponseParser::Limits few;
  few.max_tokens = 6;
  EXPECT_EQ(first_error("* SEARCH 1 2 3 4 5 6 7\r\n", few), "too many tokens in one response");
  EXPECT_EQ(first_error("* SEARCH 1 2 3 4 5\r\n", few), "");
  // A line without an end must not be buffered forever.
  ResponseParser p(small);
  for (int i = 0; i < 10; ++i) p.feed("xxxx");
  EXPECT_TRUE(std::holds_alternative<ResponseParser::Error>(p.next()));
  p.feed("* OK fine\r\n");
  EXPECT_TRUE(std::holds_alternative<ResponseParser::Error>(p.next()));
}

TEST(ImapResponseParser, DiscardAndOffsets) {
  ResponseParser p;
  p.feed("* OK a\r\n* OK b\r\n");
  ASSERT_TRUE(std::holds_alternative<imap::Response>(p.next()));
  EXPECT_EQ(p.last_raw(), "* OK a");
  EXPECT_EQ(p.last_offset(), 0u);
  p.discard_buffered();
  EXPECT_TRUE(std::holds_alternative<ResponseParser::NeedMore>(p.next()));
  p.feed("* OK c\r\n");
  ASSERT_TRUE(std::holds_alternative<imap::Response>(p.next()));
  EXPECT_EQ(p.last_raw(), "* OK c");
  EXPECT_EQ(p.last_offset(), 16u);
  EXPECT_EQ(p.bytes_fed(), 24u);
}

TEST(ImapResponseParser, ToTextRoundTrip) {
  imap::SExpr e;
  e.kind = imap::SExpr::Kind::List;
  e.items.push_back({imap::SExpr::Kind::Atom, "A", {}});
  e.items.push_back({imap::SExpr::Kind::Quoted, "q\"\\", {}});
  e.items.push_back({imap::SExpr::Kind::Literal, "l\r\n", {}});
  e.items.push_back({imap::SExpr::Kind::Nil, "", {}});
  EXPECT_EQ(imap::to_text(e), "(A \"q\\\"\\\\\" {3}\r\nl\r\n NIL)");
  EXPECT_EQ(run("* 1 FETCH (X " + imap::to_text(e) + ")\r\n"),
            (V{"FETCH 1 X:" + imap::to_text(e)}));
}

}  // namespace
