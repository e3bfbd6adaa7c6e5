// RFC 5321 §5.1's way from a domain to the servers to try, over any way of asking DNS one
// question: MX records in preference order with equal ones shuffled by the run's RNG, the
// exchanges' addresses (additional section, else an A query each), the domain's own A record
// when it has no MX ("implicit MX"), and "0 ." meaning no mail at all (RFC 7505 null MX).
// The simulated stub resolver (dns_resolver.hpp) asks over the virtual network; live mode's
// c-ares resolver (net/cares_resolver.hpp) asks a real server. Both share these steps, so a
// real answer is read exactly like a simulated one. Trusts nothing in answers beyond what
// sim/proto/dns decoded; trusts `query` to answer every question once (nullopt: no answer).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/nodes/resolver.hpp"
#include "sim/nodes/world.hpp"
#include "sim/proto/dns/message.hpp"
#include "sim/proto/dns/name.hpp"

namespace smtpsim::nodes {

class MxResolution : public Resolver {
 public:
  void resolve_mx(const std::string& domain, std::function<void(MxAnswer)> done) override;
  void lookup(const std::string& name, dns::RecordType type,
              std::function<void(std::optional<dns::Message>)> done) override;

 protected:
  MxResolution(World& world, engine::HostId host) : world_(world), host_(host) {}
  using Reply = std::function<void(std::optional<dns::Message>)>;  // nullopt: no answer
  // Asks one question; `done` is called once, later (never inside this call).
  virtual void query(const std::string& name, dns::RecordType type, Reply done) = 0;
  // The server named as the peer of the summary line in the trace.
  virtual std::string server_name() const = 0;

  World& world_;
  engine::HostId host_;

 private:
  void fill_addresses(std::shared_ptr<MxAnswer> ans, std::size_t i,
                      std::function<void(MxAnswer)> done);
  void finish(MxAnswer ans, const std::string& domain, std::function<void(MxAnswer)>& done);
};

}  // namespace smtpsim::nodes
