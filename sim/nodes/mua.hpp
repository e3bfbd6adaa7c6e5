// The MUA role: a laptop or phone that composes a message (envelope and headers kept apart:
// Bcc is in the envelope only) and submits it to its provider's MSA on 587 (STARTTLS + AUTH),
// 465 (implicit TLS) or, for a lesson about why not, plain 25. It has no queue: a failed
// submission is reported, like a mail program's error dialog.
// Messages written at the same virtual moment (an outbox sent at once) go over one
// connection, one transaction each: RFC 5321 §3.3 lets a session carry several.
// Reading mail is the MailReader's job (mail_reader.hpp).
// Trusts its own settings (from the scenario); the server is untrusted input to the machine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/nodes/mail_reader.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/nodes/world.hpp"

namespace smtpsim::nodes {

struct MuaConfig {
  std::string address;  // "alice@example.com"
  std::string display_name;
  std::string user, password;
  engine::HostId msa = -1;
  std::uint16_t port = 587;
  bool ehlo = true;  // false: HELO, as in seed 002's dialogue and the telnet exercise
  std::optional<ReaderConfig> reader;  // set when this device also reads mail (POP3/IMAP)
};

struct Draft {
  std::vector<std::string> to, cc, bcc;
  std::string subject, body;
  std::string from;  // override of the From: address (a lesson about spoofing)
};

class Mua {
 public:
  Mua(World& world, engine::HostId host, MuaConfig cfg);
  ~Mua();
  void send(const Draft& d);
  const MuaConfig& config() const { return cfg_; }
  std::size_t sent() const { return sent_; }
  std::size_t failed() const { return failed_; }
  MailReader* reader() { return reader_.get(); }
  void flush_outbox();  // one connection for every message waiting
  const MailReader* reader() const { return reader_.get(); }

 private:
  World& world_;
  engine::HostId host_;
  MuaConfig cfg_;
  std::map<std::uint64_t, std::unique_ptr<SmtpClientConn>> conns_;
  std::uint64_t next_ = 0, next_conn_ = 0;
  std::vector<smtp::OutgoingMessage> outbox_;
  std::size_t sent_ = 0, failed_ = 0;
  std::unique_ptr<MailReader> reader_;
};

}  // namespace smtpsim::nodes
