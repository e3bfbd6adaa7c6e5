// "Type it yourself" (issue 6, lesson 13; the telnet exercise of seed 001): a learner types
// SMTP lines into a console connected to the port-25 MTA of a scenario host. The replies come
// from the genuine smtp::ServerSession (no canned text), configured as the scenario's MTA is
// (hostname, STARTTLS offered) with a policy mirroring Mta::rcpt_to: the host's domains are
// local, the MDA's users are its mailboxes (550 5.1.1 for others), other domains are refused
// as relaying (554 5.7.1). Each reply that shows a learner mistake gets a hint derived from
// the machine's state before the line, the reply code and the server's command table, citing
// RFC 5321. Pure: no GUI, no clocks; the GUI panel (gui/console_panel) only draws log().
//
// Trust: the learner's text is sent as typed (plus CRLF); the machine does all checking.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/proto/smtp/server_policy.hpp"
#include "sim/proto/smtp/server_session.hpp"
#include "sim/scenario/lesson.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::scenario {

struct ConsoleHint {
  std::string id;    // stable name, e.g. "rcpt-before-mail" (tests and lesson files use it)
  std::string text;  // one or two classroom sentences
  std::string rfc;   // "RFC 5321 §4.1.4"
};

struct ConsoleRow {
  enum class Kind { Info, Typed, Reply, Hint };
  Kind kind = Kind::Info;
  std::string text;     // Typed: as typed; Reply: one server line; Hint: text + " (" + rfc + ")"
  int code = 0;         // Reply: its code
  std::string hint_id;  // Hint: ConsoleHint::id
};

// What came back for one type() call.
struct ConsoleTurn {
  std::vector<std::string> replies;  // the server's lines, without CRLF (empty inside DATA)
  int code = 0;                      // the last reply's code, 0 when there was none
  std::vector<ConsoleHint> hints;
  bool has_hint(std::string_view id) const;
};

// A message the server accepted (250 after the dot).
struct ConsoleMessage {
  std::string sender;
  std::vector<std::string> recipients;  // lower case "user@domain"
  std::string content;                  // dot-unstuffed, CRLF line ends
};

class ConsoleSession {
 public:
  // Connects to `host`'s MTA on port 25 and takes its 220 greeting. Throws
  // std::invalid_argument (one sentence) when the host is unknown or runs no MTA.
  ConsoleSession(const Spec& spec, std::string_view host,
                 std::string client_address = "192.0.2.200");
  ~ConsoleSession();
  ConsoleSession(const ConsoleSession&) = delete;
  ConsoleSession& operator=(const ConsoleSession&) = delete;

  // One line as the learner typed it (without the line end; a trailing CR is dropped). Text
  // holding several lines ('\n' between them) is a paste: every line goes in one burst, as a
  // pasted block does through telnet, and the machine's pipelining rules (RFC 2920) apply.
  ConsoleTurn type(std::string_view text);
  // A new connection: new greeting, the log starts again. Accepted messages are kept.
  void reset();

  const std::vector<ConsoleRow>& log() const { return log_; }
  const std::vector<ConsoleMessage>& accepted() const { return accepted_; }
  bool in_data() const { return session_->state() == smtp::ServerState::Data; }
  bool closed() const { return session_->state() == smtp::ServerState::Closed; }
  const smtp::ServerSession& server() const { return *session_; }
  const std::string& host() const { return host_; }
  // The mailboxes this server delivers to (lower case), as hints list them.
  const std::set<std::string>& mailboxes() const { return policy_.mailboxes; }
  const std::set<std::string>& local_domains() const { return policy_.local_domains; }
  // The goal of lesson 13: a message accepted for `recipient` (case-insensitive).
  bool accepted_for(std::string_view recipient) const;

 private:
  class Recorder;
  void connect();
  void run_machine();

  std::string host_;
  smtp::ServerConfig config_;
  smtp::StaticPolicy policy_;
  std::unique_ptr<Recorder> recorder_;
  std::optional<smtp::ServerSession> session_;
  std::vector<ConsoleRow> log_;
  std::vector<ConsoleMessage> accepted_;
  std::uint64_t queue_counter_ = 0;
};

// The verbs of the server's command table that the machine would take in its current state
// (HELO/EHLO given when needed, the command's check passing, the extension offered).
std::vector<std::string> verbs_valid_now(const smtp::ServerSession& s);

// The host a console connects to by default: the first MTA that also delivers (MDA), else
// the first MTA; "" when the scenario has none.
std::string default_console_host(const Spec& spec);
// A recipient for the default goal on that host: bob@<domain> when Bob has a mailbox there,
// else the first mailbox, else postmaster@<first domain>.
std::string default_console_goal(const Spec& spec, std::string_view host);

// The headless check of a console step: types `step.solution` into a fresh console on
// `step.host` and says, in one sentence each naming `where` (file and step pointer), which
// solution line drew a hint and why the goal was not reached; empty when all is well.
std::vector<std::string> check_console_step(const Spec& spec, const ConsoleStep& step,
                                            std::string_view where);

}  // namespace smtpsim::scenario
