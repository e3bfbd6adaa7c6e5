// One mail transaction (RFC 5321 §3.3): envelope sender, recipients, message content.
// Its own object (OpenSMTPD smtp_tx): RSET, a new HELO/EHLO and STARTTLS roll it back.
#pragma once

#include <string>
#include <vector>

#include "sim/proto/smtp/address.hpp"

namespace smtpsim::smtp {

struct Transaction {
  Address sender;  // null path for bounces
  MailParams params;
  std::vector<Address> recipients;
  std::string content;  // message as received, dot-unstuffed, CRLF line ends, no final "."

  void rollback() {
    sender = {};
    params = {};
    recipients.clear();
    content.clear();
  }
};

}  // namespace smtpsim::smtp
