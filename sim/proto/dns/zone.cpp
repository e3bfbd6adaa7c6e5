// Zone data and authoritative answers (RFC 1034 §4.3.2, RFC 2308, RFC 8020). See zone.hpp.
#include "sim/proto/dns/zone.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "sim/proto/dns/name.hpp"

namespace smtpsim::dns {

namespace {

constexpr std::size_t kMaxCnameChain = 8;

Labels parse_or_throw(std::string_view name, const char* what) {
  auto r = parse_name(name);
  if (auto* e = std::get_if<NameError>(&r)) {
    throw std::invalid_argument(fmt::format("{} \"{}\": {}", what, name, e->reason));
  }
  return std::get<Labels>(std::move(r));
}

// Through the wire and back: this checks every field, and gives the spelling a decoder
// gives (no trailing dots in names, RFC 5952 IPv6 text), so stored records compare equal to
// the ones a client decodes. Throws std::invalid_argument when rr does not encode.
ResourceRecord normalised(ResourceRecord rr) {
  Message probe;
  probe.answers.push_back(std::move(rr));
  auto wire = try_encode(probe, Compression::Off);
  if (auto* e = std::get_if<EncodeError>(&wire)) throw std::invalid_argument(e->reason);
  auto back = decode(std::get<std::string>(wire));
  return std::move(std::get<Message>(back).answers.front());
}

// The same record for RRset purposes: type and data equal, names inside the data compared
// as names (RFC 4343; the canonical form of RFC 4034 §6.2 lower-cases them too).
bool same_data(const ResourceRecord& a, const ResourceRecord& b) {
  if (a.type != b.type || a.data.index() != b.data.index()) return false;
  if (const auto* x = std::get_if<MxData>(&a.data)) {
    const auto& y = std::get<MxData>(b.data);
    return x->preference == y.preference && names_equal(x->exchange, y.exchange);
  }
  if (const auto* x = std::get_if<NameData>(&a.data)) {
    return names_equal(x->target, std::get<NameData>(b.data).target);
  }
  if (const auto* x = std::get_if<SoaData>(&a.data)) {
    const auto& y = std::get<SoaData>(b.data);
    return names_equal(x->mname, y.mname) && names_equal(x->rname, y.rname) &&
           x->serial == y.serial && x->refresh == y.refresh && x->retry == y.retry &&
           x->expire == y.expire && x->minimum == y.minimum;
  }
  return a.data == b.data;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Zone

Zone::Zone(std::string_view origin) {
  Labels labels = parse_or_throw(origin, "zone origin");
  for (auto& l : labels) l = ascii_lower(l);
  origin_ = name_text(labels);
  origin_key_.assign(labels.rbegin(), labels.rend());
}

std::optional<Zone::Key> Zone::key_of(std::string_view name) const {
  auto r = parse_name(name);
  auto* labels = std::get_if<Labels>(&r);
  if (labels == nullptr) return std::nullopt;
  Key k;
  for (auto it = labels->rbegin(); it != labels->rend(); ++it) k.push_back(ascii_lower(*it));
  return k;
}

void Zone::add(ResourceRecord rr) {
  const auto k = key_of(rr.name);
  if (!k) parse_or_throw(rr.name, "record owner");  // throws with the reason
  if (k->size() < origin_key_.size() ||
      !std::equal(origin_key_.begin(), origin_key_.end(), k->begin())) {
    throw std::invalid_argument(
        fmt::format("record owner \"{}\" is outside the zone {}", rr.name, display_name(origin_)));
  }
  if (rr.klass != RecordClass::IN) {
    throw std::invalid_argument(fmt::format("record \"{}\": only class IN is served", rr.name));
  }
  rr = normalised(std::move(rr));

  auto it = names_.find(*k);
  if (it == names_.end()) {
    names_.emplace(*k, std::vector<ResourceRecord>{std::move(rr)});
    return;
  }
  auto& at = it->second;
  for (const auto& x : at) {
    if (same_data(x, rr)) return;  // already there
  }
  const bool has_cname = std::any_of(
      at.begin(), at.end(), [](const ResourceRecord& x) { return x.type == RecordType::CNAME; });
  if (rr.type == RecordType::CNAME || has_cname) {
    throw std::invalid_argument(fmt::format(
        "\"{}\": a CNAME cannot share its name with other records (RFC 1034 §3.6.2, RFC 2181 "
        "§10.1)",
        rr.name));
  }
  at.push_back(std::move(rr));
}

std::size_t Zone::remove(std::string_view name, std::optional<RecordType> type) {
  const auto k = key_of(name);
  if (!k) return 0;
  auto it = names_.find(*k);
  if (it == names_.end()) return 0;
  auto& v = it->second;
  const std::size_t before = v.size();
  std::erase_if(v, [&](const ResourceRecord& x) { return !type || x.type == *type; });
  const std::size_t removed = before - v.size();
  if (v.empty()) names_.erase(it);
  return removed;
}

std::size_t Zone::remove(const ResourceRecord& rr) {
  const auto k = key_of(rr.name);
  if (!k || rr.klass != RecordClass::IN) return 0;
  auto it = names_.find(*k);
  if (it == names_.end()) return 0;
  ResourceRecord want;
  try {
    want = normalised(rr);
  } catch (const std::invalid_argument&) {
    return 0;  // not a record that could have been added
  }
  auto& v = it->second;
  auto at =
      std::find_if(v.begin(), v.end(), [&](const ResourceRecord& x) { return same_data(x, want); });
  if (at == v.end()) return 0;
  v.erase(at);
  if (v.empty()) names_.erase(it);
  return 1;
}

std::vector<ResourceRecord> Zone::find(std::string_view name, RecordType type) const {
  std::vector<ResourceRecord> out;
  const auto k = key_of(name);
  if (!k) return out;
  auto it = names_.find(*k);
  if (it == names_.end()) return out;
  for (const auto& rr : it->second) {
    if (type == RecordType::ANY || rr.type == type) out.push_back(rr);
  }
  return out;
}

bool Zone::contains_name(std::string_view name) const {
  const auto k = key_of(name);
  if (!k) return false;
  // Keys are ordered label by label from the top, so a name and everything below it form one
  // run starting at lower_bound(name).
  auto it = names_.lower_bound(*k);
  return it != names_.end() && it->first.size() >= k->size() &&
         std::equal(k->begin(), k->end(), it->first.begin());
}

std::optional<ResourceRecord> Zone::soa() const {
  auto it = names_.find(origin_key_);
  if (it == names_.end()) return std::nullopt;
  for (const auto& rr : it->second) {
    if (rr.type == RecordType::SOA) return rr;
  }
  return std::nullopt;
}

std::vector<ResourceRecord> Zone::records() const {
  std::vector<ResourceRecord> out;
  for (const auto& [k, v] : names_) out.insert(out.end(), v.begin(), v.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// ZoneSet

Zone& ZoneSet::add(Zone zone) {
  const std::string origin = zone.origin();
  auto [it, inserted] = zones_.emplace(origin, std::move(zone));
  if (!inserted) {
    throw std::invalid_argument(fmt::format("zone {} added twice", display_name(origin)));
  }
  return it->second;
}

Zone& ZoneSet::zone(std::string_view origin) {
  Zone z(origin);
  auto it = zones_.find(z.origin());
  if (it != zones_.end()) return it->second;
  return add(std::move(z));
}

const Zone* ZoneSet::find_zone(std::string_view name) const {
  auto r = parse_name(name);
  auto* labels = std::get_if<Labels>(&r);
  if (labels == nullptr) return nullptr;
  for (auto& l : *labels) l = ascii_lower(l);
  // Most specific first: a.b.example.com, b.example.com, example.com, com, the root.
  for (std::size_t i = 0; i <= labels->size(); ++i) {
    const Labels suffix(labels->begin() + static_cast<std::ptrdiff_t>(i), labels->end());
    if (auto it = zones_.find(name_text(suffix)); it != zones_.end()) return &it->second;
  }
  return nullptr;
}

Zone* ZoneSet::find_zone(std::string_view name) {
  return const_cast<Zone*>(std::as_const(*this).find_zone(name));
}

namespace {

// RFC 2308 §3: negative answers carry the zone's SOA, its TTL the smaller of the SOA's own
// TTL and its MINIMUM field.
void add_negative_soa(Message& r, const Zone& z) {
  auto soa = z.soa();
  if (!soa) return;
  const auto& d = std::get<SoaData>(soa->data);
  soa->ttl = std::min(soa->ttl, d.minimum);
  r.authority.push_back(std::move(*soa));
}

bool contains(const std::vector<ResourceRecord>& v, const ResourceRecord& rr) {
  return std::any_of(v.begin(), v.end(), [&](const ResourceRecord& x) {
    return same_data(x, rr) && names_equal(x.name, rr.name);
  });
}

Message error_response(const Message& q, Rcode rcode, bool keep_questions) {
  Message r = make_response(q, rcode);
  if (!keep_questions) r.questions.clear();
  return r;
}

}  // namespace

Message ZoneSet::answer(const Message& query) const {
  // RFC 1035 §4.1.1: FORMERR "unable to interpret the query"; NOTIMP "does not support the
  // requested kind of query"; REFUSED "refuses ... for policy reasons" (not our zone).
  if (query.flags.qr) return error_response(query, Rcode::FormErr, false);
  if (query.flags.opcode != Opcode::Query) return error_response(query, Rcode::NotImp, true);
  // RFC 9619: a QUERY carries exactly one question.
  if (query.questions.size() != 1) return error_response(query, Rcode::FormErr, false);
  const Question& q = query.questions.front();
  if (check_name(q.name)) return error_response(query, Rcode::FormErr, false);
  if (q.type == RecordType::OPT) return error_response(query, Rcode::FormErr, true);
  const auto qtype = static_cast<unsigned>(q.type);
  if (qtype >= 251 && qtype <= 254) return error_response(query, Rcode::NotImp, true);
  if (q.klass != RecordClass::IN && q.klass != RecordClass::ANY) {
    return error_response(query, Rcode::Refused, true);
  }
  const Zone* zone = find_zone(q.name);
  if (zone == nullptr) return error_response(query, Rcode::Refused, true);

  Message r = make_response(query, Rcode::NoError, {}, true);
  std::string name = q.name;
  std::vector<std::string> visited{canonical_name(name)};
  for (std::size_t hop = 0; hop < kMaxCnameChain; ++hop) {
    if (!zone->contains_name(name)) {
      r.flags.rcode = Rcode::NXDomain;  // RFC 6604: the RCODE speaks of the chain's last name
      add_negative_soa(r, *zone);
      break;
    }
    auto found = zone->find(name, q.type);
    if (!found.empty()) {
      r.answers.insert(r.answers.end(), found.begin(), found.end());
      break;
    }
    auto cname = zone->find(name, RecordType::CNAME);
    if (cname.empty()) {  // NODATA (RFC 2308 §2.2)
      add_negative_soa(r, *zone);
      break;
    }
    r.answers.push_back(cname.front());
    name = std::get<NameData>(cname.front().data).target;
    const std::string key = canonical_name(name);
    if (std::find(visited.begin(), visited.end(), key) != visited.end()) break;  // a loop
    visited.push_back(key);
    zone = find_zone(name);
    if (zone == nullptr) break;  // not ours: the client's resolver follows it
  }

  // Additional section processing (RFC 1035 §3.3.9, §3.3.11; RFC 3596 §3 adds AAAA).
  for (const auto& rr : r.answers) {
    std::string host;
    if (rr.type == RecordType::MX) host = std::get<MxData>(rr.data).exchange;
    if (rr.type == RecordType::NS) host = std::get<NameData>(rr.data).target;
    if (host.empty()) continue;  // also the null MX "." (RFC 7505)
    const Zone* hz = find_zone(host);
    if (hz == nullptr) continue;
    for (const RecordType t : {RecordType::A, RecordType::AAAA}) {
      for (auto& a : hz->find(host, t)) {
        if (!contains(r.additional, a) && !contains(r.answers, a)) {
          r.additional.push_back(std::move(a));
        }
      }
    }
  }
  return r;
}

std::optional<std::string> ZoneSet::answer_wire(std::string_view query, Transport transport) const {
  if (query.size() < kHeaderSize) return std::nullopt;
  const auto b2 = static_cast<unsigned char>(query[2]);
  if (b2 & 0x80) return std::nullopt;
  Message resp;
  auto decoded = decode(query);
  if (auto* m = std::get_if<Message>(&decoded)) {
    resp = answer(*m);
  } else {
    resp.id = static_cast<std::uint16_t>(static_cast<unsigned char>(query[0]) << 8 |
                                         static_cast<unsigned char>(query[1]));
    resp.flags.qr = true;
    resp.flags.opcode = static_cast<Opcode>((b2 >> 3) & 0x0F);
    resp.flags.rd = b2 & 0x01;
    resp.flags.rcode = Rcode::FormErr;
  }
  if (transport == Transport::Udp) return encode_udp(resp);
  auto wire = try_encode(resp);
  if (auto* s = std::get_if<std::string>(&wire)) return std::move(*s);
  // Only zone data too large for one message gets here.
  resp.answers.clear();
  resp.authority.clear();
  resp.additional.clear();
  resp.flags.rcode = Rcode::ServFail;
  return encode(resp);
}

}  // namespace smtpsim::dns
