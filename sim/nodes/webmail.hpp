// The WEBMAIL role: a provider's web front end (Roundcube-like) on 443 (HTTPS, simulated
// TLS). Browsers speak HTTP to it; it speaks mail protocols to the provider's own servers,
// exactly as a desktop MUA would:
//   POST /login   form user, password: checked by logging in to the store over IMAP (the
//                 front end keeps no passwords of its own); a session cookie is set
//   GET /inbox    one IMAP session: UID FETCH 1:* (UID FLAGS ENVELOPE), a text page
//   GET /message/N one IMAP session: FETCH N BODY[] (the store marks it \Seen)
//   POST /send    form to, cc, bcc, subject, body: composed and submitted to the MSA on 587
//                 with STARTTLS and AUTH by a Mua (mua.hpp) acting for the user
// Seed 002's point: HTTP only between the browser and its provider; SMTP between servers.
// Trusts the HTTP machine for syntax, the store (over IMAP) for who may log in, and the
// MSA for the rest; a form's fields are untrusted and go into mail only through the Mua.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/nodes/world.hpp"
#include "sim/proto/http/message.hpp"

namespace smtpsim::nodes {

class Mua;
class ImapQuery;
struct ImapResult;

struct WebmailConfig {
  engine::HostId msa = -1;    // submission: 587 (STARTTLS + AUTH, RFC 6409)
  engine::HostId store = -1;  // the MDA: IMAP on 143
  std::string domain;         // a user's address is user@domain
  std::uint16_t port = 443;
};

class WebmailService : public engine::Listener {
 public:
  WebmailService(World& world, engine::HostId host, WebmailConfig cfg);
  ~WebmailService() override;
  engine::ConnectionHandler* accept(engine::ConnId id, engine::HostId from) override;
  std::size_t sessions() const { return sessions_.size(); }
  std::size_t submitted() const { return submitted_; }  // messages the MSA accepted

  class Conn;  // one HTTP connection (webmail.cpp)

 private:
  struct Session {
    std::string user, password, address;
    std::unique_ptr<Mua> mua;  // submits for this user
  };
  void handle(engine::ConnId id, const http::Request& r);
  void answer(engine::ConnId id, int status, std::string body, std::string cookie = {});
  void login(engine::ConnId id, const http::Request& r);
  void inbox(engine::ConnId id, Session& s);
  void message(engine::ConnId id, Session& s, std::uint32_t n);
  void send(engine::ConnId id, Session& s, const http::Request& r);
  void query(engine::ConnId id, const Session& s, bool list, std::uint32_t n,
             std::function<void(engine::ConnId, const ImapResult&)> then);

  World& world_;
  engine::HostId host_;
  WebmailConfig cfg_;
  std::map<engine::ConnId, std::unique_ptr<Conn>> conns_;
  std::map<std::string, Session> sessions_;  // by cookie value
  std::map<std::uint64_t, std::unique_ptr<ImapQuery>> queries_;
  std::uint64_t next_query_ = 0;
  std::size_t submitted_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes
