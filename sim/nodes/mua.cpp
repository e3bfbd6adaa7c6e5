// Composing and submitting.
#include "sim/nodes/mua.hpp"

#include <fmt/format.h>

#include <utility>

#include "sim/proto/mail/message.hpp"

namespace smtpsim::nodes {

Mua::Mua(World& world, engine::HostId host, MuaConfig cfg)
    : world_(world), host_(host), cfg_(std::move(cfg)) {
  if (cfg_.reader) reader_ = std::make_unique<MailReader>(world_, host_, *cfg_.reader);
  if (cfg_.browser) browser_ = std::make_unique<Browser>(world_, host_, *cfg_.browser);
}

Mua::~Mua() = default;

void Mua::send(const Draft& d, std::function<void(bool ok, std::string what)> done) {
  if (browser_) {  // the site composes and submits (webmail.hpp); the browser posts a form
    browser_->send(d);
    return;
  }
  // Called once: a message's result, or the failure of the whole session.
  auto report = std::make_shared<std::function<void(bool, std::string)>>(std::move(done));
  const std::uint64_t key = ++next_;
  const std::string from = d.from.empty() ? cfg_.address : d.from;
  const auto at = cfg_.address.rfind('@');
  const std::string domain = at == std::string::npos ? "localhost" : cfg_.address.substr(at + 1);
  mail::Composed c;
  c.from = cfg_.display_name.empty() ? from : fmt::format("{} <{}>", cfg_.display_name, from);
  c.to = d.to;
  c.cc = d.cc;
  c.bcc = d.bcc;
  c.subject = d.subject;
  c.body = d.body;
  c.date = world_.unix_now();
  c.message_id = fmt::format("{}.{}@{}", key, world_.net.name(host_), domain);
  smtp::OutgoingMessage m;
  m.sender = from;
  m.recipients = mail::envelope_recipients(c);
  m.content = mail::compose(c);
  for (char ch : m.content) m.eight_bit = m.eight_bit || static_cast<unsigned char>(ch) > 127;

  std::string rcpts;
  for (const auto& r : m.recipients) rcpts += (rcpts.empty() ? "<" : ", <") + r + ">";
  world_.net.trace(
      trace::Event{.kind = trace::EventKind::Submitted,
                   .host = world_.net.name(host_),
                   .peer = world_.net.name(cfg_.msa),
                   .text = fmt::format("composed \"{}\" from <{}> to {}{}", d.subject, from, rcpts,
                                       d.bcc.empty() ? "" : " (Bcc: envelope only)"),
                   .address = from});

  outbox_.push_back(std::move(m));
  outbox_reports_.push_back(std::move(report));
  // Sends of the same moment are already on the event queue; they join this connection.
  if (outbox_.size() == 1) world_.net.queue().schedule_in(0, [this] { flush_outbox(); });
}

void Mua::flush_outbox() {
  if (outbox_.empty()) return;
  const std::uint64_t key = ++next_conn_;
  auto pending = std::make_shared<std::size_t>(outbox_.size());  // messages without a verdict
  auto reports = std::make_shared<std::vector<Report>>(std::move(outbox_reports_));
  outbox_reports_.clear();
  smtp::ClientConfig cc;
  cc.helo_name = world_.net.name(host_);
  cc.use_ehlo = cfg_.ehlo;
  cc.tls = cfg_.port == 465   ? smtp::TlsMode::Implicit
           : cfg_.port == 587 ? smtp::TlsMode::StartTlsRequired
                              : smtp::TlsMode::StartTlsIfOffered;
  if (!cfg_.user.empty()) {
    cc.auth_user = cfg_.user;
    cc.auth_password = cfg_.password;
  }
  SmtpClientConn::Callbacks cb;
  const std::string me = world_.net.name(host_);
  cb.message_done = [this, me, pending, reports](const smtp::MessageResult& r) {
    // Results come in outbox order, one per message (RFC 5321 §3.3 transactions in turn).
    const Report report = *pending > 0 ? (*reports)[reports->size() - *pending] : nullptr;
    if (*pending > 0) --*pending;
    if (r.all_delivered()) {
      ++sent_;
    } else {
      ++failed_;
    }
    if (report && *report) {
      std::string what = r.failure ? r.failure->summary() : "";
      if (r.all_delivered() && !r.recipients.empty()) what = r.recipients.front().reply.summary();
      for (const auto& rr : r.recipients)
        if (what.empty() && rr.status != smtp::RecipientStatus::Accepted)
          what = fmt::format("<{}>: {}", rr.address, rr.reply.summary());
      std::exchange(*report, nullptr)(r.all_delivered(), what);
    }
    for (const auto& rr : r.recipients) {
      if (rr.status != smtp::RecipientStatus::Accepted) {
        world_.net.trace(trace::Event{
            .kind = trace::EventKind::Note,
            .host = me,
            .text = fmt::format("the server refused <{}>: {}", rr.address, rr.reply.summary()),
            .address = rr.address});
      }
    }
  };
  cb.failed = [this, me, pending, reports](std::string reason, std::optional<smtp::Reply> reply,
                                           bool) {
    failed_ += *pending;  // every message still waiting failed with the session
    for (std::size_t i = reports->size() - *pending; i < reports->size(); ++i)
      if (auto& report = (*reports)[i]; *report)
        std::exchange(*report, nullptr)(false,
                                        reason + (reply ? " (" + reply->summary() + ")" : ""));
    *pending = 0;
    world_.net.trace(trace::Event{.kind = trace::EventKind::Note,
                                  .host = me,
                                  .text = fmt::format("sending failed: {}{}", reason,
                                                      reply ? " (" + reply->summary() + ")" : ""),
                                  .detail = "error"});
  };
  cb.finished = [this, key, reports] {
    for (auto& report : *reports)
      if (*report) std::exchange(*report, nullptr)(false, "the submission ended without a result");
    conns_.erase(key);
  };
  auto conn = std::make_unique<SmtpClientConn>(world_.net, host_, cfg_.msa, cfg_.port, cc,
                                               std::move(outbox_), std::move(cb));
  outbox_.clear();
  SmtpClientConn* raw = conn.get();
  conns_[key] = std::move(conn);
  raw->start();
}

}  // namespace smtpsim::nodes
