// The mail store: plain data plus the few operations retrieval protocols perform on it.
#include "sim/proto/mail/mail_store.hpp"

#include <algorithm>

namespace smtpsim::mail {

std::string flags_text(unsigned flags) {
  static constexpr std::pair<unsigned, const char*> kNames[] = {{kSeen, "\\Seen"},
                                                                {kAnswered, "\\Answered"},
                                                                {kFlagged, "\\Flagged"},
                                                                {kDeleted, "\\Deleted"},
                                                                {kDraft, "\\Draft"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "()" : out;
}

const StoredMessage* Folder::find(std::uint32_t uid) const {
  auto it = std::lower_bound(messages.begin(), messages.end(), uid,
                             [](const StoredMessage& m, std::uint32_t u) { return m.uid < u; });
  return it != messages.end() && it->uid == uid ? &*it : nullptr;
}

StoredMessage* Folder::find(std::uint32_t uid) {
  return const_cast<StoredMessage*>(static_cast<const Folder*>(this)->find(uid));
}

std::size_t Mailbox::used() const {
  std::size_t n = 0;
  for (const auto& [name, f] : folders)
    for (const auto& m : f.messages) n += m.size();
  return n;
}

void MailStore::add_user(const std::string& user, std::size_t quota) {
  auto& box = boxes_[user];
  box.quota = quota;
  box.folders["INBOX"];
  box.folders["Sent"];
}

StoreResult MailStore::can_accept(const std::string& user, std::size_t size) const {
  auto it = boxes_.find(user);
  if (it == boxes_.end()) return StoreResult::NoSuchUser;
  const Mailbox& b = it->second;
  if (b.forced_full || (b.quota > 0 && b.used() + size > b.quota)) return StoreResult::MailboxFull;
  return StoreResult::Stored;
}

StoreResult MailStore::deliver(const std::string& user, std::string content, std::int64_t now,
                               const std::string& folder) {
  const StoreResult ok = can_accept(user, content.size());
  if (ok != StoreResult::Stored) return ok;
  Folder& f = boxes_[user].folders[folder];
  const std::uint32_t uid = f.uidnext++;
  f.messages.push_back(StoredMessage{uid, 0, now, std::move(content)});
  changed(f, StoreChange{StoreChange::Delivered, user, folder, uid});
  return StoreResult::Stored;
}

void MailStore::set_full(const std::string& user, bool full) {
  auto it = boxes_.find(user);
  if (it != boxes_.end()) it->second.forced_full = full;
}

Mailbox* MailStore::mailbox(const std::string& user) {
  auto it = boxes_.find(user);
  return it == boxes_.end() ? nullptr : &it->second;
}

const Mailbox* MailStore::mailbox(const std::string& user) const {
  auto it = boxes_.find(user);
  return it == boxes_.end() ? nullptr : &it->second;
}

std::vector<std::string> MailStore::users() const {
  std::vector<std::string> out;
  for (const auto& [u, b] : boxes_) out.push_back(u);
  return out;
}

std::size_t MailStore::unread(const std::string& user) const {
  const Folder* f = folder(user, "INBOX");
  if (!f) return 0;
  std::size_t n = 0;
  for (const auto& m : f->messages) n += (m.flags & kSeen) ? 0 : 1;
  return n;
}

Folder* MailStore::folder(const std::string& user, const std::string& name) {
  Mailbox* b = mailbox(user);
  if (!b) return nullptr;
  auto it = b->folders.find(name);
  return it == b->folders.end() ? nullptr : &it->second;
}

const Folder* MailStore::folder(const std::string& user, const std::string& name) const {
  const Mailbox* b = mailbox(user);
  if (!b) return nullptr;
  auto it = b->folders.find(name);
  return it == b->folders.end() ? nullptr : &it->second;
}

bool MailStore::set_flags(const std::string& user, const std::string& folder_name,
                          std::uint32_t uid, unsigned flags) {
  Folder* f = folder(user, folder_name);
  StoredMessage* m = f ? f->find(uid) : nullptr;
  if (!m) return false;
  if (m->flags == flags) return true;
  const unsigned old = m->flags;
  m->flags = flags;
  changed(*f, StoreChange{StoreChange::FlagsChanged, user, folder_name, uid, old, flags});
  return true;
}

std::size_t MailStore::expunge(const std::string& user, const std::string& folder_name,
                               std::span<const std::uint32_t> uids) {
  Folder* f = folder(user, folder_name);
  if (!f || uids.empty()) return 0;
  std::vector<std::uint32_t> removed;
  std::erase_if(f->messages, [&](const StoredMessage& m) {
    if (std::find(uids.begin(), uids.end(), m.uid) == uids.end()) return false;
    removed.push_back(m.uid);
    return true;
  });
  if (!removed.empty()) {
    StoreChange c{StoreChange::Expunged, user, folder_name};
    c.expunged = removed;
    changed(*f, c);
  }
  return removed.size();
}

std::optional<std::uint32_t> MailStore::append(const std::string& user,
                                               const std::string& folder_name, std::string content,
                                               unsigned flags, std::int64_t now) {
  Folder* f = folder(user, folder_name);
  if (!f || can_accept(user, content.size()) != StoreResult::Stored) return std::nullopt;
  const std::uint32_t uid = f->uidnext++;
  f->messages.push_back(StoredMessage{uid, flags, now, std::move(content)});
  changed(*f, StoreChange{StoreChange::Appended, user, folder_name, uid, 0, flags});
  return uid;
}

bool MailStore::create_folder(const std::string& user, const std::string& name) {
  Mailbox* b = mailbox(user);
  if (!b || b->folders.count(name)) return false;
  changed(b->folders[name], StoreChange{StoreChange::Created, user, name});
  return true;
}

void MailStore::restore_folder(const std::string& user, const std::string& name, Folder folder) {
  if (!has_user(user)) add_user(user);
  std::sort(folder.messages.begin(), folder.messages.end(),
            [](const StoredMessage& a, const StoredMessage& b) { return a.uid < b.uid; });
  // UIDs only ascend (RFC 3501 §2.3.1.1): never hand out one at or below a kept message's.
  if (!folder.messages.empty())
    folder.uidnext = std::max(folder.uidnext, folder.messages.back().uid + 1);
  Folder& f = boxes_[user].folders[name];
  folder.version = f.version + 1;
  f = std::move(folder);
}

void MailStore::changed(Folder& f, const StoreChange& c) {
  ++f.version;
  if (listener_) listener_(c);
}

}  // namespace smtpsim::mail
