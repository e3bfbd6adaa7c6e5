// Authoritative DNS over datagrams.
#include "sim/nodes/dns_server.hpp"

#include <fmt/format.h>

#include "sim/proto/dns/name.hpp"
#include "sim/proto/dns/transport.hpp"

namespace smtpsim::nodes {

DnsServer::DnsServer(World& world, engine::HostId host,
                     const std::vector<dns::ResourceRecord>& records)
    : world_(world), host_(host) {
  for (const auto& rr : records) add(rr, false);
  world_.net.bind_datagram(host_, 53, this);
}

std::string DnsServer::origin_for(const std::string& name) {
  std::string n = dns::canonical_name(name);
  while (!n.empty() && n.back() == '.') n.pop_back();
  const auto last = n.rfind('.');
  if (last == std::string::npos || last == 0) return n;
  const auto prev = n.rfind('.', last - 1);
  return prev == std::string::npos ? n : n.substr(prev + 1);
}

void DnsServer::add(const dns::ResourceRecord& rr, bool traced) {
  const std::string origin = origin_for(rr.name);
  if (!zones_.find_zone(origin) || zones_.find_zone(origin)->origin() != origin) {
    zones_.add(dns::Zone(origin));
  }
  zones_.zone(origin).add(rr);
  if (traced) {
    world_.net.trace(trace::Event{
        .kind = trace::EventKind::DnsRecordChanged,
        .host = world_.net.name(host_),
        .proto = "DNS",
        .text =
            fmt::format("added {} {} {}", rr.name, dns::type_name(rr.type), dns::rdata_text(rr))});
  }
}

void DnsServer::remove(const dns::ResourceRecord& rr) {
  dns::Zone* z = zones_.find_zone(rr.name);
  std::size_t removed = 0;
  if (z) {
    // An A/MX/TXT record with empty data means "every record of that name and type".
    const bool all = rr.data == dns::ResourceRecord{}.data;
    removed = all ? z->remove(rr.name, rr.type) : z->remove(rr);
  }
  world_.net.trace(
      trace::Event{.kind = trace::EventKind::DnsRecordChanged,
                   .host = world_.net.name(host_),
                   .proto = "DNS",
                   .text = fmt::format("removed {} {} record{} of {}", removed,
                                       dns::type_name(rr.type), removed == 1 ? "" : "s", rr.name)});
}

void DnsServer::on_datagram(engine::HostId from, std::uint16_t from_port, std::string bytes) {
  std::optional<std::string> wire;
  if (failing) {
    auto decoded = dns::decode(bytes);
    if (auto* q = std::get_if<dns::Message>(&decoded); q && !q->flags.qr) {
      wire = dns::encode(dns::make_response(*q, dns::Rcode::ServFail));
    }
  } else {
    auto decoded = dns::decode(bytes);
    auto* q = std::get_if<dns::Message>(&decoded);
    if (q && !q->flags.qr && q->questions.size() == 1 && !zones_.find_zone(q->questions[0].name)) {
      // This server stands for the whole DNS of the little world: a name under no zone of
      // ours does not exist anywhere, so NXDOMAIN (what the root or TLD would say), not the
      // REFUSED an authoritative-only server gives.
      wire = dns::encode_udp(dns::make_response(*q, dns::Rcode::NXDomain), 512);
    } else {
      // answer_wire: FORMERR for garbage, never an answer to an answer, 512-byte UDP limit.
      wire = zones_.answer_wire(bytes, dns::Transport::Udp);
    }
  }
  if (!wire) return;
  auto shown = dns::decode(*wire);
  world_.net.trace(trace::Event{.kind = trace::EventKind::Datagram,
                                .host = world_.net.name(host_),
                                .peer = world_.net.name(from),
                                .port = 53,
                                .proto = "DNS",
                                .outbound = true,
                                .text = std::holds_alternative<dns::Message>(shown)
                                            ? dns::describe(std::get<dns::Message>(shown))
                                            : std::string("undecodable answer")});
  world_.net.send_datagram(host_, 53, from, from_port, std::move(*wire));
}

}  // namespace smtpsim::nodes
