// Zone data and the authoritative lookup a DNS server node runs for each query (RFC 1034
// §4.3.2, simplified to what an authoritative-only server does):
//   - the name is in none of our zones                 -> REFUSED, AA clear
//   - the name does not exist in its zone               -> NXDOMAIN + the zone's SOA (RFC 2308)
//   - the name exists (or is an empty non-terminal, RFC 8020) but has no record of the type
//                                                       -> NOERROR, empty answer ("NODATA") + SOA
//   - records of the type                               -> NOERROR, AA, the records
//   - a CNAME at the name (and the type is not CNAME)   -> the CNAME, then the target's answer
//                                                          when the target is ours too (§4.3.2
//                                                          step 3a; loops and chains > 8 stop)
//   - MX and NS answers bring the A and AAAA records of the hosts they name in the additional
//     section, when we have them (RFC 1035 §3.3.9, RFC 5321 §5.1 clients may use them)
//   - opcode other than QUERY -> NOTIMP; not exactly one question, or a QR bit set -> FORMERR;
//     class other than IN (or ANY) -> REFUSED; AXFR/IXFR/MAILA/MAILB -> NOTIMP; QTYPE ANY
//     returns every record at the name (RFC 1035 §3.2.3; RFC 8482 would also allow less).
// Not implemented, deliberately: delegations (NS records below the apex are plain data, no
// referrals), wildcards (RFC 4592), EDNS (an OPT record in a query is ignored and responses
// carry none, as from a server that predates RFC 6891), zone transfers, recursion (RA clear).
//
// Trust: zone data comes from scenarios and is checked once, when added (names, addresses,
// TXT strings, one CNAME and nothing else at a name); queries are trusted for nothing, and
// answer_wire() takes raw bytes straight off the network.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/transport.hpp"

namespace smtpsim::dns {

class Zone {
 public:
  // Throws std::invalid_argument when origin is not a valid name.
  explicit Zone(std::string_view origin);

  const std::string& origin() const { return origin_; }  // canonical: lower case, no dot

  // Adds a class-IN record owned by the origin or a name below it. A record already there
  // (same type and data, names compared case-insensitively) is not added twice (RFC 2181 §5).
  // Throws std::invalid_argument when the owner is outside the zone, the record would not encode
  // (bad name, address, TXT string, wrong data kind), or it would put a CNAME beside other data or
  // a second CNAME (RFC 1034 §3.6.2, RFC 2181 §10.1).
  void add(ResourceRecord rr);
  // Removes the records of one type (all types: nullopt) at a name; how many went. This is
  // the "DNS record vanishes" fault.
  std::size_t remove(std::string_view name, std::optional<RecordType> type = std::nullopt);
  // Removes the one record equal to rr, as add() compares them ("MX 10 MX1.example.com."
  // matches "MX 10 mx1.example.com"); returns 0 or 1.
  std::size_t remove(const ResourceRecord& rr);

  // Records at name with the type (RecordType::ANY: all of them), in the order added.
  std::vector<ResourceRecord> find(std::string_view name, RecordType type) const;
  // True when name owns records or has descendants that do (an empty non-terminal).
  bool contains_name(std::string_view name) const;
  // The SOA at the apex, if the zone has one.
  std::optional<ResourceRecord> soa() const;
  // Every record, names in canonical DNS order (RFC 4034 §6.1), for listings and the GUI.
  std::vector<ResourceRecord> records() const;

 private:
  using Key = std::vector<std::string>;  // lower-case labels, the root's child first
  std::optional<Key> key_of(std::string_view name) const;

  std::string origin_;
  Key origin_key_;
  std::map<Key, std::vector<ResourceRecord>> names_;
};

enum class Transport { Udp, Tcp };

class ZoneSet {
 public:
  // Adds a zone; throws std::invalid_argument when one with the same origin exists.
  Zone& add(Zone zone);
  // The zone with that origin, created empty when missing.
  Zone& zone(std::string_view origin);

  // The zone with the longest origin that name is in, or nullptr.
  const Zone* find_zone(std::string_view name) const;
  Zone* find_zone(std::string_view name);
  std::size_t size() const { return zones_.size(); }

  // The response to a query, following the rules at the top of this file.
  Message answer(const Message& query) const;

  // The server's whole job for one datagram or TCP message: nullopt when nothing must be
  // sent (fewer than 12 bytes, or a response: answering responses could make two servers
  // loop); FORMERR echoing the id when the bytes do not decode; otherwise answer(),
  // encoded for the transport (UDP: at most 512 bytes, truncated as in transport.hpp; TCP:
  // unframed, the caller adds the length prefix).
  std::optional<std::string> answer_wire(std::string_view query,
                                         Transport transport = Transport::Udp) const;

 private:
  std::map<std::string, Zone> zones_;  // canonical origin -> zone
};

}  // namespace smtpsim::dns
