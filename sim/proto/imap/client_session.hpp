// The IMAP4rev1 client machine (RFC 3501, RFC 2177 IDLE, RFC 4959 SASL-IR, RFC 7888
// LITERAL+). Sans-I/O like the SMTP client: receive(bytes) -> next_event() -> take_output().
// It logs in by itself (greeting, CAPABILITY, STARTTLS, LOGIN or AUTHENTICATE PLAIN), then
// sends the owner's commands one at a time, each with its own tag, and keeps a model of the
// selected mailbox (view()) that follows EXISTS, EXPUNGE and FETCH.
//
// Trust: the server's bytes are untrusted. They go through the bounded ResponseParser;
// anything malformed, a tagged response with a tag we did not send (or sent before the
// command was written), an unexpected continuation, an unsolicited BYE, or data that would
// make the mailbox model inconsistent (EXPUNGE of a message that does not exist) fails the
// session. After the OK to STARTTLS the bytes already buffered are discarded. The owner's
// arguments are trusted only as far as the command functions check them: no CR, LF or NUL
// where they could end the command line early; folder names and credentials are quoted, or
// sent as literals, never pasted in raw.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/imap/response.hpp"
#include "sim/proto/imap/response_parser.hpp"
#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::imap {

enum class TlsMode {
  None,               // never STARTTLS
  StartTlsIfOffered,  // STARTTLS when CAPABILITY lists it
  StartTlsRequired,   // fail when it is not offered (or refused)
  Implicit,           // the driver runs TLS from the first byte (port 993, RFC 8314)
};

struct ClientConfig {
  std::string user, password;
  std::string auth = "LOGIN";  // or "PLAIN": AUTHENTICATE PLAIN (RFC 4616), SASL-IR if offered
  TlsMode tls = TlsMode::None;
  std::string tag_prefix = "a";  // tags a1, a2, ...
};

// clang-format off
enum class ClientState : int {
  Connecting, NotAuthenticated, StartingTls, Authenticating, Authenticated, Selected, Idle,
  LoggingOut, Closed
};
// clang-format on

// What the client has learnt about one message, by sequence number.
struct MessageView {
  std::optional<std::uint32_t> uid;
  std::optional<std::vector<std::string>> flags;  // nullopt: not fetched yet
  bool operator==(const MessageView&) const = default;
};

// The selected mailbox as the client knows it (RFC 3501 §7.3, §7.4). messages[i] is
// sequence number i + 1; messages.size() == exists at all times.
struct MailboxView {
  std::string folder;  // "" when nothing is selected
  bool selected = false;
  bool read_only = false;  // EXAMINE, or [READ-ONLY]
  std::uint32_t exists = 0, recent = 0;
  std::optional<std::uint32_t> uidvalidity, uidnext, unseen;
  std::vector<std::string> flags, permanent_flags;
  std::vector<MessageView> messages;
};

namespace client_event {
struct NeedData {};  // flush take_output(), then feed more bytes
struct StartTls {};  // flush take_output(), run the TLS handshake, call tls_established()
struct Ready {};     // logged in: commands are being sent
struct Untagged {    // server data, reported as it comes (also while idling)
  UntaggedResponse response;
};
struct Idling {};  // the server accepted IDLE: call done() to end it
struct Completed {
  enum class Status { Ok, No, Bad };
  std::uint32_t id;  // as returned by the command function
  Status status;
  std::string code;  // response code without brackets ("APPENDUID 38505 3955"), or ""
  std::string text;
};
// The session cannot go on. Queued commands are dropped; a command in flight gets no
// Completed (the server may or may not have executed it). After a failed login the client
// still logs out, and a failure during that LOGOUT is reported as a second Failed ("logout").
struct Failed {
  std::string stage;  // "greeting", "capability", "starttls", "login", "command", "logout"...
  std::string reason;
};
struct Closed {};  // after LOGOUT completed or a failure: flush take_output() and close
}  // namespace client_event

using ClientEvent =
    std::variant<client_event::NeedData, client_event::StartTls, client_event::Ready,
                 client_event::Untagged, client_event::Idling, client_event::Completed,
                 client_event::Failed, client_event::Closed>;

class ClientSession {
 public:
  // Throws std::invalid_argument for credentials containing NUL, a tag prefix that is not
  // a plain atom, or an auth method other than LOGIN / PLAIN.
  explicit ClientSession(ClientConfig config = {});

  static const proto::MachineSpec& client_machine_spec();

  void start();  // nothing is sent before this; the greeting is awaited

  // The owner's commands. Each returns an id reported back in Completed; they are queued
  // and sent once logged in, one at a time after the previous one completed. Throw
  // std::invalid_argument for arguments with CR, LF or NUL (or a malformed message set),
  // std::logic_error after logout() or once the session is closed.
  std::uint32_t select(std::string_view folder);
  std::uint32_t examine(std::string_view folder);
  std::uint32_t list(std::string_view reference, std::string_view pattern);
  std::uint32_t status(std::string_view folder, std::string_view items);  // "(MESSAGES UIDNEXT)"
  // set: "1:*", "2,4:7"; items: "(UID FLAGS)" or "FLAGS" or "BODY.PEEK[]"
  std::uint32_t fetch(std::string_view set, std::string_view items, bool uid = false);
  // op: "+FLAGS", "-FLAGS" or "FLAGS"; flags: "(\Seen)" or "\Deleted"
  std::uint32_t store(std::string_view set, std::string_view op, std::string_view flags,
                      bool silent = false, bool uid = false);
  std::uint32_t search(std::string_view criteria, bool uid = false);
  std::uint32_t expunge();
  std::uint32_t close();
  // flags: "" or "(\Seen)"; content as it goes on the wire (CRLF line ends expected).
  // Sent as a literal: waits for "+" unless the server offers LITERAL+.
  std::uint32_t append(std::string_view folder, std::string_view flags, std::string_view content);
  std::uint32_t copy(std::string_view set, std::string_view folder, bool uid = false);
  std::uint32_t noop();
  // RFC 2177: IDLE, Idling on "+", untagged data reported as it comes, done() ends it (its
  // Completed follows the server's tagged OK). Commands issued meanwhile wait for the end.
  std::uint32_t idle();
  // done() ends the IDLE running, or, when DONE is already on its way for that one, the
  // next IDLE queued (sent, then ended at its "+").
  void done();  // std::logic_error when no IDLE is pending or running
  std::uint32_t logout();

  void receive(std::string_view bytes);
  void receive_eof();
  ClientEvent next_event();
  void tls_established();
  void timeout();  // the driver's deadline expired: the session fails and closes

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  ClientState state() const { return state_; }
  std::string_view state_caption() const;
  const MailboxView& view() const { return view_; }
  const std::vector<std::string>& capabilities() const { return caps_; }
  bool has_capability(std::string_view cap) const;  // case-insensitive
  bool tls_active() const { return tls_active_; }

  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  enum class Kind : unsigned char {
    Capability,
    StartTls,
    Login,
    Authenticate,
    Select,
    Examine,
    List,
    Status,
    Fetch,
    Store,
    Search,
    Expunge,
    Close,
    Append,
    Copy,
    Noop,
    Idle,
    Logout
  };
  // A command as pieces: text, then (when `literal` is set) "{n}" CRLF and the literal's
  // bytes after the server's "+" (or at once with LITERAL+), then the next piece.
  struct Piece {
    std::string text;
    std::optional<std::string> literal;
  };
  struct Command {
    std::uint32_t id = 0;  // 0: the client's own (login) commands, not reported
    Kind kind = Kind::Noop;
    std::vector<Piece> pieces;
    std::string folder;        // SELECT / EXAMINE
    bool sensitive = false;    // LOGIN / AUTHENTICATE: shown redacted
    std::string shown;         // what the observer sees instead
    bool done_wanted = false;  // IDLE: done() was called for this one (DONE on its "+")
  };

  static void add_pieces(Command& c, std::vector<std::string> texts,
                         std::vector<std::string> literals);
  std::uint32_t queue(Command c);
  void enter(ClientState to, std::string_view trigger);
  void push(ClientEvent ev) { events_.push_back(std::move(ev)); }
  // Failed, then LOGOUT (stream still in step) or straight to Closed.
  void fail(std::string stage, std::string reason, std::string_view trigger, bool logout);
  std::string stage() const;
  // Appends bytes to the output; the observer sees `shown` (redacted when sensitive).
  void emit(std::string_view bytes, std::string_view shown, bool sensitive);

  void send_command(Command c);
  void send_pieces();  // from piece_ on, until a literal needs a "+"
  void send_next();    // the next queued owner command, when nothing is in flight
  void send_internal(Kind k);

  void on_response(Response& r);
  void on_continuation(const Continuation& c);
  void on_tagged(Tagged& t);
  void on_untagged(UntaggedResponse& u);
  void on_greeting(const Condition& c);
  void update_view(const UntaggedResponse& u, bool* ok);
  void apply_code(const Condition& c);
  void after_capability();
  void start_login();

  ClientConfig cfg_;
  ClientState state_ = ClientState::Connecting;
  proto::SessionObserver* observer_ = nullptr;
  ResponseParser parser_;
  std::string out_;
  std::vector<ClientEvent> events_;
  std::size_t events_head_ = 0;
  std::deque<Command> queue_;
  std::optional<Command> inflight_;
  std::string inflight_tag_;
  std::size_t piece_ = 0;      // next piece of the in-flight command to send
  bool waiting_plus_ = false;  // a literal (or the SASL response) waits for "+"
  std::uint64_t fence_ = 0;    // server bytes fed when our last bytes were written
  std::uint32_t next_tag_ = 1;
  std::uint32_t next_id_ = 1;
  std::vector<std::string> caps_;
  bool caps_known_ = false;
  MailboxView view_;
  bool started_ = false, eof_ = false, tls_active_ = false, tls_handshake_ = false;
  bool logged_out_ = false;  // logout() called: no more commands
  bool sasl_sent_ = false;   // the PLAIN response went out
};

}  // namespace smtpsim::imap
