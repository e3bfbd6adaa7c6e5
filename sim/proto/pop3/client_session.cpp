// The POP3 client machine: response framing (status lines, multi-line responses with
// dot-stuffing), the check-mail flow and the one state-change function. The server's bytes
// are untrusted (see the header): every limit here fails the session rather than growing.
#include "sim/proto/pop3/client_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "sim/proto/pop3/server_session.hpp"  // apop_digest
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::pop3 {

namespace ce = client_event;
using smtp::sanitize;

namespace {
bool has_line_breaks(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos;
}

// Decimal digits only, bounded (a count or a message number from the server).
std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

// RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E.
bool valid_unique_id(std::string_view s) {
  if (s.empty() || s.size() > 70) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}
}  // namespace

ClientSession::ClientSession(ClientConfig config) : cfg_(std::move(config)) {
  if (cfg_.user.empty() || has_line_breaks(cfg_.user) || has_line_breaks(cfg_.password)) {
    throw std::invalid_argument("POP3 client: user/password empty or containing CR, LF or NUL");
  }
  if (cfg_.use_apop && cfg_.user.find(' ') != std::string::npos) {
    throw std::invalid_argument("POP3 client: APOP user names cannot contain spaces");
  }
  tls_active_ = cfg_.tls == TlsMode::Implicit;
}

std::string_view ClientSession::state_caption() const {
  return client_machine_spec().state(static_cast<int>(state_)).caption;
}

void ClientSession::enter(ClientState to, std::string_view trigger) {
  if (to == state_) return;
  const auto& spec = client_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("POP3 client: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ClientSession::send(std::string_view line, bool sensitive, std::string_view shown) {
  out_.append(line);
  out_.append("\r\n");
  // Whatever the server sent before this command cannot be its answer.
  fence_ = received_;
  if (observer_) observer_->on_line_out(sensitive ? shown : line, sensitive);
}

std::string_view ClientSession::stage() const {
  switch (state_) {
    case ClientState::Greeting:
      return "greeting";
    case ClientState::Capa:
      return "capa";
    case ClientState::Stls:
    case ClientState::TlsHandshake:
      return "stls";
    case ClientState::User:
    case ClientState::Pass:
    case ClientState::Apop:
      return "auth";
    case ClientState::Stat:
      return "stat";
    case ClientState::Uidl:
      return "uidl";
    case ClientState::List:
      return "list";
    case ClientState::Retr:
      return "retr";
    case ClientState::Dele:
      return "dele";
    case ClientState::Quit:
      return "quit";
    case ClientState::Closed:
      break;
  }
  return "connection";
}

void ClientSession::fail(std::string_view stage, std::string reason, bool quit) {
  if (quit_after_failure_) {  // already failed; this was the goodbye going wrong
    multiline_ = false;
    enter(ClientState::Closed, "failed");
    return;
  }
  events_.push_back(ce::Failed{std::string(stage), std::move(reason)});
  multiline_ = false;
  if (quit && state_ != ClientState::Quit) {
    // The link is still in step: say goodbye. Deletions acknowledged so far are committed
    // by it, which is right: those messages were handed to the owner already.
    quit_after_failure_ = true;
    send("QUIT");
    enter(ClientState::Quit, "failed");
  } else {
    enter(ClientState::Closed, "failed");
  }
}

void ClientSession::start() {}

void ClientSession::receive(std::string_view bytes) {
  if (state_ == ClientState::Closed) return;
  received_ += bytes.size();
  // During the handshake the bytes are TLS records, not POP3: never parse them.
  if (state_ == ClientState::TlsHandshake) {
    consumed_ += bytes.size();
    return;
  }
  if (in_pos_ > 0 && in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
    scan_ = 0;
  } else if (in_pos_ > 65536) {
    in_.erase(0, in_pos_);
    scan_ = scan_ > in_pos_ ? scan_ - in_pos_ : 0;
    in_pos_ = 0;
  }
  in_.append(bytes);
}

void ClientSession::receive_eof() {
  eof_ = true;
}

void ClientSession::tls_established() {
  if (state_ != ClientState::TlsHandshake) return;
  tls_active_ = true;
  // RFC 2595 §4: forget what was learned before TLS and ask again.
  capa_.clear();
  capa_ok_ = false;
  send("CAPA");
  enter(ClientState::Capa, "TLS established");
}

void ClientSession::timeout() {
  if (state_ == ClientState::Closed) return;
  fail(stage(), "timeout waiting for the server", false);
}

std::string ClientSession::take_output() {
  std::string out;
  out.swap(out_);
  return out;
}

// One line from the server. Status and listing lines: only CRLF ends them and they are
// bounded by `max`. Message lines (RETR): only CRLF ends them (a bare LF is content), and
// the whole message is bounded instead.
bool ClientSession::next_line(Line& line, std::size_t max) {
  const bool message = multiline_ && state_ == ClientState::Retr;
  const std::size_t avail = in_.size() - in_pos_;
  std::size_t from = std::max(scan_, in_pos_);
  std::size_t eol = std::string::npos;
  if (message) {
    // Resume one byte early: a CR at the end of the last scan may pair with this LF.
    if (from > in_pos_) --from;
    eol = in_.find("\r\n", from);
  } else {
    const auto nl = in_.find('\n', from);
    if (nl != std::string::npos) {
      if (nl == in_pos_ || in_[nl - 1] != '\r') {
        fail(stage(), "bare LF in a server response", false);
        return false;
      }
      eol = nl - 1;
    }
  }
  if (eol == std::string::npos) {
    scan_ = in_.size();
    if (message ? content_.size() + avail > kMaxMessage : avail > max) {
      fail(stage(), message ? "message larger than 64 MiB" : "response line too long", false);
    }
    return false;
  }
  const std::size_t len = eol - in_pos_;
  if (!message && len + 2 > max) {
    fail(stage(), "response line too long", false);
    return false;
  }
  line.text = std::string_view(in_).substr(in_pos_, len);
  line.start = consumed_;
  in_pos_ = eol + 2;
  consumed_ += len + 2;
  scan_ = in_pos_;
  return true;
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
    if (state_ == ClientState::Closed) return ce::Closed{};
    if (state_ == ClientState::TlsHandshake) {
      // Until the owner says the handshake is done; a connection that ended meanwhile (the
      // handshake failed) fails the stage once instead of asking for TLS again.
      if (!eof_) return ce::StartTls{};
      fail(stage(), "connection closed during the TLS handshake", false);
      continue;
    }

    Line line;
    if (!next_line(line, kMaxStatusLine)) {
      if (events_head_ < events_.size() || state_ == ClientState::Closed) continue;
      if (eof_) {
        if (state_ == ClientState::Quit && quit_after_failure_) {
          enter(ClientState::Closed, "failed");
        } else {
          fail(stage(), "connection closed by the server", false);
        }
        continue;
      }
      return ce::NeedData{};
    }
    if (multiline_) {
      on_data_line(line.text);
      continue;
    }
    if (line.start < fence_) {
      // Sent before our command was: it answers nothing we asked (RFC 1939 §3: one
      // response per command). Out of step; do not guess.
      if (observer_) observer_->on_line_in(sanitize(line.text, 200), false);
      fail(stage(), "unsolicited response: " + sanitize(line.text, 80), false);
      continue;
    }
    on_status(line.text);
  }
}

void ClientSession::on_status(std::string_view line) {
  if (observer_) observer_->on_line_in(sanitize(line, 1000), false);
  // RFC 1939 §3: "+OK" or "-ERR", then a space and text, or nothing.
  bool ok = false;
  std::string_view text;
  if (line.substr(0, 3) == "+OK" && (line.size() == 3 || line[3] == ' ')) {
    ok = true;
    text = line.substr(std::min<std::size_t>(4, line.size()));
  } else if (line.substr(0, 4) == "-ERR" && (line.size() == 4 || line[4] == ' ')) {
    text = line.substr(std::min<std::size_t>(5, line.size()));
  } else {
    fail(stage(), "malformed response: " + sanitize(line, 80), false);
    return;
  }
  const std::string reason = "server said: -ERR " + sanitize(text, 200);

  if (state_ == ClientState::Quit) {
    if (quit_after_failure_) {
      enter(ClientState::Closed, "QUIT reply");
    } else if (ok) {
      // Built in place: GCC 12 -O2 warns (falsely) of an uninitialised string when a variant
      // temporary of this alternative is moved into the vector.
      events_.emplace_back(std::in_place_type<ce::Done>, ce::Done{retrieved_, deleted_});
      enter(ClientState::Closed, "QUIT +OK");
    } else {
      // RFC 1939 §6: -ERR to QUIT means some deletions did not happen.
      fail("quit", reason, false);
    }
    return;
  }

  switch (state_) {
    case ClientState::Greeting: {
      if (!ok) return fail("greeting", reason, false);
      // RFC 1939 §7: the APOP timestamp is the last "<...>" in the greeting.
      const auto lt = text.rfind('<');
      const auto gt = lt == text.npos ? text.npos : text.find('>', lt);
      if (gt != text.npos && gt - lt + 1 <= 256) {
        const std::string_view ts = text.substr(lt, gt - lt + 1);
        if (ts.find(' ') == ts.npos) apop_timestamp_ = std::string(ts);
      }
      send("CAPA");
      enter(ClientState::Capa, "+OK greeting");
      return;
    }
    case ClientState::Capa:
      if (ok) {
        capa_ok_ = true;
        multiline_ = true;
      } else {
        // RFC 2449 §5: no CAPA means an RFC 1939 server; assume the minimum.
        capa_ok_ = false;
        after_capa("CAPA done");
      }
      return;
    case ClientState::Stls:
      if (ok) {
        // Bytes the server sent along with its +OK were not protected by TLS: drop them
        // (the client side of the RFC 2595 §4 injection).
        consumed_ += in_.size() - in_pos_;
        in_pos_ = in_.size();
        enter(ClientState::TlsHandshake, "STLS +OK");
      } else if (cfg_.tls == TlsMode::StlsRequired) {
        fail("stls", reason, true);
      } else {
        start_auth("STLS -ERR");
      }
      return;
    case ClientState::User:
      if (!ok) return fail("auth", reason, true);
      send("PASS " + cfg_.password, true, "PASS [redacted]");
      enter(ClientState::Pass, "USER +OK");
      return;
    case ClientState::Pass:
    case ClientState::Apop:
      if (!ok) return fail("auth", reason, true);
      send("STAT");
      enter(ClientState::Stat, state_ == ClientState::Pass ? "PASS +OK" : "APOP +OK");
      return;
    case ClientState::Stat: {
      if (!ok) return fail("stat", reason, true);
      const auto n = parse_number(text.substr(0, text.find(' ')));
      if (!n) return fail("stat", "malformed STAT response: " + sanitize(text, 80), false);
      message_count_ = static_cast<std::size_t>(*n);
      if (message_count_ == 0) return send_quit("STAT +OK");
      const bool uidl = !capa_ok_ || has_capa("UIDL");
      send(uidl ? "UIDL" : "LIST");
      enter(uidl ? ClientState::Uidl : ClientState::List, "STAT +OK");
      return;
    }
    case ClientState::Uidl:
      if (ok) {
        multiline_ = true;
        targets_.clear();
      } else {
        send("LIST");
        enter(ClientState::List, "UIDL -ERR");
      }
      return;
    case ClientState::List:
      if (!ok) return fail("list", reason, true);
      multiline_ = true;
      if (!sizes_only_) targets_.clear();
      return;
    case ClientState::Retr:
      if (ok) {
        multiline_ = true;
        content_.clear();
      } else {
        // The message vanished (someone else deleted it) or cannot be read: skip it.
        ++next_target_;
        next_message("RETR done");
      }
      return;
    case ClientState::Dele:
      if (ok) ++deleted_;
      ++next_target_;
      next_message("DELE done");
      return;
    default:
      return;
  }
}

void ClientSession::on_data_line(std::string_view line) {
  if (line == ".") return on_data_end();
  // RFC 1939 §3: a line starting with the termination octet has it doubled.
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);
  switch (state_) {
    case ClientState::Retr:
      if (content_.size() + line.size() + 2 > kMaxMessage) {
        return fail("retr", "message larger than 64 MiB", false);
      }
      content_.append(line);
      content_.append("\r\n");
      return;
    case ClientState::Capa:
      if (observer_) observer_->on_line_in(sanitize(line, 1000), false);
      if (capa_.size() >= kMaxCapaLines) return fail("capa", "too many capability lines", false);
      capa_.emplace_back(line);
      return;
    case ClientState::Uidl:
    case ClientState::List: {
      if (observer_) observer_->on_line_in(sanitize(line, 1000), false);
      const bool uidl = state_ == ClientState::Uidl;
      const auto sp = line.find(' ');
      const auto n = parse_number(line.substr(0, sp));
      const std::string_view rest = sp == line.npos ? std::string_view{} : line.substr(sp + 1);
      const bool good = n && *n >= 1 && *n <= 0xFFFFFFFFu &&
                        (uidl ? valid_unique_id(rest) : parse_number(rest).has_value());
      if (!good) {
        return fail(stage(), "malformed listing line: " + sanitize(line, 80), false);
      }
      if (sizes_only_) {  // LIST after UIDL: a size for a message UIDL named
        for (Target& t : targets_)
          if (t.number == *n) t.size = *parse_number(rest);
        return;
      }
      if (targets_.size() >= message_count_) {
        return fail(stage(), "listing has more entries than STAT reported", false);
      }
      targets_.push_back(Target{static_cast<unsigned>(*n), uidl ? std::string(rest) : "", false,
                                uidl ? 0 : *parse_number(rest)});
      return;
    }
    default:
      return;
  }
}

void ClientSession::on_data_end() {
  multiline_ = false;
  switch (state_) {
    case ClientState::Capa:
      return after_capa("CAPA done");
    case ClientState::Uidl:
    case ClientState::List: {
      if (state_ == ClientState::Uidl && cfg_.headers_only) {
        sizes_only_ = true;
        send("LIST");
        enter(ClientState::List, "UIDL done");
        return;
      }
      sizes_only_ = false;
      // Clients remember the ids they already have (RFC 1939 §7 UIDL) and do not fetch them
      // again. In download-and-delete mode a known message is still on the server only
      // because an earlier session ended before QUIT: it is deleted now, without a RETR.
      for (Target& t : targets_) t.known = !t.uid.empty() && cfg_.known_uids.count(t.uid) > 0;
      if (cfg_.mode != RetrievalMode::DownloadAndDelete)
        std::erase_if(targets_, [](const Target& t) { return t.known; });
      if (cfg_.max_messages && targets_.size() > cfg_.max_messages) {
        targets_.resize(cfg_.max_messages);
      }
      next_target_ = 0;
      return next_message(state_ == ClientState::Uidl ? "UIDL done" : "LIST done");
    }
    case ClientState::Retr: {
      if (observer_) {
        observer_->on_line_in(fmt::format("[message, {} octets]", content_.size()), false);
        observer_->on_line_in(".", false);
      }
      const Target& t = targets_[next_target_];
      ++retrieved_;
      events_.push_back(ce::Message{t.number, t.uid, std::move(content_), t.size});
      content_.clear();
      if (cfg_.mode == RetrievalMode::DownloadAndDelete) {
        send(fmt::format("DELE {}", t.number));
        enter(ClientState::Dele, "RETR done");
        return;
      }
      ++next_target_;
      return next_message("RETR done");
    }
    default:
      return;
  }
}

bool ClientSession::has_capa(std::string_view keyword) const {
  for (const auto& c : capa_) {
    const std::string_view first = std::string_view(c).substr(0, c.find(' '));
    if (smtp::iequals(first, keyword)) return true;
  }
  return false;
}

void ClientSession::after_capa(std::string_view trigger) {
  if (!tls_active_ && cfg_.tls != TlsMode::None && cfg_.tls != TlsMode::Implicit) {
    const bool offered = has_capa("STLS");
    // Without CAPA we cannot know: a required STLS is tried anyway.
    if (offered || (cfg_.tls == TlsMode::StlsRequired && !capa_ok_)) {
      send("STLS");
      enter(ClientState::Stls, trigger);
      return;
    }
    if (cfg_.tls == TlsMode::StlsRequired) {
      return fail("stls", "server does not offer STLS", true);
    }
  }
  start_auth(trigger);
}

void ClientSession::start_auth(std::string_view trigger) {
  if (cfg_.use_apop) {
    if (apop_timestamp_.empty()) {
      return fail("auth", "the greeting has no APOP timestamp", true);
    }
    send(fmt::format("APOP {} {}", cfg_.user, apop_digest(apop_timestamp_, cfg_.password)));
    enter(ClientState::Apop, trigger);
    return;
  }
  // RFC 2449 §6.4: without USER in CAPA the server will not take USER/PASS now
  // (typically: plaintext login refused before TLS, RFC 2595 §2).
  if (capa_ok_ && !has_capa("USER")) {
    return fail("auth", "the server does not offer USER/PASS login here", true);
  }
  send("USER " + cfg_.user);
  enter(ClientState::User, trigger);
}

void ClientSession::next_message(std::string_view trigger) {
  if (next_target_ >= targets_.size()) return send_quit(trigger);
  const Target& t = targets_[next_target_];
  if (t.known) {
    send(fmt::format("DELE {}", t.number));
    enter(ClientState::Dele, trigger);
    return;
  }
  if (cfg_.headers_only && has_capa("TOP")) {
    send(fmt::format("TOP {} 0", t.number));
  } else {
    send(fmt::format("RETR {}", t.number));
  }
  enter(ClientState::Retr, trigger);
}

void ClientSession::send_quit(std::string_view trigger) {
  send("QUIT");
  enter(ClientState::Quit, trigger);
}

}  // namespace smtpsim::pop3
