// The spool's reading side: everything kept under the root, back as nodes::Recovered. What an
// interrupted write left (tmp/ files, a queued message whose header was never committed) is
// deleted: no client was told it was accepted. Anything else it cannot read is reported in
// one sentence and skipped (queue files are moved to corrupt/ so they are reported once).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <set>

#include "net/durable_file.hpp"
#include "net/spool.hpp"
#include "net/spool_format.hpp"

namespace smtpsim::net {

namespace fs = std::filesystem;
namespace sf = spool_format;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec));
}

// Deletes everything in a tmp/ directory: each file is a write that never completed, each
// directory a deleted folder whose removal was cut short (spool_folders.cpp).
void clear_tmp(const fs::path& dir, std::ostream& problems) {
  std::size_t n = 0;
  for (const auto& f : entries(dir)) {
    std::error_code ec;
    if (fs::remove_all(f, ec) > 0) ++n;
  }
  if (n > 0) {
    problems << fmt::format(
        "spool: removed {} unfinished file(s) from {} (a write interrupted "
        "by a crash; no client was told it succeeded)\n",
        n, dir.string());
  }
}

void foreign(const fs::path& p, std::ostream& problems) {
  problems << fmt::format("spool: {} is not a file this spool writes: skipped\n", p.string());
}

std::uint32_t unix_now() {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

nodes::Recovered Spool::load(std::ostream& problems) {
  nodes::Recovered out;
  files_.clear();
  uidvalidity_.clear();
  for (const auto& p : entries(root_)) {
    const std::string name = p.filename().string();
    if (name == ".lock") continue;
    auto host = decode_name(name);
    if (!is_dir(p) || !host) {
      foreign(p, problems);
      continue;
    }
    load_host(p, out.hosts[*host], problems);
  }
  return out;
}

void Spool::load_host(const fs::path& dir, nodes::RecoveredHost& out, std::ostream& problems) {
  for (const auto& p : entries(dir)) {
    const std::string name = p.filename().string();
    if (name == "tmp" && is_dir(p)) {
      clear_tmp(p, problems);
    } else if (name == "queue" && is_dir(p)) {
      load_queue(dir, out, problems);
    } else if (name == "corrupt" && is_dir(p)) {
      continue;  // already reported when moved there
    } else if (name == "ids") {
      auto text = read_whole(p);
      auto ids = text ? sf::parse_ids(*text) : std::nullopt;
      if (ids) {
        out.ids_reserved = *ids;
      } else {
        problems << fmt::format(
            "spool: {} cannot be read: queue ids may repeat those of earlier runs\n", p.string());
      }
    } else if (name == "mail" && is_dir(p)) {
      for (const auto& u : entries(p)) {
        auto user = decode_name(u.filename().string());
        if (!user || !is_dir(u)) {
          foreign(u, problems);
          continue;
        }
        auto& folders = out.mail[*user];
        load_folder(u, folders["INBOX"], problems);
        for (const auto& f : entries(u)) {
          const std::string fname = f.filename().string();
          if (fname == "tmp" || fname == "new" || fname == "cur" || fname == "uidlist") continue;
          auto folder =
              fname.size() > 1 && fname[0] == '.' ? decode_name(fname.substr(1)) : std::nullopt;
          if (!folder || folder->empty() || *folder == "INBOX" || !is_dir(f)) {
            foreign(f, problems);
            continue;
          }
          load_folder(f, folders[*folder], problems);
        }
      }
    } else {
      foreign(p, problems);
    }
  }
}

void Spool::load_queue(const fs::path& hostdir, nodes::RecoveredHost& out, std::ostream& problems) {
  const fs::path q = hostdir / "queue";
  std::set<std::string> committed;   // stems with a readable entry
  std::set<std::string> kept_aside;  // stems whose files stay for a human to look at
  auto set_aside = [&](const fs::path& file, const std::string& stem, const std::string& why) {
    const fs::path corrupt = hostdir / "corrupt";
    const std::string name = file.filename().string();
    kept_aside.insert(stem);
    std::string where = "left in place";
    if (!make_dirs_durably(corrupt) && !move_durably(file, corrupt / name)) {
      where = "moved to " + corrupt.string();
      std::error_code ec;
      if (ends_with(name, ".json") && fs::exists(q / (stem + ".msg"), ec))
        (void)move_durably(q / (stem + ".msg"), corrupt / (stem + ".msg"));
    }
    problems << fmt::format("spool: {} cannot be read ({}): {}\n", file.string(), why, where);
  };
  // The text of an entry file whose name decodes to a queue id; otherwise it is set aside.
  auto read_named = [&](const fs::path& file, const std::string& stem,
                        const std::optional<std::string>& id) -> std::optional<std::string> {
    if (!id) {
      set_aside(file, stem, "its name is not a queue id");
      return std::nullopt;
    }
    auto text = read_whole(file);
    if (!text) set_aside(file, stem, "it cannot be opened");
    return text;
  };
  // An entry whose id is the one in its name, or the reason it is not.
  auto check_id = [](const nodes::JournalEntry& e, const std::optional<std::string>& id) {
    return e.id == *id ? std::optional<std::string>{}
                       : std::optional<std::string>("the id inside is not the one in its name");
  };
  // The current format: one <id>.queue file per entry.
  for (const auto& p : entries(q)) {
    const std::string name = p.filename().string();
    if (!ends_with(name, ".queue")) continue;
    const std::string stem = name.substr(0, name.size() - 6);
    auto id = decode_name(stem);
    auto text = read_named(p, stem, id);
    if (!text) continue;
    auto parsed = sf::parse_queue_file(*text);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      set_aside(p, stem, *why);
      continue;
    }
    auto& file = std::get<sf::QueueFile>(parsed);
    if (auto why = check_id(file.entry, id)) {
      set_aside(p, stem, *why);
      continue;
    }
    committed.insert(stem);
    out.queue.emplace_back(std::move(file.entry), std::move(file.content));
  }
  // The first format: <id>.json (its presence commits the entry) beside <id>.msg.
  for (const auto& p : entries(q)) {
    const std::string name = p.filename().string();
    if (!ends_with(name, ".json")) continue;
    const std::string stem = name.substr(0, name.size() - 5);
    if (committed.count(stem)) {
      // Both formats for one id: this version never writes that; the newer file is kept.
      problems << fmt::format("spool: {} is an older copy of {}.queue: skipped\n", p.string(),
                              stem);
      kept_aside.insert(stem);
      continue;
    }
    auto id = decode_name(stem);
    auto text = read_named(p, stem, id);
    if (!text) continue;
    auto parsed = sf::parse_entry_json(*text);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      set_aside(p, stem, *why);
      continue;
    }
    auto& entry = std::get<nodes::JournalEntry>(parsed);
    if (auto why = check_id(entry, id)) {
      set_aside(p, stem, *why);
      continue;
    }
    auto content = read_whole(q / (stem + ".msg"));
    if (!content) {
      set_aside(p, stem, "its message file is missing");
      continue;
    }
    committed.insert(stem);
    out.queue.emplace_back(std::move(entry), std::move(*content));
  }
  std::sort(out.queue.begin(), out.queue.end(),
            [](const auto& a, const auto& b) { return a.first.id < b.first.id; });
  for (const auto& p : entries(q)) {
    const std::string name = p.filename().string();
    if (ends_with(name, ".json") || ends_with(name, ".queue")) continue;
    if (ends_with(name, ".msg")) {
      const std::string stem = name.substr(0, name.size() - 4);
      if (committed.count(stem) || kept_aside.count(stem)) continue;
      std::error_code ec;
      fs::remove(p, ec);
      problems << fmt::format(
          "spool: removed {}: a message whose queue entry was never committed (interrupted "
          "before the 250)\n",
          p.string());
      continue;
    }
    foreign(p, problems);
  }
}

void Spool::load_folder(const fs::path& dir, nodes::RecoveredFolder& out, std::ostream& problems) {
  clear_tmp(dir / "tmp", problems);
  const fs::path list = dir / "uidlist";
  std::optional<sf::UidList> uids;
  if (auto text = read_whole(list)) uids = sf::parse_uidlist(*text);
  std::set<std::uint32_t> seen;
  auto& index = files_[dir];
  for (const char* sub : {"new", "cur"}) {
    for (const auto& p : entries(dir / sub)) {
      const std::string name = p.filename().string();
      auto parsed = sf::parse_message_name(name);
      if (!parsed || is_dir(p)) {
        foreign(p, problems);
        continue;
      }
      if (!seen.insert(parsed->uid).second) {
        problems << fmt::format("spool: {} repeats UID {} of another message: skipped\n",
                                p.string(), parsed->uid);
        continue;
      }
      auto content = read_whole(p);
      if (!content) {
        problems << fmt::format("spool: {} cannot be opened: skipped\n", p.string());
        continue;
      }
      index[parsed->uid] = p;
      out.messages.push_back(
          nodes::JournalMessage{parsed->uid, parsed->flags, parsed->internal_unix_us, *content});
    }
  }
  std::sort(out.messages.begin(), out.messages.end(),
            [](const auto& a, const auto& b) { return a.uid < b.uid; });
  if (!uids) {
    // Without the list we cannot promise the old UIDVALIDITY still describes these UIDs:
    // a new one makes clients drop their caches (RFC 3501 §2.3.1.1).
    uids = sf::UidList{unix_now(), 1};
    if (fs::exists(list) || !out.messages.empty()) {
      problems << fmt::format(
          "spool: {} is missing or cannot be read: a new UIDVALIDITY makes clients resync\n",
          list.string());
    }
  }
  out.uidvalidity = uids->uidvalidity;
  out.uidnext = std::max(uids->uidnext, out.messages.empty() ? 1u : out.messages.back().uid + 1);
  for (const char* sub : {"tmp", "new", "cur"}) (void)make_dirs_durably(dir / sub);
  if (!write_uidlist(dir, out.uidvalidity, out.uidnext)) uidvalidity_[dir] = out.uidvalidity;
}

}  // namespace smtpsim::net
