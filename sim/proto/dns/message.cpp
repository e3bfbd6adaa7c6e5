// RFC 1035 §4.1 wire format: encoder with optional name compression, hostile-input-safe
// decoder, and the dig-like one-line descriptions. Trust: see message.hpp.
#include "sim/proto/dns/message.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "sim/proto/dns/address.hpp"
#include "sim/proto/dns/name.hpp"

namespace smtpsim::dns {

// ---------------------------------------------------------------------------------------
// Names of codes

namespace {

struct TypeName {
  RecordType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {RecordType::A, "A"},       {RecordType::NS, "NS"},     {RecordType::CNAME, "CNAME"},
    {RecordType::SOA, "SOA"},   {RecordType::PTR, "PTR"},   {RecordType::MX, "MX"},
    {RecordType::TXT, "TXT"},   {RecordType::AAAA, "AAAA"}, {RecordType::OPT, "OPT"},
    {RecordType::AXFR, "AXFR"}, {RecordType::ANY, "ANY"},
};

constexpr const char* kRcodeNames[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                       "NXDOMAIN", "NOTIMP",  "REFUSED"};

}  // namespace

std::string type_name(RecordType t) {
  for (const auto& tn : kTypeNames) {
    if (tn.type == t) return tn.name;
  }
  return fmt::format("TYPE{}", static_cast<unsigned>(t));
}

std::optional<RecordType> parse_type(std::string_view text) {
  for (const auto& tn : kTypeNames) {
    if (ascii_iequal(text, tn.name)) return tn.type;
  }
  if (text.size() > 4 && text.size() <= 9 && ascii_iequal(text.substr(0, 4), "TYPE")) {
    unsigned v = 0;
    for (const char c : text.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v <= 0xFFFF) return static_cast<RecordType>(v);
  }
  return std::nullopt;
}

std::string rcode_name(Rcode r) {
  const auto v = static_cast<unsigned>(r);
  if (v < std::size(kRcodeNames)) return kRcodeNames[v];
  return fmt::format("RCODE{}", v);
}

std::string opcode_name(Opcode o) {
  switch (o) {
    case Opcode::Query:
      return "QUERY";
    case Opcode::IQuery:
      return "IQUERY";
    case Opcode::Status:
      return "STATUS";
    case Opcode::Notify:
      return "NOTIFY";
    case Opcode::Update:
      return "UPDATE";
  }
  return fmt::format("OPCODE{}", static_cast<unsigned>(o));
}

std::string class_name(RecordClass c) {
  switch (c) {
    case RecordClass::IN:
      return "IN";
    case RecordClass::CH:
      return "CH";
    case RecordClass::HS:
      return "HS";
    case RecordClass::ANY:
      return "ANY";
  }
  return fmt::format("CLASS{}", static_cast<unsigned>(c));
}

// ---------------------------------------------------------------------------------------
// Records

namespace {

template <typename T, typename V>
struct IndexOf;
template <typename T, typename... Ts>
struct IndexOf<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    bool found = false;
    ((found = found || std::is_same_v<T, Ts>, i += found ? 0 : 1), ...);
    return i;
  }();
};
template <typename T>
constexpr std::size_t index_of() {
  static_assert(IndexOf<T, RData>::value < std::variant_size_v<RData>);
  return IndexOf<T, RData>::value;
}

}  // namespace

std::size_t expected_data(RecordType type, RecordClass klass) {
  if (klass != RecordClass::IN) return index_of<RawData>();
  switch (type) {
    case RecordType::A:
      return index_of<AData>();
    case RecordType::AAAA:
      return index_of<AaaaData>();
    case RecordType::MX:
      return index_of<MxData>();
    case RecordType::TXT:
      return index_of<TxtData>();
    case RecordType::NS:
    case RecordType::CNAME:
    case RecordType::PTR:
      return index_of<NameData>();
    case RecordType::SOA:
      return index_of<SoaData>();
    default:
      return index_of<RawData>();
  }
}

ResourceRecord ResourceRecord::a(std::string name, std::string address, std::uint32_t ttl) {
  return {std::move(name), RecordType::A, RecordClass::IN, ttl, AData{std::move(address)}};
}
ResourceRecord ResourceRecord::aaaa(std::string name, std::string address, std::uint32_t ttl) {
  return {std::move(name), RecordType::AAAA, RecordClass::IN, ttl, AaaaData{std::move(address)}};
}
ResourceRecord ResourceRecord::mx(std::string name, std::uint16_t preference, std::string exchange,
                                  std::uint32_t ttl) {
  return {std::move(name), RecordType::MX, RecordClass::IN, ttl,
          MxData{preference, std::move(exchange)}};
}
ResourceRecord ResourceRecord::txt(std::string name, std::vector<std::string> strings,
                                   std::uint32_t ttl) {
  return {std::move(name), RecordType::TXT, RecordClass::IN, ttl, TxtData{std::move(strings)}};
}
ResourceRecord ResourceRecord::cname(std::string name, std::string target, std::uint32_t ttl) {
  return {std::move(name), RecordType::CNAME, RecordClass::IN, ttl, NameData{std::move(target)}};
}
ResourceRecord ResourceRecord::ns(std::string name, std::string host, std::uint32_t ttl) {
  return {std::move(name), RecordType::NS, RecordClass::IN, ttl, NameData{std::move(host)}};
}
ResourceRecord ResourceRecord::ptr(std::string name, std::string target, std::uint32_t ttl) {
  return {std::move(name), RecordType::PTR, RecordClass::IN, ttl, NameData{std::move(target)}};
}
ResourceRecord ResourceRecord::soa(std::string name, SoaData soa, std::uint32_t ttl) {
  return {std::move(name), RecordType::SOA, RecordClass::IN, ttl, std::move(soa)};
}

// ---------------------------------------------------------------------------------------
// Encoding

namespace {

struct EncodeFailure {
  std::string reason;
  bool too_large = false;
};

class Writer {
 public:
  explicit Writer(Compression c) : compress_(c == Compression::On) {}

  std::string& out() { return out_; }

  void u8(unsigned v) { out_.push_back(static_cast<char>(v & 0xFF)); }
  void u16(unsigned v) {
    u8(v >> 8);
    u8(v);
  }
  void u32(std::uint32_t v) {
    u16(v >> 16);
    u16(v & 0xFFFF);
  }
  void patch16(std::size_t at, unsigned v) {
    out_[at] = static_cast<char>((v >> 8) & 0xFF);
    out_[at + 1] = static_cast<char>(v & 0xFF);
  }

  // RFC 1035 §4.1.4: a name is labels, or labels ending in a pointer, or a pointer. Every
  // suffix written in full below offset 0x4000 (the pointer's 14 bits) can be pointed at.
  void name(std::string_view text, const char* what) {
    auto parsed = parse_name(text);
    if (auto* e = std::get_if<NameError>(&parsed)) {
      throw EncodeFailure{fmt::format("{} \"{}\": {}", what, text, e->reason)};
    }
    const Labels& labels = std::get<Labels>(parsed);
    // The uncompressed wire form; the suffix from label i starts at starts[i].
    std::string wire;
    std::vector<std::size_t> starts;
    for (const auto& l : labels) {
      starts.push_back(wire.size());
      wire.push_back(static_cast<char>(l.size()));
      wire += l;
    }
    wire.push_back('\0');
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const std::string suffix = wire.substr(starts[i]);
      if (compress_) {
        if (auto it = suffixes_.find(suffix); it != suffixes_.end()) {
          u16(0xC000 | it->second);
          return;
        }
      }
      const std::size_t here = out_.size();
      if (compress_ && here < 0x4000) suffixes_.emplace(suffix, static_cast<unsigned>(here));
      out_.append(wire, starts[i], 1 + labels[i].size());
    }
    u8(0);
  }

 private:
  std::string out_;
  bool compress_;
  std::unordered_map<std::string, unsigned> suffixes_;  // wire suffix -> offset
};

void encode_rdata(Writer& w, const ResourceRecord& rr) {
  if (rr.data.index() != expected_data(rr.type, rr.klass)) {
    throw EncodeFailure{fmt::format("{} {} record \"{}\" carries the wrong kind of data",
                                    class_name(rr.klass), type_name(rr.type), rr.name)};
  }
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, AData>) {
          const auto a = parse_ipv4(d.address);
          if (!a)
            throw EncodeFailure{fmt::format("A record: \"{}\" is not an IPv4 address", d.address)};
          for (auto b : *a) w.u8(b);
        } else if constexpr (std::is_same_v<T, AaaaData>) {
          const auto a = parse_ipv6(d.address);
          if (!a) {
            throw EncodeFailure{
                fmt::format("AAAA record: \"{}\" is not an IPv6 address", d.address)};
          }
          for (auto b : *a) w.u8(b);
        } else if constexpr (std::is_same_v<T, MxData>) {
          w.u16(d.preference);
          w.name(d.exchange, "MX exchange");
        } else if constexpr (std::is_same_v<T, TxtData>) {
          if (d.strings.empty())
            throw EncodeFailure{"TXT record without any string (RFC 1035 §3.3.14)"};
          for (const auto& s : d.strings) {
            if (s.size() > 255) {
              throw EncodeFailure{"TXT string longer than 255 bytes (RFC 1035 §3.3)"};
            }
            w.u8(static_cast<unsigned>(s.size()));
            w.out() += s;
          }
        } else if constexpr (std::is_same_v<T, NameData>) {
          w.name(d.target, "record target");
        } else if constexpr (std::is_same_v<T, SoaData>) {
          w.name(d.mname, "SOA MNAME");
          w.name(d.rname, "SOA RNAME");
          w.u32(d.serial);
          w.u32(d.refresh);
          w.u32(d.retry);
          w.u32(d.expire);
          w.u32(d.minimum);
        } else {
          w.out() += d.bytes;
        }
      },
      rr.data);
}

void encode_record(Writer& w, const ResourceRecord& rr) {
  w.name(rr.name, "owner name");
  w.u16(static_cast<unsigned>(rr.type));
  w.u16(static_cast<unsigned>(rr.klass));
  w.u32(rr.ttl);
  const std::size_t len_at = w.out().size();
  w.u16(0);
  encode_rdata(w, rr);
  const std::size_t len = w.out().size() - len_at - 2;
  if (len > 0xFFFF) {
    throw EncodeFailure{fmt::format("RDATA of \"{}\" longer than 65535 bytes", rr.name)};
  }
  w.patch16(len_at, static_cast<unsigned>(len));
  // Stop early on huge messages rather than building megabytes.
  if (w.out().size() > kMaxMessageSize) {
    throw EncodeFailure{"message longer than 65535 bytes", true};
  }
}

}  // namespace

std::variant<std::string, EncodeError> try_encode(const Message& m, Compression c) {
  try {
    const Flags& f = m.flags;
    if (static_cast<unsigned>(f.opcode) > 15) throw EncodeFailure{"opcode above 15"};
    if (static_cast<unsigned>(f.rcode) > 15) {
      throw EncodeFailure{"RCODE above 15 (extended RCODEs need EDNS)"};
    }
    for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
      if (section->size() > 0xFFFF) throw EncodeFailure{"more than 65535 records in a section"};
    }
    if (m.questions.size() > 0xFFFF) throw EncodeFailure{"more than 65535 questions"};

    Writer w(c);
    w.u16(m.id);
    w.u8((f.qr ? 0x80u : 0u) | static_cast<unsigned>(f.opcode) << 3 | (f.aa ? 0x04u : 0u) |
         (f.tc ? 0x02u : 0u) | (f.rd ? 0x01u : 0u));
    w.u8((f.ra ? 0x80u : 0u) | (f.z ? 0x40u : 0u) | (f.ad ? 0x20u : 0u) | (f.cd ? 0x10u : 0u) |
         static_cast<unsigned>(f.rcode));
    w.u16(static_cast<unsigned>(m.questions.size()));
    w.u16(static_cast<unsigned>(m.answers.size()));
    w.u16(static_cast<unsigned>(m.authority.size()));
    w.u16(static_cast<unsigned>(m.additional.size()));
    for (const auto& q : m.questions) {
      w.name(q.name, "question name");
      w.u16(static_cast<unsigned>(q.type));
      w.u16(static_cast<unsigned>(q.klass));
    }
    for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
      for (const auto& rr : *section) encode_record(w, rr);
    }
    if (w.out().size() > kMaxMessageSize) {
      throw EncodeFailure{"message longer than 65535 bytes", true};
    }
    return std::move(w.out());
  } catch (EncodeFailure& e) {
    return EncodeError{std::move(e.reason), e.too_large};
  }
}

std::string encode(const Message& m, Compression c) {
  auto r = try_encode(m, c);
  if (auto* e = std::get_if<EncodeError>(&r)) {
    throw std::invalid_argument("DNS message cannot be encoded: " + e->reason);
  }
  return std::move(std::get<std::string>(r));
}

// ---------------------------------------------------------------------------------------
// Decoding

namespace {

struct DecodeFailure {
  const char* reason;
  std::size_t offset;
};

class Reader {
 public:
  explicit Reader(std::string_view msg) : msg_(msg) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return msg_.size() - pos_; }

  [[noreturn]] void fail(const char* reason) const { throw DecodeFailure{reason, pos_}; }
  [[noreturn]] static void fail_at(const char* reason, std::size_t at) {
    throw DecodeFailure{reason, at};
  }

  void need(std::size_t n, std::size_t end, const char* what) const {
    if (n > end - pos_) fail(what);
  }
  unsigned u8(std::size_t end, const char* what = "message ends inside a field") {
    need(1, end, what);
    return static_cast<unsigned char>(msg_[pos_++]);
  }
  unsigned u16(std::size_t end, const char* what = "message ends inside a field") {
    need(2, end, what);
    const unsigned v =
        static_cast<unsigned char>(msg_[pos_]) << 8 | static_cast<unsigned char>(msg_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(std::size_t end, const char* what = "message ends inside a field") {
    const std::uint32_t hi = u16(end, what);
    return hi << 16 | u16(end, what);
  }
  std::string_view bytes(std::size_t n, std::size_t end, const char* what) {
    need(n, end, what);
    const auto v = msg_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  // A name starting at pos(); its in-place bytes (up to the first pointer) must end by
  // `end`. RFC 1035 §4.1.4 pointers may point anywhere earlier in the message; here each
  // must point before the lowest offset read so far for this name, so every jump goes
  // strictly backwards and a loop is impossible (BIND's rule). Labels start 00 (RFC 1035),
  // 11 is a pointer, 01 and 10 (RFC 6891 §5, extended label types) are refused.
  std::string name(std::size_t end) {
    Labels labels;
    std::size_t wire = 1;
    std::size_t p = pos_;
    std::size_t limit = pos_;  // pointers must point below this
    bool jumped = false;
    for (int hops = 0;;) {
      const std::size_t bound = jumped ? msg_.size() : end;
      if (p >= bound) fail_at("name runs past the end of the data", p);
      const unsigned len = static_cast<unsigned char>(msg_[p]);
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= bound) fail_at("compression pointer cut off at the end of the data", p);
        const std::size_t target = (len & 0x3F) << 8 | static_cast<unsigned char>(msg_[p + 1]);
        if (target >= limit) {
          fail_at("compression pointer does not point backwards (RFC 1035 §4.1.4)", p);
        }
        if (++hops > 127) fail_at("too many compression pointers in one name", p);  // unreachable
        if (!jumped) pos_ = p + 2;
        jumped = true;
        limit = target;
        p = target;
        continue;
      }
      if ((len & 0xC0) != 0) fail_at("label type 01 or 10 is not supported (RFC 6891 §5)", p);
      if (len == 0) {
        if (!jumped) pos_ = p + 1;
        break;
      }
      wire += 1 + len;
      if (wire > kMaxNameWire) fail_at("name longer than 255 bytes (RFC 1035 §2.3.4)", p);
      if (len + 1 > bound - p) fail_at("label runs past the end of the data", p);
      labels.emplace_back(msg_.substr(p + 1, len));
      p += 1 + len;
    }
    return name_text(labels);
  }

 private:
  std::string_view msg_;
  std::size_t pos_ = 0;
};

RData decode_rdata(Reader& r, RecordType type, RecordClass klass, std::size_t end) {
  const std::size_t len = end - r.pos();
  switch (expected_data(type, klass)) {
    case index_of<AData>(): {
      if (len != 4) r.fail("A record data is not 4 bytes (RFC 1035 §3.4.1)");
      Ipv4Bytes b{};
      for (auto& x : b) x = static_cast<std::uint8_t>(r.u8(end));
      return AData{format_ipv4(b)};
    }
    case index_of<AaaaData>(): {
      if (len != 16) r.fail("AAAA record data is not 16 bytes (RFC 3596 §2.2)");
      Ipv6Bytes b{};
      for (auto& x : b) x = static_cast<std::uint8_t>(r.u8(end));
      return AaaaData{format_ipv6(b)};
    }
    case index_of<MxData>(): {
      MxData mx;
      mx.preference = static_cast<std::uint16_t>(r.u16(end, "MX data shorter than its fields"));
      mx.exchange = r.name(end);
      return mx;
    }
    case index_of<TxtData>(): {
      if (len == 0) r.fail("TXT record without any string (RFC 1035 §3.3.14)");
      TxtData txt;
      while (r.pos() < end) {
        const unsigned n = r.u8(end);
        txt.strings.emplace_back(r.bytes(n, end, "TXT string runs past the record data"));
      }
      return txt;
    }
    case index_of<NameData>():
      return NameData{r.name(end)};
    case index_of<SoaData>(): {
      SoaData soa;
      soa.mname = r.name(end);
      soa.rname = r.name(end);
      const char* what = "SOA data shorter than its fields";
      soa.serial = r.u32(end, what);
      soa.refresh = r.u32(end, what);
      soa.retry = r.u32(end, what);
      soa.expire = r.u32(end, what);
      soa.minimum = r.u32(end, what);
      return soa;
    }
    default:
      return RawData{std::string(r.bytes(len, end, "record data"))};
  }
}

ResourceRecord decode_record(Reader& r, std::size_t size) {
  ResourceRecord rr;
  rr.name = r.name(size);
  rr.type = static_cast<RecordType>(r.u16(size));
  rr.klass = static_cast<RecordClass>(r.u16(size));
  rr.ttl = r.u32(size);
  const unsigned rdlength = r.u16(size);
  r.need(rdlength, size, "RDLENGTH runs past the end of the message");
  const std::size_t end = r.pos() + rdlength;
  rr.data = decode_rdata(r, rr.type, rr.klass, end);
  if (r.pos() != end) r.fail("record data longer than its fields");
  return rr;
}

}  // namespace

std::variant<Message, DecodeError> decode(std::string_view wire) {
  if (wire.size() > kMaxMessageSize) return DecodeError{"message longer than 65535 bytes", 0};
  if (wire.size() < kHeaderSize) {
    return DecodeError{"message shorter than the 12-byte header", wire.size()};
  }
  try {
    Reader r(wire);
    const std::size_t size = wire.size();
    Message m;
    m.id = static_cast<std::uint16_t>(r.u16(size));
    const unsigned b2 = r.u8(size), b3 = r.u8(size);
    Flags& f = m.flags;
    f.qr = b2 & 0x80;
    f.opcode = static_cast<Opcode>((b2 >> 3) & 0x0F);
    f.aa = b2 & 0x04;
    f.tc = b2 & 0x02;
    f.rd = b2 & 0x01;
    f.ra = b3 & 0x80;
    f.z = b3 & 0x40;
    f.ad = b3 & 0x20;
    f.cd = b3 & 0x10;
    f.rcode = static_cast<Rcode>(b3 & 0x0F);
    const std::size_t qd = r.u16(size), an = r.u16(size), ns = r.u16(size), ar = r.u16(size);
    // A question takes at least 5 bytes (root name, type, class), a record 11: counts that
    // the bytes present cannot hold are refused before anything is allocated for them.
    if (qd * 5 + (an + ns + ar) * 11 > r.remaining()) {
      r.fail("section counts larger than the message can hold");
    }
    m.questions.reserve(qd);
    for (std::size_t i = 0; i < qd; ++i) {
      Question q;
      q.name = r.name(size);
      q.type = static_cast<RecordType>(r.u16(size));
      q.klass = static_cast<RecordClass>(r.u16(size));
      m.questions.push_back(std::move(q));
    }
    const std::pair<std::vector<ResourceRecord>*, std::size_t> sections[] = {
        {&m.answers, an}, {&m.authority, ns}, {&m.additional, ar}};
    for (const auto& [section, count] : sections) {
      section->reserve(count);
      for (std::size_t i = 0; i < count; ++i) section->push_back(decode_record(r, size));
    }
    if (r.remaining() != 0) r.fail("bytes after the last record");
    return m;
  } catch (const DecodeFailure& e) {
    return DecodeError{e.reason, e.offset};
  }
}

// ---------------------------------------------------------------------------------------
// Building and describing

Message make_query(std::uint16_t id, std::string name, RecordType type, bool recursion_desired) {
  Message m;
  m.id = id;
  m.flags.rd = recursion_desired;
  m.questions.push_back({std::move(name), type, RecordClass::IN});
  return m;
}

Message make_response(const Message& query, Rcode rcode, std::vector<ResourceRecord> answers,
                      bool authoritative) {
  Message m;
  m.id = query.id;
  m.flags.qr = true;
  m.flags.opcode = query.flags.opcode;
  m.flags.aa = authoritative;
  m.flags.rd = query.flags.rd;
  m.flags.cd = query.flags.cd;  // RFC 4035 §3.1.6: copied from the query
  m.flags.rcode = rcode;
  m.questions = query.questions;
  m.answers = std::move(answers);
  return m;
}

namespace {

// RFC 1035 §5.1 <character-string> in quotes, as dig prints it.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u >= 0x7F) {
      out += fmt::format("\\{:03d}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string record_text(const ResourceRecord& rr, bool with_owner) {
  std::string out;
  if (with_owner) out = display_name(rr.name) + ' ';
  if (rr.klass != RecordClass::IN) out += class_name(rr.klass) + ' ';
  out += type_name(rr.type);
  out += ' ';
  out += rdata_text(rr);
  return out;
}

}  // namespace

std::string rdata_text(const ResourceRecord& rr) {
  return std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, AData> || std::is_same_v<T, AaaaData>) {
          return d.address;
        } else if constexpr (std::is_same_v<T, MxData>) {
          return fmt::format("{} {}", d.preference, display_name(d.exchange));
        } else if constexpr (std::is_same_v<T, TxtData>) {
          std::string out;
          for (const auto& s : d.strings) {
            if (!out.empty()) out.push_back(' ');
            out += quoted(s);
          }
          return out;
        } else if constexpr (std::is_same_v<T, NameData>) {
          return display_name(d.target);
        } else if constexpr (std::is_same_v<T, SoaData>) {
          return fmt::format("{} {} {} {} {} {} {}", display_name(d.mname), display_name(d.rname),
                             d.serial, d.refresh, d.retry, d.expire, d.minimum);
        } else {
          std::string out = fmt::format("\\# {}", d.bytes.size());
          if (!d.bytes.empty()) out.push_back(' ');
          for (const char c : d.bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
          return out;
        }
      },
      rr.data);
}

std::string describe(const Message& m) {
  std::string out;
  const bool opcode_query = m.flags.opcode == Opcode::Query;
  if (!m.flags.qr) {
    out = "query";
    if (!opcode_query) out += " (" + opcode_name(m.flags.opcode) + ")";
    if (m.questions.empty()) out += " (no question)";
    for (std::size_t i = 0; i < m.questions.size(); ++i) {
      const Question& q = m.questions[i];
      out += i == 0 ? " " : ", ";
      if (q.klass != RecordClass::IN) out += class_name(q.klass) + ' ';
      out += type_name(q.type) + ' ' + display_name(q.name);
    }
    return out;
  }

  out = "answer";
  if (!opcode_query) out += " (" + opcode_name(m.flags.opcode) + ")";
  out += ' ' + rcode_name(m.flags.rcode);
  const Question* q = m.questions.empty() ? nullptr : &m.questions.front();
  if (q != nullptr) out += ' ' + display_name(q->name);
  for (std::size_t i = 0; i < m.answers.size(); ++i) {
    const ResourceRecord& rr = m.answers[i];
    out += i == 0 ? " " : ", ";
    out += record_text(rr, q == nullptr || !names_equal(rr.name, q->name));
  }
  if (m.answers.empty() && m.flags.rcode == Rcode::NoError && q != nullptr) {
    out += " (no " + type_name(q->type) + " records)";
  }
  bool first = true;
  for (const ResourceRecord& rr : m.additional) {
    if (rr.type == RecordType::OPT) continue;  // EDNS, not data
    out += first ? "; additional " : ", ";
    first = false;
    out += record_text(rr, true);
  }
  if (m.flags.tc) out += " (truncated)";
  return out;
}

}  // namespace smtpsim::dns
