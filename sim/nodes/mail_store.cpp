// The mail store.
#include "sim/nodes/mail_store.hpp"

namespace smtpsim::nodes {

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
  f.messages.push_back(StoredMessage{f.uidnext++, 0, now, std::move(content)});
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
  const Mailbox* b = mailbox(user);
  if (!b) return 0;
  std::size_t n = 0;
  auto it = b->folders.find("INBOX");
  if (it != b->folders.end())
    for (const auto& m : it->second.messages) n += (m.flags & kSeen) ? 0 : 1;
  return n;
}

}  // namespace smtpsim::nodes
