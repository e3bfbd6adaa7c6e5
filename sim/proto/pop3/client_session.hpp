// The POP3 client machine (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS): a mail client's
// "check mail" run over one connection. Sans-I/O: receive(bytes) -> next_event() ->
// take_output(). Flow: greeting -> CAPA -> [STLS -> CAPA] -> APOP or USER/PASS -> STAT ->
// UIDL (or LIST) -> RETR each message not yet known [-> DELE] -> QUIT.
//
// Trust: the server's bytes are untrusted. Status lines are bounded (1000 octets), must be
// "+OK" or "-ERR" (then SP or the end), and only CRLF ends a line; a message is capped at
// 64 MiB and a listing at the STAT count. A response that the server sent before our
// command was written cannot answer it (unsolicited) and fails the session, and bytes that
// came with the +OK to STLS are discarded (the client side of the RFC 2595 §4 injection).
// Credentials come from the owner; they may not contain CR, LF or NUL (which would end the
// command line early and smuggle a command in).
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/proto/smtp/machine.hpp"

namespace smtpsim::pop3 {

enum class TlsMode {
  None,           // never STLS
  StlsIfOffered,  // STLS when CAPA lists it
  StlsRequired,   // fail when CAPA does not list STLS
  Implicit,       // the driver runs TLS from the first byte (port 995, RFC 8314)
};
enum class RetrievalMode { LeaveOnServer, DownloadAndDelete };

struct ClientConfig {
  std::string user, password;
  bool use_apop = false;  // APOP with the greeting's timestamp (fails without one)
  TlsMode tls = TlsMode::None;
  RetrievalMode mode = RetrievalMode::LeaveOnServer;
  // UIDL ids already downloaded: never fetched again (what "leave messages on server" clients
  // remember); in DownloadAndDelete mode a known one still on the server is DELEted unread.
  std::set<std::string> known_uids;
  std::size_t max_messages = 0;  // 0 = all
  // A listing: LIST after UIDL for the sizes, then "TOP n 0" (RFC 1939 §7: the header and
  // no body line) instead of RETR when CAPA lists TOP (RFC 2449 §6.3; TOP is optional, so
  // without it each message is RETRieved whole).
  bool headers_only = false;
};

// clang-format off
enum class ClientState : int {
  Greeting, Capa, Stls, TlsHandshake, User, Pass, Apop, Stat, Uidl, List, Retr, Dele, Quit,
  Closed
};
// clang-format on
const proto::MachineSpec& client_machine_spec();

namespace client_event {
struct NeedData {};  // flush take_output(), then feed more bytes
struct StartTls {};  // flush take_output() ("STLS" was answered +OK), run the handshake,
                     // call tls_established()
struct Message {
  unsigned number = 0;
  std::string uid;         // the UIDL id; empty when the server has no UIDL
  std::string content;     // un-dot-stuffed, CRLF line ends (headers_only + TOP: the header)
  std::uint64_t size = 0;  // the whole message's size from LIST; 0 when LIST was not sent
};
struct Done {  // after +OK to QUIT: the deletions happened
  std::size_t retrieved = 0, deleted = 0;
};
struct Failed {       // the session cannot go on; Closed follows
  std::string stage;  // "greeting", "capa", "stls", "auth", "stat", "uidl", "list", "retr",
                      // "dele", "quit", "connection"
  std::string reason;
};
struct Closed {};  // flush take_output() and close
}  // namespace client_event

using ClientEvent =
    std::variant<client_event::NeedData, client_event::StartTls, client_event::Message,
                 client_event::Done, client_event::Failed, client_event::Closed>;

class ClientSession {
 public:
  static constexpr std::size_t kMaxStatusLine = 1000;            // octets, CRLF included
  static constexpr std::size_t kMaxMessage = 64u * 1024 * 1024;  // one RETR
  static constexpr std::size_t kMaxCapaLines = 100;

  // Throws std::invalid_argument when user or password contain CR, LF or NUL, or the user
  // is empty.
  explicit ClientSession(ClientConfig config);

  void start();  // nothing to send: POP3 waits for the greeting (kept for symmetry)
  void receive(std::string_view bytes);
  void receive_eof();
  ClientEvent next_event();
  void tls_established();
  void timeout();  // the driver's deadline expired: Failed, Closed (no QUIT, no deletions)

  std::string take_output();
  bool has_output() const { return !out_.empty(); }

  ClientState state() const { return state_; }
  std::string_view state_caption() const;
  bool tls_active() const { return tls_active_; }
  const std::vector<std::string>& capabilities() const { return capa_; }  // CAPA lines
  void set_observer(proto::SessionObserver* o) { observer_ = o; }

 private:
  struct Target {
    unsigned number;
    std::string uid;
    bool known = false;      // already on the device: DELE it without RETR (delete mode)
    std::uint64_t size = 0;  // from LIST
  };
  struct Line {
    std::string_view text;  // without the CRLF
    std::uint64_t start;    // stream offset of its first byte
  };

  void enter(ClientState to, std::string_view trigger);
  void send(std::string_view line, bool sensitive = false, std::string_view shown = {});
  void fail(std::string_view stage, std::string reason, bool quit);
  std::string_view stage() const;
  bool next_line(Line& line, std::size_t max);  // false: need more (or failed)
  void on_status(std::string_view line);
  void on_data_line(std::string_view line);
  void on_data_end();

  void after_capa(std::string_view trigger);
  void start_auth(std::string_view trigger);
  void next_message(std::string_view trigger);
  void send_quit(std::string_view trigger);
  bool has_capa(std::string_view keyword) const;

  ClientConfig cfg_;
  ClientState state_ = ClientState::Greeting;
  proto::SessionObserver* observer_ = nullptr;
  std::string in_;
  std::size_t in_pos_ = 0;
  std::size_t scan_ = 0;        // in_ searched up to here for the end of the current line
  std::uint64_t consumed_ = 0;  // stream offset of in_[in_pos_]
  std::uint64_t received_ = 0;  // stream bytes received so far
  std::uint64_t fence_ = 0;     // received_ when our last command was written
  bool eof_ = false;
  bool multiline_ = false;  // reading the lines of a multi-line response
  bool quit_after_failure_ = false;
  bool tls_active_ = false;
  std::string out_;
  std::vector<ClientEvent> events_;
  std::size_t events_head_ = 0;

  std::string apop_timestamp_;
  bool capa_ok_ = false;
  std::vector<std::string> capa_;
  std::size_t message_count_ = 0;  // STAT
  std::vector<Target> targets_;    // from UIDL/LIST, in order
  std::size_t next_target_ = 0;
  bool sizes_only_ = false;  // the LIST after UIDL (headers_only): sizes for known targets
  std::string content_;      // the RETR in progress
  std::size_t retrieved_ = 0, deleted_ = 0;
};

}  // namespace smtpsim::pop3
