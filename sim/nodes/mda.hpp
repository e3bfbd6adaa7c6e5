// The MDA role: final delivery into the mail store (the seeds' "mailbox"). It adds
// Return-Path: at delivery (RFC 5321 §4.4) and answers the MTA's questions at RCPT time
// (does this user exist? is the mailbox full?). Trusts the MTA for the envelope.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/nodes/world.hpp"
#include "sim/proto/mail/mail_store.hpp"

namespace smtpsim::nodes {

using mail::MailStore;
using mail::StoreResult;

class Journal;
struct RecoveredFolder;

class Mda {
 public:
  Mda(World& world, engine::HostId host, std::set<std::string> domains);

  MailStore& store() { return store_; }
  const MailStore& store() const { return store_; }
  const std::set<std::string>& domains() const { return domains_; }
  bool serves(const std::string& domain) const;
  // "bob@example.com" -> "bob" when the domain is ours and the user exists; "" otherwise.
  std::string user_for(const std::string& address) const;
  StoreResult check(const std::string& address, std::size_t size) const;
  // Stores one copy; traces Delivered (or nothing when refused: the MTA traces that). With a
  // journal the copy is on stable storage first; Unavailable when it cannot be written
  // (last_error() says why) and nothing is stored.
  StoreResult deliver(const std::string& address, const std::string& sender,
                      const std::string& content, const std::string& queue_id);
  const std::string& last_error() const { return last_error_; }
  // Live mode: deliveries, flag changes, expunges and appends go to this journal too.
  void set_journal(Journal* journal) { journal_ = journal; }
  // A folder a journal kept, put back at start (no trace: nothing happened).
  void restore(const std::string& user, const std::string& folder, const RecoveredFolder& kept);
  // Retrieval services subscribe here to hear of every change to the store (IMAP IDLE).
  void watch(std::function<void(const mail::StoreChange&)> fn) {
    watchers_.push_back(std::move(fn));
  }
  engine::HostId host() const { return host_; }
  // Mail readers log in with the mailbox's user name ("bob") or its address.
  void set_password(const std::string& user, std::string password);
  // The user a login name stands for, when it exists and has a password ("" otherwise).
  std::string login_user(const std::string& login) const;
  const std::string* password(const std::string& user) const;

 private:
  World& world_;
  engine::HostId host_;
  std::set<std::string> domains_;
  void on_store_change(const mail::StoreChange& c);
  void journal_change(const mail::StoreChange& c);
  std::optional<std::string> journal_write(const std::string& host, const mail::StoreChange& c);
  MailStore store_;
  std::map<std::string, std::string> passwords_;
  std::uint32_t last_delivered_uid_ = 0;
  Journal* journal_ = nullptr;
  std::string last_error_;
  std::vector<std::function<void(const mail::StoreChange&)>> watchers_;
};

}  // namespace smtpsim::nodes
