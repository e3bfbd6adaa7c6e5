// The SMTP server machine: input framing (command lines, DATA, AUTH lines), decisions asked
// of the owner, replies, and the one state-change function. Command handlers live in
// server_commands.cpp, the tables in server_tables.cpp.
#include "sim/proto/smtp/server_session.hpp"
#include "sim/proto/smtp/input_buffer.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

namespace se = server_event;

namespace {
constexpr std::size_t kMaxCommandLine = 512;  // RFC 5321 §4.5.3.1.4, CRLF included
constexpr std::size_t kMaxAuthLine = 12288;   // RFC 4954 §4
constexpr std::size_t kMaxTextLine = 1000;    // RFC 5321 §4.5.3.1.6, CRLF included
}  // namespace

bool se::Auth::password_matches(std::string_view secret) const {
  if (mechanism == SaslMechanism::CramMd5) {
    return !digest.empty() && hmac_md5_hex(secret, challenge) == to_lower(digest);
  }
  return password == secret;
}

ServerSession::ServerSession(ServerConfig config) : cfg_(std::move(config)) {
  out_.reserve(256);
}

std::string_view ServerSession::state_caption() const {
  return server_machine_spec().state(static_cast<int>(state_)).caption;
}

void ServerSession::enter(ServerState to, std::string_view trigger) {
  if (to == state_) return;
  const auto& spec = server_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("SMTP server: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ServerSession::reply(const Reply& r) {
  const std::size_t before = out_.size();
  if (!cfg_.enhanced_status_codes && !r.enhanced.empty()) {
    Reply plain = r;
    plain.enhanced.clear();
    plain.render_to(out_);
  } else {
    r.render_to(out_);
  }
  if (observer_) {
    std::string_view rendered(out_.data() + before, out_.size() - before);
    while (!rendered.empty()) {
      const auto eol = rendered.find("\r\n");
      observer_->on_line_out(rendered.substr(0, eol), false);
      rendered.remove_prefix(eol + 2);
    }
  }
}

void ServerSession::reply(int code, std::string_view enhanced, std::string_view text) {
  // The common one-line reply, rendered straight into the output (no Reply temporary).
  const std::size_t before = out_.size();
  const char head[4] = {char('0' + code / 100 % 10), char('0' + code / 10 % 10),
                        char('0' + code % 10), ' '};
  out_.append(head, 4);
  if (cfg_.enhanced_status_codes && !enhanced.empty()) {
    out_.append(enhanced);
    out_.push_back(' ');
  }
  const std::size_t at = out_.size();
  out_.append(text);
  if (std::memchr(text.data(), '\r', text.size()) || std::memchr(text.data(), '\n', text.size())) {
    for (std::size_t i = at; i < out_.size(); ++i)
      if (out_[i] == '\r' || out_[i] == '\n') out_[i] = ' ';
  }
  out_.append("\r\n");
  if (observer_) {
    observer_->on_line_out(std::string_view(out_.data() + before, out_.size() - before - 2), false);
  }
}

void ServerSession::error_reply(const Reply& r) {
  reply(r);
  if (++errors_ >= cfg_.max_errors && state_ != ServerState::Closed) {
    close_with(Reply{421, "4.7.0", fmt::format("{} Error: too many errors", cfg_.hostname)},
               "421 too many errors");
  }
}

void ServerSession::close_with(const Reply& r, std::string_view trigger) {
  reply(r);
  tx_.rollback();
  pending_ = Pending::None;
  enter(ServerState::Closed, trigger);
}

void ServerSession::start() {
  if (state_ != ServerState::Connect) return;
  reply(Reply{220, "", fmt::format("{} {}", cfg_.hostname, cfg_.greeting)});
  enter(ServerState::Greeted, "220 greeting");
}

void ServerSession::refuse(Reply r) {
  if (state_ != ServerState::Connect) return;
  close_with(r, "421 refused");
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Closed) return;
  // Talking before the greeting (a spambot tell): the greeting has not been sent or not
  // yet taken by the driver when the client's first bytes arrive.
  if (cfg_.enforce_sync && !greeting_taken_ && !bytes.empty()) spoke_early_ = true;
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
  close_with(Reply{421, "4.4.2", fmt::format("{} Error: timeout exceeded", cfg_.hostname)},
             "421 timeout");
}

void ServerSession::too_slow() {
  if (state_ == ServerState::Closed) return;
  // Postfix answers its per-request deadline the same way: 421 4.4.2, then the close.
  close_with(Reply{421, "4.4.2",
                   fmt::format("{} Error: timeout exceeded (minimum data rate {} bytes/s)",
                               cfg_.hostname, cfg_.min_data_rate)},
             "421 timeout");
}

void ServerSession::shutdown(Reply r) {
  if (state_ == ServerState::Closed) return;
  close_with(r, "421 shutdown");
}

std::string ServerSession::take_output() {
  if (state_ != ServerState::Connect) greeting_taken_ = true;
  std::string out;
  out.swap(out_);
  out_.reserve(256);  // keep appends from growing the buffer 15, 30, 60, ...
  return out;
}

ServerEvent ServerSession::ask(Pending p, ServerEvent ev) {
  pending_ = p;
  pending_event_ = ev;
  return ev;
}

ServerEvent ServerSession::next_event() {
  while (true) {
    if (pending_ != Pending::None) return pending_event_;
    if (state_ == ServerState::Closed) {
      closed_reported_ = true;
      return se::Closed{};
    }
    if (start_tls_pending_) return se::StartTls{};
    if (state_ == ServerState::Connect) return se::NeedData{};

    if (state_ == ServerState::Data) {
      ServerEvent ev = process_data();
      if (std::holds_alternative<se::NeedData>(ev)) {
        // The message was refused at the final "." (finish_data replied and left DATA,
        // perhaps closing on too many errors): go on with what the client pipelined after it.
        if (state_ != ServerState::Data) continue;
        if (eof_) {
          // Connection lost mid-message: nothing was acknowledged, so nothing is kept.
          tx_.rollback();
          enter(ServerState::Closed, "connection lost");
          continue;
        }
        return ev;
      }
      if (std::holds_alternative<se::Closed>(ev)) continue;
      return ev;
    }

    // Command or AUTH line framing: only CRLF ends a line (RFC 5321 §2.3.8).
    const std::size_t limit = state_ == ServerState::Auth ? kMaxAuthLine : kMaxCommandLine;
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
        tx_.rollback();
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
      if (state_ == ServerState::Auth) {
        auth_step_ = AuthStep::None;
        enter(ServerState::Ready, "AUTH failed");
      }
      error_reply(Reply{500, "5.5.2", "Line too long"});
      continue;
    }
    if (line.empty() || line.back() != '\r') {
      if (observer_) observer_->on_line_in(line, false);
      error_reply(Reply{500, "5.5.2", "Error: bare <LF> received (SMTP lines end with CRLF)"});
      continue;
    }
    line.remove_suffix(1);
    if (state_ == ServerState::Auth && observer_) observer_->on_line_in("[redacted]", true);
    ServerEvent ev = state_ == ServerState::Auth ? process_auth_line(line) : process_line(line);
    if (std::holds_alternative<se::NeedData>(ev)) continue;  // replied; look for more input
    if (std::holds_alternative<se::Closed>(ev)) continue;
    return ev;
  }
}

ServerEvent ServerSession::process_line(std::string_view line) {
  if (line.find('\r') != line.npos) {
    if (observer_) observer_->on_line_in(line, false);
    error_reply(Reply{500, "5.5.2", "Error: bare <CR> received (SMTP lines end with CRLF)"});
    return se::NeedData{};
  }
  if (line.find('\0') != line.npos) {
    if (observer_) observer_->on_line_in(line, false);
    error_reply(Reply{500, "5.5.2", "Error: NUL character in command"});
    return se::NeedData{};
  }
  // Trailing spaces are tolerated (many clients send them); the verb ends at the first SP.
  while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
  const auto sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  std::string_view arg = sp == line.npos ? std::string_view{} : line.substr(sp + 1);

  if (observer_) {
    const bool sensitive = iequals(verb, "AUTH") && arg.find(' ') != arg.npos;
    if (sensitive) {
      const std::string shown = fmt::format("{} {} [redacted]", verb, arg.substr(0, arg.find(' ')));
      observer_->on_line_in(shown, true);
    } else {
      observer_->on_line_in(line, false);
    }
  }

  if (spoke_early_) {
    spoke_early_ = false;
    close_with(
        Reply{554, "5.5.0", "Error: SMTP protocol synchronization (talked before the greeting)"},
        "554 protocol synchronization");
    return se::Closed{};
  }

  // Browsers and proxies that hit port 25 (cross-protocol attacks): say goodbye.
  static constexpr std::string_view kHttp[] = {"GET",     "POST",    "HEAD",  "PUT",
                                               "CONNECT", "OPTIONS", "DELETE"};
  for (auto h : kHttp) {
    if (iequals(verb, h)) {
      close_with(Reply{221, "2.7.0", "Error: this is an SMTP server, not a web proxy. Goodbye"},
                 "221 not SMTP");
      return se::Closed{};
    }
  }

  const CommandSpec* cmd = nullptr;
  for (const auto& c : command_table()) {
    if (iequals(c.verb, verb)) {
      cmd = &c;
      break;
    }
  }
  if (!cmd) {
    static constexpr std::string_view kObsolete[] = {"SEND", "SOML", "SAML", "TURN",
                                                     "ETRN", "ATRN", "BDAT", "VERB"};
    for (auto o : kObsolete) {
      if (iequals(verb, o)) {
        error_reply(Reply{502, "5.5.1", fmt::format("Error: command not implemented: {}", o)});
        return se::NeedData{};
      }
    }
    error_reply(Reply{500, "5.5.2", "Error: command not recognized"});
    return se::NeedData{};
  }

  // RFC 2920 §3.1: only RSET, MAIL and RCPT may be followed by more commands before the
  // reply, and only when PIPELINING was offered (EHLO). Postfix drops violators (554 5.5.0);
  // so do we, which also ends "HELO\r\nMAIL...\r\n" style spam cannons.
  const bool group_may_continue =
      (cmd->flags & CommandSpec::kPipelinable) && extended_ && cfg_.pipelining;
  if (cfg_.enforce_sync && !group_may_continue && in_pos_ < in_.size() &&
      !iequals(cmd->verb, "QUIT") && !iequals(cmd->verb, "STARTTLS")) {
    close_with(Reply{554, "5.5.0", "Error: SMTP protocol synchronization"},
               "554 protocol synchronization");
    return se::Closed{};
  }

  if ((cmd->flags & CommandSpec::kNeedsHelo) && helo_.empty()) {
    error_reply(Reply{503, "5.5.1", "Error: send HELO/EHLO first"});
    return se::NeedData{};
  }
  if ((cmd->flags & CommandSpec::kNeedsArgument) && arg.empty()) {
    error_reply(Reply{501, "5.5.4", fmt::format("Syntax: {}", cmd->syntax)});
    return se::NeedData{};
  }
  if ((cmd->flags & CommandSpec::kNoArgument) && !arg.empty()) {
    error_reply(Reply{501, "5.5.4", fmt::format("Syntax: {}", cmd->syntax)});
    return se::NeedData{};
  }
  if (cfg_.tls_required && !cfg_.tls_active && !(cmd->flags & CommandSpec::kAllowedBeforeTls)) {
    error_reply(Reply{530, "5.7.0", "Must issue a STARTTLS command first"});
    return se::NeedData{};
  }
  if (cmd->check) {
    if (auto err = (this->*(cmd->check))()) {
      error_reply(*err);
      return se::NeedData{};
    }
  }
  return (this->*(cmd->proceed))(arg);
}

void ServerSession::reset_data_flags() {
  data_at_line_start_ = true;
  data_prev_crlf_ = true;  // the CRLF that ended "DATA" starts the first line
  data_line_len_ = 0;
  data_too_big_ = data_line_too_long_ = false;
  data_bare_lf_ = data_bare_cr_ = data_nul_ = false;
}

// Message text (RFC 5321 §4.1.1.4, §4.5.2). The end is <CRLF>.<CRLF> and nothing else: a
// "." line only counts when the previous line ended in a real CRLF and the dot line does too.
// Bare LF lines are normalised to CRLF or flagged for rejection; either way exactly one
// message results, whatever the client smuggles inside it.
ServerEvent ServerSession::process_data() {
  const std::uint64_t max = cfg_.max_message_size;
  while (true) {
    const char* base = in_.data() + in_pos_;
    const std::size_t avail = in_.size() - in_pos_;
    const void* nl = avail ? std::memchr(base, '\n', avail) : nullptr;
    if (!nl) {
      // Partial line. If it is already too long to be the end marker or a legal line, move
      // it into the message now (keeping a trailing CR that may pair with the next LF), so
      // an endless line never grows our buffer.
      if (avail > kMaxTextLine + 1) {
        const std::size_t take = avail - (base[avail - 1] == '\r' ? 1 : 0);
        std::string_view part(base, take);
        data_line_too_long_ = true;
        if (part.find('\r') != part.npos) data_bare_cr_ = true;
        if (part.find('\0') != part.npos) data_nul_ = true;
        // RFC 5321 §4.5.3.1.6: this line is too long, so the message will be refused at its
        // end; keep none of it, so an endless line cannot grow the buffer even when there
        // is no size limit (max_message_size = 0).
        tx_.content.clear();
        data_line_len_ += take;
        data_at_line_start_ = false;
        in_pos_ += take;
      }
      return se::NeedData{};
    }
    const std::size_t raw_len = static_cast<const char*>(nl) - base + 1;  // with the LF
    const bool crlf = raw_len >= 2 && base[raw_len - 2] == '\r';
    std::string_view content(base, raw_len - (crlf ? 2 : 1));
    // A CR kept from a flushed partial line pairs with this LF.
    const bool line_start = data_at_line_start_ && data_prev_crlf_;
    in_pos_ += raw_len;

    if (line_start && crlf && content.size() == 1 && content[0] == '.') {
      if (observer_) observer_->on_line_in(".", false);
      return finish_data();
    }
    if (observer_) observer_->on_line_in(content, false);
    // RFC 5321 §4.5.3.1.6: 1000 octets with the CRLF, "not counting the leading dot
    // duplicated for transparency" -- a legal 1000-octet line starting with "." is 1001 on
    // the wire.
    const bool stuffed = line_start && !content.empty() && content.front() == '.';
    if (data_line_len_ + raw_len + (crlf ? 0 : 1) - (stuffed ? 1 : 0) > kMaxTextLine) {
      data_line_too_long_ = true;
    }
    if (!crlf) data_bare_lf_ = true;
    if (std::memchr(content.data(), '\r', content.size())) data_bare_cr_ = true;
    if (std::memchr(content.data(), '\0', content.size())) data_nul_ = true;
    if (stuffed) content.remove_prefix(1);
    if (data_line_too_long_) {
      tx_.content.clear();  // refused at the end anyway (see above): keep nothing
    } else if (!data_too_big_ && (max == 0 || tx_.content.size() + content.size() + 2 <= max)) {
      if (crlf) {
        tx_.content.append(content.data(), content.size() + 2);  // the CRLF follows it in in_
      } else {
        tx_.content.append(content);
        tx_.content.append("\r\n");
      }
    } else {
      data_too_big_ = true;
    }
    data_at_line_start_ = true;
    data_prev_crlf_ = crlf;
    data_line_len_ = 0;
  }
}

ServerEvent ServerSession::finish_data() {
  std::optional<Reply> refusal;
  if (data_too_big_) {
    refusal = Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
  } else if (cfg_.bare_line_ends == BareLineEnds::Reject && data_bare_lf_) {
    refusal = Reply{550, "5.5.2", "Error: bare <LF> received"};
  } else if (cfg_.bare_line_ends == BareLineEnds::Reject && data_bare_cr_) {
    refusal = Reply{550, "5.5.2", "Error: bare <CR> received"};
  } else if (cfg_.bare_line_ends == BareLineEnds::Reject && data_nul_) {
    refusal = Reply{550, "5.5.2", "Error: NUL character received"};
  } else if (data_line_too_long_) {
    refusal = Reply{500, "5.5.2", "Line too long (message text lines are limited to 1000 octets)"};
  }
  if (refusal) {
    tx_.rollback();
    enter(ServerState::Ready, "end of data");
    error_reply(*refusal);
    return se::NeedData{};
  }
  return ask(Pending::Message, se::Message{});
}

void ServerSession::accept(std::optional<Reply> r) {
  const Pending p = pending_;
  pending_ = Pending::None;
  switch (p) {
    case Pending::None:
      return;
    case Pending::MailFrom: {
      auto& ev = std::get<se::MailFrom>(pending_event_);
      const bool ok = reply_is_positive_or_default(r);
      r ? reply(*r) : reply(250, "2.1.0", "Ok");
      if (ok) {
        tx_.rollback();
        tx_.sender = std::move(ev.sender);
        tx_.params = ev.params;
        enter(ServerState::Mail, "MAIL 250");
      }
      return;
    }
    case Pending::RcptTo: {
      auto& ev = std::get<se::RcptTo>(pending_event_);
      const bool ok = reply_is_positive_or_default(r);
      r ? reply(*r) : reply(250, "2.1.5", "Ok");
      if (ok) {
        tx_.recipients.push_back(std::move(ev.recipient));
        enter(ServerState::Rcpt, "RCPT 250");
      }
      return;
    }
    case Pending::Auth: {
      auth_user_ = std::get<se::Auth>(pending_event_).user;
      auth_ = {};
      r ? reply(*r) : reply(235, "2.7.0", "Authentication successful");
      enter(ServerState::Ready, "235 authenticated");
      return;
    }
    case Pending::Vrfy:
      reply(r ? *r
              : Reply{252, "2.0.0",
                      "Cannot VRFY user, but will accept message and attempt delivery"});
      return;
    case Pending::Message: {
      ++messages_accepted_;
      r ? reply(*r) : reply(250, "2.0.0", "Ok: queued");
      tx_.rollback();
      enter(ServerState::Ready, "end of data");
      return;
    }
  }
}

bool ServerSession::reply_is_positive_or_default(const std::optional<Reply>& r) {
  return !r || r->klass() == 2;
}

void ServerSession::reject(std::optional<Reply> r) {
  const Pending p = pending_;
  pending_ = Pending::None;
  switch (p) {
    case Pending::None:
      return;
    case Pending::MailFrom:
      error_reply(r ? *r : Reply{550, "5.7.1", "Sender address rejected: access denied"});
      return;
    case Pending::RcptTo:
      error_reply(r ? *r : Reply{550, "5.1.1", "Recipient address rejected: User unknown"});
      return;
    case Pending::Auth:
      auth_ = {};
      enter(ServerState::Ready, "AUTH failed");
      error_reply(r ? *r : Reply{535, "5.7.8", "Authentication credentials invalid"});
      return;
    case Pending::Vrfy:
      error_reply(r ? *r : Reply{550, "5.1.1", "User unknown"});
      return;
    case Pending::Message:
      tx_.rollback();
      enter(ServerState::Ready, "end of data");
      error_reply(r ? *r : Reply{554, "5.7.1", "Message rejected"});
      return;
  }
}

}  // namespace smtpsim::smtp
