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
#include <string_view>
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
  // Never reused within a run (the store numbers the folders it makes): a session knows its
  // selected folder again after a RENAME, and knows it is gone after a DELETE even when a
  // folder of the same name was created since.
  std::uint64_t id = 0;
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
  // The highest UIDVALIDITY any folder of this user has had: a new folder gets a higher one,
  // so a name deleted and created again never repeats its old value (RFC 3501 §2.3.1.1).
  std::uint32_t last_uidvalidity = 1;
  std::size_t quota = 0;     // bytes; 0 = unlimited
  bool forced_full = false;  // the "mailbox full" fault
  std::size_t used() const;
};

// Unavailable: the message could not be written to stable storage (live mode's journal);
// a temporary failure, the MTA keeps it queued (RFC 3463 X.3.0).
enum class StoreResult { Stored, NoSuchUser, MailboxFull, Unavailable };

// What changed, told to the listener after the change is made.
struct StoreChange {
  // Created: an empty folder. FolderDeleted: the folder and its messages are gone (IMAP
  // DELETE). FolderRenamed: `folder` is now called `new_name`, same UIDVALIDITY, UIDs and
  // flags (IMAP RENAME; one change per name moved, the inferiors after their superior);
  // from INBOX: its messages (UIDs in `expunged`) moved to the new folder, INBOX stays.
  enum Kind {
    Delivered,
    Appended,
    FlagsChanged,
    Expunged,
    Created,
    FolderDeleted,
    FolderRenamed
  } kind;
  const std::string& user;
  const std::string& folder;
  std::uint32_t uid = 0;                    // Delivered, Appended, FlagsChanged
  unsigned old_flags = 0;                   // FlagsChanged
  unsigned new_flags = 0;                   // FlagsChanged, Appended
  std::span<const std::uint32_t> expunged;  // Expunged, FolderDeleted, FolderRenamed (INBOX)
  std::string_view new_name{};              // FolderRenamed
};

// What DELETE and RENAME found (the IMAP server turns these into RFC 5530 response codes).
enum class FolderResult {
  Done,
  NoSuchUser,
  NonExistent,    // no such mailbox (and no inferiors to rename)
  IsInbox,        // DELETE INBOX (RFC 3501 §6.3.4: an error)
  HasChildren,    // DELETE of a name that is only a superior of others (\Noselect)
  AlreadyExists,  // RENAME onto a mailbox that exists (the target or one of the inferiors')
  UnderItself,    // RENAME Work Work/Old: a name cannot become its own inferior
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
  // A new, empty folder; its UIDVALIDITY is above every one this user's folders had and, as
  // Dovecot does, at least the time of creation in seconds (`now` in unix microseconds), so
  // values keep rising across a live-mode restart too. False: no such user, or it exists.
  bool create_folder(const std::string& user, const std::string& name, std::int64_t now = 0);
  // DELETE (RFC 3501 §6.3.4): the folder and its messages go; inferior names stay, and the
  // name then lives on only as their \Noselect superior (Dovecot's Maildir++ behaviour).
  FolderResult delete_folder(const std::string& user, const std::string& name);
  // RENAME (RFC 3501 §6.3.5): `from` and every inferior "from/..." take the new name, keeping
  // their UIDVALIDITY, UIDs and flags; missing superiors of `to` are created as CREATE does.
  // INBOX is special: its messages move to a new folder `to` (new UIDVALIDITY, same UIDs),
  // INBOX stays, empty, and its inferiors are unaffected.
  FolderResult rename_folder(const std::string& user, const std::string& from,
                             const std::string& to, std::int64_t now = 0);
  // Does `name` have inferior hierarchical names ("Work" for "Work/2024")?
  bool has_inferiors(const std::string& user, const std::string& name) const;
  // The current name of the folder with this id (nullptr: deleted).
  const std::string* folder_name(const std::string& user, std::uint64_t id) const;
  // Live mode's restart: puts a folder back as a journal kept it (UIDVALIDITY, UIDNEXT,
  // messages with their UIDs and flags), creating the user when needed. Tells no listener:
  // nothing changed, the store only remembers.
  void restore_folder(const std::string& user, const std::string& name, Folder folder);
  // Called after every change: the MDA traces it and wakes IDLE sessions of that user.
  void set_change_listener(std::function<void(const StoreChange&)> f) { listener_ = std::move(f); }

 private:
  void changed(Folder& f, const StoreChange& c);
  void notify(const StoreChange& c) {
    if (listener_) listener_(c);
  }
  Folder& make_folder(Mailbox& box, const std::string& name, std::int64_t now);
  std::map<std::string, Mailbox> boxes_;
  std::uint64_t next_folder_id_ = 0;
  std::function<void(const StoreChange&)> listener_;
};

}  // namespace smtpsim::mail
