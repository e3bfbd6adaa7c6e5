// Submission.
#include "sim/nodes/msa.hpp"

#include <fmt/format.h>

#include "sim/proto/mail/headers.hpp"
#include "sim/proto/mail/message.hpp"

namespace smtpsim::nodes {

Msa::Msa(World& world, engine::HostId host, Mta& mta, std::map<std::string, std::string> users)
    : world_(world), host_(host), mta_(mta), users_(std::move(users)) {}

Msa::~Msa() = default;

void Msa::listen(std::uint16_t submission_port, std::uint16_t implicit_tls_port) {
  const std::string name = world_.net.name(host_);
  auto base = [name] {
    smtp::ServerConfig cfg;
    cfg.hostname = name;
    cfg.auth_enabled = true;
    cfg.auth_required = true;             // RFC 6409 §4.3
    cfg.plaintext_auth_needs_tls = true;  // RFC 4954 §4: no passwords in the clear
    return cfg;
  };
  submission_ = std::make_unique<SmtpService>(world_.net, host_, submission_port, *this,
                                              [base](engine::HostId) {
                                                auto cfg = base();
                                                cfg.starttls_available = true;
                                                return cfg;
                                              });
  smtps_ = std::make_unique<SmtpService>(world_.net, host_, implicit_tls_port, *this,
                                         [base](engine::HostId) {
                                           auto cfg = base();
                                           cfg.tls_active = true;  // RFC 8314 implicit TLS
                                           return cfg;
                                         });
}

smtp::Decision Msa::rcpt_to(const smtp::ServerSession& s, const smtp::server_event::RcptTo&) {
  // MAIL already required AUTH; an authenticated user may write to anyone.
  if (s.authenticated()) return smtp::Decision::yes();
  return smtp::Decision::no(smtp::Reply{530, "5.7.0", "Authentication required"});
}

smtp::Decision Msa::auth(const smtp::ServerSession&, const smtp::server_event::Auth& a) {
  auto it = users_.find(a.user);
  if (it != users_.end() && a.password_matches(it->second)) return smtp::Decision::yes();
  return smtp::Decision::no();
}

smtp::Decision Msa::message(const smtp::ServerSession& s, const smtp::Transaction& tx) {
  const std::string id = mta_.new_queue_id();
  auto fixed = mail::add_missing_message_id_and_date(
      tx.content, fmt::format("{}@{}", id, world_.net.name(host_)), world_.unix_now());
  std::vector<std::string> rcpts;
  for (const auto& r : tx.recipients) rcpts.push_back(r.str());
  mail::ReceivedInfo info{s.helo_name(),
                          s.config().client_address,
                          world_.net.name(host_),
                          mail::with_protocol(s.used_ehlo(), s.tls_active(), s.authenticated()),
                          id,
                          rcpts.size() == 1 ? rcpts.front() : std::string{},
                          world_.unix_now()};
  if (mta_.enqueue(id, tx.sender.str(), rcpts, mail::received_header(info) + fixed.message)) {
    // Not on disk, so not ours yet (RFC 6409 §4.1 leaves it to RFC 5321 §4.2.5): the MUA keeps
    // the message and tries again later.
    return smtp::Decision::no(
        smtp::Reply{451, "4.3.0", "Error: queue file write error, try again later"});
  }
  return {true, smtp::Reply{250, "2.0.0", fmt::format("Ok: queued as {}", id)}};
}

}  // namespace smtpsim::nodes
