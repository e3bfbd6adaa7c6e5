// Real DNS for live relay: one c-ares channel on the io_context, and a resolver that asks it
// the questions the simulated stub resolver would ask the scenario's DNS host. The answer's
// wire bytes are decoded by sim/proto/dns and read by the very MX steps of the simulation
// (sim/nodes/mx_resolution.hpp): preference order, equal preferences shuffled with the run's
// RNG, implicit MX, null MX (RFC 5321 §5.1, RFC 7505). NXDOMAIN → no such domain; SERVFAIL,
// REFUSED or no answer (timeout) → try again later.
// c-ares owns its sockets; the channel polls them with a short timer while questions are
// open (the simplest correct integration; nothing runs when idle), and every answer reaches
// its caller from the io_context, after LiveLoop::sync() and followed by pump().
// Trusts c-ares for transport (ids, retries, TCP on truncation), nothing in the answers.
#pragma once

#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "net/live_loop.hpp"
#include "sim/nodes/mx_resolution.hpp"

namespace smtpsim::net {

struct CaresOptions {
  // "HOST:PORT" or "HOST" (port 53), an IP address (ares_set_servers_ports_csv); empty: the
  // system's /etc/resolv.conf.
  std::string server;
  int timeout_ms = 5000;  // per try, as the simulated stub resolver waits
  int tries = 2;
};

class CaresChannel {
 public:
  // The answer's wire bytes (empty when none came: timeout, refused, no server) and the
  // c-ares status ("timeout", "connection refused", ...) for the trace.
  using Answer = std::function<void(std::string wire, const std::string& status)>;

  // Throws std::runtime_error with one sentence ("--dns: 'x' is not an IP address[:port]").
  CaresChannel(boost::asio::io_context& io, CaresOptions options);
  ~CaresChannel();
  CaresChannel(const CaresChannel&) = delete;
  CaresChannel& operator=(const CaresChannel&) = delete;

  // Answers are delivered between loop->sync() and loop->pump() once a loop is set.
  void set_loop(LiveLoop* loop) { loop_ = loop; }
  // One question (class IN, recursion desired); `done` runs later on the io_context.
  void query(const std::string& name, dns::RecordType type, Answer done);
  // "127.0.0.1:5353", or "the system's resolver".
  const std::string& server() const { return server_; }
  std::size_t pending() const { return pending_; }

 private:
  struct Request;
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void arm();
  void poll();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  LiveLoop* loop_ = nullptr;
  std::string server_;
  std::size_t pending_ = 0;   // asked and not yet answered to the caller
  std::size_t in_cares_ = 0;  // asked and not yet answered by c-ares
  bool armed_ = false;
  bool destroying_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class CaresResolver : public nodes::MxResolution {
 public:
  CaresResolver(nodes::World& world, engine::HostId host, CaresChannel& channel)
      : MxResolution(world, host), channel_(channel) {}

 private:
  void query(const std::string& name, dns::RecordType type, Reply done) override;
  std::string server_name() const override { return "real DNS " + channel_.server(); }
  CaresChannel& channel_;
};

}  // namespace smtpsim::net
