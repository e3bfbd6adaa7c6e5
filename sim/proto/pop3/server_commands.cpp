// The POP3 server's command table and handlers (RFC 1939 §4-§7, RFC 2449 CAPA, RFC 2595
// STLS). Arguments are untrusted: numbers are parsed digit by digit and checked against the
// maildrop snapshot; names are echoed only sanitised.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include "sim/proto/pop3/server_session.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::pop3 {

namespace se = server_event;
using C = ServerSession::CommandSpec;
using smtp::sanitize;

namespace {
constexpr unsigned bit(ServerState s) {
  return 1u << static_cast<unsigned>(s);
}
constexpr unsigned kAuthz = bit(ServerState::Authorization) | bit(ServerState::User);
constexpr unsigned kTrans = bit(ServerState::Transaction);

// clang-format off
constexpr C kCommands[] = {
  {"CAPA", kAuthz | kTrans, &ServerSession::cmd_capa, "CAPA"},
  {"STLS", bit(ServerState::Authorization), &ServerSession::cmd_stls, "STLS"},
  {"USER", kAuthz, &ServerSession::cmd_user, "USER name"},
  {"PASS", bit(ServerState::User), &ServerSession::cmd_pass, "PASS string"},
  {"APOP", kAuthz, &ServerSession::cmd_apop, "APOP name digest"},
  {"QUIT", kAuthz | kTrans, &ServerSession::cmd_quit, "QUIT"},
  {"STAT", kTrans, &ServerSession::cmd_stat, "STAT"},
  {"LIST", kTrans, &ServerSession::cmd_list, "LIST [msg]"},
  {"UIDL", kTrans, &ServerSession::cmd_uidl, "UIDL [msg]"},
  {"RETR", kTrans, &ServerSession::cmd_retr, "RETR msg"},
  {"TOP", kTrans, &ServerSession::cmd_top, "TOP msg n"},
  {"DELE", kTrans, &ServerSession::cmd_dele, "DELE msg"},
  {"NOOP", kTrans, &ServerSession::cmd_noop, "NOOP"},
  {"RSET", kTrans, &ServerSession::cmd_rset, "RSET"},
};
// clang-format on

// Splits on single spaces; false when an argument is empty (doubled or trailing space).
bool split_args(std::string_view arg, std::vector<std::string_view>& out) {
  out.clear();
  if (arg.empty()) return true;
  while (true) {
    const auto sp = arg.find(' ');
    out.push_back(arg.substr(0, sp));
    if (out.back().empty()) return false;
    if (sp == arg.npos) return true;
    arg.remove_prefix(sp + 1);
  }
}

// Decimal digits only, no sign, no overflow (RFC 1939 §3: numbers are decimal).
std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
}  // namespace

std::span<const C> ServerSession::command_table() {
  return kCommands;
}

// Message-number argument (RFC 1939 §5): 1..n, not marked as deleted.
ServerSession::DropEntry* ServerSession::message_arg(std::string_view arg, bool allow_deleted) {
  if (arg.empty()) {
    err("Message number required");
    return nullptr;
  }
  const auto n = parse_number(arg);
  if (!n) {
    err(fmt::format("Invalid message number: {}", sanitize(arg, 20)));
    return nullptr;
  }
  if (*n == 0 || *n > drop_.size()) {
    err(fmt::format("No such message (the maildrop has {} messages)", drop_.size()));
    return nullptr;
  }
  DropEntry& e = drop_[*n - 1];
  if (e.deleted && !allow_deleted) {
    err(fmt::format("Message {} already deleted", *n));
    return nullptr;
  }
  return &e;
}

ServerEvent ServerSession::cmd_capa(std::string_view arg) {
  if (!arg.empty()) {
    err("Syntax: CAPA");
    return se::NeedData{};
  }
  // RFC 2449 §5; USER only while plaintext login is allowed (RFC 2595 §2), STLS only
  // before TLS (RFC 2595 §4).
  ok("Capability list follows");
  line_out("TOP");
  line_out("UIDL");
  if (!cfg_.plaintext_auth_needs_tls || cfg_.tls_active) line_out("USER");
  line_out("RESP-CODES");
  line_out("AUTH-RESP-CODE");
  line_out("PIPELINING");
  if (cfg_.stls_available && !cfg_.tls_active) line_out("STLS");
  line_out("IMPLEMENTATION smtpsim");
  line_out(".");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_stls(std::string_view arg) {
  if (!arg.empty()) {
    err("Syntax: STLS");
  } else if (cfg_.tls_active) {
    err("Command not permitted when TLS active");
  } else if (!cfg_.stls_available) {
    err("STLS not available");
  } else {
    ok("Begin TLS negotiation");
    // RFC 2595 §4 (CVE-2011-0411): anything the client pipelined after STLS arrived in
    // plaintext and must not be executed inside the TLS session.
    in_pos_ = in_.size();
    discarding_long_line_ = false;
    start_tls_pending_ = true;
    return se::StartTls{};
  }
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_user(std::string_view arg) {
  if (cfg_.plaintext_auth_needs_tls && !cfg_.tls_active) {
    err("[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections");
    return se::NeedData{};
  }
  if (arg.empty()) {
    err("Syntax: USER name");
    return se::NeedData{};
  }
  for (char c : arg) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) {
      err("Invalid user name");
      return se::NeedData{};
    }
  }
  user_ = std::string(arg);
  ok(fmt::format("{} accepted, send PASS", sanitize(user_)));
  enter(ServerState::User, "USER +OK");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_pass(std::string_view arg) {
  // RFC 1939 §7: PASS has exactly one argument, so spaces belong to the password.
  if (arg.empty()) {
    user_.clear();
    enter(ServerState::Authorization, "PASS -ERR");
    err("Syntax: PASS string");
    return se::NeedData{};
  }
  auth_ = se::Auth{};
  auth_.method = se::Auth::UserPass;
  auth_.user = user_;
  auth_.password = std::string(arg);
  auth_pending_ = true;
  return auth_;
}

ServerEvent ServerSession::cmd_apop(std::string_view arg) {
  if (cfg_.apop_timestamp.empty()) {
    err("APOP not available (no timestamp in the greeting)");
    return se::NeedData{};
  }
  std::vector<std::string_view> a;
  if (!split_args(arg, a) || a.size() != 2 || a[1].size() != 32) {
    err("Syntax: APOP name digest");
    return se::NeedData{};
  }
  for (char c : a[1]) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      err("Syntax: APOP name digest (32 hex digits)");
      return se::NeedData{};
    }
  }
  for (char c : a[0]) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) {
      err("Invalid user name");
      return se::NeedData{};
    }
  }
  auth_ = se::Auth{};
  auth_.method = se::Auth::Apop;
  auth_.user = std::string(a[0]);
  auth_.digest = std::string(a[1]);
  auth_.timestamp = cfg_.apop_timestamp;
  auth_pending_ = true;
  return auth_;
}

ServerEvent ServerSession::cmd_quit(std::string_view /*arg*/) {
  if (state_ != ServerState::Transaction) {
    // RFC 1939 §4: QUIT in AUTHORIZATION ends the session without UPDATE.
    ok(fmt::format("{} POP3 server signing off", cfg_.hostname));
    enter(ServerState::Closed, "QUIT");
    return se::Closed{};
  }
  // RFC 1939 §6: UPDATE removes the marked messages. Those someone else removed already are
  // simply gone; the Update event lists the UIDs this session removed.
  enter(ServerState::Update, "QUIT");
  se::Update update;
  std::size_t left = 0;
  if (const mail::Folder* f = store_.folder(user_, "INBOX")) {
    for (const auto& e : drop_) {
      if (e.deleted && f->find(e.uid)) update.deleted.push_back(e.uid);
    }
    store_.expunge(user_, "INBOX", update.deleted);
    if (const mail::Folder* after = store_.folder(user_, "INBOX")) left = after->messages.size();
  }
  ok(fmt::format("{} POP3 server signing off ({} messages left)", cfg_.hostname, left));
  update_ = std::move(update);
  enter(ServerState::Closed, "UPDATE done");
  return se::Closed{};
}

ServerEvent ServerSession::cmd_stat(std::string_view arg) {
  if (!arg.empty()) {
    err("Syntax: STAT");
    return se::NeedData{};
  }
  ok(fmt::format("{} {}", live_count(), live_octets()));  // RFC 1939 §5 "drop listing"
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_list(std::string_view arg) {
  if (!arg.empty()) {
    if (const DropEntry* e = message_arg(arg)) {
      ok(fmt::format("{} {}", e - drop_.data() + 1, e->size));
    }
    return se::NeedData{};
  }
  ok(fmt::format("{} messages ({} octets)", live_count(), live_octets()));
  for (std::size_t i = 0; i < drop_.size(); ++i) {
    if (!drop_[i].deleted) line_out(fmt::format("{} {}", i + 1, drop_[i].size));
  }
  line_out(".");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_uidl(std::string_view arg) {
  if (!arg.empty()) {
    if (const DropEntry* e = message_arg(arg)) {
      ok(fmt::format("{} {}", e - drop_.data() + 1, unique_id(uidvalidity_, e->uid)));
    }
    return se::NeedData{};
  }
  ok("Unique-ID listing follows");
  for (std::size_t i = 0; i < drop_.size(); ++i) {
    if (!drop_[i].deleted) {
      line_out(fmt::format("{} {}", i + 1, unique_id(uidvalidity_, drop_[i].uid)));
    }
  }
  line_out(".");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_retr(std::string_view arg) {
  if (const DropEntry* e = message_arg(arg)) send_message(*e, std::nullopt);
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_top(std::string_view arg) {
  std::vector<std::string_view> a;
  if (!split_args(arg, a) || a.size() != 2) {
    err("Syntax: TOP msg n");
    return se::NeedData{};
  }
  const auto lines = parse_number(a[1]);
  if (!lines) {
    err(fmt::format("Invalid line count: {}", sanitize(a[1], 20)));
    return se::NeedData{};
  }
  if (const DropEntry* e = message_arg(a[0])) send_message(*e, static_cast<std::size_t>(*lines));
  return se::NeedData{};
}

// RETR (body_lines empty) or TOP: the message dot-stuffed (RFC 1939 §3), ending "." CRLF.
// The store holds CRLF text; a last line without CRLF gets one so the terminator stands on
// its own line. RETR sets \Seen in the store, as Dovecot does (RFC 1939 has no flags; IMAP
// clients on the same mailbox then see the message as read). TOP does not.
void ServerSession::send_message(const DropEntry& e, std::optional<std::size_t> body_lines) {
  const std::size_t number = static_cast<std::size_t>(&e - drop_.data()) + 1;
  const mail::Folder* f = store_.folder(user_, "INBOX");
  const mail::StoredMessage* m = f ? f->find(e.uid) : nullptr;
  if (!m) {
    err(fmt::format("Message {} no longer exists", number));
    return;
  }
  if (body_lines) {
    ok("Top of message follows");
  } else {
    ok(fmt::format("{} octets", m->size()));
  }
  const std::size_t start = out_.size();
  std::string_view rest = m->content;
  bool in_body = false;
  std::size_t body_sent = 0;
  while (!rest.empty()) {
    if (body_lines && in_body && body_sent >= *body_lines) break;
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == rest.npos ? rest.size() : eol + 2);
    if (!line.empty() && line.front() == '.') out_.push_back('.');
    out_.append(line);
    out_.append("\r\n");
    if (in_body) {
      ++body_sent;
    } else if (line.empty()) {
      in_body = true;  // RFC 1939 §7 TOP: headers, the blank line, then n body lines
    }
  }
  if (observer_ && out_.size() > start) {
    // Like the SMTP server's DATA: the text is reported once, whole.
    observer_->on_line_out(std::string_view(out_).substr(start, out_.size() - start - 2), false);
  }
  line_out(".");
  if (!body_lines && !(m->flags & mail::kSeen)) {
    store_.set_flags(user_, "INBOX", e.uid, m->flags | mail::kSeen);
  }
}

ServerEvent ServerSession::cmd_dele(std::string_view arg) {
  if (DropEntry* e = message_arg(arg)) {
    e->deleted = true;  // RFC 1939 §5: only marked; removed in UPDATE
    ok(fmt::format("Message {} deleted", e - drop_.data() + 1));
  }
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_noop(std::string_view arg) {
  if (!arg.empty()) {
    err("Syntax: NOOP");
  } else {
    ok("");
  }
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_rset(std::string_view arg) {
  if (!arg.empty()) {
    err("Syntax: RSET");
    return se::NeedData{};
  }
  for (auto& e : drop_) e.deleted = false;
  ok(fmt::format("Maildrop has {} messages ({} octets)", live_count(), live_octets()));
  return se::NeedData{};
}

}  // namespace smtpsim::pop3
