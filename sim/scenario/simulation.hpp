// A scenario brought to life: the network, the roles on each host, and the script of timed
// actions, all on one event queue with one seeded RNG. Same Spec + same seed -> the same
// trace, byte for byte. The GUI and `smtpsim run` drive it the same way: step() or run().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sim/engine/network.hpp"
#include "sim/nodes/dns_resolver.hpp"
#include "sim/nodes/dns_server.hpp"
#include "sim/nodes/mda.hpp"
#include "sim/nodes/msa.hpp"
#include "sim/nodes/mta.hpp"
#include "sim/nodes/mua.hpp"
#include "sim/nodes/resolver.hpp"
#include "sim/nodes/retrieval_services.hpp"
#include "sim/nodes/telnet_client.hpp"
#include "sim/nodes/webmail.hpp"
#include "sim/scenario/spec.hpp"
#include "sim/trace/sink.hpp"

namespace smtpsim::scenario {

// Live mode's hooks into a simulation (net/ fills them; lessons and tests leave them empty).
struct LiveHooks {
  // Wraps the resolver of each MTA (the scenario's DNS first, then real DNS or a smarthost);
  // the world gives the wrapper the run's clock, network and RNG (equal MX shuffled by it).
  std::function<std::unique_ptr<nodes::Resolver>(std::unique_ptr<nodes::Resolver> simulated,
                                                 nodes::World& world, engine::HostId mta)>
      wrap_resolver;
  // The wall-clock date virtual time 0 stands for (Date:, Received:); the spec's otherwise.
  std::optional<std::int64_t> epoch_unix;
  // Stable storage for every MTA queue and MDA mailbox (net::Spool); nullptr: memory only.
  // What it recovered goes back in with scenario::restore() (restore.hpp) before running.
  nodes::Journal* journal = nullptr;
};

class Simulation {
 public:
  // Throws std::invalid_argument for a Spec the loader should have refused.
  Simulation(const Spec& spec, trace::Sink& sink, std::optional<std::uint64_t> seed = {},
             LiveHooks hooks = {});
  ~Simulation();

  bool step();  // one engine event; false when nothing is left or the time limit is reached
  void run();   // until nothing is left to do or spec.run_for_us has passed

  engine::SimTime now() const { return queue_.now(); }
  engine::Network& net() { return net_; }
  engine::EventQueue& queue() { return queue_; }
  const Spec& spec() const { return spec_; }
  nodes::Mta* mta(const std::string& host);
  nodes::Mda* mda(const std::string& host);
  nodes::Mua* mua(const std::string& host);
  nodes::DnsServer* dns(const std::string& host);
  nodes::WebmailService* webmail(const std::string& host);
  std::size_t total_queued() const;

  // Applies one action now (the script, the GUI's fault menu and tests all come here).
  void apply(const Action& a);

 private:
  struct HostRoles {
    std::unique_ptr<nodes::Mda> mda;
    std::unique_ptr<nodes::Resolver> resolver;
    std::unique_ptr<nodes::Mta> mta;
    std::unique_ptr<nodes::Msa> msa;
    std::unique_ptr<nodes::Mua> mua;
    std::unique_ptr<nodes::DnsServer> dns;
    std::vector<std::unique_ptr<nodes::RetrievalService>> readers;  // POP3/IMAP on the MDA
    std::unique_ptr<nodes::WebmailService> webmail;
  };
  engine::HostId host_or_throw(const std::string& name) const;

  Spec spec_;
  LiveHooks hooks_;
  engine::EventQueue queue_;
  engine::Rng rng_;
  engine::Network net_;
  nodes::World world_;
  std::map<std::string, HostRoles> roles_;
  std::vector<std::unique_ptr<nodes::TelnetClient>> telnets_;  // people typing (telnet action)
};

}  // namespace smtpsim::scenario
