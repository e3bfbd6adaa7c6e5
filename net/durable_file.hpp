// Crash-safe file operations for the spool: a file is written under a temporary name,
// fsynced, renamed over its final name (atomic within one file system, POSIX rename(2)) and
// the directory fsynced, so after a crash either the old or the new file is there, whole.
// Every function returns the reason of a failure as one sentence, or nullopt. Trusts its
// callers for the paths (the spool builds them from encoded names).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace smtpsim::net {

// Creates `file` (must not exist, mode 0600), writes data and fsyncs it; on failure the file
// is removed. The first half of write_durably, for callers that rename several files together.
std::optional<std::string> write_synced(const std::filesystem::path& file, const std::string& data);
// Writes data to tmp (created, must not exist), fsyncs it and renames it to dst, then fsyncs
// dst's directory unless sync_dir is false (the caller syncs it after several renames).
// On failure tmp is removed and dst untouched.
std::optional<std::string> write_durably(const std::filesystem::path& tmp,
                                         const std::filesystem::path& dst, const std::string& data,
                                         bool sync_dir = true);
std::optional<std::string> fsync_dir(const std::filesystem::path& dir);
// Creates `file` (must not exist, mode 0600) and writes data without syncing: for a file
// that may be removed again before it has to be durable (then sync_file() it). A failure to
// write (a full disk) shows here; on failure the file is removed.
std::optional<std::string> write_unsynced(const std::filesystem::path& file,
                                          const std::string& data);
// fsync of a file written earlier.
std::optional<std::string> sync_file(const std::filesystem::path& file);
// rename(2) then fsync of both directories.
std::optional<std::string> move_durably(const std::filesystem::path& from,
                                        const std::filesystem::path& to);
// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_whole(const std::filesystem::path& file);
// mkdir -p, then fsync of each parent whose entry was created (so the directories survive).
std::optional<std::string> make_dirs_durably(const std::filesystem::path& dir);

}  // namespace smtpsim::net
