// The IMAP4rev1 server machine (RFC 3501, with RFC 2177 IDLE, RFC 4959 SASL-IR, RFC 7888
// LITERAL+, RFC 3691 UNSELECT). Sans-I/O like the SMTP machine (DESIGN.md idea 1):
// receive(bytes) -> next_event() -> the owner answers decisions -> take_output().
// No sockets, clocks or threads; the virtual network and live mode drive the same object.
//
// The session operates DIRECTLY on a mail::MailStore (folders, UIDs, flags). Several sessions
// on one store see each other's changes: each selected session keeps its own view (the UIDs it
// announced, in sequence-number order, and the flags it last reported) and, after every
// command and on mailbox_changed() while IDLE, reports the difference with the store as
// untagged EXPUNGE / EXISTS / RECENT / FETCH responses (RFC 3501 §5.2, §7.4.1).
// \Recent is approximated per folder (mail::Folder::imap_recent_upto): a message is recent
// for the first read-write session that sees it (SELECT or a later update), as in Dovecot;
// EXAMINE sees \Recent without taking it.
//
// Trust: every input byte is hostile. Lines are bounded (max_line), literals are bounded
// (max_literal) and refused before a single byte of them is read, NUL is refused, errors are
// counted. Whether a password is right is *not* decided here: the owner answers Auth.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/mail/mail_store.hpp"
#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::imap {

struct ServerConfig {
  std::string hostname = "mail.example.com";
  bool starttls_available = false;  // the driver can run TLS on this connection
  bool tls_active = false;          // already encrypted (implicit TLS, port 993)
  bool login_needs_tls = false;     // true: LOGINDISABLED before TLS (RFC 3501 §6.2.3)
  std::size_t max_line = 8192;      // one command line, CRLF and literals excluded
  // Largest literal (APPEND). A larger synchronizing {n} gets a tagged BAD and no "+"
  // continuation, so the client never sends it and the next bytes are the next command.
  // A larger non-synchronizing {n+} (the client sends it anyway) gets a tagged BAD and its
  // n bytes are counted off and dropped, never read as command text (Dovecot does the same).
  std::size_t max_literal = 10 * 1024 * 1024;
  int max_errors = 20;  // BAD responses before "* BYE Too many errors"
};

enum class ServerState : int { NotAuthenticated, Authenticated, Selected, Idle, Logout };
const proto::MachineSpec& server_machine_spec();

namespace server_event {
struct NeedData {};  // feed more bytes (and flush take_output())
struct Closed {};    // flush take_output(), then close the connection
struct StartTls {};  // the tagged OK is in the output: flush it, run the TLS handshake,
                     // then call tls_established(). Bytes buffered behind STARTTLS were
                     // discarded (CVE-2011-0411-style command injection).
// Decision: answer with accept() or reject() before calling next_event() again.
struct Auth {
  std::string user, password, authzid;
  std::string mechanism;  // "LOGIN" (the LOGIN command) or "PLAIN" (AUTHENTICATE PLAIN)
};
}  // namespace server_event

using ServerEvent = std::variant<server_event::NeedData, server_event::Closed,
                                 server_event::StartTls, server_event::Auth>;

class ServerSession {
 public:
  ServerSession(ServerConfig config, mail::MailStore& store);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Connection established: "* OK [CAPABILITY ...] hostname IMAP4rev1 ready".
  void start();

  void receive(std::string_view bytes);
  void receive_eof();
  ServerEvent next_event();

  // Answers to the pending Auth: tagged OK (-> Authenticated) or tagged
  // "NO [AUTHENTICATIONFAILED] text".
  void accept();
  void reject(std::optional<std::string> text = {});

  // Driver-side events: the TLS handshake after StartTls finished; the RFC 3501 §5.4
  // autologout timer expired ("* BYE Autologout"); the service shuts down ("* BYE text").
  void tls_established();
  void timeout();
  void shutdown(std::string_view text);
  // The clock for APPEND's default internal date: microseconds since 1970-01-01 UTC.
  void set_now(std::int64_t micros) { now_ = micros; }
  // The owner calls this after the store changed (another session, a delivery). While IDLE
  // the untagged updates are queued at once; otherwise they wait for the next command.
  void mailbox_changed();

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  ServerState state() const { return state_; }
  std::string_view state_caption() const;
  const std::string& user() const { return user_; }
  const std::string& selected_folder() const { return selected_; }
  bool read_only() const { return read_only_; }
  bool idling() const { return state_ == ServerState::Idle; }
  bool tls_active() const { return cfg_.tls_active; }
  const ServerConfig& config() const { return cfg_; }
  void set_observer(proto::SessionObserver* o) { observer_ = o; }

  // RFC 3501 §5.4: an autologout timer must be at least 30 minutes.
  static constexpr std::chrono::minutes idle_timeout() { return std::chrono::minutes(30); }

  // One message as this session announced it (sequence number = index + 1).
  struct ViewEntry {
    std::uint32_t uid;
    unsigned flags;  // as last reported to the client (mail::Flag bits)
    bool recent;     // \Recent for this session
  };
  const std::vector<ViewEntry>& view() const { return view_; }

  class Impl;  // command handlers (server_commands.cpp) reach the internals through this

 private:
  friend class Impl;
  enum class Mode { Command, AuthResponse, Idle };

  void enter(ServerState to, std::string_view trigger);
  void send(std::string_view text, bool sensitive = false);  // one response, CRLF added
  void tagged(std::string_view tag, std::string_view status, std::string_view text);
  void bad(std::string_view tag, std::string_view text);  // counts towards max_errors
  void bye(std::string_view text, std::string_view trigger);

  ServerEvent step();
  bool take_line(std::string& line, bool& overlong);
  bool discard_line();
  void skip_literal_after(std::string_view rejected_line, bool command_line);
  void execute(std::string_view command);
  void handle_auth_response(std::string_view line);
  void handle_idle_line(std::string_view line);
  void reset_command();

  std::string capabilities() const;
  // Compare the view with the store and report the difference (untagged responses).
  // allow_expunge=false during FETCH/STORE/SEARCH (RFC 3501 §7.4.1).
  void sync(bool allow_expunge);
  void select_folder(std::string_view tag, const std::string& name, bool read_only);
  void unselect();
  // The selected folder under its current name (another session may have RENAMEd it);
  // false when it was DELETEd. Then the session says BYE (Dovecot's choice: RFC 3501 has no
  // way to tell a client its mailbox is gone, and its UIDs mean nothing any more).
  bool follow_selected();
  void bye_deleted();

  ServerConfig cfg_;
  mail::MailStore& store_;
  ServerState state_ = ServerState::NotAuthenticated;
  proto::SessionObserver* observer_ = nullptr;
  std::int64_t now_ = 0;

  // input framing
  std::string in_;
  std::size_t in_pos_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool discarding_line_ = false;    // an overlong line: drop bytes up to its LF
  std::string discard_tail_;        // its last bytes: did it end with a {n+} literal?
  bool discard_command_ = false;    // ... and was it a command line (not DONE, not SASL)?
  std::uint64_t skip_literal_ = 0;  // an oversize {n+}: bytes still to drop
  std::string command_;             // the command so far: lines (with CRLF) and literals
  std::size_t literal_left_ = 0;    // bytes of the current literal still to come
  std::size_t literal_total_ = 0;   // literal bytes in this command so far
  int literals_ = 0;                // literals in this command so far
  Mode mode_ = Mode::Command;
  bool closed_ = false;
  bool start_tls_pending_ = false;

  std::string out_;
  int errors_ = 0;

  // authentication
  bool auth_pending_ = false;
  server_event::Auth auth_;
  std::string auth_tag_;
  std::string user_;

  // selected mailbox
  std::string selected_;
  std::uint64_t selected_id_ = 0;  // mail::Folder::id of the selected folder
  bool read_only_ = false;
  ServerState idle_return_ = ServerState::Selected;
  std::string idle_tag_;
  std::vector<ViewEntry> view_;
  std::uint64_t synced_version_ = 0;
  bool view_valid_ = false;
};

}  // namespace smtpsim::imap
