// net::Spool, live mode's files for the queue and the mailboxes: a restart gets back queued
// mail (and delivers it) and mailbox messages with their UIDs, UIDVALIDITY and flags; a
// session that dies mid-DATA leaves nothing half-written; POP3 DELE without QUIT deletes
// nothing on disk (RFC 1939 §6: only the UPDATE state removes); an unwritable spool makes
// the server answer 451 4.3.0; corrupt or foreign files are reported in one sentence each and
// skipped. Every test works in its own directory under /tmp, removed at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "net/spool.hpp"
#include "net/spool_format.hpp"
#include "sim/proto/pop3/server_session.hpp"
#include "sim/scenario/restore.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
namespace fs = std::filesystem;
namespace sf = net::spool_format;
using engine::kMinute;
using engine::kSecond;
using trace::EventKind;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("smtpsim-spool-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
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

bool has_line(const trace::Recorder& r, std::string_view part) {
  return std::any_of(r.events().begin(), r.events().end(), [&](const trace::Event& e) {
    return e.kind == EventKind::Line && e.text.find(part) != std::string::npos;
  });
}

// Every tmp/ under the root is empty.
void expect_no_tmp_files(const fs::path& root) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_directory() && e.path().filename() == "tmp") {
      EXPECT_TRUE(files_in(e.path()).empty()) << e.path();
    }
  }
}

// A live-mode run: a spool loaded and attached, its recovery put back (the serve sequence).
struct LiveRun {
  net::Spool spool;
  std::ostringstream problems;
  trace::Recorder rec;
  std::unique_ptr<scenario::Simulation> sim;
  LiveRun(const fs::path& root, const scenario::Spec& spec, std::int64_t unix_now = 1'800'000'000)
      : spool(root) {
    nodes::Recovered kept = spool.load(problems);
    scenario::LiveHooks hooks;
    hooks.journal = &spool;
    sim = std::make_unique<scenario::Simulation>(spec, rec, std::nullopt, hooks);
    for (const auto& p : scenario::restore(*sim, kept, unix_now)) problems << p << "\n";
  }
  mail::Folder& inbox(const std::string& host, const std::string& user) {
    return *sim->mda(host)->store().folder(user, "INBOX");
  }
};

scenario::Spec providers(std::int64_t run_for) {
  auto spec = smtpsim::testing::two_providers();
  spec.run_for_us = run_for;
  return spec;
}

// ---- formats ------------------------------------------------------------------------------

TEST(SpoolFormat, NamesNeverLeaveTheRootAndReadBack) {
  for (std::string name : {"bob", "Sent", "../../etc", ".hidden", "a/b", "x y", "", "%41"}) {
    const std::string enc = net::Spool::encode_name(name);
    EXPECT_EQ(enc.find('/'), std::string::npos) << name;
    EXPECT_NE(enc.front(), '.') << name;
    EXPECT_EQ(net::Spool::decode_name(enc), name) << name;
  }
  EXPECT_EQ(net::Spool::encode_name("../x"), "%2E.%2Fx");
  EXPECT_EQ(net::Spool::decode_name("%2"), std::nullopt);
  EXPECT_EQ(net::Spool::decode_name("%2e"), std::nullopt);  // only one spelling per name
  EXPECT_EQ(net::Spool::decode_name("a%2Fb"), "a/b");
}

TEST(SpoolFormat, MessageNamesCarryUidDateAndMaildirFlags) {
  EXPECT_EQ(sf::flag_letters(mail::kSeen | mail::kFlagged | mail::kDraft), "DFS");
  EXPECT_EQ(sf::flag_letters(mail::kAnswered | mail::kDeleted), "RT");
  const std::string n =
      sf::message_name(1'800'000'000'123'456, 42, "mx.example.net", mail::kSeen | mail::kAnswered);
  EXPECT_EQ(n, "1800000000.M123456U42.mx.example.net:2,RS");
  auto p = sf::parse_message_name(n);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->uid, 42u);
  EXPECT_EQ(p->flags, unsigned(mail::kSeen | mail::kAnswered));
  EXPECT_EQ(p->internal_unix_us, 1'800'000'000'123'456);
  EXPECT_EQ(p->base, "1800000000.M123456U42.mx.example.net");
  // Other programs' keyword letters are ignored; names we did not write are refused.
  EXPECT_EQ(sf::parse_message_name("1.M0U7.h:2,Sa")->flags, unsigned(mail::kSeen));
  for (std::string bad : {"1690000000.M1P2.host", "x.M1U2.h", "1.M1U0.h", "1.M1U2.", "1.M1U2.h:1,S",
                          "1.M1000000U2.h", "notes.txt"})
    EXPECT_FALSE(sf::parse_message_name(bad)) << bad;
}

TEST(SpoolFormat, QueueHeaderRoundTripsAndRefusesWhatItDidNotWrite) {
  nodes::JournalEntry e;
  e.id = "2000A1";
  e.sender = "";
  e.arrival_unix_us = 1'800'000'000'000'001;
  e.next_attempt_unix_us = 1'800'000'300'000'000;
  e.attempts = 3;
  e.delay_warned = true;
  e.rcpts.push_back({"a@example.net", nodes::QueuedRecipient::State::Pending, 3,
                     "smtp; 451 4.7.1 greylisted", "4.7.1", "mx.example.net"});
  e.rcpts.push_back({"b@example.net", nodes::QueuedRecipient::State::Relayed, 1, "", "", ""});
  auto back = sf::parse_entry_json(sf::entry_json(e));
  ASSERT_TRUE(std::holds_alternative<nodes::JournalEntry>(back));
  const auto& r = std::get<nodes::JournalEntry>(back);
  EXPECT_EQ(r.id, e.id);
  EXPECT_EQ(r.sender, "");
  EXPECT_EQ(r.arrival_unix_us, e.arrival_unix_us);
  EXPECT_EQ(r.next_attempt_unix_us, e.next_attempt_unix_us);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_TRUE(r.delay_warned);
  ASSERT_EQ(r.rcpts.size(), 2u);
  EXPECT_EQ(r.rcpts[0].last_error, "smtp; 451 4.7.1 greylisted");
  EXPECT_EQ(r.rcpts[1].state, nodes::QueuedRecipient::State::Relayed);
  EXPECT_EQ(std::get<std::string>(sf::parse_entry_json("{\"format\":\"x\"}")),
            "it is not an smtpsim queue file");
  EXPECT_EQ(std::get<std::string>(sf::parse_entry_json("{\"format\":\"smtpsim-queue-1\"}")),
            "a field is missing or has the wrong type");
  EXPECT_EQ(std::get<std::string>(sf::parse_entry_json("{trunc")), "it is not valid JSON");
  EXPECT_FALSE(sf::parse_uidlist("smtpsim-uidlist-1\nuidvalidity 5\n"));
  EXPECT_FALSE(sf::parse_uidlist("smtpsim-uidlist-1\nuidvalidity 5\nuidnext 3"));  // cut short
  EXPECT_EQ(sf::parse_uidlist(sf::uidlist_text({7, 9}))->uidnext, 9u);
}

// ---- restart ------------------------------------------------------------------------------

TEST(Spool, RestartBringsBackQueueAndMailboxesAndDeliversTheQueued) {
  TempDir t;
  std::uint32_t uidvalidity = 0;
  std::string bob_content;
  {
    // example.net is down: alice's message to carol waits in mail.example.com's queue; the
    // one to bob is delivered and then read and flagged.
    auto spec = providers(3 * kMinute);
    spec.script.push_back(smtpsim::testing::host_action(0, "host_down", "mx.example.net"));
    spec.script.push_back(smtpsim::testing::send_action(
        kSecond, "alice-laptop", {"carol@example.net", "bob@example.com"}, "before the restart"));
    LiveRun run(t.path, spec);
    run.sim->run();
    auto& bob = run.inbox("mail.example.com", "bob");
    ASSERT_EQ(bob.messages.size(), 1u);
    run.sim->mda("mail.example.com")
        ->store()
        .set_flags("bob", "INBOX", 1, mail::kSeen | mail::kFlagged);
    uidvalidity = bob.uidvalidity;
    bob_content = bob.messages[0].content;
    EXPECT_EQ(uidvalidity, 1'800'000'000u);
    EXPECT_EQ(run.sim->mta("mail.example.com")->queued_count(), 1u);
    EXPECT_EQ(run.problems.str(), "");
  }  // Ctrl-C: the process ends here; only the files remain
  const fs::path host = t.path / "mail.example.com";
  EXPECT_EQ(files_in(host / "queue").size(), 1u);  // <id>.queue
  const auto cur = files_in(host / "mail" / "bob" / "cur");
  ASSERT_EQ(cur.size(), 1u);
  EXPECT_NE(cur[0].find("U1."), std::string::npos);
  EXPECT_EQ(cur[0].substr(cur[0].size() - 5), ":2,FS");
  EXPECT_EQ(read(host / "mail" / "bob" / "cur" / cur[0]), bob_content);

  // A later start: folders kept on disk keep their UIDVALIDITY, whatever the clock says.
  LiveRun again(t.path, providers(30 * kMinute), 1'900'000'000);
  EXPECT_EQ(again.problems.str(), "");
  auto& bob = again.inbox("mail.example.com", "bob");
  ASSERT_EQ(bob.messages.size(), 1u);
  EXPECT_EQ(bob.uidvalidity, uidvalidity);
  EXPECT_EQ(bob.messages[0].uid, 1u);
  EXPECT_EQ(bob.messages[0].flags, unsigned(mail::kSeen | mail::kFlagged));
  EXPECT_EQ(bob.messages[0].content, bob_content);
  EXPECT_EQ(bob.uidnext, 2u);
  ASSERT_EQ(again.sim->mta("mail.example.com")->queued_count(), 1u);
  again.sim->run();
  // The queued message went out once example.net answered, and left the queue on disk.
  ASSERT_EQ(again.inbox("mx.example.net", "carol").messages.size(), 1u);
  EXPECT_NE(again.inbox("mx.example.net", "carol").messages[0].content.find("before the restart"),
            std::string::npos);
  EXPECT_EQ(again.sim->mta("mail.example.com")->queued_count(), 0u);
  ASSERT_EQ(again.spool.commit(), std::nullopt);  // what serve does after every loop turn
  EXPECT_TRUE(files_in(host / "queue").empty());
  EXPECT_EQ(files_in(t.path / "mx.example.net" / "mail" / "carol" / "new").size(), 1u);
  // New mail continues the UIDs; new queue ids continue after the reserved block.
  EXPECT_EQ(again.sim->mda("mail.example.com")
                ->deliver("bob@example.com", "x@example.org", "Subject: 2\r\n\r\n2\r\n", "Q"),
            mail::StoreResult::Stored);
  EXPECT_EQ(bob.messages.back().uid, 2u);
  EXPECT_EQ(again.sim->mta("mail.example.com")->new_queue_id(), "100401");
  expect_no_tmp_files(t.path);
}

TEST(Spool, ExpungedUidsAreNeverReusedAfterARestart) {
  TempDir t;
  {
    LiveRun run(t.path, providers(kMinute));
    auto* mda = run.sim->mda("mail.example.com");
    for (int i = 0; i < 3; ++i)
      mda->deliver("bob@example.com", "x@example.org", "Subject: n\r\n\r\nn\r\n", "Q");
    const std::uint32_t gone[] = {2, 3};
    EXPECT_EQ(mda->store().expunge("bob", "INBOX", gone), 2u);
  }
  EXPECT_EQ(files_in(t.path / "mail.example.com" / "mail" / "bob" / "new").size(), 1u);
  LiveRun again(t.path, providers(kMinute));
  EXPECT_EQ(again.problems.str(), "");
  auto& bob = again.inbox("mail.example.com", "bob");
  ASSERT_EQ(bob.messages.size(), 1u);
  EXPECT_EQ(bob.uidnext, 4u);  // RFC 3501 §2.3.1.1: 2 and 3 stay used
}

// IMAP DELETE and RENAME on disk (RFC 3501 §6.3.4-5): a restart shows the folders as they
// were left, renamed ones with their UIDVALIDITY, UIDs and flags, and never brings back a
// deleted one. A deletion cut short by a crash (the folder already renamed into tmp/) is
// cleared at the next start.
TEST(Spool, DeletedAndRenamedFoldersStayThatWayAfterARestart) {
  TempDir t;
  const std::int64_t now = 1'800'000'100'000'000;
  std::uint32_t work_validity = 0, sub_validity = 0;
  {
    LiveRun run(t.path, providers(kMinute));
    auto* mda = run.sim->mda("mail.example.com");
    auto& store = mda->store();
    for (int i = 0; i < 2; ++i)
      mda->deliver("bob@example.com", "x@example.org", "Subject: in\r\n\r\nin\r\n", "Q");
    ASSERT_TRUE(store.create_folder("bob", "Work", now));
    ASSERT_TRUE(store.create_folder("bob", "Work/2024", now));
    ASSERT_TRUE(store.create_folder("bob", "Junk", now));
    ASSERT_TRUE(store.create_folder("bob", "Empty", now));
    store.append("bob", "Work", "Subject: w1\r\n\r\n1\r\n", mail::kSeen, now);
    store.append("bob", "Work", "Subject: w2\r\n\r\n2\r\n", 0, now);
    const std::uint32_t first[] = {1};
    store.expunge("bob", "Work", first);  // UIDNEXT 3 must survive the rename
    store.append("bob", "Work/2024", "Subject: s\r\n\r\ns\r\n", mail::kFlagged, now);
    store.append("bob", "Junk", "Subject: j\r\n\r\nj\r\n", 0, now);
    work_validity = store.folder("bob", "Work")->uidvalidity;
    sub_validity = store.folder("bob", "Work/2024")->uidvalidity;
    EXPECT_EQ(store.rename_folder("bob", "Work", "Archive/Work", now), mail::FolderResult::Done);
    EXPECT_EQ(store.rename_folder("bob", "Empty", "Still empty", now), mail::FolderResult::Done);
    EXPECT_EQ(store.delete_folder("bob", "Junk"), mail::FolderResult::Done);
    EXPECT_EQ(store.rename_folder("bob", "INBOX", "Old", now), mail::FolderResult::Done);
    EXPECT_EQ(run.problems.str(), "");
    EXPECT_FALSE(std::any_of(run.rec.events().begin(), run.rec.events().end(),
                             [](const trace::Event& e) { return e.detail == "error"; }));
  }
  const fs::path bob = t.path / "mail.example.com" / "mail" / "bob";
  EXPECT_FALSE(fs::exists(bob / ".Junk"));
  EXPECT_FALSE(fs::exists(bob / ".Work"));
  EXPECT_TRUE(fs::exists(bob / ".Archive%2FWork" / "uidlist"));
  expect_no_tmp_files(t.path);
  // A deletion a crash cut short: renamed out of the mailbox, not yet removed.
  write(t.path / "mail.example.com" / "tmp" / "deleted..Gone.7" / "cur" / "1.M1U1.h:2,S", "x");

  LiveRun again(t.path, providers(kMinute), 1'900'000'000);
  EXPECT_NE(again.problems.str().find("removed 1 unfinished"), std::string::npos)
      << again.problems.str();
  auto& store = again.sim->mda("mail.example.com")->store();
  EXPECT_EQ(store.folder("bob", "Work"), nullptr);
  EXPECT_EQ(store.folder("bob", "Work/2024"), nullptr);
  EXPECT_EQ(store.folder("bob", "Junk"), nullptr);
  EXPECT_EQ(store.folder("bob", "Gone"), nullptr);
  EXPECT_EQ(store.folder("bob", "Empty"), nullptr);
  ASSERT_NE(store.folder("bob", "Still empty"), nullptr);
  EXPECT_TRUE(store.folder("bob", "Still empty")->messages.empty());
  ASSERT_NE(store.folder("bob", "Archive"), nullptr);  // made as CREATE makes superiors
  const mail::Folder* work = store.folder("bob", "Archive/Work");
  ASSERT_NE(work, nullptr);
  EXPECT_EQ(work->uidvalidity, work_validity);
  EXPECT_EQ(work->uidnext, 3u);
  ASSERT_EQ(work->messages.size(), 1u);
  EXPECT_EQ(work->messages[0].uid, 2u);
  EXPECT_EQ(work->messages[0].content, "Subject: w2\r\n\r\n2\r\n");
  const mail::Folder* sub = store.folder("bob", "Archive/Work/2024");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->uidvalidity, sub_validity);
  ASSERT_EQ(sub->messages.size(), 1u);
  EXPECT_EQ(sub->messages[0].flags, unsigned(mail::kFlagged));
  // RENAME INBOX: the messages under their UIDs in Old, INBOX empty but its UIDs go on.
  const mail::Folder* old = store.folder("bob", "Old");
  ASSERT_NE(old, nullptr);
  ASSERT_EQ(old->messages.size(), 2u);
  EXPECT_EQ(old->messages[1].uid, 2u);
  EXPECT_TRUE(store.folder("bob", "INBOX")->messages.empty());
  EXPECT_EQ(store.folder("bob", "INBOX")->uidnext, 3u);
  expect_no_tmp_files(t.path);
}

// ---- sessions that do not finish ---------------------------------------------------------

TEST(Spool, ClientVanishingMidDataLosesNothingAcknowledgedAndLeavesNoHalfFile) {
  TempDir t;
  auto spec = providers(5 * kMinute);
  scenario::Action typed;
  typed.at_us = kSecond;
  typed.kind = "telnet";
  typed.host = "alice-laptop";
  typed.server = "mail.example.com";
  typed.port = 25;
  typed.lines = {"EHLO laptop",
                 "MAIL FROM:<x@example.org>",
                 "RCPT TO:<bob@example.com>",
                 "DATA",
                 "Subject: one",
                 "",
                 "complete",
                 ".",
                 "MAIL FROM:<x@example.org>",
                 "RCPT TO:<bob@example.com>",
                 "DATA",
                 "Subject: two",
                 "only half of it"};
  spec.script.push_back(typed);
  // The laptop disappears while the second message is still coming (no final dot).
  spec.script.push_back(smtpsim::testing::host_action(kMinute, "host_down", "alice-laptop"));
  {
    LiveRun run(t.path, spec);
    run.sim->run();
    EXPECT_TRUE(has_line(run.rec, "250 2.0.0 Ok: queued as"));
    ASSERT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 1u);
  }
  const fs::path host = t.path / "mail.example.com";
  EXPECT_TRUE(files_in(host / "queue").empty());
  const auto delivered = files_in(host / "mail" / "bob" / "new");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_NE(read(host / "mail" / "bob" / "new" / delivered[0]).find("complete"), std::string::npos);
  expect_no_tmp_files(t.path);
  LiveRun again(t.path, providers(kMinute));
  EXPECT_EQ(again.problems.str(), "");
  EXPECT_EQ(again.inbox("mail.example.com", "bob").messages.size(), 1u);
}

// One POP3 session on the MDA's store: log in as bob, RETR and DELE message 1, then QUIT or
// just drop the connection.
void pop3_dele_first(mail::MailStore& store, bool quit) {
  pop3::ServerSession s(pop3::ServerConfig{}, store);
  auto pump = [&] {
    for (;;) {
      auto ev = s.next_event();
      if (std::holds_alternative<pop3::server_event::Auth>(ev)) {
        s.accept();
        continue;
      }
      if (std::holds_alternative<pop3::server_event::Update>(ev)) continue;
      s.take_output();
      return;
    }
  };
  s.start();
  pump();
  s.receive("USER bob\r\nPASS bob\r\nRETR 1\r\nDELE 1\r\n");
  pump();
  if (quit) {
    s.receive("QUIT\r\n");
  } else {
    s.receive_eof();
  }
  pump();
}

TEST(Spool, Pop3DeleWithoutQuitDeletesNothingOnDisk) {
  TempDir t;
  const fs::path box = t.path / "mail.example.com" / "mail" / "bob";
  {
    LiveRun run(t.path, providers(kMinute));
    run.sim->mda("mail.example.com")
        ->deliver("bob@example.com", "x@example.org", "Subject: n\r\n\r\nn\r\n", "Q");
    pop3_dele_first(run.sim->mda("mail.example.com")->store(), false);
    ASSERT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 1u);
  }
  // RETR marked it \Seen (moved to cur/ with S); DELE without QUIT removed nothing.
  const auto cur = files_in(box / "cur");
  ASSERT_EQ(cur.size(), 1u);
  EXPECT_EQ(cur[0].substr(cur[0].size() - 4), ":2,S");
  {
    LiveRun run(t.path, providers(kMinute));
    ASSERT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 1u);
    pop3_dele_first(run.sim->mda("mail.example.com")->store(), true);
    EXPECT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 0u);
  }
  EXPECT_TRUE(files_in(box / "cur").empty());
  EXPECT_TRUE(files_in(box / "new").empty());
}

// ---- failures -----------------------------------------------------------------------------

TEST(Spool, UnwritableSpoolMakesTheServerAnswer451) {
  TempDir t;
  auto spec = providers(kMinute);
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", {"bob@example.com"}, "no room"));
  LiveRun run(t.path, spec);
  // Tests may run as root, for whom chmod 000 changes nothing: a regular file where the host's
  // directory should be makes every write under it fail for anyone.
  write(t.path / "mail.example.com", "not a directory");
  run.sim->run();
  EXPECT_TRUE(has_line(run.rec, "451 4.3.0"));
  EXPECT_FALSE(has_line(run.rec, "queued as"));
  EXPECT_EQ(run.sim->mta("mail.example.com")->queued_count(), 0u);
  EXPECT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 0u);
  EXPECT_EQ(read(t.path / "mail.example.com"), "not a directory");
}

TEST(Spool, UnusableRootIsOneSentence) {
  TempDir t;
  write(t.path / "file", "x");
  try {
    net::Spool s(t.path / "file" / "spool");
    FAIL() << "a spool under a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot use '"), std::string::npos) << e.what();
  }
  net::Spool first(t.path / "spool");
  EXPECT_THROW(net::Spool second(t.path / "spool"), std::runtime_error);  // locked
}

TEST(Spool, CorruptAndForeignFilesAreReportedOnceAndSkipped) {
  TempDir t;
  const fs::path host = t.path / "mail.example.com";
  {
    // One good queued message and one good mailbox message to keep.
    auto spec = providers(3 * kMinute);
    spec.script.push_back(smtpsim::testing::host_action(0, "host_down", "mx.example.net"));
    spec.script.push_back(
        smtpsim::testing::send_action(kSecond, "alice-laptop", {"carol@example.net"}, "keep"));
    LiveRun run(t.path, spec);
    run.sim->run();
    run.sim->mda("mail.example.com")
        ->deliver("bob@example.com", "x@example.org", "Subject: n\r\n\r\nn\r\n", "Q");
  }
  write(host / "queue" / "BAD1.json", "{ this is not json");
  write(host / "queue" / "BAD1.msg", "Subject: broken\r\n\r\n");
  write(host / "queue" / "BAD2.json", "{\"format\":\"smtpsim-queue-1\",\"id\":\"BAD2\"}");
  write(host / "queue" / "ORPHAN.msg", "Subject: never committed\r\n\r\n");
  write(host / "queue" / "README", "hello");
  write(host / "tmp" / "1234.json.7", "{\"half");
  write(host / "mail" / "bob" / "new" / "notes.txt", "not mail");
  write(host / "mail" / "bob" / "tmp" / "1800000000.M1U9.mail.example.com", "half a mess");
  write(t.path / "stray.txt", "x");

  LiveRun run(t.path, providers(30 * kMinute));
  const std::string p = run.problems.str();
  auto lines = std::count(p.begin(), p.end(), '\n');
  EXPECT_EQ(lines, 8) << p;
  EXPECT_NE(p.find("BAD1.json cannot be read (it is not valid JSON): moved to"), std::string::npos)
      << p;
  EXPECT_NE(p.find("BAD2.json cannot be read (a field is missing or has the wrong type)"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("removed " + (host / "queue" / "ORPHAN.msg").string()), std::string::npos) << p;
  EXPECT_NE(p.find("README is not a file this spool writes: skipped"), std::string::npos) << p;
  EXPECT_NE(p.find("notes.txt is not a file this spool writes"), std::string::npos) << p;
  EXPECT_NE(p.find("stray.txt is not a file this spool writes"), std::string::npos) << p;
  EXPECT_NE(p.find("removed 1 unfinished file(s) from " + (host / "tmp").string()),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("removed 1 unfinished file(s) from " + (host / "mail" / "bob" / "tmp").string()),
            std::string::npos)
      << p;
  // What was good came back and works.
  EXPECT_EQ(run.inbox("mail.example.com", "bob").messages.size(), 1u);
  EXPECT_EQ(run.sim->mta("mail.example.com")->queued_count(), 1u);
  run.sim->run();
  EXPECT_EQ(run.inbox("mx.example.net", "carol").messages.size(), 1u);
  EXPECT_EQ(files_in(host / "corrupt"),
            (std::vector<std::string>{"BAD1.json", "BAD1.msg", "BAD2.json"}));
  expect_no_tmp_files(t.path);
  // Reported once: the next start finds only the foreign files again.
  std::ostringstream next;
  run.spool.load(next);
  const std::string n = next.str();
  EXPECT_EQ(std::count(n.begin(), n.end(), '\n'), 3) << n;
}

}  // namespace
