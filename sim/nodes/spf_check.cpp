// SPF over the simulated resolver.
#include "sim/nodes/spf_check.hpp"

#include <memory>

namespace smtpsim::nodes {

using mail::spf::Answer;
using mail::spf::QueryType;

Answer spf_answer(const std::optional<dns::Message>& m, QueryType t) {
  Answer a;
  if (!m || (m->flags.rcode != dns::Rcode::NoError && m->flags.rcode != dns::Rcode::NXDomain)) {
    a.status = Answer::Status::TemporaryFailure;  // RFC 7208 §2.6.6: timeout, SERVFAIL, ...
    return a;
  }
  if (m->flags.rcode == dns::Rcode::NXDomain) {
    a.status = Answer::Status::NoSuchDomain;
    return a;
  }
  // Only records of the asked type count (a CNAME the server followed comes first).
  for (const auto& rr : m->answers) {
    if (t == QueryType::A) {
      if (const auto* d = std::get_if<dns::AData>(&rr.data)) a.records.push_back(d->address);
    } else if (t == QueryType::Mx) {
      if (const auto* d = std::get_if<dns::MxData>(&rr.data)) a.records.push_back(d->exchange);
    } else if (const auto* d = std::get_if<dns::TxtData>(&rr.data)) {
      std::string joined;  // RFC 7208 §3.3: the strings are concatenated without spaces
      for (const auto& s : d->strings) joined += s;
      a.records.push_back(std::move(joined));
    }
  }
  return a;
}

namespace {
struct Run : std::enable_shared_from_this<Run> {
  Run(Resolver& r, mail::spf::Request req, std::function<void(const mail::spf::Evaluator&)> d)
      : resolver(r), eval(std::move(req)), done(std::move(d)) {}
  Resolver& resolver;
  mail::spf::Evaluator eval;
  std::function<void(const mail::spf::Evaluator&)> done;

  void step() {
    const auto q = eval.next();
    if (!q) {
      done(eval);
      return;
    }
    const dns::RecordType type = q->type == QueryType::A    ? dns::RecordType::A
                                 : q->type == QueryType::Mx ? dns::RecordType::MX
                                                            : dns::RecordType::TXT;
    resolver.lookup(q->name, type, [self = shared_from_this(), t = q->type](auto m) {
      self->eval.answer(spf_answer(m, t));
      self->step();
    });
  }
};
}  // namespace

void check_spf(Resolver& resolver, mail::spf::Request request,
               std::function<void(const mail::spf::Evaluator&)> done) {
  auto run = std::make_shared<Run>(resolver, std::move(request), std::move(done));
  run->step();
}

}  // namespace smtpsim::nodes
