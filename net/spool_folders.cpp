// The spool's folder operations (IMAP DELETE and RENAME, RFC 3501 §6.3.4-5): a folder is one
// Maildir++ directory, so each is one rename(2) under the user's maildir, atomic on a crash
// (RENAME INBOX, the maildir itself, moves its message files instead).
// A deleted folder is first renamed out of the maildir into <host>/tmp/ (a restart never sees
// half of it: load() empties tmp/), then removed. Trusts the MDA for the names (the same
// encoding as every other path of the spool keeps them inside the root).
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

std::optional<std::string> Spool::mail_delete_folder(const std::string& host,
                                                     const std::string& user,
                                                     const std::string& folder) {
  if (folder == "INBOX") return std::string("INBOX is the maildir itself and is never deleted");
  const fs::path dir = folder_dir(host, user, folder);
  forget_folder(dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return std::nullopt;  // never written (an empty default folder)
  const fs::path tmp = host_dir(host) / "tmp";
  if (auto err = make_dirs_durably(tmp)) return err;
  const fs::path trash = tmp / fmt::format("deleted.{}.{}", dir.filename().string(), ++counter_);
  if (auto err = move_durably(dir, trash)) return err;
  // Gone from the mailbox for good once the rename is on disk; what is left in tmp/ is
  // garbage a restart clears if this is cut short.
  fs::remove_all(trash, ec);
  if (ec) return fmt::format("cannot remove {}: {}", trash.string(), ec.message());
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
  forget_folder(src);
  forget_folder(dst);
  std::error_code ec;
  if (fs::exists(dst, ec)) {
    return fmt::format("{} exists already: {} was not renamed", dst.string(), src.string());
  }
  if (!fs::exists(src, ec)) {
    // Never written (still empty): it must exist under its new name all the same.
    return ensure_folder(dst, uidvalidity, uidnext);
  }
  return move_durably(src, dst);  // the messages, their UIDs and the uidlist go along
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
    if (files.empty()) continue;
    if (auto err = fsync_dir(dst / sub)) return err;  // the new entries first, then the old
    if (auto err = fsync_dir(inbox / sub)) return err;
  }
  return std::nullopt;
}

}  // namespace smtpsim::net
