// The MTA: inbound policy, queue, delivery rounds, retry and bounce.
#include "sim/nodes/mta.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/nodes/journal.hpp"
#include "sim/nodes/spf_check.hpp"
#include "sim/proto/mail/dsn.hpp"
#include "sim/proto/mail/headers.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

using trace::EventKind;
using State = QueuedRecipient::State;

namespace {
// Queue numbers are reserved on disk in blocks, so a restart never hands one out twice at the
// cost of one small write per block rather than one per message.
constexpr std::uint64_t kIdBlock = 1024;

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string{} : smtp::to_lower(address.substr(at + 1));
}
}  // namespace

bool QueueEntry::done() const {
  for (const auto& r : rcpts)
    if (r.state == State::Pending) return false;
  return true;
}

struct Mta::Attempt {
  std::string id;
  int outstanding = 0;
};

Mta::Mta(World& world, engine::HostId host, std::set<std::string> domains, QueueConfig queue,
         Mda* local_mda, Resolver* resolver)
    : world_(world), host_(host), cfg_(queue), mda_(local_mda), resolver_(resolver) {
  for (const auto& d : domains) domains_.insert(smtp::to_lower(d));
}

Mta::~Mta() = default;

const std::string& Mta::hostname() const {
  return world_.net.name(host_);
}

bool Mta::delivers_locally(const std::string& domain) const {
  return mda_ && (domains_.count(smtp::to_lower(domain)) || mda_->serves(domain));
}

std::size_t Mta::queued_count() const {
  return queue_.size();
}

void Mta::set_relay_domains(std::set<std::string> domains) {
  relay_domains_.clear();
  for (const auto& d : domains) relay_domains_.insert(smtp::to_lower(d));
}

void Mta::listen_smtp(std::uint16_t port) {
  smtp_ = std::make_unique<SmtpService>(world_.net, host_, port, *this, [this](engine::HostId) {
    smtp::ServerConfig cfg;
    cfg.hostname = hostname();
    cfg.starttls_available = true;  // opportunistic TLS between MTAs (RFC 3207)
    return cfg;
  });
  if (spf_mode_ != SpfMode::Off) {
    smtp_->set_mail_gate([this](const smtp::ServerSession& s, const smtp::server_event::MailFrom& m,
                                std::function<void()> resume) { check_spf(s, m, resume); });
    smtp_->set_session_end([this](const smtp::ServerSession& s) { spf_.erase(&s); });
  }
}

std::string Mta::new_queue_id() {
  // Postfix-like short hex ids, unique per host and deterministic per run.
  ++counter_;
  if (journal_ && counter_ > ids_reserved_) {
    const std::uint64_t through = counter_ + kIdBlock - 1;
    if (auto err = journal_->reserve_ids(hostname(), through)) {
      world_.net.trace(trace::Event{
          .kind = EventKind::Note,
          .host = hostname(),
          .text = fmt::format("{}: cannot reserve queue ids on disk: {}", hostname(), *err),
          .detail = "error"});
    } else {
      ids_reserved_ = through;
    }
  }
  return fmt::format("{:X}{:05X}", host_ % 16 + 1, counter_);
}

void Mta::set_journal(Journal* journal) {
  journal_ = journal;
}

void Mta::restore_ids(std::uint64_t ids_reserved) {
  counter_ = std::max(counter_, ids_reserved);
  ids_reserved_ = std::max(ids_reserved_, ids_reserved);
}

JournalEntry Mta::journal_entry(const QueueEntry& e) const {
  const std::int64_t epoch_us = world_.epoch_unix * engine::kSecond;
  return JournalEntry{
      e.id,           e.sender, epoch_us + e.arrival, epoch_us + e.next_attempt, e.attempts,
      e.delay_warned, e.rcpts};
}

void Mta::journal_error(const QueueEntry& e, const std::string& what, const std::string& why) {
  world_.net.trace(trace::Event{.kind = EventKind::Note,
                                .host = hostname(),
                                .text = fmt::format("{}: {} {}: {}", hostname(), what, e.id, why),
                                .detail = "error",
                                .message_id = e.id});
}

void Mta::journal_round(const QueueEntry& e, bool removed) {
  if (!journal_ || e.journal_stale) return;
  auto err = removed ? journal_->queue_remove(hostname(), e.id)
                     : journal_->queue_update(hostname(), journal_entry(e));
  // The entry on disk stays as it was: a restart repeats this round (a recipient may get a
  // second copy) but loses nothing.
  if (err) journal_error(e, removed ? "cannot remove from the spool" : "cannot update", *err);
}

void Mta::restore(const JournalEntry& j, const std::string& content) {
  const std::int64_t epoch_us = world_.epoch_unix * engine::kSecond;
  QueueEntry e;
  e.id = j.id;
  e.sender = j.sender;
  e.content = content;
  e.arrival = j.arrival_unix_us - epoch_us;
  e.next_attempt = std::max(world_.now(), j.next_attempt_unix_us - epoch_us);
  e.attempts = j.attempts;
  e.delay_warned = j.delay_warned;
  e.rcpts = j.rcpts;
  std::string list, pending;
  for (const auto& r : e.rcpts) {
    if (r.state != State::Pending) continue;
    list += (list.empty() ? "<" : ", <") + r.address + ">";
    pending += (pending.empty() ? "" : ",") + r.address;
  }
  // Queued, as at arrival, so every observer (queue view, lesson checks) sees it waiting.
  trace(EventKind::Queued, e, pending.find(',') == std::string::npos ? pending : std::string{},
        fmt::format("restored {} from the spool: from <{}> to {} ({} bytes)", e.id, e.sender, list,
                    content.size()),
        pending);
  const std::string id = e.id;
  const engine::SimTime at = e.next_attempt;
  queue_[id] = std::move(e);
  schedule_attempt(id, at);
}

void Mta::trace(EventKind kind, const QueueEntry& e, const std::string& address, std::string text,
                std::string detail, engine::SimTime next_retry) {
  world_.net.trace(trace::Event{.kind = kind,
                                .host = hostname(),
                                .text = std::move(text),
                                .detail = std::move(detail),
                                .message_id = e.id,
                                .address = address,
                                .next_retry = next_retry});
}

// ---- inbound (port 25) -----------------------------------------------------------------

// ---- SPF (RFC 7208) ----------------------------------------------------------------------

// At MAIL FROM, when both identities are known (§2.4: the MAIL FROM identity, or
// postmaster@<HELO> for the null reverse-path). The session waits for the lookups, so the
// 250 to MAIL comes one DNS round trip (or several) later, as behind a real policy server.
void Mta::check_spf(const smtp::ServerSession& s, const smtp::server_event::MailFrom& m,
                    std::function<void()> resume) {
  mail::spf::Request req{s.config().client_address, m.sender.str(), s.helo_name()};
  const std::string me = hostname();
  world_.net.trace(trace::Event{
      .kind = EventKind::Note,
      .host = me,
      .proto = "SPF",
      .text =
          fmt::format("{}: SPF check (RFC 7208): may {} send mail from <{}>?", me, req.client_ip,
                      req.sender.empty() ? "postmaster@" + req.helo : req.sender)});
  auto record = [this, me, req, session = &s, resume](const mail::spf::Verdict& v) {
    using mail::spf::Result;
    const bool error =
        v.result == Result::None || v.result == Result::TempError || v.result == Result::PermError;
    const std::string how =
        error ? v.problem
        : v.mechanism == "default"
            ? "no mechanism matched"
            : fmt::format("matched \"{}\" in the policy of {}", v.mechanism, v.domain);
    world_.net.trace(trace::Event{
        .kind = EventKind::Note,
        .host = me,
        .proto = "SPF",
        .text = fmt::format("{}: SPF {} for <{}> from {}{}", me, mail::spf::result_name(v.result),
                            v.sender, req.client_ip, how.empty() ? "" : " (" + how + ")"),
        .detail = std::string(mail::spf::result_name(v.result)),
        .address = v.sender});
    spf_[session] = SpfOutcome{req, v};
    resume();
  };
  if (!resolver_) {
    mail::spf::Verdict v;
    v.result = mail::spf::Result::TempError;
    v.identity = "mailfrom";
    v.sender = req.sender.empty() ? "postmaster@" + req.helo : req.sender;
    v.problem = "no DNS resolver configured";
    record(v);
    return;
  }
  nodes::check_spf(*resolver_, req,
                   [record](const mail::spf::Evaluator& e) { record(e.verdict()); });
}

smtp::Decision Mta::rcpt_to(const smtp::ServerSession& s, const smtp::server_event::RcptTo& r) {
  smtp::Decision d = rcpt_policy(s, r);
  if (!d.accept || spf_mode_ != SpfMode::Enforce) return d;
  auto it = spf_.find(&s);
  if (it == spf_.end() || it->second.verdict.result != mail::spf::Result::Fail) return d;
  // RFC 7208 §8.4: a receiver that rejects a "fail" SHOULD answer 550; RFC 7372 §3.2 gives
  // it the enhanced code 5.7.23. Refused per recipient, at RCPT, as Postfix does with
  // policyd-spf in smtpd_recipient_restrictions (its text, too). Only "fail" is refused
  // (policyd-spf's defaults): softfail, neutral, none and the errors are accepted and marked.
  const auto& o = it->second;
  return smtp::Decision::no(smtp::Reply{
      550, "5.7.23",
      fmt::format("<{}>: Recipient address rejected: Message rejected due to: SPF fail - not "
                  "authorized ({} does not designate {} as permitted sender)",
                  smtp::sanitize(r.recipient.str(), 300), o.verdict.domain, o.request.client_ip)});
}

smtp::Decision Mta::rcpt_policy(const smtp::ServerSession& s, const smtp::server_event::RcptTo& r) {
  const smtp::Address& a = r.recipient;
  const std::string addr = a.is_bare_postmaster() ? "postmaster@" + hostname() : a.str();
  const std::string domain = a.is_bare_postmaster() ? std::string{} : smtp::to_lower(a.domain);
  if (a.is_bare_postmaster()) return smtp::Decision::yes();  // RFC 5321 §4.5.1
  if (delivers_locally(domain)) {
    switch (mda_->check(addr, 0)) {
      case StoreResult::NoSuchUser:
        return smtp::Decision::no(
            smtp::Reply{550, "5.1.1",
                        fmt::format("<{}>: Recipient address rejected: User unknown",
                                    smtp::sanitize(addr, 300))});
      case StoreResult::MailboxFull:
        return smtp::Decision::no(smtp::Reply{
            452, "4.2.2", fmt::format("<{}>: Mailbox full", smtp::sanitize(addr, 300))});
      case StoreResult::Unavailable:  // check() never writes; here for completeness
        return smtp::Decision::no(smtp::Reply{451, "4.3.0", "Error: local error in processing"});
      case StoreResult::Stored:
        return smtp::Decision::yes();
    }
  }
  if (s.authenticated() || relay_domains_.count(domain)) return smtp::Decision::yes();
  // Not ours and not a client of ours: no open relay (RFC 5321 §7.1, REFERENCE.md).
  return smtp::Decision::no(smtp::Reply{
      554, "5.7.1", fmt::format("<{}>: Relay access denied", smtp::sanitize(addr, 300))});
}

smtp::Decision Mta::message(const smtp::ServerSession& s, const smtp::Transaction& tx) {
  const std::string id = new_queue_id();
  std::vector<std::string> rcpts;
  for (const auto& r : tx.recipients) {
    rcpts.push_back(r.is_bare_postmaster() ? "postmaster@" + hostname() : r.str());
  }
  mail::ReceivedInfo info{s.helo_name(),
                          s.config().client_address,
                          hostname(),
                          mail::with_protocol(s.used_ehlo(), s.tls_active(), s.authenticated()),
                          id,
                          rcpts.size() == 1 ? rcpts.front() : std::string{},
                          world_.unix_now()};
  std::string trace_headers = mail::received_header(info);
  if (auto it = spf_.find(&s); it != spf_.end()) {
    // RFC 7208 §9.1: Received-SPF goes on top, above this receiver's own Received: field.
    const std::string spf =
        mail::spf::received_spf(it->second.verdict, it->second.request, hostname());
    trace_headers = spf + trace_headers;
    std::string one_line;  // unfolded (RFC 5322 §2.2.3) for the transcript
    for (std::size_t i = 0; i + 2 <= spf.size(); ++i) {
      if (spf.compare(i, 2, "\r\n") == 0) {
        ++i;
        continue;
      }
      one_line += spf[i] == '\t' ? ' ' : spf[i];
    }
    world_.net.trace(trace::Event{.kind = EventKind::Note,
                                  .host = hostname(),
                                  .proto = "SPF",
                                  .text = fmt::format("{}: {}: added {}", hostname(), id, one_line),
                                  .message_id = id});
  }
  if (enqueue(id, tx.sender.str(), rcpts, trace_headers + tx.content)) {
    // Not on disk, so not our responsibility: the client keeps the message and retries
    // (RFC 5321 §4.2.5, 451 "local error in processing"; Postfix's wording).
    return smtp::Decision::no(
        smtp::Reply{451, "4.3.0", "Error: queue file write error, try again later"});
  }
  return {true, smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as {}", id)}};
}

// ---- the queue -------------------------------------------------------------------------

std::optional<std::string> Mta::enqueue(const std::string& id, const std::string& sender,
                                        const std::vector<std::string>& rcpts,
                                        const std::string& content) {
  QueueEntry e;
  e.id = id;
  e.sender = sender;
  e.content = content;
  e.arrival = world_.now();
  e.next_attempt = world_.now();
  for (const auto& r : rcpts) e.rcpts.push_back(QueuedRecipient{r});
  // RFC 5321 §6.1: once the 250 is out the message must survive a crash, so it is on disk
  // before anyone hears "queued".
  if (journal_) {
    if (auto err = journal_->queue_add(hostname(), journal_entry(e), content)) {
      journal_error(e, "cannot queue", *err);
      return err;
    }
  }
  admit(std::move(e));
  return std::nullopt;
}

void Mta::admit(QueueEntry e) {
  const auto& rcpts = e.rcpts;
  std::string list;
  for (const auto& r : rcpts) list += (list.empty() ? "<" : ", <") + r.address + ">";
  std::string all;  // detail: every recipient, so observers can follow each one
  for (const auto& r : rcpts) all += (all.empty() ? "" : ",") + r.address;
  trace(EventKind::Queued, e, rcpts.size() == 1 ? rcpts.front().address : std::string{},
        fmt::format("queued {} from <{}> to {} ({} bytes)", e.id, e.sender, list, e.content.size()),
        all);
  const std::string id = e.id;
  queue_[id] = std::move(e);
  schedule_attempt(id, world_.now());
}

void Mta::schedule_attempt(const std::string& id, engine::SimTime at) {
  queue_[id].next_attempt = at;
  world_.queue.schedule_at(at, [this, id] { attempt(id); });
}

void Mta::attempt(const std::string& id) {
  auto it = queue_.find(id);
  if (it == queue_.end() || it->second.in_flight) return;
  QueueEntry& e = it->second;
  if (!world_.net.host_up(host_)) {
    // A host that is down runs no queue manager; look again at the next queue run.
    schedule_attempt(id, world_.now() + cfg_.queue_run_delay * engine::kSecond);
    return;
  }
  e.in_flight = true;
  ++e.attempts;
  // Fixed: this list used to be one member of the Mta shared by all entries, so a round
  // starting while another entry's round waited for DNS or SMTP cleared (or later took) the
  // other entry's bounces: DSNs went missing or named the wrong recipients.
  e.bounced_this_round.clear();
  auto a = std::make_shared<Attempt>();
  a->id = id;
  a->outstanding = 1;  // held until every domain has been started

  std::map<std::string, std::vector<std::size_t>> remote;
  for (std::size_t i = 0; i < e.rcpts.size(); ++i) {
    QueuedRecipient& r = e.rcpts[i];
    if (r.state != State::Pending) continue;
    ++r.attempts;
    const std::string domain = domain_of(r.address);
    if (delivers_locally(domain)) {
      // The seeds' "same domain" shortcut: no SMTP, a hand-over to the MDA on this host.
      switch (mda_->deliver(r.address, e.sender, e.content, e.id)) {
        case StoreResult::Stored:
          r.state = State::Delivered;
          break;
        case StoreResult::NoSuchUser:
          bounce(e, r, "x-local; user unknown", "5.1.1");
          break;
        case StoreResult::MailboxFull:
          defer(e, r, "x-local; mailbox full", "4.2.2");
          break;
        case StoreResult::Unavailable:
          defer(e, r, "x-local; cannot write the mailbox: " + mda_->last_error(), "4.3.0");
          break;
      }
    } else {
      remote[domain].push_back(i);
    }
  }
  for (auto& [domain, idx] : remote) {
    ++a->outstanding;
    try_domain(a, domain, idx);
  }
  domain_done(a);
}

void Mta::try_domain(std::shared_ptr<Attempt> a, std::string domain, std::vector<std::size_t> idx) {
  auto found = queue_.find(a->id);
  if (found == queue_.end()) return;
  QueueEntry& e = found->second;
  // Postfix qmgr: a destination that just failed every connection is "dead" for
  // minimal_backoff_time; its mail is deferred without a try ("delivery temporarily
  // suspended"). At most destination_concurrency_limit deliveries run at once per domain;
  // the rest wait their turn (and find out whether the destination died meanwhile).
  Destination& d = dests_[domain];
  if (d.dead_until > world_.now()) {
    for (auto i : idx)
      defer(e, e.rcpts[i], "delivery temporarily suspended: " + d.dead_reason, "4.4.1");
    domain_done(a);
    return;
  }
  if (d.in_flight >= cfg_.destination_concurrency_limit) {
    d.waiting.push_back([this, a, domain, idx] { try_domain(a, domain, idx); });
    return;
  }
  ++d.in_flight;
  trace(EventKind::Attempt, e, "", fmt::format("looking up the mail servers of {}", domain));
  if (!resolver_) {
    for (auto i : idx) defer(e, e.rcpts[i], "no DNS resolver configured", "4.4.3");
    domain_finished(a, domain);
    return;
  }
  resolver_->resolve_mx(domain, [this, a, domain, idx](MxAnswer ans) {
    auto it = queue_.find(a->id);
    if (it == queue_.end()) return;
    QueueEntry& e = it->second;
    switch (ans.status) {
      case MxAnswer::Status::NoSuchDomain:
        for (auto i : idx)
          bounce(e, e.rcpts[i], fmt::format("x-dns; Host or domain name not found: {}", domain),
                 "5.1.2");
        domain_finished(a, domain);
        return;
      case MxAnswer::Status::NullMx:
        for (auto i : idx)
          bounce(e, e.rcpts[i],
                 fmt::format("x-dns; {} accepts no mail (null MX, RFC 7505)", domain), "5.1.10");
        domain_finished(a, domain);
        return;
      case MxAnswer::Status::TemporaryFailure:
        for (auto i : idx)
          defer(e, e.rcpts[i], fmt::format("x-dns; lookup of {} failed for now", domain), "4.4.3");
        domain_finished(a, domain);
        return;
      case MxAnswer::Status::Ok:
        break;
    }
    // Fixed: RFC 5321 §5.1 — when this host is in the list, drop it and every MX whose
    // preference is not better than ours *before* trying any: equal-preference peers may
    // have been shuffled ahead of us, and two equal backup MX hosts used to pass a message
    // back and forth (a relay loop) while the primary was unreachable.
    int own = -1;
    for (const auto& t : ans.targets) {
      if (!t.address.empty() && world_.net.find(t.address) == host_ &&
          (own < 0 || t.preference < own)) {
        own = t.preference;
      }
    }
    if (own >= 0) {
      std::erase_if(ans.targets, [own](const MxTarget& t) { return t.preference >= own; });
      if (ans.targets.empty()) {
        try_target(a, domain, idx, {}, 0,
                   fmt::format("no MX of {} better than this host is reachable", domain));
        return;
      }
    }
    try_target(a, domain, idx, ans.targets, 0, "");
  });
}

void Mta::try_target(std::shared_ptr<Attempt> a, std::string domain, std::vector<std::size_t> idx,
                     std::vector<MxTarget> targets, std::size_t t, std::string last_error,
                     bool tried, bool plaintext) {
  auto it = queue_.find(a->id);
  if (it == queue_.end()) return;
  QueueEntry& e = it->second;
  // Skip targets we cannot use (no address, unknown address). Finding ourselves in the list
  // ends it: RFC 5321 §5.1 says to discard our own entry and every MX with a preference at
  // least as high — a backup MX only ever forwards to better ones, which prevents loops.
  while (t < targets.size()) {
    const engine::HostId h =
        targets[t].address.empty() ? -1 : world_.net.find_or_outside(targets[t].address);
    if (h == host_) {
      if (last_error.empty()) {
        last_error = fmt::format("no MX of {} better than this host is reachable", domain);
      }
      t = targets.size();
      break;
    }
    if (h >= 0) break;
    last_error = fmt::format("no address for {}", targets[t].host);
    ++t;
  }
  if (t >= targets.size()) {
    for (auto i : idx) {
      defer(e, e.rcpts[i], last_error.empty() ? "no mail server to try" : last_error, "4.4.1");
    }
    domain_finished(a, domain, tried ? last_error : std::string());
    return;
  }
  const engine::HostId to = world_.net.find_or_outside(targets[t].address);
  smtp::OutgoingMessage m;
  m.sender = e.sender;
  for (auto i : idx) m.recipients.push_back(e.rcpts[i].address);
  m.content = e.content;
  smtp::ClientConfig cfg;
  cfg.helo_name = hostname();
  cfg.tls = plaintext ? smtp::TlsMode::None : smtp::TlsMode::StartTlsIfOffered;

  struct Outcome {
    bool handled = false;
    std::string error;
    std::string tls_error;  // the real TLS handshake failed (live relay)
  };
  auto outcome = std::make_shared<Outcome>();
  const std::uint64_t key = ++next_client_;
  const std::string remote = targets[t].host;
  trace(EventKind::Attempt, e, "",
        fmt::format("connecting to {} (MX {} of {})", remote, targets[t].preference, domain));
  SmtpClientConn::Callbacks cb;
  cb.message_done = [this, a, idx, remote, outcome](const smtp::MessageResult& res) {
    auto it2 = queue_.find(a->id);
    if (it2 == queue_.end()) return;
    QueueEntry& e2 = it2->second;
    outcome->handled = true;
    for (std::size_t k = 0; k < idx.size() && k < res.recipients.size(); ++k) {
      QueuedRecipient& r = e2.rcpts[idx[k]];
      const auto& rr = res.recipients[k];
      r.remote_mta = remote;
      const std::string diag = fmt::format("smtp; {}", rr.reply.summary());
      const std::string status =
          rr.reply.enhanced.empty() ? fmt::format("{}.0.0", rr.reply.klass()) : rr.reply.enhanced;
      switch (rr.status) {
        case smtp::RecipientStatus::Accepted:
          r.state = State::Relayed;
          trace(EventKind::Relayed, e2, r.address,
                fmt::format("relayed to {}: {}", remote, rr.reply.summary()));
          break;
        case smtp::RecipientStatus::Temporary:
          defer(e2, r, diag, status);
          break;
        case smtp::RecipientStatus::Permanent:
          bounce(e2, r, diag, status);
          break;
      }
    }
  };
  cb.failed = [outcome](std::string reason, std::optional<smtp::Reply> reply, bool) {
    if (outcome->error.empty()) {
      outcome->error = reply ? fmt::format("{} ({})", reason, reply->summary()) : reason;
    }
  };
  cb.tls_failed = [this, a, remote, outcome, plaintext](const std::string& why) {
    if (outcome->error.empty()) outcome->error = "TLS handshake failed: " + why;
    outcome->tls_error = why;
    auto it2 = queue_.find(a->id);
    if (it2 == queue_.end()) return;
    const bool again = plaintext_fallback_ && !plaintext;
    trace(EventKind::Note, it2->second, "",
          fmt::format("{}: {}: TLS handshake with {} failed ({}){}", hostname(), a->id, remote, why,
                      again ? "; trying it again at once without TLS (opportunistic TLS, "
                              "RFC 7435 §3)"
                            : ""),
          "error");
  };
  cb.finished = [this, a, domain, idx, targets, t, key, outcome, last_error, tried, plaintext]() {
    clients_.erase(key);
    if (outcome->handled) {
      domain_finished(a, domain);
      return;
    }
    // Postfix (smtp_connect.c): "When an opportunistic TLS handshake fails, try the same
    // address again, with TLS disabled" -- the same attempt, no deferral, no next MX first.
    if (!outcome->tls_error.empty() && plaintext_fallback_ && !plaintext) {
      try_target(a, domain, idx, targets, t, last_error, tried, /*plaintext=*/true);
      return;
    }
    // No verdict from this server: try the next MX (RFC 5321 §5.1).
    try_target(a, domain, idx, targets, t + 1,
               outcome->error.empty() ? "connection lost" : outcome->error, true);
  };
  auto conn = std::make_unique<SmtpClientConn>(world_.net, host_, to, 25, cfg,
                                               std::vector<smtp::OutgoingMessage>{std::move(m)},
                                               std::move(cb));
  SmtpClientConn* raw = conn.get();
  raw->set_server_name(remote);
  clients_[key] = std::move(conn);
  raw->start();
}

void Mta::domain_finished(std::shared_ptr<Attempt> a, const std::string& domain,
                          const std::string& dead_reason) {
  Destination& d = dests_[domain];
  --d.in_flight;
  if (!dead_reason.empty()) {
    d.dead_until = world_.now() + cfg_.minimal_backoff * engine::kSecond;
    d.dead_reason = dead_reason;
  }
  domain_done(a);
  while (d.in_flight < cfg_.destination_concurrency_limit && !d.waiting.empty()) {
    auto next = std::move(d.waiting.front());
    d.waiting.pop_front();
    next();
  }
}

void Mta::domain_done(std::shared_ptr<Attempt> a) {
  if (--a->outstanding > 0) return;
  auto it = queue_.find(a->id);
  if (it == queue_.end()) return;
  finish_round(it->second);
}

void Mta::defer(QueueEntry&, QueuedRecipient& r, const std::string& error,
                const std::string& status) {
  // RFC 3464 §2.3.6: a diagnostic names its type; ours for non-SMTP failures is x-smtpsim.
  r.last_error = error.find("; ") == std::string::npos ? "x-smtpsim; " + error : error;
  r.status = status;
}

void Mta::bounce(QueueEntry& e, QueuedRecipient& r, const std::string& error,
                 const std::string& status) {
  r.state = State::Bounced;
  r.last_error = error;
  r.status = status;
  trace(EventKind::Bounced, e, r.address, fmt::format("bounced <{}>: {}", r.address, error),
        status);
  for (std::size_t i = 0; i < e.rcpts.size(); ++i)
    if (&e.rcpts[i] == &r) e.bounced_this_round.push_back(i);
}

void Mta::finish_round(QueueEntry& e) {
  e.in_flight = false;
  const std::string id = e.id;
  std::vector<std::size_t> failed = std::move(e.bounced_this_round);
  e.bounced_this_round.clear();

  const engine::SimTime age = world_.now() - e.arrival;
  const std::int64_t lifetime =
      (e.sender.empty() ? cfg_.bounce_queue_lifetime : cfg_.maximal_queue_lifetime) *
      engine::kSecond;
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < e.rcpts.size(); ++i)
    if (e.rcpts[i].state == State::Pending) pending.push_back(i);

  if (!pending.empty() && age >= lifetime) {
    for (auto i : pending) {
      QueuedRecipient& r = e.rcpts[i];
      r.state = State::Bounced;
      // The DSN's Diagnostic-Code stays the last error (it carries its own type, RFC 3464
      // §2.3.6); Status 4.4.7 says that time ran out.
      r.status = "4.4.7";
      trace(EventKind::Bounced, e, r.address,
            fmt::format("bounced <{}>: gave up after {} in the queue", r.address,
                        engine::format_time(age).substr(1)),
            "4.4.7");
      failed.push_back(i);
    }
    pending.clear();
  }
  if (!failed.empty()) send_dsn(e, failed, false);

  if (!pending.empty()) {
    // Postfix backoff: the next try comes after about the message's age (so the age
    // doubles), kept within [minimal_backoff, maximal_backoff].
    std::int64_t interval =
        std::clamp<std::int64_t>(age / engine::kSecond, cfg_.minimal_backoff, cfg_.maximal_backoff);
    const engine::SimTime next = world_.now() + interval * engine::kSecond;
    for (auto i : pending) {
      const QueuedRecipient& r = e.rcpts[i];
      trace(EventKind::Deferred, e, r.address,
            fmt::format("deferred <{}>: {}", r.address, r.last_error), r.status, next);
    }
    if (cfg_.delay_warning && !e.delay_warned && age >= *cfg_.delay_warning * engine::kSecond &&
        !e.sender.empty()) {
      e.delay_warned = true;
      send_dsn(e, pending, true);
    }
    schedule_attempt(id, next);
    journal_round(e, false);
    return;
  }
  journal_round(e, true);
  queue_.erase(id);
}

void Mta::send_dsn(QueueEntry& e, const std::vector<std::size_t>& which, bool delayed) {
  if (e.sender.empty()) {
    // RFC 5321 §4.5.5 / RFC 3464: never send a bounce about a bounce.
    for (auto i : which) {
      trace(EventKind::Dropped, e, e.rcpts[i].address,
            "undeliverable bounce dropped (null sender: a bounce is never bounced)");
    }
    return;
  }
  mail::DsnInput in;
  in.reporting_mta = hostname();
  in.original_envelope_sender = e.sender;
  in.arrival_date = world_.epoch_unix + e.arrival / engine::kSecond;
  in.dsn_date = world_.unix_now();
  const std::string id = new_queue_id();
  in.message_id_of_dsn = fmt::format("{}@{}", id, hostname());
  in.original_message = e.content;
  in.postmaster = fmt::format("MAILER-DAEMON@{}", hostname());
  in.boundary = fmt::format("{}.{}/{}", id, e.id, hostname());
  for (auto i : which) {
    const QueuedRecipient& r = e.rcpts[i];
    mail::DsnRecipient d;
    d.final_recipient = r.address;
    d.action = delayed ? mail::DsnAction::Delayed : mail::DsnAction::Failed;
    d.status = r.status.empty() ? (delayed ? "4.0.0" : "5.0.0") : r.status;
    // An expired message keeps its transient status (4.4.7, or the last 4.x.x) with
    // Action: failed: RFC 3463 §3.5 calls X.4.7 "useful only as a persistent transient
    // error", and Postfix reports expiry the same way.
    if (!r.remote_mta.empty()) d.remote_mta = r.remote_mta;
    if (!r.last_error.empty()) d.diagnostic_code = r.last_error;
    d.last_attempt = world_.unix_now();
    if (delayed) {
      d.will_retry_until =
          world_.epoch_unix + (e.arrival / engine::kSecond) + cfg_.maximal_queue_lifetime;
    }
    in.recipients.push_back(std::move(d));
  }
  const std::string dsn = mail::build_dsn(in);
  trace(delayed ? EventKind::DelayWarned : EventKind::DsnSent, e, e.sender,
        fmt::format("{} notice {} sent to <{}>", delayed ? "delay" : "bounce", id, e.sender));
  if (enqueue(id, "", {e.sender}, dsn)) {
    // The DSN is not on disk: deliver it from memory anyway, and leave the original entry on
    // disk as it was before this round, so a restart makes the DSN again instead of losing it.
    e.journal_stale = true;
    QueueEntry d;
    d.id = id;
    d.content = dsn;
    d.arrival = world_.now();
    d.next_attempt = world_.now();
    d.rcpts.push_back(QueuedRecipient{e.sender});
    admit(std::move(d));
  }
}

}  // namespace smtpsim::nodes
