// RFC 5322 messages (sim/proto/mail/message.hpp): parsing with unfolding and junk, lookup,
// the relaying roles' edits (prepend a trace field, the MSA's missing Date/Message-ID),
// composing (Bcc only in the envelope, folding, encoded-words, transfer encodings) and the
// MIME helpers (Content-Type, multipart, RFC 2047, quoted-printable).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/mail/headers.hpp"
#include "sim/proto/mail/message.hpp"

namespace {

using namespace smtpsim::mail;

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto crlf = text.find("\r\n", pos);
    if (crlf == std::string_view::npos) {
      out.emplace_back(text.substr(pos));
      break;
    }
    out.emplace_back(text.substr(pos, crlf - pos));
    pos = crlf + 2;
  }
  return out;
}

// Every line ends in CRLF (no bare CR or LF) and is at most max octets.
void expect_crlf_lines(std::string_view text, std::size_t max) {
  ASSERT_TRUE(text.ends_with("\r\n"));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      ASSERT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR at " << i;
    }
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  for (const auto& l : lines_of(text)) EXPECT_LE(l.size(), max) << l;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

Composed sample() {
  Composed c;
  c.from = "Alice Example <alice@example.com>";
  c.to = {"bob@example.com"};
  c.cc = {"Carol <carol@example.net>"};
  c.bcc = {"dave@example.org"};
  c.subject = "Lunch?";
  c.body = "Hi Bob,\nlunch at noon?\n-- Alice\n";
  c.date = 1746534200;  // Tue, 06 May 2025 12:23:20 +0000
  c.message_id = "1.alice@example.com";
  return c;
}

// --- Parsing -------------------------------------------------------------------------------

TEST(MailMessage, SplitsFieldsAndBody) {
  const std::string m =
      "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Hello\r\n\r\nBody line 1\r\n"
      "\r\nBody line 3\r\n";
  const auto p = parse_message(m);
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0].name, "From");
  EXPECT_EQ(p.fields[0].value, "alice@example.com");
  EXPECT_EQ(p.fields[0].raw, "From: alice@example.com\r\n");
  EXPECT_EQ(p.fields[2].offset, m.find("Subject"));
  EXPECT_TRUE(p.has_separator);
  EXPECT_FALSE(p.ended_by_junk);
  EXPECT_EQ(p.body, "Body line 1\r\n\r\nBody line 3\r\n");
  EXPECT_EQ(p.header_end, m.find("\r\n\r\n") + 2);
  EXPECT_EQ(p.body_offset, m.find("\r\n\r\n") + 4);
  EXPECT_EQ(header_section(m), m.substr(0, p.header_end));
  EXPECT_EQ(body_of(m), p.body);
}

TEST(MailMessage, LookupIsCaseInsensitive) {
  const auto p = parse_message("SUBJECT: one\r\nmessage-id: <x@y>\r\n\r\n");
  ASSERT_TRUE(p.get("Subject"));
  EXPECT_EQ(*p.get("subject"), "one");
  EXPECT_EQ(*p.get("Message-ID"), "<x@y>");
  EXPECT_TRUE(p.has("MESSAGE-id"));
  EXPECT_FALSE(p.has("Date"));
  EXPECT_EQ(p.get("Date"), std::nullopt);
  EXPECT_EQ(p.find("to"), nullptr);
}

TEST(MailMessage, GetAllReturnsEveryValueInOrder) {
  const std::string m =
      "Received: from c by b; Tue, 06 May 2025 12:23:22 +0000\r\n"
      "received: from b by a; Tue, 06 May 2025 12:23:21 +0000\r\n"
      "Subject: x\r\n"
      "RECEIVED: from mua by a; Tue, 06 May 2025 12:23:20 +0000\r\n\r\n";
  const auto all = parse_message(m).get_all("Received");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].starts_with("from c"));
  EXPECT_TRUE(all[2].starts_with("from mua"));
  EXPECT_TRUE(parse_message(m).get_all("Cc").empty());
}

TEST(MailMessage, UnfoldsContinuationLines) {
  // RFC 5322 §2.2.3: unfolding removes the CRLF only; the white space stays.
  const std::string m =
      "Subject: This is a test\r\n  of folding\r\n\tacross lines  \r\nTo: b@example.com\r\n\r\n";
  const auto p = parse_message(m);
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].value, "This is a test  of folding\tacross lines");
  EXPECT_EQ(p.fields[0].raw, "Subject: This is a test\r\n  of folding\r\n\tacross lines  \r\n");
  EXPECT_EQ(p.fields[1].value, "b@example.com");
}

TEST(MailMessage, UnfoldsTheReceivedFieldWeWrite) {
  ReceivedInfo r;
  r.from_helo = "client.example.net";
  r.from_address = "198.51.100.7";
  r.by_host = "mx.example.com";
  r.protocol = "ESMTP";
  r.id = "Q1";
  r.for_address = "bob@example.com";
  r.unix_seconds = 1746534200;
  const auto p = parse_message(received_header(r) + "Subject: x\r\n\r\n");
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(*p.get("Received"),
            "from client.example.net ([198.51.100.7])\tby mx.example.com (smtpsim) with ESMTP "
            "id Q1\tfor <bob@example.com>; Tue, 06 May 2025 12:23:20 +0000");
}

TEST(MailMessage, JunkLineEndsTheHeaderSection) {
  // A line without a colon: the header section ends, the line is the body's first line.
  const std::string m = "From: a@example.com\r\nthis is not a header\r\nTo: b@example.com\r\n";
  const auto p = parse_message(m);
  ASSERT_EQ(p.fields.size(), 1u);
  EXPECT_TRUE(p.ended_by_junk);
  EXPECT_FALSE(p.has_separator);
  EXPECT_FALSE(p.has("To"));
  EXPECT_EQ(p.body, "this is not a header\r\nTo: b@example.com\r\n");
  EXPECT_EQ(p.header_end, p.body_offset);
}

TEST(MailMessage, JunkKindsThatEndTheHeaderSection) {
  // A field name with a space, an empty name, and a continuation line with nothing above.
  for (const std::string first :
       {"Bad Name: x\r\n", ": no name\r\n", " leading continuation\r\n", "\x01\x02: control\r\n"}) {
    const auto p = parse_message(first + "Subject: y\r\n\r\nbody\r\n");
    EXPECT_TRUE(p.fields.empty()) << first;
    EXPECT_TRUE(p.ended_by_junk) << first;
    EXPECT_EQ(p.body_offset, 0u) << first;
    EXPECT_TRUE(p.body.starts_with(first)) << first;
  }
}

TEST(MailMessage, ToleratesBareLfWhitespaceBeforeColonAndEmptyValues) {
  const auto p = parse_message("Subject : spaced\nX-Empty:\nTo: b@example.com\n\nbody\n");
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0].name, "Subject");
  EXPECT_EQ(p.fields[0].value, "spaced");
  EXPECT_EQ(p.fields[1].value, "");
  EXPECT_TRUE(p.has_separator);
  EXPECT_EQ(p.body, "body\n");
}

TEST(MailMessage, HeadersOnlyAndEmptyInput) {
  const auto only = parse_message("Subject: no body\r\nTo: b@example.com");
  ASSERT_EQ(only.fields.size(), 2u);
  EXPECT_EQ(only.fields[1].value, "b@example.com");
  EXPECT_FALSE(only.has_separator);
  EXPECT_EQ(only.body, "");
  const auto empty = parse_message("");
  EXPECT_TRUE(empty.fields.empty());
  EXPECT_EQ(empty.body, "");
  const auto body_only = parse_message("\r\njust a body\r\n");
  EXPECT_TRUE(body_only.fields.empty());
  EXPECT_TRUE(body_only.has_separator);
  EXPECT_EQ(body_only.body, "just a body\r\n");
}

TEST(MailMessage, ParsesAnyBytesWithoutCrashing) {
  std::string m;
  for (int i = 0; i < 4096; ++i) m.push_back(static_cast<char>((i * 7919) % 256));
  const auto p = parse_message(m);
  EXPECT_LE(p.header_end, m.size());
  EXPECT_LE(p.body_offset, m.size());
  EXPECT_EQ(p.body, m.substr(p.body_offset));
}

// --- Edits by the relaying roles -------------------------------------------------------------

TEST(MailMessage, PrependHeaderPutsTheFieldOnTop) {
  const std::string m = "Subject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(prepend_header(m, "Return-Path: <a@example.com>"),
            "Return-Path: <a@example.com>\r\nSubject: x\r\n\r\nbody\r\n");
  ReceivedInfo r;
  r.from_helo = "a";
  r.by_host = "b";
  r.protocol = "SMTP";
  const std::string twice = prepend_header(prepend_header(m, received_header(r)), "X-Top: 1\r\n");
  const auto p = parse_message(twice);
  ASSERT_EQ(p.fields.size(), 3u);
  EXPECT_EQ(p.fields[0].name, "X-Top");
  EXPECT_EQ(p.fields[1].name, "Received");
  EXPECT_TRUE(has_header(twice, "received"));
  EXPECT_FALSE(has_header(twice, "Date"));
  EXPECT_EQ(p.body, "body\r\n");
}

TEST(MailMessage, MsaAddsDateAndMessageIdWhenMissing) {
  const std::string m = "From: alice@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
  const auto fix =
      add_missing_message_id_and_date(m, "20250506122320.Q1@msa.example.com", 1746534200);
  EXPECT_TRUE(fix.added_date);
  EXPECT_TRUE(fix.added_message_id);
  EXPECT_EQ(fix.message,
            "From: alice@example.com\r\nSubject: hi\r\n"
            "Date: Tue, 06 May 2025 12:23:20 +0000\r\n"
            "Message-ID: <20250506122320.Q1@msa.example.com>\r\n\r\nbody\r\n");
}

TEST(MailMessage, MsaLeavesPresentFieldsAlone) {
  const std::string both =
      "date: Mon, 05 May 2025 08:00:00 +0200\r\nMESSAGE-ID: <mine@mua>\r\n\r\nbody\r\n";
  const auto same = add_missing_message_id_and_date(both, "other@msa", 1746534200);
  EXPECT_FALSE(same.added_date);
  EXPECT_FALSE(same.added_message_id);
  EXPECT_EQ(same.message, both);

  const std::string has_date = "Date: Mon, 05 May 2025 08:00:00 +0200\r\n\r\nbody\r\n";
  const auto only_id = add_missing_message_id_and_date(has_date, "<q2@msa>", 1746534200);
  EXPECT_FALSE(only_id.added_date);
  EXPECT_TRUE(only_id.added_message_id);
  const auto p = parse_message(only_id.message);
  EXPECT_EQ(p.get_all("Date").size(), 1u);
  EXPECT_EQ(*p.get("Date"), "Mon, 05 May 2025 08:00:00 +0200");
  EXPECT_EQ(*p.get("Message-ID"), "<q2@msa>");
  EXPECT_EQ(p.body, "body\r\n");
}

TEST(MailMessage, MsaFixupOnOddMessages) {
  // No final line end, no body: the CRLF is added before the new fields.
  const auto a = add_missing_message_id_and_date("Subject: x", "id@h", 0);
  EXPECT_EQ(a.message,
            "Subject: x\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <id@h>\r\n");
  // Junk ends the header section: the fields go before the junk line, which stays body.
  const auto b = add_missing_message_id_and_date("Subject: x\r\njunk line\r\n", "id@h", 0);
  const auto p = parse_message(b.message);
  EXPECT_TRUE(p.has("Date"));
  EXPECT_TRUE(p.has("Message-ID"));
  EXPECT_EQ(p.body, "junk line\r\n");
  // Only a body.
  const auto c = add_missing_message_id_and_date("\r\nbody\r\n", "id@h", 0);
  EXPECT_TRUE(c.message.ends_with("Message-ID: <id@h>\r\n\r\nbody\r\n"));
  EXPECT_EQ(parse_message(c.message).fields.size(), 2u);
}

// --- Composing -------------------------------------------------------------------------------

TEST(MailCompose, WritesTheStandardFields) {
  const std::string m = compose(sample());
  expect_crlf_lines(m, kFoldWidth);
  EXPECT_EQ(m,
            "From: Alice Example <alice@example.com>\r\n"
            "To: bob@example.com\r\n"
            "Cc: Carol <carol@example.net>\r\n"
            "Subject: Lunch?\r\n"
            "Date: Tue, 06 May 2025 12:23:20 +0000\r\n"
            "Message-ID: <1.alice@example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Hi Bob,\r\nlunch at noon?\r\n-- Alice\r\n");
}

TEST(MailCompose, BccIsInTheEnvelopeButNotInTheHeaders) {
  const Composed c = sample();
  const std::string m = compose(c);
  EXPECT_EQ(m.find("dave@example.org"), std::string::npos);
  EXPECT_FALSE(has_header(m, "Bcc"));
  EXPECT_EQ(envelope_recipients(c),
            (std::vector<std::string>{"bob@example.com", "carol@example.net", "dave@example.org"}));
  EXPECT_EQ(envelope_sender(c), "alice@example.com");
}

TEST(MailCompose, EnvelopeRecipientsHaveNoDuplicates) {
  Composed c = sample();
  c.to = {"bob@example.com", "Bob <bob@EXAMPLE.com>"};
  c.cc = {"bob@example.com", "Bob@example.com"};  // a different local part: kept
  c.bcc = {"  ", "carol@example.net"};
  EXPECT_EQ(envelope_recipients(c),
            (std::vector<std::string>{"bob@example.com", "Bob@example.com", "carol@example.net"}));
}

TEST(MailCompose, OnlyBccWritesUndisclosedRecipients) {
  Composed c = sample();
  c.to.clear();
  c.cc.clear();
  const std::string m = compose(c);
  EXPECT_EQ(*parse_message(m).get("To"), "undisclosed-recipients:;");
  EXPECT_EQ(m.find("dave@"), std::string::npos);
  EXPECT_EQ(envelope_recipients(c), (std::vector<std::string>{"dave@example.org"}));
}

TEST(MailCompose, FoldsALongSubjectAt78) {
  Composed c = sample();
  c.subject =
      "Minutes of the meeting about the new mail server, the spam filter, the backup "
      "schedule and everything else we did not have time for last week";
  const std::string m = compose(c);
  expect_crlf_lines(m, kFoldWidth);
  const auto p = parse_message(m);
  const HeaderField* s = p.find("Subject");
  ASSERT_NE(s, nullptr);
  EXPECT_GE(lines_of(s->raw).size(), 2u);
  EXPECT_EQ(s->value, c.subject);  // unfolding gives the subject back
}

TEST(MailCompose, FoldsALongRecipientList) {
  Composed c = sample();
  c.to.clear();
  for (int i = 0; i < 12; ++i) c.to.push_back("user" + std::to_string(i) + "@example.com");
  const std::string m = compose(c);
  expect_crlf_lines(m, kFoldWidth);
  const auto to = *parse_message(m).get("To");
  EXPECT_TRUE(to.starts_with("user0@example.com, user1@example.com, "));
  EXPECT_TRUE(to.ends_with("user11@example.com"));
}

TEST(MailCompose, NonAsciiSubjectIsEncodedWords) {
  Composed c = sample();
  c.subject = "Grüße aus Köln — 東京からこんにちは, und noch ein langer Satz dazu";
  const std::string m = compose(c);
  expect_crlf_lines(m, kFoldWidth);
  for (char ch : header_section(m)) EXPECT_LT(static_cast<unsigned char>(ch), 0x80);
  const auto p = parse_message(m);
  const std::string value = *p.get("Subject");
  EXPECT_TRUE(value.starts_with("=?UTF-8?B?"));
  EXPECT_EQ(decode_words(value), c.subject);
  // RFC 2047 §2: each word at most 75 characters; §5: each word whole characters.
  std::size_t pos = 0;
  int words = 0;
  while (pos < value.size()) {
    const auto sp = value.find_first_of(" \t", pos);
    const std::string word = value.substr(pos, sp == std::string::npos ? sp : sp - pos);
    EXPECT_LE(word.size(), 75u);
    const std::string decoded = decode_words(word);
    EXPECT_NE(decoded, word);
    EXPECT_TRUE(valid_utf8(decoded)) << word;
    ++words;
    if (sp == std::string::npos) break;
    pos = value.find_first_not_of(" \t", sp);
  }
  EXPECT_GE(words, 2);
}

TEST(MailCompose, AsciiSubjectWithEncodedWordLookalikeIsEncoded) {
  Composed c = sample();
  c.subject = "about =?x?q?y?= syntax";
  const auto value = *parse_message(compose(c)).get("Subject");
  EXPECT_TRUE(value.starts_with("=?UTF-8?B?"));
  EXPECT_EQ(decode_words(value), c.subject);
}

TEST(MailCompose, DisplayNamesAreQuotedOrEncoded) {
  Composed c = sample();
  c.from = "Example, Alice <alice@example.com>";
  c.to = {"Zoë <zoe@example.net>", "\"Already \\\"quoted\\\"\" <q@example.net>"};
  const auto p = parse_message(compose(c));
  EXPECT_EQ(*p.get("From"), "\"Example, Alice\" <alice@example.com>");
  const std::string to = *p.get("To");
  EXPECT_TRUE(to.starts_with("=?UTF-8?B?")) << to;
  EXPECT_TRUE(decode_words(to).starts_with("Zoë <zoe@example.net>, ")) << decode_words(to);
  EXPECT_TRUE(to.ends_with("\"Already \\\"quoted\\\"\" <q@example.net>"));
  EXPECT_EQ(envelope_sender(c), "alice@example.com");
  EXPECT_EQ(address_of(" Zoë <zoe@example.net> "), "zoe@example.net");
}

TEST(MailCompose, TransferEncodingFollowsTheBody) {
  Composed c = sample();
  EXPECT_FALSE(has_header(compose(c), "Content-Transfer-Encoding"));

  c.body = "Grüße\n";
  std::string m = compose(c);
  EXPECT_EQ(*parse_message(m).get("Content-Transfer-Encoding"), "8bit");
  EXPECT_EQ(body_of(m), "Grüße\r\n");

  c.body = std::string(1500, 'x') + " end\n";
  m = compose(c);
  EXPECT_EQ(*parse_message(m).get("Content-Transfer-Encoding"), "quoted-printable");
  expect_crlf_lines(m, 78);
  for (const auto& l : lines_of(body_of(m))) EXPECT_LE(l.size(), 76u);

  c.body = std::string("a\0b", 3);
  m = compose(c);
  EXPECT_EQ(*parse_message(m).get("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(body_of(m), "a=00b\r\n");
}

TEST(MailCompose, BodyLineEndsBecomeCrlf) {
  Composed c = sample();
  c.body = "one\ntwo\r\nthree\rfour";
  EXPECT_EQ(body_of(compose(c)), "one\r\ntwo\r\nthree\r\nfour\r\n");
  c.body = "";
  const std::string m = compose(c);
  EXPECT_TRUE(m.ends_with("charset=utf-8\r\n\r\n"));
}

TEST(MailCompose, NoHeaderInjection) {
  Composed c = sample();
  c.subject = "hello\r\nBcc: victim@example.org";
  c.to = {"bob@example.com\r\nX-Evil: 1"};
  c.extra_headers = {{"X-Note", "a\nb"}, {"Bad Name", "x"}, {"X-Bad\r\nBcc", "y"}};
  const std::string m = compose(c);
  expect_crlf_lines(m, kFoldWidth);
  const auto p = parse_message(m);
  EXPECT_FALSE(p.has("Bcc"));
  EXPECT_FALSE(p.has("X-Evil"));
  EXPECT_EQ(*p.get("Subject"), "hello  Bcc: victim@example.org");
  EXPECT_EQ(*p.get("X-Note"), "a b");
  EXPECT_FALSE(p.has("Bad Name"));
}

TEST(MailCompose, ExtraHeadersAreWrittenButCannotReplaceGeneratedOnes) {
  Composed c = sample();
  c.extra_headers = {{"User-Agent", "smtpsim MUA"},
                     {"In-Reply-To", "<0.bob@example.com>"},
                     {"date", "yesterday"},
                     {"Content-Type", "text/html"}};
  const auto p = parse_message(compose(c));
  EXPECT_EQ(*p.get("User-Agent"), "smtpsim MUA");
  EXPECT_EQ(*p.get("In-Reply-To"), "<0.bob@example.com>");
  EXPECT_EQ(p.get_all("Date").size(), 1u);
  EXPECT_EQ(*p.get("Date"), "Tue, 06 May 2025 12:23:20 +0000");
  EXPECT_EQ(*p.get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(MailCompose, WithoutMessageIdTheMsaAddsOne) {
  Composed c = sample();
  c.message_id.clear();
  const std::string m = compose(c);
  EXPECT_FALSE(has_header(m, "Message-ID"));
  const auto fix = add_missing_message_id_and_date(m, "Q9@msa.example.com", 1746534300);
  EXPECT_FALSE(fix.added_date);
  EXPECT_TRUE(fix.added_message_id);
  EXPECT_EQ(*parse_message(fix.message).get("Message-ID"), "<Q9@msa.example.com>");
}

TEST(MailCompose, FoldFieldBreaksOnlyAtWhiteSpace) {
  const std::string f = fold_field("X-Long", std::string(100, 'a') + " b c");
  EXPECT_EQ(f, "X-Long: " + std::string(100, 'a') + "\r\n b c\r\n");
  EXPECT_EQ(fold_field("X-Empty", ""), "X-Empty:\r\n");
  EXPECT_EQ(fold_field("X-Short", "  a  b  "), "X-Short: a  b\r\n");
  // Runs of spaces stay; no line ends in white space; unfolding restores the value.
  std::string v;
  for (int i = 0; i < 40; ++i) v += "word" + std::string(1 + i % 3, ' ');
  v += "end";
  const std::string folded = fold_field("Subject", v, 30);
  for (const auto& l : lines_of(folded)) {
    EXPECT_LE(l.size(), 30u) << l;
    EXPECT_FALSE(l.ends_with(' ')) << l;
    EXPECT_NE(l.find_first_not_of(' '), std::string::npos);
  }
  EXPECT_EQ(*parse_message(folded + "\r\n").get("Subject"), v);
}

// --- MIME pieces -------------------------------------------------------------------------------

TEST(MailMime, DecodesEncodedWords) {
  EXPECT_EQ(decode_words("=?UTF-8?B?R3LDvMOfZQ==?="), "Grüße");
  EXPECT_EQ(decode_words("=?utf-8?q?caf=C3=A9_au_lait?="), "café au lait");
  EXPECT_EQ(decode_words("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "André Pirard");
  EXPECT_EQ(decode_words("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
  // RFC 2047 §8 examples: white space between adjacent encoded-words is dropped.
  EXPECT_EQ(decode_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_words("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  // Malformed or unknown: left as it is.
  EXPECT_EQ(decode_words("=?UTF-8?B?not base64!?="), "=?UTF-8?B?not base64!?=");
  EXPECT_EQ(decode_words("=?KOI8-R?B?QQ==?="), "=?KOI8-R?B?QQ==?=");
  EXPECT_EQ(decode_words("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(decode_words("=?UTF-8?Q?abc=F?="), "=?UTF-8?Q?abc=F?=");
  EXPECT_EQ(decode_words("plain =? text"), "plain =? text");
}

TEST(MailMime, EncodeWordsRoundTrips) {
  EXPECT_EQ(encode_words(""), "");
  EXPECT_EQ(encode_words("é"), "=?UTF-8?B?w6k=?=");
  const std::string long_text(200, 'e');
  const std::string enc = encode_words(long_text);
  EXPECT_EQ(decode_words(enc), long_text);
  const std::string emoji = "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀";  // 4-byte sequences
  EXPECT_EQ(decode_words(encode_words(emoji)), emoji);
}

TEST(MailMime, QuotedPrintable) {
  EXPECT_EQ(quoted_printable_encode("a=b\r\n"), "a=3Db\r\n");
  EXPECT_EQ(quoted_printable_encode("trailing space \r\ntab\t\r\n"),
            "trailing space=20\r\ntab=09\r\n");
  EXPECT_EQ(quoted_printable_encode("Grüße"), "Gr=C3=BC=C3=9Fe");
  const std::string enc = quoted_printable_encode(std::string(200, 'x') + "\r\n");
  for (const auto& l : lines_of(enc)) EXPECT_LE(l.size(), 76u);
  EXPECT_EQ(lines_of(enc).size(), 3u);
  EXPECT_TRUE(lines_of(enc)[0].ends_with("="));
}

TEST(MailMime, ParsesContentType) {
  const auto ct = parse_content_type(
      "Multipart/Report; Report-Type=delivery-status;\r\n\tboundary=\"a;b \\\"c\\\"\" (comment)");
  EXPECT_EQ(ct.type, "multipart/report");
  EXPECT_EQ(ct.param("report-type"), "delivery-status");
  EXPECT_EQ(ct.param("BOUNDARY"), "a;b \"c\"");
  EXPECT_EQ(ct.param("charset"), "");
  const auto def = parse_content_type("");
  EXPECT_EQ(def.type, "text/plain");
  EXPECT_EQ(def.param("charset"), "us-ascii");
  EXPECT_EQ(parse_content_type("garbage").type, "text/plain");
  EXPECT_EQ(parse_content_type("text/plain; charset=UTF-8").param("charset"), "UTF-8");
}

TEST(MailMime, SplitsMultipartBodies) {
  const std::string body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Type: text/plain\r\n\r\n"
      "first\r\n"
      "--XyZ  \r\n"
      "\r\n"
      "second, no headers\r\n\r\n"
      "--XyZ-not-a-delimiter\r\n"
      "--XyZ--\r\n"
      "epilogue\r\n";
  const auto parts = split_multipart(body, "XyZ");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].content_type.type, "text/plain");
  EXPECT_EQ(parts[0].body, "first");
  EXPECT_EQ(parts[0].offset, body.find("Content-Type"));
  EXPECT_TRUE(parts[1].headers.empty());
  EXPECT_EQ(parts[1].content_type.type, "text/plain");
  EXPECT_EQ(parts[1].body, "second, no headers\r\n\r\n--XyZ-not-a-delimiter");
  EXPECT_TRUE(split_multipart(body, "").empty());
  EXPECT_TRUE(split_multipart(body, "other").empty());
  // Unterminated: the last part runs to the end.
  const auto open = split_multipart("--b\r\n\r\nx\r\n", "b");
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].body, "x");
}

}  // namespace
