// Typing SMTP by hand over a virtual connection (see telnet_client.hpp).
#include "sim/nodes/telnet_client.hpp"

#include <cctype>

namespace smtpsim::nodes {

namespace {
// The last line of a reply is "NNN text" or "NNN"; "NNN-text" continues (RFC 5321 §4.2.1).
bool last_line_of_reply(std::string_view line, int& code) {
  if (line.size() < 3) return false;
  for (int i = 0; i < 3; ++i)
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return false;
  if (line.size() > 3 && line[3] != ' ') return false;
  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  return true;
}
}  // namespace

TelnetClient::TelnetClient(engine::Network& net, engine::HostId from, engine::HostId to,
                           std::uint16_t port, std::vector<std::string> lines)
    : net_(net), from_(from), to_(to), port_(port), lines_(std::move(lines)) {}

TelnetClient::~TelnetClient() {
  *alive_ = false;
}

void TelnetClient::start() {
  conn_ = net_.connect(from_, to_, port_, this);
}

void TelnetClient::on_connected(engine::ConnId id) {
  tracer_ = std::make_unique<SessionTracer>(net_, id, net_.name(from_), net_.name(to_), port_,
                                            /*emit_lines=*/true, nullptr, "SMTP");
}

void TelnetClient::on_failed(engine::ConnId, engine::ConnectError) {
  finished_ = true;
}

void TelnetClient::on_data(engine::ConnId, std::string_view bytes) {
  if (finished_) return;
  pending_.append(bytes);
  std::size_t start = 0;
  for (std::size_t end; (end = pending_.find("\r\n", start)) != std::string::npos;
       start = end + 2) {
    const std::string_view line(pending_.data() + start, end - start);
    tracer_->on_line_in(line, false);
    int code = 0;
    if (last_line_of_reply(line, code)) reply_complete(code);
    if (finished_) return;
  }
  pending_.erase(0, start);
}

void TelnetClient::on_closed(engine::ConnId) {
  if (finished_) return;
  finished_ = true;
  net_.close(conn_, engine::Side::Client);
}

void TelnetClient::reply_complete(int code) {
  after_334_ = code == 334;
  if (next_ >= lines_.size()) {
    // Everything is typed; after QUIT the server closes, otherwise we hang up.
    if (code != 221) finish();
    return;
  }
  // 354 asks for the message: the lines up to the lone dot go out together.
  const bool data_block = code == 354;
  net_.queue().schedule_in(kTypingTime, [this, alive = alive_, data_block] {
    if (*alive && !finished_) type_next(data_block);
  });
}

void TelnetClient::type_next(bool data_block) {
  std::string out;
  do {
    out += lines_[next_] + "\r\n";
  } while (data_block && lines_[next_++] != "." && next_ < lines_.size());
  if (!data_block) ++next_;
  // Credentials are redacted in every transcript (DESIGN.md), typed or not: an AUTH line's
  // initial response (RFC 4954 §4) and any line that answers a 334 challenge. The bytes on
  // the wire are what was typed.
  std::string shown = out.substr(0, out.size() - 2);
  bool sensitive = false;
  if (!data_block) {
    const bool auth = shown.size() > 5 && (shown[0] | 0x20) == 'a' && (shown[1] | 0x20) == 'u' &&
                      (shown[2] | 0x20) == 't' && (shown[3] | 0x20) == 'h' && shown[4] == ' ';
    if (after_334_) {
      shown = "[redacted]";
      sensitive = true;
    } else if (const auto mech_end = shown.find(' ', 5); auth && mech_end != std::string::npos) {
      shown = shown.substr(0, mech_end) + " [redacted]";
      sensitive = true;
    }
  }
  tracer_->on_line_out(shown, sensitive);
  net_.send(conn_, engine::Side::Client, std::move(out));
}

void TelnetClient::finish() {
  finished_ = true;
  net_.close(conn_, engine::Side::Client);
}

}  // namespace smtpsim::nodes
