// sim/proto/dns: UDP truncation and TCP framing (RFC 1035 §4.2, RFC 2181 §9) and the
// authoritative zone answers (MX with additional addresses, NXDOMAIN/NODATA with the SOA,
// CNAME chains, FORMERR/NOTIMP/REFUSED, the wire entry point the DNS host uses).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/transport.hpp"
#include "sim/proto/dns/zone.hpp"
#include "tests/support/dns_wire.hpp"

namespace smtpsim::dns {
namespace {

using test::decode_ok;
using test::hex;
using test::to_hex;

// Transport shaping

TEST(DnsTransport, UdpTruncation) {
  Message m =
      make_response(make_query(9, "example.com", RecordType::TXT), Rcode::NoError, {}, true);
  m.answers = {ResourceRecord::txt("example.com", {std::string(250, 'a')})};
  m.additional = {ResourceRecord::txt("example.com", {std::string(255, 'b')})};
  // Too big with the additional record: it goes, TC stays clear (RFC 2181 §9).
  const Message a = decode_ok(encode_udp(m));
  EXPECT_FALSE(a.flags.tc);
  EXPECT_EQ(a.answers, m.answers);
  EXPECT_TRUE(a.additional.empty());
  // Answers that cannot fit: header and question only, TC set.
  m.answers.push_back(ResourceRecord::txt("example.com", {std::string(255, 'c')}));
  m.answers.push_back(ResourceRecord::txt("example.com", {std::string(255, 'd')}));
  const std::string wire = encode_udp(m);
  EXPECT_LE(wire.size(), kMaxUdpPayload);
  const Message t = decode_ok(wire);
  EXPECT_TRUE(t.flags.tc);
  EXPECT_TRUE(t.answers.empty());
  EXPECT_EQ(t.questions, m.questions);
  EXPECT_EQ(decode_ok(encode_udp(m, 4096)), m);  // a larger limit keeps everything
}

// Found by fuzz_dns_decode: a non-QUERY opcode is answered NOTIMP with its questions echoed,
// and a query of 600 bytes (TCP allows it; the fuzzer sends up to 4 KB) has questions that
// alone do not fit in 512. The UDP answer must still fit.
TEST(DnsTransport, ManyQuestionsStillFitInOneDatagram) {
  Message m = make_query(5, "a-rather-long-label-for-the-test.example.com", RecordType::A);
  m.flags.opcode = Opcode::Status;
  for (int i = 0; i < 20; ++i) {
    m.questions.push_back(m.questions.front());
    m.questions.back().name = "q" + std::to_string(i) + "-" + m.questions.back().name;
  }
  const std::string wire = encode_udp(m);
  EXPECT_LE(wire.size(), kMaxUdpPayload);
  const Message t = decode_ok(wire);
  EXPECT_TRUE(t.flags.tc);
  EXPECT_TRUE(t.questions.empty());
  EXPECT_EQ(t.id, 5);
  // The server path the fuzzer took: NOTIMP, over UDP within 512 bytes, over TCP in full.
  ZoneSet zs;
  zs.zone("example.com").add(ResourceRecord::a("example.com", "192.0.2.1"));
  const std::string q = encode(m);
  const auto udp = zs.answer_wire(q);
  ASSERT_TRUE(udp);
  EXPECT_LE(udp->size(), kMaxUdpPayload);
  EXPECT_EQ(decode_ok(*udp).flags.rcode, Rcode::NotImp);
  const Message tcp = decode_ok(*zs.answer_wire(q, Transport::Tcp));
  EXPECT_EQ(tcp.flags.rcode, Rcode::NotImp);
  EXPECT_EQ(tcp.questions.size(), 21u);
}

TEST(DnsTransport, TcpFraming) {
  const std::string a = encode(make_query(1, "example.com", RecordType::MX));
  const std::string b = encode(make_query(2, "example.net", RecordType::A));
  const std::string stream = tcp_frame(a) + tcp_frame(b) + tcp_frame("");
  EXPECT_EQ(to_hex(stream.substr(0, 2)), "00 1d");
  TcpDeframer d;
  std::vector<std::string> got;
  for (const char c : stream) {  // one byte at a time
    d.feed(std::string_view(&c, 1));
    while (auto m = d.next()) got.push_back(*m);
  }
  EXPECT_EQ(got, (std::vector<std::string>{a, b, ""}));
  EXPECT_FALSE(d.has_partial());
  d.feed(hex("0005 0102"));
  EXPECT_FALSE(d.next());
  EXPECT_TRUE(d.has_partial());
  EXPECT_THROW(tcp_frame(std::string(65536, 'x')), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Zones

ZoneSet example_zones() {
  ZoneSet zs;
  Zone& com = zs.zone("example.com");
  com.add(ResourceRecord::soa("example.com", SoaData{"ns1.example.com", "hostmaster.example.com", 1,
                                                     3600, 600, 86400, 300}));
  com.add(ResourceRecord::ns("example.com", "ns1.example.com"));
  com.add(ResourceRecord::mx("example.com", 10, "mx1.example.com"));
  com.add(ResourceRecord::mx("example.com", 20, "mx2.example.com"));
  com.add(ResourceRecord::a("ns1.example.com", "192.0.2.53"));
  com.add(ResourceRecord::a("mx1.example.com", "192.0.2.10"));
  com.add(ResourceRecord::aaaa("mx1.example.com", "2001:db8::10"));
  com.add(ResourceRecord::a("mx2.example.com", "192.0.2.20"));
  com.add(ResourceRecord::txt("example.com", {"v=spf1 mx -all"}));
  com.add(ResourceRecord::cname("www.example.com", "web.example.com"));
  com.add(ResourceRecord::a("web.example.com", "192.0.2.80"));
  com.add(ResourceRecord::cname("loop1.example.com", "loop2.example.com"));
  com.add(ResourceRecord::cname("loop2.example.com", "loop1.example.com"));
  com.add(ResourceRecord::cname("away.example.com", "mail.elsewhere.test"));
  com.add(ResourceRecord::cname("gone.example.com", "nothing.example.com"));
  com.add(ResourceRecord::a("a.b.c.example.com", "192.0.2.99"));
  Zone& net = zs.zone("example.net.");
  net.add(ResourceRecord::mx("example.net", 0, "."));  // RFC 7505 null MX
  net.add(ResourceRecord::a("example.net", "198.51.100.1"));
  Zone& org = zs.zone("EXAMPLE.org");
  org.add(ResourceRecord::mx("example.org", 5, "mx1.example.com"));  // another zone's host
  org.add(ResourceRecord::mx("example.org", 10, "mx.example.org"));  // no address for it
  return zs;
}

Message ask(const ZoneSet& zs, std::string name, RecordType type) {
  return zs.answer(make_query(77, std::move(name), type));
}

TEST(DnsZone, MxAnswerWithAddressesInAdditional) {
  const ZoneSet zs = example_zones();
  const Message r = ask(zs, "example.com", RecordType::MX);
  EXPECT_EQ(r.id, 77);
  EXPECT_TRUE(r.flags.qr && r.flags.aa && r.flags.rd);
  EXPECT_FALSE(r.flags.ra);
  EXPECT_EQ(r.flags.rcode, Rcode::NoError);
  EXPECT_EQ(r.answers, (std::vector<ResourceRecord>{
                           ResourceRecord::mx("example.com", 10, "mx1.example.com"),
                           ResourceRecord::mx("example.com", 20, "mx2.example.com")}));
  EXPECT_EQ(r.additional,
            (std::vector<ResourceRecord>{ResourceRecord::a("mx1.example.com", "192.0.2.10"),
                                         ResourceRecord::aaaa("mx1.example.com", "2001:db8::10"),
                                         ResourceRecord::a("mx2.example.com", "192.0.2.20")}));
  EXPECT_TRUE(r.authority.empty());
  EXPECT_EQ(describe(r),
            "answer NOERROR example.com MX 10 mx1.example.com, MX 20 mx2.example.com; additional "
            "mx1.example.com A 192.0.2.10, mx1.example.com AAAA 2001:db8::10, mx2.example.com A "
            "192.0.2.20");
  // The exchange of another of our zones is found; one we have no address for is skipped.
  const Message org = ask(zs, "example.org", RecordType::MX);
  EXPECT_EQ(org.additional,
            (std::vector<ResourceRecord>{ResourceRecord::a("mx1.example.com", "192.0.2.10"),
                                         ResourceRecord::aaaa("mx1.example.com", "2001:db8::10")}));
  // NS answers get their glue the same way.
  EXPECT_EQ(ask(zs, "example.com", RecordType::NS).additional,
            (std::vector<ResourceRecord>{ResourceRecord::a("ns1.example.com", "192.0.2.53")}));
}

TEST(DnsZone, NxDomainCarriesTheSoa) {
  const ZoneSet zs = example_zones();
  const Message r = ask(zs, "nosuch.example.com", RecordType::MX);
  EXPECT_EQ(r.flags.rcode, Rcode::NXDomain);
  EXPECT_TRUE(r.flags.aa);
  EXPECT_TRUE(r.answers.empty());
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].type, RecordType::SOA);
  EXPECT_EQ(r.authority[0].ttl, 300u);  // RFC 2308 §3: min(SOA TTL 3600, MINIMUM 300)
  EXPECT_EQ(describe(r), "answer NXDOMAIN nosuch.example.com");
  // A zone without an SOA still says NXDOMAIN, just without authority.
  EXPECT_EQ(ask(zs, "nosuch.example.net", RecordType::A).flags.rcode, Rcode::NXDomain);
  EXPECT_TRUE(ask(zs, "nosuch.example.net", RecordType::A).authority.empty());
}

TEST(DnsZone, NoDataWhenTheNameExistsWithoutTheType) {
  const ZoneSet zs = example_zones();
  const Message r = ask(zs, "example.com", RecordType::AAAA);
  EXPECT_EQ(r.flags.rcode, Rcode::NoError);
  EXPECT_TRUE(r.flags.aa);
  EXPECT_TRUE(r.answers.empty());
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].type, RecordType::SOA);
  EXPECT_EQ(describe(r), "answer NOERROR example.com (no AAAA records)");
  // An empty non-terminal exists (RFC 8020): b.c.example.com has no records but a child.
  EXPECT_EQ(ask(zs, "b.c.example.com", RecordType::A).flags.rcode, Rcode::NoError);
  EXPECT_EQ(ask(zs, "c.example.com", RecordType::A).flags.rcode, Rcode::NoError);
  EXPECT_EQ(ask(zs, "x.a.b.c.example.com", RecordType::A).flags.rcode, Rcode::NXDomain);
  EXPECT_EQ(ask(zs, "mx2.example.com", RecordType::MX).flags.rcode, Rcode::NoError);
}

TEST(DnsZone, RefusedOutsideOurZones) {
  const ZoneSet zs = example_zones();
  for (const char* name : {"example.edu", "com", "", "badexample.com"}) {
    const Message r = ask(zs, name, RecordType::MX);
    EXPECT_EQ(r.flags.rcode, Rcode::Refused) << name;
    EXPECT_FALSE(r.flags.aa);
    EXPECT_TRUE(r.answers.empty());
    EXPECT_EQ(r.questions.size(), 1u);
  }
}

TEST(DnsZone, CaseInsensitiveLookups) {
  const ZoneSet zs = example_zones();
  const Message r = ask(zs, "EXAMPLE.Com.", RecordType::MX);
  EXPECT_EQ(r.answers.size(), 2u);
  EXPECT_EQ(r.questions[0].name, "EXAMPLE.Com.");  // the question is echoed as asked
  EXPECT_EQ(ask(zs, "Example.ORG", RecordType::MX).answers.size(), 2u);
  EXPECT_NE(zs.find_zone("x.EXAMPLE.net"), nullptr);
  EXPECT_EQ(zs.find_zone("x.EXAMPLE.net")->origin(), "example.net");
}

TEST(DnsZone, NullMxHasNoAdditional) {
  const ZoneSet zs = example_zones();
  const Message r = ask(zs, "example.net", RecordType::MX);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(std::get<MxData>(r.answers[0].data), (MxData{0, ""}));
  EXPECT_TRUE(r.additional.empty());
  EXPECT_EQ(describe(r), "answer NOERROR example.net MX 0 .");
}

TEST(DnsZone, CnameChains) {
  const ZoneSet zs = example_zones();
  const Message www = ask(zs, "www.example.com", RecordType::A);
  EXPECT_EQ(www.answers, (std::vector<ResourceRecord>{
                             ResourceRecord::cname("www.example.com", "web.example.com"),
                             ResourceRecord::a("web.example.com", "192.0.2.80")}));
  EXPECT_EQ(ask(zs, "www.example.com", RecordType::CNAME).answers.size(), 1u);
  EXPECT_EQ(ask(zs, "www.example.com", RecordType::ANY).answers.size(), 1u);
  // A loop stops after each CNAME once.
  const Message loop = ask(zs, "loop1.example.com", RecordType::A);
  EXPECT_EQ(loop.flags.rcode, Rcode::NoError);
  EXPECT_EQ(loop.answers.size(), 2u);
  // A target outside our zones: the CNAME alone; the client follows it.
  const Message away = ask(zs, "away.example.com", RecordType::MX);
  EXPECT_EQ(away.flags.rcode, Rcode::NoError);
  EXPECT_EQ(away.answers.size(), 1u);
  // A dangling target in our zone: the CNAME and NXDOMAIN (RFC 6604).
  const Message gone = ask(zs, "gone.example.com", RecordType::A);
  EXPECT_EQ(gone.flags.rcode, Rcode::NXDomain);
  EXPECT_EQ(gone.answers.size(), 1u);
  EXPECT_EQ(gone.authority.size(), 1u);
}

TEST(DnsZone, FormErrNotImpAndClasses) {
  const ZoneSet zs = example_zones();
  Message two = make_query(5, "example.com", RecordType::MX);
  two.questions.push_back(two.questions[0]);
  EXPECT_EQ(zs.answer(two).flags.rcode, Rcode::FormErr);
  EXPECT_TRUE(zs.answer(two).questions.empty());
  Message none = make_query(5, "example.com", RecordType::MX);
  none.questions.clear();
  EXPECT_EQ(zs.answer(none).flags.rcode, Rcode::FormErr);
  Message response = make_query(5, "example.com", RecordType::MX);
  response.flags.qr = true;
  EXPECT_EQ(zs.answer(response).flags.rcode, Rcode::FormErr);
  EXPECT_EQ(zs.answer(make_query(5, "a..b", RecordType::MX)).flags.rcode, Rcode::FormErr);

  for (const Opcode op : {Opcode::IQuery, Opcode::Status, Opcode::Notify, Opcode::Update}) {
    Message q = make_query(5, "example.com", RecordType::MX);
    q.flags.opcode = op;
    const Message r = zs.answer(q);
    EXPECT_EQ(r.flags.rcode, Rcode::NotImp);
    EXPECT_EQ(r.flags.opcode, op);
  }
  EXPECT_EQ(ask(zs, "example.com", RecordType::AXFR).flags.rcode, Rcode::NotImp);
  EXPECT_EQ(ask(zs, "example.com", RecordType{251}).flags.rcode, Rcode::NotImp);
  EXPECT_EQ(ask(zs, "example.com", RecordType::OPT).flags.rcode, Rcode::FormErr);
  EXPECT_EQ(ask(zs, "example.com", RecordType::ANY).answers.size(), 5u);

  Message chaos = make_query(5, "version.bind", RecordType::TXT);
  chaos.questions[0].klass = RecordClass::CH;
  EXPECT_EQ(zs.answer(chaos).flags.rcode, Rcode::Refused);
  Message any = make_query(5, "example.com", RecordType::MX);
  any.questions[0].klass = RecordClass::ANY;
  EXPECT_EQ(zs.answer(any).answers.size(), 2u);
}

TEST(DnsZone, RecordsVanishAndReturn) {
  ZoneSet zs = example_zones();
  Zone& com = *zs.find_zone("example.com");
  EXPECT_EQ(com.remove("mx2.example.com", RecordType::A), 1u);
  EXPECT_EQ(ask(zs, "example.com", RecordType::MX).additional.size(), 2u);
  EXPECT_EQ(ask(zs, "mx2.example.com", RecordType::A).flags.rcode, Rcode::NXDomain);
  EXPECT_EQ(com.remove("EXAMPLE.com", RecordType::MX), 2u);
  const Message r = ask(zs, "example.com", RecordType::MX);
  EXPECT_EQ(r.flags.rcode, Rcode::NoError);
  EXPECT_TRUE(r.answers.empty());
  EXPECT_EQ(com.remove("example.com", RecordType::MX), 0u);
  EXPECT_EQ(com.remove("a.b.c.example.com"), 1u);
  EXPECT_EQ(ask(zs, "b.c.example.com", RecordType::A).flags.rcode, Rcode::NXDomain);
  com.add(ResourceRecord::mx("example.com", 10, "mx1.example.com"));
  EXPECT_EQ(ask(zs, "example.com", RecordType::MX).answers.size(), 1u);
  EXPECT_EQ(com.records().size(), 13u);
  // One record, as a scenario spells it.
  com.add(ResourceRecord::mx("example.com", 20, "mx2.example.com"));
  EXPECT_EQ(com.remove(ResourceRecord::mx("example.com", 11, "mx1.example.com")), 0u);
  EXPECT_EQ(com.remove(ResourceRecord::mx("EXAMPLE.com.", 10, "MX1.example.com.")), 1u);
  EXPECT_EQ(com.remove(ResourceRecord::mx("example.com", 10, "mx1.example.com")), 0u);
  EXPECT_EQ(com.remove(ResourceRecord::a("example.com", "not an address")), 0u);
  EXPECT_EQ(
      com.find("example.com", RecordType::MX),
      (std::vector<ResourceRecord>{ResourceRecord::mx("example.com", 20, "mx2.example.com")}));
}

TEST(DnsZone, AddChecksTheData) {
  Zone z("example.com");
  EXPECT_EQ(z.origin(), "example.com");
  EXPECT_THROW(z.add(ResourceRecord::a("example.net", "192.0.2.1")), std::invalid_argument);
  EXPECT_THROW(z.add(ResourceRecord::a("badexample.com", "192.0.2.1")), std::invalid_argument);
  EXPECT_THROW(z.add(ResourceRecord::a("x.example.com", "192.0.2.300")), std::invalid_argument);
  EXPECT_THROW(z.add(ResourceRecord::a("x..example.com", "192.0.2.1")), std::invalid_argument);
  EXPECT_THROW(z.add(ResourceRecord::txt("x.example.com", {})), std::invalid_argument);
  ResourceRecord chaos = ResourceRecord::a("x.example.com", "192.0.2.1");
  chaos.klass = RecordClass::CH;
  chaos.data = RawData{"ab"};
  EXPECT_THROW(z.add(chaos), std::invalid_argument);
  z.add(ResourceRecord::a("x.example.com.", "192.0.2.1"));
  z.add(ResourceRecord::a("X.example.com", "192.0.2.1", 60));  // the same record: ignored
  z.add(ResourceRecord::ns("x.example.com", "ns.example.com"));
  z.add(ResourceRecord::ns("x.example.com", "NS.Example.com."));  // the same, RFC 4343
  EXPECT_EQ(z.find("x.example.com", RecordType::A).size(), 1u);
  EXPECT_EQ(z.find("x.example.com", RecordType::A)[0].name, "x.example.com");
  EXPECT_EQ(z.find("x.example.com", RecordType::NS).size(), 1u);
  // Stored in the spelling a decoder gives back.
  z.add(ResourceRecord::aaaa("x.example.com", "2001:DB8:0:0::10"));
  EXPECT_EQ(z.find("x.example.com", RecordType::AAAA)[0],
            ResourceRecord::aaaa("x.example.com", "2001:db8::10"));
  z.add(ResourceRecord::mx("example.com.", 10, "MX1.example.com."));
  EXPECT_EQ(z.find("example.com", RecordType::MX)[0],
            ResourceRecord::mx("example.com", 10, "MX1.example.com"));
  EXPECT_THROW(z.add(ResourceRecord::cname("x.example.com", "y.example.com")),
               std::invalid_argument);
  z.add(ResourceRecord::cname("c.example.com", "y.example.com"));
  EXPECT_THROW(z.add(ResourceRecord::cname("c.example.com", "z.example.com")),
               std::invalid_argument);
  EXPECT_THROW(z.add(ResourceRecord::txt("c.example.com", {"t"})), std::invalid_argument);
  EXPECT_FALSE(z.contains_name("y.example.com"));  // a failed add leaves nothing behind
  EXPECT_THROW(Zone("a..b"), std::invalid_argument);
  ZoneSet zs;
  zs.add(Zone("example.com"));
  EXPECT_THROW(zs.add(Zone("EXAMPLE.com.")), std::invalid_argument);
  EXPECT_EQ(&zs.zone("Example.com"), zs.find_zone("example.com"));
  EXPECT_EQ(zs.size(), 1u);
}

TEST(DnsZone, LongestOriginWins) {
  ZoneSet zs;
  zs.zone("example.com").add(ResourceRecord::a("sub.example.com", "192.0.2.1"));
  zs.zone("sub.example.com").add(ResourceRecord::a("sub.example.com", "192.0.2.2"));
  EXPECT_EQ(zs.find_zone("a.sub.example.com")->origin(), "sub.example.com");
  EXPECT_EQ(zs.find_zone("other.example.com")->origin(), "example.com");
  const Message r = ask(zs, "sub.example.com", RecordType::A);
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(std::get<AData>(r.answers[0].data).address, "192.0.2.2");
}

TEST(DnsZone, AnswerWire) {
  const ZoneSet zs = example_zones();
  const std::string q = encode(make_query(0x4242, "example.com", RecordType::MX));
  const auto r = zs.answer_wire(q);
  ASSERT_TRUE(r);
  EXPECT_EQ(decode_ok(*r), zs.answer(decode_ok(q)));
  // Nothing to say to fragments and to responses (two servers must not answer each other).
  EXPECT_FALSE(zs.answer_wire(q.substr(0, 11)));
  EXPECT_FALSE(zs.answer_wire(*r));
  // Bytes that do not decode: FORMERR with the id, opcode and RD of the header.
  std::string broken = q.substr(0, q.size() - 1);
  const auto f = zs.answer_wire(broken);
  ASSERT_TRUE(f);
  const Message fm = decode_ok(*f);
  EXPECT_EQ(fm.id, 0x4242);
  EXPECT_TRUE(fm.flags.qr && fm.flags.rd);
  EXPECT_EQ(fm.flags.rcode, Rcode::FormErr);
  EXPECT_TRUE(fm.questions.empty());
  // A dig-style query with an EDNS OPT record: answered, without OPT (no EDNS here).
  Message dig = make_query(9, "example.com", RecordType::MX);
  dig.additional = {{"", RecordType::OPT, RecordClass{1232}, 0, RawData{}}};
  const Message dm = decode_ok(*zs.answer_wire(encode(dig)));
  EXPECT_EQ(dm.answers.size(), 2u);
  EXPECT_EQ(dm.additional.size(), 3u);
  // UDP keeps to 512 bytes; TCP does not.
  ZoneSet big;
  for (int i = 0; i < 5; ++i) {
    big.zone("example.com")
        .add(ResourceRecord::txt("example.com", {std::string(200, static_cast<char>('a' + i))}));
  }
  const std::string tq = encode(make_query(1, "example.com", RecordType::TXT));
  const Message udp = decode_ok(*big.answer_wire(tq));
  EXPECT_TRUE(udp.flags.tc);
  EXPECT_TRUE(udp.answers.empty());
  const Message tcp = decode_ok(*big.answer_wire(tq, Transport::Tcp));
  EXPECT_FALSE(tcp.flags.tc);
  EXPECT_EQ(tcp.answers.size(), 5u);
}

}  // namespace
}  // namespace smtpsim::dns
