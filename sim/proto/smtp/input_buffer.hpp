// The receive buffer every server machine keeps (SMTP, POP3, IMAP): bytes are appended,
// parsed from `pos`, and the consumed front is dropped when everything was read or once it
// passes 64 KiB, so a long session neither grows without bound nor copies on every call.
// Shared by the machines so the three cannot drift apart.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpsim::proto {

inline void append_input(std::string& in, std::size_t& pos, std::string_view bytes) {
  if (pos > 0 && pos == in.size()) {
    in.clear();
    pos = 0;
  } else if (pos > 65536) {
    in.erase(0, pos);
    pos = 0;
  }
  in.append(bytes);
}

}  // namespace smtpsim::proto
