// Property test: mail is conserved. Over many random worlds and fault schedules
// (tests/support/random_world.hpp), every (message accepted by an MSA or MTA, recipient)
// ends exactly once as
//   - delivered into a mailbox,
//   - bounced, with a DSN queued back to the envelope sender (or, when the sender is <>,
//     dropped and traced: a bounce is never bounced), or
//   - still queued when the run ends,
// never lost, never duplicated, and no DSN is ever sent to <>.
//
// Identity: a message relayed from MTA A to MTA B is the same logical message. Each queue
// entry (host, queue id) is read from the MTA's queue when its Queued event is recorded
// (sender, recipients, content: Message-ID and the client address of the top Received:),
// and a Relayed event at A ("... queued as X") links (A, id, rcpt) to (B, X, rcpt). The
// trace gives each (entry, recipient) its outcome; the final state gives what is still
// queued and what the mailboxes hold (checked against the Delivered events by Message-ID).
//
// The one duplicate SMTP allows: RFC 5321 §6.1 — when the connection is lost after the
// final "." reached the server but before its reply came back, the client must assume
// failure and retry, so the server's copy is delivered as well. Such an entry at B has no
// Relayed event pointing at it; it is accepted only when the trace shows a "." from A to B
// that never got its reply, and only as many as there are such dots. They are counted and
// printed.
//
// Runs: SMTPSIM_CONSERVATION_RUNS (default 1000) seeds 1..N. The first failing seeds are
// shrunk (the script cut down one action at a time while it still fails) and printed as a
// world description, with the transcript when SMTPSIM_SHOW=1; SMTPSIM_CONSERVATION_SEED=N
// runs just that seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sim/proto/mail/dsn.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "sim/trace/text_writer.hpp"
#include "tests/support/random_world.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using trace::Event;
using trace::EventKind;
using State = nodes::QueuedRecipient::State;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string header(const std::string& content, std::string_view name) {
  const auto m = mail::parse_message(content);
  return m.get(name).value_or("");
}

// "from mua0.test ([192.0.2.100])\r\n\tby ..." -> "192.0.2.100"
std::string received_from_address(const std::string& content) {
  const auto m = mail::parse_message(content);
  if (m.fields.empty() || lower(m.fields.front().name) != "received") return "";
  const std::string& v = m.fields.front().value;
  const auto open = v.find("([");
  if (open == std::string::npos) return "";
  const auto close = v.find("])", open);
  return close == std::string::npos ? "" : v.substr(open + 2, close - open - 2);
}

enum class Origin { Submission, Relay, Dsn };

struct Entry {  // one queue entry, as it was when queued
  std::string host, id, sender, mid, from_host;
  std::vector<std::string> rcpts;
  Origin origin = Origin::Relay;
  // DSN entries: what the report says
  std::string dsn_original_mid;
  std::vector<std::pair<std::string, mail::DsnAction>> dsn_rcpts;
  bool dsn_parsed = false;
};

struct Outcome {
  int delivered = 0, relayed = 0, bounced = 0, dropped = 0;
  bool queued = false;  // still pending in the final state
  std::string child;    // Relayed: "host/id"
};

struct Stats {
  std::size_t runs = 0, units = 0, delivered = 0, bounced = 0, queued = 0, dropped = 0, dsns = 0,
              delay_dsns = 0, relays = 0, duplicates = 0, time_limited = 0, events = 0,
              max_events = 0;
};

std::string key(const std::string& host, const std::string& id) {
  return host + "/" + id;
}

struct CaseResult {
  std::vector<std::string> failures;
  Stats stats;
  std::string transcript;
};

// Runs one world and checks every property; failures are sentences.
// after_step, when given, runs after every engine step (a test's own fault injection).
using AfterStep = std::function<void(scenario::Simulation&, const trace::Recorder&)>;

CaseResult run_case(const scenario::Spec& spec, bool want_transcript,
                    const AfterStep& after_step = {}) {
  CaseResult out;
  auto fail = [&](std::string s) {
    if (out.failures.size() < 20) out.failures.push_back(std::move(s));
  };
  trace::Recorder rec(8192);
  scenario::Simulation sim(spec, rec);
  std::vector<std::pair<std::string, std::string>> fresh;
  rec.subscribe([&](const Event& e) {
    if (e.kind == EventKind::Queued) fresh.emplace_back(e.host, e.message_id);
  });

  std::set<std::string> mua_hosts;
  // Hosts that submit: MUAs, and webmail front ends (which submit for their browsers).
  for (const auto& h : spec.hosts)
    for (const char* role : {"MUA", "WEBMAIL"})
      if (std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end())
        mua_hosts.insert(h.name);

  std::map<std::string, Entry> entries;
  auto capture = [&] {
    for (const auto& [host, id] : fresh) {
      nodes::Mta* mta = sim.mta(host);
      if (!mta) {
        fail(fmt::format("Queued at {} which has no MTA", host));
        continue;
      }
      auto it = mta->queue().find(id);
      if (it == mta->queue().end()) {
        fail(fmt::format("{}: queue entry {} traced as queued but not in the queue", host, id));
        continue;
      }
      const nodes::QueueEntry& q = it->second;
      Entry e;
      e.host = host;
      e.id = id;
      e.sender = q.sender;
      for (const auto& r : q.rcpts) e.rcpts.push_back(lower(r.address));
      e.mid = header(q.content, "Message-ID");
      const std::string from_addr = received_from_address(q.content);
      const engine::HostId from = from_addr.empty() ? -1 : sim.net().find(from_addr);
      e.from_host = from >= 0 ? sim.net().name(from) : "";
      if (from_addr.empty()) {
        e.origin = Origin::Dsn;
        if (!q.sender.empty()) fail(fmt::format("{}: {} has no Received: and a sender", host, id));
        auto dsn = mail::parse_dsn(q.content);
        if (!dsn) {
          fail(fmt::format("{}: {} is a locally made message but not a DSN", host, id));
        } else {
          e.dsn_parsed = true;
          e.dsn_original_mid =
              mail::parse_message(dsn->original_headers).get("Message-ID").value_or("");
          for (const auto& r : dsn->recipients)
            e.dsn_rcpts.emplace_back(lower(r.final_recipient), r.action);
        }
      } else {
        e.origin = mua_hosts.count(e.from_host) ? Origin::Submission : Origin::Relay;
      }
      if (e.mid.empty()) fail(fmt::format("{}: {} has no Message-ID", host, id));
      if (!entries.emplace(key(host, id), std::move(e)).second) {
        fail(fmt::format("{}: queue id {} used twice", host, id));
      }
    }
    fresh.clear();
  };
  while (sim.step()) {
    capture();
    if (after_step) after_step(sim, rec);
  }
  capture();
  // Quiet: nothing left to do. Otherwise the time limit ended the run (a host left down for
  // good keeps looking at its queue), and what is queued then counts as "still queued".
  if (sim.total_queued() > 0 || !sim.queue().empty()) ++out.stats.time_limited;

  // Exchange names (MX targets, implicit-MX domains) -> host names, from the A records.
  std::map<std::string, std::string> name_to_host;
  for (const auto& r : spec.dns) {
    if (r.type != "A") continue;
    const engine::HostId h = sim.net().find(r.value);
    if (h >= 0) name_to_host[lower(r.name)] = sim.net().name(h);
  }

  // ---- outcomes from the trace ----
  std::map<std::string, std::map<std::string, Outcome>> outcome;  // entry key -> rcpt -> outcome
  auto outcome_of = [&](const Event& e) -> Outcome* {
    const std::string k = key(e.host, e.message_id);
    auto it = entries.find(k);
    if (it == entries.end()) {
      fail(fmt::format("#{} {} for unknown queue entry {}", e.seq, trace::kind_name(e.kind), k));
      return nullptr;
    }
    const std::string a = lower(e.address);
    if (std::find(it->second.rcpts.begin(), it->second.rcpts.end(), a) == it->second.rcpts.end()) {
      fail(fmt::format("#{} {} of {} for <{}>, not one of its recipients", e.seq,
                       trace::kind_name(e.kind), k, a));
      return nullptr;
    }
    return &outcome[k][a];
  };
  // RFC 5321 §6.1 bookkeeping: per connection, was the last "." answered?
  struct ConnInfo {
    std::string client, server;
    bool dot_unanswered = false;
  };
  std::map<std::uint64_t, ConnInfo> conns;
  std::map<std::pair<std::string, std::string>, int> unanswered_dots;  // (client, server)
  std::map<std::string, std::map<std::string, int>> delivered_mids;    // "host/user" -> mid -> n
  std::size_t dsn_sent_events = 0, delay_events = 0;

  for (const Event& e : rec.events()) {
    switch (e.kind) {
      case EventKind::ConnectionOpened:
        conns[e.conn] = ConnInfo{e.host, e.peer};
        break;
      case EventKind::Line: {
        auto it = conns.find(e.conn);
        if (it == conns.end() || it->second.server.empty()) break;
        if (e.host == it->second.client && e.text == ".") it->second.dot_unanswered = true;
        if (e.host == it->second.server && e.code != 0) it->second.dot_unanswered = false;
        break;
      }
      case EventKind::Delivered:
        if (Outcome* o = outcome_of(e)) {
          ++o->delivered;
          const std::string user = lower(e.address.substr(0, e.address.rfind('@')));
          ++delivered_mids[key(e.host, user)][entries[key(e.host, e.message_id)].mid];
        }
        break;
      case EventKind::Relayed:
        if (Outcome* o = outcome_of(e)) {
          ++o->relayed;
          // "relayed to mx.p1.test: 250 2.0.0 Ok: queued as 300001"
          const auto to = e.text.find("relayed to ");
          const auto colon = e.text.find(':', to);
          const auto qa = e.text.find("queued as ");
          if (to == std::string::npos || colon == std::string::npos || qa == std::string::npos) {
            fail(fmt::format("#{} Relayed without a next hop and queue id: {}", e.seq, e.text));
            break;
          }
          std::string id = e.text.substr(qa + 10);
          id = id.substr(0, id.find_first_of(" )\r\n"));
          const std::string name = lower(e.text.substr(to + 11, colon - to - 11));
          const auto h = name_to_host.find(name);
          o->child = key(h == name_to_host.end() ? name : h->second, id);
        }
        break;
      case EventKind::Bounced:
        if (Outcome* o = outcome_of(e)) ++o->bounced;
        break;
      case EventKind::Dropped:
        if (Outcome* o = outcome_of(e)) ++o->dropped;
        break;
      case EventKind::DsnSent:
      case EventKind::DelayWarned:
        ++(e.kind == EventKind::DsnSent ? dsn_sent_events : delay_events);
        if (e.address.empty() || e.address == "<>") {
          fail(fmt::format("#{} a DSN was sent to <>: {}", e.seq, e.text));
        }
        break;
      default:
        break;
    }
  }
  for (const auto& [id, c] : conns)
    if (c.dot_unanswered) ++unanswered_dots[{c.client, c.server}];

  // ---- the final state: what is still queued ----
  for (const std::string& host : [&] {
         std::vector<std::string> v;
         for (const auto& h : spec.hosts) v.push_back(h.name);
         return v;
       }()) {
    nodes::Mta* mta = sim.mta(host);
    if (!mta) continue;
    for (const auto& [id, q] : mta->queue()) {
      const std::string k = key(host, id);
      if (!entries.count(k)) {
        fail(fmt::format("{} is in the final queue but was never traced as queued", k));
        continue;
      }
      for (const auto& r : q.rcpts) {
        if (r.state == State::Pending) outcome[k][lower(r.address)].queued = true;
      }
    }
  }

  // ---- every (entry, recipient) has exactly one outcome ----
  std::map<std::string, std::set<std::string>> parents;  // child key -> rcpts linked to it
  for (const auto& [k, e] : entries) {
    for (const auto& r : e.rcpts) {
      const Outcome& o = outcome[k][r];
      const int n = o.delivered + o.relayed + o.bounced + (o.queued ? 1 : 0);
      if (n != 1) {
        fail(fmt::format("{} <{}>: {} outcomes (delivered {}, relayed {}, bounced {}, queued {})",
                         k, r, n, o.delivered, o.relayed, o.bounced, o.queued));
      }
      if (o.bounced) {
        if (e.sender.empty() && o.dropped != 1) {
          fail(fmt::format("{} <{}>: a bounce bounced without one Dropped event", k, r));
        }
        if (!e.sender.empty() && o.dropped != 0) {
          fail(fmt::format("{} <{}>: dropped though its sender <{}> can take a DSN", k, r,
                           e.sender));
        }
      } else if (o.dropped) {
        fail(fmt::format("{} <{}>: dropped without being bounced", k, r));
      }
      if (o.relayed == 1) {
        auto c = entries.find(o.child);
        if (c == entries.end()) {
          fail(fmt::format("{} <{}>: relayed to {}, which was never queued", k, r, o.child));
        } else {
          const Entry& child = c->second;
          if (std::find(child.rcpts.begin(), child.rcpts.end(), r) == child.rcpts.end()) {
            fail(fmt::format("{} <{}>: relayed to {}, which does not list the recipient", k, r,
                             o.child));
          }
          if (child.mid != e.mid) {
            fail(fmt::format("{} -> {}: Message-ID changed ({} -> {})", k, o.child, e.mid,
                             child.mid));
          }
          if (child.from_host != e.host || child.origin != Origin::Relay) {
            fail(fmt::format("{} -> {}: the copy came from {}", k, o.child, child.from_host));
          }
          if (child.sender != e.sender) {
            fail(fmt::format("{} -> {}: envelope sender changed", k, o.child));
          }
          if (!parents[o.child].insert(r).second) {
            fail(fmt::format("{} <{}>: two Relayed events point at it", o.child, r));
          }
        }
      }
    }
  }

  // ---- origins, chains, duplicates ----
  std::map<std::string, std::string> origin_mids;  // mid -> key of the origin entry
  for (const auto& [k, e] : entries) {
    if (e.origin == Origin::Relay) continue;
    if (!origin_mids.emplace(e.mid, k).second) {
      fail(fmt::format("{} and {} both start message {}", origin_mids[e.mid], k, e.mid));
    }
  }
  std::map<std::pair<std::string, std::string>, int> orphans;  // (client, server) -> entries
  for (const auto& [k, e] : entries) {
    if (e.origin != Origin::Relay) continue;
    bool orphan = false;
    for (const auto& r : e.rcpts) {
      if (!parents[k].count(r)) orphan = true;
    }
    if (!orphan) continue;
    ++orphans[{e.from_host, e.host}];
    if (!origin_mids.count(e.mid)) {
      fail(fmt::format("{} (from {}) carries {}, which no MSA or DSN started", k, e.from_host,
                       e.mid));
    }
  }
  for (const auto& [pair, n] : orphans) {
    const int dots = unanswered_dots[pair];
    out.stats.duplicates += static_cast<std::size_t>(n);
    if (n > dots) {
      fail(
          fmt::format("{} copies at {} came from {} without a Relayed event, but only {} "
                      "final dots went unanswered (RFC 5321 §6.1 allows only those)",
                      n, pair.second, pair.first, dots));
    }
  }
  // Follow each logical (message, recipient) from its origin to its end.
  for (const auto& [k, e] : entries) {
    if (e.origin == Origin::Relay) continue;
    for (const auto& r : e.rcpts) {
      ++out.stats.units;
      std::string at = k;
      for (int hops = 0;; ++hops) {
        const Outcome& o = outcome[at][r];
        if (o.relayed == 1 && entries.count(o.child)) {
          ++out.stats.relays;
          at = o.child;
          if (hops > 8) {
            fail(fmt::format("{} <{}>: more than 8 hops (a relay loop?)", k, r));
            break;
          }
          continue;
        }
        out.stats.delivered += o.delivered == 1;
        out.stats.bounced += o.bounced == 1;
        out.stats.queued += o.queued;
        out.stats.dropped += o.dropped == 1;
        break;
      }
    }
  }

  // ---- DSNs: one failed report per bounce with a sender, none to <> ----
  std::map<std::tuple<std::string, std::string, std::string>, int> expected, reported;
  for (const auto& [k, e] : entries) {
    for (const auto& r : e.rcpts) {
      const Outcome& o = outcome[k][r];
      if (o.bounced == 1 && !e.sender.empty()) ++expected[{e.host, e.mid, r}];
    }
    if (e.origin != Origin::Dsn) continue;
    if (e.rcpts.size() != 1 || e.rcpts[0].empty()) {
      fail(fmt::format("{}: a DSN must go to exactly one non-null address", k));
    }
    if (!e.dsn_parsed) continue;
    bool delayed = false;
    for (const auto& [rcpt, action] : e.dsn_rcpts) {
      if (action == mail::DsnAction::Failed) ++reported[{e.host, e.dsn_original_mid, rcpt}];
      delayed = delayed || action == mail::DsnAction::Delayed;
    }
    ++(delayed ? out.stats.delay_dsns : out.stats.dsns);
  }
  if (expected != reported) {
    for (const auto& [t, n] : expected) {
      if (reported[t] != n) {
        fail(fmt::format("{}: {} <{}> bounced {} time(s) but {} DSN report(s) say failed",
                         std::get<0>(t), std::get<1>(t), std::get<2>(t), n, reported[t]));
      }
    }
    for (const auto& [t, n] : reported) {
      if (!expected.count(t) && n > 0) {
        fail(fmt::format("{}: a DSN reports {} <{}> failed, but it never bounced", std::get<0>(t),
                         std::get<1>(t), std::get<2>(t)));
      }
    }
  }
  if (dsn_sent_events != out.stats.dsns || delay_events != out.stats.delay_dsns) {
    fail(fmt::format("{} DsnSent / {} DelayWarned events for {} / {} DSN entries", dsn_sent_events,
                     delay_events, out.stats.dsns, out.stats.delay_dsns));
  }
  for (const auto& [k, e] : entries) {
    for (const auto& r : e.rcpts) {
      if (r.empty() || r == "<>") fail(fmt::format("{}: queued for the null address", k));
    }
  }

  // ---- mailboxes hold exactly what was traced as delivered ----
  for (const auto& h : spec.hosts) {
    nodes::Mda* mda = sim.mda(h.name);
    if (!mda) continue;
    for (const auto& user : mda->store().users()) {
      std::map<std::string, int> stored;
      for (const auto& [folder, f] : mda->store().mailbox(user)->folders)
        for (const auto& m : f.messages) ++stored[header(m.content, "Message-ID")];
      auto& traced = delivered_mids[key(h.name, user)];
      if (stored != traced) {
        fail(fmt::format("{} mailbox {}: {} stored message(s) vs {} Delivered event(s)", h.name,
                         user, stored.size(), traced.size()));
      }
      delivered_mids.erase(key(h.name, user));
    }
  }
  for (const auto& [k, mids] : delivered_mids)
    if (!mids.empty()) fail(fmt::format("Delivered events for {} but no such mailbox", k));

  out.stats.runs = 1;
  out.stats.events = out.stats.max_events = rec.size();
  if (want_transcript) out.transcript = trace::render_text(rec.events());
  return out;
}

std::string describe(const scenario::Spec& s) {
  std::string out;
  for (const auto& h : s.hosts) {
    std::string roles;
    for (const auto& r : h.roles) roles += (roles.empty() ? "" : "+") + r;
    out += fmt::format("  host {} [{}] {}", h.name, h.address, roles);
    if (!h.domains.empty()) out += fmt::format(" domains {}", h.domains.front());
    if (h.mua) out += fmt::format(" ({} via {}:{})", h.mua->address, h.mua->submit_to, h.mua->port);
    if (h.mailbox_quota) out += fmt::format(" quota {}", h.mailbox_quota);
    out += "\n";
  }
  for (const auto& r : s.dns) {
    out += fmt::format("  dns {} {} {} {}\n", r.name, r.type,
                       r.type == "MX" ? std::to_string(r.preference) : "", r.value);
  }
  std::vector<scenario::Action> script = s.script;
  std::stable_sort(script.begin(), script.end(),
                   [](const auto& a, const auto& b) { return a.at_us < b.at_us; });
  for (const auto& a : script) {
    out += fmt::format("  {} {} {}", engine::format_time(a.at_us), a.kind, a.host);
    if (a.port) out += fmt::format(":{}", a.port);
    for (const auto& t : a.to) out += " to:" + t;
    for (const auto& t : a.cc) out += " cc:" + t;
    for (const auto& t : a.bcc) out += " bcc:" + t;
    if (a.record) out += fmt::format(" {} {} {}", a.record->name, a.record->type, a.record->value);
    if (!a.mailbox.empty()) out += fmt::format(" {} {}", a.mailbox, a.full ? "full" : "not full");
    out += "\n";
  }
  return out;
}

// Cuts the script down, one action at a time, while the case still fails.
scenario::Spec shrink(scenario::Spec spec) {
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = 0; i < spec.script.size(); ++i) {
      scenario::Spec smaller = spec;
      smaller.script.erase(smaller.script.begin() + static_cast<std::ptrdiff_t>(i));
      if (!run_case(smaller, false).failures.empty()) {
        spec = std::move(smaller);
        progress = true;
        --i;
      }
    }
  }
  return spec;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoull(v, nullptr, 10);
}

TEST(Conservation, EveryAcceptedRecipientEndsExactlyOnce) {
  const std::uint64_t only = env_number("SMTPSIM_CONSERVATION_SEED", 0);
  const std::uint64_t runs = only ? 1 : env_number("SMTPSIM_CONSERVATION_RUNS", 1000);
  const auto started = std::chrono::steady_clock::now();
  Stats total;
  int failed_cases = 0;
  for (std::uint64_t i = 0; i < runs; ++i) {
    const std::uint64_t seed = only ? only : i + 1;
    const auto world = smtpsim::testing::make_random_world(seed);
    CaseResult r = run_case(world.spec, false);
    total.runs += r.stats.runs;
    total.units += r.stats.units;
    total.delivered += r.stats.delivered;
    total.bounced += r.stats.bounced;
    total.queued += r.stats.queued;
    total.dropped += r.stats.dropped;
    total.dsns += r.stats.dsns;
    total.delay_dsns += r.stats.delay_dsns;
    total.relays += r.stats.relays;
    total.duplicates += r.stats.duplicates;
    total.time_limited += r.stats.time_limited;
    total.events += r.stats.events;
    total.max_events = std::max(total.max_events, r.stats.max_events);
    if (r.failures.empty()) continue;
    ++failed_cases;
    std::string msg = fmt::format("seed {} fails:\n", seed);
    for (const auto& f : r.failures) msg += "  " + f + "\n";
    if (failed_cases <= 3) {
      const scenario::Spec small = shrink(world.spec);
      CaseResult again = run_case(small, true);
      msg += fmt::format("shrunk to {} of {} actions:\n{}", small.script.size(),
                         world.spec.script.size(), describe(small));
      for (const auto& f : again.failures) msg += "  " + f + "\n";
      if (std::getenv("SMTPSIM_SHOW")) msg += again.transcript;
    }
    ADD_FAILURE() << msg;
    if (failed_cases >= 10) break;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "[conservation] %zu runs in %.1f s: %zu (message, recipient) units: %zu delivered, %zu "
      "bounced (%zu dropped: null sender), %zu still queued; %zu relay hops, %zu failure DSNs, "
      "%zu delay DSNs, %zu RFC 5321 §6.1 duplicates; %zu runs hit the time limit; %zu events "
      "(max %zu per run)\n",
      total.runs, secs, total.units, total.delivered, total.bounced, total.dropped, total.queued,
      total.relays, total.dsns, total.delay_dsns, total.duplicates, total.time_limited,
      total.events, total.max_events);
  EXPECT_EQ(total.units, total.delivered + total.bounced + total.queued);
  if (runs >= 1000) {
    // The generator must actually reach the interesting cases.
    EXPECT_GT(total.delivered, 0u);
    EXPECT_GT(total.bounced, 0u);
    EXPECT_GT(total.dropped, 0u);
    EXPECT_GT(total.delay_dsns, 0u);
    EXPECT_GT(total.relays, 0u);
  }
}

// The duplicate RFC 5321 §6.1 allows, made on purpose: the link of the receiving MX is cut
// right after it queued the message, so its "250 ... queued as" never reaches the sender,
// which must assume failure and deliver again once the link is back. The checker accepts the
// second copy only because the trace shows the unanswered final dot.
TEST(Conservation, AReplyLostAfterTheFinalDotIsTheOneAllowedDuplicate) {
  auto spec = smtpsim::testing::two_providers();
  spec.script.push_back(
      smtpsim::testing::send_action(0, "alice-laptop", {"carol@example.net"}, "Hi"));
  scenario::Action restore;
  restore.at_us = engine::kHour;
  restore.kind = "link_restored";
  restore.host = "mx.example.net";
  spec.script.push_back(restore);
  bool cut = false;
  const CaseResult r =
      run_case(spec, true, [&](scenario::Simulation& sim, const trace::Recorder& rec) {
        if (cut) return;
        for (const auto& e : rec.events()) {
          if (e.kind == EventKind::Queued && e.host == "mx.example.net") {
            scenario::Action a;
            a.kind = "link_cut";
            a.host = "mx.example.net";
            sim.apply(a);
            cut = true;
            return;
          }
        }
      });
  ASSERT_TRUE(cut);
  EXPECT_TRUE(r.failures.empty()) << r.failures.front() << "\n" << r.transcript;
  EXPECT_EQ(r.stats.duplicates, 1u) << r.transcript;
  EXPECT_EQ(r.stats.units, 1u);
  // Both copies reached carol (the same Message-ID twice), and nothing is left queued.
  EXPECT_EQ(r.stats.delivered, 1u);
  std::size_t copies = 0;
  for (auto at = r.transcript.find("delivered to mailbox carol"); at != std::string::npos;
       at = r.transcript.find("delivered to mailbox carol", at + 1)) {
    ++copies;
  }
  EXPECT_EQ(copies, 2u) << r.transcript;
}

// Webmail (lesson 12): the browser posts a form, the front end submits over SMTP. Each
// (message, recipient) is still delivered exactly once — locally and across providers —
// also when the browser's link is cut right after the front end composed the message, so
// the browser never hears the answer (the front end has no queue; nothing is sent twice).
TEST(Conservation, AWebmailSendIsDeliveredExactlyOnce) {
  for (const bool cut_browser : {false, true}) {
    auto spec = smtpsim::testing::two_providers();
    scenario::HostSpec www{
        .name = "www.example.com", .address = "203.0.113.80", .roles = {"WEBMAIL"}};
    www.webmail = scenario::WebmailSettings{"mail.example.com", "mail.example.com"};
    spec.hosts.push_back(www);
    scenario::HostSpec browser{.name = "alice-browser", .address = "192.0.2.11", .roles = {"MUA"}};
    browser.mua = scenario::MuaSettings{};
    browser.mua->address = "alice@example.com";
    browser.mua->user = browser.mua->password = "alice";
    browser.mua->webmail = "www.example.com";
    spec.hosts.push_back(browser);
    spec.script.push_back(smtpsim::testing::send_action(
        engine::kSecond, "alice-browser", {"carol@example.net", "bob@example.com"}, "Cake"));
    bool cut = false;
    const CaseResult r =
        run_case(spec, true, [&](scenario::Simulation& sim, const trace::Recorder& rec) {
          if (!cut_browser || cut) return;
          for (const auto& e : rec.events()) {
            if (e.kind == EventKind::Submitted && e.host == "www.example.com") {
              sim.apply(smtpsim::testing::host_action(0, "link_cut", "alice-browser"));
              cut = true;
              return;
            }
          }
        });
    EXPECT_EQ(cut, cut_browser);
    EXPECT_TRUE(r.failures.empty()) << r.failures.front() << "\n" << r.transcript;
    EXPECT_EQ(r.stats.units, 2u) << r.transcript;
    EXPECT_EQ(r.stats.delivered, 2u) << r.transcript;
    EXPECT_EQ(r.stats.duplicates, 0u);
    for (const char* who : {"carol", "bob"}) {
      std::size_t copies = 0;
      const std::string needle = std::string("delivered to mailbox ") + who;
      for (auto at = r.transcript.find(needle); at != std::string::npos;
           at = r.transcript.find(needle, at + 1))
        ++copies;
      EXPECT_EQ(copies, 1u) << who << "\n" << r.transcript;
    }
    // The browser spoke HTTP only; the front end spoke SMTP to the MSA.
    EXPECT_NE(r.transcript.find("alice-browser\u2192www.example.com:443"), std::string::npos)
        << r.transcript;
    EXPECT_NE(r.transcript.find("www.example.com\u2192mail.example.com:587"), std::string::npos);
    EXPECT_EQ(r.transcript.find("alice-browser\u2192mail.example.com"), std::string::npos);
  }
}

}  // namespace
