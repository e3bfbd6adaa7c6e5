// Helpers shared by the DNS unit tests: hex literals in, hex dumps out, decode-or-fail.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "sim/proto/dns/message.hpp"

namespace smtpsim::dns::test {

// "12 34 01 00" -> bytes; spaces ignored, 'x' starts a literal ASCII run up to the next '|'.
inline std::string hex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i < h.size();) {
    if (h[i] == ' ') {
      ++i;
      continue;
    }
    if (h[i] == '\'') {
      const std::size_t end = h.find('\'', i + 1);
      out.append(h.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

inline std::string to_hex(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    static const char kHex[] = "0123456789abcdef";
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

inline Message decode_ok(std::string_view wire) {
  auto r = decode(wire);
  if (auto* e = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << "decode failed: " << e->reason << " at " << e->offset << " in "
                  << to_hex(wire);
    return {};
  }
  return std::get<Message>(r);
}

}  // namespace smtpsim::dns::test
