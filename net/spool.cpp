// The spool's writing side: the Journal calls, each durable before it returns.
#include "net/spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "net/durable_file.hpp"
#include "net/spool_format.hpp"

namespace smtpsim::net {

namespace fs = std::filesystem;
namespace sf = spool_format;

Spool::Spool(fs::path root) : root_(std::move(root)) {
  if (auto err = make_dirs_durably(root_))
    throw std::runtime_error(fmt::format("cannot use '{}' as the spool: {}", root_.string(), *err));
  const fs::path lock = root_ / ".lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    throw std::runtime_error(
        fmt::format("cannot write to the spool '{}': {}", root_.string(), std::strerror(errno)));
  }
  // Two servers on one spool would hand out the same queue ids and UIDs.
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw std::runtime_error(
        fmt::format("the spool '{}' is in use by another smtpsim", root_.string()));
  }
}

Spool::~Spool() {
  (void)commit();                        // a clean shutdown leaves everything durable
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

std::string Spool::encode_name(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto u = static_cast<unsigned char>(name[i]);
    const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                       u == '@' || u == '-' || u == '_' || u == '+' || (u == '.' && i > 0);
    out += plain ? std::string(1, static_cast<char>(u)) : fmt::format("%{:02X}", u);
  }
  return out.empty() ? "%" : out;  // "%" alone stands for the empty name
}

std::optional<std::string> Spool::decode_name(const std::string& encoded) {
  if (encoded == "%") return std::string{};
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out.push_back(encoded[i]);
      continue;
    }
    if (i + 2 >= encoded.size()) return std::nullopt;
    unsigned v = 0;
    for (int k = 1; k <= 2; ++k) {
      const char c = encoded[i + static_cast<std::size_t>(k)];
      v = v * 16 + static_cast<unsigned>(c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : 99);
    }
    if (v > 255) return std::nullopt;
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  if (encode_name(out) != encoded) return std::nullopt;  // one spelling per name
  return out;
}

fs::path Spool::host_dir(const std::string& host) const {
  return root_ / encode_name(host);
}

fs::path Spool::folder_dir(const std::string& host, const std::string& user,
                           const std::string& folder) const {
  const fs::path box = host_dir(host) / "mail" / encode_name(user);
  // Maildir++: INBOX is the maildir itself, other folders are ".<name>" inside it. A '.' in
  // a folder name is encoded, so the hierarchy separator stays unambiguous.
  if (folder == "INBOX") return box;
  std::string enc = encode_name(folder);
  std::string dotless;
  for (char c : enc) dotless += c == '.' ? std::string("%2E") : std::string(1, c);
  return box / ("." + dotless);
}

// ---- the queue ---------------------------------------------------------------------------

std::optional<std::string> Spool::make_dirs(const fs::path& dir) {
  if (made_.count(dir)) return std::nullopt;
  if (auto err = make_dirs_durably(dir)) return err;
  made_.insert(dir);
  return std::nullopt;
}

std::optional<std::string> Spool::queue_add(const std::string& host, const nodes::JournalEntry& e,
                                            const std::string& content) {
  const fs::path hd = host_dir(host);
  const fs::path q = hd / "queue", tmp = hd / "tmp";
  if (auto err = make_dirs(q)) return err;
  if (auto err = make_dirs(tmp)) return err;
  std::string text;
  try {
    text = sf::queue_file_text(e, content);
  } catch (const nlohmann::json::exception&) {
    return std::string("the envelope is not valid UTF-8");
  }
  const std::string name = encode_name(e.id);
  // Written now, so that a full disk is a 451 now; synced and renamed into queue/ by the
  // next commit(), unless the entry is done before it. A crash before leaves a tmp/ file,
  // which load() deletes: no client got a 250 for it.
  const fs::path file = tmp / fmt::format("{}.queue.{}", name, ++counter_);
  if (auto err = write_unsynced(file, text)) return err;
  auto& slot = adds_[{host, e.id}];
  if (!slot.tmp.empty()) ::unlink(slot.tmp.c_str());  // the same id twice: the later wins
  slot = PendingAdd{file, q / (name + ".queue"), content};
  return std::nullopt;
}

std::optional<std::string> Spool::queue_update(const std::string& host,
                                               const nodes::JournalEntry& e) {
  const fs::path hd = host_dir(host);
  const fs::path q = hd / "queue", tmp = hd / "tmp";
  const std::string name = encode_name(e.id);
  if (auto err = make_dirs(tmp)) return err;
  try {
    if (auto it = adds_.find({host, e.id}); it != adds_.end()) {
      // Not committed yet: replace the pending file.
      const fs::path file = tmp / fmt::format("{}.queue.{}", name, ++counter_);
      if (auto err = write_unsynced(file, sf::queue_file_text(e, it->second.content))) return err;
      ::unlink(it->second.tmp.c_str());
      it->second.tmp = file;
      return std::nullopt;
    }
    const fs::path dst = q / (name + ".queue");
    std::string text;
    fs::path target = dst;
    if (auto old = read_whole(dst)) {
      auto parsed = sf::parse_queue_file(*old);
      if (auto* why = std::get_if<std::string>(&parsed))
        return fmt::format("{} cannot be read: {}", dst.string(), *why);
      text = sf::queue_file_text(e, std::get<sf::QueueFile>(parsed).content);
    } else {
      // An entry of the first format (from an earlier version): its header alone changes.
      target = q / (name + ".json");
      std::error_code ec;
      if (!fs::exists(target, ec)) return fmt::format("queue entry {} is not on disk", e.id);
      text = sf::entry_json(e);
    }
    // The bytes are synced before the rename (no half file under the real name); the
    // directory is synced by commit(), before anything is said about this update.
    if (auto err =
            write_durably(tmp / fmt::format("{}.upd.{}", name, ++counter_), target, text, false))
      return err;
    dirty_.insert(q);
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::string("the delivery state is not valid UTF-8");
  }
}

std::optional<std::string> Spool::queue_remove(const std::string& host, const std::string& id) {
  if (auto it = adds_.find({host, id}); it != adds_.end()) {
    // Done before it was ever committed (a local delivery in the turn it was accepted): the
    // mailbox write made durable by the same commit() carries the promise instead.
    ::unlink(it->second.tmp.c_str());
    adds_.erase(it);
    return std::nullopt;
  }
  // After the directories are synced, so that whatever this entry became (a Maildir file,
  // a DSN queue entry) is on disk before the entry goes.
  removes_.push_back(host_dir(host) / "queue" / encode_name(id));
  return std::nullopt;
}

std::optional<std::string> Spool::end_turn() {
  auto err = commit();
  failed_.reset();
  return err;
}

std::optional<std::string> Spool::commit() {
  if (!pending()) return failed_;
  auto failed = [&](std::optional<std::string> err) {
    if (err && !failed_) failed_ = std::move(err);
  };
  for (auto& [key, a] : adds_) {
    auto err = sync_file(a.tmp);
    if (!err && ::rename(a.tmp.c_str(), a.dst.c_str()) != 0)
      err = fmt::format("cannot rename {} to {}: {}", a.tmp.string(), a.dst.string(),
                        std::strerror(errno));
    if (err) {
      ::unlink(a.tmp.c_str());
      failed(std::move(err));
      continue;
    }
    dirty_.insert(a.dst.parent_path());
  }
  adds_.clear();
  for (const auto& dir : dirty_) failed(fsync_dir(dir));
  dirty_.clear();
  // Deleted folders (IMAP DELETE, spool_folders.cpp), out of their mailbox for good now that
  // the rename is on disk. After a failure they wait in tmp/ for load() to clear them.
  if (!failed_)
    for (const auto& t : trash_) {
      std::error_code ec;
      fs::remove_all(t, ec);
    }
  trash_.clear();
  // A removal must not reach the disk before what replaced the entry: with any failure above
  // the entries stay (a restart repeats their delivery; nothing is lost).
  if (failed_ || removes_.empty()) {
    removes_.clear();
    return failed_;
  }
  // A removal that fails leaves an entry a restart delivers again: reported, but not sticky
  // (no answer waits for it).
  std::optional<std::string> removal_error;
  std::set<fs::path> queues;
  for (const auto& stem : removes_) {
    // The header goes first: without it the entry no longer exists, whatever happens next.
    for (const char* ext : {".queue", ".json", ".msg"}) {
      const fs::path f = fs::path(stem.string() + ext);
      if (::unlink(f.c_str()) != 0 && errno != ENOENT && !removal_error)
        removal_error = fmt::format("cannot remove {}: {}", f.string(), std::strerror(errno));
    }
    queues.insert(stem.parent_path());
  }
  removes_.clear();
  for (const auto& dir : queues)
    if (auto err = fsync_dir(dir); err && !removal_error) removal_error = err;
  return removal_error;
}

std::optional<std::string> Spool::reserve_ids(const std::string& host, std::uint64_t through) {
  const fs::path hd = host_dir(host);
  if (auto err = make_dirs(hd / "tmp")) return err;
  return write_durably(hd / "tmp" / fmt::format("ids.{}", ++counter_), hd / "ids",
                       sf::ids_text(through));
}

// ---- mailboxes ---------------------------------------------------------------------------

std::optional<std::string> Spool::write_uidlist(const fs::path& dir, std::uint32_t uidvalidity,
                                                std::uint32_t uidnext) {
  auto err = write_durably(dir / "tmp" / fmt::format("uidlist.{}", ++counter_), dir / "uidlist",
                           sf::uidlist_text({uidvalidity, uidnext}));
  if (!err) uidvalidity_[dir] = uidvalidity;
  return err;
}

std::optional<std::string> Spool::ensure_folder(const fs::path& dir, std::uint32_t uidvalidity,
                                                std::uint32_t uidnext) {
  auto known = uidvalidity_.find(dir);
  if (known != uidvalidity_.end() && known->second == uidvalidity) return std::nullopt;
  for (const char* sub : {"tmp", "new", "cur"})
    if (auto err = make_dirs_durably(dir / sub)) return err;
  return write_uidlist(dir, uidvalidity, uidnext);
}

std::optional<std::string> Spool::mail_add(const std::string& host, const std::string& user,
                                           const std::string& folder, std::uint32_t uidvalidity,
                                           const nodes::JournalMessage& m) {
  const fs::path dir = folder_dir(host, user, folder);
  if (auto err = ensure_folder(dir, uidvalidity, m.uid)) return err;
  // maildir(5): write in tmp/, then rename into new/ (cur/ with the info when it has flags,
  // e.g. an IMAP APPEND with \Seen). The rename is the delivery.
  const bool flagged = m.flags != 0;
  const std::string name =
      sf::message_name(m.internal_unix_us, m.uid, encode_name(host),
                       flagged ? std::optional<unsigned>(m.flags) : std::nullopt);
  const fs::path dst = dir / (flagged ? "cur" : "new") / name;
  if (auto err = write_durably(
          dir / "tmp" /
              sf::message_name(m.internal_unix_us, m.uid, encode_name(host), std::nullopt),
          dst, m.content, false))
    return err;
  dirty_.insert(dst.parent_path());  // synced by commit(), before the 250 or OK goes out
  files_[dir][m.uid] = dst;
  return std::nullopt;
}

std::optional<fs::path> Spool::message_file(const fs::path& dir, std::uint32_t uid) {
  auto& index = files_[dir];
  if (auto it = index.find(uid); it != index.end()) return it->second;
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(dir / sub, ec)) {
      auto parsed = sf::parse_message_name(f.path().filename().string());
      if (parsed && parsed->uid == uid) return index[uid] = f.path();
    }
  }
  return std::nullopt;
}

std::optional<std::string> Spool::mail_flags(const std::string& host, const std::string& user,
                                             const std::string& folder, std::uint32_t uid,
                                             unsigned flags) {
  const fs::path dir = folder_dir(host, user, folder);
  auto file = message_file(dir, uid);
  if (!file) return fmt::format("message {} of {} is not on disk", uid, dir.string());
  auto parsed = sf::parse_message_name(file->filename().string());
  if (!parsed) return fmt::format("{} has a name this spool did not write", file->string());
  // Once a client has touched a message it lives in cur/ with its flags in the info.
  const fs::path dst = dir / "cur" / (parsed->base + ":2," + sf::flag_letters(flags));
  if (dst == *file) return std::nullopt;
  if (::rename(file->c_str(), dst.c_str()) != 0)
    return fmt::format("cannot rename {} to {}: {}", file->string(), dst.string(),
                       std::strerror(errno));
  dirty_.insert(dst.parent_path());  // both directories synced by commit()
  dirty_.insert(file->parent_path());
  files_[dir][uid] = dst;
  return std::nullopt;
}

std::optional<std::string> Spool::mail_expunge(const std::string& host, const std::string& user,
                                               const std::string& folder, std::uint32_t uidvalidity,
                                               std::uint32_t uidnext,
                                               std::span<const std::uint32_t> uids) {
  const fs::path dir = folder_dir(host, user, folder);
  // UIDNEXT first: if the highest UIDs go, a restart must still not hand them out again.
  if (auto err = ensure_folder(dir, uidvalidity, uidnext)) return err;
  if (auto err = write_uidlist(dir, uidvalidity, uidnext)) return err;
  std::optional<std::string> first_error;
  for (std::uint32_t uid : uids) {
    auto file = message_file(dir, uid);
    if (!file) continue;  // never reached the disk: nothing to remove
    if (::unlink(file->c_str()) != 0 && errno != ENOENT && !first_error)
      first_error = fmt::format("cannot remove {}: {}", file->string(), std::strerror(errno));
    files_[dir].erase(uid);
  }
  if (first_error) return first_error;
  for (const char* sub : {"cur", "new"}) dirty_.insert(dir / sub);  // synced by commit()
  return std::nullopt;
}

}  // namespace smtpsim::net
