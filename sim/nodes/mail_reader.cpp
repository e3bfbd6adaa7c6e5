// The device's inbox, and the POP3 way of filling it.
#include "sim/nodes/mail_reader.hpp"

#include <fmt/format.h>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/mail_reader_imap.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/mail/message.hpp"
#include "sim/proto/pop3/client_session.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

using trace::Event;
using trace::EventKind;

void summarize(std::string_view content, std::string& subject, std::string& from) {
  const auto parsed = mail::parse_message(content);
  subject = parsed.get("Subject").value_or("(no subject)");
  from = parsed.get("From").value_or("");
}

using Pop3Conn = MachineConn<pop3::ClientSession, pop3::client_event::NeedData,
                             pop3::client_event::Closed, pop3::client_event::StartTls>;

struct MailReader::Pop3 {
  std::unique_ptr<Pop3Conn> conn;
  std::unique_ptr<SessionTracer> tracer;
};

MailReader::MailReader(World& world, engine::HostId device, ReaderConfig cfg)
    : world_(world), device_(device), cfg_(std::move(cfg)) {}

MailReader::~MailReader() {
  *alive_ = false;
}

bool MailReader::connected() const {
  if (cfg_.pop3) return pop3_ && pop3_->conn && !pop3_->conn->ended();
  return imap_ && imap_->connected();
}

void MailReader::note(std::string text, bool error) {
  world_.net.trace(Event{.kind = EventKind::Note,
                         .host = world_.net.name(device_),
                         .text = world_.net.name(device_) + ": " + text,
                         .detail = error ? "error" : ""});
}

std::string MailReader::describe(const DeviceMessage& m) const {
  return fmt::format("\"{}\"", smtp::sanitize(m.subject, 120));
}

void MailReader::retrieved(const DeviceMessage& m, std::string detail, std::string text) {
  world_.net.trace(Event{.kind = EventKind::Retrieved,
                         .host = world_.net.name(device_),
                         .peer = world_.net.name(cfg_.server),
                         .port = cfg_.port,
                         .proto = cfg_.pop3 ? "POP3" : "IMAP",
                         .text = std::move(text),
                         .detail = std::move(detail),
                         .address = cfg_.user,
                         .uid = m.uid});
}

void MailReader::local_change(const DeviceMessage& m, std::string text, const char* what) {
  world_.net.trace(Event{.kind = EventKind::LocalChange,
                         .host = world_.net.name(device_),
                         .text = std::move(text),
                         .detail = what,
                         .address = cfg_.user,
                         .uid = m.uid});
}

DeviceMessage* MailReader::find(const MessageChoice& which, const char* verb) {
  if (which.index > 0) {
    if (static_cast<std::size_t>(which.index) <= inbox_.size()) return &inbox_[which.index - 1];
    note(fmt::format("cannot {} message {}: the device shows {} message{}", verb, which.index,
                     inbox_.size(), inbox_.size() == 1 ? "" : "s"),
         true);
    return nullptr;
  }
  for (auto& m : inbox_)
    if (m.subject.find(which.subject) != std::string::npos) return &m;
  note(fmt::format("cannot {} \"{}\": no such message on the device", verb, which.subject), true);
  return nullptr;
}

void MailReader::fetch() {
  if (cfg_.pop3) {
    fetch_pop3();
    return;
  }
  if (!imap_) imap_ = std::make_unique<Imap>(*this);
  imap_->fetch();
}

void MailReader::read(const MessageChoice& which) {
  DeviceMessage* m = find(which, "read");
  if (!m) return;
  if (cfg_.pop3) {
    // The downloaded copy is the mail now: reading it needs no server at all.
    if (!m->seen) {
      m->seen = true;
      local_change(
          *m,
          fmt::format("read {} from the device's own copy (the server is not told)", describe(*m)),
          "read");
    }
    return;
  }
  imap_->read(*m);
}

void MailReader::remove(const MessageChoice& which) {
  DeviceMessage* m = find(which, "delete");
  if (!m) return;
  if (cfg_.pop3) {
    const DeviceMessage gone = *m;
    inbox_.erase(inbox_.begin() + (m - inbox_.data()));
    local_change(gone,
                 fmt::format("deleted {} on this device only{}", describe(gone),
                             cfg_.keep_on_server ? " (the server still keeps its copy)" : ""),
                 "deleted");
    return;
  }
  imap_->remove(*m);
}

void MailReader::fetch_pop3() {
  if (connected()) {
    note("already checking for mail");
    return;
  }
  pop3::ClientConfig cc;
  cc.user = cfg_.user;
  cc.password = cfg_.password;
  cc.tls = cfg_.port == 995 ? pop3::TlsMode::Implicit : pop3::TlsMode::StlsIfOffered;
  cc.mode = cfg_.keep_on_server ? pop3::RetrievalMode::LeaveOnServer
                                : pop3::RetrievalMode::DownloadAndDelete;
  cc.known_uids = downloaded_;
  auto p = std::make_unique<Pop3>();
  p->conn =
      std::make_unique<Pop3Conn>(world_.net, engine::Side::Client, device_, cfg_.server, cfg_.port,
                                 "POP3", std::make_unique<pop3::ClientSession>(std::move(cc)), 0);
  Pop3Conn& conn = *p->conn;
  conn.set_handler([this](pop3::ClientEvent& ev) {
    if (auto* m = std::get_if<pop3::client_event::Message>(&ev)) {
      DeviceMessage d;
      d.key = m->uid.empty() ? fmt::format("#{}", m->number) : m->uid;
      summarize(m->content, d.subject, d.from);
      d.content = std::move(m->content);
      if (!m->uid.empty()) downloaded_.insert(m->uid);
      retrieved(d, d.key,
                fmt::format("downloaded {} over POP3{}", describe(d),
                            cfg_.keep_on_server ? "; a copy stays on the server"
                                                : "; it will be deleted on the server"));
      inbox_.push_back(std::move(d));
    } else if (auto* d = std::get_if<pop3::client_event::Done>(&ev)) {
      note(fmt::format("POP3: {} new message{}{}", d->retrieved, d->retrieved == 1 ? "" : "s",
                       d->deleted ? fmt::format(", {} deleted on the server at QUIT", d->deleted)
                                  : std::string()));
    } else if (auto* f = std::get_if<pop3::client_event::Failed>(&ev)) {
      note(fmt::format("checking mail failed ({}): {}", f->stage, f->reason), true);
    }
    return Step::Continue;
  });
  // A session that ended at the instant a new fetch() started must not reset the new one
  // when its (scheduled) finished callback runs: only the latest session counts.
  conn.set_finished([this, alive = alive_, generation = ++pop3_generation_](bool connect_failed,
                                                                            std::string reason) {
    if (!*alive || generation != pop3_generation_) return;
    if (connect_failed) note(fmt::format("checking mail failed: {}", reason), true);
    pop3_.reset();
  });
  conn.connect();
  p->tracer = std::make_unique<SessionTracer>(
      world_.net, conn.id(), world_.net.name(device_), world_.net.name(cfg_.server), cfg_.port,
      /*emit_lines=*/true, [&conn] { return conn.session().tls_active(); }, "POP3");
  conn.session().set_observer(p->tracer.get());
  pop3_ = std::move(p);
}

}  // namespace smtpsim::nodes
