// ReplyParser: RFC 5321 §4.2 reply syntax, RFC 3463 enhanced codes, and the limits that keep
// a hostile server from growing the client's buffer or confusing it with odd lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/proto/smtp/reply_parser.hpp"

namespace smtpsim::smtp {
namespace {

Reply parse_one(std::string_view wire) {
  ReplyParser p;
  p.feed(wire);
  auto res = p.next();
  if (auto* e = std::get_if<ReplyParser::Error>(&res)) {
    ADD_FAILURE() << "unexpected error: " << e->reason << " for " << wire;
    return {};
  }
  if (!std::holds_alternative<Reply>(res)) {
    ADD_FAILURE() << "incomplete: " << wire;
    return {};
  }
  EXPECT_FALSE(p.has_buffered());
  return std::get<Reply>(res);
}

std::string error_of(std::string_view wire) {
  ReplyParser p;
  p.feed(wire);
  auto res = p.next();
  if (auto* e = std::get_if<ReplyParser::Error>(&res)) return e->reason;
  return "";
}

TEST(ReplyParser, SingleLine) {
  const Reply r = parse_one("250 OK\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.enhanced, "");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], "OK");
}

TEST(ReplyParser, EnhancedCodeIsSplitOff) {
  const Reply r = parse_one("250 2.1.0 Sender ok\r\n");
  EXPECT_EQ(r.enhanced, "2.1.0");
  EXPECT_EQ(r.text(), "Sender ok");
  const Reply big = parse_one("550 5.123.456 x\r\n");
  EXPECT_EQ(big.enhanced, "5.123.456");
  EXPECT_EQ(big.text(), "x");
  const Reply alone = parse_one("250 2.0.0\r\n");
  EXPECT_EQ(alone.enhanced, "2.0.0");
  EXPECT_EQ(alone.text(), "");
}

TEST(ReplyParser, LookalikesOfEnhancedCodesStayText) {
  // class digit must equal the reply's class (RFC 3463 §2), 1-3 digits, then SP or end
  for (const char* wire :
       {"550 2.1.0 x\r\n", "250 2.1234.0 x\r\n", "250 2.1.0.1 x\r\n", "250 2..0 x\r\n",
        "250 3.1.0 x\r\n", "354 3.0.0 go\r\n", "250 2.1.0x\r\n", "220 192.0.2.1 ESMTP\r\n"}) {
    const Reply r = parse_one(wire);
    EXPECT_EQ(r.enhanced, "") << wire;
    EXPECT_EQ(r.text(), std::string_view(wire).substr(4, std::string_view(wire).size() - 6))
        << wire;
  }
}

TEST(ReplyParser, CodeAloneAndEmptyText) {
  const Reply bare = parse_one("250\r\n");
  EXPECT_EQ(bare.code, 250);
  ASSERT_EQ(bare.lines.size(), 1u);
  EXPECT_EQ(bare.lines[0], "");
  // RFC 4954 §4: an empty challenge is "334 " with nothing after the space
  const Reply empty = parse_one("334 \r\n");
  EXPECT_EQ(empty.code, 334);
  EXPECT_EQ(empty.text(), "");
}

TEST(ReplyParser, MultiLineEhlo) {
  const Reply r = parse_one(
      "250-mail.example.com Hello client\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
      "250-\r\n250 8BITMIME\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.enhanced, "");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"mail.example.com Hello client", "PIPELINING",
                                               "SIZE 10240000", "", "8BITMIME"}));
}

TEST(ReplyParser, EnhancedCodeOnEveryLineIsStrippedFromEach) {
  const Reply r = parse_one("550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 third\r\n");
  EXPECT_EQ(r.enhanced, "5.1.1");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(r.render(), "550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 third\r\n");
  // a different code on a later line is left in the text
  const Reply m = parse_one("550-5.1.1 first\r\n550 5.7.1 other\r\n");
  EXPECT_EQ(m.lines[1], "5.7.1 other");
}

TEST(ReplyParser, RenderedRepliesParseBack) {
  for (const Reply& r : {Reply{250, "2.1.5", "Ok"}, Reply{221, "", "Bye"},
                         Reply{550, "5.7.1", std::vector<std::string>{"a", "b", "c"}},
                         Reply{354, "", "End data with <CR><LF>.<CR><LF>"}}) {
    const Reply back = parse_one(r.render());
    EXPECT_EQ(back.code, r.code);
    EXPECT_EQ(back.enhanced, r.enhanced);
    EXPECT_EQ(back.lines, r.lines);
  }
}

TEST(ReplyParser, TabsAndEightBitTextAreAccepted) {
  EXPECT_EQ(parse_one("250 a\tb\r\n").text(), "a\tb");
  EXPECT_EQ(parse_one("250 caf\xc3\xa9\r\n").text(), "caf\xc3\xa9");
}

TEST(ReplyParser, MalformedLinesAreErrors) {
  EXPECT_NE(error_of("25O ok\r\n"), "");
  EXPECT_NE(error_of("ok\r\n"), "");
  EXPECT_NE(error_of("\r\n"), "");
  EXPECT_NE(error_of("25\r\n"), "");
  EXPECT_NE(error_of("199 too low\r\n"), "");
  EXPECT_NE(error_of("600 too high\r\n"), "");
  EXPECT_NE(error_of("100 x\r\n"), "");
  EXPECT_NE(error_of("260 second digit above 5\r\n"), "");
  EXPECT_NE(error_of("250x\r\n"), "");
  EXPECT_NE(error_of("250_ok\r\n"), "");
  EXPECT_NE(error_of("250 bare LF\n"), "");
  EXPECT_NE(error_of("250 bare\rCR\r\n"), "");
  EXPECT_NE(error_of(std::string("250 NUL\0here\r\n", 15)), "");
  EXPECT_NE(error_of("250 DEL\x7f\r\n"), "");
  EXPECT_NE(error_of("250-a\r\n251 b\r\n"), "");  // RFC 5321 §4.2.1: same code on every line
  EXPECT_NE(error_of("250-a\r\n550 b\r\n"), "");
  EXPECT_NE(error_of("HTTP/1.1 400 Bad Request\r\n"), "");
}

TEST(ReplyParser, LineLengthLimit) {
  const std::string ok = "250 " + std::string(ReplyParser::kMaxLine - 4, 'a') + "\r\n";
  EXPECT_EQ(parse_one(ok).text().size(), ReplyParser::kMaxLine - 4);
  const std::string too_long = "250 " + std::string(ReplyParser::kMaxLine - 3, 'a') + "\r\n";
  EXPECT_EQ(error_of(too_long), "reply line too long");
  // an endless line fails without waiting for its end, so the buffer stays bounded
  ReplyParser p;
  p.feed("250 ");
  std::string chunk(1000, 'x');
  ReplyParser::Result res;
  for (int i = 0; i < 10; ++i) {
    p.feed(chunk);
    res = p.next();
    if (!std::holds_alternative<ReplyParser::NeedMore>(res)) break;
  }
  ASSERT_TRUE(std::holds_alternative<ReplyParser::Error>(res));
}

TEST(ReplyParser, LineCountLimit) {
  std::string wire;
  for (std::size_t i = 1; i < ReplyParser::kMaxLines; ++i) wire += "250-x\r\n";
  EXPECT_EQ(parse_one(wire + "250 last\r\n").lines.size(), ReplyParser::kMaxLines);
  EXPECT_EQ(error_of(wire + "250-x\r\n250 last\r\n"), "reply has too many lines");
}

TEST(ReplyParser, ErrorIsFinal) {
  ReplyParser p;
  p.feed("bogus\r\n250 ok\r\n");
  EXPECT_TRUE(std::holds_alternative<ReplyParser::Error>(p.next()));
  EXPECT_TRUE(std::holds_alternative<ReplyParser::Error>(p.next()));
  p.feed("250 ok\r\n");
  EXPECT_TRUE(std::holds_alternative<ReplyParser::Error>(p.next()));
}

TEST(ReplyParser, NeedMoreUntilTheLastLine) {
  ReplyParser p;
  EXPECT_TRUE(std::holds_alternative<ReplyParser::NeedMore>(p.next()));
  p.feed("250-first\r\n");
  EXPECT_TRUE(std::holds_alternative<ReplyParser::NeedMore>(p.next()));
  p.feed("250 last\r");
  EXPECT_TRUE(std::holds_alternative<ReplyParser::NeedMore>(p.next()));
  p.feed("\n");
  auto res = p.next();
  ASSERT_TRUE(std::holds_alternative<Reply>(res));
  EXPECT_EQ(std::get<Reply>(res).lines, (std::vector<std::string>{"first", "last"}));
}

TEST(ReplyParser, EverySplitGivesTheSameReplies) {
  const std::string wire =
      "250-mail.example.com Hello\r\n250-PIPELINING\r\n250 SIZE 100\r\n250 2.1.0 Ok\r\n"
      "550 5.1.1 <x@example.com>: Recipient address rejected\r\n354 go\r\n";
  auto collect = [](const std::vector<std::string_view>& pieces) {
    ReplyParser p;
    std::vector<std::string> got;
    for (auto piece : pieces) {
      p.feed(piece);
      while (true) {
        auto res = p.next();
        if (auto* r = std::get_if<Reply>(&res)) {
          got.push_back(r->render());
          continue;
        }
        EXPECT_FALSE(std::holds_alternative<ReplyParser::Error>(res));
        break;
      }
    }
    return got;
  };
  const auto whole = collect({wire});
  ASSERT_EQ(whole.size(), 4u);
  for (std::size_t i = 1; i < wire.size(); ++i) {
    const std::string_view w(wire);
    EXPECT_EQ(collect({w.substr(0, i), w.substr(i)}), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < wire.size(); ++i)
    bytes.push_back(std::string_view(wire).substr(i, 1));
  EXPECT_EQ(collect(bytes), whole);
}

TEST(ReplyParser, LastLinesAndOffsets) {
  ReplyParser p;
  p.feed("220 hi\r\n250-a\r\n250 2.0.0 b\r\n");
  EXPECT_EQ(p.bytes_fed(), 28u);
  auto r1 = p.next();
  ASSERT_TRUE(std::holds_alternative<Reply>(r1));
  EXPECT_EQ(p.last_lines(), (std::vector<std::string_view>{"220 hi"}));
  EXPECT_EQ(p.last_reply_offset(), 0u);
  EXPECT_TRUE(p.has_buffered());
  auto r2 = p.next();
  ASSERT_TRUE(std::holds_alternative<Reply>(r2));
  EXPECT_EQ(p.last_lines(), (std::vector<std::string_view>{"250-a", "250 2.0.0 b"}));
  EXPECT_EQ(p.last_reply_offset(), 8u);
  EXPECT_FALSE(p.has_buffered());
  EXPECT_TRUE(std::holds_alternative<ReplyParser::NeedMore>(p.next()));
  EXPECT_TRUE(p.last_lines().empty());
  p.feed("221 bye\r\n");
  ASSERT_TRUE(std::holds_alternative<Reply>(p.next()));
  EXPECT_EQ(p.last_reply_offset(), 28u);
}

TEST(ReplyParser, DiscardBufferedDropsPendingBytesButCountsThem) {
  ReplyParser p;
  p.feed("220 go ahead\r\n250-injected\r\n250 more");
  ASSERT_TRUE(std::holds_alternative<Reply>(p.next()));
  EXPECT_TRUE(p.has_buffered());
  p.discard_buffered();
  EXPECT_FALSE(p.has_buffered());
  EXPECT_TRUE(std::holds_alternative<ReplyParser::NeedMore>(p.next()));
  p.feed("250 real\r\n");
  auto res = p.next();
  ASSERT_TRUE(std::holds_alternative<Reply>(res));
  EXPECT_EQ(std::get<Reply>(res).text(), "real");
  EXPECT_EQ(p.last_reply_offset(), 36u);
}

}  // namespace
}  // namespace smtpsim::smtp
