// DNS messages in RFC 1035 wire format (§4.1), sans-I/O: the simulator's queries and answers
// travel the virtual network as these bytes, and live mode can send the same bytes to a real
// server (REFERENCE.md: dnsmasq). encode() turns a Message into bytes, decode() bytes into a
// Message; neither knows about sockets, clocks or transports (see transport.hpp for UDP
// size limits and TCP framing).
//
// Trust: decode() trusts nothing. The input may be any bytes of any length: every read is
// bounds-checked, compression pointers must point strictly backwards (before the start of
// the labels read so far, as BIND checks), so they cannot loop; labels are at most 63 bytes
// and names 255 (RFC 1035 §2.3.4); the section counts must fit in the bytes present; typed
// RDATA must fill its RDLENGTH exactly; bytes after the last record are an error.
// encode() trusts only the types: every name, address and TXT string is checked and a bad
// one is an EncodeError, never a malformed message on the wire.
//
// Encoding compresses names (RFC 1035 §4.1.4) by default: owner names, question names and
// the names inside NS, CNAME, PTR, MX and SOA data (the RFC 1035 types, RFC 3597 §4). A
// suffix is reused only when its bytes match exactly (case included), so decoding gives
// back the very spelling that was encoded. Compression::Off writes every name in full.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smtpsim::dns {

// RR TYPE values (RFC 1035 §3.2.2, RFC 3596 AAAA, RFC 6891 OPT). Any other 16-bit value may
// appear in a decoded message: it is carried as its number with RawData, e.g. RecordType{99}.
enum class RecordType : std::uint16_t {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
  OPT = 41,    // EDNS pseudo-record: opaque here (this simulator does not speak EDNS)
  AXFR = 252,  // QTYPE only (RFC 1035 §3.2.3)
  ANY = 255,   // QTYPE only: "*", all records
};

// CLASS values (RFC 1035 §3.2.4). Only IN has typed RDATA; other classes keep theirs opaque.
enum class RecordClass : std::uint16_t { IN = 1, CH = 3, HS = 4, ANY = 255 };

enum class Opcode : std::uint8_t { Query = 0, IQuery = 1, Status = 2, Notify = 4, Update = 5 };

// RCODE (RFC 1035 §4.1.1). Values 6..15 (RFC 2136 and later) decode as their number.
enum class Rcode : std::uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NXDomain = 3,
  NotImp = 4,
  Refused = 5,
};

std::string type_name(RecordType t);  // "MX", "TYPE99" for unknown ones (RFC 3597 §5)
std::optional<RecordType> parse_type(std::string_view text);  // "mx", "MX", "TYPE15"
std::string rcode_name(Rcode r);                              // "NOERROR", "NXDOMAIN", "RCODE9"
std::string opcode_name(Opcode o);                            // "QUERY", "OPCODE3"
std::string class_name(RecordClass c);                        // "IN", "CLASS7"

// Typed RDATA. Names inside are domain-name text as in name.hpp.
struct AData {          // RFC 1035 §3.4.1
  std::string address;  // "192.0.2.1"
  bool operator==(const AData&) const = default;
};
struct AaaaData {       // RFC 3596 §2.2
  std::string address;  // "2001:db8::1"; decoding gives the RFC 5952 canonical form
  bool operator==(const AaaaData&) const = default;
};
struct MxData {  // RFC 1035 §3.3.9
  std::uint16_t preference = 0;
  std::string exchange;  // "" (the root, shown ".") with preference 0 is the null MX, RFC 7505
  bool operator==(const MxData&) const = default;
};
struct TxtData {  // RFC 1035 §3.3.14: one or more <character-string>s of at most 255 bytes
  std::vector<std::string> strings;
  bool operator==(const TxtData&) const = default;
};
struct NameData {  // CNAME §3.3.1, NS §3.3.11, PTR §3.3.12
  std::string target;
  bool operator==(const NameData&) const = default;
};
struct SoaData {      // RFC 1035 §3.3.13
  std::string mname;  // primary server
  std::string rname;  // mailbox of the person responsible, "hostmaster.example.com"
  std::uint32_t serial = 1, refresh = 3600, retry = 600, expire = 86400, minimum = 300;
  bool operator==(const SoaData&) const = default;
};
struct RawData {  // any other type or class: the RDATA bytes as they were (RFC 3597)
  std::string bytes;
  bool operator==(const RawData&) const = default;
};
using RData = std::variant<AData, AaaaData, MxData, TxtData, NameData, SoaData, RawData>;

inline constexpr std::uint32_t kDefaultTtl = 3600;

struct ResourceRecord {
  std::string name;  // owner
  RecordType type = RecordType::A;
  RecordClass klass = RecordClass::IN;
  std::uint32_t ttl = kDefaultTtl;
  RData data;  // must be the alternative expected_data() names for type and class

  bool operator==(const ResourceRecord&) const = default;

  static ResourceRecord a(std::string name, std::string address, std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord aaaa(std::string name, std::string address,
                             std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord mx(std::string name, std::uint16_t preference, std::string exchange,
                           std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord txt(std::string name, std::vector<std::string> strings,
                            std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord cname(std::string name, std::string target,
                              std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord ns(std::string name, std::string host, std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord ptr(std::string name, std::string target, std::uint32_t ttl = kDefaultTtl);
  static ResourceRecord soa(std::string name, SoaData soa, std::uint32_t ttl = kDefaultTtl);
};

// The RData alternative (its index) that type and class carry: typed data for the types
// above in class IN, RawData for everything else. decode() produces exactly this and
// encode() insists on it, so a message always survives the round trip.
std::size_t expected_data(RecordType type, RecordClass klass);

struct Question {
  std::string name;
  RecordType type = RecordType::A;
  RecordClass klass = RecordClass::IN;
  bool operator==(const Question&) const = default;
};

// The second 16-bit word of the header (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2 and
// Z kept so that any header survives the round trip).
struct Flags {
  bool qr = false;  // false: query, true: response
  Opcode opcode = Opcode::Query;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool z = false;   // reserved, must be zero when sending
  bool ad = false;  // authentic data
  bool cd = false;  // checking disabled
  Rcode rcode = Rcode::NoError;
  bool operator==(const Flags&) const = default;
};

struct Message {
  std::uint16_t id = 0;
  Flags flags;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;
  bool operator==(const Message&) const = default;
};

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxMessageSize = 65535;  // RFC 1035 §4.2.2 (TCP length field)

struct DecodeError {
  std::string reason;
  std::size_t offset = 0;  // where in the input the problem was found
};
struct EncodeError {
  std::string reason;
  bool too_large = false;  // every field was fine, the message just exceeds 65535 bytes
};

enum class Compression { On, Off };

std::variant<Message, DecodeError> decode(std::string_view wire);
std::variant<std::string, EncodeError> try_encode(const Message& m,
                                                  Compression c = Compression::On);
// As try_encode, throwing std::invalid_argument with the reason on an EncodeError.
std::string encode(const Message& m, Compression c = Compression::On);

// A standard query (opcode QUERY, class IN, one question). RD is set by default, as a stub
// resolver does (RFC 1035 §4.1.1); the simulator's servers are authoritative and answer
// either way.
Message make_query(std::uint16_t id, std::string name, RecordType type,
                   bool recursion_desired = true);
// The response to query: same id, opcode, RD and question section, QR set, RA clear.
Message make_response(const Message& query, Rcode rcode, std::vector<ResourceRecord> answers = {},
                      bool authoritative = false);

// RDATA in presentation form (RFC 1035 §5.1 / dig): "10 mx1.example.com", "\"v=spf1 -all\"",
// "\# 3 0a0b0c" for opaque data (RFC 3597 §5).
std::string rdata_text(const ResourceRecord& rr);
// One line for transcripts, dig-like:
//   query MX example.com
//   answer NOERROR example.com MX 10 mx1.example.com, MX 20 mx2.example.com; additional
//     mx1.example.com A 192.0.2.10
//   answer NXDOMAIN nosuch.example
//   answer NOERROR example.com (no AAAA records)
std::string describe(const Message& m);

}  // namespace smtpsim::dns
