// `smtpsim fetch`: read a real mailbox over POP3 or IMAP with the simulation's own client
// machines (issue 7): list, print or save each message, optionally delete them. Exit codes in
// the spirit of swaks' (table in fetch_cmd.cpp and `smtpsim fetch --help`).
#pragma once

#include <cstdio>
#include <string>

namespace CLI {
class App;
}

namespace smtpsim::app {

struct FetchCmdOptions {
  std::string pop3, imap;  // HOST[:PORT]: exactly one
  std::string user, pass;
  bool starttls = false, tls = false;
  bool del = false;        // --delete
  bool list = false;       // one summary line per message instead of the messages
  std::string save_dir;    // -o DIR: each message to DIR/<uid>.eml
  std::string transcript;  // protocol transcript to FILE ("-": standard error)
  bool insecure = false;
  std::string ca;
  double timeout = 0;  // seconds for every response; 0: 5 minutes
};

enum FetchExit : int {
  kFetchOk = 0,
  kFetchUsage = 1,
  kFetchConnect = 2,
  kFetchClosed = 6,
  kFetchGreeting = 21,
  kFetchCapability = 22,
  kFetchQuit = 27,
  kFetchLogin = 28,
  kFetchTls = 29,
  kFetchMailbox = 40,   // STAT / UIDL / LIST, SELECT INBOX
  kFetchRetrieve = 41,  // RETR, FETCH
  kFetchDelete = 42,    // DELE, STORE \Deleted, EXPUNGE
  kFetchSave = 43,      // -o DIR: a message could not be written
};

CLI::App* add_fetch_command(CLI::App& app, FetchCmdOptions& o);
int run_fetch_command(const FetchCmdOptions& o, std::FILE* out, std::FILE* err);

}  // namespace smtpsim::app
