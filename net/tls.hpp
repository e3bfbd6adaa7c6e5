// TLS for live mode: the server's certificate (a self-signed one made on first start with
// OpenSSL's API, kept in the XDG data directory, or the user's own files) and the two
// asio::ssl contexts. Clients verify the peer by default (RFC 8314 §3: implicit TLS with
// verified certificates is the recommended way); --insecure turns it off, loudly, elsewhere.
// Trusts OpenSSL for everything cryptographic; checks only that files load.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace smtpsim::net {

struct TlsFiles {
  std::string cert;  // PEM certificate chain
  std::string key;   // PEM private key
};

// $XDG_DATA_HOME/smtpsim (or ~/.local/share/smtpsim); created when missing.
std::string data_home();

// The certificate and key under `dir` (cert.pem / key.pem), made now when either is missing:
// an EC P-256 key and a self-signed X.509 v3 certificate for `hostname` (subjectAltName
// DNS:hostname, DNS:localhost, IP:127.0.0.1), valid for 825 days. The key file is 0600 and
// written atomically. Throws std::runtime_error with one sentence when that fails.
TlsFiles ensure_self_signed(const std::string& dir, const std::string& hostname);

// A server context with the given files (throws std::runtime_error naming the file that
// does not load). TLS 1.2 and later.
std::shared_ptr<boost::asio::ssl::context> server_context(const TlsFiles& files);

// A client context: verify_peer against the system's CA store (and `ca_file` when given),
// unless `insecure`. TLS 1.2 and later.
std::shared_ptr<boost::asio::ssl::context> client_context(bool insecure,
                                                          const std::string& ca_file = {});

}  // namespace smtpsim::net
