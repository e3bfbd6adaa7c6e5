// The mail store behind every retrieval protocol: per-user folders (INBOX, Sent, ...) of
// messages with the attributes POP3 and IMAP need (RFC 3501 §2.3: UIDVALIDITY, strictly
// ascending UIDs, flags, sizes, internal dates). One store serves the MDA's SMTP side, POP3
// and IMAP, so a change made through one session is seen through every other: that is what
// "IMAP synchronises" means (RFC 3501 §5.2).
//
// It lives in sim/proto (not sim/nodes) because it is plain data with no clock or network:
// the sans-I/O POP3 and IMAP servers operate on it directly, in the simulation and in live
// mode alike. Trusts its callers for user and folder names (the servers validate them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace smtpsim::mail {

// RFC 3501 §2.3.2 system flags (\Recent is per session and kept by the IMAP server).
enum Flag : unsigned { kSeen = 1, kAnswered = 2, kFlagged = 4, kDeleted = 8, kDraft = 16 };

// `\Seen \Flagged`, or "()" when none: the RFC 3501 spelling, for transcripts.
std::string flags_text(unsigned flags);

struct StoredMessage {
  std::uint32_t uid = 0;
  unsigned flags = 0;
  std::int64_t internal_date = 0;  // microseconds since the Unix epoch (IMAP INTERNALDATE)
  std::string content;             // CRLF line ends, Return-Path: on top when delivered
  std::size_t size() const { return content.size(); }
};

struct Folder {
  std::uint32_t uidvalidity = 1;
  std::uint32_t uidnext = 1;
  std::uint64_t version = 0;  // bumped on every change: sessions re-check only when it moved
  // IMAP \Recent (RFC 3501 §2.3.2): UIDs up to this one were already announced as recent to
  // some session; the first read-write session to see a newer message claims it.
  std::uint32_t imap_recent_upto = 0;
  std::vector<StoredMessage> messages;  // ascending UIDs

  const StoredMessage* find(std::uint32_t uid) const;
  StoredMessage* find(std::uint32_t uid);
};

struct Mailbox {
  std::map<std::string, Folder> folders;  // "INBOX", "Sent"
  std::size_t quota = 0;                  // bytes; 0 = unlimited
  bool forced_full = false;               // the "mailbox full" fault
  std::size_t used() const;
};

// Unavailable: the message could not be written to stable storage (live mode's journal);
// a temporary failure, the MTA keeps it queued (RFC 3463 X.3.0).
enum class StoreResult { Stored, NoSuchUser, MailboxFull, Unavailable };

// What changed, told to the listener after the change is made.
struct StoreChange {
  enum Kind { Delivered, Appended, FlagsChanged, Expunged, Created } kind;  // Created: empty
  const std::string& user;
  const std::string& folder;
  std::uint32_t uid = 0;                    // Delivered, Appended, FlagsChanged
  unsigned old_flags = 0;                   // FlagsChanged
  unsigned new_flags = 0;                   // FlagsChanged, Appended
  std::span<const std::uint32_t> expunged;  // Expunged: the UIDs removed
};

class MailStore {
 public:
  void add_user(const std::string& user, std::size_t quota = 0);
  bool has_user(const std::string& user) const { return boxes_.count(user) > 0; }
  // Would a message of this size fit right now? (452/552 at RCPT or DATA time)
  StoreResult can_accept(const std::string& user, std::size_t size) const;
  StoreResult deliver(const std::string& user, std::string content, std::int64_t now,
                      const std::string& folder = "INBOX");
  void set_full(const std::string& user, bool full);

  Mailbox* mailbox(const std::string& user);
  const Mailbox* mailbox(const std::string& user) const;
  std::vector<std::string> users() const;
  std::size_t unread(const std::string& user) const;

  // --- what POP3 and IMAP sessions do (each bumps the folder's version) ---
  Folder* folder(const std::string& user, const std::string& name);
  const Folder* folder(const std::string& user, const std::string& name) const;
  // Replace a message's flags; false when the user, folder or UID is gone.
  bool set_flags(const std::string& user, const std::string& folder, std::uint32_t uid,
                 unsigned flags);
  // Remove these UIDs (IMAP EXPUNGE, POP3 UPDATE). Returns how many were removed.
  std::size_t expunge(const std::string& user, const std::string& folder,
                      std::span<const std::uint32_t> uids);
  // IMAP APPEND / a client saving to Sent: returns the new UID (nullopt: no such user/folder
  // or the mailbox is full).
  std::optional<std::uint32_t> append(const std::string& user, const std::string& folder,
                                      std::string content, unsigned flags, std::int64_t now);
  bool create_folder(const std::string& user, const std::string& name);
  // Live mode's restart: puts a folder back as a journal kept it (UIDVALIDITY, UIDNEXT,
  // messages with their UIDs and flags), creating the user when needed. Tells no listener:
  // nothing changed, the store only remembers.
  void restore_folder(const std::string& user, const std::string& name, Folder folder);
  // Called after every change: the MDA traces it and wakes IDLE sessions of that user.
  void set_change_listener(std::function<void(const StoreChange&)> f) { listener_ = std::move(f); }

 private:
  void changed(Folder& f, const StoreChange& c);
  std::map<std::string, Mailbox> boxes_;
  std::function<void(const StoreChange&)> listener_;
};

}  // namespace smtpsim::mail
