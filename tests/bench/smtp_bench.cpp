// Benchmarks of the sans-I/O SMTP machines, run from the release preset (make bench):
//   BM_FreshConnection     one complete transaction per connection (greeting, EHLO, MAIL,
//                          RCPT, DATA with a 1 KB body, QUIT) through an in-memory
//                          ClientSession <-> ServerSession pair; items/s = transactions/s
//   BM_FreshConnectionSessionPair  the same through run_session_pair (session_pair.hpp)
//   BM_OneConnection       the same transaction repeated over one long connection
//   BM_ServerPipelinedParse  the server alone reading a buffer of pipelined MAIL/RCPT/DATA/
//                          body/./RSET groups after an EHLO; bytes/s = parse throughput
// The target is 200,000 transactions/s on one core. No policy work beyond StaticPolicy.
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include "sim/proto/smtp/client_session.hpp"
#include "sim/proto/smtp/server_policy.hpp"
#include "sim/proto/smtp/session_pair.hpp"

namespace smtp = smtpsim::smtp;
namespace ce = smtp::client_event;
namespace se = smtp::server_event;

namespace {

// A 1 KB message: a few headers and 72-character lines, CRLF, nothing to dot-stuff.
std::string one_kb_message() {
  std::string m =
      "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n"
      "Subject: benchmark\r\nMessage-ID: <bench@example.com>\r\n\r\n";
  const std::string line(70, 'x');
  while (m.size() + line.size() + 2 <= 1024) m += line + "\r\n";
  m.append(1024 - m.size() - 2, 'y');
  m += "\r\n";
  return m;
}

smtp::OutgoingMessage make_message(const std::string& body) {
  smtp::OutgoingMessage msg;
  msg.sender = "alice@example.com";
  msg.recipients = {"bob@example.com"};
  msg.content = body;
  return msg;
}

// A client and a server joined by memory. step() moves bytes both ways and answers events
// until neither side can make progress; `done` counts MessageDone events.
struct Pair {
  smtp::ClientSession client;
  smtp::ServerSession server;
  smtp::ServerPolicy& policy;  // shared: its set and map are not connection costs
  bool client_closed = false, server_closed = false;
  std::size_t done = 0;
  bool finish_when_idle;

  Pair(smtp::ServerPolicy& p, bool finish_idle) : policy(p), finish_when_idle(finish_idle) {
    server.start();
  }

  void step() {
    while (true) {
      bool moved = false;
      if (server.has_output()) {
        client.receive(server.take_output());
        moved = true;
      }
      while (!client_closed) {
        auto ev = client.next_event();
        if (std::holds_alternative<ce::NeedData>(ev)) break;
        if (std::holds_alternative<ce::MessageDone>(ev)) {
          ++done;
        } else if (std::holds_alternative<ce::Idle>(ev)) {
          if (!finish_when_idle) break;
          client.finish();
        } else if (std::holds_alternative<ce::Closed>(ev)) {
          client_closed = true;
        } else if (std::holds_alternative<ce::StartTls>(ev)) {
          client.tls_established();
        } else {
          throw std::runtime_error("benchmark session failed");
        }
      }
      if (client.has_output()) {
        server.receive(client.take_output());
        moved = true;
      }
      if (!server_closed) {
        auto ev = smtp::drive(server, policy);
        if (std::holds_alternative<se::Closed>(ev)) server_closed = true;
        if (std::holds_alternative<se::StartTls>(ev)) server.tls_established();
      }
      if (!moved && !server.has_output()) return;
    }
  }
};

void BM_FreshConnection(benchmark::State& state) {
  const std::string body = one_kb_message();
  smtp::StaticPolicy policy;
  for (auto _ : state) {
    Pair p(policy, true);
    p.client.send(make_message(body));
    p.client.finish();
    p.step();
    if (p.done != 1 || !p.client_closed || !p.server_closed) {
      state.SkipWithError("transaction did not complete");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_FreshConnection);

// The same through the library's own pump (run_session_pair), as tests and the demo use it.
void BM_FreshConnectionSessionPair(benchmark::State& state) {
  const std::string body = one_kb_message();
  smtp::StaticPolicy policy;
  for (auto _ : state) {
    smtp::ClientSession client;
    smtp::ServerSession server;
    client.send(make_message(body));
    const auto r = smtp::run_session_pair(client, server, policy);
    if (r.messages.size() != 1 || r.failure || r.stalled) {
      state.SkipWithError("transaction did not complete");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_FreshConnectionSessionPair);

void BM_OneConnection(benchmark::State& state) {
  const std::string body = one_kb_message();
  smtp::StaticPolicy policy;
  Pair p(policy, false);
  p.step();  // greeting and EHLO
  for (auto _ : state) {
    const std::size_t before = p.done;
    p.client.send(make_message(body));
    p.step();
    if (p.done != before + 1) {
      state.SkipWithError("transaction did not complete");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_OneConnection);

// EHLO, then `groups` pipelined transactions: MAIL, RCPT, DATA, 1 KB body, ".", RSET.
void BM_ServerPipelinedParse(benchmark::State& state) {
  const std::string body = one_kb_message();
  std::string input = "EHLO client.example.net\r\n";
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    input += "MAIL FROM:<carol@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n";
    input += body;
    input += ".\r\nRSET\r\n";
  }
  input += "QUIT\r\n";
  smtp::ServerConfig cfg;
  cfg.enforce_sync = false;  // the body follows DATA without waiting for 354
  smtp::StaticPolicy policy;
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    smtp::ServerSession s(cfg);
    s.start();
    s.receive(input);
    const auto ev = smtp::drive(s, policy);
    out_bytes += s.take_output().size();
    if (!std::holds_alternative<se::Closed>(ev) ||
        s.messages_accepted() != static_cast<std::uint64_t>(state.range(0))) {
      state.SkipWithError("pipelined input not fully accepted");
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["reply_bytes_per_iter"] =
      benchmark::Counter(static_cast<double>(out_bytes) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_ServerPipelinedParse)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
