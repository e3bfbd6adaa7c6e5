// The SMTP client machine (RFC 5321 with RFC 2920 PIPELINING, 3207 STARTTLS, 4954 AUTH,
// 1870 SIZE). Sans-I/O like the server: receive(bytes) -> next_event() -> take_output().
// It sends the messages it is given, one transaction each, over one connection, and reports
// a per-recipient outcome for every message (accepted / temporary / permanent).
//
// Trust: the server's replies are untrusted input. Replies are parsed strictly (RFC 5321
// §4.2: same code on every line, bounded length and line count); anything malformed fails
// the session rather than being guessed at. A reply only answers a command if the server
// sent it after the command was written; one that came earlier (or while idle) is
// unsolicited and fails the session, 421 excepted. After STARTTLS the client discards any
// bytes the server sent with the 220 (the mirror of CVE-2011-0411). The owner's messages are
// trusted only as far as send() checks them (no CR/LF in addresses); their text is always
// sent with CRLF line ends and dot-stuffed, so no content can end the DATA early.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/smtp/address.hpp"
#include "sim/proto/smtp/machine.hpp"
#include "sim/proto/smtp/reply.hpp"
#include "sim/proto/smtp/reply_parser.hpp"
#include "sim/proto/smtp/sasl.hpp"

namespace smtpsim::smtp {

enum class TlsMode {
  None,               // never STARTTLS
  StartTlsIfOffered,  // opportunistic (MTA to MTA)
  StartTlsRequired,   // fail the session if STARTTLS is not offered (submission on 587)
  Implicit,           // the driver already runs TLS from the first byte (465, RFC 8314)
};

struct ClientConfig {
  std::string helo_name = "client.example.net";
  bool use_ehlo = true;        // false: HELO only, as in seed 002's dialogue
  bool use_pipelining = true;  // when the server advertises PIPELINING
  TlsMode tls = TlsMode::None;
  std::optional<std::string> auth_user;  // AUTH when set
  std::string auth_password;
  std::optional<SaslMechanism> auth_mechanism;  // nullopt: best advertised one
  // SIZE=n on MAIL when the server advertises SIZE (RFC 1870)
  bool send_size = true;
  // RFC 5321 Appendix D.2: give up the transaction (RSET) if any recipient is refused.
  bool abort_on_refused_recipient = false;
};

struct OutgoingMessage {
  std::string sender;                   // "" for the null reverse-path <>
  std::vector<std::string> recipients;  // "bob@example.com"
  std::string content;                  // headers + body; CRLF, LF or CR line ends
  bool eight_bit = false;               // BODY=8BITMIME when advertised
};

enum class RecipientStatus { Accepted, Temporary, Permanent };

struct RecipientResult {
  std::string address;
  RecipientStatus status;
  Reply reply;  // the RCPT reply, or the final reply after DATA for accepted recipients
};

enum class ClientStage { Greeting, Helo, StartTls, Auth, Mail, Rcpt, Data, Body, Quit, Connection };
std::string_view stage_name(ClientStage s);

struct MessageResult {
  std::size_t index = 0;  // order in which send() was called, from 0
  std::vector<RecipientResult> recipients;
  // reply that failed the whole message (MAIL, DATA, final .); with
  // abort_on_refused_recipient, the first refusal (the accepted recipients are Temporary)
  std::optional<Reply> failure;
  // Where the message stopped when no recipient got it: Mail (MAIL refused), Rcpt (no
  // recipient accepted, or one refused with abort_on_refused_recipient), Data (DATA
  // refused), Body (the final "." refused). nullopt when at least one recipient has it.
  // What a driver needs for swaks-style exit codes (23 MAIL, 24 RCPT, 25 DATA, 26 body).
  std::optional<ClientStage> failed_stage;
  bool all_delivered() const;
};

// clang-format off
enum class ClientState : int {
  Greeting, Ehlo, Helo, StartTls, TlsHandshake, Auth, Idle, Mail, Rcpt, Data, Body, Rset,
  Quit, Closed
};
// clang-format on
const proto::MachineSpec& client_machine_spec();

namespace client_event {
struct NeedData {};  // flush take_output(), then feed more bytes
struct StartTls {};  // flush take_output(), run the TLS handshake, call tls_established()
struct MessageDone {
  MessageResult result;
};
struct Idle {};  // every queued message is done: send() more, or finish()
struct Failed {  // the session cannot go on (QUIT is queued when the link is still usable)
  ClientStage stage;
  std::optional<Reply> reply;
  std::string reason;
};
struct Closed {};  // after 221 or a failure: flush take_output() and close
}  // namespace client_event

using ClientEvent =
    std::variant<client_event::NeedData, client_event::StartTls, client_event::MessageDone,
                 client_event::Idle, client_event::Failed, client_event::Closed>;

class ClientSession {
 public:
  // Throws std::invalid_argument when helo_name is not one printable token or the AUTH
  // user name contains a NUL.
  explicit ClientSession(ClientConfig config = {});

  // Queue a message (any time before finish(); std::logic_error after). Throws
  // std::invalid_argument for no recipients or an address containing CR, LF or NUL (which
  // would let the text end the command line early and smuggle a command in).
  void send(OutgoingMessage message);
  void finish();  // QUIT once the queue is empty

  void receive(std::string_view bytes);
  void receive_eof();
  // After Failed, every message without a MessageDone was not delivered (Failed's stage
  // Body means the final "." was sent and the server may have kept it: RFC 5321 §6.1).
  ClientEvent next_event();
  void tls_established();
  void timeout();  // the driver's deadline (current_timeout()) expired

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  // RFC 5321 §4.5.3.2: how long to wait for the reply we are waiting for now
  // (greeting 5 min, MAIL 5, RCPT 5, DATA 2, data block 3, final "." 10); nullopt when the
  // client is not waiting for the server.
  std::optional<std::chrono::seconds> current_timeout() const;
  // RFC 5321 §4.5.3.2.5: per data block written. The whole body goes out in one
  // take_output(), so a driver that writes it in pieces applies this to each write.
  static constexpr std::chrono::seconds data_block_timeout() { return std::chrono::minutes(3); }

  ClientState state() const { return state_; }
  std::string_view state_caption() const;
  bool server_supports(std::string_view keyword) const;  // EHLO keywords, upper case
  const std::vector<std::string>& server_extensions() const { return extensions_; }
  bool tls_active() const { return tls_active_; }
  bool authenticated() const { return authenticated_; }

  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  enum class AuthStep : unsigned char { Start, Sent, Done, Cancelled };

  void enter(ClientState to, std::string_view trigger);
  void push(ClientEvent ev);
  // Appends line + CRLF to the output; the observer sees `shown` when given (redaction).
  void send_line(std::string_view line, bool sensitive = false, std::string_view shown = {});
  void line_done(std::size_t start);  // the line begun at out_[start] is complete: add CRLF
  void fail(ClientStage stage, std::optional<Reply> r, std::string reason, std::string_view trigger,
            bool quit);
  void unexpected(Reply r);
  ClientStage stage() const;

  void on_reply(Reply r);
  void on_greeting(Reply& r);
  void on_ehlo(Reply& r);
  void on_helo(Reply& r);
  void on_starttls(Reply& r);
  void on_auth(Reply& r);
  void on_mail(Reply& r);
  void on_rcpt(Reply& r);
  void on_data(Reply& r);
  void on_body(Reply& r);
  void on_rset(Reply& r);

  void send_hello(std::string_view trigger);
  void parse_extensions(const Reply& r);
  void after_hello(std::string_view trigger);
  void after_tls(std::string_view trigger);
  void start_auth(std::string_view trigger);
  void auth_cancel(std::string reason);
  void start_next_or_idle(std::string_view trigger);
  void begin_transaction(std::string_view trigger);
  void send_rcpt(std::size_t i);
  void send_body();
  void finish_message();
  void send_rset(std::string_view trigger);

  ClientConfig cfg_;
  ClientState state_ = ClientState::Greeting;
  proto::SessionObserver* observer_ = nullptr;
  ReplyParser parser_;
  std::string out_;
  // Stream offset of the server's bytes when our last command was written: a reply that
  // starts before it was sent before the command, so it cannot answer it.
  std::uint64_t fence_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  bool tls_active_ = false;
  bool authenticated_ = false;

  // what the last EHLO advertised
  std::vector<std::string> extensions_;
  bool ext_pipelining_ = false, ext_size_ = false, ext_8bitmime_ = false, ext_starttls_ = false;
  unsigned auth_offered_ = 0;  // bit per SaslMechanism

  std::vector<ClientEvent> events_;  // pending events, taken from events_head_
  std::size_t events_head_ = 0;
  std::vector<OutgoingMessage> queue_;  // waiting messages, taken from queue_head_
  std::size_t queue_head_ = 0;
  std::size_t next_index_ = 0;

  // the transaction in progress
  OutgoingMessage current_;
  MessageResult result_;
  std::size_t rcpt_replies_ = 0;  // RCPT replies received
  std::size_t accepted_ = 0, refused_ = 0;
  bool pipelined_ = false;       // MAIL and RCPTs sent as one group (RFC 2920)
  bool data_pipelined_ = false;  // ... and DATA at the end of the group
  bool mail_failed_ = false;
  bool empty_dot_ = false;   // 354 without an accepted recipient: only "." was sent
  bool body_clean_ = false;  // content already CRLF-only and needs no dot-stuffing

  AuthStep auth_step_ = AuthStep::Start;
  SaslMechanism auth_mech_ = SaslMechanism::Plain;
  bool auth_deferred_ir_ = false;  // PLAIN response waits for a 334 (RFC 4954 §4, 512 limit)
  std::string auth_cancel_reason_;
};

}  // namespace smtpsim::smtp
