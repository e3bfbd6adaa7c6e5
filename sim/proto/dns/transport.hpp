// What the two DNS transports need from the bytes (RFC 1035 §4.2), without the transports:
// the 512-byte limit of UDP with truncation, and TCP's two-byte length prefix. The virtual
// network and live mode choose the transport; these functions only shape the bytes.
// Trust: TcpDeframer is fed a peer's stream and trusts nothing in it; it never holds more
// than the bytes fed to it and returns each message as soon as its length has arrived.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sim/proto/dns/message.hpp"

namespace smtpsim::dns {

inline constexpr std::size_t kMaxUdpPayload = 512;  // RFC 1035 §2.3.4, §4.2.1 (no EDNS here)

// The message as one UDP datagram of at most `limit` bytes (RFC 1035 §4.2.1, RFC 2181 §9).
// When it does not fit, the additional section is dropped first (it is optional, so TC stays
// clear); when it still does not fit, the answer and authority sections are dropped too and
// TC is set, telling the client to ask again over TCP. The question section is kept unless it
// alone does not fit (a message with many questions): then only the header goes, with TC.
// The result is never longer than max(limit, 12). Throws std::invalid_argument as encode() does.
std::string encode_udp(const Message& m, std::size_t limit = kMaxUdpPayload);

// RFC 1035 §4.2.2: over TCP a message is preceded by its length as a two-byte integer.
// Throws std::invalid_argument for more than 65535 bytes.
std::string tcp_frame(std::string_view message);

// Cuts a TCP byte stream into messages (the length prefixes removed). A length of zero is
// returned as an empty message (decode() rejects it).
class TcpDeframer {
 public:
  void feed(std::string_view bytes);
  // The next whole message, or nullopt until more bytes arrive.
  std::optional<std::string> next();
  // True while bytes of an unfinished message are held (at EOF: the peer cut it short).
  bool has_partial() const { return buf_.size() > pos_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
};

}  // namespace smtpsim::dns
