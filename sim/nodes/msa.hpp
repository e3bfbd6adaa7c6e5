// The MSA role (RFC 6409): the provider's door for its own users' outgoing mail, on 587
// (STARTTLS, then AUTH) and 465 (implicit TLS, RFC 8314). Authentication is required before
// MAIL (530), plaintext AUTH before TLS is refused (538), an authenticated user may send to
// any domain; the message is fixed up (Date:, Message-ID: when missing, RFC 6409 §8) and
// handed to the MTA on the same host — the seeds' "MSA and MTA commonly hosted together".
// Trusts: the SMTP machine for syntax, its user table for passwords, the MTA for the rest.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "sim/nodes/mta.hpp"

namespace smtpsim::nodes {

class Msa : public smtp::ServerPolicy {
 public:
  Msa(World& world, engine::HostId host, Mta& mta, std::map<std::string, std::string> users);
  ~Msa() override;
  void listen(std::uint16_t submission_port = 587, std::uint16_t implicit_tls_port = 465);

  smtp::Decision rcpt_to(const smtp::ServerSession&, const smtp::server_event::RcptTo&) override;
  smtp::Decision auth(const smtp::ServerSession&, const smtp::server_event::Auth&) override;
  smtp::Decision message(const smtp::ServerSession&, const smtp::Transaction&) override;

 private:
  World& world_;
  engine::HostId host_;
  Mta& mta_;
  std::map<std::string, std::string> users_;
  std::unique_ptr<SmtpService> submission_, smtps_;
};

}  // namespace smtpsim::nodes
