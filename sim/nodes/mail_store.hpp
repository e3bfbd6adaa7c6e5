// The MDA's mail store: per-user folders (INBOX, Sent, ...) of messages with the attributes
// POP3 and IMAP need later (RFC 3501 §2.3: UIDVALIDITY, strictly ascending UIDs, flags,
// sizes, internal dates). One store serves every protocol, so a change made through one is
// seen through the others. Trusts its callers for user names (the roles validate addresses).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smtpsim::nodes {

enum Flag : unsigned { kSeen = 1, kAnswered = 2, kFlagged = 4, kDeleted = 8, kDraft = 16 };

struct StoredMessage {
  std::uint32_t uid = 0;
  unsigned flags = 0;
  std::int64_t internal_date = 0;  // virtual microseconds of delivery
  std::string content;             // CRLF line ends, Return-Path: on top
  std::size_t size() const { return content.size(); }
};

struct Folder {
  std::uint32_t uidvalidity = 1;
  std::uint32_t uidnext = 1;
  std::vector<StoredMessage> messages;  // ascending UIDs
};

struct Mailbox {
  std::map<std::string, Folder> folders;  // "INBOX", "Sent"
  std::size_t quota = 0;                  // bytes; 0 = unlimited
  bool forced_full = false;               // the "mailbox full" fault
  std::size_t used() const;
};

enum class StoreResult { Stored, NoSuchUser, MailboxFull };

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

 private:
  std::map<std::string, Mailbox> boxes_;
};

}  // namespace smtpsim::nodes
