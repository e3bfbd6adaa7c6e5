// Minimal reproducers of bugs the fuzz targets (tests/fuzz/) found in the SMTP machines, one
// test per finding, named after the invariant that caught it. Keep them: they run in every
// `make test` long after the fuzz corpus has moved on.
#include <gtest/gtest.h>

#include "tests/support/server_harness.hpp"

using smtpsim::testing::ServerRun;
namespace smtp = smtpsim::smtp;

namespace {

// fuzz_smtp_server "NeedData in Closed": a message refused at the final "." (here for a bare
// LF) was the error that reached max_errors, so the session closed with 421, yet
// next_event() returned NeedData instead of Closed.
TEST(FuzzRegressions, RefusedMessageThatHitsErrorLimitReportsClosed) {
  smtp::ServerConfig cfg;
  cfg.bare_line_ends = smtp::BareLineEnds::Reject;
  cfg.max_errors = 2;
  cfg.enforce_sync = false;
  smtp::ServerSession s(cfg);
  smtp::StaticPolicy policy;
  s.start();
  s.take_output();
  s.receive("HELO c.example.net\r\nNOOP\n");  // one error: bare LF
  s.receive("MAIL FROM:<>\r\nRCPT TO:<a@example.com>\r\nDATA\r\nbare\n\r\n.\r\n");
  const auto ev = smtp::drive(s, policy);
  EXPECT_EQ(s.state(), smtp::ServerState::Closed);
  EXPECT_TRUE(std::holds_alternative<smtp::server_event::Closed>(ev))
      << "event index " << ev.index();
  EXPECT_NE(s.take_output().find("421 4.7.0"), std::string::npos);
}

// Same root cause, worse symptom: after a message refused at the final "." the commands the
// client pipelined behind it stay unanswered until more bytes arrive. A client that sent
// ".\r\nQUIT\r\n" in one segment waits for the 221 forever (and the server for more input).
TEST(FuzzRegressions, CommandsPipelinedAfterRefusedMessageAreAnswered) {
  smtp::ServerConfig cfg;
  cfg.bare_line_ends = smtp::BareLineEnds::Reject;
  ServerRun run(cfg);
  run.run({"EHLO c.example.net\r\n", "MAIL FROM:<>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n",
           "bare\n\r\n.\r\nQUIT\r\n"});
  EXPECT_NE(run.output.find("550 5.5.2 Error: bare <LF> received\r\n"), std::string::npos);
  EXPECT_NE(run.output.find("221 2.0.0"), std::string::npos) << run.output;
  EXPECT_TRUE(run.closed);
}

// fuzz_smtp_server "reply line longer than 512 octets": the EHLO reply echoed the client's
// name whole, so a 505-character name (a legal 512-octet command line) made a 545-octet
// reply line (RFC 5321 §4.5.3.1.5 allows 512 with CRLF).
TEST(FuzzRegressions, EhloReplyLineStaysWithin512Octets) {
  smtp::ServerConfig cfg;
  cfg.client_address = "192.0.2.67";
  ServerRun run(cfg);
  run.run({"EHLO " + std::string(505, 'a') + "\r\n"});
  ASSERT_NE(run.output.find("250-mail.example.com Hello aaa"), std::string::npos) << run.output;
  std::string_view rest = run.output;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    ASSERT_NE(eol, std::string_view::npos);
    EXPECT_LE(eol + 2, 512u) << rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
  }
}

}  // namespace
