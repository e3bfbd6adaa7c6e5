// tmp + fsync + rename + fsync(dir), and the small helpers around it.
#include "net/durable_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace smtpsim::net {

namespace fs = std::filesystem;

namespace {
std::string why() {
  return std::strerror(errno);
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}
}  // namespace

std::optional<std::string> fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open {}: {}", dir.string(), why());
  const bool ok = ::fsync(fd) == 0;
  const std::string reason = ok ? std::string{} : why();
  ::close(fd);
  if (!ok) return fmt::format("cannot sync {}: {}", dir.string(), reason);
  return std::nullopt;
}

namespace {
std::optional<std::string> create_file(const fs::path& file, const std::string& data, bool sync) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("cannot create {}: {}", file.string(), why());
  const bool ok = write_all(fd, data) && (!sync || ::fsync(fd) == 0);
  const std::string reason = ok ? std::string{} : why();
  ::close(fd);
  if (!ok) {
    ::unlink(file.c_str());
    return fmt::format("cannot write {}: {}", file.string(), reason);
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> write_synced(const fs::path& file, const std::string& data) {
  return create_file(file, data, true);
}

std::optional<std::string> write_unsynced(const fs::path& file, const std::string& data) {
  return create_file(file, data, false);
}

std::optional<std::string> sync_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open {}: {}", file.string(), why());
  const bool ok = ::fsync(fd) == 0;
  const std::string reason = ok ? std::string{} : why();
  ::close(fd);
  if (!ok) return fmt::format("cannot sync {}: {}", file.string(), reason);
  return std::nullopt;
}

std::optional<std::string> write_durably(const fs::path& tmp, const fs::path& dst,
                                         const std::string& data, bool sync_dir) {
  if (auto problem = write_synced(tmp, data)) return problem;
  if (::rename(tmp.c_str(), dst.c_str()) != 0) {
    const std::string r = why();
    ::unlink(tmp.c_str());
    return fmt::format("cannot rename {} to {}: {}", tmp.string(), dst.string(), r);
  }
  return sync_dir ? fsync_dir(dst.parent_path()) : std::nullopt;
}

std::optional<std::string> move_durably(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return fmt::format("cannot rename {} to {}: {}", from.string(), to.string(), why());
  if (auto err = fsync_dir(to.parent_path())) return err;
  if (from.parent_path() != to.parent_path()) return fsync_dir(from.parent_path());
  return std::nullopt;
}

std::optional<std::string> read_whole(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<std::string> make_dirs_durably(const fs::path& dir) {
  // Walk up to the first existing ancestor, then create downwards, syncing each parent.
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      return fmt::format("cannot create {}: {}", it->string(), why());
    if (auto err = fsync_dir(it->parent_path().empty() ? fs::path(".") : it->parent_path()))
      return err;
  }
  if (!fs::is_directory(dir, ec)) return fmt::format("{} is not a directory", dir.string());
  return std::nullopt;
}

}  // namespace smtpsim::net
