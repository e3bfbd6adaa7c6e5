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

std::optional<std::string> Spool::queue_add(const std::string& host, const nodes::JournalEntry& e,
                                            const std::string& content) {
  const fs::path hd = host_dir(host);
  const fs::path q = hd / "queue", tmp = hd / "tmp";
  if (auto err = make_dirs_durably(q)) return err;
  if (auto err = make_dirs_durably(tmp)) return err;
  std::string header;
  try {
    header = sf::entry_json(e);
  } catch (const nlohmann::json::exception&) {
    return std::string("the envelope is not valid UTF-8");
  }
  const std::string name = encode_name(e.id);
  const fs::path msg = q / (name + ".msg"), hdr = q / (name + ".json");
  // The content first, then the header that commits the entry: a crash in between leaves a
  // .msg without .json, which load() deletes (the client never got its 250).
  if (auto err =
          write_durably(tmp / fmt::format("{}.msg.{}", name, ++counter_), msg, content, false))
    return err;
  if (auto err = write_durably(tmp / fmt::format("{}.json.{}", name, ++counter_), hdr, header)) {
    ::unlink(msg.c_str());
    return err;
  }
  return std::nullopt;
}

std::optional<std::string> Spool::queue_update(const std::string& host,
                                               const nodes::JournalEntry& e) {
  const fs::path hd = host_dir(host);
  std::string header;
  try {
    header = sf::entry_json(e);
  } catch (const nlohmann::json::exception&) {
    return std::string("the delivery state is not valid UTF-8");
  }
  if (auto err = make_dirs_durably(hd / "tmp")) return err;
  const std::string name = encode_name(e.id);
  return write_durably(hd / "tmp" / fmt::format("{}.json.{}", name, ++counter_),
                       hd / "queue" / (name + ".json"), header);
}

std::optional<std::string> Spool::queue_remove(const std::string& host, const std::string& id) {
  const fs::path q = host_dir(host) / "queue";
  const std::string name = encode_name(id);
  // The header goes first: without it the entry no longer exists, whatever happens next.
  const fs::path hdr = q / (name + ".json"), msg = q / (name + ".msg");
  if (::unlink(hdr.c_str()) != 0 && errno != ENOENT)
    return fmt::format("cannot remove {}: {}", hdr.string(), std::strerror(errno));
  if (::unlink(msg.c_str()) != 0 && errno != ENOENT)
    return fmt::format("cannot remove {}: {}", msg.string(), std::strerror(errno));
  return fsync_dir(q);
}

std::optional<std::string> Spool::reserve_ids(const std::string& host, std::uint64_t through) {
  const fs::path hd = host_dir(host);
  if (auto err = make_dirs_durably(hd / "tmp")) return err;
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
          dst, m.content))
    return err;
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
  if (auto err = move_durably(*file, dst)) return err;
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
  for (const char* sub : {"cur", "new"})
    if (auto err = fsync_dir(dir / sub)) return err;
  return std::nullopt;
}

}  // namespace smtpsim::net
