// The sim's side of live mode's durable queue (sim/nodes/journal.hpp), with a journal that
// records calls in memory: the 250 after the final dot goes out only after the journal has
// the entry (RFC 5321 §4.1.1.4 / §6.1), a journal that cannot write makes the server answer
// 451 4.3.0 and keep nothing, bounces are journaled before the entry they report on goes,
// and a local delivery that cannot be written stays queued.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "sim/nodes/journal.hpp"
#include "sim/scenario/restore.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kMinute;
using engine::kSecond;
using trace::EventKind;

// Remembers every call in order; a host named in `refuse` fails every write.
class RecordingJournal : public nodes::Journal {
 public:
  explicit RecordingJournal(const trace::Recorder& rec) : rec_(rec) {}
  std::vector<std::string> calls;  // "add mail.example.com 1000001", ...
  std::map<std::string, std::pair<nodes::JournalEntry, std::string>> queue;  // host/id
  std::set<std::string> refuse;
  // For each queue_add: did a 250 naming this id already appear in the trace?
  std::vector<bool> ok_seen_before_add;
  std::vector<std::int64_t> mail_dates;  // internal_unix_us of every mail_add

  std::optional<std::string> queue_add(const std::string& host, const nodes::JournalEntry& e,
                                       const std::string& content) override {
    calls.push_back("add " + host + " " + e.id + " <" + e.sender + ">");
    if (refuse.count(host)) return std::string("disk full");
    ok_seen_before_add.push_back(saw_queued_reply(e.id));
    queue[host + "/" + e.id] = {e, content};
    return std::nullopt;
  }
  std::optional<std::string> queue_update(const std::string& host,
                                          const nodes::JournalEntry& e) override {
    calls.push_back("update " + host + " " + e.id);
    queue[host + "/" + e.id].first = e;
    return std::nullopt;
  }
  std::optional<std::string> queue_remove(const std::string& host, const std::string& id) override {
    calls.push_back("remove " + host + " " + id);
    queue.erase(host + "/" + id);
    return std::nullopt;
  }
  std::optional<std::string> reserve_ids(const std::string& host, std::uint64_t through) override {
    calls.push_back("ids " + host + " " + std::to_string(through));
    return std::nullopt;
  }
  std::optional<std::string> mail_add(const std::string& host, const std::string& user,
                                      const std::string& folder, std::uint32_t,
                                      const nodes::JournalMessage& m) override {
    calls.push_back("mail " + host + " " + user + " " + folder + " " + std::to_string(m.uid));
    mail_dates.push_back(m.internal_unix_us);
    if (refuse.count(host)) return std::string("disk full");
    return std::nullopt;
  }
  std::optional<std::string> mail_flags(const std::string& host, const std::string& user,
                                        const std::string&, std::uint32_t uid,
                                        unsigned flags) override {
    calls.push_back("flags " + host + " " + user + " " + std::to_string(uid) + " " +
                    std::to_string(flags));
    return std::nullopt;
  }
  std::optional<std::string> mail_expunge(const std::string& host, const std::string& user,
                                          const std::string&, std::uint32_t, std::uint32_t,
                                          std::span<const std::uint32_t> uids) override {
    calls.push_back("expunge " + host + " " + user + " " + std::to_string(uids.size()));
    return std::nullopt;
  }
  std::optional<std::string> mail_create(const std::string& host, const std::string& user,
                                         const std::string& folder, std::uint32_t,
                                         std::uint32_t uidnext) override {
    calls.push_back("create " + host + " " + user + " " + folder + " " + std::to_string(uidnext));
    return std::nullopt;
  }
  std::optional<std::string> mail_delete_folder(const std::string& host, const std::string& user,
                                                const std::string& folder) override {
    calls.push_back("rmfolder " + host + " " + user + " " + folder);
    if (refuse.count(host)) return std::string("disk full");
    return std::nullopt;
  }
  std::optional<std::string> mail_rename_folder(const std::string& host, const std::string& user,
                                                const std::string& from, const std::string& to,
                                                std::uint32_t, std::uint32_t) override {
    calls.push_back("mvfolder " + host + " " + user + " " + from + " " + to);
    return std::nullopt;
  }

 private:
  bool saw_queued_reply(const std::string& id) const {
    return std::any_of(rec_.events().begin(), rec_.events().end(), [&](const trace::Event& e) {
      return e.kind == EventKind::Line && e.code == 250 &&
             e.text.find("queued as " + id) != std::string::npos;
    });
  }
  const trace::Recorder& rec_;
};

bool has_line(const trace::Recorder& r, std::string_view part) {
  return std::any_of(r.events().begin(), r.events().end(), [&](const trace::Event& e) {
    return e.kind == EventKind::Line && e.text.find(part) != std::string::npos;
  });
}

std::size_t count(const trace::Recorder& r, EventKind k, const std::string& host) {
  return static_cast<std::size_t>(
      std::count_if(r.events().begin(), r.events().end(),
                    [&](const trace::Event& e) { return e.kind == k && e.host == host; }));
}

std::size_t count_calls(const RecordingJournal& j, std::string_view prefix) {
  return static_cast<std::size_t>(std::count_if(j.calls.begin(), j.calls.end(),
                                                [&](auto& c) { return c.rfind(prefix, 0) == 0; }));
}

scenario::Spec alice_writes(std::vector<std::string> to) {
  auto spec = smtpsim::testing::two_providers();
  spec.run_for_us = 10 * kMinute;
  spec.script.push_back(
      smtpsim::testing::send_action(kSecond, "alice-laptop", std::move(to), "hi"));
  return spec;
}

TEST(SpoolJournal, TwoHundredFiftyOnlyAfterTheEntryIsJournaled) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  // Through the MSA (587 -> enqueue) on mail.example.com, then port 25 (Mta::message) on
  // mx.example.net.
  scenario::Simulation sim(alice_writes({"carol@example.net"}), rec, {}, hooks);
  sim.run();
  ASSERT_EQ(j.ok_seen_before_add.size(), 2u);
  EXPECT_FALSE(j.ok_seen_before_add[0]);
  EXPECT_FALSE(j.ok_seen_before_add[1]);
  EXPECT_EQ(count_calls(j, "add mail.example.com"), 1u);
  EXPECT_EQ(count_calls(j, "add mx.example.net"), 1u);
  // ... and the 250s did go out afterwards; both entries are done and removed.
  EXPECT_EQ(std::count_if(rec.events().begin(), rec.events().end(),
                          [](auto& e) {
                            return e.kind == EventKind::Line && e.code == 250 &&
                                   e.text.find("queued as") != std::string::npos;
                          }),
            2);
  EXPECT_TRUE(j.queue.empty());
  EXPECT_EQ(count_calls(j, "remove "), 2u);
  EXPECT_EQ(count_calls(j, "mail mx.example.net carol INBOX 1"), 1u);
  // The mailbox copy is written before the queue entry that carried it is removed.
  auto at = [&](std::string_view c) {
    return std::find_if(j.calls.begin(), j.calls.end(),
                        [&](auto& s) { return s.rfind(c, 0) == 0; });
  };
  EXPECT_LT(at("mail mx.example.net carol"), at("remove mx.example.net"));
}

TEST(SpoolJournal, UnwritableQueueOnPort25Answers451AndKeepsNothing) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  j.refuse.insert("mx.example.net");
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  auto spec = alice_writes({"carol@example.net"});
  spec.run_for_us = 2 * kMinute;  // before the first retry
  scenario::Simulation sim(spec, rec, {}, hooks);
  sim.run();
  EXPECT_TRUE(has_line(rec, "451 4.3.0 Error: queue file write error, try again later"));
  EXPECT_EQ(count(rec, EventKind::Queued, "mx.example.net"), 0u);
  EXPECT_EQ(sim.mta("mx.example.net")->queued_count(), 0u);
  EXPECT_EQ(sim.mda("mx.example.net")->store().folder("carol", "INBOX")->messages.size(), 0u);
  // The sender's MTA heard a 4xx: the message stays in its queue for a retry.
  EXPECT_EQ(sim.mta("mail.example.com")->queued_count(), 1u);
  EXPECT_EQ(count(rec, EventKind::Deferred, "mail.example.com"), 1u);
}

TEST(SpoolJournal, UnwritableQueueOnSubmissionAnswers451) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  j.refuse.insert("mail.example.com");
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec, {}, hooks);
  sim.run();
  EXPECT_TRUE(has_line(rec, "451 4.3.0"));
  EXPECT_FALSE(has_line(rec, "queued as"));
  EXPECT_EQ(count(rec, EventKind::Queued, "mail.example.com"), 0u);
  EXPECT_EQ(sim.mda("mail.example.com")->store().folder("bob", "INBOX")->messages.size(), 0u);
}

TEST(SpoolJournal, UnwritableMailboxDefersTheLocalDelivery) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  auto spec = alice_writes({"carol@example.net"});
  spec.run_for_us = 2 * kMinute;
  scenario::Simulation sim(spec, rec, {}, hooks);
  // Only mailbox writes fail on mx.example.net: the queue there still takes the message.
  struct MailRefusing : RecordingJournal {
    using RecordingJournal::RecordingJournal;
    std::optional<std::string> mail_add(const std::string&, const std::string&, const std::string&,
                                        std::uint32_t, const nodes::JournalMessage&) override {
      return std::string("no space left on device");
    }
  } refusing(rec);
  sim.mda("mx.example.net")->set_journal(&refusing);
  sim.run();
  EXPECT_EQ(sim.mda("mx.example.net")->store().folder("carol", "INBOX")->messages.size(), 0u);
  EXPECT_EQ(sim.mta("mx.example.net")->queued_count(), 1u);
  const auto& q = sim.mta("mx.example.net")->queue().begin()->second;
  EXPECT_EQ(q.rcpts[0].status, "4.3.0");
  EXPECT_NE(q.rcpts[0].last_error.find("no space left on device"), std::string::npos);
  // The journal heard of the deferral (state, attempts) for a restart.
  EXPECT_EQ(count_calls(j, "update mx.example.net"), 1u);
}

TEST(SpoolJournal, BounceIsJournaledBeforeTheEntryItReportsOnGoes) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation sim(alice_writes({"nobody@nosuch.example"}), rec, {}, hooks);
  sim.run();
  auto dsn = std::find_if(j.calls.begin(), j.calls.end(), [](auto& c) {
    return c.rfind("add mail.example.com", 0) == 0 && c.find("<>") != std::string::npos;
  });
  ASSERT_NE(dsn, j.calls.end());
  auto first = std::find_if(j.calls.begin(), j.calls.end(),
                            [](auto& c) { return c.rfind("remove mail.example.com", 0) == 0; });
  EXPECT_LT(dsn, first);
  EXPECT_EQ(sim.mda("mail.example.com")->store().folder("alice", "INBOX")->messages.size(), 1u);
  EXPECT_TRUE(j.queue.empty());
}

TEST(SpoolJournal, QueueIdsAreReservedInBlocksAndContinueAfterRestore) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec, {}, hooks);
  nodes::Recovered kept;
  kept.hosts["mail.example.com"].ids_reserved = 5000;
  EXPECT_TRUE(scenario::restore(sim, kept, 1'800'000'000).empty());
  EXPECT_EQ(sim.mta("mail.example.com")->new_queue_id(), fmt::format("{:X}{:05X}", 1, 5001));
  EXPECT_EQ(count_calls(j, "ids mail.example.com 6024"), 1u);
  EXPECT_EQ(sim.mta("mail.example.com")->new_queue_id(), fmt::format("{:X}{:05X}", 1, 5002));
  EXPECT_EQ(count_calls(j, "ids "), 1u);  // one write per block, not per message
}

TEST(SpoolJournal, RestoreReportsKeptMailOfHostsTheScenarioLacks) {
  trace::Recorder rec;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec);
  nodes::Recovered kept;
  nodes::JournalEntry e;
  e.id = "100001";
  e.rcpts.push_back(nodes::QueuedRecipient{"x@example.org"});
  kept.hosts["gone.example"].queue.emplace_back(e, "Subject: x\r\n\r\nx\r\n");
  kept.hosts["ns.example"].mail["bob"]["INBOX"] = {};
  auto problems = scenario::restore(sim, kept, 1'800'000'000);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("gone.example, which has no MTA"), std::string::npos);
  EXPECT_NE(problems[1].find("ns.example, which has no MDA"), std::string::npos);
  // Fresh folders get a UIDVALIDITY from the clock, not the lessons' constant 1.
  EXPECT_EQ(sim.mda("mail.example.com")->store().folder("bob", "INBOX")->uidvalidity,
            1'800'000'000u);
}

// A mailbox keeps wall dates (unix microseconds), as IMAP's INTERNALDATE and APPEND's
// date-time are (RFC 3501 §2.3.3, §6.3.11): a delivery is dated at the run's epoch plus its
// virtual time, the journal gets that same date, and a restart gives it back unchanged.
// (Delivered mail once showed "01-Jan-1970" in live mode and APPENDed mail moved by the
// epoch on every restart.)
TEST(SpoolJournal, MailboxDatesAreWallDatesInTheStoreTheJournalAndAfterRestore) {
  constexpr std::int64_t kEpoch = 1'800'000'000;
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  hooks.epoch_unix = kEpoch;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec, {}, hooks);
  nodes::Recovered kept;
  nodes::RecoveredFolder sent;
  sent.uidnext = 2;
  sent.messages.push_back(nodes::JournalMessage{1, 0, 1'700'000'000'123'456, "Subject: x\r\n\r\n"});
  kept.hosts["mail.example.com"].mail["alice"]["Sent"] = sent;
  EXPECT_TRUE(scenario::restore(sim, kept, kEpoch).empty());
  sim.run();
  const auto& store = sim.mda("mail.example.com")->store();
  const mail::Folder* inbox = store.folder("bob", "INBOX");
  ASSERT_EQ(inbox->messages.size(), 1u);
  const std::int64_t date = inbox->messages[0].internal_date;
  EXPECT_GT(date, kEpoch * kSecond);
  EXPECT_LT(date, kEpoch * kSecond + 10 * kMinute);
  EXPECT_NE(std::find(j.mail_dates.begin(), j.mail_dates.end(), date), j.mail_dates.end());
  for (std::int64_t d : j.mail_dates) {  // deliveries and any copy an MUA saved
    EXPECT_GT(d, kEpoch * kSecond);
    EXPECT_LT(d, kEpoch * kSecond + 10 * kMinute);
  }
  EXPECT_EQ(store.folder("alice", "Sent")->messages[0].internal_date, 1'700'000'000'123'456);
}

// An IMAP CREATE reaches the journal while the folder is still empty: mbsync's "Create Both"
// made folders that vanished at the next start, and mbsync then failed to open them.
TEST(SpoolJournal, ACreatedFolderIsJournaledWhileEmpty) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec, {}, hooks);
  const std::size_t events = rec.events().size();
  EXPECT_TRUE(sim.mda("mail.example.com")->store().create_folder("bob", "Work"));
  EXPECT_EQ(count_calls(j, "create mail.example.com bob Work 1"), 1u);
  EXPECT_FALSE(sim.mda("mail.example.com")->store().create_folder("bob", "Work"));
  EXPECT_EQ(count_calls(j, "create "), 1u);
  EXPECT_EQ(rec.events().size(), events);  // nothing for the transcript
}

// IMAP DELETE and RENAME reach the journal as folder operations, one per name moved (the
// superior first, superiors of the new name created first); RENAME INBOX is one operation
// too, and traces its messages leaving INBOX. A failed write is traced as an error.
TEST(SpoolJournal, FolderDeleteAndRenameAreJournaled) {
  trace::Recorder rec;
  RecordingJournal j(rec);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation sim(alice_writes({"bob@example.com"}), rec, {}, hooks);
  sim.run();
  auto& store = sim.mda("mail.example.com")->store();
  ASSERT_EQ(store.folder("bob", "INBOX")->messages.size(), 1u);
  ASSERT_TRUE(store.create_folder("bob", "Work"));
  ASSERT_TRUE(store.create_folder("bob", "Work/2024"));
  j.calls.clear();
  EXPECT_EQ(store.rename_folder("bob", "Work", "Archive/Work"), mail::FolderResult::Done);
  EXPECT_EQ(j.calls, (std::vector<std::string>{
                         "create mail.example.com bob Archive 1",
                         "mvfolder mail.example.com bob Work Archive/Work",
                         "mvfolder mail.example.com bob Work/2024 Archive/Work/2024"}));
  j.calls.clear();
  EXPECT_EQ(store.rename_folder("bob", "INBOX", "Old"), mail::FolderResult::Done);
  EXPECT_EQ(j.calls, (std::vector<std::string>{"expunge mail.example.com bob 0",
                                               "mvfolder mail.example.com bob INBOX Old"}));
  EXPECT_EQ(count(rec, EventKind::Expunged, "mail.example.com"), 1u);  // the inbox badge
  j.calls.clear();
  EXPECT_EQ(store.delete_folder("bob", "Archive/Work"), mail::FolderResult::Done);
  EXPECT_EQ(j.calls, (std::vector<std::string>{"rmfolder mail.example.com bob Archive/Work"}));
  j.refuse.insert("mail.example.com");
  EXPECT_EQ(store.delete_folder("bob", "Old"), mail::FolderResult::Done);
  EXPECT_TRUE(std::any_of(rec.events().begin(), rec.events().end(), [](const trace::Event& e) {
    return e.kind == EventKind::Note && e.detail == "error" &&
           e.text.find("cannot write bob's Old to disk: disk full") != std::string::npos;
  }));
}

TEST(SpoolJournal, WithoutAJournalNothingIsCalledAndTheTraceIsUnchanged) {
  trace::Recorder plain, with;
  scenario::Simulation a(alice_writes({"carol@example.net", "bob@example.com"}), plain);
  a.run();
  RecordingJournal j(with);
  scenario::LiveHooks hooks;
  hooks.journal = &j;
  scenario::Simulation b(alice_writes({"carol@example.net", "bob@example.com"}), with, {}, hooks);
  b.run();
  // A journal that always succeeds changes nothing a learner sees.
  ASSERT_EQ(plain.events().size(), with.events().size());
  for (std::size_t i = 0; i < plain.events().size(); ++i)
    EXPECT_EQ(plain.events()[i].text, with.events()[i].text) << i;
}

}  // namespace
