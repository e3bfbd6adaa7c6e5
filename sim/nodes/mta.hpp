// The MTA role (RFC 5321 §2.3.3, Postfix's smtpd + qmgr + smtp split into one class with
// separate parts): it accepts mail on port 25 for its own domains (and from authenticated or
// submitting clients for anywhere), takes responsibility by queueing it, delivers local
// recipients to its MDA and relays the rest to the MX hosts of their domains, retries with
// Postfix-style backoff after 4xx and connection failures, and returns RFC 3464 bounces to
// the envelope sender after 5xx or when the queue lifetime runs out. A bounce (null sender)
// is never bounced: it is dropped and traced. When told to (set_spf), it checks the SPF policy
// of each MAIL FROM domain arriving on port 25 (RFC 7208) and records the result in a
// Received-SPF: header; in enforce mode it refuses recipients of a "fail".
// Trusts: the SMTP machines for syntax, its MDA for mailboxes, DNS answers as given.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/nodes/mda.hpp"
#include "sim/nodes/resolver.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/nodes/world.hpp"
#include "sim/proto/mail/spf.hpp"

namespace smtpsim::nodes {

// What the MTA does with SPF on port 25 (scenario field "spf").
enum class SpfMode {
  Off,      // no check (the default: every scenario before lesson 11)
  Check,    // evaluate, add Received-SPF: (RFC 7208 §9.1), accept whatever the result
  Enforce,  // as Check, and refuse each RCPT of a "fail" with 550 5.7.23 (RFC 7372 §3.2)
};

struct QueueConfig {  // seconds, REFERENCE.md defaults (Postfix)
  std::int64_t queue_run_delay = 300;
  std::int64_t minimal_backoff = 300;
  std::int64_t maximal_backoff = 4000;
  std::int64_t maximal_queue_lifetime = 5 * 86400;
  std::int64_t bounce_queue_lifetime = 5 * 86400;
  std::optional<std::int64_t> delay_warning;
  int destination_concurrency_limit = 20;  // Postfix default_destination_concurrency_limit
};

struct QueuedRecipient {
  std::string address;
  enum class State { Pending, Delivered, Relayed, Bounced } state = State::Pending;
  int attempts = 0;
  std::string last_error;  // "smtp; 450 4.2.0 ..." or "connection refused by ..."
  std::string status;      // enhanced status of the last error ("4.4.1")
  std::string remote_mta;
};

struct QueueEntry {
  std::string id;
  std::string sender;  // "" = null reverse-path (a bounce)
  std::string content;
  engine::SimTime arrival = 0;
  engine::SimTime next_attempt = 0;
  int attempts = 0;
  bool delay_warned = false;
  bool in_flight = false;
  std::vector<QueuedRecipient> rcpts;
  // Recipients bounced in the current delivery round (indexes into rcpts), for its DSN. Per
  // entry: rounds of different entries overlap (DNS and SMTP are asynchronous).
  std::vector<std::size_t> bounced_this_round;
  // A DSN of this entry could not be journaled: the disk keeps the entry as it was before the
  // round, so a restart makes the bounce again rather than losing it.
  bool journal_stale = false;
  bool done() const;
};

class Journal;
struct JournalEntry;

class Mta : public smtp::ServerPolicy {
 public:
  Mta(World& world, engine::HostId host, std::set<std::string> domains, QueueConfig queue,
      Mda* local_mda, Resolver* resolver);
  ~Mta() override;

  // Port 25 service; the MSA role calls enqueue() directly (same host, like Postfix's
  // pickup -> cleanup -> qmgr path).
  void listen_smtp(std::uint16_t port = 25);

  // Takes responsibility for a message under a queue id from new_queue_id() (so the caller
  // can name it in the Received: line it puts on top) and starts delivery at once. With a
  // journal the entry is on stable storage first; when it cannot be written the reason is
  // returned and nothing is queued (the caller answers 451 4.3.0).
  std::string new_queue_id();
  std::optional<std::string> enqueue(const std::string& id, const std::string& sender,
                                     const std::vector<std::string>& rcpts,
                                     const std::string& content);

  // Live mode: every queue change goes to this journal (nullptr: memory only, as lessons).
  // Before any mail arrives.
  void set_journal(Journal* journal);
  // Puts back an entry a journal recovered at start (it is already on disk) and schedules
  // its next attempt (at once when that time has passed). Queue numbers continue after
  // `ids_reserved` so no id is handed out twice.
  void restore(const JournalEntry& entry, const std::string& content);
  void restore_ids(std::uint64_t ids_reserved);

  // Domains this MTA is a backup MX for (Postfix relay_domains): accepted from anyone on
  // port 25, queued, and forwarded to the domain's better MX hosts.
  void set_relay_domains(std::set<std::string> domains);
  // Before listen_smtp(): whether to check SPF on port 25.
  void set_spf(SpfMode mode) { spf_mode_ = mode; }
  // Relay TLS is opportunistic (STARTTLS when offered, certificate not checked). When the
  // handshake itself fails (only a real server can: live relay), the delivery is tried again
  // at once over a new plaintext connection to the same server, as Postfix does at
  // smtp_tls_security_level=may (RFC 7435 §3: encryption when possible, mail in any case).
  // Off: that server counts as failed (next MX, else deferred), as when TLS is required.
  void set_plaintext_fallback(bool on) { plaintext_fallback_ = on; }

  const std::map<std::string, QueueEntry>& queue() const { return queue_; }
  std::size_t queued_count() const;
  const std::string& hostname() const;
  bool delivers_locally(const std::string& domain) const;

  // ServerPolicy for port 25
  smtp::Decision rcpt_to(const smtp::ServerSession&, const smtp::server_event::RcptTo&) override;

  smtp::Decision message(const smtp::ServerSession&, const smtp::Transaction&) override;

 private:
  struct Attempt;  // one delivery round of one entry
  // The SPF check of the MAIL FROM of one session's current transaction.
  struct SpfOutcome {
    mail::spf::Request request;
    mail::spf::Verdict verdict;
  };
  // RCPT without SPF: local user, relay domain, or relay denied.
  smtp::Decision rcpt_policy(const smtp::ServerSession&, const smtp::server_event::RcptTo&);
  void check_spf(const smtp::ServerSession& s, const smtp::server_event::MailFrom& m,
                 std::function<void()> resume);
  void schedule_attempt(const std::string& id, engine::SimTime at);
  void attempt(const std::string& id);
  void try_domain(std::shared_ptr<Attempt> a, std::string domain, std::vector<std::size_t> idx);
  // `plaintext`: this server's TLS handshake just failed; no STARTTLS this time.
  void try_target(std::shared_ptr<Attempt> a, std::string domain, std::vector<std::size_t> idx,
                  std::vector<MxTarget> targets, std::size_t t, std::string last_error,
                  bool tried = false, bool plaintext = false);
  // One domain of a round is over: free its delivery slot (marking the destination dead
  // when every MX failed without a verdict), then let waiting deliveries go.
  void domain_finished(std::shared_ptr<Attempt> a, const std::string& domain,
                       const std::string& dead_reason = {});
  void domain_done(std::shared_ptr<Attempt> a);
  void finish_round(QueueEntry& e);
  void defer(QueueEntry& e, QueuedRecipient& r, const std::string& error,
             const std::string& status);
  void bounce(QueueEntry& e, QueuedRecipient& r, const std::string& error,
              const std::string& status);
  void send_dsn(QueueEntry& e, const std::vector<std::size_t>& which, bool delayed);
  // Queues an entry already on stable storage (or needing none) and starts its delivery.
  void admit(QueueEntry e);
  // The journal's view of an entry (times in unix microseconds).
  JournalEntry journal_entry(const QueueEntry& e) const;
  // After a round: the journal learns the new state, or that the entry is gone.
  void journal_round(const QueueEntry& e, bool removed);
  void journal_error(const QueueEntry& e, const std::string& what, const std::string& why);
  void trace(trace::EventKind kind, const QueueEntry& e, const std::string& address,
             std::string text, std::string detail = {}, engine::SimTime next_retry = -1);

  World& world_;
  engine::HostId host_;
  std::set<std::string> domains_;
  std::set<std::string> relay_domains_;
  QueueConfig cfg_;
  Mda* mda_;
  Resolver* resolver_;
  std::unique_ptr<SmtpService> smtp_;
  SpfMode spf_mode_ = SpfMode::Off;
  bool plaintext_fallback_ = true;
  std::map<const smtp::ServerSession*, SpfOutcome> spf_;  // per open session
  std::map<std::string, QueueEntry> queue_;
  struct Destination {  // Postfix qmgr's per-destination queue, reduced to what we model
    int in_flight = 0;
    engine::SimTime dead_until = -1;
    std::string dead_reason;
    std::deque<std::function<void()>> waiting;
  };
  std::map<std::string, Destination> dests_;
  std::map<std::uint64_t, std::unique_ptr<SmtpClientConn>> clients_;
  std::uint64_t next_client_ = 0;
  std::uint64_t counter_ = 0;
  Journal* journal_ = nullptr;
  std::uint64_t ids_reserved_ = 0;  // with a journal: numbers up to this one are on disk
};

}  // namespace smtpsim::nodes
