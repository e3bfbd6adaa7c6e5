// Putting a journal's queue entries and mailboxes back into a Simulation.
#include "sim/scenario/restore.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::scenario {

std::vector<std::string> restore(Simulation& sim, const nodes::Recovered& kept,
                                 std::int64_t unix_now) {
  std::vector<std::string> problems;
  for (const auto& [host, h] : kept.hosts) {
    nodes::Mda* mda = sim.mda(host);
    nodes::Mta* mta = sim.mta(host);
    if (!h.mail.empty() && !mda) {
      problems.push_back(fmt::format(
          "the spool keeps mailboxes of {}, which has no MDA in this scenario: left on disk",
          host));
    } else {
      for (const auto& [user, folders] : h.mail)
        for (const auto& [name, folder] : folders) mda->restore(user, name, folder);
    }
    if (!h.queue.empty() && !mta) {
      problems.push_back(fmt::format(
          "the spool keeps {} queued message(s) of {}, which has no MTA in this scenario: left "
          "on disk",
          h.queue.size(), host));
      continue;
    }
    if (!mta) continue;
    mta->restore_ids(h.ids_reserved);
    for (const auto& [entry, content] : h.queue) mta->restore(entry, content);
  }
  for (const auto& spec_host : sim.spec().hosts) {
    nodes::Mda* mda = sim.mda(spec_host.name);
    if (!mda) continue;
    auto found = kept.hosts.find(spec_host.name);
    for (const auto& user : mda->store().users()) {
      mail::Mailbox* box = mda->store().mailbox(user);
      for (auto& [name, folder] : box->folders) {
        const bool on_disk = found != kept.hosts.end() && found->second.mail.count(user) &&
                             found->second.mail.at(user).count(name);
        if (on_disk) continue;
        // Not kept (never written, or DELETEd before the restart and made again by the
        // scenario, as Sent is): a new mailbox, so a new UIDVALIDITY (RFC 3501 §2.3.1.1).
        folder.uidvalidity = static_cast<std::uint32_t>(unix_now);
        box->last_uidvalidity = std::max(box->last_uidvalidity, folder.uidvalidity);
      }
    }
  }
  return problems;
}

}  // namespace smtpsim::scenario
