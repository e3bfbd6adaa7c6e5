// The spool's folder operations (IMAP DELETE and RENAME, RFC 3501 §6.3.4-5): a folder is one
// Maildir++ directory, so each is one rename(2) under the user's maildir, atomic on a crash
// (RENAME INBOX, the maildir itself, moves its message files instead). They follow the
// spool's commit model (spool.hpp): the renames happen here, the directories they touched
// are fsynced by the next commit(), before the client's OK goes out. A deleted folder is
// renamed out of the maildir into <host>/tmp/ (a restart never sees half of it: load()
// empties tmp/) and removed by commit() once that rename is on disk. Trusts the MDA for the
// names (the same encoding as every other path of the spool keeps them inside the root).
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "net/durable_file.hpp"
#include "net/spool.hpp"

namespace smtpsim::net {

namespace fs = std::filesystem;

void Spool::forget_folder(const fs::path& dir) {
  files_.erase(dir);
  uidvalidity_.erase(dir);
}

// A folder directory went away (moved_to: under that name, or nullptr: deleted). What is
// waiting for commit() to sync under it is synced under its new name or not at all (an
// fsync of a path that is gone would fail the commit), and make_dirs() forgets it.
void Spool::folder_moved(const fs::path& dir, const fs::path* moved_to) {
  forget_folder(dir);
  auto inside = [&](const fs::path& p) {
    const fs::path rel = p.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
  };
  std::vector<fs::path> moved;
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    if (!inside(*it)) {
      ++it;
      continue;
    }
    if (moved_to) moved.push_back(*moved_to / it->lexically_relative(dir));
    it = dirty_.erase(it);
  }
  dirty_.insert(moved.begin(), moved.end());
  std::erase_if(made_, inside);
}

std::optional<std::string> Spool::mail_delete_folder(const std::string& host,
                                                     const std::string& user,
                                                     const std::string& folder) {
  if (folder == "INBOX") return std::string("INBOX is the maildir itself and is never deleted");
  const fs::path dir = folder_dir(host, user, folder);
  forget_folder(dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return std::nullopt;  // never written (an empty default folder)
  const fs::path tmp = host_dir(host) / "tmp";
  if (auto err = make_dirs(tmp)) return err;
  const fs::path trash = tmp / fmt::format("deleted.{}.{}", dir.filename().string(), ++counter_);
  if (::rename(dir.c_str(), trash.c_str()) != 0)
    return fmt::format("cannot move {} to {}: {}", dir.string(), trash.string(),
                       std::strerror(errno));
  folder_moved(dir, nullptr);
  dirty_.insert(dir.parent_path());  // synced by commit(), which then removes the trash
  dirty_.insert(tmp);
  trash_.push_back(trash);
  return std::nullopt;
}

std::optional<std::string> Spool::mail_rename_folder(const std::string& host,
                                                     const std::string& user,
                                                     const std::string& from, const std::string& to,
                                                     std::uint32_t uidvalidity,
                                                     std::uint32_t uidnext) {
  if (to == "INBOX") return std::string("nothing is renamed onto INBOX");
  const fs::path src = folder_dir(host, user, from), dst = folder_dir(host, user, to);
  if (from == "INBOX") return move_inbox(src, dst, uidvalidity, uidnext);
  forget_folder(dst);
  std::error_code ec;
  if (fs::exists(dst, ec)) {
    return fmt::format("{} exists already: {} was not renamed", dst.string(), src.string());
  }
  if (!fs::exists(src, ec)) {
    // Never written (still empty): it must exist under its new name all the same.
    return ensure_folder(dst, uidvalidity, uidnext);
  }
  // The messages, their UIDs and the uidlist go along.
  if (::rename(src.c_str(), dst.c_str()) != 0)
    return fmt::format("cannot rename {} to {}: {}", src.string(), dst.string(),
                       std::strerror(errno));
  folder_moved(src, &dst);
  dirty_.insert(src.parent_path());  // synced by commit(), before the OK goes out
  return std::nullopt;
}

// RENAME INBOX (RFC 3501 §6.3.5): INBOX is the maildir itself, so its message files move one
// by one (rename(2): each is in one folder or the other, never lost, never copied) into the
// new folder, whose uidlist is written first; INBOX's own uidlist stays as it is.
std::optional<std::string> Spool::move_inbox(const fs::path& inbox, const fs::path& dst,
                                             std::uint32_t uidvalidity, std::uint32_t uidnext) {
  forget_folder(inbox);
  forget_folder(dst);
  if (auto err = ensure_folder(dst, uidvalidity, uidnext)) return err;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(inbox / sub, ec)) files.push_back(f.path());
    for (const auto& f : files) {
      const fs::path to = dst / sub / f.filename();
      if (::rename(f.c_str(), to.c_str()) != 0)
        return fmt::format("cannot move {} to {}: {}", f.string(), to.string(),
                           std::strerror(errno));
    }
    dirty_.insert(dst / sub);  // both synced by commit()
    dirty_.insert(inbox / sub);
  }
  return std::nullopt;
}

}  // namespace smtpsim::net
