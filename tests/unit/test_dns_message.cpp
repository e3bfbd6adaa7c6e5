// sim/proto/dns: names, addresses, RFC 1035 wire format (round trips, exact bytes, hostile
// input: truncation at every length, compression pointer loops, forward pointers, oversize
// labels and names) and descriptions. UDP/TCP shaping and zone answers: test_dns_zone.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/proto/dns/address.hpp"
#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/name.hpp"
#include "sim/proto/dns/transport.hpp"
#include "sim/proto/dns/zone.hpp"
#include "tests/support/dns_wire.hpp"

namespace smtpsim::dns {
namespace {

using test::decode_ok;
using test::hex;
using test::to_hex;

std::string decode_error(std::string_view wire) {
  auto r = decode(wire);
  if (auto* e = std::get_if<DecodeError>(&r)) return e->reason;
  ADD_FAILURE() << "decoded although malformed: " << to_hex(wire);
  return "";
}

std::string encode_error(const Message& m) {
  auto r = try_encode(m);
  if (auto* e = std::get_if<EncodeError>(&r)) return e->reason;
  ADD_FAILURE() << "encoded although invalid";
  return "";
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// A response with every typed record kind, opaque records and all header bits in use.
Message everything() {
  Message m =
      make_response(make_query(0xBEEF, "example.com", RecordType::ANY), Rcode::NoError, {}, true);
  m.flags.ad = true;
  m.answers = {
      ResourceRecord::a("example.com", "192.0.2.1", 300),
      ResourceRecord::aaaa("example.com", "2001:db8::1"),
      ResourceRecord::aaaa("example.com", "::ffff:198.51.100.7"),
      ResourceRecord::mx("example.com", 10, "mx1.example.com"),
      ResourceRecord::mx("example.com", 20, "MX2.Example.COM"),
      ResourceRecord::txt("example.com", {"v=spf1 -all", "", std::string(255, 'x'), "a\"b\\c\n"}),
      ResourceRecord::cname("www.example.com", "web.example.com"),
      ResourceRecord::ns("example.com", "ns1.example.com", 86400),
      ResourceRecord::ptr("1.2.0.192.in-addr.arpa", "example.com"),
      ResourceRecord::soa("example.com", SoaData{"ns1.example.com", "hostmaster.example.com",
                                                 2024010101, 7200, 900, 1209600, 60}),
      {"odd\\.label\\000.example.com", RecordType{99}, RecordClass::IN, 5, RawData{hex("00 ff")}},
      {"version.bind", RecordType::TXT, RecordClass::CH, 0, RawData{hex("04 'x y.'")}},
      {"example.com", RecordType::A, RecordClass::HS, 0, RawData{""}},
  };
  m.authority = {ResourceRecord::ns("example.com", "ns2.example.net")};
  m.additional = {
      ResourceRecord::a("mx1.example.com", "203.0.113.25", 0xFFFFFFFF),
      {"", RecordType::OPT, RecordClass{1232}, 0x00008000,
       RawData{hex("000a 0008 0102030405060708")}},
  };
  return m;
}

// ---------------------------------------------------------------------------------------
// Names

TEST(DnsName, ParsesLabelsAndTrailingDot) {
  for (const char* text : {"mx1.example.com", "mx1.example.com."}) {
    const auto r = parse_name(text);
    ASSERT_TRUE(std::holds_alternative<Labels>(r)) << text;
    EXPECT_EQ(std::get<Labels>(r), (Labels{"mx1", "example", "com"}));
  }
  for (const char* root : {"", "."}) {
    const auto r = parse_name(root);
    ASSERT_TRUE(std::holds_alternative<Labels>(r));
    EXPECT_TRUE(std::get<Labels>(r).empty());
  }
  EXPECT_EQ(display_name(""), ".");
  EXPECT_EQ(display_name("."), ".");
  EXPECT_EQ(display_name("example.com."), "example.com");
  EXPECT_EQ(strip_trailing_dot("a\\."), "a\\.");  // an escaped dot is part of the label
  EXPECT_EQ(strip_trailing_dot("a\\\\."), "a\\\\");
}

TEST(DnsName, EscapesRoundTrip) {
  const auto r = parse_name("a\\.b\\\\c\\032d\\065.example");
  ASSERT_TRUE(std::holds_alternative<Labels>(r));
  const Labels& l = std::get<Labels>(r);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], "a.b\\c dA");
  EXPECT_EQ(name_text(l), "a\\.b\\\\c\\032dA.example");
  EXPECT_EQ(name_text({std::string("\0\xff", 2)}), "\\000\\255");
}

TEST(DnsName, RejectsBadEscapesAndEmptyLabels) {
  for (const char* bad : {"a..b", ".a", "..", "a\\", "a\\25", "a\\2x5", "a\\256", "a.\\"}) {
    EXPECT_TRUE(check_name(bad).has_value()) << bad;
  }
  EXPECT_FALSE(check_name("a\\000b").has_value());
  EXPECT_FALSE(check_name("_dmarc.example.com").has_value());  // any byte is allowed
}

TEST(DnsName, LabelAndNameLimits) {
  const std::string l63(63, 'a'), l64(64, 'a');
  EXPECT_FALSE(check_name(l63 + ".com").has_value());
  EXPECT_TRUE(contains(*check_name(l64 + ".com"), "63"));
  // 3 x (1+63) + (1+61) + 1 = 255: the longest name; one byte more is too long.
  const std::string longest = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  EXPECT_FALSE(check_name(longest).has_value());
  EXPECT_EQ(wire_length(std::get<Labels>(parse_name(longest))), 255u);
  EXPECT_TRUE(contains(*check_name(longest + "b"), "255"));
  // The escaped form counts the bytes, not the text.
  std::string escaped;
  for (int i = 0; i < 63; ++i) escaped += "\\000";
  EXPECT_FALSE(check_name(escaped).has_value());
  EXPECT_TRUE(check_name(escaped + "x").has_value());
}

TEST(DnsName, CaseInsensitiveComparison) {
  EXPECT_TRUE(names_equal("Example.COM.", "example.com"));
  EXPECT_TRUE(names_equal("a\\098c", "ABC"));  // RFC 4343: compare bytes, A-Z fold
  EXPECT_TRUE(names_equal("", "."));
  EXPECT_FALSE(names_equal("example.com", "example.co"));
  EXPECT_FALSE(names_equal("a\\.b", "a.b"));              // one label vs two
  EXPECT_FALSE(names_equal("\\195\\137", "\\195\\169"));  // only ASCII folds (RFC 4343 §3)
  EXPECT_EQ(canonical_name("MX1.Example.COM."), "mx1.example.com");
  EXPECT_EQ(canonical_name("A\\066c"), "abc");
}

TEST(DnsName, Subdomains) {
  EXPECT_TRUE(is_subdomain("a.example.com", "example.com"));
  EXPECT_TRUE(is_subdomain("EXAMPLE.com.", "example.COM"));
  EXPECT_TRUE(is_subdomain("example.com", ""));
  EXPECT_FALSE(is_subdomain("badexample.com", "example.com"));
  EXPECT_FALSE(is_subdomain("example.com", "a.example.com"));
  EXPECT_FALSE(is_subdomain("a\\.example.com", "example.com.x"));
}

// ---------------------------------------------------------------------------------------
// Addresses

TEST(DnsAddress, Ipv4) {
  const auto a = parse_ipv4("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (Ipv4Bytes{192, 0, 2, 1}));
  EXPECT_EQ(format_ipv4(*a), "192.0.2.1");
  EXPECT_TRUE(parse_ipv4("0.0.0.0"));
  EXPECT_TRUE(parse_ipv4("255.255.255.255"));
  for (const char* bad : {"256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.", " 1.2.3.4", "1.2.3.4 ",
                          "1..2.3", "1.2.3.-4", "", "1234.1.1.1", "a.b.c.d"}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
}

TEST(DnsAddress, Ipv6CanonicalForm) {
  const std::pair<const char*, const char*> cases[] = {
      {"2001:db8::1", "2001:db8::1"},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group is not "::"
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // the longest run wins
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // the first of equal runs
      {"0001:0db8:00:000:0000::0abc", "1:db8::abc"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},  // RFC 5952 §5
      {"::FFFF:c000:0201", "::ffff:192.0.2.1"},
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
  };
  for (const auto& [in, want] : cases) {
    const auto a = parse_ipv6(in);
    ASSERT_TRUE(a) << in;
    EXPECT_EQ(format_ipv6(*a), want) << in;
    EXPECT_EQ(parse_ipv6(format_ipv6(*a)), a) << in;
  }
  for (const char* bad :
       {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "1::2::3",
        "g::", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7::8", "fe80::1%eth0", " ::1"}) {
    EXPECT_FALSE(parse_ipv6(bad)) << bad;
  }
}

// ---------------------------------------------------------------------------------------
// Encoding and decoding

TEST(DnsMessage, QueryBytesAreRfc1035) {
  // RFC 1035 §4.1: header (id, RD, QDCOUNT 1), QNAME as labels, QTYPE 15, QCLASS 1.
  const std::string want =
      hex("12 34 01 00 0001 0000 0000 0000 07 'example' 03 'com' 00 000f 0001");
  EXPECT_EQ(to_hex(encode(make_query(0x1234, "example.com", RecordType::MX))), to_hex(want));
  EXPECT_EQ(encode(make_query(0x1234, "example.com.", RecordType::MX)), want);  // trailing dot
  EXPECT_EQ(encode(make_query(0x1234, "example.com", RecordType::MX), Compression::Off), want);
  const Message q = decode_ok(want);
  EXPECT_EQ(q, make_query(0x1234, "example.com", RecordType::MX));
}

TEST(DnsMessage, ResponseBytesWithCompression) {
  Message r = make_response(make_query(7, "example.com", RecordType::MX), Rcode::NoError,
                            {ResourceRecord::mx("example.com", 10, "mx1.example.com", 300)}, true);
  r.additional = {ResourceRecord::a("mx1.example.com", "192.0.2.25", 300)};
  // The answer's owner points at the question name (offset 12); the exchange is "mx1" and a
  // pointer to it too; the additional owner points at the exchange (offset 43).
  const std::string want =
      hex("0007 8500 0001 0001 0000 0001"
          " 07 'example' 03 'com' 00 000f 0001"
          " c00c 000f 0001 0000012c 0008 000a 03 'mx1' c00c"
          " c02b 0001 0001 0000012c 0004 c0000219");
  const std::string wire = encode(r);
  EXPECT_EQ(to_hex(wire), to_hex(want));
  EXPECT_EQ(decode_ok(wire), r);
  const std::string plain = encode(r, Compression::Off);
  EXPECT_GT(plain.size(), wire.size());
  const std::string mx1 = hex("03 'mx1' 07 'example' 03 'com' 00");
  EXPECT_NE(plain.find(mx1, plain.find(mx1) + 1), std::string::npos);  // written twice
  EXPECT_EQ(decode_ok(plain), r);
}

TEST(DnsMessage, RoundTripEveryType) {
  const Message m = everything();
  for (const Compression c : {Compression::On, Compression::Off}) {
    const std::string wire = encode(m, c);
    const Message back = decode_ok(wire);
    EXPECT_EQ(back, m);
    EXPECT_EQ(encode(back, c), wire);  // and the bytes are stable
  }
  // One record at a time too, so that a failure names the type.
  for (const auto& rr : m.answers) {
    Message one;
    one.answers = {rr};
    EXPECT_EQ(decode_ok(encode(one)), one) << type_name(rr.type);
  }
}

TEST(DnsMessage, EveryHeaderBitRoundTrips) {
  for (unsigned flags = 0; flags < 0x10000; flags += 1) {
    std::string wire = hex("abcd 0000 0000 0000 0000 0000");
    wire[2] = static_cast<char>(flags >> 8);
    wire[3] = static_cast<char>(flags & 0xFF);
    const Message m = decode_ok(wire);
    ASSERT_EQ(encode(m), wire) << flags;
  }
  Message m;
  m.flags = {true, Opcode::Update, true, true, true, true, false, true, true, Rcode::Refused};
  EXPECT_EQ(to_hex(encode(m).substr(2, 2)), "af b5");
}

TEST(DnsMessage, CompressionKeepsTheSpelling) {
  Message m;
  m.questions = {{"Example.COM", RecordType::A, RecordClass::IN}};
  m.answers = {ResourceRecord::a("example.com", "192.0.2.1"),
               ResourceRecord::a("www.EXAMPLE.com", "192.0.2.2"),
               ResourceRecord::cname("x.Example.COM", "www.EXAMPLE.com")};
  const std::string wire = encode(m);
  EXPECT_EQ(decode_ok(wire), m);
  // Only exact suffixes were shared: "COM" of the question, not "com" of the answer.
  EXPECT_NE(wire.find("com"), std::string::npos);
  EXPECT_NE(wire.find("COM"), std::string::npos);
}

TEST(DnsMessage, NullMxRoundTrips) {
  // RFC 7505 §3: "0 ." - preference 0 and the root as exchange: RDATA is 00 00 00.
  for (const char* root : {"", "."}) {
    Message m;
    m.answers = {ResourceRecord::mx("example.net", 0, root)};
    const std::string wire = encode(m);
    EXPECT_EQ(to_hex(wire.substr(wire.size() - 5)), "00 03 00 00 00");
    const Message back = decode_ok(wire);
    ASSERT_EQ(back.answers.size(), 1u);
    EXPECT_EQ(std::get<MxData>(back.answers[0].data), (MxData{0, ""}));
    EXPECT_EQ(rdata_text(back.answers[0]), "0 .");
  }
}

TEST(DnsMessage, RootNamesAndPointersToTheHeader) {
  Message m;
  m.questions = {{"", RecordType::NS, RecordClass::IN}};
  m.answers = {ResourceRecord::ns("", "a.root-servers.net")};
  EXPECT_EQ(decode_ok(encode(m)), m);
  // A pointer into the header is odd but points backwards: the id bytes 01 'a' read as a
  // label "a" followed by the flags byte 00 as the root.
  const std::string wire = hex("01 'a' 00 00 0001 0000 0000 0000 c000 0001 0001");
  const Message q = decode_ok(wire);
  ASSERT_EQ(q.questions.size(), 1u);
  EXPECT_EQ(q.questions[0].name, "a");
}

TEST(DnsMessage, EncodeRejectsWhatWouldBeMalformed) {
  auto with = [](ResourceRecord rr) {
    Message m;
    m.answers = {std::move(rr)};
    return m;
  };
  EXPECT_TRUE(contains(encode_error(with(ResourceRecord::a("x", "192.0.2.256"))), "IPv4"));
  EXPECT_TRUE(contains(encode_error(with(ResourceRecord::aaaa("x", "2001:db8::g"))), "IPv6"));
  EXPECT_TRUE(contains(encode_error(with(ResourceRecord::txt("x", {}))), "without any string"));
  EXPECT_TRUE(
      contains(encode_error(with(ResourceRecord::txt("x", {std::string(256, 'a')}))), "255"));
  EXPECT_TRUE(contains(encode_error(with(ResourceRecord::mx("x", 1, "a..b"))), "MX exchange"));
  EXPECT_TRUE(
      contains(encode_error(with(ResourceRecord::a(std::string(64, 'a'), "192.0.2.1"))), "63"));
  ResourceRecord wrong = ResourceRecord::a("x", "192.0.2.1");
  wrong.type = RecordType::MX;
  EXPECT_TRUE(contains(encode_error(with(wrong)), "wrong kind of data"));
  ResourceRecord raw_a{"x", RecordType::A, RecordClass::IN, 0, RawData{"1234"}};
  EXPECT_TRUE(contains(encode_error(with(raw_a)), "wrong kind of data"));
  Message bad_rcode;
  bad_rcode.flags.rcode = static_cast<Rcode>(16);
  EXPECT_TRUE(contains(encode_error(bad_rcode), "RCODE"));
  EXPECT_THROW(encode(with(ResourceRecord::a("x", "nope"))), std::invalid_argument);

  Message huge;
  for (int i = 0; i < 300; ++i) {
    huge.answers.push_back(ResourceRecord::txt("x", {std::string(255, 'a')}));
  }
  const auto r = try_encode(huge);
  ASSERT_TRUE(std::holds_alternative<EncodeError>(r));
  EXPECT_TRUE(std::get<EncodeError>(r).too_large);
}

// ---------------------------------------------------------------------------------------
// Hostile input

TEST(DnsDecode, TruncatedAtEveryLength) {
  for (const Compression c : {Compression::On, Compression::Off}) {
    const std::string wire = encode(everything(), c);
    for (std::size_t n = 0; n < wire.size(); ++n) {
      const auto r = decode(std::string_view(wire).substr(0, n));
      ASSERT_TRUE(std::holds_alternative<DecodeError>(r)) << n;
      EXPECT_LE(std::get<DecodeError>(r).offset, n);
    }
    EXPECT_TRUE(contains(decode_error(wire + '\0'), "after the last record"));
  }
}

TEST(DnsDecode, HeaderOnly) {
  EXPECT_TRUE(contains(decode_error(""), "12-byte header"));
  EXPECT_TRUE(contains(decode_error(hex("0000 0000 0000 0000 0000")), "12-byte header"));
  EXPECT_EQ(decode_ok(hex("0000 0000 0000 0000 0000 0000")), Message{});
}

TEST(DnsDecode, CompressionPointerLoops) {
  const std::string head = hex("0000 0000 0001 0000 0000 0000");
  // A pointer to itself.
  EXPECT_TRUE(contains(decode_error(head + hex("c00c 0001 0001")), "backwards"));
  // A label, then a pointer back to that label: backwards from the pointer, but a loop.
  EXPECT_TRUE(contains(decode_error(head + hex("01 'a' c00c 0001 0001")), "backwards"));
  // Two names pointing at each other: the second name is "b" + pointer to the first, whose
  // pointer leads forward to the second.
  const std::string two = hex("0000 0000 0002 0000 0000 0000") + hex("01 'a' c012 0001 0001") +
                          hex("01 'b' c00c 0001 0001");
  EXPECT_TRUE(contains(decode_error(two), "backwards"));
  // A chain of pointers that always goes back is fine: pointer -> pointer -> labels.
  const std::string chain = hex("0000 0000 0003 0000 0000 0000") +
                            hex("03 'com' 00 0001 0001") +  // 12: com
                            hex("c00c 0001 0001") +         // 21: -> com
                            hex("01 'x' c015 0001 0001");   // 27: x -> (21 -> 12)
  const Message m = decode_ok(chain);
  ASSERT_EQ(m.questions.size(), 3u);
  EXPECT_EQ(m.questions[1].name, "com");
  EXPECT_EQ(m.questions[2].name, "x.com");
}

TEST(DnsDecode, ForwardPointersAndPointersPastTheEnd) {
  const std::string head = hex("0000 0000 0001 0000 0000 0000");
  EXPECT_TRUE(contains(decode_error(head + hex("c012 0001 0001 01 'a' 00")), "backwards"));
  EXPECT_TRUE(contains(decode_error(head + hex("c0ff 0001 0001")), "backwards"));
  EXPECT_TRUE(contains(decode_error(head + hex("ffff 0001 0001")), "backwards"));
  EXPECT_TRUE(contains(decode_error(head + hex("03 'abc' c0")), "pointer"));  // half a pointer
  // A pointer inside RDATA must fit in the RDATA, even when it points somewhere valid.
  const std::string rr =
      hex("0000 8000 0000 0001 0000 0000") + hex("01 'a' 00 0005 0001 00000000 0001 c00c");
  EXPECT_TRUE(contains(decode_error(rr), "pointer"));
}

TEST(DnsDecode, LabelTypesAndLengths) {
  const std::string head = hex("0000 0000 0001 0000 0000 0000");
  std::string label63 = head + '\x3f' + std::string(63, 'a') + hex("00 0001 0001");
  EXPECT_EQ(decode_ok(label63).questions[0].name, std::string(63, 'a'));
  std::string label64 = head + '\x40' + std::string(64, 'a') + hex("00 0001 0001");
  EXPECT_TRUE(contains(decode_error(label64), "label type"));
  EXPECT_TRUE(contains(decode_error(head + hex("80 0001 0001")), "label type"));
  // A label that claims more bytes than there are.
  EXPECT_TRUE(contains(decode_error(head + hex("05 'ab' 0001")), "label runs past"));
}

TEST(DnsDecode, NamesLongerThan255ThroughPointers) {
  // Four 63-byte labels are 257 bytes with the root: too long, whether written in place or
  // assembled through pointers from pieces that are each short enough.
  const std::string l63 = '\x3f' + std::string(63, 'a');
  std::string in_place =
      hex("0000 0000 0001 0000 0000 0000") + l63 + l63 + l63 + l63 + hex("00 0001 0001");
  EXPECT_TRUE(contains(decode_error(in_place), "255"));
  // 12: two labels + root (129 bytes); 145: two labels + pointer to 12.
  std::string pieces = hex("0000 0000 0002 0000 0000 0000") + l63 + l63 + hex("00 0001 0001") +
                       l63 + l63 + hex("c00c 0001 0001");
  EXPECT_TRUE(contains(decode_error(pieces), "255"));
  // Three labels + 61 bytes through a pointer is exactly 255: fine.
  std::string exact = hex("0000 0000 0002 0000 0000 0000") + l63 + '\x3d' + std::string(61, 'b') +
                      hex("00 0001 0001") + l63 + l63 + hex("c00c 0001 0001");
  EXPECT_EQ(wire_length(std::get<Labels>(parse_name(decode_ok(exact).questions[1].name))), 255u);
}

TEST(DnsDecode, CountsAreBoundedByTheBytesPresent) {
  EXPECT_TRUE(contains(decode_error(hex("0000 0000 ffff ffff ffff ffff")), "section counts"));
  EXPECT_TRUE(contains(decode_error(hex("0000 0000 0000 0001 0000 0000 00 0001 0001 00000000")),
                       "section counts"));
  // Counts that fit the bytes but records that do not parse.
  EXPECT_TRUE(contains(decode_error(hex("0000 0000 0002 0000 0000 0000 00 0001 0001 05 'ab' 0000")),
                       "label runs past"));
  EXPECT_FALSE(decode_error(std::string(70000, '\0')).empty());
}

TEST(DnsDecode, RdataMustFitItsFields) {
  const std::string head = hex("0000 8000 0000 0001 0000 0000 00");  // one answer, owner root
  auto rr = [&](const char* type_class_ttl_len_data) {
    return head + hex(type_class_ttl_len_data);
  };
  EXPECT_TRUE(contains(decode_error(rr("0001 0001 00000000 0005 c0000201 00")), "4 bytes"));
  EXPECT_TRUE(contains(decode_error(rr("0001 0001 00000000 0003 c00002")), "4 bytes"));
  EXPECT_TRUE(contains(decode_error(rr("001c 0001 00000000 0004 c0000201")), "16 bytes"));
  EXPECT_TRUE(contains(decode_error(rr("0010 0001 00000000 0000")), "TXT"));
  EXPECT_TRUE(contains(decode_error(rr("0010 0001 00000000 0003 05 'ab'")), "TXT string"));
  EXPECT_TRUE(contains(decode_error(rr("000f 0001 00000000 0004 000a 00 00")), "longer"));
  EXPECT_TRUE(contains(decode_error(rr("000f 0001 00000000 0001 00")), "MX"));
  // A name inside RDATA may not run past RDLENGTH, even when the message goes on.
  EXPECT_TRUE(
      contains(decode_error(rr("000f 0001 00000000 0004 000a 03 'mxx' 00")), "label runs past"));
  EXPECT_TRUE(contains(decode_error(rr("0006 0001 00000000 0006 00 00 00000001")), "SOA"));
  EXPECT_TRUE(contains(decode_error(rr("0063 0001 00000000 0009 00")), "RDLENGTH"));
  EXPECT_TRUE(
      contains(decode_error(hex("0000 0000 0001 0000 0000 0000 03 'abc' 00 0001")), "field"));
  // TXT: the length octets decide, any bytes inside (RFC 1035 §3.3).
  const Message txt = decode_ok(rr("0010 0001 00000000 0006 00 04 'a' 00 0a 'b'"));
  EXPECT_EQ(std::get<TxtData>(txt.answers[0].data).strings,
            (std::vector<std::string>{"", std::string("a\0\nb", 4)}));
}

TEST(DnsDecode, UnknownTypesAndClassesStayOpaque) {
  const std::string head = hex("0000 8000 0000 0002 0000 0000");
  // TYPE99 IN, and an A record in class CH (two bytes there, RFC 1035 §3.4.1 is IN only).
  const Message m = decode_ok(head + hex("00 0063 0001 00000000 0003 c00c00") +
                              hex("00 0001 0003 00000000 0002 abcd"));
  EXPECT_EQ(m.answers[0].data, RData(RawData{hex("c00c00")}));
  EXPECT_EQ(m.answers[1].data, RData(RawData{hex("abcd")}));
  EXPECT_EQ(rdata_text(m.answers[0]), "\\# 3 c00c00");
  EXPECT_EQ(encode(m), head + hex("00 0063 0001 00000000 0003 c00c00") +
                           hex("00 0001 0003 00000000 0002 abcd"));
}

TEST(DnsDecode, NamesWithOddBytesRoundTrip) {
  // Labels with dots, backslashes, spaces and bytes >= 0x80 come back escaped and encode
  // to the same labels.
  const std::string wire = hex("0000 0000 0001 0000 0000 0000 05 'a.b\\ ' 02 ff00 00 0001 0001");
  const Message m = decode_ok(wire);
  EXPECT_EQ(m.questions[0].name, "a\\.b\\\\\\032.\\255\\000");
  EXPECT_EQ(encode(m), wire);
}

TEST(DnsDecode, ARealWorldResponse) {
  // An answer shaped like dnsmasq's to "dig @127.0.0.1 -p 5353 MX example.test" with the
  // REFERENCE.md configuration: compression pointers into the question and the answer.
  const std::string wire =
      hex("5c1e 8580 0001 0001 0000 0001"
          " 07 'example' 04 'test' 00 000f 0001"
          " c00c 000f 0001 00000000 0009 000a 04 'mail' c00c"
          " c02c 0001 0001 00000000 0004 7f000001");
  const Message m = decode_ok(wire);
  EXPECT_EQ(m.id, 0x5c1e);
  EXPECT_TRUE(m.flags.qr && m.flags.aa && m.flags.rd && m.flags.ra);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0], ResourceRecord::mx("example.test", 10, "mail.example.test", 0));
  ASSERT_EQ(m.additional.size(), 1u);
  EXPECT_EQ(m.additional[0], ResourceRecord::a("mail.example.test", "127.0.0.1", 0));
  EXPECT_EQ(encode(m), wire);  // our compression makes the same choices here
}

// Mutations of valid messages: whatever decodes must survive encode -> decode unchanged (the
// fuzz target's property, run deterministically here in the sanitizer build).
TEST(DnsDecode, MutatedMessagesRoundTrip) {
  std::mt19937 rng(1035);
  std::vector<std::string> seeds = {encode(everything()), encode(everything(), Compression::Off),
                                    encode(make_query(1, "example.com", RecordType::MX))};
  int decoded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string w = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !w.empty(); ++e) {
      const std::size_t at = rng() % w.size();
      switch (rng() % 4) {
        case 0:
          w[at] = static_cast<char>(rng());
          break;
        case 1:
          w[at] = static_cast<char>(w[at] ^ (1 << (rng() % 8)));
          break;
        case 2:
          w.erase(at, 1 + rng() % 4);
          break;
        default:
          w.insert(at, 1, static_cast<char>(rng() % 2 ? 0xc0 : rng()));
          break;
      }
    }
    auto r = decode(w);
    auto* m = std::get_if<Message>(&r);
    if (m == nullptr) continue;
    ++decoded;
    for (const Compression c : {Compression::On, Compression::Off}) {
      auto again = try_encode(*m, c);
      ASSERT_TRUE(std::holds_alternative<std::string>(again))
          << std::get<EncodeError>(again).reason << " for " << to_hex(w);
      ASSERT_EQ(decode_ok(std::get<std::string>(again)), *m) << to_hex(w);
    }
    (void)describe(*m);
  }
  EXPECT_GT(decoded, 100);
}

// ---------------------------------------------------------------------------------------
// Helpers and descriptions

TEST(DnsMessage, MakeQueryAndResponse) {
  const Message q = make_query(42, "example.com", RecordType::MX);
  EXPECT_EQ(q.id, 42);
  EXPECT_FALSE(q.flags.qr);
  EXPECT_TRUE(q.flags.rd);
  EXPECT_FALSE(make_query(1, "x", RecordType::A, false).flags.rd);
  ASSERT_EQ(q.questions.size(), 1u);
  EXPECT_EQ(q.questions[0], (Question{"example.com", RecordType::MX, RecordClass::IN}));
  const Message r =
      make_response(q, Rcode::NXDomain, {ResourceRecord::a("example.com", "192.0.2.1")}, true);
  EXPECT_EQ(r.id, 42);
  EXPECT_TRUE(r.flags.qr && r.flags.aa && r.flags.rd);
  EXPECT_FALSE(r.flags.ra);
  EXPECT_EQ(r.flags.rcode, Rcode::NXDomain);
  EXPECT_EQ(r.questions, q.questions);
  EXPECT_EQ(r.answers.size(), 1u);
}

TEST(DnsMessage, TypeAndCodeNames) {
  EXPECT_EQ(type_name(RecordType::MX), "MX");
  EXPECT_EQ(type_name(RecordType{99}), "TYPE99");
  EXPECT_EQ(parse_type("aaaa"), RecordType::AAAA);
  EXPECT_EQ(parse_type("TYPE99"), RecordType{99});
  EXPECT_EQ(parse_type("type65535"), RecordType{65535});
  EXPECT_FALSE(parse_type("TYPE65536"));
  EXPECT_FALSE(parse_type("MXX"));
  EXPECT_EQ(rcode_name(Rcode::NXDomain), "NXDOMAIN");
  EXPECT_EQ(rcode_name(static_cast<Rcode>(9)), "RCODE9");
  EXPECT_EQ(opcode_name(Opcode::Notify), "NOTIFY");
  EXPECT_EQ(class_name(RecordClass{7}), "CLASS7");
}

TEST(DnsDescribe, DigLikeLines) {
  const Message q = make_query(1, "example.com", RecordType::MX);
  EXPECT_EQ(describe(q), "query MX example.com");
  EXPECT_EQ(describe(make_response(q, Rcode::NoError,
                                   {ResourceRecord::mx("example.com", 10, "mx1.example.com"),
                                    ResourceRecord::mx("example.com", 20, "mx2.example.com")})),
            "answer NOERROR example.com MX 10 mx1.example.com, MX 20 mx2.example.com");
  EXPECT_EQ(
      describe(make_response(make_query(2, "nosuch.example", RecordType::MX), Rcode::NXDomain)),
      "answer NXDOMAIN nosuch.example");
  EXPECT_EQ(describe(make_response(make_query(3, "example.com", RecordType::AAAA), Rcode::NoError)),
            "answer NOERROR example.com (no AAAA records)");
  EXPECT_EQ(describe(make_response(make_query(4, "example.net", RecordType::MX), Rcode::NoError,
                                   {ResourceRecord::mx("example.net", 0, "")})),
            "answer NOERROR example.net MX 0 .");

  Message withadd =
      make_response(q, Rcode::NoError, {ResourceRecord::mx("example.com", 10, "mx1.example.com")});
  withadd.additional = {ResourceRecord::a("mx1.example.com", "192.0.2.10"),
                        {"", RecordType::OPT, RecordClass{1232}, 0, RawData{}}};
  EXPECT_EQ(describe(withadd),
            "answer NOERROR example.com MX 10 mx1.example.com; additional mx1.example.com A "
            "192.0.2.10");

  Message chain = make_response(make_query(5, "www.example.com", RecordType::A), Rcode::NoError,
                                {ResourceRecord::cname("www.example.com", "web.example.com"),
                                 ResourceRecord::a("web.example.com", "192.0.2.80")});
  chain.flags.tc = true;
  EXPECT_EQ(describe(chain),
            "answer NOERROR www.example.com CNAME web.example.com, web.example.com A 192.0.2.80 "
            "(truncated)");

  Message odd = make_query(6, "version.bind", RecordType::TXT);
  odd.questions[0].klass = RecordClass::CH;
  odd.flags.opcode = Opcode::Status;
  EXPECT_EQ(describe(odd), "query (STATUS) CH TXT version.bind");
  EXPECT_EQ(describe(Message{}), "query (no question)");
  Message formerr;
  formerr.flags.qr = true;
  formerr.flags.rcode = Rcode::FormErr;
  EXPECT_EQ(describe(formerr), "answer FORMERR");
}

TEST(DnsDescribe, RdataText) {
  EXPECT_EQ(rdata_text(ResourceRecord::txt("x", {"v=spf1 -all", "say \"hi\"\\", "\x01"})),
            "\"v=spf1 -all\" \"say \\\"hi\\\"\\\\\" \"\\001\"");
  EXPECT_EQ(rdata_text(ResourceRecord::soa("x", SoaData{"ns.x", "hostmaster.x", 1, 2, 3, 4, 5})),
            "ns.x hostmaster.x 1 2 3 4 5");
  EXPECT_EQ(rdata_text(ResourceRecord::aaaa("x", "2001:db8::1")), "2001:db8::1");
  EXPECT_EQ(rdata_text({"x", RecordType{99}, RecordClass::IN, 0, RawData{}}), "\\# 0");
}

// The fuzz target's seed corpus: every file decodes, except those named bad_*.
TEST(DnsDecode, FuzzSeedCorpus) {
  const std::filesystem::path dir =
      std::filesystem::path(SMTPSIM_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / "dns";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    const auto r = decode(bytes);
    const bool bad = entry.path().filename().string().rfind("bad_", 0) == 0;
    EXPECT_EQ(std::holds_alternative<DecodeError>(r), bad) << entry.path();
    if (auto* m = std::get_if<Message>(&r)) {
      EXPECT_EQ(decode_ok(encode(*m)), *m) << entry.path();
    }
    ++n;
  }
  EXPECT_GE(n, 8);
}

}  // namespace
}  // namespace smtpsim::dns
