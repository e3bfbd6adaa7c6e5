// The POP3 server machine: command-line framing, the Auth decision and its answers, replies,
// and the one state-change function. Command handlers are in server_commands.cpp, the state
// table in server_tables.cpp. Input is hostile (see the header); the store is trusted data.
#include "sim/proto/pop3/server_session.hpp"
#include "sim/proto/smtp/input_buffer.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::pop3 {

namespace se = server_event;
using smtp::sanitize;

std::string unique_id(std::uint32_t uidvalidity, std::uint32_t uid) {
  return fmt::format("{}.{}", uidvalidity, uid);
}

std::string apop_digest(std::string_view timestamp, std::string_view secret) {
  // RFC 1939 §7: MD5 over the timestamp (angle brackets included) followed by the secret.
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw std::runtime_error("APOP: out of memory");
  const bool ok = EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, timestamp.data(), timestamp.size()) == 1 &&
                  EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, md.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("APOP: MD5 unavailable");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool se::Auth::password_matches(std::string_view secret) const {
  if (method == Apop) {
    return digest.size() == 32 && !timestamp.empty() &&
           apop_digest(timestamp, secret) == smtp::to_lower(digest);
  }
  return password == secret;
}

ServerSession::ServerSession(ServerConfig config, mail::MailStore& store)
    : cfg_(std::move(config)), store_(store) {}

std::string_view ServerSession::state_caption() const {
  return server_machine_spec().state(static_cast<int>(state_)).caption;
}

void ServerSession::enter(ServerState to, std::string_view trigger) {
  if (to == state_) return;
  const auto& spec = server_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("POP3 server: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ServerSession::line_out(std::string_view line) {
  out_.append(line);
  out_.append("\r\n");
  if (observer_) observer_->on_line_out(line, false);
}

void ServerSession::ok(std::string_view text) {
  line_out(text.empty() ? std::string("+OK") : "+OK " + std::string(text));
}

void ServerSession::err(std::string_view text) {
  line_out("-ERR " + std::string(text));
  if (++errors_ >= cfg_.max_errors && state_ != ServerState::Closed) {
    close_with("Too many errors, closing connection", "too many errors");
  }
}

void ServerSession::close_with(std::string_view err_text, std::string_view trigger) {
  // No UPDATE: RFC 1939 §6 deletes only after QUIT in TRANSACTION.
  line_out("-ERR " + std::string(err_text));
  auth_pending_ = false;
  enter(ServerState::Closed, trigger);
}

void ServerSession::start() {
  if (started_) return;
  started_ = true;
  // RFC 1939 §4 greeting; §7: the APOP timestamp is the last thing on the line.
  std::string text = cfg_.greeting;
  if (!cfg_.apop_timestamp.empty()) text += " " + cfg_.apop_timestamp;
  ok(text);
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Closed) return;
  // Between "+OK Begin TLS negotiation" and tls_established() the bytes are the TLS
  // handshake's, not commands: nothing here may be executed (RFC 2595 §4).
  if (start_tls_pending_) return;
  proto::append_input(in_, in_pos_, bytes);
}

void ServerSession::receive_eof() {
  eof_ = true;
}

void ServerSession::tls_established() {
  if (!start_tls_pending_) return;
  start_tls_pending_ = false;
  cfg_.tls_active = true;
}

void ServerSession::timeout() {
  if (state_ == ServerState::Closed) return;
  close_with("Disconnected for inactivity (autologout)", "timeout");
}

void ServerSession::shutdown(std::string_view text) {
  if (state_ == ServerState::Closed) return;
  close_with("[SYS/TEMP] " + sanitize(text, 200), "shutdown");
}

std::string ServerSession::take_output() {
  std::string out;
  out.swap(out_);
  return out;
}

ServerEvent ServerSession::next_event() {
  while (true) {
    if (auth_pending_) return auth_;
    if (update_) {
      se::Update u = std::move(*update_);
      update_.reset();
      return u;
    }
    if (state_ == ServerState::Closed) return se::Closed{};
    if (start_tls_pending_) return se::StartTls{};
    if (!started_) return se::NeedData{};

    // Only CRLF ends a command line (RFC 1939 §3); the line limit is RFC 2449 §4's.
    const std::size_t limit = cfg_.max_line;
    const char* base = in_.data() + in_pos_;
    const std::size_t avail = in_.size() - in_pos_;
    const void* nl = avail ? std::memchr(base, '\n', avail) : nullptr;
    if (!nl) {
      if (avail > limit) {
        // Endless line: drop what we have (keep a trailing CR), answer when it ends.
        discarding_long_line_ = true;
        const bool cr = base[avail - 1] == '\r';
        in_pos_ = in_.size() - (cr ? 1 : 0);
      }
      if (eof_) {
        // Dropped without QUIT: nothing is deleted (RFC 1939 §6).
        enter(ServerState::Closed, "connection lost");
        continue;
      }
      return se::NeedData{};
    }
    const std::size_t len = static_cast<const char*>(nl) - base;  // without the LF
    std::string_view line(base, len);
    in_pos_ += len + 1;

    if (discarding_long_line_ || len + 1 > limit) {
      discarding_long_line_ = false;
      if (observer_) observer_->on_line_in("[line too long, discarded]", false);
      err(fmt::format("Line too long (at most {} octets with CRLF)", limit));
      continue;
    }
    if (line.empty() || line.back() != '\r') {
      observe_in(line);
      err("Bare LF received (POP3 lines end with CRLF)");
      continue;
    }
    line.remove_suffix(1);
    ServerEvent ev = process_line(line);
    if (std::holds_alternative<se::NeedData>(ev)) continue;  // replied; look for more input
    if (std::holds_alternative<se::Closed>(ev)) continue;
    return ev;
  }
}

void ServerSession::observe_in(std::string_view line) {
  if (!observer_) return;
  // The password never reaches a trace (RFC 1939 §13 names it as POP3's weak point), not
  // even inside a line refused for its framing ("PASS secret" ending in a bare LF).
  if (smtp::istarts_with(line, "PASS") && (line.size() == 4 || line[4] == ' ')) {
    observer_->on_line_in("PASS [redacted]", true);
  } else {
    observer_->on_line_in(sanitize(line, 300), false);
  }
}

ServerEvent ServerSession::process_line(std::string_view line) {
  if (std::memchr(line.data(), '\r', line.size())) {
    observe_in(line);
    err("Bare CR received (POP3 lines end with CRLF)");
    return se::NeedData{};
  }
  if (std::memchr(line.data(), '\0', line.size())) {
    observe_in(line);
    err("NUL character in command");
    return se::NeedData{};
  }
  const auto sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  const std::string_view arg = sp == line.npos ? std::string_view{} : line.substr(sp + 1);
  observe_in(line);

  const CommandSpec* cmd = nullptr;
  for (const auto& c : command_table()) {
    if (smtp::iequals(c.verb, verb)) {
      cmd = &c;
      break;
    }
  }
  if (!cmd) {
    err("Unknown command");
    return se::NeedData{};
  }
  if (!(cmd->states & (1u << static_cast<unsigned>(state_)))) {
    const auto& name = server_machine_spec().state(static_cast<int>(state_)).name;
    err(fmt::format("{} is not allowed in the {} state", cmd->verb, name));
    return se::NeedData{};
  }
  return (this->*(cmd->proceed))(arg);
}

void ServerSession::accept() {
  if (!auth_pending_) return;
  auth_pending_ = false;
  const bool apop = auth_.method == se::Auth::Apop;
  const std::string user = std::move(auth_.user);
  auth_ = {};
  const mail::Folder* inbox = store_.folder(user, "INBOX");
  if (!inbox) {
    user_.clear();
    enter(ServerState::Authorization, apop ? "APOP -ERR" : "PASS -ERR");
    err("[SYS/PERM] No maildrop for this user");
    return;
  }
  // RFC 1939 §4/§5: the maildrop is fixed at login: messages delivered later wait for the
  // next session, and message numbers never shift during this one.
  user_ = user;
  uidvalidity_ = inbox->uidvalidity;
  drop_.clear();
  drop_.reserve(inbox->messages.size());
  for (const auto& m : inbox->messages) drop_.push_back(DropEntry{m.uid, m.size(), false});
  ok(fmt::format("{}'s maildrop has {} messages ({} octets)", sanitize(user_), live_count(),
                 live_octets()));
  enter(ServerState::Transaction, apop ? "APOP +OK" : "PASS +OK");
}

void ServerSession::reject(std::optional<std::string> text) {
  if (!auth_pending_) return;
  auth_pending_ = false;
  const bool apop = auth_.method == se::Auth::Apop;
  auth_ = {};
  user_.clear();
  enter(ServerState::Authorization, apop ? "APOP -ERR" : "PASS -ERR");
  // RFC 3206 §4: [AUTH] says the credentials were wrong (not a temporary problem).
  err(text ? sanitize(*text, 200) : std::string("[AUTH] Authentication failed"));
}

std::size_t ServerSession::live_count() const {
  std::size_t n = 0;
  for (const auto& e : drop_) n += e.deleted ? 0 : 1;
  return n;
}

std::size_t ServerSession::live_octets() const {
  std::size_t n = 0;
  for (const auto& e : drop_) n += e.deleted ? 0 : e.size;
  return n;
}

}  // namespace smtpsim::pop3
