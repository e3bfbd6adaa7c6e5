// The spool: live mode's stable storage for every MTA queue and MDA mailbox of a scenario
// (the nodes::Journal the sim calls). Layout under the root, one directory per host:
//
//   <host>/queue/<id>.queue  envelope and delivery state (one JSON line), then the message
//                            as queued (raw bytes, CRLF); its presence commits the entry
//   <host>/queue/<id>.msg + <id>.json   the same in the first format: still loaded, updated
//                            and removed, never created any more
//   <host>/ids               queue numbers reserved so far (no id is handed out twice)
//   <host>/tmp/              queue files being written
//   <host>/mail/<user>/{tmp,new,cur}            INBOX, in Maildir format
//   <host>/mail/<user>/.<Folder>/{tmp,new,cur}  other folders (Maildir++)
//   .../uidlist              UIDVALIDITY and UIDNEXT of that folder (RFC 3501 §2.3.1.1)
//   <host>/corrupt/          queue files that could not be read, moved aside for a human
//
// Every file is written to a temporary name, fsynced and renamed into place, so a crash
// leaves the old file or the new one, whole. Durability is grouped (write-behind with an
// output barrier, as databases commit before they answer): a Journal call does the work
// that can fail (writing the bytes, so a full disk still means 451) and commit() makes it
// all durable: queue files fsynced and renamed, then every directory touched fsynced once,
// then the queue entries that are done removed. serve calls commit() before any byte goes
// to a client and at the end of every event-loop turn, so a 250 (RFC 5321 §6.1), a POP3
// +OK or an IMAP OK is only ever sent about changes already on stable storage. A queue
// entry added and removed between two commits (mail for a local mailbox, delivered in the
// same turn it was accepted, before the 250 left) never reaches the queue directory: the
// Maildir file is what the 250 promises, and it is durable at the commit.
// A message file is named <sec>.M<usec>U<uid>.<host>[:2,<flags>] (the Maildir convention with
// the IMAP UID in the unique part, so no index can disagree with the files); flags are the
// Maildir info letters D F R S T. Message files keep the CRLF bytes the store serves, so POP3
// and IMAP sizes are the same after a restart.
//
// Trusts: the sim for ids, users and folder names, but every name is percent-encoded before
// it becomes a path component, so nothing can leave the root. Trusts nothing it reads back:
// a file it cannot parse is reported in one sentence and skipped, never a crash.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/nodes/journal.hpp"

namespace smtpsim::net {

class Spool : public nodes::Journal {
 public:
  // Creates root if needed and locks it (one server per spool). Throws std::runtime_error
  // with one clear sentence when it cannot be used.
  explicit Spool(std::filesystem::path root);
  ~Spool() override;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Reads everything kept under the root. Deletes what interrupted writes left behind
  // (tmp/ files, message files of queue entries that were never committed); files it cannot
  // read are skipped with one sentence each on `problems`.
  nodes::Recovered load(std::ostream& problems);

  const std::filesystem::path& root() const { return root_; }

  // Makes every change journaled so far durable, in an order that never loses mail: new
  // queue files and mailbox messages first, removals of finished queue entries after them.
  // The first failure, or nullopt; what failed is dropped (its queue file never appears, so
  // the client, who must not get its 250, sends again). A failure is sticky until
  // end_turn(): the answer that was waiting for the dropped work may come later in the same
  // turn, after another connection's commit() took the blame. Cheap when nothing is pending.
  std::optional<std::string> commit();
  // commit(), then forget a failure (serve calls it at the end of every loop turn).
  std::optional<std::string> end_turn();
  bool pending() const {
    return !adds_.empty() || !removes_.empty() || !dirty_.empty() || !trash_.empty();
  }

  // nodes::Journal
  std::optional<std::string> queue_add(const std::string& host, const nodes::JournalEntry& e,
                                       const std::string& content) override;
  std::optional<std::string> queue_update(const std::string& host,
                                          const nodes::JournalEntry& e) override;
  std::optional<std::string> queue_remove(const std::string& host, const std::string& id) override;
  std::optional<std::string> reserve_ids(const std::string& host, std::uint64_t through) override;
  std::optional<std::string> mail_add(const std::string& host, const std::string& user,
                                      const std::string& folder, std::uint32_t uidvalidity,
                                      const nodes::JournalMessage& m) override;
  std::optional<std::string> mail_flags(const std::string& host, const std::string& user,
                                        const std::string& folder, std::uint32_t uid,
                                        unsigned flags) override;
  std::optional<std::string> mail_expunge(const std::string& host, const std::string& user,
                                          const std::string& folder, std::uint32_t uidvalidity,
                                          std::uint32_t uidnext,
                                          std::span<const std::uint32_t> uids) override;
  // spool_folders.cpp
  std::optional<std::string> mail_delete_folder(const std::string& host, const std::string& user,
                                                const std::string& folder) override;
  std::optional<std::string> mail_rename_folder(const std::string& host, const std::string& user,
                                                const std::string& from, const std::string& to,
                                                std::uint32_t uidvalidity,
                                                std::uint32_t uidnext) override;

  // A path component for any name: percent-encodes all but [A-Za-z0-9@_+-] and a '.' that is
  // not first (so no "..", no '/', no hidden files). decode_name() undoes it (nullopt: not
  // something encode_name() makes).
  static std::string encode_name(const std::string& name);
  static std::optional<std::string> decode_name(const std::string& encoded);

 private:
  std::filesystem::path host_dir(const std::string& host) const;
  std::filesystem::path folder_dir(const std::string& host, const std::string& user,
                                   const std::string& folder) const;
  // The file of a UID in a folder (new/ or cur/), from the index or by looking.
  std::optional<std::filesystem::path> message_file(const std::filesystem::path& dir,
                                                    std::uint32_t uid);
  // Drops what the caches know of a folder directory (deleted or renamed).
  void forget_folder(const std::filesystem::path& dir);
  void folder_moved(const std::filesystem::path& dir, const std::filesystem::path* moved_to);
  std::optional<std::string> move_inbox(const std::filesystem::path& inbox,
                                        const std::filesystem::path& dst, std::uint32_t uidvalidity,
                                        std::uint32_t uidnext);
  std::optional<std::string> ensure_folder(const std::filesystem::path& dir,
                                           std::uint32_t uidvalidity, std::uint32_t uidnext);
  std::optional<std::string> write_uidlist(const std::filesystem::path& dir,
                                           std::uint32_t uidvalidity, std::uint32_t uidnext);
  void load_host(const std::filesystem::path& dir, nodes::RecoveredHost& out,
                 std::ostream& problems);
  void load_queue(const std::filesystem::path& hostdir, nodes::RecoveredHost& out,
                  std::ostream& problems);
  void load_folder(const std::filesystem::path& dir, nodes::RecoveredFolder& out,
                   std::ostream& problems);

  // mkdir -p once per directory per run.
  std::optional<std::string> make_dirs(const std::filesystem::path& dir);

  // A queue entry written (unsynced) under tmp/, renamed into queue/ at commit().
  struct PendingAdd {
    std::filesystem::path tmp, dst;
    std::string content;  // for an update before the commit
  };
  std::filesystem::path root_;
  std::map<std::pair<std::string, std::string>, PendingAdd> adds_;  // (host, id)
  std::vector<std::filesystem::path> removes_;  // queue/<id> without extension, once synced
  std::set<std::filesystem::path> dirty_;       // directories with entries not yet synced
  std::set<std::filesystem::path> made_;        // directories known to exist
  std::vector<std::filesystem::path> trash_;    // deleted folders in tmp/, removed at commit()
  std::optional<std::string> failed_;           // a commit() of this turn failed
  int lock_fd_ = -1;
  std::uint64_t counter_ = 0;  // unique temporary names
  // Folder directory -> UID -> message file, as last written or read.
  std::map<std::filesystem::path, std::map<std::uint32_t, std::filesystem::path>> files_;
  // Folder directory -> the UIDVALIDITY its uidlist holds.
  std::map<std::filesystem::path, std::uint32_t> uidvalidity_;
};

}  // namespace smtpsim::net
