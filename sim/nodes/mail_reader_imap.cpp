// Reading over IMAP: list, IDLE, open (BODY[] sets \Seen), delete (\Deleted + EXPUNGE).
#include "sim/nodes/mail_reader_imap.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smtpsim::nodes {

MailReader::Imap::Imap(MailReader& reader)
    : r_(reader), linger_(reader.world_.queue, [this] {
        if (!connected() || !ready_) return;
        pause_idle();
        conn_->session().logout();
        // Not ready any more: the client machine refuses (throws on) any command after
        // LOGOUT, and the LOGOUT may wait long behind a command whose reply a cut link lost.
        ready_ = false;
        closing_ = true;
        conn_->poke();
      }) {}

MailReader::Imap::~Imap() {
  *alive_ = false;
}

void MailReader::Imap::touch() {
  linger_.arm(kLinger);
}

void MailReader::Imap::connect() {
  imap::ClientConfig cc;
  cc.user = r_.cfg_.user;
  cc.password = r_.cfg_.password;
  cc.tls = r_.cfg_.port == 993 ? imap::TlsMode::Implicit : imap::TlsMode::StartTlsIfOffered;
  conn_ = std::make_unique<Conn>(r_.world_.net, engine::Side::Client, r_.device_, r_.cfg_.server,
                                 r_.cfg_.port, "IMAP",
                                 std::make_unique<imap::ClientSession>(std::move(cc)), 0);
  conn_->set_handler([this](imap::ClientEvent& ev) { return on_event(ev); });
  // A connection that ended at the instant a new one was opened must not tear the new one
  // down when its (scheduled) finished callback runs: only the latest connect() counts.
  const std::uint64_t generation = ++generation_;
  closing_ = false;
  conn_->set_finished([this, alive = alive_, generation](bool connect_failed, std::string reason) {
    if (!*alive || generation != generation_) return;
    ready_ = false;
    idle_id_ = 0;
    linger_.cancel();
    if (closing_ && !connect_failed && !pending_.empty()) {
      // The user acted while this connection was being given up: serve it on a new one.
      conn_.reset();
      tracer_.reset();
      connect();
      return;
    }
    closing_ = false;
    if (connect_failed) {
      r_.note(fmt::format("IMAP: {}", reason), true);
      fail_pending(reason);
    } else {
      fail_pending("the connection closed");
    }
    conn_.reset();
    tracer_.reset();
  });
  conn_->connect();
  Conn& c = *conn_;
  tracer_ = std::make_unique<SessionTracer>(
      r_.world_.net, c.id(), r_.world_.net.name(r_.device_), r_.world_.net.name(r_.cfg_.server),
      r_.cfg_.port, /*emit_lines=*/true, [&c] { return c.session().tls_active(); }, "IMAP");
  c.session().set_observer(tracer_.get());
}

void MailReader::Imap::when_ready(std::function<void()> op, std::function<void()> offline) {
  touch();
  if (ready_) {
    op();
    conn_->poke();
    return;
  }
  pending_.emplace_back(std::move(op), std::move(offline));
  if (!connected()) connect();
}

void MailReader::Imap::fail_pending(const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [op, offline] : pending)
    if (offline) offline();
  (void)why;
}

void MailReader::Imap::pause_idle() {
  if (idle_id_ == 0) return;
  conn_->session().done();
  idle_id_ = 0;
}

void MailReader::Imap::resume_idle() {
  if (idle_id_ != 0 || !ready_) return;
  if (!conn_->session().has_capability("IDLE")) return;  // RFC 2177 is optional
  idle_id_ = conn_->session().idle();
}

void MailReader::Imap::fetch() {
  if (!ready_) {
    // Logging in lists INBOX anyway: connect (or let the login under way finish).
    touch();
    if (closing_ && connected()) {
      // The old connection is logging out: list on the next one (see connect()).
      pending_.emplace_back([] {}, [] {});
      return;
    }
    if (!connected()) connect();
    return;
  }
  when_ready(
      [this] {
        // Already listed and idling: ask only for what arrived since (RFC 3501 §6.4.8).
        pause_idle();
        conn_->session().fetch(fmt::format("{}:*", last_uid_ + 1), "(UID FLAGS ENVELOPE)", true);
        resume_idle();
      },
      [this] {
        r_.note(fmt::format("IMAP: cannot check mail, {} is unreachable; the device shows "
                            "only what it listed before",
                            r_.world_.net.name(r_.cfg_.server)),
                true);
      });
}

void MailReader::Imap::read(const DeviceMessage& m) {
  const std::uint32_t uid = m.uid;
  const std::string what = r_.describe(m);
  when_ready(
      [this, uid] {
        pause_idle();
        // BODY[] (not BODY.PEEK[]): the server sets \Seen, and tells every other session.
        conn_->session().fetch(std::to_string(uid), "(UID BODY[])", true);
        resume_idle();
      },
      [this, uid, what] {
        auto it = cache_.find(uid);
        if (it != cache_.end() && it->second.content) {
          r_.local_change(it->second,
                          fmt::format("opened {} from the copy kept on the device (offline)", what),
                          "read");
        } else {
          r_.note(fmt::format("cannot open {}: with IMAP the message stays on the server, and "
                              "the server cannot be reached",
                              what),
                  true);
        }
      });
}

void MailReader::Imap::remove(const DeviceMessage& m) {
  const std::uint32_t uid = m.uid;
  const std::string what = r_.describe(m);
  when_ready(
      [this, uid] {
        pause_idle();
        auto& s = conn_->session();
        s.store(std::to_string(uid), "+FLAGS", "(\\Deleted)", /*silent=*/true, /*uid=*/true);
        s.expunge();
        resume_idle();
      },
      [this, what] {
        r_.note(fmt::format("cannot delete {}: the server cannot be reached", what), true);
      });
}

Step MailReader::Imap::on_event(imap::ClientEvent& ev) {
  auto& s = conn_->session();
  if (std::holds_alternative<imap::client_event::Ready>(ev)) {
    select_id_ = s.select("INBOX");
    list_id_ = s.fetch("1:*", "(UID FLAGS ENVELOPE)", true);
    return Step::Continue;
  }
  if (auto* u = std::get_if<imap::client_event::Untagged>(&ev)) {
    if (auto* f = std::get_if<imap::untagged::Fetch>(&u->response)) on_fetch(*f);
    if (auto* e = std::get_if<imap::untagged::Exists>(&u->response)) {
      // New mail while idling: leave IDLE, list what is new, go back to IDLE.
      if (ready_ && idle_id_ != 0 && e->n > r_.inbox_.size()) {
        touch();
        pause_idle();
        s.fetch(fmt::format("{}:*", last_uid_ + 1), "(UID FLAGS ENVELOPE)", true);
        resume_idle();
      }
    }
    rebuild();
    return Step::Continue;
  }
  if (auto* c = std::get_if<imap::client_event::Completed>(&ev)) {
    if (c->id == select_id_) {
      if (c->status != imap::client_event::Completed::Status::Ok) {
        r_.note(fmt::format("IMAP: SELECT INBOX failed: {}", c->text), true);
        s.logout();
        return Step::Continue;
      }
    } else if (c->status != imap::client_event::Completed::Status::Ok) {
      r_.note(fmt::format("IMAP: the server refused a command: {}", c->text), true);
    }
    rebuild();
    if (c->id == list_id_ && !ready_) {
      // INBOX listed: the device is in sync; run what waited, then IDLE.
      ready_ = true;
      auto pending = std::move(pending_);
      pending_.clear();
      for (auto& [op, offline] : pending) op();
      resume_idle();
      touch();
    }
    return Step::Continue;
  }
  if (auto* f = std::get_if<imap::client_event::Failed>(&ev)) {
    r_.note(fmt::format("IMAP session ended ({}): {}", f->stage, f->reason), true);
    // The machine takes no more commands (it throws): a session that had been ready is
    // given up like a logout, so user actions until it closes wait for a new connection.
    closing_ = closing_ || ready_;
    ready_ = false;
    idle_id_ = 0;
    return Step::Continue;
  }
  return Step::Continue;  // Ready handled; Idling needs nothing
}

void MailReader::Imap::on_fetch(const imap::untagged::Fetch& f) {
  if (!f.uid) return;
  const std::uint32_t uid = *f.uid;
  last_uid_ = std::max(last_uid_, uid);
  DeviceMessage& d = cache_[uid];
  d.uid = uid;
  d.key = std::to_string(uid);
  if (f.envelope) {
    d.subject = f.envelope->subject.value_or("(no subject)");
    d.from = f.envelope->from.empty() ? "" : f.envelope->from.front().email();
  }
  if (auto it = f.sections.find("BODY[]"); it != f.sections.end()) {
    const bool first = !d.content;
    d.content = it->second;
    if (d.subject.empty()) summarize(*d.content, d.subject, d.from);
    if (first)
      r_.retrieved(d, "body",
                   fmt::format("opened {}: the body was fetched over IMAP and the server "
                               "marked it \\Seen",
                               r_.describe(d)));
  }
}

void MailReader::Imap::rebuild() {
  if (!conn_) return;
  const auto& view = conn_->session().view();
  if (view.folder.empty()) return;
  std::vector<DeviceMessage> next;
  for (const auto& mv : view.messages) {
    if (!mv.uid) continue;
    auto it = cache_.find(*mv.uid);
    if (it == cache_.end() || it->second.subject.empty()) continue;  // not listed yet
    DeviceMessage d = it->second;
    if (mv.flags)
      d.seen = std::find(mv.flags->begin(), mv.flags->end(), "\\Seen") != mv.flags->end();
    next.push_back(std::move(d));
  }
  auto has = [](const std::vector<DeviceMessage>& v, std::uint32_t uid) {
    return std::any_of(v.begin(), v.end(), [&](const auto& m) { return m.uid == uid; });
  };
  for (const auto& old : r_.inbox_) {
    if (!has(next, old.uid)) {
      r_.local_change(old,
                      fmt::format("{} disappeared from this device: it was expunged on the "
                                  "server",
                                  r_.describe(old)),
                      "deleted");
      cache_.erase(old.uid);
    }
  }
  for (const auto& m : next) {
    auto old = std::find_if(r_.inbox_.begin(), r_.inbox_.end(),
                            [&](const auto& o) { return o.uid == m.uid; });
    if (old == r_.inbox_.end()) {
      r_.retrieved(m, m.key,
                   fmt::format("listed {} from the server (headers only; the body stays "
                               "there){}",
                               r_.describe(m), m.seen ? ", already read" : ""));
    } else if (old->seen != m.seen) {
      r_.note(fmt::format("{} now shows as {}: the server's \\Seen flag changed", r_.describe(m),
                          m.seen ? "read" : "unread"));
    }
  }
  r_.inbox_ = std::move(next);
}

}  // namespace smtpsim::nodes
