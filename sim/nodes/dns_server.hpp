// The DNS role: an authoritative server for the scenario's zones (MX, A, TXT records),
// answering real wire-format queries that arrive as datagrams on port 53, and tracing each
// answer so learners see the lookup travel. Records can be added and removed while the
// simulation runs (the "MX record vanished" fault). Trusts nothing in queries: they are
// decoded by sim/proto/dns, and malformed ones get FORMERR or no answer.
#pragma once

#include <string>
#include <vector>

#include "sim/nodes/world.hpp"
#include "sim/proto/dns/zone.hpp"

namespace smtpsim::nodes {

class DnsServer : public engine::DatagramHandler {
 public:
  DnsServer(World& world, engine::HostId host, const std::vector<dns::ResourceRecord>& records);
  void add(const dns::ResourceRecord& rr, bool traced = true);
  // Removes the records of rr's name and type whose data equals rr's (all of them when rr's
  // data is empty/default).
  void remove(const dns::ResourceRecord& rr);
  void on_datagram(engine::HostId from, std::uint16_t from_port, std::string bytes) override;
  const dns::ZoneSet& zones() const { return zones_; }
  bool failing = false;  // SERVFAIL fault: answer every query with SERVFAIL

  // The zone a name belongs to here: its last two labels ("mx1.example.com" -> "example.com").
  static std::string origin_for(const std::string& name);

 private:
  World& world_;
  engine::HostId host_;
  dns::ZoneSet zones_;
};

}  // namespace smtpsim::nodes
