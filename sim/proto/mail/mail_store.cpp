// The mail store: plain data plus the few operations retrieval protocols perform on it.
#include "sim/proto/mail/mail_store.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

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
  for (const char* name : {"INBOX", "Sent"}) {
    Folder& f = box.folders[name];
    if (!f.id) f.id = ++next_folder_id_;
  }
}

Folder& MailStore::make_folder(Mailbox& box, const std::string& name, std::int64_t now) {
  // RFC 3501 §2.3.1.1: a mailbox created again under an old name must not get the old
  // UIDVALIDITY. Above every value this user had, and at least the time in seconds like
  // Dovecot, so that a restart (which forgets deleted folders) still cannot repeat one.
  std::uint32_t v = box.last_uidvalidity + 1;
  const std::int64_t secs = now / 1'000'000;
  if (secs > v && secs <= static_cast<std::int64_t>(UINT32_MAX))
    v = static_cast<std::uint32_t>(secs);
  if (v == 0) v = 1;  // nz-number (RFC 3501 §9)
  box.last_uidvalidity = v;
  Folder& f = box.folders[name];
  f = Folder{};
  f.id = ++next_folder_id_;
  f.uidvalidity = v;
  return f;
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
  if (!f.id) f.id = ++next_folder_id_;
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

bool MailStore::create_folder(const std::string& user, const std::string& name, std::int64_t now) {
  Mailbox* b = mailbox(user);
  if (!b || b->folders.count(name)) return false;
  changed(make_folder(*b, name, now), StoreChange{StoreChange::Created, user, name});
  return true;
}

bool MailStore::has_inferiors(const std::string& user, const std::string& name) const {
  const Mailbox* b = mailbox(user);
  if (!b) return false;
  const std::string prefix = name + "/";
  auto it = b->folders.lower_bound(prefix);
  return it != b->folders.end() && it->first.starts_with(prefix);
}

const std::string* MailStore::folder_name(const std::string& user, std::uint64_t id) const {
  const Mailbox* b = mailbox(user);
  if (!b) return nullptr;
  for (const auto& [name, f] : b->folders)
    if (f.id == id) return &name;
  return nullptr;
}

FolderResult MailStore::delete_folder(const std::string& user, const std::string& name) {
  Mailbox* b = mailbox(user);
  if (!b) return FolderResult::NoSuchUser;
  if (name == "INBOX") return FolderResult::IsInbox;
  auto it = b->folders.find(name);
  if (it == b->folders.end()) {
    // Only a superior of other names (LIST shows it \Noselect): RFC 3501 §6.3.4 makes
    // deleting it an error; the inferiors must go first.
    return has_inferiors(user, name) ? FolderResult::HasChildren : FolderResult::NonExistent;
  }
  std::vector<std::uint32_t> uids;
  for (const auto& m : it->second.messages) uids.push_back(m.uid);
  // Out of the map before anyone hears of it: a session that looks now finds it gone.
  auto gone = b->folders.extract(it);
  StoreChange c{StoreChange::FolderDeleted, user, name};
  c.expunged = uids;
  notify(c);
  return FolderResult::Done;
}

FolderResult MailStore::rename_folder(const std::string& user, const std::string& from,
                                      const std::string& to, std::int64_t now) {
  Mailbox* b = mailbox(user);
  if (!b) return FolderResult::NoSuchUser;
  if (b->folders.count(to)) return FolderResult::AlreadyExists;
  auto make_superiors = [&] {  // as CREATE does (RFC 3501 §6.3.3 SHOULD)
    for (std::size_t slash = to.find('/'); slash != std::string::npos;
         slash = to.find('/', slash + 1))
      if (!b->folders.count(to.substr(0, slash))) create_folder(user, to.substr(0, slash), now);
  };
  if (from == "INBOX") {
    // RFC 3501 §6.3.5: all of INBOX's messages move to a new mailbox, INBOX stays (empty,
    // same UIDVALIDITY, UIDNEXT unchanged so its UIDs keep ascending) and its inferiors are
    // unaffected. The new mailbox is a new mailbox: a UIDVALIDITY of its own, and the
    // messages keep their UIDs under it. One change: `expunged` lists the UIDs that left.
    auto in = b->folders.find("INBOX");
    if (in == b->folders.end()) return FolderResult::NonExistent;
    make_superiors();
    Folder& inbox = in->second;
    Folder& moved = make_folder(*b, to, now);
    moved.uidnext = inbox.uidnext;
    moved.imap_recent_upto = inbox.imap_recent_upto;
    moved.messages = std::move(inbox.messages);
    inbox.messages.clear();
    ++inbox.version;  // its sessions see every message expunged
    std::vector<std::uint32_t> uids;
    for (const auto& m : moved.messages) uids.push_back(m.uid);
    StoreChange c{StoreChange::FolderRenamed, user, in->first};
    c.new_name = to;
    c.expunged = uids;
    changed(moved, c);
    return FolderResult::Done;
  }
  if (to.starts_with(from + "/")) return FolderResult::UnderItself;
  // The name itself (unless it is only a \Noselect superior) and every inferior.
  std::vector<std::string> moving;
  for (const auto& [n, f] : b->folders)
    if (n == from || n.starts_with(from + "/")) moving.push_back(n);
  if (moving.empty()) return FolderResult::NonExistent;
  for (const auto& n : moving)
    if (b->folders.count(to + n.substr(from.size()))) return FolderResult::AlreadyExists;
  make_superiors();
  for (const auto& n : moving) {  // superior first: std::map order puts "A" before "A/..."
    const std::string new_name = to + n.substr(from.size());
    auto node = b->folders.extract(n);
    node.key() = new_name;
    Folder& f = b->folders.insert(std::move(node)).position->second;
    StoreChange c{StoreChange::FolderRenamed, user, n};
    c.new_name = new_name;
    changed(f, c);
  }
  return FolderResult::Done;
}

void MailStore::restore_folder(const std::string& user, const std::string& name, Folder folder) {
  if (!has_user(user)) add_user(user);
  std::sort(folder.messages.begin(), folder.messages.end(),
            [](const StoredMessage& a, const StoredMessage& b) { return a.uid < b.uid; });
  // UIDs only ascend (RFC 3501 §2.3.1.1): never hand out one at or below a kept message's.
  if (!folder.messages.empty())
    folder.uidnext = std::max(folder.uidnext, folder.messages.back().uid + 1);
  Mailbox& box = boxes_[user];
  box.last_uidvalidity = std::max(box.last_uidvalidity, folder.uidvalidity);
  Folder& f = box.folders[name];
  folder.version = f.version + 1;
  folder.id = f.id ? f.id : ++next_folder_id_;
  f = std::move(folder);
}

void MailStore::changed(Folder& f, const StoreChange& c) {
  ++f.version;
  notify(c);
}

}  // namespace smtpsim::mail
