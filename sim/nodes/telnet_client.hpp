// A person at a terminal typing SMTP by hand ("telnet mx.example.org 25", the exercise of
// seed 001): the scenario action `telnet` opens a connection from any host to an SMTP
// service and types the given lines one at a time, each after the previous reply has come
// back and a moment of typing has passed. After a 354 reply the lines up to and including
// the lone "." are the message and go out in one piece, as a terminal paste would. Lines
// are sent exactly as written plus CRLF, so a lesson can show what a server does with a
// bare LF inside a line (SMTP smuggling, RFC 5321 §2.3.8 and §4.1.1.4). Credentials typed
// (AUTH's initial response, answers to 334) are redacted in the trace like any client's.
//
// No machine runs on this side on purpose: the person *is* the client, and the server's
// genuine machine answers. Every line is traced from this end (as every client end is).
// Trusts the scenario loader for the target (an SMTP service) and the lines.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/engine/network.hpp"
#include "sim/nodes/smtp_endpoints.hpp"

namespace smtpsim::nodes {

class TelnetClient final : public engine::ConnectionHandler {
 public:
  // The pause between a reply and the next typed line (a person reads, then types).
  static constexpr engine::SimTime kTypingTime = 2 * engine::kSecond;

  TelnetClient(engine::Network& net, engine::HostId from, engine::HostId to, std::uint16_t port,
               std::vector<std::string> lines);
  ~TelnetClient() override;
  TelnetClient(const TelnetClient&) = delete;
  TelnetClient& operator=(const TelnetClient&) = delete;

  void start();
  bool finished() const { return finished_; }

  void on_connected(engine::ConnId id) override;
  void on_failed(engine::ConnId id, engine::ConnectError e) override;
  void on_data(engine::ConnId id, std::string_view bytes) override;
  void on_closed(engine::ConnId id) override;

 private:
  void reply_complete(int code);
  void type_next(bool data_block);
  void finish();

  engine::Network& net_;
  engine::HostId from_, to_;
  std::uint16_t port_;
  std::vector<std::string> lines_;
  std::size_t next_ = 0;  // the next line to type
  engine::ConnId conn_ = 0;
  std::unique_ptr<SessionTracer> tracer_;
  std::string pending_;     // received bytes not yet ending in CRLF
  bool after_334_ = false;  // the last reply was a SASL challenge: the next line is secret
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes
