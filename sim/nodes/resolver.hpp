// How an MTA finds the servers of a domain (RFC 5321 §5.1): MX records in preference order,
// equal preferences shuffled with the run's RNG, the domain's own A record when it has no
// MX ("implicit MX"), and "0 ." (RFC 7505 null MX) meaning the domain accepts no mail.
// The lookups travel the virtual network as real DNS messages to the host's DNS server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/nodes/world.hpp"
#include "sim/proto/dns/message.hpp"

namespace smtpsim::nodes {

struct MxTarget {
  int preference = 0;
  std::string host;     // exchange name
  std::string address;  // from the additional section or an A query; empty if none
};

struct MxAnswer {
  enum class Status { Ok, NoSuchDomain, NullMx, TemporaryFailure } status = Status::Ok;
  std::vector<MxTarget> targets;  // in the order to try
  bool implicit = false;          // no MX: the domain's A record stands in
  std::string summary;            // one line for the trace
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual void resolve_mx(const std::string& domain, std::function<void(MxAnswer)> done) = 0;
  // One question of any type (an SPF check's TXT, A and MX lookups, RFC 7208 §4.6.4): the
  // decoded response, or nullopt when none came. Always answers asynchronously.
  virtual void lookup(const std::string& name, dns::RecordType type,
                      std::function<void(std::optional<dns::Message>)> done) = 0;
};

}  // namespace smtpsim::nodes
