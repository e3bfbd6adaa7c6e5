// Live mode in the GUI (issue 7): what `smtpsim gui --serve` runs behind a live View. It owns
// the io_context the window polls once per frame (never blocking it), the wall-clock loop
// driving the View's simulation, the real listeners in front of the provider (the same ports,
// users and certificate as `smtpsim serve`), and the live panel's way out to real servers:
// the sim's SMTP client machine on a host "this computer", through LiveGateway. Every real
// client becomes a host "external client 127.0.0.1:PORT" that the canvas draws as it arrives.
// Trusts the View to be live (built with LiveHooks) and to outlive it (it destroys us first).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gui/live_driver.hpp"
#include "gui/live_gateway.hpp"
#include "gui/view.hpp"
#include "net/live_loop.hpp"
#include "net/live_relay.hpp"
#include "net/live_server.hpp"
#include "net/spool.hpp"
#include "sim/nodes/smtp_endpoints.hpp"

namespace smtpsim::gui {

struct LiveOptions {
  bool serve = true;  // listen on the provider's real ports
  std::string listen = "127.0.0.1";
  int port_offset = 3000;
  std::string tls_cert, tls_key;  // empty: the self-signed one in $XDG_DATA_HOME/smtpsim/tls
  std::size_t max_connections = 200;
  std::size_t max_per_client = 20;
  // Made before the View by the caller, which keeps them until after the View is gone (the
  // simulation's resolvers and journal use them to its last moment): the io_context to run on
  // (nullptr: the session's own), the live relay to real servers and where the spool is (for
  // the banner). Same meaning as `smtpsim serve`'s options.
  boost::asio::io_context* io = nullptr;
  net::LiveRelay* relay = nullptr;
  std::string state_dir;
  // The simulation's journal (nullptr: none): committed before any answer reaches a real
  // client and after every loop turn, as serve does (net/spool.hpp).
  net::Spool* spool = nullptr;
};

class LiveSession final : public LiveDriver {
 public:
  LiveSession(View& view, LiveOptions options);
  ~LiveSession() override;
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Makes or loads the certificate and binds every port. Throws std::runtime_error with one
  // sentence ("cannot listen on 127.0.0.1:3025: Address already in use").
  void start();
  // What `smtpsim serve` prints at start, for this session.
  std::string banner() const;

  void poll() override;
  std::int64_t now_us() const override;
  LiveStatus status() const override;
  std::string send(const LiveSendForm& form) override;
  std::string send_outcome() const override { return outcome_; }

 private:
  View& view_;
  scenario::Simulation& sim_;
  LiveOptions opt_;
  std::string provider_;
  std::string cert_;
  std::unique_ptr<boost::asio::io_context> own_io_;
  boost::asio::io_context& io_;
  net::LiveLoop loop_;
  LiveGateway gateway_;
  std::unique_ptr<net::LiveServer> server_;
  std::vector<std::unique_ptr<nodes::SmtpClientConn>> sends_;
  std::string outcome_;
  std::uint64_t sent_ = 0;
};

}  // namespace smtpsim::gui
