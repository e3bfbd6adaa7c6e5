// One IMAP session per web page: login, select, fetch, logout.
#include "sim/nodes/webmail_imap.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/imap/client_session.hpp"

namespace smtpsim::nodes {

using ImapConn = MachineConn<imap::ClientSession, imap::client_event::NeedData,
                             imap::client_event::Closed, imap::client_event::StartTls>;

struct ImapQuery::Impl {
  World& world;
  engine::HostId self, store;
  std::uint16_t port;
  std::string user, password;
  Kind kind;
  std::uint32_t seq;
  std::function<void(ImapResult)> done;
  std::unique_ptr<ImapConn> conn;
  std::unique_ptr<SessionTracer> tracer;
  std::uint32_t fetch_id = 0;
  ImapResult result;

  Step on_event(imap::ClientEvent& ev) {
    auto& s = conn->session();
    if (std::holds_alternative<imap::client_event::Ready>(ev)) {
      s.select("INBOX");
      // UID FETCH 1:* is fine on an empty INBOX, where FETCH 1:* would be an error.
      fetch_id = kind == Kind::List ? s.fetch("1:*", "(UID FLAGS ENVELOPE)", true)
                                    : s.fetch(std::to_string(seq), "(UID BODY[])");
      s.logout();
    } else if (auto* u = std::get_if<imap::client_event::Untagged>(&ev)) {
      if (auto* f = std::get_if<imap::untagged::Fetch>(&u->response)) on_fetch(*f);
    } else if (auto* c = std::get_if<imap::client_event::Completed>(&ev)) {
      if (c->id == fetch_id) {
        result.ok = c->status == imap::client_event::Completed::Status::Ok;
        result.fetch_refused = !result.ok;
        if (!result.ok) result.error = "the store refused the FETCH: " + c->text;
      }
    } else if (auto* f = std::get_if<imap::client_event::Failed>(&ev)) {
      if (f->stage == "login") result.login_refused = true;
      if (result.error.empty()) result.error = fmt::format("IMAP {}: {}", f->stage, f->reason);
    }
    return Step::Continue;
  }

  void on_fetch(const imap::untagged::Fetch& f) {
    if (kind == Kind::Open) {
      if (auto it = f.sections.find("BODY[]"); it != f.sections.end()) result.message = it->second;
      return;
    }
    if (!f.uid) return;
    InboxEntry e;
    e.seq = f.seq;
    e.uid = *f.uid;
    if (f.envelope) {
      e.subject = f.envelope->subject.value_or("(no subject)");
      if (!f.envelope->from.empty()) {
        const auto& a = f.envelope->from.front();
        e.from = a.name ? fmt::format("{} <{}>", *a.name, a.email()) : a.email();
      }
    }
    if (f.flags) e.seen = std::find(f.flags->begin(), f.flags->end(), "\\Seen") != f.flags->end();
    result.inbox.push_back(std::move(e));
  }
};

ImapQuery::ImapQuery(World& world, engine::HostId self, engine::HostId store, std::uint16_t port,
                     std::string user, std::string password, Kind kind, std::uint32_t seq,
                     std::function<void(ImapResult)> done)
    : impl_(new Impl{world,
                     self,
                     store,
                     port,
                     std::move(user),
                     std::move(password),
                     kind,
                     seq,
                     std::move(done),
                     nullptr,
                     nullptr,
                     0,
                     {}}) {}

ImapQuery::~ImapQuery() = default;

void ImapQuery::start() {
  Impl& q = *impl_;
  imap::ClientConfig cc;
  cc.user = q.user;
  cc.password = q.password;
  cc.tls = q.port == 993 ? imap::TlsMode::Implicit : imap::TlsMode::StartTlsIfOffered;
  q.conn = std::make_unique<ImapConn>(q.world.net, engine::Side::Client, q.self, q.store, q.port,
                                      "IMAP", std::make_unique<imap::ClientSession>(cc), 0);
  q.conn->set_handler([&q](imap::ClientEvent& ev) { return q.on_event(ev); });
  // Runs from a scheduled event (never inside the connection's own stack): the owner may
  // destroy this query from `done`.
  q.conn->set_finished([&q](bool, std::string reason) {
    if (!q.result.ok && q.result.error.empty()) q.result.error = reason;
    auto done = std::move(q.done);
    if (done) done(std::move(q.result));
  });
  q.conn->connect();
  ImapConn& c = *q.conn;
  q.tracer = std::make_unique<SessionTracer>(
      q.world.net, c.id(), q.world.net.name(q.self), q.world.net.name(q.store), q.port,
      /*emit_lines=*/true, [&c] { return c.session().tls_active(); }, "IMAP");
  c.session().set_observer(q.tracer.get());
}

}  // namespace smtpsim::nodes
