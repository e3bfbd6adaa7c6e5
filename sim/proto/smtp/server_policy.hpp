// A synchronous way to own a ServerSession: an interface with one method per decision, and
// drive() that answers decisions until the machine needs bytes, starts TLS or closes.
// StaticPolicy is the simplest useful owner (local domains, known mailboxes, users,
// relay only when authenticated); the MTA/MSA/MDA nodes of sim/nodes implement their own.
// Trust: the policy sees parsed, validated commands only.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/proto/smtp/server_session.hpp"

namespace smtpsim::smtp {

struct Decision {
  bool accept = true;
  std::optional<Reply> reply;  // nullopt: the machine's default reply
  static Decision yes() { return {true, std::nullopt}; }
  static Decision no(std::optional<Reply> r = std::nullopt) { return {false, std::move(r)}; }
};

class ServerPolicy {
 public:
  virtual ~ServerPolicy() = default;
  virtual Decision mail_from(const ServerSession&, const server_event::MailFrom&) {
    return Decision::yes();
  }
  virtual Decision rcpt_to(const ServerSession&, const server_event::RcptTo&) = 0;
  virtual Decision auth(const ServerSession&, const server_event::Auth&) { return Decision::no(); }
  virtual Decision vrfy(const ServerSession&, const server_event::Vrfy&) { return Decision::yes(); }
  // The message is complete: take responsibility (store durably) and accept, or refuse.
  virtual Decision message(const ServerSession&, const Transaction&) = 0;
};

// Answers decisions until the next NeedData, StartTls or Closed event, which it returns.
ServerEvent drive(ServerSession& session, ServerPolicy& policy);
// Answers one event with the policy when it is a decision (true); false for NeedData,
// StartTls and Closed. For owners that must sometimes wait before deciding (drive() is this
// in a loop).
bool decide(ServerSession& session, ServerPolicy& policy, const ServerEvent& ev);

// Local domains, optional known mailboxes, users with passwords; relay for authenticated
// clients only (REFERENCE.md: relay denied -> 554 5.7.1). Accepted messages go to `deliver`.
class StaticPolicy : public ServerPolicy {
 public:
  std::set<std::string> local_domains{"example.com"};  // lower case
  std::set<std::string> mailboxes;           // lower case "user@domain"; empty: any local part
  std::map<std::string, std::string> users;  // user -> password
  bool relay_when_authenticated = true;
  // Returns the reply for the accepted message, or nullopt to refuse with 451 (local error).
  std::function<std::optional<Reply>(const ServerSession&, const Transaction&)> deliver;

  bool is_local_domain(std::string_view domain) const;
  Decision rcpt_to(const ServerSession&, const server_event::RcptTo&) override;
  Decision auth(const ServerSession&, const server_event::Auth&) override;
  Decision vrfy(const ServerSession&, const server_event::Vrfy&) override;
  Decision message(const ServerSession&, const Transaction&) override;
};

}  // namespace smtpsim::smtp
