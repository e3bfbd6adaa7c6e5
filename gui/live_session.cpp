// The live session behind `smtpsim gui --serve`: listeners, loop, gateway, the panel's sends.
#include "gui/live_session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "net/serve_setup.hpp"
#include "net/tls.hpp"
#include "sim/proto/mail/message.hpp"

namespace smtpsim::gui {

namespace {
constexpr const char* kThisComputer = "this computer";
}

LiveSession::LiveSession(View& view, LiveOptions options)
    : view_(view),
      sim_(view.simulation()),
      opt_(std::move(options)),
      own_io_(opt_.io ? nullptr : std::make_unique<boost::asio::io_context>()),
      io_(opt_.io ? *opt_.io : *own_io_),
      loop_(io_, sim_.queue()),
      gateway_(loop_, sim_.net()) {
  const scenario::HostSpec* p = net::pick_provider(view_.spec());
  if (opt_.serve && !p)
    throw std::runtime_error(view_.spec().file +
                             " has no mail provider (a host with an MTA or MDA).");
  if (p) provider_ = p->name;
  if (opt_.spool) {
    loop_.set_after_turn([spool = opt_.spool] {
      if (auto problem = spool->end_turn())
        std::fprintf(stderr, "smtpsim gui: %s\n", problem->c_str());
    });
  }
  if (opt_.relay) {
    // One outside gateway per Network: the panel's planned sends stay ours, the MTA's
    // connections to real relays go to the relay.
    opt_.relay->attach(loop_, sim_.net());
    sim_.net().set_outside(&gateway_);
    gateway_.pass_unplanned_to(opt_.relay);
  }
}

LiveSession::~LiveSession() {
  if (server_) server_->stop();
  if (opt_.relay) opt_.relay->stop();
  gateway_.close_all(true);
  // Let the closes reach the sockets and every connection let go of its stream (a TLS
  // client's close_notify is waited for 2 s at most, net/stream.cpp); the View drops the
  // simulation right after us.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  do {
    io_.restart();
    io_.poll();
    if ((!server_ || server_->open_clients() == 0) && gateway_.open_connections() == 0 &&
        (!opt_.relay || opt_.relay->open_connections() == 0))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() < deadline);
}

void LiveSession::start() {
  if (!opt_.serve) return;
  if (opt_.tls_cert.empty() != opt_.tls_key.empty())
    throw std::runtime_error("--tls-cert and --tls-key go together.");
  net::TlsFiles files{opt_.tls_cert, opt_.tls_key};
  if (files.cert.empty()) files = net::ensure_self_signed(net::data_home() + "/tls", provider_);
  cert_ = files.cert;
  net::ServeOptions so;
  so.listen = opt_.listen;
  so.port_offset = opt_.port_offset;
  so.tls = net::server_context(files);
  so.max_connections = opt_.max_connections;
  so.max_per_client = opt_.max_per_client;
  if (opt_.spool) so.before_output = [spool = opt_.spool] { return spool->commit(); };
  server_ = std::make_unique<net::LiveServer>(loop_, sim_.net(), sim_.net().find(provider_), so);
  server_->start();
  loop_.pump();
}

std::string LiveSession::banner() const {
  if (!server_) return {};
  return net::serve_banner("smtpsim gui --serve", view_.spec(), provider_, opt_.listen,
                           server_->ports(), cert_,
                           opt_.relay ? opt_.relay->describe() : std::string{}, opt_.state_dir);
}

void LiveSession::poll() {
  loop_.sync();
  if (io_.stopped()) io_.restart();
  io_.poll();
  loop_.pump();
}

std::int64_t LiveSession::now_us() const {
  return loop_.now();
}

LiveStatus LiveSession::status() const {
  LiveStatus s;
  if (server_) {
    for (const auto& p : server_->ports()) s.ports.push_back(fmt::format("{} {}", p.name, p.real));
    s.listen = opt_.listen;
    s.clients = server_->open_clients();
    s.accepted = server_->accepted();
  }
  s.users = net::provider_users(view_.spec(), provider_);
  s.simulated_users = net::simulated_users(view_.spec(), provider_);
  return s;
}

std::string LiveSession::send(const LiveSendForm& form) {
  if (auto problem = validate(form); !problem.empty()) return problem;
  engine::Network& net = sim_.net();
  loop_.sync();
  // "this computer": a simulated host running the sim's SMTP client machine (the lessons'
  // own), on an address of the documentation range no scenario host has.
  engine::HostId me = net.find(kThisComputer);
  for (int last = 254; me < 0 && last > 200; --last) {
    const std::string address = fmt::format("192.0.2.{}", last);
    if (net.find(address) < 0) me = net.add_host(kThisComputer, address, 0);
  }
  if (me < 0) return "No free address for \"this computer\" in 192.0.2.0/24.";
  // The real server: one host per name typed, reached through the gateway.
  const std::string name = "real server " + form.host;
  engine::HostId server = net.find(name);
  if (server < 0) server = net.add_real_host(name, form.host);

  smtp::ClientConfig cfg;
  cfg.helo_name = "localhost";
  cfg.tls = form.tls == LiveTls::None       ? smtp::TlsMode::None
            : form.tls == LiveTls::StartTls ? smtp::TlsMode::StartTlsRequired
                                            : smtp::TlsMode::Implicit;
  if (!form.user.empty()) {
    cfg.auth_user = form.user;
    cfg.auth_password = form.password;
  }
  mail::Composed c;
  c.from = form.from;
  c.to = {form.to};
  c.subject = form.subject;
  c.body = form.body;
  c.date = static_cast<std::int64_t>(std::time(nullptr));
  c.message_id = fmt::format("live.{}.{}@smtpsim.localhost", c.date, ++sent_);
  smtp::OutgoingMessage m;
  m.sender = mail::envelope_sender(c);
  m.recipients = mail::envelope_recipients(c);
  m.content = mail::compose(c);

  outcome_.clear();
  nodes::SmtpClientConn::Callbacks cb;
  cb.message_done = [this](const smtp::MessageResult& r) {
    if (r.failure) {
      outcome_ = "The real server refused the message: " + r.failure->summary();
    } else if (r.all_delivered()) {
      const auto& reply = r.recipients.front().reply;
      outcome_ = "The real server accepted the message: " + reply.summary();
    } else {
      outcome_ = "The real server refused the recipient: " + r.recipients.front().reply.summary();
    }
  };
  cb.failed = [this](std::string reason, std::optional<smtp::Reply> reply, bool connect_failure) {
    if (outcome_.rfind("The real server accepted", 0) == 0) return;
    // Once connected, the real side's reason first when there is one (a failed TLS
    // handshake): the machine saw only the socket end. Before, the machine says it best.
    const std::string& real = gateway_.last_problem();
    outcome_ = real.empty() || connect_failure
                   ? reason + (reply ? " (" + reply->summary() + ")" : "") + "."
                   : "Nothing was sent: " + real + ".";
  };
  // Dropped when it says it is over (SmtpClientConn calls `finished` outside its own stack).
  auto key = std::make_shared<const nodes::SmtpClientConn*>(nullptr);
  cb.finished = [this, key] {
    std::erase_if(sends_, [&](const auto& p) { return p.get() == *key; });
  };
  auto conn = std::make_unique<nodes::SmtpClientConn>(
      net, me, server, port_of(form), std::move(cfg), std::vector{std::move(m)}, std::move(cb));
  *key = conn.get();
  LiveGateway::Plan plan;
  plan.implicit_tls = form.tls == LiveTls::Implicit;
  plan.insecure = form.insecure;
  plan.sni = form.host;
  gateway_.plan_next(std::move(plan));
  conn->start();  // Network::connect -> gateway_.open() with the plan above
  sends_.push_back(std::move(conn));
  loop_.pump();
  return {};
}

}  // namespace smtpsim::gui
