// net::Spool's grouped durability (write-behind with an output barrier) and its one-file
// queue format: what a crash at each step leaves, and what load() makes of it. A crash is
// played by copying the spool directory at that moment (the process never gets to its
// destructor) and loading the copy. Also: the one-file format refuses a file cut short, and
// a state directory of the first format (<id>.json + <id>.msg) still loads, updates and
// goes away. Every test works in its own directory under /tmp, removed at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "net/spool.hpp"
#include "net/spool_format.hpp"

namespace {

using namespace smtpsim;
namespace fs = std::filesystem;
namespace sf = net::spool_format;
using State = nodes::QueuedRecipient::State;

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& suffix = "") {
    path = fs::temp_directory_path() /
           ("smtpsim-spool-commit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// What the disk holds if the process dies now: a copy of the tree, loaded by a new Spool.
struct AfterCrash {
  TempDir copy{"-after-crash"};
  std::ostringstream problems;
  nodes::Recovered got;
  explicit AfterCrash(const fs::path& root) {
    fs::remove_all(copy.path);
    fs::copy(root, copy.path, fs::copy_options::recursive);
    fs::remove(copy.path / ".lock");
    net::Spool s(copy.path);
    got = s.load(problems);
  }
  const nodes::RecoveredHost& host(const std::string& h) { return got.hosts[h]; }
};

nodes::JournalEntry entry(const std::string& id, const std::string& rcpt = "bob@example.com") {
  nodes::JournalEntry e;
  e.id = id;
  e.sender = "x@example.org";
  e.arrival_unix_us = 1'800'000'000'000'000;
  e.next_attempt_unix_us = 1'800'000'000'000'000;
  e.rcpts.push_back(nodes::QueuedRecipient{rcpt});
  return e;
}

const std::string kHost = "mail.example.com";
const std::string kBody = "Subject: t\r\n\r\nline one\r\n.. dot-stuffed\r\n\r\n";

// ---- the one-file format ------------------------------------------------------------------

TEST(SpoolQueueFile, RoundTripsAnyBytesAndRefusesWhatWasCutShort) {
  auto e = entry("1000A1", "carol@example.net");
  e.rcpts[0].state = State::Pending;
  e.rcpts[0].last_error = "smtp; 451 4.7.1 try\nlater";  // a newline inside stays one line
  e.attempts = 2;
  const std::string content = std::string("Subject: \0 x\r\n\r\n\n\n{\"format\"}\r\n", 30);
  const std::string text = sf::queue_file_text(e, content);
  EXPECT_EQ(std::count(text.begin(), text.begin() + static_cast<long>(text.find('\n') + 1), '\n'),
            1);
  EXPECT_EQ(text.find("{\"format\":\"smtpsim-queue-2\",\"id\":\"1000A1\""),
            0u);  // readable: `head -1` is the envelope
  auto back = sf::parse_queue_file(text);
  ASSERT_TRUE(std::holds_alternative<sf::QueueFile>(back)) << std::get<std::string>(back);
  const auto& f = std::get<sf::QueueFile>(back);
  EXPECT_EQ(f.content, content);
  EXPECT_EQ(f.entry.id, "1000A1");
  EXPECT_EQ(f.entry.attempts, 2);
  EXPECT_EQ(f.entry.rcpts[0].last_error, "smtp; 451 4.7.1 try\nlater");

  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file(text.substr(0, text.size() - 1))),
            "it holds 29 bytes of message where its envelope says 30");
  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file(text + "x")),
            "it holds 31 bytes of message where its envelope says 30");
  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file(text.substr(0, 20))),
            "it has no envelope line");
  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file("{\"half\n")),
            "its envelope line is not valid JSON");
  // The first format's header is not a queue file of the second, and the other way round.
  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file(sf::entry_json(e) + content)),
            "its envelope line is not valid JSON");
  EXPECT_EQ(std::get<std::string>(sf::parse_entry_json(text.substr(0, text.find('\n')))),
            "it is not an smtpsim queue file");
  std::string no_size = text;
  no_size.replace(no_size.find("\"content_bytes\":30"), 18, "\"content_bytes\":\"30\"");
  EXPECT_EQ(std::get<std::string>(sf::parse_queue_file(no_size)),
            "a field is missing or has the wrong type");
}

// ---- crash points of the queue -------------------------------------------------------------

TEST(SpoolCommit, QueuedEntryIsOnlyInTmpUntilTheCommitThenWholeInTheQueue) {
  TempDir t;
  net::Spool s(t.path);
  const fs::path q = t.path / kHost / "queue";
  ASSERT_EQ(s.queue_add(kHost, entry("1000A1"), kBody), std::nullopt);
  EXPECT_TRUE(s.pending());
  EXPECT_TRUE(files_in(q).empty());
  {
    // Crash before the commit (before the 250): nothing queued, the tmp file is cleared.
    AfterCrash c(t.path);
    EXPECT_TRUE(c.host(kHost).queue.empty());
    EXPECT_NE(c.problems.str().find("removed 1 unfinished file(s)"), std::string::npos)
        << c.problems.str();
  }
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(files_in(q), std::vector<std::string>{"1000A1.queue"});
  EXPECT_TRUE(files_in(t.path / kHost / "tmp").empty());
  EXPECT_EQ(read(q / "1000A1.queue").substr(read(q / "1000A1.queue").find('\n') + 1), kBody);
  // Crash after it (after the 250): the entry comes back whole.
  AfterCrash c(t.path);
  EXPECT_EQ(c.problems.str(), "");
  ASSERT_EQ(c.host(kHost).queue.size(), 1u);
  EXPECT_EQ(c.host(kHost).queue[0].first.id, "1000A1");
  EXPECT_EQ(c.host(kHost).queue[0].second, kBody);
}

TEST(SpoolCommit, EntryDoneBeforeTheCommitNeverReachesTheQueueButItsMailboxCopyDoes) {
  TempDir t;
  net::Spool s(t.path);
  // Port 25 to a local mailbox: accepted, delivered and finished in one turn.
  ASSERT_EQ(s.queue_add(kHost, entry("1000A1"), kBody), std::nullopt);
  ASSERT_EQ(s.mail_add(kHost, "bob", "INBOX", 7,
                       nodes::JournalMessage{1, 0, 1'800'000'000'000'000, kBody}),
            std::nullopt);
  ASSERT_EQ(s.queue_remove(kHost, "1000A1"), std::nullopt);
  EXPECT_TRUE(files_in(t.path / kHost / "tmp").empty());  // the queue file is gone already
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_TRUE(files_in(t.path / kHost / "queue").empty());
  EXPECT_EQ(files_in(t.path / kHost / "mail" / "bob" / "new").size(), 1u);
  AfterCrash c(t.path);
  EXPECT_EQ(c.problems.str(), "");
  EXPECT_TRUE(c.host(kHost).queue.empty());
  const auto& inbox = c.got.hosts[kHost].mail["bob"]["INBOX"];
  ASSERT_EQ(inbox.messages.size(), 1u);
  EXPECT_EQ(inbox.messages[0].content, kBody);
  EXPECT_EQ(inbox.uidvalidity, 7u);
}

TEST(SpoolCommit, CommittedEntryStaysUntilTheCommitAfterItsDelivery) {
  TempDir t;
  net::Spool s(t.path);
  ASSERT_EQ(s.queue_add(kHost, entry("1000A1"), kBody), std::nullopt);
  ASSERT_EQ(s.commit(), std::nullopt);
  // A later round delivers it: the Maildir file is written, the removal waits.
  ASSERT_EQ(s.mail_add(kHost, "bob", "INBOX", 7,
                       nodes::JournalMessage{1, 0, 1'800'000'000'000'000, kBody}),
            std::nullopt);
  ASSERT_EQ(s.queue_remove(kHost, "1000A1"), std::nullopt);
  EXPECT_EQ(files_in(t.path / kHost / "queue"), std::vector<std::string>{"1000A1.queue"});
  {
    // A crash here keeps the entry (delivered again at restart: a duplicate, never a loss).
    AfterCrash c(t.path);
    EXPECT_EQ(c.host(kHost).queue.size(), 1u);
  }
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_TRUE(files_in(t.path / kHost / "queue").empty());
  AfterCrash c(t.path);
  EXPECT_TRUE(c.host(kHost).queue.empty());
  EXPECT_EQ(c.got.hosts[kHost].mail["bob"]["INBOX"].messages.size(), 1u);
}

TEST(SpoolCommit, UpdatesReplaceTheEnvelopeAndKeepTheMessage) {
  TempDir t;
  net::Spool s(t.path);
  auto e = entry("1000A1", "carol@example.net");
  ASSERT_EQ(s.queue_add(kHost, e, kBody), std::nullopt);
  e.attempts = 1;
  e.rcpts[0].last_error = "x-smtpsim; connection refused";
  ASSERT_EQ(s.queue_update(kHost, e), std::nullopt);  // before the commit: the pending file
  EXPECT_EQ(files_in(t.path / kHost / "tmp").size(), 1u);
  ASSERT_EQ(s.commit(), std::nullopt);
  e.attempts = 2;
  ASSERT_EQ(s.queue_update(kHost, e), std::nullopt);  // after it: the file in queue/
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_EQ(files_in(t.path / kHost / "queue"), std::vector<std::string>{"1000A1.queue"});
  EXPECT_TRUE(files_in(t.path / kHost / "tmp").empty());
  AfterCrash c(t.path);
  ASSERT_EQ(c.host(kHost).queue.size(), 1u);
  EXPECT_EQ(c.host(kHost).queue[0].first.attempts, 2);
  EXPECT_EQ(c.host(kHost).queue[0].first.rcpts[0].last_error, "x-smtpsim; connection refused");
  EXPECT_EQ(c.host(kHost).queue[0].second, kBody);
}

TEST(SpoolCommit, QueueFileCutShortIsSetAsideNotServedShorter) {
  TempDir t;
  const fs::path q = t.path / kHost / "queue";
  const std::string text = sf::queue_file_text(entry("1000A1"), kBody);
  write(q / "1000A1.queue", text.substr(0, text.size() - 3));
  write(q / "1000A2.queue", text);  // the id inside is 1000A1
  net::Spool s(t.path);
  std::ostringstream problems;
  auto got = s.load(problems);
  EXPECT_TRUE(got.hosts[kHost].queue.empty());
  const std::string p = problems.str();
  EXPECT_NE(p.find("1000A1.queue cannot be read (it holds " + std::to_string(kBody.size() - 3) +
                   " bytes of message where its envelope says " + std::to_string(kBody.size()) +
                   "): moved to"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("1000A2.queue cannot be read (the id inside is not the one in its name)"),
            std::string::npos)
      << p;
  EXPECT_EQ(files_in(t.path / kHost / "corrupt"),
            (std::vector<std::string>{"1000A1.queue", "1000A2.queue"}));
}

TEST(SpoolCommit, FailedCommitDropsTheNewEntryAndHoldsBackRemovals) {
  TempDir t;
  net::Spool s(t.path);
  ASSERT_EQ(s.queue_add(kHost, entry("1000A1"), kBody), std::nullopt);
  ASSERT_EQ(s.commit(), std::nullopt);
  // The DSN of 1000A1 cannot reach the queue: 1000A1 must stay (a restart makes it again).
  ASSERT_EQ(s.queue_add(kHost, entry("1000A2", "x@example.org"), "DSN"), std::nullopt);
  ASSERT_EQ(s.queue_remove(kHost, "1000A1"), std::nullopt);
  const fs::path q = t.path / kHost / "queue";
  fs::rename(q, t.path / kHost / "queue.moved");
  write(q, "not a directory");  // the rename into queue/ fails, for root too
  auto err = s.commit();
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("cannot rename"), std::string::npos) << *err;
  EXPECT_FALSE(s.pending());
  EXPECT_TRUE(files_in(t.path / kHost / "tmp").empty());
  // Sticky for the rest of the turn: the 250 that waited for 1000A2 must not go out either.
  EXPECT_EQ(s.commit(), err);
  EXPECT_EQ(s.end_turn(), err);
  EXPECT_EQ(s.commit(), std::nullopt);
  fs::remove(q);
  fs::rename(t.path / kHost / "queue.moved", q);
  EXPECT_EQ(files_in(q), std::vector<std::string>{"1000A1.queue"});
}

// ---- the first format ------------------------------------------------------------------------

TEST(SpoolCommit, EntriesOfTheFirstFormatLoadUpdateAndGo) {
  TempDir t;
  const fs::path q = t.path / kHost / "queue";
  auto e = entry("1000A1", "carol@example.net");
  write(q / "1000A1.json", sf::entry_json(e));
  write(q / "1000A1.msg", kBody);
  write(q / "1000A2.msg", "never committed");
  net::Spool s(t.path);
  std::ostringstream problems;
  auto got = s.load(problems);
  EXPECT_NE(problems.str().find("removed " + (q / "1000A2.msg").string()), std::string::npos);
  ASSERT_EQ(got.hosts[kHost].queue.size(), 1u);
  EXPECT_EQ(got.hosts[kHost].queue[0].second, kBody);
  // An update keeps the format it found (.json beside .msg).
  e.attempts = 4;
  ASSERT_EQ(s.queue_update(kHost, e), std::nullopt);
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_EQ(files_in(q), (std::vector<std::string>{"1000A1.json", "1000A1.msg"}));
  {
    AfterCrash c(t.path);
    ASSERT_EQ(c.host(kHost).queue.size(), 1u);
    EXPECT_EQ(c.host(kHost).queue[0].first.attempts, 4);
  }
  ASSERT_EQ(s.queue_remove(kHost, "1000A1"), std::nullopt);
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_TRUE(files_in(q).empty());
  // An entry on disk in neither format cannot be updated.
  EXPECT_NE(s.queue_update(kHost, entry("1000A9")), std::nullopt);
}

TEST(SpoolCommit, BothFormatsForOneIdLoadTheNewerOnce) {
  TempDir t;
  const fs::path q = t.path / kHost / "queue";
  auto e = entry("1000A1");
  write(q / "1000A1.json", sf::entry_json(e));
  write(q / "1000A1.msg", "old");
  write(q / "1000A1.queue", sf::queue_file_text(e, "new"));
  net::Spool s(t.path);
  std::ostringstream problems;
  auto got = s.load(problems);
  ASSERT_EQ(got.hosts[kHost].queue.size(), 1u);
  EXPECT_EQ(got.hosts[kHost].queue[0].second, "new");
  EXPECT_NE(problems.str().find("1000A1.json is an older copy of 1000A1.queue: skipped"),
            std::string::npos)
      << problems.str();
  EXPECT_EQ(files_in(q), (std::vector<std::string>{"1000A1.json", "1000A1.msg", "1000A1.queue"}));
}

// ---- mailboxes -------------------------------------------------------------------------------

TEST(SpoolCommit, FlagsAndExpungeAreOnDiskAfterTheCommit) {
  TempDir t;
  const fs::path box = t.path / kHost / "mail" / "bob";
  {
    net::Spool s(t.path);
    for (std::uint32_t uid = 1; uid <= 3; ++uid)
      ASSERT_EQ(s.mail_add(kHost, "bob", "INBOX", 7,
                           nodes::JournalMessage{uid, 0, 1'800'000'000'000'000, kBody}),
                std::nullopt);
    ASSERT_EQ(s.mail_flags(kHost, "bob", "INBOX", 1, mail::kSeen), std::nullopt);
    const std::uint32_t gone[] = {2};
    ASSERT_EQ(s.mail_expunge(kHost, "bob", "INBOX", 7, 4, gone), std::nullopt);
    ASSERT_EQ(s.commit(), std::nullopt);
    EXPECT_FALSE(s.pending());
    EXPECT_EQ(files_in(box / "new").size(), 1u);
    EXPECT_EQ(files_in(box / "cur").size(), 1u);
  }
  AfterCrash c(t.path);
  const auto& inbox = c.got.hosts[kHost].mail["bob"]["INBOX"];
  ASSERT_EQ(inbox.messages.size(), 2u);
  EXPECT_EQ(inbox.messages[0].uid, 1u);
  EXPECT_EQ(inbox.messages[0].flags, unsigned(mail::kSeen));
  EXPECT_EQ(inbox.messages[1].uid, 3u);
  EXPECT_EQ(inbox.uidnext, 4u);
}

// IMAP DELETE and RENAME (spool_folders.cpp): the renames are made at once and their
// directories synced by commit(); a deleted folder waits in tmp/ until that commit, so a
// crash before it leaves nothing of the folder in the mailbox, and load() clears the rest.
TEST(SpoolCommit, FolderDeleteAndRenameBeforeAndAfterTheCommit) {
  TempDir t;
  const fs::path box = t.path / kHost / "mail" / "bob";
  net::Spool s(t.path);
  for (const char* folder : {"Junk", "Work"})
    ASSERT_EQ(s.mail_add(kHost, "bob", folder, 9,
                         nodes::JournalMessage{1, mail::kSeen, 1'800'000'000'000'000, kBody}),
              std::nullopt);
  // No commit in between: what waits to be synced in the folders moves with them (an fsync
  // of a directory that is gone would fail the commit and every answer waiting for it).
  ASSERT_EQ(s.mail_delete_folder(kHost, "bob", "Junk"), std::nullopt);
  ASSERT_EQ(s.mail_rename_folder(kHost, "bob", "Work", "Archive/Work", 9, 2), std::nullopt);
  EXPECT_TRUE(s.pending());
  {
    AfterCrash c(t.path);
    auto& mail = c.got.hosts[kHost].mail["bob"];
    EXPECT_EQ(mail.count("Junk"), 0u);
    EXPECT_EQ(mail.count("Work"), 0u);
    ASSERT_EQ(mail.count("Archive/Work"), 1u);
    EXPECT_EQ(mail["Archive/Work"].uidvalidity, 9u);
    ASSERT_EQ(mail["Archive/Work"].messages.size(), 1u);
    EXPECT_EQ(mail["Archive/Work"].messages[0].flags, unsigned(mail::kSeen));
    EXPECT_NE(c.problems.str().find("removed 1 unfinished"), std::string::npos)
        << c.problems.str();  // the deleted folder, still in tmp/
  }
  ASSERT_EQ(s.commit(), std::nullopt);
  EXPECT_FALSE(s.pending());
  EXPECT_TRUE(files_in(t.path / kHost / "tmp").empty());
  EXPECT_FALSE(fs::exists(box / ".Junk"));
  AfterCrash c(t.path);
  EXPECT_EQ(c.problems.str(), "");
  EXPECT_EQ(c.got.hosts[kHost].mail["bob"].count("Archive/Work"), 1u);
}

}  // namespace
