// The SMTP server machine (RFC 5321, with RFC 1870 SIZE, 2920 PIPELINING, 3207 STARTTLS,
// 4954 AUTH, 6152 8BITMIME, 2034/3463 enhanced status codes). Sans-I/O (DESIGN.md idea 1):
// receive(bytes) -> next_event() -> the owner answers decisions -> take_output().
// No sockets, clocks or threads; the virtual network and live mode drive the same object.
//
// Trust: every input byte is hostile. Lines are bounded, addresses parsed to the RFC grammar,
// only CRLF ends a line, only CRLF.CRLF ends a message. Policy (which recipients are local,
// who may relay, whether a password is right, where a message is stored) is *not* decided
// here: the machine asks its owner through decision events and waits for the answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/smtp/address.hpp"
#include "sim/proto/smtp/machine.hpp"
#include "sim/proto/smtp/reply.hpp"
#include "sim/proto/smtp/sasl.hpp"
#include "sim/proto/smtp/transaction.hpp"

namespace smtpsim::smtp {

// What to do with a bare LF or bare CR inside message text. Either way <LF>.<LF> and its
// cousins never end the message (SMTP smuggling, CVE-2023-51764/5/6).
enum class BareLineEnds {
  Normalize,  // Postfix 3.9 default: keep the message, bare LF becomes CRLF
  Reject,     // answer 550 5.5.2 at the end of the message
};

struct ServerConfig {
  std::string hostname = "mail.example.com";
  std::string greeting = "ESMTP smtpsim";       // "220 <hostname> <greeting>"
  std::string client_address;                   // echoed in the HELO/EHLO reply: "[192.0.2.67]"
  std::uint64_t max_message_size = 10'240'000;  // Postfix message_size_limit; 0 = none
  std::size_t max_recipients = 1000;            // Postfix smtpd_recipient_limit (RFC: >= 100)
  int max_errors = 20;                          // Postfix smtpd_hard_error_limit
  bool pipelining = true;
  bool eightbitmime = true;
  bool size_extension = true;
  bool enhanced_status_codes = true;
  bool starttls_available = false;  // the driver can run TLS on this connection
  bool tls_active = false;          // already encrypted (implicit TLS, port 465)
  bool auth_enabled = false;
  bool auth_required = false;            // submission (RFC 6409 §4.3): MAIL without AUTH -> 530
  bool plaintext_auth_needs_tls = true;  // PLAIN/LOGIN only inside TLS (538 5.7.11)
  bool tls_required = false;             // everything but EHLO/STARTTLS/NOOP/RSET/QUIT -> 530
  bool enforce_sync = true;  // RFC 2920 group rules; violators get 554 5.5.0 and are dropped
  // Postfix smtpd_min_data_rate (3.7+ default 500 bytes/s; 0 = off): during DATA the idle
  // budget shrinks with the time each read takes and grows by bytes/rate, never beyond the
  // idle timeout, so a client trickling the message slower than this is dropped with
  // 421 4.4.2 instead of holding the session for hours. The machine has no clock: its
  // driver keeps the budget and calls too_slow().
  std::uint64_t min_data_rate = 500;
  BareLineEnds bare_line_ends = BareLineEnds::Normalize;
  std::string cram_md5_nonce = "1";  // unique per connection; the owner supplies randomness
};

enum class ServerState : int { Connect, Greeted, Ready, Mail, Rcpt, Data, Auth, Closed };
const proto::MachineSpec& server_machine_spec();

namespace server_event {
struct NeedData {};  // feed more bytes (and flush take_output())
struct Closed {};    // flush take_output(), then close the connection
struct StartTls {};  // "220 Ready to start TLS" is in the output: flush it, run the TLS
                     // handshake, then call tls_established()
// Decisions: answer each with accept() or reject() before calling next_event() again.
struct MailFrom {
  Address sender;
  MailParams params;
};
struct RcptTo {
  Address recipient;
};
struct Auth {
  SaslMechanism mechanism;
  std::string authzid, user;
  std::string password;           // PLAIN and LOGIN
  std::string challenge, digest;  // CRAM-MD5
  bool password_matches(std::string_view secret) const;
};
struct Vrfy {
  std::string argument;
};
struct Message {};  // the complete message: see ServerSession::transaction()
}  // namespace server_event

using ServerEvent =
    std::variant<server_event::NeedData, server_event::Closed, server_event::StartTls,
                 server_event::MailFrom, server_event::RcptTo, server_event::Auth,
                 server_event::Vrfy, server_event::Message>;

class ServerSession {
 public:
  explicit ServerSession(ServerConfig config = {});

  // Connection established: queue the 220 greeting. refuse(): queue a 421/554 and close.
  void start();
  void refuse(Reply reply);

  void receive(std::string_view bytes);
  void receive_eof();
  ServerEvent next_event();

  // Answers to the pending decision. Without a reply the default one is used
  // (250 2.1.0 / 250 2.1.5 / 235 2.7.0 / 252 2.0.0 / 250 2.0.0 on accept;
  //  550 5.1.1 / 535 5.7.8 on reject).
  void accept(std::optional<Reply> reply = std::nullopt);
  void reject(std::optional<Reply> reply = std::nullopt);

  // Driver-side events: the TLS handshake after StartTls finished; the RFC 5321 §4.5.3.2.7
  // idle timeout expired; the service shuts down.
  void tls_established();
  void timeout();
  // The driver found the client sending message text slower than cfg.min_data_rate.
  void too_slow();
  void shutdown(Reply reply);

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  ServerState state() const { return state_; }
  std::string_view state_caption() const;
  const Transaction& transaction() const { return tx_; }
  const ServerConfig& config() const { return cfg_; }
  bool authenticated() const { return !auth_user_.empty(); }
  const std::string& auth_user() const { return auth_user_; }
  const std::string& helo_name() const { return helo_; }
  bool used_ehlo() const { return extended_; }  // EHLO rather than HELO (Received: "with")
  bool tls_active() const { return cfg_.tls_active; }
  std::uint64_t messages_accepted() const { return messages_accepted_; }
  // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command.
  static constexpr std::chrono::seconds idle_timeout() { return std::chrono::minutes(5); }

  void set_observer(proto::SessionObserver* o) { observer_ = o; }

  struct CommandSpec;  // the command table row (server_commands.cpp)
  static std::span<const CommandSpec> command_table();

 private:
  enum class Pending { None, MailFrom, RcptTo, Auth, Vrfy, Message };
  enum class AuthStep { None, PlainResponse, LoginUser, LoginPassword, CramResponse };

  // one function through which every state change goes (and is reported)
  void enter(ServerState to, std::string_view trigger);
  void reply(const Reply& r);
  void reply(int code, std::string_view enhanced, std::string_view text);
  void error_reply(const Reply& r);  // counts towards max_errors
  void close_with(const Reply& r, std::string_view trigger);

  ServerEvent process_line(std::string_view line);
  ServerEvent process_data();
  ServerEvent finish_data();
  ServerEvent process_auth_line(std::string_view line);
  ServerEvent ask(Pending p, ServerEvent ev);

  // command handlers (proceed), see server_commands.cpp
 public:
  ServerEvent cmd_helo(std::string_view arg);
  ServerEvent cmd_ehlo(std::string_view arg);
  ServerEvent cmd_mail(std::string_view arg);
  ServerEvent cmd_rcpt(std::string_view arg);
  ServerEvent cmd_data(std::string_view arg);
  ServerEvent cmd_rset(std::string_view arg);
  ServerEvent cmd_noop(std::string_view arg);
  ServerEvent cmd_vrfy(std::string_view arg);
  ServerEvent cmd_expn(std::string_view arg);
  ServerEvent cmd_help(std::string_view arg);
  ServerEvent cmd_quit(std::string_view arg);
  ServerEvent cmd_starttls(std::string_view arg);
  ServerEvent cmd_auth(std::string_view arg);
  // checks
  std::optional<Reply> check_mail() const;
  std::optional<Reply> check_rcpt() const;
  std::optional<Reply> check_data() const;

 private:
  ServerEvent greet_reply(std::string_view arg, bool extended);
  bool mechanism_allowed_now(SaslMechanism m) const;
  ServerEvent auth_credentials_ready();
  void reset_data_flags();
  static bool reply_is_positive_or_default(const std::optional<Reply>& r);

  ServerConfig cfg_;
  ServerState state_ = ServerState::Connect;
  proto::SessionObserver* observer_ = nullptr;

  std::string in_;
  std::size_t in_pos_ = 0;
  bool eof_ = false;
  bool discarding_long_line_ = false;
  bool spoke_early_ = false;
  bool greeting_taken_ = false;
  bool start_tls_pending_ = false;
  bool closed_reported_ = false;

  std::string out_;
  std::string ehlo_keywords_[2];  // rendered EHLO keyword lines, without / with TLS
  int errors_ = 0;
  bool extended_ = false;  // EHLO (not HELO) was used: PIPELINING may be in effect
  std::string helo_;
  std::string auth_user_;

  Pending pending_ = Pending::None;
  ServerEvent pending_event_;
  AuthStep auth_step_ = AuthStep::None;
  server_event::Auth auth_;
  std::string auth_challenge_;

  Transaction tx_;
  std::uint64_t messages_accepted_ = 0;
  // DATA scanning state (see process_data)
  bool data_at_line_start_ = true;
  bool data_prev_crlf_ = true;
  std::size_t data_line_len_ = 0;
  bool data_too_big_ = false, data_line_too_long_ = false;
  bool data_bare_lf_ = false, data_bare_cr_ = false, data_nul_ = false;
};

// The command table row (DESIGN.md idea 2): verb, flags, check, proceed, help text.
struct ServerSession::CommandSpec {
  enum Flags : unsigned {
    kNeedsHelo = 1u << 0,         // 503 before HELO/EHLO
    kAllowedBeforeTls = 1u << 1,  // allowed when tls_required and TLS is not yet active
    kPipelinable = 1u << 2,       // RFC 2920 §3.1: may appear inside a pipelined group
    kNoArgument = 1u << 3,        // 501 if an argument is given
    kNeedsArgument = 1u << 4,     // 501 if none is given
  };
  std::string_view verb;
  unsigned flags;
  std::optional<Reply> (ServerSession::*check)() const;
  ServerEvent (ServerSession::*proceed)(std::string_view);
  std::string_view syntax;  // "MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME]"
};

}  // namespace smtpsim::smtp
