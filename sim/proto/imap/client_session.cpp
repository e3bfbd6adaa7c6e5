// The IMAP client machine: login flow, one command in flight at a time, continuation
// handling (literals, AUTHENTICATE, IDLE) and the mailbox model. Trusts the owner's
// arguments only after the checks below (no line breaks where they would end a command);
// trusts nothing the server sends: responses come from the bounded ResponseParser, a tagged
// response or "+" only counts if it matches the command in flight and came after it was
// written (fence_), and data that would corrupt view() fails the session.
#include "sim/proto/imap/client_session.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "sim/proto/smtp/sasl.hpp"

namespace smtpsim::imap {

namespace ce = client_event;
using S = ClientState;

namespace {

// A mailbox this large is beyond what the simulator models (and an EXISTS of 4e9 must not
// make the client allocate gigabytes).
constexpr std::uint32_t kMaxMessages = 1'000'000;

bool has_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos;
}

void check_raw(std::string_view what, std::string_view s) {
  if (has_break(s)) throw std::invalid_argument(fmt::format("IMAP {}: CR, LF or NUL", what));
}

void check_set(std::string_view set) {
  // RFC 3501 §9 sequence-set: numbers, "*", ":" and ",".
  if (set.empty() || set.find_first_not_of("0123456789*:,") != set.npos)
    throw std::invalid_argument("IMAP: malformed message set");
}

// ASTRING-CHAR without the ones that need care: a plain atom can go as it is.
bool is_plain_atom(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("(){%*\"\\]").find(c) != std::string_view::npos) return false;
  }
  return ascii_upper(s) != "NIL";
}

bool needs_literal(std::string_view s) {
  // RFC 3501 §4.3: a quoted string holds 7-bit text without CR or LF; anything else (8-bit
  // names, passwords with line breaks) must be a literal.
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || u >= 0x80) return true;
  }
  return false;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

ce::Completed::Status status_of(Condition::Kind k) {
  if (k == Condition::Kind::Ok) return ce::Completed::Status::Ok;
  return k == Condition::Kind::No ? ce::Completed::Status::No : ce::Completed::Status::Bad;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Construction and the owner's commands

ClientSession::ClientSession(ClientConfig config) : cfg_(std::move(config)) {
  if (cfg_.user.find('\0') != std::string::npos || cfg_.password.find('\0') != std::string::npos)
    throw std::invalid_argument("IMAP client: NUL in user or password");
  cfg_.auth = ascii_upper(cfg_.auth);
  if (cfg_.auth != "LOGIN" && cfg_.auth != "PLAIN")
    throw std::invalid_argument("IMAP client: auth must be LOGIN or PLAIN");
  if (!is_plain_atom(cfg_.tag_prefix) || cfg_.tag_prefix.find('+') != std::string::npos ||
      cfg_.tag_prefix.find('[') != std::string::npos)
    throw std::invalid_argument("IMAP client: tag prefix must be a plain atom");
  tls_active_ = cfg_.tls == TlsMode::Implicit;
}

void ClientSession::start() {
  started_ = true;  // the server speaks first (RFC 3501 §7.1, greeting)
}

namespace {
// Builds a command's pieces: text, and strings as atom, quoted string or literal.
struct Builder {
  std::vector<std::string> texts{std::string()};
  std::vector<std::string> literals;

  Builder& text(std::string_view t) {
    texts.back() += t;
    return *this;
  }
  Builder& astring(std::string_view s) {
    if (is_plain_atom(s)) return text(s);
    if (!needs_literal(s)) return text(quote(s));
    literals.emplace_back(s);
    texts.emplace_back();
    return *this;
  }
  Builder& literal(std::string_view s) {
    literals.emplace_back(s);
    texts.emplace_back();
    return *this;
  }
};
}  // namespace

void ClientSession::add_pieces(Command& c, std::vector<std::string> texts,
                               std::vector<std::string> literals) {
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Piece p{std::move(texts[i]), std::nullopt};
    if (i < literals.size()) p.literal = std::move(literals[i]);
    c.pieces.push_back(std::move(p));
  }
}

std::uint32_t ClientSession::queue(Command c) {
  if (logged_out_ || state_ == S::Closed)
    throw std::logic_error("IMAP client: command after logout() or once closed");
  c.id = next_id_++;
  const auto id = c.id;
  queue_.push_back(std::move(c));
  send_next();
  return id;
}

namespace {
void check_folder(std::string_view f) {
  if (f.find('\0') != f.npos) throw std::invalid_argument("IMAP: NUL in a folder name");
}
}  // namespace

std::uint32_t ClientSession::select(std::string_view folder) {
  check_folder(folder);
  Builder b;
  b.text("SELECT ").astring(folder);
  Command c;
  c.kind = Kind::Select;
  c.folder = std::string(folder);
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::examine(std::string_view folder) {
  check_folder(folder);
  Builder b;
  b.text("EXAMINE ").astring(folder);
  Command c;
  c.kind = Kind::Examine;
  c.folder = std::string(folder);
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::list(std::string_view reference, std::string_view pattern) {
  check_folder(reference);
  check_folder(pattern);
  Builder b;
  b.text("LIST ");
  // list-mailbox (RFC 3501 §9) allows the wildcards in an atom: "*" and "%" go as they are.
  if (reference.empty())
    b.text("\"\"");
  else
    b.astring(reference);
  b.text(" ");
  if (!pattern.empty() && pattern.find_first_not_of("*%") == pattern.npos)
    b.text(pattern);
  else if (pattern.empty())
    b.text("\"\"");
  else
    b.astring(pattern);
  Command c;
  c.kind = Kind::List;
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::status(std::string_view folder, std::string_view items) {
  check_folder(folder);
  check_raw("STATUS items", items);
  Builder b;
  b.text("STATUS ").astring(folder).text(" ").text(items);
  Command c;
  c.kind = Kind::Status;
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::fetch(std::string_view set, std::string_view items, bool uid) {
  check_set(set);
  check_raw("FETCH items", items);
  Command c;
  c.kind = Kind::Fetch;
  c.pieces.push_back({fmt::format("{}FETCH {} {}", uid ? "UID " : "", set, items), {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::store(std::string_view set, std::string_view op,
                                   std::string_view flags, bool silent, bool uid) {
  check_set(set);
  check_raw("STORE flags", flags);
  const std::string o = ascii_upper(op);
  if (o != "+FLAGS" && o != "-FLAGS" && o != "FLAGS")
    throw std::invalid_argument("IMAP STORE: op must be +FLAGS, -FLAGS or FLAGS");
  Command c;
  c.kind = Kind::Store;
  c.pieces.push_back(
      {fmt::format("{}STORE {} {}{} {}", uid ? "UID " : "", set, o, silent ? ".SILENT" : "", flags),
       {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::search(std::string_view criteria, bool uid) {
  check_raw("SEARCH criteria", criteria);
  Command c;
  c.kind = Kind::Search;
  c.pieces.push_back({fmt::format("{}SEARCH {}", uid ? "UID " : "", criteria), {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::expunge() {
  Command c;
  c.kind = Kind::Expunge;
  c.pieces.push_back({"EXPUNGE", {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::close() {
  Command c;
  c.kind = Kind::Close;
  c.pieces.push_back({"CLOSE", {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::append(std::string_view folder, std::string_view flags,
                                    std::string_view content) {
  check_folder(folder);
  check_raw("APPEND flags", flags);
  Builder b;
  b.text("APPEND ").astring(folder).text(" ");
  if (!flags.empty()) b.text(flags).text(" ");
  b.literal(content);  // RFC 3501 §6.3.11: the message is always a literal
  Command c;
  c.kind = Kind::Append;
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::copy(std::string_view set, std::string_view folder, bool uid) {
  check_set(set);
  check_folder(folder);
  Builder b;
  b.text(uid ? "UID COPY " : "COPY ").text(set).text(" ").astring(folder);
  Command c;
  c.kind = Kind::Copy;
  add_pieces(c, std::move(b.texts), std::move(b.literals));
  return queue(std::move(c));
}

std::uint32_t ClientSession::noop() {
  Command c;
  c.kind = Kind::Noop;
  c.pieces.push_back({"NOOP", {}});
  return queue(std::move(c));
}

std::uint32_t ClientSession::idle() {
  Command c;
  c.kind = Kind::Idle;
  c.pieces.push_back({"IDLE", {}});
  return queue(std::move(c));
}

void ClientSession::done() {
  const bool running = inflight_ && inflight_->kind == Kind::Idle;
  if (running && !inflight_->done_wanted) {
    inflight_->done_wanted = true;
    if (state_ == S::Idle) emit("DONE\r\n", "DONE", false);  // RFC 2177 §3
    return;
  }
  // The flag is per command: one flag for the whole session, cleared when the running IDLE
  // ended, let "DONE, FETCH, IDLE" then done() again (before the first IDLE's OK came) leave
  // the queued IDLE running for good, and every command behind it waiting.
  for (auto& c : queue_) {
    if (c.kind == Kind::Idle && !c.done_wanted) {
      c.done_wanted = true;  // DONE as soon as its "+" comes
      return;
    }
  }
  if (running) return;  // DONE already on its way, and no other IDLE to end
  for (const auto& c : queue_)
    if (c.kind == Kind::Idle) return;  // already to be ended at its "+"
  throw std::logic_error("IMAP client: done() without IDLE");
}

std::uint32_t ClientSession::logout() {
  Command c;
  c.kind = Kind::Logout;
  c.pieces.push_back({"LOGOUT", {}});
  const auto id = queue(std::move(c));
  logged_out_ = true;
  return id;
}

// ---------------------------------------------------------------------------------------
// Driver interface

void ClientSession::receive(std::string_view bytes) {
  if (state_ == S::Closed) return;
  parser_.feed(bytes);
}

void ClientSession::receive_eof() {
  eof_ = true;
}

void ClientSession::tls_established() {
  if (!tls_handshake_ || state_ != S::StartingTls) return;  // spurious: ignored
  tls_handshake_ = false;
  tls_active_ = true;
  // RFC 3501 §6.2.1: forget what was learnt in plaintext, ask again.
  caps_.clear();
  caps_known_ = false;
  enter(S::NotAuthenticated, "TLS established");
  send_internal(Kind::Capability);
}

void ClientSession::timeout() {
  if (state_ == S::Closed) return;
  fail(stage(), "timeout", "timeout", false);
}

std::string ClientSession::take_output() {
  std::string o;
  o.swap(out_);
  return o;
}

bool ClientSession::has_capability(std::string_view cap) const {
  const std::string want = ascii_upper(cap);
  for (const auto& c : caps_)
    if (ascii_upper(c) == want) return true;
  return false;
}

ClientEvent ClientSession::next_event() {
  for (;;) {
    if (events_head_ < events_.size()) {
      ClientEvent ev = std::move(events_[events_head_++]);
      if (events_head_ == events_.size()) {
        events_.clear();
        events_head_ = 0;
      }
      return ev;
    }
    if (state_ == S::Closed) return ce::Closed{};
    if (!started_) return ce::NeedData{};
    if (tls_handshake_) {
      if (eof_) {
        fail("starttls", "connection closed during the TLS handshake", "connection closed", false);
        continue;
      }
      return ce::StartTls{};
    }
    auto res = parser_.next();
    if (auto* r = std::get_if<Response>(&res)) {
      if (observer_) observer_->on_line_in(parser_.last_raw(), false);
      on_response(*r);
      continue;
    }
    if (auto* e = std::get_if<ResponseParser::Error>(&res)) {
      fail(stage(), "malformed response: " + e->reason, "malformed response", false);
      continue;
    }
    if (eof_) {
      if (state_ == S::LoggingOut) {
        enter(S::Closed, "connection closed");  // EOF instead of the tagged OK is as good
      } else {
        fail(stage(), "connection closed by server", "connection closed", false);
      }
      continue;
    }
    return ce::NeedData{};
  }
}

// ---------------------------------------------------------------------------------------
// Plumbing

void ClientSession::enter(ClientState to, std::string_view trigger) {
  if (to == state_) return;
  const int from = static_cast<int>(state_);
  const auto& spec = client_machine_spec();
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("IMAP client: transition {} -> {} on '{}' is not in the "
                    "table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ClientSession::emit(std::string_view bytes, std::string_view shown, bool sensitive) {
  out_.append(bytes);
  fence_ = parser_.bytes_fed();
  if (observer_ && !shown.empty()) observer_->on_line_out(shown, sensitive);
}

std::string ClientSession::stage() const {
  if (state_ == S::Connecting) return "greeting";
  if (state_ == S::StartingTls) return "starttls";
  if (state_ == S::LoggingOut) return "logout";
  if (state_ == S::Idle) return "idle";
  if (inflight_) {
    switch (inflight_->kind) {
      case Kind::Capability:
        return "capability";
      case Kind::StartTls:
        return "starttls";
      case Kind::Login:
      case Kind::Authenticate:
        return "login";
      default:
        return "command";
    }
  }
  return "connection";
}

// A failure ends the session: with a LOGOUT when the stream is still in step (a refused
// login, a missing capability), without one when it is not (garbage, wrong tags, BYE).
void ClientSession::fail(std::string stage, std::string reason, std::string_view trigger,
                         bool logout) {
  push(ce::Failed{std::move(stage), std::move(reason)});
  queue_.clear();
  logged_out_ = true;
  tls_handshake_ = false;
  waiting_plus_ = false;
  if (logout) {
    Command c;
    c.kind = Kind::Logout;
    c.pieces.push_back({"LOGOUT", {}});
    inflight_.reset();
    enter(S::LoggingOut, trigger);
    send_command(std::move(c));
  } else {
    inflight_.reset();
    enter(S::Closed, trigger);
  }
}

void ClientSession::send_command(Command c) {
  inflight_tag_ = cfg_.tag_prefix + std::to_string(next_tag_++);
  inflight_ = std::move(c);
  piece_ = 0;
  waiting_plus_ = false;
  sasl_sent_ = false;
  // "AUTHENTICATE PLAIN <initial response>" (RFC 4959 SASL-IR): the response is already out.
  if (inflight_->kind == Kind::Authenticate && inflight_->pieces[0].text != "AUTHENTICATE PLAIN")
    sasl_sent_ = true;
  send_pieces();
}

void ClientSession::send_pieces() {
  Command& c = *inflight_;
  while (piece_ < c.pieces.size()) {
    const Piece& p = c.pieces[piece_];
    std::string line = piece_ == 0 ? inflight_tag_ + " " + p.text : p.text;
    const bool first = piece_ == 0;
    if (!p.literal) {
      emit(line + "\r\n", c.sensitive ? (first ? std::string_view(c.shown) : "") : line,
           c.sensitive);
      ++piece_;
      return;
    }
    // RFC 7888: LITERAL+ lets any literal go without waiting for "+".
    const bool nonsync = has_capability("LITERAL+");
    line += fmt::format("{{{}{}}}", p.literal->size(), nonsync ? "+" : "");
    emit(line + "\r\n", c.sensitive ? (first ? std::string_view(c.shown) : "") : line, c.sensitive);
    if (!nonsync) {
      waiting_plus_ = true;
      return;
    }
    emit(*p.literal, c.sensitive ? "" : std::string_view(*p.literal), c.sensitive);
    ++piece_;
  }
}

void ClientSession::send_internal(Kind k) {
  Command c;
  c.kind = k;
  switch (k) {
    case Kind::Capability:
      c.pieces.push_back({"CAPABILITY", {}});
      break;
    case Kind::StartTls:
      c.pieces.push_back({"STARTTLS", {}});
      break;
    default:
      break;
  }
  send_command(std::move(c));
}

void ClientSession::send_next() {
  if (inflight_ || queue_.empty()) return;
  if (state_ != S::Authenticated && state_ != S::Selected) return;
  Command c = std::move(queue_.front());
  queue_.pop_front();
  if (c.kind == Kind::Select || c.kind == Kind::Examine) {
    // The data that follows belongs to the new mailbox (RFC 3501 §6.3.1): start afresh.
    view_ = MailboxView{};
    view_.folder = c.folder;
    view_.read_only = c.kind == Kind::Examine;
  }
  if (c.kind == Kind::Logout) enter(S::LoggingOut, "LOGOUT");
  send_command(std::move(c));
}

// ---------------------------------------------------------------------------------------
// Responses

void ClientSession::on_response(Response& r) {
  if (state_ == S::Connecting) {
    auto* u = std::get_if<Untagged>(&r);
    auto* c = u ? std::get_if<Condition>(&u->data) : nullptr;
    if (!c || c->kind == Condition::Kind::No || c->kind == Condition::Kind::Bad) {
      fail("greeting", "expected a greeting (* OK, * PREAUTH or * BYE)", "protocol violation",
           false);
      return;
    }
    push(ce::Untagged{*c});
    on_greeting(*c);
    return;
  }
  if (auto* k = std::get_if<Continuation>(&r)) {
    on_continuation(*k);
  } else if (auto* t = std::get_if<Tagged>(&r)) {
    on_tagged(*t);
  } else {
    on_untagged(std::get<Untagged>(r).data);
  }
}

void ClientSession::on_greeting(const Condition& c) {
  if (c.kind == Condition::Kind::Bye) {
    fail("greeting", "server refused the connection: " + c.text, "BYE", false);
    return;
  }
  apply_code(c);
  if (c.kind == Condition::Kind::Preauth) {
    // RFC 3501 §6.2.1: STARTTLS only in the not-authenticated state.
    if (cfg_.tls == TlsMode::StartTlsRequired && !tls_active_) {
      fail("greeting", "PREAUTH greeting: STARTTLS is no longer possible", "failure", true);
      return;
    }
    enter(S::Authenticated, "greeting PREAUTH");
    push(ce::Ready{});
    send_next();
    return;
  }
  enter(S::NotAuthenticated, "greeting OK");
  if (caps_known_) {
    after_capability();
  } else {
    send_internal(Kind::Capability);
  }
}

void ClientSession::after_capability() {
  const bool want_tls =
      cfg_.tls == TlsMode::StartTlsIfOffered || cfg_.tls == TlsMode::StartTlsRequired;
  if (want_tls && !tls_active_) {
    if (has_capability("STARTTLS")) {
      enter(S::StartingTls, "STARTTLS");
      send_internal(Kind::StartTls);
      return;
    }
    if (cfg_.tls == TlsMode::StartTlsRequired) {
      fail("starttls", "STARTTLS not offered", "failure", true);
      return;
    }
  }
  start_login();
}

void ClientSession::start_login() {
  Command c;
  c.sensitive = true;
  if (cfg_.auth == "LOGIN") {
    // RFC 3501 §6.2.3 / §7.2.1: LOGINDISABLED means the server refuses LOGIN (here).
    if (has_capability("LOGINDISABLED")) {
      fail("login", "server advertises LOGINDISABLED: LOGIN refused before sending a password",
           "failure", true);
      return;
    }
    Builder b;
    b.text("LOGIN ").astring(cfg_.user).text(" ").astring(cfg_.password);
    c.kind = Kind::Login;
    add_pieces(c, std::move(b.texts), std::move(b.literals));
    c.shown = fmt::format("{}{} LOGIN {} [redacted]", cfg_.tag_prefix, next_tag_,
                          needs_literal(cfg_.user)   ? "[literal]"
                          : is_plain_atom(cfg_.user) ? cfg_.user
                                                     : quote(cfg_.user));
    enter(S::Authenticating, "LOGIN");
  } else {
    if (!has_capability("AUTH=PLAIN")) {
      fail("login", "AUTH=PLAIN not advertised", "failure", true);
      return;
    }
    c.kind = Kind::Authenticate;
    if (has_capability("SASL-IR")) {
      c.pieces.push_back(
          {"AUTHENTICATE PLAIN " + smtp::base64_encode(smtp::make_plain(cfg_.user, cfg_.password)),
           {}});
      c.shown = fmt::format("{}{} AUTHENTICATE PLAIN [redacted]", cfg_.tag_prefix, next_tag_);
    } else {
      c.pieces.push_back({"AUTHENTICATE PLAIN", {}});
      c.shown = fmt::format("{}{} AUTHENTICATE PLAIN", cfg_.tag_prefix, next_tag_);
    }
    enter(S::Authenticating, "AUTHENTICATE");
  }
  send_command(std::move(c));
}

void ClientSession::on_continuation(const Continuation& /*k*/) {
  if (!inflight_ || parser_.last_offset() < fence_) {
    fail(stage(), "unexpected continuation request", "protocol violation", false);
    return;
  }
  Command& c = *inflight_;
  if (waiting_plus_) {
    waiting_plus_ = false;
    const auto& lit = *c.pieces[piece_].literal;
    emit(lit, c.sensitive ? "" : std::string_view(lit), c.sensitive);
    ++piece_;
    send_pieces();
    return;
  }
  if (c.kind == Kind::Idle && state_ != S::Idle) {
    enter(S::Idle, "IDLE +");
    push(ce::Idling{});
    if (c.done_wanted) emit("DONE\r\n", "DONE", false);
    return;
  }
  if (c.kind == Kind::Authenticate) {
    if (!sasl_sent_) {
      // RFC 4616 over RFC 3501 §6.2.2: the response to the empty challenge.
      sasl_sent_ = true;
      emit(smtp::base64_encode(smtp::make_plain(cfg_.user, cfg_.password)) + "\r\n", "[redacted]",
           true);
    } else {
      emit("*\r\n", "*", false);  // a challenge PLAIN does not have: cancel (§6.2.2)
    }
    return;
  }
  fail(stage(), "unexpected continuation request", "protocol violation", false);
}

void ClientSession::on_tagged(Tagged& t) {
  if (!inflight_ || t.tag != inflight_tag_ || parser_.last_offset() < fence_) {
    fail(stage(), fmt::format("tagged response with unknown tag '{}'", t.tag), "protocol violation",
         false);
    return;
  }
  Command c = std::move(*inflight_);
  inflight_.reset();
  waiting_plus_ = false;
  const bool ok = t.cond.kind == Condition::Kind::Ok;
  apply_code(t.cond);
  const std::string said = fmt::format("{} {}", condition_name(t.cond.kind), t.cond.text);
  switch (c.kind) {
    case Kind::Capability:
      if (!ok) {
        fail("capability", "CAPABILITY refused: " + said, "failure", true);
        return;
      }
      after_capability();
      return;
    case Kind::StartTls:
      if (ok) {
        // RFC 3501 §6.2.1 / RFC 2595 §3.1: the next bytes are the TLS handshake; anything
        // the server sent after the OK in plaintext is discarded, never parsed.
        parser_.discard_buffered();
        tls_handshake_ = true;
        return;
      }
      if (cfg_.tls == TlsMode::StartTlsRequired) {
        fail("starttls", "STARTTLS refused: " + said, "failure", true);
        return;
      }
      enter(S::NotAuthenticated, "STARTTLS refused");
      start_login();
      return;
    case Kind::Login:
    case Kind::Authenticate:
      if (!ok) {
        fail("login", (c.kind == Kind::Login ? "LOGIN refused: " : "AUTHENTICATE refused: ") + said,
             "failure", true);
        return;
      }
      enter(S::Authenticated, "logged in");
      push(ce::Ready{});
      break;
    case Kind::Select:
    case Kind::Examine:
      if (ok) {
        view_.selected = true;
        enter(S::Selected, "SELECT OK");
      } else {
        view_ = MailboxView{};  // RFC 3501 §6.3.1: a failed SELECT leaves none selected
        enter(S::Authenticated, "SELECT failed");
      }
      break;
    case Kind::Close:
      if (ok) {
        view_ = MailboxView{};
        enter(S::Authenticated, "CLOSE OK");
      }
      break;
    case Kind::Idle:
      enter(view_.selected ? S::Selected : S::Authenticated, "IDLE done");
      break;
    case Kind::Logout:
      if (c.id) push(ce::Completed{c.id, status_of(t.cond.kind), t.cond.code, t.cond.text});
      enter(S::Closed, "LOGOUT complete");
      return;
    default:
      break;
  }
  if (c.id) push(ce::Completed{c.id, status_of(t.cond.kind), t.cond.code, t.cond.text});
  send_next();
}

void ClientSession::on_untagged(UntaggedResponse& u) {
  if (auto* c = std::get_if<Condition>(&u)) {
    if (c->kind == Condition::Kind::Preauth) {
      fail(stage(), "PREAUTH after the greeting", "protocol violation", false);
      return;
    }
    if (c->kind == Condition::Kind::Bye) {
      push(ce::Untagged{*c});
      if (state_ == S::LoggingOut) {
        return;  // RFC 3501 §6.1.3: BYE, then the tagged OK
      }
      fail(stage(), "server closed the session: BYE " + c->text, "BYE", false);
      return;
    }
  }
  bool ok = true;
  update_view(u, &ok);
  if (!ok) return;
  if (auto* cap = std::get_if<untagged::Capability>(&u)) {
    caps_ = cap->caps;
    caps_known_ = true;
  }
  push(ce::Untagged{std::move(u)});
}

void ClientSession::apply_code(const Condition& c) {
  if (c.code.empty()) return;
  const std::string name = ascii_upper(c.code_name());
  if (name == "CAPABILITY") {
    caps_.clear();
    std::string_view a = c.code_args();
    while (!a.empty()) {
      const auto sp = a.find(' ');
      if (sp != 0) caps_.emplace_back(a.substr(0, sp));
      if (sp == a.npos) break;
      a.remove_prefix(sp + 1);
    }
    caps_known_ = !caps_.empty();
    return;
  }
  if (view_.folder.empty()) return;  // the rest describe the mailbox being selected
  auto num32 = [&](std::string_view n) -> std::optional<std::uint32_t> {
    auto v = c.code_number(n);
    if (!v || *v > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  };
  if (name == "UIDVALIDITY") {
    view_.uidvalidity = num32("UIDVALIDITY");
  } else if (name == "UIDNEXT") {
    view_.uidnext = num32("UIDNEXT");
  } else if (name == "UNSEEN") {
    view_.unseen = num32("UNSEEN");
  } else if (name == "READ-ONLY") {
    view_.read_only = true;
  } else if (name == "READ-WRITE") {
    view_.read_only = false;
  } else if (name == "PERMANENTFLAGS") {
    std::string_view a = c.code_args();
    if (a.size() >= 2 && a.front() == '(' && a.back() == ')') a = a.substr(1, a.size() - 2);
    view_.permanent_flags.clear();
    while (!a.empty()) {
      const auto sp = a.find(' ');
      if (sp != 0) view_.permanent_flags.emplace_back(a.substr(0, sp));
      if (sp == a.npos) break;
      a.remove_prefix(sp + 1);
    }
  }
}

// RFC 3501 §7.3.1 (EXISTS), §7.4.1 (EXPUNGE renumbers everything after it), §7.4.2 (FETCH).
void ClientSession::update_view(const UntaggedResponse& u, bool* ok) {
  if (const auto* c = std::get_if<Condition>(&u)) {
    apply_code(*c);
    return;
  }
  if (view_.folder.empty()) return;  // no mailbox: nothing to keep
  if (const auto* e = std::get_if<untagged::Exists>(&u)) {
    if (e->n < view_.exists) {
      *ok = false;
      fail(stage(), fmt::format("EXISTS {} after {} without EXPUNGE", e->n, view_.exists),
           "protocol violation", false);
      return;
    }
    if (e->n > kMaxMessages) {
      *ok = false;
      fail(stage(), fmt::format("EXISTS {}: more messages than the client models", e->n),
           "protocol violation", false);
      return;
    }
    view_.exists = e->n;
    view_.messages.resize(e->n);
  } else if (const auto* r = std::get_if<untagged::Recent>(&u)) {
    view_.recent = r->n;
  } else if (const auto* x = std::get_if<untagged::Expunge>(&u)) {
    if (x->seq > view_.exists) {
      *ok = false;
      fail(stage(), fmt::format("EXPUNGE {} of {} messages", x->seq, view_.exists),
           "protocol violation", false);
      return;
    }
    view_.messages.erase(view_.messages.begin() + (x->seq - 1));
    --view_.exists;
  } else if (const auto* f = std::get_if<untagged::Fetch>(&u)) {
    if (f->seq > view_.exists) {
      *ok = false;
      fail(stage(), fmt::format("FETCH {} of {} messages", f->seq, view_.exists),
           "protocol violation", false);
      return;
    }
    auto& m = view_.messages[f->seq - 1];
    if (f->uid) m.uid = f->uid;
    if (f->flags) m.flags = f->flags;
  } else if (const auto* fl = std::get_if<untagged::Flags>(&u)) {
    view_.flags = fl->flags;
  }
}

}  // namespace smtpsim::imap
