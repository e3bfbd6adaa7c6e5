// Runs an SPF check (sim/proto/mail/spf.hpp) for a receiving MTA: every query the evaluator
// asks for goes through the host's resolver, so it travels the virtual network as a real DNS
// datagram, shows on the canvas and costs its round trip like any other lookup. The verdict
// comes back through a callback: after the last answer, or at once when no lookup is needed
// (a malformed domain gives "none" without DNS, RFC 7208 §4.3).
// Trusts: the evaluator for SPF, the resolver for DNS (answers are decoded there).
#pragma once

#include <functional>

#include "sim/nodes/resolver.hpp"
#include "sim/proto/mail/spf.hpp"

namespace smtpsim::nodes {

// The evaluator's view of a DNS response to a query of type t (spf::Answer's rules:
// NOERROR -> the records of that type, NXDOMAIN -> NoSuchDomain, anything else or no
// response -> TemporaryFailure).
mail::spf::Answer spf_answer(const std::optional<dns::Message>& m, mail::spf::QueryType t);

void check_spf(Resolver& resolver, mail::spf::Request request,
               std::function<void(const mail::spf::Evaluator&)> done);

}  // namespace smtpsim::nodes
