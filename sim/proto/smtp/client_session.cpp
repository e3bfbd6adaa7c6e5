// The SMTP client machine: its state table, the one state-change function, reply handling
// per state, and the encoding of message text (RFC 5321 §4.5.2 dot-stuffing, CRLF).
// Trusts the owner's messages only as far as send() checks them; trusts nothing the
// server sends: replies go through the strict ReplyParser, and a reply is only taken as the
// answer to a command if the server sent it after the command (see fence_).
#include "sim/proto/smtp/client_session.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

namespace ce = client_event;
using S = ClientState;

namespace {

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos;
}

unsigned mech_bit(SaslMechanism m) {
  return 1u << static_cast<unsigned>(m);
}

RecipientStatus status_of(const Reply& r) {
  if (r.klass() == 2) return RecipientStatus::Accepted;
  return r.klass() == 4 ? RecipientStatus::Temporary : RecipientStatus::Permanent;
}

// True when the content can go out as it is: every line ends in CRLF, there is no other
// CR or LF, and no line starts with "." (the common case, one pass of memchr).
bool content_is_clean(std::string_view c) {
  const char* p = c.data();
  const char* const end = p + c.size();
  while (p < end) {
    if (*p == '.') return false;
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
    if (!nl || nl == p || nl[-1] != '\r') return false;
    if (std::memchr(p, '\r', std::size_t(nl - 1 - p))) return false;
    p = nl + 1;
  }
  return true;
}

// RFC 5321 §2.3.8 and §4.5.2: CRLF, a bare LF and a bare CR each end a line and are sent
// as CRLF (never a bare CR or LF on the wire, so "\n.\n" and friends cannot be smuggled
// through this client); a line that starts with "." gets one more "."; text that does not
// end in a line end gets one. Appends to *out when given. Returns the RFC 1870 §4 message
// size: CRLF line ends counted, the stuffed dots and the final "." not.
std::size_t encode_content(std::string_view c, std::string* out) {
  std::size_t size = 0;
  std::size_t i = 0;
  const std::size_t n = c.size();
  while (i < n) {
    if (c[i] == '.' && out) out->push_back('.');
    std::size_t j = i;
    while (j < n && c[j] != '\r' && c[j] != '\n') ++j;
    if (out) {
      out->append(c.data() + i, j - i);
      out->append("\r\n");
    }
    size += j - i + 2;
    if (j < n) j += (c[j] == '\r' && j + 1 < n && c[j + 1] == '\n') ? 2 : 1;
    i = j;
  }
  return size;
}

}  // namespace

bool MessageResult::all_delivered() const {
  if (failure || recipients.empty()) return false;
  for (const auto& r : recipients)
    if (r.status != RecipientStatus::Accepted) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// The driver's side

ClientSession::ClientSession(ClientConfig config) : cfg_(std::move(config)) {
  if (cfg_.helo_name.empty()) throw std::invalid_argument("SMTP client: empty helo_name");
  for (char c : cfg_.helo_name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127) {
      throw std::invalid_argument("SMTP client: helo_name must be one printable token");
    }
  }
  if (cfg_.auth_user && cfg_.auth_user->find('\0') != std::string::npos) {
    throw std::invalid_argument("SMTP client: NUL in the AUTH user name");
  }
  // RFC 8314: with implicit TLS the connection is encrypted before the greeting.
  tls_active_ = cfg_.tls == TlsMode::Implicit;
}

void ClientSession::send(OutgoingMessage message) {
  if (finished_) throw std::logic_error("SMTP client: send() after finish()");
  if (message.recipients.empty()) throw std::invalid_argument("SMTP client: no recipients");
  if (has_line_break(message.sender)) {
    throw std::invalid_argument("SMTP client: CR, LF or NUL in the sender address");
  }
  for (const auto& r : message.recipients) {
    if (has_line_break(r)) {
      throw std::invalid_argument("SMTP client: CR, LF or NUL in a recipient address");
    }
  }
  queue_.push_back(std::move(message));
  if (state_ == ClientState::Idle) begin_transaction("send");
}

void ClientSession::finish() {
  finished_ = true;
  if (state_ == ClientState::Idle) {
    send_line("QUIT");
    enter(ClientState::Quit, "finish");
  }
}

void ClientSession::receive(std::string_view bytes) {
  // During the TLS handshake the driver owns the stream; plaintext bytes that reach us
  // now were sent before the handshake and are dropped like those after the 220
  // (RFC 3207 §4.2, the client's side of CVE-2011-0411).
  if (state_ == ClientState::Closed || state_ == ClientState::TlsHandshake) return;
  parser_.feed(bytes);
}

void ClientSession::receive_eof() {
  eof_ = true;
}

void ClientSession::tls_established() {
  if (state_ != ClientState::TlsHandshake) return;
  tls_active_ = true;
  parser_.discard_buffered();
  // RFC 3207 §4.2: the client discards what it knew and starts again with EHLO.
  send_hello("TLS established");
}

void ClientSession::timeout() {
  if (state_ == ClientState::Closed) return;
  // No QUIT: the server has not answered, so the link is not trusted to carry one.
  fail(stage(), std::nullopt, "timeout", "timeout", false);
}

std::string ClientSession::take_output() {
  std::string out;
  out.swap(out_);
  out_.reserve(256);  // keep appends from growing the buffer 15, 30, 60, ...
  return out;
}

std::optional<std::chrono::seconds> ClientSession::current_timeout() const {
  using std::chrono::minutes;
  switch (state_) {
    case S::Idle:
    case S::Closed:
      return std::nullopt;
    case S::Data:
      return minutes(2);  // §4.5.3.2.4 DATA initiation
    case S::Body:
      return minutes(10);  // §4.5.3.2.6 DATA termination
    default:
      return minutes(5);  // §4.5.3.2.1-3 greeting, MAIL, RCPT; others alike
  }
}

std::string_view ClientSession::state_caption() const {
  return client_machine_spec().state(static_cast<int>(state_)).caption;
}

bool ClientSession::server_supports(std::string_view keyword) const {
  for (const auto& e : extensions_) {
    const auto sp = e.find(' ');
    if (iequals(std::string_view(e).substr(0, sp), keyword)) return true;
  }
  return false;
}

ClientEvent ClientSession::next_event() {
  while (true) {
    if (events_head_ < events_.size()) {
      ClientEvent ev = std::move(events_[events_head_++]);
      if (events_head_ == events_.size()) {
        events_.clear();
        events_head_ = 0;
      }
      return ev;
    }
    if (state_ == S::Closed) return ce::Closed{};
    if (state_ == S::TlsHandshake) {
      if (eof_) {
        fail(ClientStage::StartTls, std::nullopt, "connection closed by server",
             "connection closed", false);
        continue;
      }
      return ce::StartTls{};
    }
    auto res = parser_.next();
    if (auto* r = std::get_if<Reply>(&res)) {
      if (observer_)
        for (auto line : parser_.last_lines()) observer_->on_line_in(line, false);
      on_reply(std::move(*r));
      continue;
    }
    if (auto* e = std::get_if<ReplyParser::Error>(&res)) {
      fail(stage(), std::nullopt, "malformed reply: " + e->reason, "malformed reply", false);
      continue;
    }
    if (eof_) {
      if (state_ == S::Quit) {
        enter(S::Closed, "connection closed");  // EOF instead of 221 is as good (§4.1.1.10)
      } else {
        fail(stage(), std::nullopt, "connection closed by server", "connection closed", false);
      }
      continue;
    }
    return state_ == S::Idle ? ClientEvent{ce::Idle{}} : ClientEvent{ce::NeedData{}};
  }
}

// ---------------------------------------------------------------------------------------
// Plumbing

void ClientSession::enter(ClientState to, std::string_view trigger) {
  if (to == state_) return;
  const int from = static_cast<int>(state_);
  if (!client_machine_spec().allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("SMTP client: transition {} -> {} on '{}' is not in the table",
                    client_machine_spec().state(from).name,
                    client_machine_spec().state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_)
    observer_->on_transition(client_machine_spec(), from, static_cast<int>(to), trigger);
}

void ClientSession::push(ClientEvent ev) {
  events_.push_back(std::move(ev));
}

void ClientSession::line_done(std::size_t start) {
  if (observer_) observer_->on_line_out(std::string_view(out_).substr(start), false);
  out_.append("\r\n");
  fence_ = parser_.bytes_fed();
}

void ClientSession::send_line(std::string_view line, bool sensitive, std::string_view shown) {
  out_.append(line);
  out_.append("\r\n");
  fence_ = parser_.bytes_fed();
  if (observer_) observer_->on_line_out(shown.empty() ? line : shown, sensitive);
}

void ClientSession::fail(ClientStage stage, std::optional<Reply> r, std::string reason,
                         std::string_view trigger, bool quit) {
  push(ce::Failed{stage, std::move(r), std::move(reason)});
  if (quit) {
    send_line("QUIT");
    enter(S::Quit, trigger);
  } else {
    enter(S::Closed, trigger);
  }
}

// A well-formed reply that no command in this state can get (a 3xx to MAIL, a 250 to DATA):
// the server is out of step with us, so say goodbye.
void ClientSession::unexpected(Reply r) {
  std::string reason = fmt::format("unexpected reply {} in state {}", r.code,
                                   client_machine_spec().state(static_cast<int>(state_)).name);
  fail(stage(), std::move(r), std::move(reason), "unexpected reply", true);
}

ClientStage ClientSession::stage() const {
  switch (state_) {
    case S::Greeting:
      return ClientStage::Greeting;
    case S::Ehlo:
    case S::Helo:
      return ClientStage::Helo;
    case S::StartTls:
    case S::TlsHandshake:
      return ClientStage::StartTls;
    case S::Auth:
      return ClientStage::Auth;
    case S::Mail:
      return ClientStage::Mail;
    case S::Rcpt:
      return ClientStage::Rcpt;
    case S::Data:
      return ClientStage::Data;
    case S::Body:
      return ClientStage::Body;
    case S::Quit:
      return ClientStage::Quit;
    default:
      return ClientStage::Connection;
  }
}

// ---------------------------------------------------------------------------------------
// Replies

void ClientSession::on_reply(Reply r) {
  const bool before_command = parser_.last_reply_offset() < fence_;
  if (state_ == S::Quit && !before_command) {
    enter(S::Closed, r.code == 221 ? "221 closing" : "QUIT reply");
    return;
  }
  // RFC 5321 §3.8: 421 may come at any moment, and the server closes after it; no QUIT.
  if (r.code == 421) {
    fail(stage(), std::move(r), "the server is closing the connection", "421 closing", false);
    return;
  }
  if (state_ == S::Idle || before_command) {
    fail(ClientStage::Connection, std::move(r),
         state_ == S::Idle ? "unsolicited reply (no command outstanding)"
                           : "unsolicited reply (sent before our command)",
         "unsolicited reply", false);
    return;
  }
  switch (state_) {
    case S::Greeting:
      on_greeting(r);
      break;
    case S::Ehlo:
      on_ehlo(r);
      break;
    case S::Helo:
      on_helo(r);
      break;
    case S::StartTls:
      on_starttls(r);
      break;
    case S::Auth:
      on_auth(r);
      break;
    case S::Mail:
      on_mail(r);
      break;
    case S::Rcpt:
      on_rcpt(r);
      break;
    case S::Data:
      on_data(r);
      break;
    case S::Body:
      on_body(r);
      break;
    case S::Rset:
      on_rset(r);
      break;
    default:
      break;
  }
}

void ClientSession::on_greeting(Reply& r) {
  // RFC 5321 §3.1: 220 opens the session; 554 (or anything else) refuses it, and the client
  // should still send QUIT and wait for its reply.
  if (r.code != 220) {
    fail(ClientStage::Greeting, std::move(r), "greeting refused", "greeting refused", true);
    return;
  }
  send_hello("220 greeting");
}

void ClientSession::send_hello(std::string_view trigger) {
  const std::size_t start = out_.size();
  out_.append(cfg_.use_ehlo ? "EHLO " : "HELO ");
  out_.append(cfg_.helo_name);
  line_done(start);
  enter(cfg_.use_ehlo ? S::Ehlo : S::Helo, trigger);
}

void ClientSession::parse_extensions(const Reply& r) {
  // RFC 5321 §4.1.1.1: the first line is the server's name and greeting; each further line
  // is "keyword [params]". Keywords are case-insensitive: kept upper case.
  extensions_.clear();
  ext_pipelining_ = ext_size_ = ext_8bitmime_ = ext_starttls_ = false;
  auth_offered_ = 0;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    std::string_view line = r.lines[i];
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    if (line.empty()) continue;
    std::string& e = extensions_.emplace_back(line);
    const std::size_t kw_len = std::min(e.find(' '), e.size());
    for (std::size_t k = 0; k < kw_len; ++k) e[k] = ascii_upper(e[k]);
    const std::string_view kw(e.data(), kw_len);
    if (kw == "PIPELINING") ext_pipelining_ = true;
    if (kw == "SIZE") ext_size_ = true;
    if (kw == "8BITMIME") ext_8bitmime_ = true;
    if (kw == "STARTTLS") ext_starttls_ = true;
    if (kw == "AUTH") {
      std::string_view params = std::string_view(e).substr(kw_len);
      while (!params.empty()) {
        const auto sp = params.find(' ');
        if (auto m = mechanism_from_name(params.substr(0, sp))) auth_offered_ |= mech_bit(*m);
        if (sp == params.npos) break;
        params.remove_prefix(sp + 1);
      }
    }
  }
}

void ClientSession::on_ehlo(Reply& r) {
  if (r.klass() == 2) {
    parse_extensions(r);
    after_hello("EHLO 250");
  } else if (r.klass() == 5) {
    // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; try HELO.
    const std::size_t start = out_.size();
    out_.append("HELO ");
    out_.append(cfg_.helo_name);
    line_done(start);
    enter(S::Helo, "EHLO 5xx");
  } else if (r.klass() == 4) {
    fail(ClientStage::Helo, std::move(r), "EHLO refused", "EHLO refused", true);
  } else {
    unexpected(std::move(r));
  }
}

void ClientSession::on_helo(Reply& r) {
  if (r.klass() == 2) {
    parse_extensions(Reply{});  // HELO: no extensions (RFC 5321 §4.1.1.1)
    after_hello("HELO 250");
  } else if (r.klass() == 3) {
    unexpected(std::move(r));
  } else {
    fail(ClientStage::Helo, std::move(r), "HELO refused", "HELO refused", true);
  }
}

void ClientSession::after_hello(std::string_view trigger) {
  if (!tls_active_ &&
      (cfg_.tls == TlsMode::StartTlsIfOffered || cfg_.tls == TlsMode::StartTlsRequired)) {
    if (ext_starttls_) {
      send_line("STARTTLS");
      enter(S::StartTls, trigger);
      return;
    }
    if (cfg_.tls == TlsMode::StartTlsRequired) {
      fail(ClientStage::StartTls, std::nullopt, "the server does not offer STARTTLS",
           "STARTTLS not offered", true);
      return;
    }
  }
  after_tls(trigger);
}

void ClientSession::after_tls(std::string_view trigger) {
  if (cfg_.auth_user && !authenticated_) {
    start_auth(trigger);
    return;
  }
  start_next_or_idle(trigger);
}

void ClientSession::on_starttls(Reply& r) {
  if (r.code == 220) {
    // RFC 3207 §4.2: forget the extensions, and drop any bytes that came with the 220 (they
    // were not protected by TLS, CVE-2011-0411 the other way round).
    parse_extensions(Reply{});
    parser_.discard_buffered();
    enter(S::TlsHandshake, "STARTTLS 220");
  } else if (r.klass() == 4 || r.klass() == 5) {
    if (cfg_.tls == TlsMode::StartTlsRequired) {
      fail(ClientStage::StartTls, std::move(r), "STARTTLS refused", "STARTTLS refused", true);
    } else {
      after_tls("STARTTLS refused");  // opportunistic TLS: go on in plain text
    }
  } else {
    unexpected(std::move(r));
  }
}

// ---------------------------------------------------------------------------------------
// AUTH (RFC 4954)

void ClientSession::start_auth(std::string_view trigger) {
  std::optional<SaslMechanism> mech;
  if (cfg_.auth_mechanism) {
    if (auth_offered_ & mech_bit(*cfg_.auth_mechanism)) mech = cfg_.auth_mechanism;
  } else {
    for (auto m : {SaslMechanism::CramMd5, SaslMechanism::Plain, SaslMechanism::Login}) {
      if (auth_offered_ & mech_bit(m)) {
        mech = m;
        break;
      }
    }
  }
  if (!mech) {
    std::string reason;
    if (!server_supports("AUTH")) {
      reason = "the server does not offer AUTH";
    } else if (cfg_.auth_mechanism) {
      reason =
          fmt::format("the server does not offer AUTH {}", mechanism_name(*cfg_.auth_mechanism));
    } else {
      reason = "no AUTH mechanism in common with the server";
    }
    fail(ClientStage::Auth, std::nullopt, std::move(reason), "AUTH not offered", true);
    return;
  }
  auth_mech_ = *mech;
  auth_step_ = AuthStep::Start;
  auth_deferred_ir_ = false;
  switch (auth_mech_) {
    case SaslMechanism::Plain: {
      // RFC 4954 §4: the initial response goes on the command line unless that would make
      // the line longer than 512 octets; then it waits for an empty 334 challenge.
      const std::string ir = base64_encode(make_plain(*cfg_.auth_user, cfg_.auth_password));
      if (ir.size() + 13 > 512) {
        auth_deferred_ir_ = true;
        send_line("AUTH PLAIN");
      } else {
        out_.append("AUTH PLAIN ");
        out_.append(ir);
        out_.append("\r\n");
        fence_ = parser_.bytes_fed();
        if (observer_) observer_->on_line_out("AUTH PLAIN [redacted]", true);
        auth_step_ = AuthStep::Done;
      }
      break;
    }
    case SaslMechanism::Login:
      send_line("AUTH LOGIN");
      break;
    case SaslMechanism::CramMd5:
      send_line("AUTH CRAM-MD5");
      break;
  }
  enter(S::Auth, trigger);
}

// RFC 4954 §4: a client that cannot go on answers the challenge with "*"; the server
// replies 501 and the exchange is over.
void ClientSession::auth_cancel(std::string reason) {
  auth_cancel_reason_ = std::move(reason);
  auth_step_ = AuthStep::Cancelled;
  send_line("*");
}

void ClientSession::on_auth(Reply& r) {
  if (auth_step_ == AuthStep::Cancelled) {
    fail(ClientStage::Auth, std::move(r), "AUTH cancelled: " + auth_cancel_reason_, "AUTH refused",
         true);
    return;
  }
  if (r.code == 334) {
    const std::string& user = *cfg_.auth_user;
    std::string response;
    switch (auth_mech_) {
      case SaslMechanism::Plain:
        if (!auth_deferred_ir_ || auth_step_ != AuthStep::Start) {
          auth_cancel("unexpected 334 challenge");
          return;
        }
        response = base64_encode(make_plain(user, cfg_.auth_password));
        auth_step_ = AuthStep::Done;
        break;
      case SaslMechanism::Login:
        // draft-murchison-sasl-login: "Username:" then "Password:", each answered in base64.
        if (auth_step_ == AuthStep::Start) {
          response = base64_encode(user);
          auth_step_ = AuthStep::Sent;
        } else if (auth_step_ == AuthStep::Sent) {
          response = base64_encode(cfg_.auth_password);
          auth_step_ = AuthStep::Done;
        } else {
          auth_cancel("unexpected 334 challenge");
          return;
        }
        break;
      case SaslMechanism::CramMd5: {
        // RFC 2195 §2: the challenge is base64; the answer is base64("user hexdigest").
        const auto challenge = base64_decode(r.text());
        if (auth_step_ != AuthStep::Start || !challenge || challenge->empty()) {
          auth_cancel(auth_step_ != AuthStep::Start ? "unexpected 334 challenge"
                                                    : "CRAM-MD5 challenge is not valid base64");
          return;
        }
        response = base64_encode(cram_md5_response(user, cfg_.auth_password, *challenge));
        auth_step_ = AuthStep::Done;
        break;
      }
    }
    send_line(response, true, "[redacted]");
    return;
  }
  if (r.code == 235) {
    authenticated_ = true;
    start_next_or_idle("235 authenticated");
  } else if (r.klass() == 4 || r.klass() == 5) {
    fail(ClientStage::Auth, std::move(r), "authentication failed", "AUTH refused", true);
  } else {
    unexpected(std::move(r));
  }
}

// ---------------------------------------------------------------------------------------
// Mail transactions (RFC 5321 §3.3, RFC 2920 PIPELINING)

void ClientSession::start_next_or_idle(std::string_view trigger) {
  if (queue_head_ < queue_.size()) {
    begin_transaction(trigger);
  } else if (finished_) {
    send_line("QUIT");
    enter(S::Quit, trigger);
  } else {
    enter(S::Idle, trigger);
  }
}

void ClientSession::begin_transaction(std::string_view trigger) {
  current_ = std::move(queue_[queue_head_++]);
  if (queue_head_ == queue_.size()) {
    queue_.clear();
    queue_head_ = 0;
  }
  result_ = MessageResult{};
  result_.index = next_index_++;
  result_.recipients.reserve(current_.recipients.size());
  rcpt_replies_ = accepted_ = refused_ = 0;
  mail_failed_ = empty_dot_ = false;
  // RFC 2920 §3.1: MAIL, RCPT and a final DATA may go in one group. With
  // abort_on_refused_recipient DATA waits: once 354 has come, the only way back is ".",
  // which would deliver an empty message to the recipients already accepted.
  pipelined_ = cfg_.use_pipelining && ext_pipelining_;
  data_pipelined_ = pipelined_ && !cfg_.abort_on_refused_recipient;
  body_clean_ = content_is_clean(current_.content);

  const std::size_t start = out_.size();
  out_.append("MAIL FROM:<");
  out_.append(current_.sender);
  out_.push_back('>');
  if (cfg_.send_size && ext_size_) {  // RFC 1870 §6
    const std::size_t size =
        body_clean_ ? current_.content.size() : encode_content(current_.content, nullptr);
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, size);
    out_.append(" SIZE=");
    out_.append(buf, res.ptr);
  }
  if (current_.eight_bit && ext_8bitmime_) out_.append(" BODY=8BITMIME");  // RFC 6152 §2
  line_done(start);
  if (pipelined_) {
    for (std::size_t i = 0; i < current_.recipients.size(); ++i) send_rcpt(i);
    if (data_pipelined_) send_line("DATA");
  }
  enter(S::Mail, trigger);
}

void ClientSession::send_rcpt(std::size_t i) {
  const std::size_t start = out_.size();
  out_.append("RCPT TO:<");
  out_.append(current_.recipients[i]);
  out_.push_back('>');
  line_done(start);
}

void ClientSession::send_rset(std::string_view trigger) {
  send_line("RSET");
  enter(S::Rset, trigger);
}

void ClientSession::finish_message() {
  push(ce::MessageDone{std::move(result_)});
  result_ = MessageResult{};
}

void ClientSession::on_mail(Reply& r) {
  if (r.klass() == 2) {
    if (!pipelined_) send_rcpt(0);
    enter(S::Rcpt, "MAIL 250");
    return;
  }
  if (r.klass() == 3) {
    unexpected(std::move(r));
    return;
  }
  // The whole message fails with MAIL's class; every recipient says so.
  mail_failed_ = true;
  if (pipelined_) {
    // The RCPTs (and DATA) of the group are on their way: their replies still come, in
    // order (RFC 2920 §3.1), and on_rcpt gives each recipient MAIL's reply.
    result_.failure = std::move(r);
    result_.failed_stage = ClientStage::Mail;
    enter(S::Rcpt, "MAIL refused");
    return;
  }
  const RecipientStatus st = status_of(r);
  for (auto& rcpt : current_.recipients) result_.recipients.push_back({std::move(rcpt), st, r});
  result_.failure = std::move(r);
  result_.failed_stage = ClientStage::Mail;
  finish_message();
  send_rset("MAIL refused");
}

void ClientSession::on_rcpt(Reply& r) {
  if (r.klass() == 3) {
    unexpected(std::move(r));
    return;
  }
  const std::size_t i = rcpt_replies_++;
  if (mail_failed_) {
    result_.recipients.push_back(
        {std::move(current_.recipients[i]), status_of(*result_.failure), *result_.failure});
    ++refused_;
  } else {
    // 250/251 accepted; 4xx (450, 451, 452 too many recipients: §4.5.3.1.10) temporary;
    // 5xx permanent.
    const RecipientStatus st = status_of(r);
    (st == RecipientStatus::Accepted ? accepted_ : refused_) += 1;
    result_.recipients.push_back({std::move(current_.recipients[i]), st, std::move(r)});
  }
  const std::size_t n = current_.recipients.size();
  if (rcpt_replies_ < n) {
    if (!pipelined_) send_rcpt(rcpt_replies_);
    return;
  }
  if (data_pipelined_) {
    enter(S::Data, "last RCPT reply");
    return;
  }
  if (accepted_ == 0) {
    if (!mail_failed_) result_.failed_stage = ClientStage::Rcpt;
    finish_message();
    send_rset("no recipient accepted");
    return;
  }
  if (cfg_.abort_on_refused_recipient && refused_ > 0) {
    // RFC 5321 Appendix D.2: all or nothing. The recipients the server took are not
    // delivered either: temporary, with the first refusal as the reason.
    for (auto& rr : result_.recipients) {
      if (rr.status != RecipientStatus::Accepted) {
        if (!result_.failure) result_.failure = rr.reply;
      }
    }
    for (auto& rr : result_.recipients) {
      if (rr.status == RecipientStatus::Accepted) rr.status = RecipientStatus::Temporary;
    }
    result_.failed_stage = ClientStage::Rcpt;
    finish_message();
    send_rset("recipient refused");
    return;
  }
  send_line("DATA");
  enter(S::Data, "last RCPT reply");
}

void ClientSession::on_data(Reply& r) {
  if (r.code == 354) {
    if (accepted_ > 0 && !mail_failed_) {
      send_body();
      enter(S::Body, "DATA 354");
    } else {
      // RFC 2920 §3.1: DATA was pipelined, no recipient was accepted and the server said
      // 354 anyway: end the (empty) message at once; the server must refuse it.
      empty_dot_ = true;
      send_line(".");
      enter(S::Body, "354 without recipients");
    }
    return;
  }
  if (r.klass() == 2 || r.klass() == 3) {
    unexpected(std::move(r));
    return;
  }
  if (accepted_ > 0) {
    const RecipientStatus st = status_of(r);
    for (auto& rr : result_.recipients) {
      if (rr.status == RecipientStatus::Accepted) {
        rr.status = st;
        rr.reply = r;
      }
    }
    result_.failure = std::move(r);
    result_.failed_stage = ClientStage::Data;
  } else if (!mail_failed_) {
    // else: the expected 503/554 after a pipelined group with no recipient; each recipient
    // already carries its own refusal, exactly as without pipelining.
    result_.failed_stage = ClientStage::Rcpt;
  }
  finish_message();
  send_rset("DATA refused");
}

void ClientSession::send_body() {
  const std::size_t start = out_.size();
  if (body_clean_) {
    out_.append(current_.content);
  } else {
    encode_content(current_.content, &out_);
  }
  if (observer_) {
    // One report per line as sent (dot-stuffed), like the server's on_line_in.
    std::string_view body = std::string_view(out_).substr(start);
    while (!body.empty()) {
      const auto nl = body.find('\n');
      observer_->on_line_out(body.substr(0, nl - 1), false);
      body.remove_prefix(nl + 1);
    }
  }
  send_line(".");
}

void ClientSession::on_body(Reply& r) {
  if (r.klass() == 3) {
    unexpected(std::move(r));
    return;
  }
  if (empty_dot_) {
    if (!mail_failed_) result_.failed_stage = ClientStage::Rcpt;
    finish_message();
    send_rset("final reply");
    return;
  }
  // RFC 5321 §4.1.1.4: after the reply to "." the transaction is over whatever it says,
  // so no RSET is needed before the next MAIL.
  const RecipientStatus st = status_of(r);
  for (auto& rr : result_.recipients) {
    if (rr.status == RecipientStatus::Accepted) {
      rr.status = st;
      rr.reply = r;
    }
  }
  if (st != RecipientStatus::Accepted) {
    result_.failure = std::move(r);
    result_.failed_stage = ClientStage::Body;
  }
  finish_message();
  start_next_or_idle("final reply");
}

void ClientSession::on_rset(Reply& r) {
  if (r.klass() == 2) {
    start_next_or_idle("RSET 250");
  } else {
    fail(ClientStage::Connection, std::move(r), "RSET refused", "RSET refused", true);
  }
}

}  // namespace smtpsim::smtp
