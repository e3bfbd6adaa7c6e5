// `smtpsim smtpd --stdio`: one SMTP server session of the real machine on stdin/stdout,
// like `sendmail -bs`. A learner can type SMTP into it; a script or a real client can drive
// it through a pipe. Trusts nothing on stdin.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace smtpsim::app {

enum class CrlfMode { Auto, Always, Never };  // Auto: translate LF to CRLF when stdin is a tty

struct SmtpdOptions {
  std::string hostname = "mail.example.com";
  std::vector<std::string> domains{"example.com"};
  std::vector<std::string> mailboxes;                        // empty: any local part
  std::vector<std::string> users{"alice:alice", "bob:bob"};  // USER:PASS for AUTH
  std::optional<std::string> maildir;
  bool submission = false;
  bool reject_bare_lf = false;
  std::uint64_t max_size = 10'240'000;
  std::size_t max_recipients = 1000;
  CrlfMode crlf = CrlfMode::Auto;
};

// Runs the session; returns the process exit code. Errors: one sentence on `err`.
int run_smtpd_stdio(const SmtpdOptions& options, int in_fd, int out_fd, std::FILE* err);

}  // namespace smtpsim::app
