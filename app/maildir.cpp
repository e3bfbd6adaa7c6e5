// Maildir delivery with tmp/ -> fsync -> rename -> fsync(dir), all recipients or none (the
// writing and syncing are net/durable_file's, shared with serve's spool).
#include "app/maildir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "net/durable_file.hpp"

namespace smtpsim::app {

namespace fs = std::filesystem;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string to_lf(const std::string& crlf) {
  std::string out;
  out.reserve(crlf.size());
  for (std::size_t i = 0; i < crlf.size(); ++i) {
    if (crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n') continue;
    out.push_back(crlf[i]);
  }
  return out;
}

}  // namespace

Maildir::Maildir(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_)) {
    throw std::runtime_error(fmt::format("cannot use '{}' as the maildir root: {}", root_.string(),
                                         ec ? ec.message() : "not a directory"));
  }
  if (::access(root_.c_str(), W_OK) != 0) {
    throw std::runtime_error(
        fmt::format("cannot write to the maildir root '{}': {}", root_.string(), errno_text()));
  }
}

std::string Maildir::folder_name(const std::string& address) {
  std::string out;
  for (std::size_t i = 0; i < address.size(); ++i) {
    const auto u = static_cast<unsigned char>(address[i]);
    const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                       u == '@' || u == '-' || u == '_' || u == '+' || (u == '.' && i > 0);
    if (plain) {
      out.push_back(static_cast<char>(u >= 'A' && u <= 'Z' ? u + 32 : u));
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string Maildir::unique_name() {
  // Maildir convention: time.unique.host; pid + counter + microseconds make it unique.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  for (char* p = host; *p; ++p)
    if (*p == '/' || *p == ':') *p = '_';
  return fmt::format("{}.M{}P{}Q{}.{}", us / 1000000, us % 1000000, ::getpid(), ++counter_, host);
}

std::optional<std::string> Maildir::deliver(const std::vector<Copy>& copies) {
  struct Staged {
    fs::path tmp, dst, newdir;
  };
  std::vector<Staged> staged;
  auto undo = [&staged] {
    for (const auto& s : staged) {
      std::error_code ec;
      fs::remove(s.tmp, ec);
    }
  };
  for (const auto& copy : copies) {
    const std::string data = to_lf(copy.message);
    const fs::path box = root_ / folder_name(copy.recipient);
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) {
      fs::create_directories(box / sub, ec);
      if (ec) {
        undo();
        return fmt::format("cannot create {}: {}", (box / sub).string(), ec.message());
      }
    }
    const std::string name = unique_name();
    Staged s{box / "tmp" / name, box / "new" / name, box / "new"};
    if (auto problem = net::write_synced(s.tmp, data)) {  // removes its own file on failure
      undo();
      return problem;
    }
    staged.push_back(s);
  }
  // Every copy is on disk; now make them visible. rename() within one file system is atomic.
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (::rename(staged[i].tmp.c_str(), staged[i].dst.c_str()) != 0) {
      const std::string why = errno_text();
      for (std::size_t j = 0; j < i; ++j) ::unlink(staged[j].dst.c_str());
      staged.erase(staged.begin(), staged.begin() + static_cast<std::ptrdiff_t>(i));
      undo();
      return fmt::format("cannot move the message into new/: {}", why);
    }
  }
  for (const auto& s : staged) {
    if (auto problem = net::fsync_dir(s.newdir)) {
      for (const auto& d : staged) ::unlink(d.dst.c_str());
      return problem;
    }
  }
  return std::nullopt;
}

}  // namespace smtpsim::app
