// The browser: forms and pages over one HTTPS connection at a time.
#include "sim/nodes/browser.hpp"

#include <fmt/format.h>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/mua.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/http/client_session.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

using HttpConn = MachineConn<http::ClientSession, http::client_event::NeedData,
                             http::client_event::Closed, http::client_event::StartTls>;

class Browser::Conn {
 public:
  Conn(World& world, engine::HostId device, const BrowserConfig& cfg)
      : conn(world.net, engine::Side::Client, device, cfg.site, cfg.port, "HTTP",
             std::make_unique<http::ClientSession>(http::ClientConfig{
                 .host = world.net.name(cfg.site), .tls_active = cfg.port == 443}),
             kPatience) {}
  // How long the browser waits for the site before giving up on a page (Firefox's
  // network.http.response.timeout is 300 s).
  static constexpr engine::SimTime kPatience = 300 * engine::kSecond;
  HttpConn conn;
  std::unique_ptr<SessionTracer> tracer;
  std::map<std::uint32_t, Page> outstanding;  // request id -> page
  bool logging_in = false;
  bool finishing = false;
};

namespace {
const char* const kForm = "application/x-www-form-urlencoded";

std::string first_line(const std::string& s) {
  return smtp::sanitize(s.substr(0, s.find("\r\n")), 160);
}
}  // namespace

Browser::Browser(World& world, engine::HostId device, BrowserConfig cfg)
    : world_(world), device_(device), cfg_(std::move(cfg)) {}

Browser::~Browser() {
  *alive_ = false;
}

void Browser::note(std::string text, bool error) {
  world_.net.trace(trace::Event{.kind = trace::EventKind::Note,
                                .host = world_.net.name(device_),
                                .text = world_.net.name(device_) + ": " + text,
                                .detail = error ? "error" : ""});
}

void Browser::send(const Draft& d) {
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& a : v) out += (out.empty() ? "" : ", ") + a;
    return out;
  };
  http::Form form{{"to", join(d.to)}};
  if (!d.cc.empty()) form.emplace_back("cc", join(d.cc));
  if (!d.bcc.empty()) form.emplace_back("bcc", join(d.bcc));
  form.emplace_back("subject", d.subject);
  // HTML form submission sends a textarea's line breaks as CRLF.
  std::string body;
  for (std::size_t i = 0; i < d.body.size(); ++i) {
    if (d.body[i] == '\n' && (i == 0 || d.body[i - 1] != '\r')) body.push_back('\r');
    body.push_back(d.body[i]);
  }
  form.emplace_back("body", body);
  open(Page{"POST", "/send", http::form_encode(form),
            fmt::format("the user clicks Send on \"{}\"", smtp::sanitize(d.subject, 120))});
}

void Browser::fetch() {
  open(Page{"GET", "/inbox", "", "the user opens the inbox page"});
}

void Browser::read(const MessageChoice& which) {
  int n = which.index;
  if (n <= 0) {
    for (const auto& line : inbox_) {
      if (line.find(which.subject) == std::string::npos) continue;
      n = std::atoi(line.c_str());
      break;
    }
    if (n <= 0) {
      note(fmt::format("cannot open \"{}\": it is not on the last inbox page the browser showed",
                       which.subject),
           true);
      return;
    }
  }
  open(Page{"GET", fmt::format("/message/{}", n), "",
            fmt::format("the user clicks message {} in the inbox", n)});
}

void Browser::open(Page p) {
  note(p.what);
  waiting_.push_back(std::move(p));
  if (!current_) {
    connect();
    return;
  }
  if (!current_->logging_in) {  // logged in on this connection: the page goes out now
    issue_waiting(*current_);
    current_->conn.poke();
  }
}

void Browser::issue_waiting(Conn& conn) {
  // A site that answered with "Connection: close" (or a body read to the close) has ended the
  // session: the pages wait for the next connection instead (RFC 9112 §9.6).
  while (!waiting_.empty() && conn.conn.session().state() != http::ClientState::Closed) {
    Page next = std::move(waiting_.front());
    waiting_.pop_front();
    http::Fields fields{{"Cookie", cookie_}};
    if (!next.body.empty()) fields.emplace_back("Content-Type", kForm);
    const auto id = conn.conn.session().request(http::Request{
        .method = next.method, .target = next.target, .fields = fields, .body = next.body});
    conn.outstanding.emplace(id, std::move(next));
  }
}

void Browser::connect() {
  const std::uint64_t gen = ++generation_;
  auto c = std::make_unique<Conn>(world_, device_, cfg_);
  Conn& conn = *c;
  conns_[gen] = std::move(c);
  current_ = &conn;
  // Every page needs the session cookie: without one, the login form goes first.
  if (cookie_.empty()) {
    conn.logging_in = true;
    const auto id = conn.conn.session().request(http::Request{
        .method = "POST",
        .target = "/login",
        .fields = {{"Content-Type", kForm}},
        .body = http::form_encode({{"user", cfg_.user}, {"password", cfg_.password}})});
    conn.outstanding.emplace(id, Page{"POST", "/login", "", "log in"});
  } else {
    issue_waiting(conn);
  }
  conn.conn.set_handler([this, &conn](http::ClientEvent& ev) {
    if (auto* r = std::get_if<http::client_event::ResponseReceived>(&ev)) {
      auto it = conn.outstanding.find(r->id);
      if (it == conn.outstanding.end()) return Step::Continue;
      const Page page = std::move(it->second);
      conn.outstanding.erase(it);
      const http::Response& resp = r->response;
      if (page.target == "/login") {
        conn.logging_in = false;
        const std::string set = resp.field("Set-Cookie").value_or("");
        if (resp.status == 200 && !set.empty()) {
          cookie_ = set.substr(0, set.find(';'));
          note(fmt::format("logged in to {} as {}; the site set a session cookie",
                           world_.net.name(cfg_.site), cfg_.user));
          if (!conn.finishing) issue_waiting(conn);
        } else {
          note(fmt::format("login failed: {} {}", resp.status, first_line(resp.body)), true);
          waiting_.clear();
        }
      } else {
        on_response(page, resp.status, resp.body);
      }
      if (conn.outstanding.empty() && !conn.finishing) {
        conn.finishing = true;
        if (current_ == &conn) current_ = nullptr;
        conn.conn.session().finish();
      }
    } else if (auto* f = std::get_if<http::client_event::Failed>(&ev)) {
      note(fmt::format("the page could not be loaded: {}", f->reason), true);
    }
    return Step::Continue;
  });
  conn.conn.set_finished(
      [this, gen, &conn, alive = alive_](bool connect_failed, std::string reason) {
        if (!*alive) return;
        if (connect_failed) note(fmt::format("the site cannot be reached: {}", reason), true);
        if (current_ == &conn) {
          current_ = nullptr;
          waiting_.clear();  // a new click opens a new connection
        }
        conns_.erase(gen);
      });
  conn.conn.connect();
  conn.tracer = std::make_unique<SessionTracer>(
      world_.net, conn.conn.id(), world_.net.name(device_), world_.net.name(cfg_.site), cfg_.port,
      /*emit_lines=*/true, [&conn] { return conn.conn.session().tls_active(); }, "HTTP");
  conn.conn.session().set_observer(conn.tracer.get());
}

void Browser::on_response(const Page& p, int status, const std::string& body) {
  if (status != 200) {
    note(fmt::format("{} {}: {}", p.method, p.target, first_line(body)), true);
    return;
  }
  if (p.target == "/inbox") {
    // The page: a title line, then one line per message.
    inbox_.clear();
    std::size_t start = body.find("\r\n");
    while (start != std::string::npos && start + 2 < body.size()) {
      const std::size_t end = body.find("\r\n", start + 2);
      inbox_.push_back(body.substr(start + 2, end == std::string::npos ? end : end - start - 2));
      start = end;
    }
    ++shown_;
    note(
        fmt::format("the browser shows the inbox: {} message{} (the mail itself stays on the "
                    "server)",
                    inbox_.size(), inbox_.size() == 1 ? "" : "s"));
  } else if (p.target.rfind("/message/", 0) == 0) {
    ++shown_;
    note(
        fmt::format("the browser shows message {}: the site fetched it from the store over "
                    "IMAP (which marked it read); the device keeps no copy",
                    p.target.substr(9)));
  } else {
    note(fmt::format("the site answered: {}", first_line(body)));
  }
}

}  // namespace smtpsim::nodes
