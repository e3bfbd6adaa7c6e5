// Property test: mail is conserved while it is read. Over many random reading worlds
// (tests/support/retrieval_world.hpp: one provider, devices reading over POP3 and IMAP,
// sends, fetch/read/delete, hosts, ports and links failing), every run must satisfy:
//   1. Nothing lost: every Delivered (user, uid) is still in that user's INBOX at the end,
//      or was removed by a justified Expunged event; the INBOX holds nothing never delivered.
//   2. Justified removal: an Expunged (user, uid) follows either a FlagsChanged that set
//      \Deleted (the IMAP delete path), or a Retrieved of that UIDL id by a POP3
//      download-and-delete device of that user on a connection whose client then sent QUIT,
//      or, when that session was cut before QUIT, a later session of the same device did
//      (RFC 1939 §6: a session dropped after DELE without QUIT deletes nothing; the next one
//      deletes what the device already has without fetching it again).
//   3. No duplicates: no POP3 device downloads one UIDL id twice; no device lists one key twice.
//   4. Devices agree with the server where they must: an IMAP device still connected and
//      idle (its IDLE answered with "+", nothing changed in the last second, its connection
//      never lost bytes to a cut link) shows exactly the INBOX (UIDs, \Seen, subjects); every
//      message any device shows was delivered to its user, with that subject.
//   5. Determinism: a seed gives the same transcript twice.
// The POP3 connection of a Retrieved event is the device's latest POP3 ConnectionOpened (a
// device runs one POP3 session at a time: fetch() refuses while one is under way).
//
// Runs: SMTPSIM_RETRIEVAL_RUNS (default 400) seeds 1..N; SMTPSIM_RETRIEVAL_SEED=N runs one
// seed; SMTPSIM_SHOW=1 prints the whole transcript of a failing (shrunk) case.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/nodes/mail_reader.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/retrieval_world.hpp"

namespace {

using namespace smtpsim;
using smtpsim::testing::kReadingMda;
using smtpsim::testing::ReadingDevice;
using smtpsim::testing::ReadingWorld;
using trace::Event;
using trace::EventKind;
using Key = std::pair<std::string, std::uint32_t>;  // (user, uid) in INBOX

struct Stats {
  std::size_t runs = 0, delivered = 0, pop3_downloads = 0, imap_listed = 0, bodies = 0,
              expunged_imap = 0, expunged_pop3 = 0, cut_after_dele = 0, imap_compared = 0,
              imap_skipped = 0, device_messages = 0, events = 0;
};

struct CaseResult {
  std::vector<std::string> failures;
  Stats stats;
  std::string transcript;
};

// "1.7" -> 7 (the POP3 UIDL id is "uidvalidity.uid"); 0 when it does not parse.
std::uint32_t uid_of(const std::string& id) {
  const auto dot = id.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == id.size() || id.size() - dot > 10)
    return 0;
  std::uint64_t v = 0;
  for (std::size_t i = dot + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(id[i] - '0');
  }
  return v > 0xffffffffu ? 0 : static_cast<std::uint32_t>(v);
}

CaseResult run_case(const ReadingWorld& w, bool want_transcript) {
  CaseResult out;
  auto fail = [&](std::string s) {
    if (out.failures.size() < 12) out.failures.push_back(std::move(s));
  };
  trace::Recorder rec(4096);
  scenario::Simulation sim(w.spec, rec);
  nodes::Mda& mda = *sim.mda(kReadingMda);
  std::map<Key, std::string> subjects;  // what each delivered message says in Subject:
  rec.subscribe([&](const Event& e) {
    if (e.kind != EventKind::Delivered) return;
    const mail::Folder* f = mda.store().folder(e.detail, "INBOX");
    const mail::StoredMessage* m = f ? f->find(e.uid) : nullptr;
    if (!m) {
      fail(fmt::format("#{} Delivered {} uid {}, but it is not in the INBOX", e.seq, e.detail,
                       e.uid));
      return;
    }
    std::string from;
    nodes::summarize(m->content, subjects[{e.detail, e.uid}], from);
  });
  try {
    sim.run();
  } catch (const std::exception& ex) {  // a node or machine gave up: a bug, report it
    fail(fmt::format("exception at {}: {}", engine::format_time(sim.now()), ex.what()));
    if (want_transcript) out.transcript = trace::render_text(rec.events());
    return out;
  }
  const std::int64_t end = w.spec.run_for_us;

  std::map<std::string, const ReadingDevice*> devices;
  for (const auto& d : w.devices) devices[d.host] = &d;
  struct Conn {
    const ReadingDevice* dev = nullptr;
    bool quit = false, dele = false, closed = false, damaged = false;
    bool idle_sent = false, idling = false;  // IMAP: "tag IDLE" written, "+ idling" seen
    std::int64_t last_line = 0;
  };
  std::map<std::uint64_t, Conn> conns;
  std::map<std::string, std::uint64_t> current;  // device -> its latest connection
  std::set<Key> delivered, expunged;
  std::set<Key> deleted_flag;                               // \Deleted was set (IMAP)
  std::map<Key, std::vector<std::uint64_t>> dd_conns;       // download-and-delete RETRs: conns
  std::map<std::string, std::set<std::string>> downloaded;  // POP3 device -> UIDL ids
  std::map<std::string, std::int64_t> last_change;          // user -> last store change
  auto at = [](const Event& e) {
    return fmt::format("#{} {}", e.seq, engine::format_time(e.time));
  };

  for (const Event& e : rec.events()) {
    switch (e.kind) {
      case EventKind::ConnectionOpened:
        if (auto it = devices.find(e.host); it != devices.end() && e.peer == kReadingMda) {
          conns[e.conn].dev = it->second;
          current[e.host] = e.conn;
        }
        break;
      case EventKind::ConnectionClosed:
        if (auto it = conns.find(e.conn); it != conns.end()) it->second.closed = true;
        break;
      case EventKind::LinkCut:  // bytes in flight are dropped: the session may be out of step
        for (auto& [id, c] : conns)
          if (!c.closed && (e.host == kReadingMda || e.host == c.dev->host)) c.damaged = true;
        break;
      case EventKind::Line: {
        auto it = conns.find(e.conn);
        if (it == conns.end()) break;
        Conn& c = it->second;
        c.last_line = e.time;
        if (e.host != c.dev->host) {  // a line from the server (every Line is "outbound")
          if (c.idle_sent && e.text.rfind("+", 0) == 0) c.idling = true;
          break;
        }
        c.idle_sent = e.text.size() > 5 && e.text.ends_with(" IDLE");
        c.idling = false;
        if (e.proto == "POP3" && e.text == "QUIT") c.quit = true;
        if (e.proto == "POP3" && e.text.rfind("DELE ", 0) == 0) c.dele = true;
        break;
      }
      case EventKind::Delivered:
        ++out.stats.delivered;
        last_change[e.detail] = e.time;
        if (!delivered.insert({e.detail, e.uid}).second)
          fail(fmt::format("{} uid {} delivered twice to {}", at(e), e.uid, e.detail));
        break;
      case EventKind::FlagsChanged:
        last_change[e.address] = e.time;
        if (e.detail == "INBOX" && (e.flags & mail::kDeleted))
          deleted_flag.insert({e.address, e.uid});
        break;
      case EventKind::Expunged: {
        last_change[e.address] = e.time;
        const Key k{e.address, e.uid};
        if (e.detail != "INBOX") break;
        if (!delivered.count(k))
          fail(fmt::format("{} expunged {} uid {}, never delivered", at(e), e.address, e.uid));
        if (!expunged.insert(k).second)
          fail(fmt::format("{} {} uid {} expunged twice", at(e), e.address, e.uid));
        const bool by_imap = deleted_flag.count(k) > 0;
        // The session that downloaded it sent QUIT, or it was cut before QUIT and a later
        // session of the same device (which DELEs known messages without a RETR) did.
        const bool by_pop3 =
            std::any_of(dd_conns[k].begin(), dd_conns[k].end(), [&](std::uint64_t id) {
              const ReadingDevice* dev = conns[id].dev;
              return std::any_of(conns.lower_bound(id), conns.end(), [&](const auto& c) {
                return c.second.dev == dev && c.second.quit;
              });
            });
        if (by_imap) {
          ++out.stats.expunged_imap;
        } else if (by_pop3) {
          ++out.stats.expunged_pop3;
        } else {
          fail(
              fmt::format("{} {} uid {} expunged without \\Deleted and without a POP3 "
                          "download-and-delete session that RETRieved it and sent QUIT",
                          at(e), e.address, e.uid));
        }
        break;
      }
      case EventKind::Retrieved: {
        auto it = devices.find(e.host);
        if (it == devices.end()) {
          fail(fmt::format("{} Retrieved on {}, which is no reading device", at(e), e.host));
          break;
        }
        const ReadingDevice& d = *it->second;
        if (e.proto != "POP3") {
          ++(e.detail == "body" ? out.stats.bodies : out.stats.imap_listed);
          break;
        }
        ++out.stats.pop3_downloads;
        const std::uint32_t uid = uid_of(e.detail);
        if (uid == 0) {
          fail(fmt::format("{} {}: POP3 Retrieved with UIDL id '{}'", at(e), e.host, e.detail));
          break;
        }
        if (!downloaded[e.host].insert(e.detail).second)
          fail(fmt::format("{} {} downloaded {} a second time", at(e), e.host, e.detail));
        auto cur = current.find(e.host);
        if (cur == current.end() || conns[cur->second].closed) {
          fail(fmt::format("{} {}: POP3 Retrieved outside any open session", at(e), e.host));
        } else if (!d.keep) {
          dd_conns[{d.user, uid}].push_back(cur->second);
        }
        break;
      }
      default:
        break;
    }
  }
  for (const auto& [id, c] : conns)
    if (c.dev->pop3 && c.dele && !c.quit) ++out.stats.cut_after_dele;

  // ---- 1. the store at the end ----
  std::vector<std::string> users = w.users;
  users.push_back("sender");
  for (const auto& u : users) {
    const mail::Folder* f = mda.store().folder(u, "INBOX");
    if (!f) {
      fail(fmt::format("{} has no INBOX", u));
      continue;
    }
    for (const auto& m : f->messages)
      if (!delivered.count({u, m.uid}))
        fail(fmt::format("{}'s INBOX holds uid {}, never traced as delivered", u, m.uid));
  }
  for (const auto& k : delivered) {
    const mail::Folder* f = mda.store().folder(k.first, "INBOX");
    if ((!f || !f->find(k.second)) && !expunged.count(k))
      fail(
          fmt::format("lost: {} uid {} was delivered, is not in the INBOX and was never "
                      "expunged",
                      k.first, k.second));
  }

  // ---- 3. and 4. the devices at the end ----
  for (const auto& d : w.devices) {
    const nodes::MailReader& r = *sim.mua(d.host)->reader();
    std::set<std::string> keys;
    for (const auto& m : r.messages()) {
      ++out.stats.device_messages;
      if (!keys.insert(m.key).second)
        fail(fmt::format("{} lists {} twice (\"{}\")", d.host, m.key, m.subject));
      const std::uint32_t uid = d.pop3 ? uid_of(m.key) : m.uid;
      auto s = subjects.find({d.user, uid});
      if (s == subjects.end()) {
        fail(fmt::format("{} shows \"{}\" ({}), never delivered to {}", d.host, m.subject, m.key,
                         d.user));
      } else if (s->second != m.subject) {
        fail(fmt::format("{} shows {} as \"{}\", but {} uid {} is \"{}\"", d.host, m.key, m.subject,
                         d.user, uid, s->second));
      }
    }
    if (d.pop3) continue;
    auto cur = current.find(d.host);
    const Conn* c = cur == current.end() ? nullptr : &conns[cur->second];
    if (!r.connected() || !c || c->closed) continue;
    if (c->damaged || !c->idling || c->last_line > end - engine::kSecond ||
        last_change[d.user] > end - engine::kSecond) {
      ++out.stats.imap_skipped;
      continue;
    }
    ++out.stats.imap_compared;
    std::string device_view, server_view;
    for (const auto& m : r.messages())
      device_view += fmt::format(" {}{}", m.uid, m.seen ? "S" : "");
    for (const auto& m : mda.store().folder(d.user, "INBOX")->messages)
      server_view += fmt::format(" {}{}", m.uid, (m.flags & mail::kSeen) ? "S" : "");
    if (device_view != server_view)
      fail(fmt::format("{} is connected and idle but shows [{} ] while {}'s INBOX is [{} ]", d.host,
                       device_view, d.user, server_view));
  }

  out.stats.runs = 1;
  out.stats.events = rec.size();
  if (want_transcript) out.transcript = trace::render_text(rec.events());
  return out;
}

std::string describe(const ReadingWorld& w) {
  std::string out;
  for (const auto& d : w.devices) {
    out +=
        fmt::format("  device {} of {}: {}:{}{}\n", d.host, d.user, d.pop3 ? "pop3" : "imap",
                    d.port, d.pop3 ? (d.keep ? " leave on server" : " download and delete") : "");
  }
  std::vector<scenario::Action> script = w.spec.script;
  std::stable_sort(script.begin(), script.end(),
                   [](const auto& a, const auto& b) { return a.at_us < b.at_us; });
  for (const auto& a : script) {
    out += fmt::format("  {} {} {}", engine::format_time(a.at_us), a.kind, a.host);
    if (a.port) out += fmt::format(":{}", a.port);
    for (const auto& t : a.to) out += " to:" + t;
    if (!a.subject.empty()) out += fmt::format(" \"{}\"", a.subject);
    if (a.index) out += fmt::format(" #{}", a.index);
    if (!a.subject_match.empty()) out += fmt::format(" \"{}\"", a.subject_match);
    out += "\n";
  }
  return out;
}

// Cuts the script down, one action at a time, while the case still fails.
ReadingWorld shrink(ReadingWorld w) {
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < w.spec.script.size(); ++i) {
      ReadingWorld smaller = w;
      smaller.spec.script.erase(smaller.spec.script.begin() + static_cast<std::ptrdiff_t>(i));
      if (!run_case(smaller, false).failures.empty()) {
        w = std::move(smaller);
        progress = true;
        --i;
      }
    }
  }
  return w;
}

// The transcript, or its last `lines` lines.
std::string excerpt(const std::string& transcript, std::size_t lines) {
  if (std::getenv("SMTPSIM_SHOW")) return transcript;
  std::size_t at = transcript.size();
  for (std::size_t n = 0; n <= lines && at > 0; ++n) at = transcript.rfind('\n', at - 1);
  return at == std::string::npos || at == 0 ? transcript : "  ...\n" + transcript.substr(at + 1);
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(RetrievalConservation, MailIsNeitherLostNorDuplicatedWhileRead) {
  const std::uint64_t only = env_number("SMTPSIM_RETRIEVAL_SEED", 0);
  const std::uint64_t runs = only ? 1 : env_number("SMTPSIM_RETRIEVAL_RUNS", 400);
  const auto started = std::chrono::steady_clock::now();
  Stats t;
  std::size_t max_events = 0, healed = 0;
  int failed = 0;
  for (std::uint64_t i = 0; i < runs; ++i) {
    const std::uint64_t seed = only ? only : i + 1;
    const ReadingWorld world = smtpsim::testing::make_reading_world(seed);
    const CaseResult r = run_case(world, false);
    const Stats& s = r.stats;
    t.runs += s.runs;
    t.delivered += s.delivered;
    t.pop3_downloads += s.pop3_downloads;
    t.imap_listed += s.imap_listed;
    t.bodies += s.bodies;
    t.expunged_imap += s.expunged_imap;
    t.expunged_pop3 += s.expunged_pop3;
    t.cut_after_dele += s.cut_after_dele;
    t.imap_compared += s.imap_compared;
    t.imap_skipped += s.imap_skipped;
    t.device_messages += s.device_messages;
    t.events += s.events;
    max_events = std::max(max_events, s.events);
    healed += world.healed;
    if (r.failures.empty()) continue;
    ++failed;
    std::string msg = fmt::format("seed {} fails:\n", seed);
    for (const auto& f : r.failures) msg += "  " + f + "\n";
    if (failed <= 3) {
      const ReadingWorld small = shrink(world);
      const CaseResult again = run_case(small, true);
      msg += fmt::format("shrunk to {} of {} actions:\n{}", small.spec.script.size(),
                         world.spec.script.size(), describe(small));
      for (const auto& f : again.failures) msg += "  " + f + "\n";
      msg += excerpt(again.transcript, 60);
    }
    ADD_FAILURE() << msg;
    if (failed >= 10) break;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "[retrieval-conservation] %zu runs in %.1f s (%zu healed at the end): %zu deliveries, "
      "%zu POP3 downloads, %zu IMAP listings, %zu bodies opened, %zu expunged over IMAP, %zu "
      "over POP3, %zu POP3 sessions cut after DELE; %zu IMAP devices compared with the "
      "server (%zu connected but not idle/quiet); %zu messages on devices; %zu events (max %zu "
      "per run)\n",
      t.runs, secs, healed, t.delivered, t.pop3_downloads, t.imap_listed, t.bodies, t.expunged_imap,
      t.expunged_pop3, t.cut_after_dele, t.imap_compared, t.imap_skipped, t.device_messages,
      t.events, max_events);
  if (runs >= 300) {  // the generator must reach the interesting cases
    EXPECT_GT(t.expunged_imap, 0u);
    EXPECT_GT(t.expunged_pop3, 0u);
    EXPECT_GT(t.cut_after_dele, 0u);
    EXPECT_GT(t.imap_compared, 0u);
    EXPECT_GT(t.bodies, 0u);
  }
}

TEST(RetrievalConservation, SameSeedSameTranscript) {
  for (std::uint64_t seed : {1u, 7u, 42u, 99u, 123u}) {
    const ReadingWorld world = smtpsim::testing::make_reading_world(seed);
    const CaseResult a = run_case(world, true);
    const CaseResult b = run_case(smtpsim::testing::make_reading_world(seed), true);
    EXPECT_EQ(a.transcript, b.transcript) << "seed " << seed;
    EXPECT_GT(a.stats.events, 0u);
  }
}

}  // namespace
