// Benchmarks of the whole simulation (sim/engine + sim/nodes + the trace), release preset:
//   BM_SimEndToEnd/N         N messages, each MUA -> MSA (587, STARTTLS, AUTH) -> MTA -> DNS
//                            -> remote MTA (25, STARTTLS) -> MDA with the full dialogue,
//                            every line recorded by a trace::Recorder; items/s = deliveries
//                            per second (target 50,000/s on one core). A 1 KB body.
//   BM_SimEndToEndNoTrace/N  the same into a NullSink: what recording the trace costs.
//   BM_SimFastForward/N/T    N messages queued at once for a server that is dead for good,
//                            run through the default 5-day retry schedule (300 s .. 4000 s
//                            backoff) to their lifetime bounces and the DSNs' delivery; wall
//                            time per run (target under 1 s for N = 10,000). T = 1 records the
//                            trace, T = 0 drops it.
//   BM_SimMemory             counters only: sizeof of a queue entry, a queued recipient and a
//                            trace event, and the heap measured with mallinfo2 around
//                            queueing N messages and recording N events.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "sim/scenario/simulation.hpp"
#include "sim/trace/recorder.hpp"
#include "tests/support/scenarios.hpp"

namespace {

using namespace smtpsim;
using engine::kDay;
using engine::kMillisecond;
using trace::EventKind;

// A 1 KB body: 72-character lines, like the SMTP machine benchmarks' message.
std::string one_kb_body() {
  std::string b;
  const std::string line(70, 'x');
  while (b.size() + line.size() + 1 <= 1000) b += line + "\n";
  return b;
}

scenario::Spec end_to_end_spec(int messages) {
  auto spec = smtpsim::testing::two_providers();
  spec.name = "bench-end-to-end";
  const std::string body = one_kb_body();
  for (int i = 0; i < messages; ++i) {
    auto a = smtpsim::testing::send_action(i * kMillisecond, "alice-laptop", {"carol@example.net"},
                                           "benchmark");
    a.body = body;
    spec.script.push_back(std::move(a));
  }
  return spec;
}

std::size_t count(const trace::Recorder& r, EventKind k) {
  std::size_t n = 0;
  for (const auto& e : r.events()) n += e.kind == k;
  return n;
}

std::size_t carol_inbox(scenario::Simulation& sim) {
  const auto* box = sim.mda("mx.example.net")->store().mailbox("carol");
  return box ? box->folders.at("INBOX").messages.size() : 0;
}

void BM_SimEndToEnd(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto spec = end_to_end_spec(n);
  std::size_t events = 0;
  for (auto _ : state) {
    trace::Recorder rec(static_cast<std::size_t>(n) * 200);
    scenario::Simulation sim(spec, rec);
    sim.run();
    if (carol_inbox(sim) != static_cast<std::size_t>(n) ||
        count(rec, EventKind::Delivered) != static_cast<std::size_t>(n)) {
      state.SkipWithError("not every message was delivered");
      break;
    }
    events += rec.size();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["events_per_delivery"] =
      static_cast<double>(events) / static_cast<double>(state.iterations() * n);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimEndToEnd)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_SimEndToEndNoTrace(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto spec = end_to_end_spec(n);
  std::uint64_t engine_events = 0;
  std::size_t max_pending = 0;
  for (auto _ : state) {
    trace::NullSink sink;
    scenario::Simulation sim(spec, sink);
    while (sim.step()) max_pending = std::max(max_pending, sim.queue().pending());
    if (carol_inbox(sim) != static_cast<std::size_t>(n)) {
      state.SkipWithError("not every message was delivered");
      break;
    }
    engine_events += sim.queue().executed();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["engine_events_per_delivery"] =
      static_cast<double>(engine_events) / static_cast<double>(state.iterations() * n);
  state.counters["max_pending"] = static_cast<double>(max_pending);
}
BENCHMARK(BM_SimEndToEndNoTrace)->Arg(1000)->Unit(benchmark::kMillisecond);

// A sink that only counts (so T = 0 still knows how much happened).
class CountingSink final : public trace::Sink {
 public:
  void record(trace::Event e) override {
    ++events;
    bounces += e.kind == EventKind::Bounced;
    deferrals += e.kind == EventKind::Deferred;
  }
  std::size_t events = 0, bounces = 0, deferrals = 0;
};

void BM_SimFastForward(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool record = state.range(1) != 0;
  auto spec = smtpsim::testing::two_providers();
  spec.name = "bench-fast-forward";
  spec.run_for_us = 6 * kDay;  // default queue settings: 5-day lifetime
  scenario::Action down;
  down.kind = "host_down";
  down.host = "mx.example.net";
  spec.script.push_back(down);
  const std::string content =
      "From: alice@example.com\r\nTo: carol@example.net\r\nSubject: stuck\r\n"
      "Message-ID: <stuck@example.com>\r\n\r\n" +
      one_kb_body();
  std::size_t events = 0, bounces = 0, deferrals = 0;
  for (auto _ : state) {
    trace::Recorder rec(record ? static_cast<std::size_t>(n) * 800 : 0);
    CountingSink counter;
    trace::Sink& sink = record ? static_cast<trace::Sink&>(rec) : counter;
    scenario::Simulation sim(spec, sink);
    nodes::Mta* mta = sim.mta("mail.example.com");
    for (int i = 0; i < n; ++i) {
      mta->enqueue(mta->new_queue_id(), "alice@example.com", {"carol@example.net"}, content);
    }
    sim.run();
    const auto* box = sim.mda("mail.example.com")->store().mailbox("alice");
    if (sim.total_queued() != 0 || !box ||
        box->folders.at("INBOX").messages.size() != static_cast<std::size_t>(n)) {
      state.SkipWithError("not every message bounced back to alice");
      break;
    }
    if (record) {
      events += rec.size();
      bounces += count(rec, EventKind::Bounced);
      deferrals += count(rec, EventKind::Deferred);
    } else {
      events += counter.events;
      bounces += counter.bounces;
      deferrals += counter.deferrals;
    }
  }
  const auto runs = static_cast<double>(state.iterations());
  state.counters["messages"] = n;
  state.counters["deferrals_per_message"] = static_cast<double>(deferrals) / runs / n;
  state.counters["bounces"] = static_cast<double>(bounces) / runs;
  state.counters["events"] = static_cast<double>(events) / runs;
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SimFastForward)
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Args({10000, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
// 10,000 with the trace recorded keeps ~8 million events (~3 GB): only with
// SMTPSIM_BENCH_BIG=1 in the environment.
[[maybe_unused]] const bool kBigFastForward = [] {
  if (std::getenv("SMTPSIM_BENCH_BIG")) {
    benchmark::RegisterBenchmark("BM_SimFastForward", BM_SimFastForward)
        ->Args({10000, 1})
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->UseRealTime();
  }
  return true;
}();

std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small chunks + mmapped (large) ones
}

void BM_SimMemory(benchmark::State& state) {
  constexpr int kMessages = 10000;
  for (auto _ : state) {
    // Queued messages: a dead destination keeps them all in the queue.
    auto spec = smtpsim::testing::two_providers();
    scenario::Action down;
    down.kind = "host_down";
    down.host = "mx.example.net";
    spec.script.push_back(down);
    trace::NullSink sink;
    scenario::Simulation sim(spec, sink);
    nodes::Mta* mta = sim.mta("mail.example.com");
    const std::string content =
        "From: alice@example.com\r\nTo: carol@example.net\r\nSubject: stuck\r\n\r\n" +
        one_kb_body();
    std::vector<std::string> ids;
    for (int i = 0; i < kMessages; ++i) ids.push_back(mta->new_queue_id());
    const std::size_t before = heap_in_use();
    for (const auto& id : ids)
      mta->enqueue(id, "alice@example.com", {"carol@example.net"}, content);
    const std::size_t after = heap_in_use();
    const double per_message = static_cast<double>(after - before) / kMessages;
    state.counters["sizeof_QueueEntry"] = sizeof(nodes::QueueEntry);
    state.counters["sizeof_QueuedRecipient"] = sizeof(nodes::QueuedRecipient);
    state.counters["heap_per_queued_message"] = per_message;
    state.counters["content_bytes"] = static_cast<double>(content.size());
    state.counters["heap_per_queued_message_less_content"] =
        per_message - static_cast<double>(content.size());

    // Trace events: the events of a real end-to-end run, recorded again into a recorder
    // sized for them, so the delta is exactly what the recorder keeps.
    trace::Recorder source;
    {
      scenario::Simulation e2e(end_to_end_spec(100), source);
      e2e.run();
    }
    const std::size_t m = source.size();
    const std::size_t before_events = heap_in_use();
    trace::Recorder copy(m);
    for (const auto& e : source.events()) copy.record(e);
    const std::size_t after_events = heap_in_use();
    state.counters["sizeof_Event"] = sizeof(trace::Event);
    state.counters["heap_per_trace_event"] =
        static_cast<double>(after_events - before_events) / static_cast<double>(m);
    state.counters["recorder_estimate_per_event"] =
        static_cast<double>(copy.heap_bytes()) / static_cast<double>(m);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_SimMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
