// Internal to the IMAP server machine: the command handlers (server_commands.cpp for the
// connection and mailbox commands, server_messages.cpp for the commands on messages) and the
// helpers they share. Not part of the public API; only the server's .cpp files include it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/imap/command_parser.hpp"
#include "sim/proto/imap/server_session.hpp"

namespace smtpsim::imap {

class ServerSession::Impl {
 public:
  using S = ServerSession;
  using Handler = void (*)(S&, std::string_view tag, server_side::ArgReader& r);
  struct Command {
    std::string_view name;
    unsigned states;  // bit per ServerState allowed
    Handler run;
  };
  static const Command* find_command(std::string_view name, bool uid);

  // server_commands.cpp
  static void capability(S&, std::string_view, server_side::ArgReader&);
  static void noop(S&, std::string_view, server_side::ArgReader&);
  static void logout(S&, std::string_view, server_side::ArgReader&);
  static void starttls(S&, std::string_view, server_side::ArgReader&);
  static void login(S&, std::string_view, server_side::ArgReader&);
  static void authenticate(S&, std::string_view, server_side::ArgReader&);
  static void select(S&, std::string_view, server_side::ArgReader&);
  static void examine(S&, std::string_view, server_side::ArgReader&);
  static void create(S&, std::string_view, server_side::ArgReader&);
  static void delete_(S&, std::string_view, server_side::ArgReader&);  // server_folders.cpp
  static void rename(S&, std::string_view, server_side::ArgReader&);   // server_folders.cpp
  static void subscribe(S&, std::string_view, server_side::ArgReader&);
  static void list_common(S&, std::string_view, server_side::ArgReader&, std::string_view verb);
  static void list(S&, std::string_view, server_side::ArgReader&);
  static void lsub(S&, std::string_view, server_side::ArgReader&);
  static void namespace_(S&, std::string_view, server_side::ArgReader&);
  static void status(S&, std::string_view, server_side::ArgReader&);
  static void append(S&, std::string_view, server_side::ArgReader&);
  static void idle(S&, std::string_view, server_side::ArgReader&);
  static void check(S&, std::string_view, server_side::ArgReader&);
  static void close(S&, std::string_view, server_side::ArgReader&);
  static void unselect(S&, std::string_view, server_side::ArgReader&);
  // server_messages.cpp (uid: the UID form)
  static void expunge(S&, std::string_view, server_side::ArgReader&);
  static void expunge_uid(S&, std::string_view, server_side::ArgReader&);  // RFC 4315 §2.1
  // EXPUNGE's work; with `only`, just the \Deleted messages whose UIDs are in it (UID EXPUNGE,
  // so a client never removes what another client flagged meanwhile).
  static void expunge_set(S&, std::string_view tag, const server_side::SequenceSet* only,
                          std::string_view done);
  static void fetch(S&, std::string_view, server_side::ArgReader&, bool uid);
  static void store(S&, std::string_view, server_side::ArgReader&, bool uid);
  static void search(S&, std::string_view, server_side::ArgReader&, bool uid);
  static void copy(S&, std::string_view, server_side::ArgReader&, bool uid);
  static void fetch_seq(S& s, std::string_view t, server_side::ArgReader& r) {
    fetch(s, t, r, false);
  }
  static void fetch_uid(S& s, std::string_view t, server_side::ArgReader& r) {
    fetch(s, t, r, true);
  }
  static void store_seq(S& s, std::string_view t, server_side::ArgReader& r) {
    store(s, t, r, false);
  }
  static void store_uid(S& s, std::string_view t, server_side::ArgReader& r) {
    store(s, t, r, true);
  }
  static void search_seq(S& s, std::string_view t, server_side::ArgReader& r) {
    search(s, t, r, false);
  }
  static void search_uid(S& s, std::string_view t, server_side::ArgReader& r) {
    search(s, t, r, true);
  }
  static void copy_seq(S& s, std::string_view t, server_side::ArgReader& r) {
    copy(s, t, r, false);
  }
  static void copy_uid(S& s, std::string_view t, server_side::ArgReader& r) { copy(s, t, r, true); }

  // shared helpers
  static void finish_auth_payload(S&, std::string_view tag, std::string_view b64);
  // "\\Seen" -> kSeen; a keyword -> 0 (accepted, not kept); "\\Recent" or unknown -> nullopt
  static std::optional<unsigned> flag_bit(std::string_view flag);
  static mail::Folder* selected(S& s) { return s.store_.folder(s.user_, s.selected_); }
  // "inbox" -> "INBOX" (RFC 3501 §5.1: INBOX is case-insensitive); other names as given.
  static std::string mailbox_name(std::string name);
  // A name CREATE and RENAME may make: printable ASCII, no wildcards, no empty level.
  static bool valid_new_name(std::string_view name);
  // Indices into s.view_ for a sequence set (nullopt: a sequence number beyond EXISTS).
  static std::optional<std::vector<std::size_t>> resolve(const S& s,
                                                         const server_side::SequenceSet& set,
                                                         bool uid);
};

}  // namespace smtpsim::imap
