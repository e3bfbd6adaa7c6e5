// The POP3 server machine (RFC 1939, with RFC 2449 CAPA / RESP-CODES / PIPELINING, RFC 2595
// STLS and RFC 3206 response codes). Sans-I/O like the SMTP machines: receive(bytes) ->
// next_event() -> the owner answers decisions -> take_output(). No sockets, clocks or threads.
//
// It operates directly on a mail::MailStore: after a successful login it snapshots the
// user's INBOX as the RFC 1939 maildrop (message numbers 1..n), RETR/TOP read the store,
// RETR sets \Seen (as Dovecot does), and QUIT in TRANSACTION expunges the DELE-marked
// messages (the UPDATE state). A dropped connection never deletes anything (RFC 1939 §6).
//
// Trust: every input byte is hostile. Command lines are bounded (RFC 2449 §4: 255 octets),
// only CRLF ends a line, NUL bytes and bare LF are refused, numbers are parsed strictly and
// range-checked against the snapshot. Whether a password is right (and whether the maildrop
// is locked: answer reject("[IN-USE] ...")) is the owner's decision, asked through Auth.
// The store is trusted to hold CRLF text; messages removed from it by someone else while
// the session runs are reported as gone, never dereferenced.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/mail/mail_store.hpp"
#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::pop3 {

struct ServerConfig {
  std::string hostname = "mail.example.com";
  std::string greeting = "POP3 smtpsim ready";  // "+OK <greeting> [<apop_timestamp>]"
  bool stls_available = false;                  // the driver can run TLS on this connection
  bool tls_active = false;                      // already encrypted (implicit TLS, port 995)
  bool plaintext_auth_needs_tls = false;        // USER/PASS refused before TLS (RFC 2595 §2)
  // "<1896.697170952@mail.example.com>", unique per connection, supplied by the owner
  // (RFC 1939 §7); empty: APOP is not offered and answers -ERR.
  std::string apop_timestamp;
  int max_errors = 10;         // then -ERR and close
  std::size_t max_line = 255;  // RFC 2449 §4: 255 octets including the CRLF
};

// AUTHORIZATION is split in two so the diagram shows USER waiting for PASS.
enum class ServerState : int { Authorization, User, Transaction, Update, Closed };
const proto::MachineSpec& server_machine_spec();

namespace server_event {
struct NeedData {};  // flush take_output(), feed more bytes
struct Closed {};    // flush take_output(), then close the connection
struct StartTls {};  // "+OK Begin TLS negotiation" is in the output: flush it, run the TLS
                     // handshake, call tls_established(). Plaintext pipelined after STLS
                     // has been discarded (RFC 2595 §4, the CVE-2011-0411 pattern).
// Decision: answer with accept() or reject() before calling next_event() again.
struct Auth {
  enum Method { UserPass, Apop };
  Method method = UserPass;
  std::string user;
  std::string password;   // UserPass
  std::string digest;     // Apop: 32 hex digits as sent (RFC 1939 §7)
  std::string timestamp;  // Apop: the greeting's timestamp
  // UserPass: password == secret. Apop: hex(MD5(timestamp + secret)) == digest (any case).
  bool password_matches(std::string_view secret) const;
};
// Informational (no answer): QUIT in TRANSACTION expunged these UIDs from the INBOX.
// Emitted once, before Closed.
struct Update {
  std::vector<std::uint32_t> deleted;
};
}  // namespace server_event

using ServerEvent = std::variant<server_event::NeedData, server_event::Closed,
                                 server_event::StartTls, server_event::Auth, server_event::Update>;

// "<uidvalidity>.<uid>": the UIDL unique-id (RFC 1939 §7: 1..70 characters 0x21..0x7E,
// stable across sessions because UIDs are never reused within a UIDVALIDITY).
std::string unique_id(std::uint32_t uidvalidity, std::uint32_t uid);
// hex(MD5(timestamp + secret)), lower case: the APOP digest (RFC 1939 §7).
std::string apop_digest(std::string_view timestamp, std::string_view secret);

class ServerSession {
 public:
  ServerSession(ServerConfig config, mail::MailStore& store);

  void start();  // connection established: queue the +OK greeting
  void receive(std::string_view bytes);
  void receive_eof();
  ServerEvent next_event();

  // Answer to the pending Auth. accept(): snapshot the INBOX and enter TRANSACTION (-ERR
  // [SYS/PERM] instead when the user has no INBOX). reject(): "-ERR [AUTH] ..." or the
  // given text (e.g. "[IN-USE] maildrop locked"), which counts towards max_errors.
  void accept();
  void reject(std::optional<std::string> text = {});

  // Driver side: the TLS handshake after StartTls finished; the autologout timer expired
  // (RFC 1939 §3: no UPDATE); the service shuts down (no UPDATE, "-ERR [SYS/TEMP] text").
  void tls_established();
  void timeout();
  void shutdown(std::string_view text);

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  ServerState state() const { return state_; }
  std::string_view state_caption() const;
  const std::string& user() const { return user_; }  // the logged-in (or USER-given) name
  bool tls_active() const { return cfg_.tls_active; }
  const ServerConfig& config() const { return cfg_; }
  // RFC 1939 §3: the autologout timer is at least 10 minutes.
  static constexpr std::chrono::minutes idle_timeout() { return std::chrono::minutes(10); }

  void set_observer(proto::SessionObserver* o) { observer_ = o; }

  struct CommandSpec;  // the command table row (server_commands.cpp)
  static std::span<const CommandSpec> command_table();

  // One message of the maildrop snapshot (number = index + 1).
  struct DropEntry {
    std::uint32_t uid;
    std::size_t size;
    bool deleted;
  };
  std::span<const DropEntry> maildrop() const { return drop_; }

  // command handlers (server_commands.cpp); public only so the table can name them
  ServerEvent cmd_capa(std::string_view arg);
  ServerEvent cmd_stls(std::string_view arg);
  ServerEvent cmd_user(std::string_view arg);
  ServerEvent cmd_pass(std::string_view arg);
  ServerEvent cmd_apop(std::string_view arg);
  ServerEvent cmd_quit(std::string_view arg);
  ServerEvent cmd_stat(std::string_view arg);
  ServerEvent cmd_list(std::string_view arg);
  ServerEvent cmd_uidl(std::string_view arg);
  ServerEvent cmd_retr(std::string_view arg);
  ServerEvent cmd_top(std::string_view arg);
  ServerEvent cmd_dele(std::string_view arg);
  ServerEvent cmd_noop(std::string_view arg);
  ServerEvent cmd_rset(std::string_view arg);

 private:
  // the one function through which every state change goes (and is reported)
  void enter(ServerState to, std::string_view trigger);
  void ok(std::string_view text);
  void err(std::string_view text);  // counts towards max_errors, may close
  void line_out(std::string_view line);
  void close_with(std::string_view err_text, std::string_view trigger);
  ServerEvent process_line(std::string_view line);
  void observe_in(std::string_view line);  // reports a received line, PASS redacted
  // Message number argument: the entry, or nullptr after replying -ERR.
  DropEntry* message_arg(std::string_view arg, bool allow_deleted = false);
  void send_message(const DropEntry& e, std::optional<std::size_t> body_lines);
  std::size_t live_count() const;
  std::size_t live_octets() const;

  ServerConfig cfg_;
  mail::MailStore& store_;
  ServerState state_ = ServerState::Authorization;
  proto::SessionObserver* observer_ = nullptr;
  bool started_ = false;

  std::string in_;
  std::size_t in_pos_ = 0;
  bool eof_ = false;
  bool discarding_long_line_ = false;
  bool start_tls_pending_ = false;

  std::string out_;
  int errors_ = 0;
  std::string user_;
  std::uint32_t uidvalidity_ = 0;
  std::vector<DropEntry> drop_;

  bool auth_pending_ = false;
  server_event::Auth auth_;
  std::optional<server_event::Update> update_;
};

// The command table row (as in the SMTP server): verb, states it is valid in, handler.
struct ServerSession::CommandSpec {
  std::string_view verb;
  unsigned states;  // bit (1 << ServerState)
  ServerEvent (ServerSession::*proceed)(std::string_view);
  std::string_view syntax;
};

}  // namespace smtpsim::pop3
