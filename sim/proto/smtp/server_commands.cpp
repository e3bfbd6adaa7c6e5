// The server's command table and its handlers (check + proceed), RFC 5321 §4.1 and the
// extensions. Each handler either replies and returns NeedData (go on reading), or returns
// a decision event for the owner.
#include <fmt/format.h>

#include <algorithm>

#include "sim/proto/smtp/server_session.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

namespace se = server_event;
using C = ServerSession::CommandSpec;

namespace {
// clang-format off
const C kCommands[] = {
  {"HELO", C::kNeedsArgument | C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_helo, "HELO hostname"},
  {"EHLO", C::kNeedsArgument | C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_ehlo, "EHLO hostname"},
  {"MAIL", C::kNeedsArgument | C::kNeedsHelo | C::kPipelinable, &ServerSession::check_mail, &ServerSession::cmd_mail, "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]"},
  {"RCPT", C::kNeedsArgument | C::kNeedsHelo | C::kPipelinable, &ServerSession::check_rcpt, &ServerSession::cmd_rcpt, "RCPT TO:<address>"},
  {"DATA", C::kNoArgument | C::kNeedsHelo, &ServerSession::check_data, &ServerSession::cmd_data, "DATA"},
  {"RSET", C::kNoArgument | C::kAllowedBeforeTls | C::kPipelinable, nullptr, &ServerSession::cmd_rset, "RSET"},
  {"NOOP", C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_noop, "NOOP"},
  {"VRFY", C::kNeedsArgument, nullptr, &ServerSession::cmd_vrfy, "VRFY user"},
  {"EXPN", C::kNeedsArgument, nullptr, &ServerSession::cmd_expn, "EXPN list"},
  {"HELP", C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_help, "HELP [command]"},
  {"QUIT", C::kNoArgument | C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_quit, "QUIT"},
  {"STARTTLS", C::kNoArgument | C::kNeedsHelo | C::kAllowedBeforeTls, nullptr, &ServerSession::cmd_starttls, "STARTTLS"},
  {"AUTH", C::kNeedsArgument | C::kNeedsHelo, nullptr, &ServerSession::cmd_auth, "AUTH mechanism [initial-response]"},
};
// clang-format on
}  // namespace

std::span<const C> ServerSession::command_table() {
  return kCommands;
}

ServerEvent ServerSession::greet_reply(std::string_view arg, bool extended) {
  // RFC 5321 §4.1.1.1: the argument is a domain or an address literal. Like Postfix we take
  // any printable token (learners type "helo me"), but not spaces, controls or 8-bit bytes.
  for (char c : arg) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) {
      error_reply(
          Reply{501, "5.5.4", fmt::format("Syntax: {} hostname", extended ? "EHLO" : "HELO")});
      return se::NeedData{};
    }
  }
  tx_.rollback();  // RFC 5321 §4.1.4: HELO/EHLO resets the state like RSET
  helo_ = std::string(arg);
  extended_ = extended;
  // Echo at most a domain's worth (255, RFC 5321 §4.5.3.1.2) so the reply line stays within
  // the 512-octet limit of §4.5.3.1.5 whatever the client sent (found by fuzz_smtp_server).
  // The keyword lines depend only on the configuration and on TLS: rendered once each.
  std::string& kw = ehlo_keywords_[cfg_.tls_active ? 1 : 0];
  if (extended && kw.empty()) {
    std::vector<std::string> lines;
    if (cfg_.pipelining) lines.emplace_back("PIPELINING");
    if (cfg_.size_extension) lines.emplace_back(fmt::format("SIZE {}", cfg_.max_message_size));
    if (cfg_.starttls_available && !cfg_.tls_active) lines.emplace_back("STARTTLS");
    if (cfg_.auth_enabled) {
      std::string mechs;
      for (auto m : {SaslMechanism::Plain, SaslMechanism::Login, SaslMechanism::CramMd5}) {
        if (mechanism_allowed_now(m)) mechs += fmt::format(" {}", mechanism_name(m));
      }
      if (!mechs.empty()) lines.push_back("AUTH" + mechs);
    }
    if (cfg_.enhanced_status_codes) lines.emplace_back("ENHANCEDSTATUSCODES");
    if (cfg_.eightbitmime) lines.emplace_back("8BITMIME");
    for (std::size_t i = 0; i < lines.size(); ++i) {
      kw += i + 1 < lines.size() ? "250-" : "250 ";
      kw += lines[i];
      kw += "\r\n";
    }
  }
  const std::size_t before = out_.size();
  out_ += (extended && !kw.empty()) ? "250-" : "250 ";
  out_ += cfg_.hostname;
  out_ += " Hello ";
  out_ += sanitize(helo_, kMaxDomain);
  if (!cfg_.client_address.empty()) {
    out_ += " [";
    out_ += cfg_.client_address;
    out_ += ']';
  }
  out_ += "\r\n";
  if (extended) out_ += kw;
  if (observer_) {
    std::string_view rendered(out_.data() + before, out_.size() - before);
    while (!rendered.empty()) {
      const auto eol = rendered.find("\r\n");
      observer_->on_line_out(rendered.substr(0, eol), false);
      rendered.remove_prefix(eol + 2);
    }
  }
  enter(ServerState::Ready, extended ? "EHLO 250" : "HELO 250");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_helo(std::string_view arg) {
  return greet_reply(arg, false);
}
ServerEvent ServerSession::cmd_ehlo(std::string_view arg) {
  return greet_reply(arg, true);
}

std::optional<Reply> ServerSession::check_mail() const {
  if (state_ == ServerState::Mail || state_ == ServerState::Rcpt) {
    return Reply{503, "5.5.1", "Error: nested MAIL command"};
  }
  if (cfg_.auth_required && !authenticated()) {
    return Reply{530, "5.7.0", "Authentication required"};
  }
  return std::nullopt;
}

ServerEvent ServerSession::cmd_mail(std::string_view arg) {
  auto parsed = parse_mail_from(arg, cfg_.size_extension ? cfg_.max_message_size : 0,
                                cfg_.eightbitmime, cfg_.size_extension);
  if (auto* r = std::get_if<Reply>(&parsed)) {
    error_reply(*r);
    return se::NeedData{};
  }
  auto& m = std::get<MailCommand>(parsed);
  return ask(Pending::MailFrom, se::MailFrom{std::move(m.sender), m.params});
}

std::optional<Reply> ServerSession::check_rcpt() const {
  if (state_ != ServerState::Mail && state_ != ServerState::Rcpt) {
    return Reply{503, "5.5.1", "Error: need MAIL command"};
  }
  return std::nullopt;
}

ServerEvent ServerSession::cmd_rcpt(std::string_view arg) {
  auto parsed = parse_rcpt_to(arg);
  if (auto* r = std::get_if<Reply>(&parsed)) {
    error_reply(*r);
    return se::NeedData{};
  }
  if (tx_.recipients.size() >= cfg_.max_recipients) {
    // RFC 5321 §4.5.3.1.10: a transient reply, the client sends the rest in a new
    // transaction. Not counted as an error: the client behaves legally.
    reply(Reply{452, "4.5.3", "Error: too many recipients"});
    return se::NeedData{};
  }
  return ask(Pending::RcptTo, se::RcptTo{std::move(std::get<RcptCommand>(parsed).recipient)});
}

std::optional<Reply> ServerSession::check_data() const {
  if (state_ == ServerState::Mail) return Reply{554, "5.5.1", "Error: no valid recipients"};
  if (state_ != ServerState::Rcpt) return Reply{503, "5.5.1", "Error: need RCPT command"};
  return std::nullopt;
}

ServerEvent ServerSession::cmd_data(std::string_view) {
  reset_data_flags();
  tx_.content.clear();
  // Room for the declared size (RFC 1870), capped so a false SIZE cannot make us reserve much.
  tx_.content.reserve(std::min<std::uint64_t>(tx_.params.size.value_or(4096) + 64, 65536));
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  enter(ServerState::Data, "DATA 354");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_rset(std::string_view) {
  tx_.rollback();
  reply(250, "2.0.0", "Ok");
  if (state_ != ServerState::Greeted) enter(ServerState::Ready, "RSET");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_noop(std::string_view) {
  reply(250, "2.0.0", "Ok");
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_vrfy(std::string_view arg) {
  return ask(Pending::Vrfy, se::Vrfy{std::string(arg)});
}

ServerEvent ServerSession::cmd_expn(std::string_view) {
  // Mailing-list expansion leaks addresses to harvesters; RFC 5321 §7.3 allows refusing it.
  error_reply(Reply{502, "5.5.1", "EXPN not available"});
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_help(std::string_view arg) {
  Reply r{214, "2.0.0", std::vector<std::string>{}};
  if (!arg.empty()) {
    for (const auto& c : command_table()) {
      if (iequals(c.verb, arg)) {
        r.lines.push_back(fmt::format("Syntax: {}", c.syntax));
        reply(r);
        return se::NeedData{};
      }
    }
    r.lines.push_back(fmt::format("No help for {}", sanitize(arg, 16)));
    reply(r);
    return se::NeedData{};
  }
  std::string verbs;
  for (const auto& c : command_table()) verbs += fmt::format(" {}", c.verb);
  r.lines.push_back("Commands:" + verbs);
  r.lines.emplace_back("See RFC 5321; HELP <command> for its syntax");
  reply(r);
  return se::NeedData{};
}

ServerEvent ServerSession::cmd_quit(std::string_view) {
  close_with(Reply{221, "2.0.0", fmt::format("{} closing connection", cfg_.hostname)}, "QUIT 221");
  return se::Closed{};
}

ServerEvent ServerSession::cmd_starttls(std::string_view) {
  if (!cfg_.starttls_available) {
    error_reply(Reply{502, "5.5.1", "Error: command not implemented"});
    return se::NeedData{};
  }
  if (cfg_.tls_active) {
    error_reply(Reply{554, "5.5.1", "Error: TLS already active"});
    return se::NeedData{};
  }
  if (state_ == ServerState::Mail || state_ == ServerState::Rcpt) {
    error_reply(Reply{503, "5.5.1", "Error: MAIL transaction in progress"});
    return se::NeedData{};
  }
  reply(220, "2.0.0", "Ready to start TLS");
  // RFC 3207 §4.2 and CVE-2011-0411: whatever the client sent after STARTTLS in plaintext
  // must not be executed inside TLS. Forget it, and forget everything learnt so far.
  in_.clear();
  in_pos_ = 0;
  helo_.clear();
  extended_ = false;
  auth_user_.clear();
  tx_.rollback();
  start_tls_pending_ = true;
  enter(ServerState::Greeted, "STARTTLS 220");
  return se::StartTls{};
}

bool ServerSession::mechanism_allowed_now(SaslMechanism m) const {
  if (m == SaslMechanism::CramMd5) return true;
  return cfg_.tls_active || !cfg_.plaintext_auth_needs_tls;
}

ServerEvent ServerSession::cmd_auth(std::string_view arg) {
  if (!cfg_.auth_enabled || !extended_) {
    error_reply(Reply{503, "5.5.1",
                      cfg_.auth_enabled ? "Error: send EHLO first (AUTH is an ESMTP extension)"
                                        : "Error: authentication not enabled"});
    return se::NeedData{};
  }
  if (authenticated()) {
    error_reply(Reply{503, "5.5.1", "Error: already authenticated"});
    return se::NeedData{};
  }
  if (state_ == ServerState::Mail || state_ == ServerState::Rcpt) {
    error_reply(Reply{503, "5.5.1", "Error: MAIL transaction in progress"});
    return se::NeedData{};
  }
  const auto sp = arg.find(' ');
  const std::string_view mech_name = arg.substr(0, sp);
  const std::optional<std::string_view> initial =
      sp == arg.npos ? std::nullopt : std::optional<std::string_view>(arg.substr(sp + 1));
  const auto mech = mechanism_from_name(mech_name);
  if (!mech) {
    error_reply(Reply{504, "5.5.4", "Unrecognized authentication type"});
    return se::NeedData{};
  }
  if (!mechanism_allowed_now(*mech)) {
    error_reply(Reply{538, "5.7.11", "Encryption required for requested authentication mechanism"});
    return se::NeedData{};
  }
  auth_ = {};
  auth_.mechanism = *mech;
  enter(ServerState::Auth, "AUTH");
  if (*mech == SaslMechanism::CramMd5) {
    if (initial) {
      enter(ServerState::Ready, "AUTH failed");
      error_reply(Reply{501, "5.5.4", "CRAM-MD5 takes no initial response"});
      return se::NeedData{};
    }
    auth_.challenge = fmt::format("<{}@{}>", cfg_.cram_md5_nonce, cfg_.hostname);
    auth_step_ = AuthStep::CramResponse;
    reply(334, "", base64_encode(auth_.challenge));
    return se::NeedData{};
  }
  if (*mech == SaslMechanism::Plain) {
    auth_step_ = AuthStep::PlainResponse;
    if (!initial) {
      reply(334, "", "");  // RFC 4954 §4: empty challenge
      return se::NeedData{};
    }
    return process_auth_line(*initial == "=" ? std::string_view{} : *initial);
  }
  auth_step_ = AuthStep::LoginUser;
  if (!initial) {
    reply(334, "", base64_encode("Username:"));
    return se::NeedData{};
  }
  return process_auth_line(*initial == "=" ? std::string_view{} : *initial);
}

ServerEvent ServerSession::process_auth_line(std::string_view line) {
  auto fail = [this](Reply r) -> ServerEvent {
    auth_step_ = AuthStep::None;
    auth_ = {};
    enter(ServerState::Ready, "AUTH failed");
    error_reply(r);
    return se::NeedData{};
  };
  if (line == "*") return fail(Reply{501, "5.0.0", "Authentication aborted"});  // RFC 4954 §4
  auto decoded = base64_decode(line);
  if (!decoded) return fail(Reply{501, "5.5.2", "Cannot decode response"});
  switch (auth_step_) {
    case AuthStep::PlainResponse: {
      auto creds = parse_plain(*decoded);
      if (!creds) return fail(Reply{501, "5.5.2", "Invalid PLAIN response"});
      auth_.authzid = std::move(creds->authzid);
      auth_.user = std::move(creds->authcid);
      auth_.password = std::move(creds->password);
      return auth_credentials_ready();
    }
    case AuthStep::LoginUser:
      if (decoded->empty()) return fail(Reply{501, "5.5.2", "Empty user name"});
      auth_.user = std::move(*decoded);
      auth_step_ = AuthStep::LoginPassword;
      reply(334, "", base64_encode("Password:"));
      return se::NeedData{};
    case AuthStep::LoginPassword:
      auth_.password = std::move(*decoded);
      return auth_credentials_ready();
    case AuthStep::CramResponse: {
      const auto sp = decoded->rfind(' ');
      if (sp == std::string::npos || sp == 0 || decoded->size() - sp - 1 != 32) {
        return fail(Reply{501, "5.5.2", "Invalid CRAM-MD5 response"});
      }
      auth_.user = decoded->substr(0, sp);
      auth_.digest = decoded->substr(sp + 1);
      return auth_credentials_ready();
    }
    case AuthStep::None:
      break;
  }
  return fail(Reply{503, "5.5.1", "Error: no AUTH exchange in progress"});
}

ServerEvent ServerSession::auth_credentials_ready() {
  auth_step_ = AuthStep::None;
  return ask(Pending::Auth, auth_);
}

}  // namespace smtpsim::smtp
