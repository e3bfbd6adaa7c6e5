// POP3 and IMAP services on the MDA's host.
#include "sim/nodes/retrieval_services.hpp"

#include <fmt/format.h>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/imap/server_session.hpp"
#include "sim/proto/pop3/server_session.hpp"

namespace smtpsim::nodes {

namespace {

bool implicit_tls(RetrievalProtocol p, std::uint16_t port) {
  return port == (p == RetrievalProtocol::Pop3 ? 995 : 993);
}

template <class Session>
engine::SimTime idle_of() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Session::idle_timeout()).count();
}

using Pop3Conn = MachineConn<pop3::ServerSession, pop3::server_event::NeedData,
                             pop3::server_event::Closed, pop3::server_event::StartTls>;
using ImapConn = MachineConn<imap::ServerSession, imap::server_event::NeedData,
                             imap::server_event::Closed, imap::server_event::StartTls>;

}  // namespace

// One accepted connection: the machine, its tracer, and the login check.
class RetrievalService::Conn {
 public:
  virtual ~Conn() = default;
  virtual engine::ConnectionHandler* handler() = 0;
  virtual void begin(engine::ConnId id) = 0;
  // The store changed for `user`: IMAP sessions of that user look again.
  virtual void store_changed(const std::string& user) = 0;
};

namespace {

template <class Machine>
class SessionConn : public RetrievalService::Conn {
 public:
  SessionConn(World& world, Mda& mda, engine::ConnId id, engine::HostId client, std::uint16_t port,
              std::unique_ptr<typename Machine::SessionType> session, std::string proto)
      : world_(world),
        mda_(mda),
        conn_(world.net, engine::Side::Server, mda.host(), client, port, proto, std::move(session),
              idle_of<typename Machine::SessionType>()),
        // A real client (live mode) has no machine of ours to trace its lines: this end does.
        tracer_(
            world.net, id, world.net.name(mda.host()), world.net.name(client), port,
            /*emit_lines=*/world.net.is_real(client),
            [this] { return conn_.session().tls_active(); }, proto) {
    tracer_.set_server_side(true);
    conn_.session().set_observer(&tracer_);
    conn_.set_handler([this](auto& ev) { return handle(ev); });
  }
  engine::ConnectionHandler* handler() override { return &conn_; }
  void begin(engine::ConnId id) override {
    prepare();
    conn_.accepted(id);
  }
  void set_finished(std::function<void(bool, std::string)> f) { conn_.set_finished(std::move(f)); }
  void store_changed(const std::string& user) override {
    if constexpr (requires(typename Machine::SessionType & s) { s.mailbox_changed(); }) {
      auto& s = conn_.session();
      if (conn_.ended() || s.user() != user) return;
      prepare();
      s.mailbox_changed();
      conn_.poke();
    } else {
      (void)user;
    }
  }

 private:
  void prepare() {
    if constexpr (requires(typename Machine::SessionType & s) { s.set_now(0); }) {
      conn_.session().set_now(world_.unix_now() * 1'000'000 + world_.now() % engine::kSecond);
    }
  }

  Step handle(typename Machine::Event& ev) {
    return std::visit([this](auto& e) { return this->on(e); }, ev);
  }
  template <class E>
  Step on(E& e) {
    if constexpr (requires {
                    e.user;
                    e.password;
                  }) {  // the Auth decision
      auto& s = conn_.session();
      const std::string user = mda_.login_user(e.user);
      const std::string* secret = user.empty() ? nullptr : mda_.password(user);
      if (secret && Machine::password_ok(e, *secret)) {
        s.accept();
      } else {
        s.reject();
      }
      return Step::Continue;
    } else {
      return Step::Continue;  // informational events (POP3 Update: the store traced it)
    }
  }

  World& world_;
  Mda& mda_;
  typename Machine::Conn conn_;
  SessionTracer tracer_;
};

struct Pop3Machine {
  using SessionType = pop3::ServerSession;
  using Conn = Pop3Conn;
  using Event = pop3::ServerEvent;
  static bool password_ok(const pop3::server_event::Auth& a, const std::string& secret) {
    return a.password_matches(secret);
  }
};

struct ImapMachine {
  using SessionType = imap::ServerSession;
  using Conn = ImapConn;
  using Event = imap::ServerEvent;
  static bool password_ok(const imap::server_event::Auth& a, const std::string& secret) {
    // RFC 4616: an authorization identity other than the user is not granted here.
    return a.password == secret && (a.authzid.empty() || a.authzid == a.user);
  }
};

}  // namespace

RetrievalService::RetrievalService(World& world, Mda& mda, RetrievalProtocol protocol,
                                   std::uint16_t port)
    : world_(world), mda_(mda), protocol_(protocol), port_(port) {
  world_.net.listen(mda.host(), port, this, protocol == RetrievalProtocol::Pop3 ? "POP3" : "IMAP");
  mda_.watch([this, alive = alive_](const mail::StoreChange& c) {
    if (*alive) store_changed(c);
  });
}

RetrievalService::~RetrievalService() {
  *alive_ = false;
}

engine::ConnectionHandler* RetrievalService::accept(engine::ConnId id, engine::HostId from) {
  const bool tls = implicit_tls(protocol_, port_);
  const std::string hostname = world_.net.name(mda_.host());
  std::unique_ptr<Conn> conn;
  if (protocol_ == RetrievalProtocol::Pop3) {
    pop3::ServerConfig cfg;
    cfg.hostname = hostname;
    cfg.tls_active = tls;
    cfg.stls_available = !tls;
    // RFC 1939 §7: the timestamp must be unique per greeting.
    cfg.apop_timestamp = fmt::format("<{}.{}@{}>", id, ++nonce_, hostname);
    auto c = std::make_unique<SessionConn<Pop3Machine>>(
        world_, mda_, id, from, port_,
        std::make_unique<pop3::ServerSession>(std::move(cfg), mda_.store()), "POP3");
    c->set_finished([this, id](bool, std::string) { forget(id); });
    conn = std::move(c);
  } else {
    imap::ServerConfig cfg;
    cfg.hostname = hostname;
    cfg.tls_active = tls;
    cfg.starttls_available = !tls;
    auto c = std::make_unique<SessionConn<ImapMachine>>(
        world_, mda_, id, from, port_,
        std::make_unique<imap::ServerSession>(std::move(cfg), mda_.store()), "IMAP");
    c->set_finished([this, id](bool, std::string) { forget(id); });
    conn = std::move(c);
  }
  Conn* raw = conn.get();
  conns_[id] = std::move(conn);
  // Greet once the accept has returned (the network records the handler first).
  world_.queue.schedule_in(0, [this, id, alive = alive_] {
    if (!*alive) return;
    if (auto it = conns_.find(id); it != conns_.end()) it->second->begin(id);
  });
  return raw->handler();
}

void RetrievalService::forget(engine::ConnId id) {
  conns_.erase(id);  // called from a scheduled event, never from the connection's own stack
}

void RetrievalService::store_changed(const mail::StoreChange& c) {
  if (protocol_ != RetrievalProtocol::Imap || conns_.empty()) return;
  // After the change's own command has finished: a session never hears of a change in the
  // middle of a command it is running (RFC 3501 §5.5 ordering stays intact).
  world_.queue.schedule_in(0, [this, user = c.user, alive = alive_] {
    if (!*alive) return;
    for (auto& [id, conn] : conns_) conn->store_changed(user);
  });
}

}  // namespace smtpsim::nodes
