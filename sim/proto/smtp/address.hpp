// Envelope addresses and ESMTP parameters (RFC 5321 §4.1.2, §4.5.3.1; RFC 1870 SIZE;
// RFC 6152 8BITMIME; RFC 4954 AUTH=). Parses exactly the grammar of the RFC; everything
// else is an error with the reply the server should give. Trusts nothing: the input is a
// command line straight off the wire (any bytes, any length up to the line limit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/smtp/reply.hpp"

namespace smtpsim::smtp {

// A mailbox: local-part "@" domain. The null reverse-path "<>" has both parts empty;
// "<Postmaster>" (RCPT only, §4.1.1.3) has local "Postmaster" and an empty domain.
struct Address {
  std::string local;
  std::string domain;

  bool is_null() const { return local.empty() && domain.empty(); }
  bool is_bare_postmaster() const { return domain.empty() && !local.empty(); }
  bool is_postmaster() const;  // <Postmaster> or postmaster@any (case-insensitive local part)
  std::string str() const;     // "alice@example.com", "" for null, "Postmaster"
  std::string path() const { return "<" + str() + ">"; }
  bool operator==(const Address&) const = default;
};

enum class BodyType { Unspecified, SevenBit, EightBitMime };

struct MailParams {
  std::optional<std::uint64_t> size;  // RFC 1870 declared size
  BodyType body = BodyType::Unspecified;
  std::optional<std::string> auth;  // RFC 4954 §5 AUTH=<mailbox> (xtext, kept verbatim)
};

// Limits of RFC 5321 §4.5.3.1.
inline constexpr std::size_t kMaxLocalPart = 64;
inline constexpr std::size_t kMaxDomain = 255;
inline constexpr std::size_t kMaxPath = 256;  // including the angle brackets

struct MailCommand {
  Address sender;
  MailParams params;
};
struct RcptCommand {
  Address recipient;
};

template <typename T>
using ParseResult = std::variant<T, Reply>;  // the parsed command, or the reply to send

// arg is what follows the verb, e.g. "FROM:<a@b> SIZE=10". Lenient only where Postfix is by
// default and RFC 5321 §4.1.1.3 permits ("MAIL FROM: <a@b>" with a space).
// SIZE= and BODY= are only parameters when their extension was advertised (else 555).
ParseResult<MailCommand> parse_mail_from(std::string_view arg, std::uint64_t max_size,
                                         bool eightbit_advertised, bool size_advertised = true);
ParseResult<RcptCommand> parse_rcpt_to(std::string_view arg);

// A bare mailbox "local@domain" (no angle brackets), for VRFY arguments and tests.
std::optional<Address> parse_mailbox(std::string_view s);

// RFC 5321 §4.1.2 Domain (sub-domain *("." sub-domain)) or an address literal.
bool is_valid_domain(std::string_view d);

}  // namespace smtpsim::smtp
