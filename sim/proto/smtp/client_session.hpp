// The SMTP client machine (RFC 5321 with RFC 2920 PIPELINING, 3207 STARTTLS, 4954 AUTH,
// 1870 SIZE). Sans-I/O like the server: receive(bytes) -> next_event() -> take_output().
// It sends the messages it is given, one transaction each, over one connection, and reports
// a per-recipient outcome for every message (accepted / temporary / permanent).
//
// Trust: the server's replies are untrusted input. Replies are parsed strictly (RFC 5321
// §4.2: same code on every line, bounded length and line count); anything malformed fails
// the session rather than being guessed at. After STARTTLS the client discards any bytes the
// server sent with the 220 (the mirror of CVE-2011-0411).
#pragma once

#include <chrono>
#include <deque>
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
  None,              // never STARTTLS
  StartTlsIfOffered, // opportunistic (MTA to MTA)
  StartTlsRequired,  // fail the session if STARTTLS is not offered (submission on 587)
  Implicit,          // the driver already runs TLS from the first byte (465, RFC 8314)
};

struct ClientConfig {
  std::string helo_name = "client.example.net";
  bool use_ehlo = true;        // false: HELO only, as in seed 002's dialogue
  bool use_pipelining = true;  // when the server advertises PIPELINING
  TlsMode tls = TlsMode::None;
  std::optional<std::string> auth_user;  // AUTH when set
  std::string auth_password;
  std::optional<SaslMechanism> auth_mechanism;  // nullopt: best advertised one
  bool send_size = true;  // SIZE=n on MAIL when the server advertises SIZE
  // RFC 5321 Appendix D.2: give up the transaction (RSET) if any recipient is refused.
  bool abort_on_refused_recipient = false;
};

struct OutgoingMessage {
  std::string sender;                   // "" for the null reverse-path <>
  std::vector<std::string> recipients;  // "bob@example.com"
  std::string content;                  // headers + body; LF or CRLF line ends
  bool eight_bit = false;               // BODY=8BITMIME when advertised
};

enum class RecipientStatus { Accepted, Temporary, Permanent };

struct RecipientResult {
  std::string address;
  RecipientStatus status;
  Reply reply;  // the RCPT reply, or the final reply after DATA for accepted recipients
};

struct MessageResult {
  std::size_t index = 0;  // order in which send() was called, from 0
  std::vector<RecipientResult> recipients;
  std::optional<Reply> failure;  // reply that failed the whole message (MAIL, DATA, final .)
  bool all_delivered() const;
};

enum class ClientState : int {
  Greeting, Ehlo, Helo, StartTls, TlsHandshake, Auth, Idle, Mail, Rcpt, Data, Body, Rset,
  Quit, Closed
};
const proto::MachineSpec& client_machine_spec();

enum class ClientStage { Greeting, Helo, StartTls, Auth, Mail, Rcpt, Data, Body, Quit, Connection };
std::string_view stage_name(ClientStage s);

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

using ClientEvent = std::variant<client_event::NeedData, client_event::StartTls,
                                 client_event::MessageDone, client_event::Idle,
                                 client_event::Failed, client_event::Closed>;

class ClientSession {
 public:
  explicit ClientSession(ClientConfig config = {});

  void send(OutgoingMessage message);  // queue a message (any time before finish())
  void finish();                       // QUIT once the queue is empty

  void receive(std::string_view bytes);
  void receive_eof();
  ClientEvent next_event();
  void tls_established();
  void timeout();  // the driver's deadline (current_timeout()) expired

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  // RFC 5321 §4.5.3.2: how long to wait for the reply we are waiting for now
  // (greeting 5 min, MAIL 5, RCPT 5, DATA 2, data block 3, final "." 10); nullopt when the
  // client is not waiting for the server.
  std::optional<std::chrono::seconds> current_timeout() const;

  ClientState state() const { return state_; }
  bool server_supports(std::string_view keyword) const;  // EHLO keywords, upper case
  const std::vector<std::string>& server_extensions() const { return extensions_; }
  bool tls_active() const { return tls_active_; }

  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  void enter(ClientState to, std::string_view trigger);
  void send_line(std::string_view line, bool sensitive = false);
  ClientEvent on_reply(const Reply& r);
  ClientEvent fail(ClientStage stage, std::optional<Reply> r, std::string reason);
  ClientEvent start_next_or_idle();
  void begin_transaction();
  void send_body();
  ClientEvent after_ehlo();
  ClientEvent start_auth();
  ClientEvent finish_message();

  ClientConfig cfg_;
  ClientState state_ = ClientState::Greeting;
  proto::SessionObserver* observer_ = nullptr;
  ReplyParser parser_;
  std::string out_;
  bool eof_ = false;
  bool finished_ = false;
  bool tls_active_ = false;
  bool authenticated_ = false;
  bool closed_reported_ = false;
  std::vector<std::string> extensions_;
  std::vector<std::string> auth_mechanisms_;

  std::deque<OutgoingMessage> queue_;
  std::size_t next_index_ = 0;
  // the transaction in progress
  std::optional<OutgoingMessage> current_;
  MessageResult result_;
  std::size_t replies_expected_ = 0;  // pipelined replies still to come in this group
  std::size_t rcpt_replies_seen_ = 0;
  bool data_pipelined_ = false;
  bool waiting_final_ = false;
  int auth_step_ = 0;
  SaslMechanism auth_mech_ = SaslMechanism::Plain;
};

}  // namespace smtpsim::smtp
