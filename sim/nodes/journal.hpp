// The journal: what the MTA and the MDA tell stable storage, and what a restart gets back.
// The sim only calls this interface; live mode (net/spool) implements it with files and
// fsync, lessons and tests leave it out (nullptr) and nothing is written anywhere.
//
// The contract that matters (RFC 5321 §4.1.1.4 and §6.1): a 250 after the final dot means
// "this server has taken responsibility". So queue_add() and mail_add() return only once the
// data is on stable storage; an error from them makes the caller refuse (451 4.3.0) or defer,
// and keep nothing. Times cross this interface as unix microseconds, because virtual time
// restarts at 0 on every run. Trusts its callers for ids, user and folder names (the MTA makes
// the ids; the POP3/IMAP servers validate folder names); an implementation must still not let
// a name escape its root directory.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/nodes/mta.hpp"
#include "sim/proto/mail/mail_store.hpp"

namespace smtpsim::nodes {

// A queue entry as the journal keeps it: what a restart needs, nothing that lives only in a
// running delivery round (in_flight, bounced_this_round). The content is passed separately
// and only once, at queue_add(): updates never rewrite it.
struct JournalEntry {
  std::string id;
  std::string sender;  // "" = null reverse-path (a bounce)
  std::int64_t arrival_unix_us = 0;
  std::int64_t next_attempt_unix_us = 0;
  int attempts = 0;
  bool delay_warned = false;
  std::vector<QueuedRecipient> rcpts;  // state, attempts, last error per recipient
};

// One stored message as the journal keeps it (internal date in unix microseconds).
struct JournalMessage {
  std::uint32_t uid = 0;
  unsigned flags = 0;
  std::int64_t internal_unix_us = 0;
  std::string content;
};

// What a journal found at start, per host name (the scenario's MTA/MDA hosts).
struct RecoveredFolder {
  std::uint32_t uidvalidity = 1;
  std::uint32_t uidnext = 1;
  std::vector<JournalMessage> messages;  // ascending UIDs
};
struct RecoveredHost {
  std::vector<std::pair<JournalEntry, std::string>> queue;  // entry + content, by id
  std::uint64_t ids_reserved = 0;  // queue numbers up to this one may have been used
  std::map<std::string, std::map<std::string, RecoveredFolder>> mail;  // user -> folder -> ...
};
struct Recovered {
  std::map<std::string, RecoveredHost> hosts;
};

class Journal {
 public:
  virtual ~Journal() = default;

  // ---- the queue of one MTA host ----
  // A new entry: on stable storage when this returns nullopt; otherwise the reason, and
  // nothing of it is kept.
  virtual std::optional<std::string> queue_add(const std::string& host, const JournalEntry& e,
                                               const std::string& content) = 0;
  // Recipient states, attempts, next attempt or errors changed (after a delivery round).
  virtual std::optional<std::string> queue_update(const std::string& host,
                                                  const JournalEntry& e) = 0;
  // Every recipient is done (delivered, relayed or bounced with its DSN journaled).
  virtual std::optional<std::string> queue_remove(const std::string& host,
                                                  const std::string& id) = 0;
  // Queue numbers up to `through` must never be handed out again, even after a restart
  // (ids name messages in Received: and Message-ID:). Called once per block of numbers.
  virtual std::optional<std::string> reserve_ids(const std::string& host,
                                                 std::uint64_t through) = 0;

  // ---- the mailboxes of one MDA host ----
  // A message about to enter a folder (delivery or IMAP APPEND) under m.uid; uidvalidity is
  // the folder's, kept with it so UIDs stay meaningful across restarts (RFC 3501 §2.3.1.1).
  virtual std::optional<std::string> mail_add(const std::string& host, const std::string& user,
                                              const std::string& folder, std::uint32_t uidvalidity,
                                              const JournalMessage& m) = 0;
  virtual std::optional<std::string> mail_flags(const std::string& host, const std::string& user,
                                                const std::string& folder, std::uint32_t uid,
                                                unsigned flags) = 0;
  // Messages removed (IMAP EXPUNGE, POP3 UPDATE at QUIT). uidnext is kept so that UIDs of
  // removed messages are never reused (RFC 3501 §2.3.1.1).
  virtual std::optional<std::string> mail_expunge(const std::string& host, const std::string& user,
                                                  const std::string& folder,
                                                  std::uint32_t uidvalidity, std::uint32_t uidnext,
                                                  std::span<const std::uint32_t> uids) = 0;
  // A new, empty folder (IMAP CREATE), kept so that it survives a restart. By default the
  // same write as expunging nothing: the folder with its UIDVALIDITY and UIDNEXT.
  virtual std::optional<std::string> mail_create(const std::string& host, const std::string& user,
                                                 const std::string& folder,
                                                 std::uint32_t uidvalidity, std::uint32_t uidnext) {
    return mail_expunge(host, user, folder, uidvalidity, uidnext, {});
  }
  // IMAP DELETE: the folder and its messages are gone; a restart must not bring it back.
  // Its inferiors ("Work/2024" when "Work" goes) are not touched.
  virtual std::optional<std::string> mail_delete_folder(const std::string& host,
                                                        const std::string& user,
                                                        const std::string& folder) = 0;
  // IMAP RENAME of one folder (the MDA calls this for the superior, then for each inferior):
  // same UIDVALIDITY, UIDNEXT, messages, UIDs and flags under the new name; never onto a
  // folder that exists. The folder's UIDVALIDITY and UIDNEXT come along so that one never
  // written (still empty) exists under the new name all the same. From INBOX (RFC 3501
  // §6.3.5): INBOX's messages move, under their UIDs, to the new folder (its own new
  // UIDVALIDITY); INBOX stays, empty, with its UIDVALIDITY and UIDNEXT.
  virtual std::optional<std::string> mail_rename_folder(
      const std::string& host, const std::string& user, const std::string& from,
      const std::string& to, std::uint32_t uidvalidity, std::uint32_t uidnext) = 0;
};

}  // namespace smtpsim::nodes
