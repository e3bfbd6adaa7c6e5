// UDP truncation and TCP framing of DNS messages (RFC 1035 §4.2, RFC 2181 §9).
#include "sim/proto/dns/transport.hpp"

#include <stdexcept>

namespace smtpsim::dns {

std::string encode_udp(const Message& m, std::size_t limit) {
  std::string wire = encode(m);
  if (wire.size() <= limit) return wire;
  Message cut = m;
  cut.additional.clear();
  wire = encode(cut);
  if (wire.size() <= limit) return wire;
  cut.answers.clear();
  cut.authority.clear();
  cut.flags.tc = true;
  wire = encode(cut);
  if (wire.size() <= limit) return wire;
  // Only a message with many questions gets here: a non-QUERY opcode's NOTIMP echoes all of
  // them. The header alone (12 bytes) always fits, and TC tells the client to ask over TCP.
  cut.questions.clear();
  return encode(cut);
}

std::string tcp_frame(std::string_view message) {
  if (message.size() > kMaxMessageSize) {
    throw std::invalid_argument("DNS message longer than 65535 bytes cannot be framed");
  }
  std::string out;
  out.reserve(message.size() + 2);
  out.push_back(static_cast<char>(message.size() >> 8));
  out.push_back(static_cast<char>(message.size() & 0xFF));
  out.append(message);
  return out;
}

void TcpDeframer::feed(std::string_view bytes) {
  if (pos_ > 0) {  // drop what was returned already
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::optional<std::string> TcpDeframer::next() {
  if (buf_.size() - pos_ < 2) return std::nullopt;
  const std::size_t len =
      static_cast<unsigned char>(buf_[pos_]) << 8 | static_cast<unsigned char>(buf_[pos_ + 1]);
  if (buf_.size() - pos_ - 2 < len) return std::nullopt;
  std::string msg = buf_.substr(pos_ + 2, len);
  pos_ += 2 + len;
  return msg;
}

}  // namespace smtpsim::dns
