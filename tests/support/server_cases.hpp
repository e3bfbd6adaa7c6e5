// Test support for the server's bad-input suite: a named conversation (a Script of client
// turns plus what happens at the end), a player that records everything observable (bytes on
// the wire, delivered messages, closed, TLS starts), and check_splits(), which plays the
// script unsplit, then with every turn cut in two at every byte boundary (for_each_split),
// then byte by byte, and expects the very same outcome every time. A server whose answer
// depends on how TCP happened to segment a compliant client's bytes is broken.
// Header-only, tests only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/server_harness.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define SMTPSIM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMTPSIM_TEST_ASAN 1
#endif
#endif
#if defined(SMTPSIM_TEST_ASAN)
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace smtpsim::testing {

// Bytes currently allocated on the heap by the whole process (ASan's allocator statistics,
// or glibc's mallinfo2 without ASan). Used to show that endless input is not buffered.
inline std::size_t heap_in_use() {
#if defined(SMTPSIM_TEST_ASAN)
  return __sanitizer_get_current_allocated_bytes();
#else
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;  // heap chunks + large mmap()ed blocks
#endif
}

// One conversation. Each turn is what a client sends before it waits for a reply.
struct Script {
  smtp::ServerConfig cfg;
  std::vector<std::string> turns;
  std::function<void(smtp::StaticPolicy&)> policy;  // tweaks (mailboxes, domains)
  bool early = false;  // the first segment arrives before the greeting (talking too early)
  enum class End { Nothing, Eof, Timeout, Shutdown } end = End::Nothing;
  proto::SessionObserver* observer = nullptr;
};

struct Outcome {
  std::string output;                // everything the server wrote
  std::vector<Delivered> delivered;  // every message it accepted
  bool closed = false;
  int tls_starts = 0;
  std::optional<std::string> output_at_tls;  // the output when the first StartTls arrived
  smtp::ServerState state = smtp::ServerState::Connect;
  bool authenticated = false;
  bool operator==(const Outcome&) const = default;
};

// Plays the segments (each one receive() call) against a fresh server with the harness's
// StaticPolicy (local domain example.com, users alice/alice and bob/bob).
inline Outcome play(const Script& s, const std::vector<std::string>& segments) {
  ServerRun run(s.cfg);
  if (s.policy) s.policy(run.policy);
  if (s.observer) run.server.set_observer(s.observer);
  Outcome o;
  auto pump = [&] {
    while (!o.closed) {
      auto ev = smtp::drive(run.server, run.policy);
      o.output += run.server.take_output();
      if (std::holds_alternative<smtp::server_event::Closed>(ev)) {
        o.closed = true;
      } else if (std::holds_alternative<smtp::server_event::StartTls>(ev)) {
        if (++o.tls_starts == 1) o.output_at_tls = o.output;
        run.server.tls_established();  // a real driver would run the handshake here
      } else {
        break;
      }
    }
  };
  std::size_t i = 0;
  if (s.early && !segments.empty()) {
    run.server.receive(segments[0]);  // before start(): the greeting is not out yet
    ++i;
  }
  run.server.start();
  o.output += run.server.take_output();
  pump();
  for (; i < segments.size() && !o.closed; ++i) {
    run.server.receive(segments[i]);
    pump();
  }
  switch (s.end) {
    case Script::End::Nothing:
      break;
    case Script::End::Eof:
      run.server.receive_eof();
      pump();
      break;
    case Script::End::Timeout:
      run.server.timeout();
      pump();
      break;
    case Script::End::Shutdown:
      run.server.shutdown(smtp::Reply{421, "4.3.2", "mail.example.com Service shutting down"});
      pump();
      break;
  }
  o.delivered = run.delivered;
  o.state = run.server.state();
  o.authenticated = run.server.authenticated();
  return o;
}

inline Outcome play(const Script& s) {
  return play(s, s.turns);
}

// The replies on the wire, one entry per reply (its last line): "250 2.1.0", or the bare
// code when the reply carries no enhanced status code ("220", "354", EHLO's "250").
inline std::vector<std::string> replies(std::string_view out) {
  std::vector<std::string> r;
  while (!out.empty()) {
    const auto eol = out.find("\r\n");
    std::string_view line = out.substr(0, eol);
    out.remove_prefix(eol == out.npos ? out.size() : eol + 2);
    if (line.size() < 3) {
      r.emplace_back("?" + std::string(line));
      continue;
    }
    if (line.size() > 3 && line[3] == '-') continue;  // continuation of a multi-line reply
    std::string entry(line.substr(0, 3));
    std::string_view rest = line.size() > 4 ? line.substr(4) : std::string_view{};
    // class "." subject "." detail, RFC 3463 §2
    const auto sp = rest.find(' ');
    std::string_view enh = rest.substr(0, sp);
    const bool looks_enhanced = enh.size() >= 5 && enh[0] >= '2' && enh[0] <= '5' &&
                                enh[1] == '.' && std::count(enh.begin(), enh.end(), '.') == 2 &&
                                std::all_of(enh.begin(), enh.end(), [](char c) {
                                  return c == '.' || (c >= '0' && c <= '9');
                                });
    if (looks_enhanced) entry += " " + std::string(enh);
    r.push_back(std::move(entry));
  }
  return r;
}

inline std::size_t count_of(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != hay.npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// Cut positions for one turn: every byte boundary, or for turns longer than `budget` a
// sample of about `budget` cuts (the first and last budget/4 boundaries, an even spread
// over the middle, and the boundaries around the line end nearest each spread point), so
// the suite stays fast on floods.
inline std::vector<std::size_t> cut_positions(std::string_view turn, std::size_t budget) {
  std::vector<std::size_t> cuts;
  if (turn.size() < 2) return cuts;
  if (turn.size() - 1 <= budget) {
    for (std::size_t c = 1; c < turn.size(); ++c) cuts.push_back(c);
    return cuts;
  }
  const std::size_t edge = std::max<std::size_t>(budget / 4, 1);
  for (std::size_t c = 1; c <= edge; ++c) cuts.push_back(c);
  for (std::size_t c = turn.size() - edge; c < turn.size(); ++c) cuts.push_back(c);
  const std::size_t spread = std::max<std::size_t>(budget / 2, 1);
  const std::size_t step = std::max<std::size_t>(1, turn.size() / spread);
  for (std::size_t c = 1; c < turn.size(); c += step) {
    cuts.push_back(c);
    const auto nl = turn.find('\n', c);
    if (nl != turn.npos && nl < c + step) {
      for (std::size_t d = nl > 1 ? nl - 1 : 1; d <= nl + 1 && d < turn.size(); ++d)
        cuts.push_back(d);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

struct SplitOptions {
  std::size_t cut_budget = 4000;             // cuts per turn before sampling
  std::size_t byte_by_byte_limit = 1 << 20;  // total bytes; above it, no byte-by-byte run
};

// Plays the script unsplit, then split at every byte boundary of every turn, then byte by
// byte; every run must give the same Outcome as the unsplit one. Returns the unsplit
// Outcome for the test's own assertions. Stops reporting after the first difference.
inline Outcome check_splits(const Script& s, SplitOptions opt = {}) {
  const Outcome base = play(s);
  bool failed = false;
  for (std::size_t t = 0; t < s.turns.size() && !failed; ++t) {
    for (std::size_t cut : cut_positions(s.turns[t], opt.cut_budget)) {
      std::vector<std::string> segs;
      for (std::size_t i = 0; i < s.turns.size(); ++i) {
        if (i == t) {
          segs.push_back(s.turns[i].substr(0, cut));
          segs.push_back(s.turns[i].substr(cut));
        } else {
          segs.push_back(s.turns[i]);
        }
      }
      const Outcome o = play(s, segs);
      if (!(o == base)) {
        ADD_FAILURE() << "turn " << t << " cut at byte " << cut
                      << " changed the outcome\n--- unsplit output:\n"
                      << base.output << "--- split output:\n"
                      << o.output << "--- delivered: " << base.delivered.size() << " vs "
                      << o.delivered.size();
        failed = true;
        break;
      }
    }
  }
  std::size_t total = 0;
  for (const auto& t : s.turns) total += t.size();
  if (!failed && total <= opt.byte_by_byte_limit) {
    std::vector<std::string> bytes;
    for (const auto& t : s.turns)
      for (char c : t) bytes.emplace_back(1, c);
    // With `early`, only the first byte comes before the greeting, the rest after it: the
    // server must still notice that the client spoke first.
    const Outcome o = play(s, bytes);
    EXPECT_EQ(o, base) << "byte-by-byte feeding changed the outcome\n--- unsplit output:\n"
                       << base.output << "--- byte-by-byte output:\n"
                       << o.output;
  }
  return base;
}

}  // namespace smtpsim::testing
