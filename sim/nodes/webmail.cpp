// The web front end: HTTP in, IMAP and SMTP submission out.
#include "sim/nodes/webmail.hpp"

#include <fmt/format.h>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/mua.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/nodes/webmail_imap.hpp"
#include "sim/proto/http/server_session.hpp"
#include "sim/proto/smtp/address.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

using HttpServerConn = MachineConn<http::ServerSession, http::server_event::NeedData,
                                   http::server_event::Closed, http::server_event::StartTls>;

class WebmailService::Conn {
 public:
  Conn(WebmailService& svc, engine::ConnId id, engine::HostId client)
      : conn(svc.world_.net, engine::Side::Server, svc.host_, client, svc.cfg_.port, "HTTP",
             std::make_unique<http::ServerSession>(
                 http::ServerConfig{.tls_active = svc.cfg_.port == 443}),
             std::chrono::duration_cast<std::chrono::microseconds>(
                 http::ServerSession::idle_timeout())
                 .count()),
        tracer(svc.world_.net, id, svc.world_.net.name(svc.host_), svc.world_.net.name(client),
               svc.cfg_.port, /*emit_lines=*/false, nullptr, "HTTP") {
    conn.session().set_observer(&tracer);
    conn.set_handler([&svc, id](http::ServerEvent& ev) {
      if (auto* r = std::get_if<http::server_event::RequestReceived>(&ev))
        svc.handle(id, r->request);
      return Step::Continue;  // the answer may come later: the machine waits in HANDLING
    });
  }
  HttpServerConn conn;
  SessionTracer tracer;
};

namespace {
// The users' addresses and lists in a form: "a@x, b@y" -> valid mailboxes only.
std::vector<std::string> addresses(const std::string& field, std::string& bad) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= field.size()) {
    const auto comma = field.find(',', start);
    std::string a = field.substr(start, comma == std::string::npos ? comma : comma - start);
    while (!a.empty() && a.front() == ' ') a.erase(0, 1);
    while (!a.empty() && a.back() == ' ') a.pop_back();
    if (!a.empty()) {
      if (smtp::parse_mailbox(a)) {
        out.push_back(a);
      } else if (bad.empty()) {
        bad = a;
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Browsers send CRLF in a textarea (HTML form submission); a Draft body uses "\n".
std::string lf_lines(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out.push_back(s[i]);
  return out;
}
}  // namespace

WebmailService::WebmailService(World& world, engine::HostId host, WebmailConfig cfg)
    : world_(world), host_(host), cfg_(std::move(cfg)) {
  world_.net.listen(host_, cfg_.port, this, "HTTP");
}

WebmailService::~WebmailService() {
  *alive_ = false;
}

engine::ConnectionHandler* WebmailService::accept(engine::ConnId id, engine::HostId from) {
  auto c = std::make_unique<Conn>(*this, id, from);
  c->conn.set_finished([this, id, alive = alive_](bool, std::string) {
    if (*alive) conns_.erase(id);  // from a scheduled event, never the connection's own stack
  });
  Conn* raw = c.get();
  conns_[id] = std::move(c);
  world_.queue.schedule_in(0, [this, id, alive = alive_] {
    if (!*alive) return;
    if (auto it = conns_.find(id); it != conns_.end()) it->second->conn.accepted(id);
  });
  return &raw->conn;
}

void WebmailService::answer(engine::ConnId id, int status, std::string body, std::string cookie) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second->conn.ended()) return;  // the browser has gone
  http::Response r;
  r.status = status;
  r.fields.emplace_back("Content-Type", "text/plain; charset=utf-8");
  // RFC 6265 §4.1: Secure and HttpOnly keep the session cookie off plain HTTP and scripts.
  if (!cookie.empty())
    r.fields.emplace_back("Set-Cookie", "session=" + cookie + "; Secure; HttpOnly");
  if (status == 405) r.fields.emplace_back("Allow", "GET, POST");  // RFC 9110 §15.5.6
  r.body = std::move(body) + "\r\n";
  it->second->conn.session().respond(std::move(r));
  it->second->conn.poke();
}

void WebmailService::handle(engine::ConnId id, const http::Request& r) {
  const std::string& t = r.target;
  const bool known = t == "/login" || t == "/send" || t == "/inbox" || t.rfind("/message/", 0) == 0;
  if (!known) {
    answer(id, 404, "No such page.");
    return;
  }
  const bool post = t == "/login" || t == "/send";
  if (r.method != (post ? "POST" : "GET")) {
    answer(id, 405, fmt::format("{} takes {}.", t, post ? "POST" : "GET"));
    return;
  }
  if (t == "/login") {
    login(id, r);
    return;
  }
  // RFC 6265 §5.4: "Cookie: session=..." (other cookies may stand beside it).
  std::string token;
  const std::string cookies = r.field("Cookie").value_or("");
  for (std::size_t at = 0; at < cookies.size();) {
    const auto end = cookies.find(';', at);
    std::string c = cookies.substr(at, end == std::string::npos ? end : end - at);
    while (!c.empty() && c.front() == ' ') c.erase(0, 1);
    if (c.rfind("session=", 0) == 0) token = c.substr(8);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  auto s = sessions_.find(token);
  if (token.empty() || s == sessions_.end()) {
    answer(id, 403, "Please log in first.");
    return;
  }
  if (t == "/send") {
    send(id, s->second, r);
  } else if (t == "/inbox") {
    inbox(id, s->second);
  } else {
    const std::string n = t.substr(9);
    const bool digits = !n.empty() && n.size() < 9 &&
                        n.find_first_not_of("0123456789") == std::string::npos && n != "0";
    if (!digits) {
      answer(id, 404, "No such message.");
      return;
    }
    message(id, s->second, static_cast<std::uint32_t>(std::stoul(n)));
  }
}

void WebmailService::query(engine::ConnId id, const Session& s, bool list, std::uint32_t n,
                           std::function<void(engine::ConnId, const ImapResult&)> then) {
  const std::uint64_t key = ++next_query_;
  auto q = std::make_unique<ImapQuery>(
      world_, host_, cfg_.store, 143, s.user, s.password,
      list ? ImapQuery::Kind::List : ImapQuery::Kind::Open, n,
      [this, key, id, then = std::move(then), alive = alive_](ImapResult res) {
        if (!*alive) return;
        then(id, res);
        queries_.erase(key);
      });
  ImapQuery* raw = q.get();
  queries_[key] = std::move(q);
  raw->start();
}

void WebmailService::login(engine::ConnId id, const http::Request& r) {
  const http::Form form = http::form_decode(r.body);
  const std::string user = http::form_value(form, "user").value_or("");
  const std::string password = http::form_value(form, "password").value_or("");
  const bool printable = !user.empty() && user.size() <= 64 &&
                         user.find_first_of(" \t\r\n\"@:") == std::string::npos &&
                         !password.empty() && password.find('\0') == std::string::npos;
  if (!printable) {
    answer(id, 400, "The form needs a user name and a password.");
    return;
  }
  Session pending{user, password, fmt::format("{}@{}", user, cfg_.domain), nullptr};
  query(
      id, pending, true, 0,
      [this, user, password, address = pending.address](engine::ConnId cid, const ImapResult& res) {
        if (!res.ok) {
          answer(cid, res.login_refused ? 403 : 502,
                 res.login_refused ? "Wrong user name or password."
                                   : "The mail store cannot be reached: " + res.error);
          return;
        }
        // A real site uses an unguessable token (RFC 6265 §8.4); the seeded RNG keeps runs equal.
        const std::string token = fmt::format("{:016x}", world_.rng.next());
        Session& s = sessions_[token];
        s = Session{user, password, address, nullptr};
        MuaConfig mc;
        mc.address = s.address;
        mc.user = s.user;
        mc.password = s.password;
        mc.msa = cfg_.msa;
        mc.port = 587;
        s.mua = std::make_unique<Mua>(world_, host_, mc);
        answer(cid, 200,
               fmt::format("Welcome, {}. Your inbox has {} message{}.", s.address, res.inbox.size(),
                           res.inbox.size() == 1 ? "" : "s"),
               token);
      });
}

void WebmailService::inbox(engine::ConnId id, Session& s) {
  const std::string address = s.address;
  query(id, s, true, 0, [this, address](engine::ConnId cid, const ImapResult& res) {
    if (!res.ok) {
      answer(cid, 502, "The mail store cannot be reached: " + res.error);
      return;
    }
    std::string page = fmt::format("Inbox of {}: {} message{}", address, res.inbox.size(),
                                   res.inbox.size() == 1 ? "" : "s");
    for (const auto& e : res.inbox)
      page += fmt::format("\r\n{}  {}  {}  \"{}\"", e.seq, e.seen ? "read  " : "unread",
                          smtp::sanitize(e.from, 80), smtp::sanitize(e.subject, 120));
    answer(cid, 200, std::move(page));
  });
}

void WebmailService::message(engine::ConnId id, Session& s, std::uint32_t n) {
  query(id, s, false, n, [this](engine::ConnId cid, const ImapResult& res) {
    if (!res.ok && !res.fetch_refused) {
      answer(cid, 502, "The mail store cannot be reached: " + res.error);
    } else if (!res.message) {
      answer(cid, 404, "No such message.");
    } else {
      // The message as the store holds it (headers, then the body), as "show source" does.
      std::string text = *res.message;
      while (text.size() >= 2 && text.compare(text.size() - 2, 2, "\r\n") == 0)
        text.resize(text.size() - 2);
      answer(cid, 200, std::move(text));
    }
  });
}

void WebmailService::send(engine::ConnId id, Session& s, const http::Request& r) {
  const http::Form form = http::form_decode(r.body);
  auto get = [&](const char* k) { return http::form_value(form, k).value_or(""); };
  std::string bad;
  Draft d;
  d.to = addresses(get("to"), bad);
  d.cc = addresses(get("cc"), bad);
  d.bcc = addresses(get("bcc"), bad);
  d.subject = lf_lines(get("subject"));
  d.body = lf_lines(get("body"));
  if (!bad.empty() || (d.to.empty() && d.cc.empty() && d.bcc.empty()) ||
      d.subject.find_first_of("\r\n") != std::string::npos) {
    answer(id, 400,
           bad.empty() ? "The message needs at least one recipient and a one-line subject."
                       : fmt::format("\"{}\" is not an email address.", smtp::sanitize(bad, 80)));
    return;
  }
  const std::string subject = d.subject;
  s.mua->send(d, [this, id, subject, alive = alive_](bool ok, std::string what) {
    if (!*alive) return;
    if (ok) {
      ++submitted_;
      answer(id, 200, fmt::format("Sent \"{}\" ({}).", smtp::sanitize(subject, 120), what));
    } else {
      answer(id, 502,
             fmt::format("The mail server did not take \"{}\": {}", smtp::sanitize(subject, 120),
                         what));
    }
  });
}

}  // namespace smtpsim::nodes
