// A person typing SMTP by hand (the telnet exercise of seed 001, lessons on reply codes):
// connect, wait for the greeting, then send each scripted line and wait for its complete
// reply (RFC 5321 §4.2.1: the last line of a reply has a space after the code) before the
// next. It knows no rules on purpose: out-of-sequence commands, VRFY, NOOP and RSET go out
// as written, so a class sees what the server answers to them. After the last line's reply
// (or when the server closes) the connection is closed.
// Trusts nothing from the server beyond the reply syntax it waits for; the lines come from
// the scenario loader (non-empty, no CR or LF).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/engine/network.hpp"
#include "sim/nodes/smtp_endpoints.hpp"

namespace smtpsim::nodes {

class TypedSession : public engine::ConnectionHandler {
 public:
  TypedSession(engine::Network& net, engine::HostId from, engine::HostId to, std::uint16_t port,
               std::vector<std::string> lines, std::function<void()> finished);
  ~TypedSession() override;
  void start();

  void on_connected(engine::ConnId) override {}
  void on_failed(engine::ConnId, engine::ConnectError e) override;
  void on_data(engine::ConnId, std::string_view bytes) override;
  void on_closed(engine::ConnId) override;

 private:
  void reply_complete();
  void end();
  engine::Network& net_;
  engine::HostId from_, to_;
  std::uint16_t port_;
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
  std::function<void()> finished_;
  engine::ConnId id_ = 0;
  std::unique_ptr<SessionTracer> tracer_;
  std::string buffer_;  // bytes of an incomplete server line
  bool ended_ = false;
};

}  // namespace smtpsim::nodes
