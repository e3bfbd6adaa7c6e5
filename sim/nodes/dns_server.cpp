// Authoritative DNS over datagrams.
#include "sim/nodes/dns_server.hpp"

#include <fmt/format.h>

namespace smtpsim::nodes {

DnsServer::DnsServer(World& world, engine::HostId host,
                     const std::vector<dns::ResourceRecord>& records)
    : world_(world), host_(host) {
  for (const auto& rr : records) add(rr, false);
  world_.net.bind_datagram(host_, 53, this);
}

std::string DnsServer::origin_for(const std::string& name) {
  std::string n = name;
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
    world_.net.trace(trace::Event{.kind = trace::EventKind::DnsRecordChanged,
                                  .host = world_.net.name(host_),
                                  .proto = "DNS",
                                  .text = fmt::format("added {} {} {}", rr.name,
                                                      dns::type_name(rr.type), dns::rdata_text(rr))});
  }
}

void DnsServer::remove(const dns::ResourceRecord& rr) {
  dns::Zone* z = zones_.find_zone(rr.name);
  if (!z) return;
  auto keep = z->find(rr.name, rr.type);
  z->remove(rr.name, rr.type);
  std::size_t removed = 0;
  for (const auto& old : keep) {
    if (old.data == rr.data || rr.data == dns::ResourceRecord{}.data) {
      ++removed;
    } else {
      z->add(old);
    }
  }
  world_.net.trace(trace::Event{
      .kind = trace::EventKind::DnsRecordChanged,
      .host = world_.net.name(host_),
      .proto = "DNS",
      .text = fmt::format("removed {} {} record{} of {}", removed, dns::type_name(rr.type),
                          removed == 1 ? "" : "s", rr.name)});
}

void DnsServer::on_datagram(engine::HostId from, std::uint16_t from_port, std::string bytes) {
  auto decoded = dns::decode(bytes);
  auto* q = std::get_if<dns::Message>(&decoded);
  if (!q || q->flags.qr) return;  // not a query: no answer (RFC 1035 §4.1.1)
  dns::Message answer =
      failing ? dns::make_response(*q, dns::Rcode::ServFail) : zones_.answer(*q);
  world_.net.trace(trace::Event{.kind = trace::EventKind::Datagram,
                                .host = world_.net.name(host_),
                                .peer = world_.net.name(from),
                                .port = 53,
                                .proto = "DNS",
                                .outbound = true,
                                .text = dns::describe(answer)});
  world_.net.send_datagram(host_, 53, from, from_port, dns::encode(answer));
}

}  // namespace smtpsim::nodes
