// libFuzzer target for the DNS wire format (sim/proto/dns/message.hpp) and the authoritative
// server path (sim/proto/dns/zone.hpp). The input is one DNS message, any bytes.
// Seeds: tests/fuzz/corpus/dns (written by make_dns_corpus.py).
//
// Checked on every run:
//   - decode() returns, never loops, never reads out of bounds (ASan/UBSan);
//   - whatever decodes encodes again, with and without compression, and decodes back to an
//     equal Message; the only encode failure allowed is "longer than 65535 bytes", and only
//     when the input used compression pointers (re-encoding can then outgrow the input);
//   - describe() works on it;
//   - ZoneSet::answer_wire() on the same bytes says nothing for fragments and responses and
//     otherwise a response that decodes, carries the query's id, has QR set, and fits in
//     512 bytes over UDP.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/transport.hpp"
#include "sim/proto/dns/zone.hpp"

namespace dns = smtpsim::dns;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_dns_decode invariant violated: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::abort();
}
#define FUZZ_CHECK(cond, ...)       \
  do {                              \
    if (!(cond)) fail(__VA_ARGS__); \
  } while (0)

const dns::ZoneSet& zones() {
  static const dns::ZoneSet z = [] {
    dns::ZoneSet zs;
    dns::Zone& com = zs.zone("example.com");
    com.add(dns::ResourceRecord::soa(
        "example.com", {"ns1.example.com", "hostmaster.example.com", 1, 3600, 600, 86400, 300}));
    com.add(dns::ResourceRecord::ns("example.com", "ns1.example.com"));
    com.add(dns::ResourceRecord::mx("example.com", 10, "mx1.example.com"));
    com.add(dns::ResourceRecord::mx("example.com", 20, "mx2.example.com"));
    com.add(dns::ResourceRecord::a("mx1.example.com", "192.0.2.10"));
    com.add(dns::ResourceRecord::aaaa("mx1.example.com", "2001:db8::10"));
    com.add(dns::ResourceRecord::txt("example.com", {"v=spf1 mx -all"}));
    com.add(dns::ResourceRecord::cname("www.example.com", "web.example.com"));
    com.add(dns::ResourceRecord::a("web.example.com", "192.0.2.80"));
    com.add(dns::ResourceRecord::cname("loop.example.com", "loop.example.com"));
    zs.zone("example.net").add(dns::ResourceRecord::mx("example.net", 0, ""));
    return zs;
  }();
  return z;
}

// A byte that could start a compression pointer (a superset of the input's pointers).
bool has_pointer_byte(std::string_view wire) {
  for (const char c : wire) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0xC0) return true;
  }
  return false;
}

void check_round_trip(const dns::Message& m, std::string_view input) {
  for (const auto c : {dns::Compression::On, dns::Compression::Off}) {
    auto enc = dns::try_encode(m, c);
    if (const auto* e = std::get_if<dns::EncodeError>(&enc)) {
      FUZZ_CHECK(e->too_large, "a decoded message does not encode", e->reason);
      FUZZ_CHECK(has_pointer_byte(input), "re-encoding outgrew an input without pointers");
      continue;
    }
    const std::string& wire = std::get<std::string>(enc);
    auto back = dns::decode(wire);
    if (const auto* e = std::get_if<dns::DecodeError>(&back)) {
      fail("an encoded message does not decode", e->reason);
    }
    FUZZ_CHECK(std::get<dns::Message>(back) == m, "encode -> decode changed the message",
               dns::describe(m));
  }
}

void check_server(std::string_view input) {
  const auto out = zones().answer_wire(input);
  const bool silent =
      input.size() < dns::kHeaderSize || (static_cast<unsigned char>(input[2]) & 0x80) != 0;
  if (silent) {
    FUZZ_CHECK(!out.has_value(), "answered a fragment or a response");
    return;
  }
  FUZZ_CHECK(out.has_value(), "no answer to a query");
  FUZZ_CHECK(out->size() <= dns::kMaxUdpPayload, "UDP answer longer than 512 bytes");
  auto r = dns::decode(*out);
  if (const auto* e = std::get_if<dns::DecodeError>(&r))
    fail("our answer does not decode", e->reason);
  const auto& m = std::get<dns::Message>(r);
  FUZZ_CHECK(m.flags.qr, "answer without QR");
  FUZZ_CHECK(
      m.id == (static_cast<unsigned char>(input[0]) << 8 | static_cast<unsigned char>(input[1])),
      "answer with another id");
  (void)dns::describe(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto r = dns::decode(input);
  if (const auto* m = std::get_if<dns::Message>(&r)) {
    check_round_trip(*m, input);
    (void)dns::describe(*m);
    if (std::getenv("SMTPSIM_FUZZ_VERBOSE"))
      std::fprintf(stderr, "%s\n", dns::describe(*m).c_str());
  } else if (std::getenv("SMTPSIM_FUZZ_VERBOSE")) {
    const auto& e = std::get<dns::DecodeError>(r);
    std::fprintf(stderr, "refused at %zu: %s\n", e.offset, e.reason.c_str());
  }
  check_server(input);
  return 0;
}
