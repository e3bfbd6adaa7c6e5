// SASL pieces for SMTP AUTH (RFC 4954): base64 (RFC 4648, strict), PLAIN (RFC 4616),
// LOGIN (draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195). Crypto comes from OpenSSL;
// no secrets are stored here. Trusts nothing in its inputs: every decoder can fail.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smtpsim::smtp {

std::string base64_encode(std::string_view raw);
// Strict: only the base64 alphabet, correct padding, no whitespace. nullopt when invalid.
std::optional<std::string> base64_decode(std::string_view b64);

enum class SaslMechanism { Plain, Login, CramMd5 };
std::string_view mechanism_name(SaslMechanism m);
std::optional<SaslMechanism> mechanism_from_name(std::string_view name);

struct PlainCredentials {
  std::string authzid, authcid, password;
};
// RFC 4616 §2: message = [authzid] NUL authcid NUL passwd
std::optional<PlainCredentials> parse_plain(std::string_view decoded);
std::string make_plain(std::string_view user, std::string_view password);

// RFC 2195: the response is "user SP hex(HMAC-MD5(secret, challenge))".
std::string hmac_md5_hex(std::string_view key, std::string_view data);
std::string cram_md5_response(std::string_view user, std::string_view secret,
                              std::string_view challenge);

}  // namespace smtpsim::smtp
