// The IMAP server machine: input framing (command lines, literals, AUTHENTICATE responses,
// IDLE's DONE), the one state-change function, responses, and the view synchronisation that
// lets several sessions on one mailbox see each other's changes (RFC 3501 §5.2, §7.4.1).
// Command handlers live in server_commands.cpp and server_messages.cpp; the table of states
// and transitions in server_tables.cpp.
#include "sim/proto/imap/server_session.hpp"
#include "sim/proto/smtp/input_buffer.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "sim/proto/imap/fetch.hpp"
#include "sim/proto/imap/server_impl.hpp"
#include "sim/proto/imap/syntax.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap {

using namespace server_side;  // NOLINT: this file is the server

namespace se = server_event;

namespace {
constexpr int kMaxLiteralsPerCommand = 64;  // more is a hostile client, not a MUA

// "{123}" or "{123+}" at the end of a line: the size and whether it is non-synchronizing.
struct LiteralMarker {
  std::uint64_t size;
  bool non_sync;
};
std::optional<LiteralMarker> literal_at_end(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  const auto open = line.rfind('{');
  if (open == line.npos) return std::nullopt;
  std::string_view inner = line.substr(open + 1, line.size() - open - 2);
  LiteralMarker m{0, false};
  if (!inner.empty() && inner.back() == '+') {
    m.non_sync = true;
    inner.remove_suffix(1);
  }
  if (inner.empty() || inner.size() > 19) return std::nullopt;
  for (char c : inner) {
    if (c < '0' || c > '9') return std::nullopt;
    m.size = m.size * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return m;
}
}  // namespace

ServerSession::ServerSession(ServerConfig config, mail::MailStore& store)
    : cfg_(std::move(config)), store_(store) {}

ServerSession::~ServerSession() = default;

std::string_view ServerSession::state_caption() const {
  return server_machine_spec().state(static_cast<int>(state_)).caption;
}

void ServerSession::enter(ServerState to, std::string_view trigger) {
  if (to == state_) return;
  const auto& spec = server_machine_spec();
  const int from = static_cast<int>(state_);
  if (!spec.allows(from, static_cast<int>(to), trigger)) {
    throw std::logic_error(
        fmt::format("IMAP server: transition {} -> {} on '{}' is not in the table",
                    spec.state(from).name, spec.state(static_cast<int>(to)).name, trigger));
  }
  state_ = to;
  if (observer_) observer_->on_transition(spec, from, static_cast<int>(to), trigger);
}

void ServerSession::send(std::string_view text, bool sensitive) {
  const std::size_t before = out_.size();
  out_.append(text);
  out_.append("\r\n");
  if (observer_) {
    std::string_view rendered(out_.data() + before, out_.size() - before);
    while (!rendered.empty()) {
      const auto eol = rendered.find("\r\n");
      observer_->on_line_out(rendered.substr(0, eol), sensitive);
      rendered.remove_prefix(eol + 2);
    }
  }
}

void ServerSession::tagged(std::string_view tag, std::string_view status, std::string_view text) {
  send(fmt::format("{} {} {}", tag, status, text));
}

void ServerSession::bad(std::string_view tag, std::string_view text) {
  send(fmt::format("{} BAD {}", tag.empty() ? "*" : tag, text));
  if (++errors_ >= cfg_.max_errors && !closed_)
    bye("Too many invalid commands", "BYE too many errors");
}

void ServerSession::bye(std::string_view text, std::string_view trigger) {
  if (closed_) return;
  send(fmt::format("* BYE {}", text));
  auth_pending_ = false;
  enter(ServerState::Logout, trigger);
  closed_ = true;
}

std::string ServerSession::capabilities() const {
  std::string caps = "IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT NAMESPACE UIDPLUS";
  if (state_ == ServerState::NotAuthenticated) {
    if (cfg_.starttls_available && !cfg_.tls_active) caps += " STARTTLS";
    if (cfg_.login_needs_tls && !cfg_.tls_active) {
      caps += " LOGINDISABLED";  // RFC 3501 §6.2.3; no AUTH= either (RFC 3501 §11.1)
    } else {
      caps += " AUTH=PLAIN";
    }
  }
  return caps;
}

void ServerSession::start() {
  if (started_ || closed_) return;
  started_ = true;
  send(fmt::format("* OK [CAPABILITY {}] {} IMAP4rev1 ready", capabilities(), cfg_.hostname));
}

void ServerSession::receive(std::string_view bytes) {
  // After STARTTLS, plaintext that arrives before the handshake is an injection attempt
  // (CVE-2011-0411): it is dropped, never executed inside the TLS session.
  if (closed_ || start_tls_pending_) return;
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
  bye("Autologout; idle for too long", "BYE autologout");
}

void ServerSession::shutdown(std::string_view text) {
  bye(smtp::sanitize(text, 200), "BYE shutdown");
}

void ServerSession::mailbox_changed() {
  if (closed_ || state_ != ServerState::Idle) return;
  if (!follow_selected()) return bye_deleted();
  sync(true);
}

bool ServerSession::follow_selected() {
  if (selected_.empty()) return true;
  const mail::Folder* f = store_.folder(user_, selected_);
  if (f && f->id == selected_id_) return true;
  if (const std::string* renamed = store_.folder_name(user_, selected_id_)) {
    selected_ = *renamed;
    return true;
  }
  return false;
}

void ServerSession::bye_deleted() {
  bye("Selected mailbox was deleted, have to disconnect", "BYE mailbox deleted");
}

std::string ServerSession::take_output() {
  std::string out;
  out.swap(out_);
  return out;
}

void ServerSession::accept() {
  if (!auth_pending_) return;
  auth_pending_ = false;
  user_ = auth_.user;
  const std::string trigger = auth_.mechanism == "LOGIN" ? "LOGIN OK" : "AUTHENTICATE OK";
  enter(ServerState::Authenticated, trigger);
  tagged(auth_tag_, "OK", fmt::format("[CAPABILITY {}] Logged in", capabilities()));
  auth_ = {};
}

void ServerSession::reject(std::optional<std::string> text) {
  if (!auth_pending_) return;
  auth_pending_ = false;
  auth_ = {};
  tagged(auth_tag_, "NO",
         "[AUTHENTICATIONFAILED] " + (text ? smtp::sanitize(*text, 200) : "Authentication failed"));
  if (++errors_ >= cfg_.max_errors) bye("Too many invalid commands", "BYE too many errors");
}

void ServerSession::reset_command() {
  command_.clear();
  literal_left_ = 0;
  literal_total_ = 0;
  literals_ = 0;
}

// One line from the input (LF ends it, a CR before the LF is removed). An overlong line is
// reported once (with its first bytes, for the tag) and the rest of it discarded, whether it
// arrives whole or in pieces, so the answer does not depend on how TCP cut the bytes.
bool ServerSession::take_line(std::string& line, bool& overlong) {
  overlong = false;
  const auto nl = in_.find('\n', in_pos_);
  if (nl == std::string::npos) {
    if (in_.size() - in_pos_ > cfg_.max_line + 1) {
      overlong = true;
      line = in_.substr(in_pos_, 64);
      discard_tail_ = in_.substr(std::max(in_pos_, in_.size() - 24));
      discard_command_ = mode_ == Mode::Command;
      in_pos_ = in_.size();
      discarding_line_ = true;
      return true;
    }
    return false;
  }
  line.assign(in_, in_pos_, nl - in_pos_);
  in_pos_ = nl + 1;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() > cfg_.max_line) {
    overlong = true;
    skip_literal_after(line, mode_ == Mode::Command);
    line.resize(64);
  }
  return true;
}

// Drops the rest of an overlong line; true when its end was found.
bool ServerSession::discard_line() {
  const auto nl = in_.find('\n', in_pos_);
  const std::size_t end = nl == std::string::npos ? in_.size() : nl;
  discard_tail_.append(in_, in_pos_, end - in_pos_);
  if (discard_tail_.size() > 24) discard_tail_.erase(0, discard_tail_.size() - 24);
  if (nl == std::string::npos) {
    in_pos_ = in_.size();
    return false;
  }
  in_pos_ = nl + 1;
  discarding_line_ = false;
  if (!discard_tail_.empty() && discard_tail_.back() == '\r') discard_tail_.pop_back();
  skip_literal_after(discard_tail_, discard_command_);
  discard_tail_.clear();
  return true;
}

// A command line we refused (too long, NUL) may end with a non-synchronizing literal: the
// client sends those bytes without waiting, so they are counted off, never run as commands.
void ServerSession::skip_literal_after(std::string_view rejected_line, bool command_line) {
  if (!command_line) return;
  if (auto lit = literal_at_end(rejected_line); lit && lit->non_sync) skip_literal_ = lit->size;
}

ServerEvent ServerSession::next_event() {
  while (true) {
    if (closed_) return se::Closed{};
    if (auth_pending_) return auth_;
    if (start_tls_pending_) return se::NeedData{};
    // An oversize non-synchronizing literal: count its bytes off, then drop the rest of
    // the line it belongs to.
    if (skip_literal_ > 0) {
      const std::size_t avail = in_.size() - in_pos_;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(avail, skip_literal_));
      in_pos_ += n;
      skip_literal_ -= n;
      if (skip_literal_ > 0) {
        if (eof_) break;
        return se::NeedData{};
      }
      discarding_line_ = true;
      discard_tail_.clear();
      discard_command_ = true;  // the rest of that command line (it may hold another {n+})
    }
    if (discarding_line_ && !discard_line()) {
      if (eof_) break;
      return se::NeedData{};
    }
    if (skip_literal_ > 0) continue;
    if (literal_left_ > 0) {
      const std::size_t n = std::min(in_.size() - in_pos_, literal_left_);
      command_.append(in_, in_pos_, n);
      in_pos_ += n;
      literal_left_ -= n;
      if (literal_left_ > 0) {
        if (eof_) break;  // unterminated literal: a clean close, nothing executed
        return se::NeedData{};
      }
    }
    std::string line;
    bool overlong = false;
    if (!take_line(line, overlong)) {
      if (eof_) break;
      return se::NeedData{};
    }
    if (overlong) {
      const std::string head = command_.empty() ? line : command_;
      const auto tag = command_tag(head);
      reset_command();
      if (mode_ == Mode::AuthResponse) {
        mode_ = Mode::Command;
        bad(auth_tag_, "Authentication response too long");
      } else if (mode_ == Mode::Idle) {
        handle_idle_line("");
      } else {
        bad(tag, "Command line too long");
      }
      continue;
    }
    if (mode_ == Mode::AuthResponse) {
      handle_auth_response(line);
    } else if (mode_ == Mode::Idle) {
      handle_idle_line(line);
    } else if (line.find('\0') != std::string::npos) {
      const std::string tag(command_tag(command_.empty() ? line : command_));
      reset_command();
      skip_literal_after(line, true);
      bad(tag, "NUL byte in command");
    } else if (auto lit = literal_at_end(line)) {
      const auto tag = std::string(command_tag(command_.empty() ? line : command_));
      if (literals_ >= kMaxLiteralsPerCommand || lit->size > cfg_.max_literal ||
          literal_total_ + lit->size > cfg_.max_literal) {
        // Refused before a byte of it is read. A synchronizing literal is never sent (no
        // "+"), so the next bytes are the next command; a non-synchronizing one is on its
        // way and is counted off (RFC 7888 §4 leaves the choice; Dovecot skips it too).
        reset_command();
        if (lit->non_sync) skip_literal_ = lit->size;
        bad(tag, "Literal too large");
        continue;
      }
      command_ += line;
      command_ += "\r\n";
      literal_left_ = static_cast<std::size_t>(lit->size);
      literal_total_ += literal_left_;
      ++literals_;
      if (!lit->non_sync) send("+ Ready for literal data");
    } else {
      command_ += line;
      std::string cmd;
      cmd.swap(command_);
      reset_command();
      execute(cmd);
      if (start_tls_pending_) {
        // Whatever the client pipelined behind STARTTLS is dropped (CVE-2011-0411).
        in_.clear();
        in_pos_ = 0;
        discarding_line_ = false;
        skip_literal_ = 0;
        return se::StartTls{};
      }
    }
  }
  // The peer went away (EOF with no complete command left, or in the middle of a literal).
  if (!closed_) {
    enter(ServerState::Logout, "connection lost");
    closed_ = true;
  }
  return se::Closed{};
}

void ServerSession::execute(std::string_view command) {
  ArgReader r(command);
  const std::string_view tag = command_tag(command);
  std::string name;
  if (!tag.empty()) {
    r.rewind(tag.size() + 1);
    if (auto a = r.atom()) name = *a;
    for (char& c : name) c = smtp::ascii_upper(c);
  }
  bool uid = false;
  if (name == "UID" && r.sp()) {
    uid = true;
    if (auto a = r.atom()) {
      name = *a;
      for (char& c : name) c = smtp::ascii_upper(c);
    } else {
      name.clear();
    }
  }
  if (observer_) {
    // Passwords and SASL payloads never reach an observer (and so no trace file).
    if (name == "LOGIN") {
      ArgReader copy = r;
      std::string user = "[redacted]";
      if (copy.sp()) {
        if (auto u = copy.astring()) user = imap_astring(smtp::sanitize(*u));
      }
      observer_->on_line_in(fmt::format("{} LOGIN {} [redacted]", tag, user), true);
    } else if (name == "AUTHENTICATE") {
      ArgReader copy = r;
      std::string mech;
      if (copy.sp()) mech = smtp::sanitize(copy.atom().value_or(""));
      observer_->on_line_in(
          fmt::format("{} AUTHENTICATE {}{}", tag, mech, copy.at_end() ? "" : " [redacted]"), true);
    } else {
      observer_->on_line_in(command, false);
    }
  }
  if (tag.empty()) {
    bad("", "Missing or invalid tag");
    return;
  }
  const Impl::Command* cmd = Impl::find_command(name, uid);
  if (!cmd) {
    bad(tag, name.empty() ? "Missing command" : "Unknown command");
    return;
  }
  if (!(cmd->states & (1u << static_cast<unsigned>(state_)))) {
    bad(tag, fmt::format("{} not valid in this state", name));
    return;
  }
  if (command.find('\0') != std::string_view::npos) {  // NUL inside a literal
    bad(tag, "NUL byte in command");
    return;
  }
  if (!follow_selected()) return bye_deleted();  // another session DELETEd it
  cmd->run(*this, tag, r);
}

void ServerSession::handle_auth_response(std::string_view line) {
  mode_ = Mode::Command;
  if (observer_) observer_->on_line_in("[redacted]", true);
  if (line == "*") {  // RFC 3501 §6.2.2: the client cancels
    bad(auth_tag_, "Authentication cancelled");
    return;
  }
  Impl::finish_auth_payload(*this, auth_tag_, line);
}

void ServerSession::handle_idle_line(std::string_view line) {
  if (observer_) observer_->on_line_in(line, false);
  mode_ = Mode::Command;
  const std::string tag = idle_tag_;
  if (smtp::iequals(line, "DONE")) {
    enter(idle_return_, "DONE");
    sync(true);
    tagged(tag, "OK", "IDLE terminated");
    return;
  }
  // RFC 2177: only DONE may follow; anything else ends the IDLE with a BAD.
  enter(idle_return_, "IDLE ended by a bad line");
  bad(tag, "Expected DONE to end IDLE");
}

void ServerSession::unselect() {
  selected_.clear();
  selected_id_ = 0;
  view_.clear();
  read_only_ = false;
  synced_version_ = 0;
}

void ServerSession::select_folder(std::string_view tag, const std::string& name, bool ro) {
  const bool was_selected = state_ == ServerState::Selected;
  unselect();
  mail::Folder* f = store_.folder(user_, name);
  if (!f) {
    if (was_selected) enter(ServerState::Authenticated, "SELECT failed");
    tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
    return;
  }
  selected_ = name;
  selected_id_ = f->id;
  read_only_ = ro;
  std::size_t recent = 0, first_unseen = 0;
  for (const auto& m : f->messages) {
    const bool r = m.uid > f->imap_recent_upto;
    recent += r;
    view_.push_back(ViewEntry{m.uid, m.flags, r});
    if (!first_unseen && !(m.flags & mail::kSeen)) first_unseen = view_.size();
  }
  // The first read-write session to see a message takes its \Recent (EXAMINE does not).
  if (!ro && !view_.empty()) f->imap_recent_upto = view_.back().uid;
  synced_version_ = f->version;
  send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
  send(fmt::format("* {} EXISTS", view_.size()));
  send(fmt::format("* {} RECENT", recent));
  if (first_unseen) {
    send(fmt::format("* OK [UNSEEN {}] Message {} is first unseen", first_unseen, first_unseen));
  }
  send(fmt::format("* OK [UIDVALIDITY {}] UIDs valid", f->uidvalidity));
  send(fmt::format("* OK [UIDNEXT {}] Predicted next UID", f->uidnext));
  if (ro) {
    send("* OK [PERMANENTFLAGS ()] Read-only mailbox");
  } else {
    send(
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "
        "permitted");
  }
  if (!was_selected) enter(ServerState::Selected, ro ? "EXAMINE OK" : "SELECT OK");
  tagged(tag, "OK", ro ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
}

// RFC 3501 §7.4.1: EXPUNGE may not be sent during FETCH, STORE or SEARCH (sequence numbers
// would shift under the client's feet); then vanished messages stay in the view ("ghosts")
// until a later command may report them. EXISTS and FETCH FLAGS may be sent at any time.
void ServerSession::sync(bool allow_expunge) {
  // A DELETEd folder is reported by BYE (follow_selected() before every command), never
  // as EXPUNGEs: its UIDs are meaningless once a folder of the same name may exist again.
  if (selected_.empty() || !follow_selected()) return;
  const mail::Folder* f = store_.folder(user_, selected_);
  if (f->version == synced_version_) return;
  bool complete = true;
  // Highest sequence number first, so each number is still right when the client reads it.
  for (std::size_t i = view_.size(); i-- > 0;) {
    if (f->find(view_[i].uid)) continue;
    if (!allow_expunge) {
      complete = false;
      continue;
    }
    send(fmt::format("* {} EXPUNGE", i + 1));
    view_.erase(view_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  for (std::size_t i = 0; i < view_.size(); ++i) {
    const mail::StoredMessage* m = f->find(view_[i].uid);
    if (!m || m->flags == view_[i].flags) continue;
    view_[i].flags = m->flags;
    send(fmt::format("* {} FETCH (FLAGS {})", i + 1, render_flags(m->flags, view_[i].recent)));
  }
  const std::uint32_t last = view_.empty() ? 0 : view_.back().uid;
  std::size_t added = 0;
  mail::Folder* writable = store_.folder(user_, selected_);
  for (const auto& m : f->messages) {
    if (m.uid <= last) continue;
    const bool r = m.uid > f->imap_recent_upto;
    view_.push_back(ViewEntry{m.uid, m.flags, r});
    ++added;
  }
  if (added) {
    if (!read_only_ && writable) writable->imap_recent_upto = view_.back().uid;
    std::size_t recent = 0;
    for (const auto& v : view_) recent += v.recent;
    send(fmt::format("* {} EXISTS", view_.size()));
    send(fmt::format("* {} RECENT", recent));
  }
  if (complete) synced_version_ = f->version;
}

}  // namespace smtpsim::imap
