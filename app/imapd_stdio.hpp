// `smtpsim imapd --stdio`: one IMAP server session of the real machine on stdin/stdout, over
// an in-memory mail store pre-filled with welcome messages. Python's
// imaplib.IMAP4_stream("smtpsim imapd --stdio") or a learner at a terminal can drive it.
// Trusts nothing on stdin.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "app/smtpd_stdio.hpp"

namespace smtpsim::app {

struct ImapdOptions {
  std::string hostname = "mail.example.com";
  std::vector<std::string> users{"alice:alice", "bob:bob"};  // USER:PASS (DESIGN.md defaults)
  bool empty = false;                                        // no welcome messages
  CrlfMode crlf = CrlfMode::Auto;
};

// Runs the session; returns the process exit code. Errors: one sentence on `err`.
int run_imapd_stdio(const ImapdOptions& options, int in_fd, int out_fd, std::FILE* err);

}  // namespace smtpsim::app
