// RFC 5322 helpers the mail roles share: the date-time format, the trace headers every hop
// adds (Received:, RFC 5321 §4.4) and Return-Path: (added at final delivery).
// Inputs are values the caller already validated (addresses parsed by the SMTP machine).
#pragma once

#include <cstdint>
#include <string>

namespace smtpsim::mail {

// RFC 5322 §3.3 date-time for a Unix time in UTC: "Fri, 06 May 2025 12:23:20 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

struct ReceivedInfo {
  std::string from_helo;     // what the client said in HELO/EHLO
  std::string from_address;  // client IP, may be empty
  std::string by_host;       // this server
  std::string protocol;      // SMTP, ESMTP, ESMTPA, ESMTPS, ESMTPSA (RFC 3848)
  std::string id;            // queue id
  std::string for_address;   // single recipient, or empty
  std::int64_t unix_seconds = 0;
};

// "Received: from ... by ... with ... id ...\r\n\tfor <...>; date\r\n"
std::string received_header(const ReceivedInfo& info);

// RFC 3848 protocol name from what the session used.
std::string with_protocol(bool extended, bool tls, bool authenticated);

}  // namespace smtpsim::mail
