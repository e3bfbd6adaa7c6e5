// SASL mechanisms and base64 for SMTP AUTH, on OpenSSL primitives.
#include "sim/proto/smtp/sasl.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view b64) {
  // EVP_DecodeBlock tolerates whitespace and does not report padding, so check the shape
  // first (RFC 4648 §3.3: reject non-alphabet characters) and trim the padding after.
  if (b64.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < b64.size(); ++i) {
    const char c = b64[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '+' || c == '/';
    if (c == '=') {
      if (i + 2 < b64.size()) return std::nullopt;  // '=' only in the last two places
      ++pad;
    } else if (!alpha || pad > 0) {
      return std::nullopt;
    }
  }
  std::string out(b64.size() / 4 * 3, '\0');
  if (b64.empty()) return out;
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string_view mechanism_name(SaslMechanism m) {
  switch (m) {
    case SaslMechanism::Plain:
      return "PLAIN";
    case SaslMechanism::Login:
      return "LOGIN";
    case SaslMechanism::CramMd5:
      return "CRAM-MD5";
  }
  return "PLAIN";
}

std::optional<SaslMechanism> mechanism_from_name(std::string_view name) {
  if (iequals(name, "PLAIN")) return SaslMechanism::Plain;
  if (iequals(name, "LOGIN")) return SaslMechanism::Login;
  if (iequals(name, "CRAM-MD5")) return SaslMechanism::CramMd5;
  return std::nullopt;
}

std::optional<PlainCredentials> parse_plain(std::string_view d) {
  const auto a = d.find('\0');
  if (a == d.npos) return std::nullopt;
  const auto b = d.find('\0', a + 1);
  if (b == d.npos || d.find('\0', b + 1) != d.npos) return std::nullopt;
  PlainCredentials c{std::string(d.substr(0, a)), std::string(d.substr(a + 1, b - a - 1)),
                     std::string(d.substr(b + 1))};
  if (c.authcid.empty()) return std::nullopt;
  return c;
}

std::string make_plain(std::string_view user, std::string_view password) {
  std::string s;
  s.push_back('\0');
  s.append(user);
  s.push_back('\0');
  s.append(password);
  return s;
}

std::string hmac_md5_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

std::string cram_md5_response(std::string_view user, std::string_view secret,
                              std::string_view challenge) {
  return std::string(user) + " " + hmac_md5_hex(secret, challenge);
}

}  // namespace smtpsim::smtp
