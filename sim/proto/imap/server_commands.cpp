// IMAP server commands that act on the connection and on mailboxes (RFC 3501 §6.1-6.3,
// RFC 2177 IDLE, RFC 3691 UNSELECT, RFC 2342 NAMESPACE, RFC 4315 APPENDUID), and the command
// table.
// Arguments are parsed with ArgReader; anything that does not fit the grammar is a BAD.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/proto/imap/server_impl.hpp"
#include "sim/proto/imap/syntax.hpp"
#include "sim/proto/smtp/sasl.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap {

using namespace server_side;  // NOLINT: this file is the server

using smtp::iequals;
using Impl = ServerSession::Impl;

namespace {
constexpr unsigned bit(ServerState s) {
  return 1u << static_cast<unsigned>(s);
}
constexpr unsigned kAny = bit(ServerState::NotAuthenticated) | bit(ServerState::Authenticated) |
                          bit(ServerState::Selected);
constexpr unsigned kNotAuth = bit(ServerState::NotAuthenticated);
constexpr unsigned kAuth = bit(ServerState::Authenticated) | bit(ServerState::Selected);
constexpr unsigned kSel = bit(ServerState::Selected);

// clang-format off
constexpr Impl::Command kCommands[] = {
    {"CAPABILITY", kAny, &Impl::capability},
    {"NOOP", kAny, &Impl::noop},
    {"LOGOUT", kAny, &Impl::logout},
    {"STARTTLS", kNotAuth, &Impl::starttls},
    {"LOGIN", kNotAuth, &Impl::login},
    {"AUTHENTICATE", kNotAuth, &Impl::authenticate},
    {"SELECT", kAuth, &Impl::select},
    {"EXAMINE", kAuth, &Impl::examine},
    {"CREATE", kAuth, &Impl::create},
    {"DELETE", kAuth, &Impl::delete_},
    {"RENAME", kAuth, &Impl::rename},
    {"SUBSCRIBE", kAuth, &Impl::subscribe},
    {"UNSUBSCRIBE", kAuth, &Impl::subscribe},
    {"LIST", kAuth, &Impl::list},
    {"LSUB", kAuth, &Impl::lsub},
    {"NAMESPACE", kAuth, &Impl::namespace_},
    {"STATUS", kAuth, &Impl::status},
    {"APPEND", kAuth, &Impl::append},
    {"IDLE", kAuth, &Impl::idle},
    {"CHECK", kSel, &Impl::check},
    {"CLOSE", kSel, &Impl::close},
    {"UNSELECT", kSel, &Impl::unselect},
    {"EXPUNGE", kSel, &Impl::expunge},
    {"SEARCH", kSel, &Impl::search_seq},
    {"FETCH", kSel, &Impl::fetch_seq},
    {"STORE", kSel, &Impl::store_seq},
    {"COPY", kSel, &Impl::copy_seq},
};
constexpr Impl::Command kUidCommands[] = {
    {"FETCH", kSel, &Impl::fetch_uid},
    {"STORE", kSel, &Impl::store_uid},
    {"SEARCH", kSel, &Impl::search_uid},
    {"COPY", kSel, &Impl::copy_uid},
    {"EXPUNGE", kSel, &Impl::expunge_uid},  // RFC 4315 §2.1
};
// clang-format on

// LIST wildcards (RFC 3501 §6.3.8): '*' matches anything, '%' anything but the delimiter.
bool wild_match(std::string_view pat, std::string_view name) {
  if (pat.empty()) return name.empty();
  if (pat[0] == '*' || pat[0] == '%') {
    for (std::size_t i = 0; i <= name.size(); ++i) {
      if (wild_match(pat.substr(1), name.substr(i))) return true;
      if (i < name.size() && pat[0] == '%' && name[i] == '/') return false;
    }
    return false;
  }
  return !name.empty() && pat[0] == name[0] && wild_match(pat.substr(1), name.substr(1));
}

bool list_matches(std::string pattern, const std::string& name) {
  // INBOX is case-insensitive: compare it against the pattern's upper-cased form.
  if (name == "INBOX")
    for (char& c : pattern) c = smtp::ascii_upper(c);
  // Bound the backtracking: a pattern of many wildcards is refused rather than explored.
  if (std::count(pattern.begin(), pattern.end(), '*') +
          std::count(pattern.begin(), pattern.end(), '%') >
      8)
    return false;
  return wild_match(pattern, name);
}

}  // namespace

bool Impl::valid_new_name(std::string_view n) {
  if (n.empty() || n.size() > 200 || n.front() == '/' || n.find("//") != n.npos) return false;
  for (char c : n) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 32 || u >= 127 || c == '*' || c == '%') return false;
  }
  return true;
}

const Impl::Command* Impl::find_command(std::string_view name, bool uid) {
  if (uid) {
    for (const auto& c : kUidCommands)
      if (c.name == name) return &c;
    return nullptr;
  }
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

std::string Impl::mailbox_name(std::string name) {
  if (iequals(name, "INBOX")) return "INBOX";
  return name;
}

void Impl::capability(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "CAPABILITY takes no arguments");
  s.send("* CAPABILITY " + s.capabilities());
  s.sync(true);
  s.tagged(tag, "OK", "CAPABILITY completed");
}

void Impl::noop(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "NOOP takes no arguments");
  s.sync(true);
  s.tagged(tag, "OK", "NOOP completed");
}

void Impl::check(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "CHECK takes no arguments");
  s.sync(true);
  s.tagged(tag, "OK", "CHECK completed");
}

void Impl::logout(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "LOGOUT takes no arguments");
  s.send("* BYE IMAP4rev1 Server logging out");
  s.tagged(tag, "OK", "LOGOUT completed");
  s.enter(ServerState::Logout, "LOGOUT");
  s.closed_ = true;
}

void Impl::starttls(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "STARTTLS takes no arguments");
  if (!s.cfg_.starttls_available || s.cfg_.tls_active) return s.bad(tag, "STARTTLS not available");
  s.tagged(tag, "OK", "Begin TLS negotiation now");
  s.start_tls_pending_ = true;
}

void Impl::login(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> user, pass;
  if (r.sp()) user = r.astring();
  if (user && r.sp()) pass = r.astring();
  if (!user || !pass || !r.at_end()) return s.bad(tag, "Syntax: LOGIN user password");
  if (s.cfg_.login_needs_tls && !s.cfg_.tls_active) {
    return s.tagged(tag, "NO", "[PRIVACYREQUIRED] LOGIN is disabled before STARTTLS");
  }
  s.auth_ = server_event::Auth{std::move(*user), std::move(*pass), "", "LOGIN"};
  s.auth_tag_ = std::string(tag);
  s.auth_pending_ = true;
}

void Impl::authenticate(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> mech;
  if (r.sp()) mech = r.atom();
  if (!mech) return s.bad(tag, "Syntax: AUTHENTICATE mechanism [initial-response]");
  std::optional<std::string> initial;
  if (r.sp()) {
    // SASL-IR (RFC 4959): base64 or "=" for an empty response.
    initial = r.atom();
    if (!initial || !r.at_end()) return s.bad(tag, "Invalid initial response");
  } else if (!r.at_end()) {
    return s.bad(tag, "Syntax: AUTHENTICATE mechanism [initial-response]");
  }
  if (!iequals(*mech, "PLAIN")) {
    return s.tagged(tag, "NO", "Unsupported authentication mechanism");
  }
  if (s.cfg_.login_needs_tls && !s.cfg_.tls_active) {
    return s.tagged(tag, "NO", "[PRIVACYREQUIRED] Authentication is disabled before STARTTLS");
  }
  s.auth_tag_ = std::string(tag);
  if (initial) {
    finish_auth_payload(s, tag, *initial == "=" ? std::string_view{} : *initial);
    return;
  }
  s.send("+ ");  // RFC 3501 §7.5: an empty challenge
  s.mode_ = S::Mode::AuthResponse;
}

void Impl::finish_auth_payload(S& s, std::string_view tag, std::string_view b64) {
  const std::string t(tag);
  auto decoded = smtp::base64_decode(b64);
  if (!decoded) return s.bad(t, "Invalid base64 in authentication response");
  auto creds = smtp::parse_plain(*decoded);
  if (!creds) return s.bad(t, "Malformed PLAIN response");
  s.auth_ = server_event::Auth{std::move(creds->authcid), std::move(creds->password),
                               std::move(creds->authzid), "PLAIN"};
  s.auth_tag_ = t;
  s.auth_pending_ = true;
}

void Impl::select(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.at_end()) return s.bad(tag, "Syntax: SELECT mailbox");
  s.select_folder(tag, mailbox_name(std::move(*name)), false);
}

void Impl::examine(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.at_end()) return s.bad(tag, "Syntax: EXAMINE mailbox");
  s.select_folder(tag, mailbox_name(std::move(*name)), true);
}

void Impl::create(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.at_end()) return s.bad(tag, "Syntax: CREATE mailbox");
  std::string n = mailbox_name(std::move(*name));
  if (!n.empty() && n.back() == '/') n.pop_back();  // RFC 3501 §6.3.3: trailing delimiter
  if (!valid_new_name(n)) return s.tagged(tag, "NO", "Invalid mailbox name");
  if (!s.store_.mailbox(s.user_)) return s.tagged(tag, "NO", "No mailbox for this user");
  if (s.store_.folder(s.user_, n)) return s.tagged(tag, "NO", "[ALREADYEXISTS] Mailbox exists");
  // RFC 3501 §6.3.3: the server SHOULD create the superior names ("Work" for "Work/2024"),
  // so that LIST "" % shows the level a client must open to reach the new mailbox.
  for (std::size_t slash = n.find('/'); slash != std::string::npos; slash = n.find('/', slash + 1))
    if (!s.store_.folder(s.user_, n.substr(0, slash)))
      s.store_.create_folder(s.user_, n.substr(0, slash), s.now_);
  s.store_.create_folder(s.user_, n, s.now_);
  s.sync(true);
  s.tagged(tag, "OK", "CREATE completed");
}

void Impl::subscribe(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.at_end()) return s.bad(tag, "Syntax: SUBSCRIBE mailbox");
  s.sync(true);
  s.tagged(tag, "OK", "Completed");  // every mailbox counts as subscribed (LSUB = LIST)
}

// LIST and LSUB (RFC 3501 §6.3.8, §6.3.9): every mailbox counts as subscribed, so LSUB
// answers like LIST. Names are always sent quoted, which every client accepts.
void Impl::list_common(S& s, std::string_view tag, ArgReader& r, std::string_view verb) {
  std::optional<std::string> ref, pat;
  if (r.sp()) ref = r.astring();
  if (ref && r.sp()) pat = r.list_mailbox();
  if (!ref || !pat || !r.at_end()) {
    return s.bad(tag, fmt::format("Syntax: {} reference mailbox", verb));
  }
  if (pat->empty()) {
    s.send(fmt::format("* {} (\\Noselect) \"/\" \"\"", verb));  // the delimiter query
  } else if (const mail::Mailbox* box = s.store_.mailbox(s.user_)) {
    const std::string full = *ref + *pat;
    // Every mailbox, and every superior name that is not one (what a DELETE of a mailbox
    // with inferiors leaves, RFC 3501 §6.3.4): \Noselect, so a client can still reach the
    // inferiors through it. INBOX first, the rest in name order.
    std::set<std::string> all;
    for (const auto& [n, f] : box->folders) {
      all.insert(n);
      for (std::size_t slash = n.find('/'); slash != std::string::npos;
           slash = n.find('/', slash + 1))
        all.insert(n.substr(0, slash));
    }
    std::vector<std::string> names;
    if (all.count("INBOX")) names.push_back("INBOX");
    for (const auto& n : all)
      if (n != "INBOX") names.push_back(n);
    for (const auto& n : names) {
      if (!list_matches(full, n)) continue;
      // The first name at or after "n/" ("n-x" sorts between "n" and "n/...").
      auto next = all.lower_bound(n + "/");
      const bool children = next != all.end() && next->starts_with(n + "/");
      std::string attrs = children ? "\\HasChildren" : "\\HasNoChildren";
      if (!box->folders.count(n)) attrs = "\\Noselect " + attrs;
      s.send(fmt::format("* {} ({}) \"/\" {}", verb, attrs, imap_string(n)));
    }
  }
  s.sync(true);
  s.tagged(tag, "OK", fmt::format("{} completed", verb));
}

void Impl::list(S& s, std::string_view tag, ArgReader& r) {
  list_common(s, tag, r, "LIST");
}

void Impl::lsub(S& s, std::string_view tag, ArgReader& r) {
  list_common(s, tag, r, "LSUB");
}

void Impl::namespace_(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "NAMESPACE takes no arguments");
  s.send("* NAMESPACE ((\"\" \"/\")) NIL NIL");  // RFC 2342: one personal namespace
  s.sync(true);
  s.tagged(tag, "OK", "NAMESPACE completed");
}

void Impl::status(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.sp() || !r.consume('(')) return s.bad(tag, "Syntax: STATUS mailbox (items)");
  std::vector<std::string> items;
  while (true) {
    auto a = r.atom();
    if (!a || items.size() > 16) return s.bad(tag, "Syntax: STATUS mailbox (items)");
    for (char& c : *a) c = smtp::ascii_upper(c);
    if (*a != "MESSAGES" && *a != "RECENT" && *a != "UIDNEXT" && *a != "UIDVALIDITY" &&
        *a != "UNSEEN") {
      return s.bad(tag, "Unknown STATUS item");
    }
    items.push_back(std::move(*a));
    if (r.consume(')')) break;
    if (!r.sp()) return s.bad(tag, "Syntax: STATUS mailbox (items)");
  }
  if (!r.at_end()) return s.bad(tag, "Syntax: STATUS mailbox (items)");
  const std::string n = mailbox_name(std::move(*name));
  const mail::Folder* f = s.store_.folder(s.user_, n);
  if (!f) return s.tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
  std::string out;
  for (const auto& item : items) {
    std::size_t v = 0;
    if (item == "MESSAGES") {
      v = f->messages.size();
    } else if (item == "RECENT") {
      for (const auto& m : f->messages) v += m.uid > f->imap_recent_upto;
    } else if (item == "UIDNEXT") {
      v = f->uidnext;
    } else if (item == "UIDVALIDITY") {
      v = f->uidvalidity;
    } else {
      for (const auto& m : f->messages) v += !(m.flags & mail::kSeen);
    }
    out += fmt::format("{}{} {}", out.empty() ? "" : " ", item, v);
  }
  s.send(fmt::format("* STATUS {} ({})", imap_string(n), out));
  s.sync(true);
  s.tagged(tag, "OK", "STATUS completed");
}

// APPEND mailbox [flag-list] [date-time] literal (RFC 3501 §6.3.11).
void Impl::append(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.sp()) return s.bad(tag, "Syntax: APPEND mailbox [(flags)] [date] {size}");
  unsigned flags = 0;
  if (r.peek() == '(') {
    auto list = r.flag_list();
    if (!list || !r.sp()) return s.bad(tag, "Invalid flag list");
    for (const auto& f : *list) {
      const auto bitv = flag_bit(f);
      if (!bitv) return s.bad(tag, "Invalid flag");
      flags |= *bitv;
    }
  }
  std::int64_t date = s.now_;
  if (r.peek() == '"') {
    auto d = r.quoted();
    std::optional<std::int64_t> when;
    if (d) when = parse_date_time(*d);
    if (!when || !r.sp()) return s.bad(tag, "Invalid date-time");
    date = *when;
  }
  auto content = r.literal();
  if (!content || !r.at_end()) return s.bad(tag, "Syntax: APPEND mailbox [(flags)] [date] {size}");
  const std::string n = mailbox_name(std::move(*name));
  if (!s.store_.folder(s.user_, n)) return s.tagged(tag, "NO", "[TRYCREATE] No such mailbox");
  const auto uid = s.store_.append(s.user_, n, std::move(*content), flags, date);
  if (!uid) return s.tagged(tag, "NO", "[OVERQUOTA] Mailbox is full");
  const std::uint32_t validity = s.store_.folder(s.user_, n)->uidvalidity;
  s.sync(true);
  // RFC 4315 §3: the new message's UID, so a synchronizing client (mbsync) need not search
  // for what it just stored.
  s.tagged(tag, "OK", fmt::format("[APPENDUID {} {}] APPEND completed", validity, *uid));
}

// IDLE (RFC 2177): "+ idling", then untagged updates as they happen, until DONE.
void Impl::idle(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "IDLE takes no arguments");
  s.idle_tag_ = std::string(tag);
  s.idle_return_ = s.state_;
  s.send("+ idling");
  s.enter(ServerState::Idle, "IDLE");
  s.mode_ = S::Mode::Idle;
  s.sync(true);
}

// CLOSE (RFC 3501 §6.4.2): expunge \Deleted silently (not in a read-only mailbox).
void Impl::close(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "CLOSE takes no arguments");
  if (!s.read_only_) {
    if (const mail::Folder* f = selected(s)) {
      std::vector<std::uint32_t> gone;
      for (const auto& m : f->messages)
        if (m.flags & mail::kDeleted) gone.push_back(m.uid);
      s.store_.expunge(s.user_, s.selected_, gone);
    }
  }
  s.unselect();
  s.enter(ServerState::Authenticated, "CLOSE");
  s.tagged(tag, "OK", "CLOSE completed");
}

void Impl::unselect(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "UNSELECT takes no arguments");
  s.unselect();
  s.enter(ServerState::Authenticated, "UNSELECT");
  s.tagged(tag, "OK", "UNSELECT completed");
}

std::optional<unsigned> Impl::flag_bit(std::string_view f) {
  if (iequals(f, "\\Seen")) return mail::kSeen;
  if (iequals(f, "\\Answered")) return mail::kAnswered;
  if (iequals(f, "\\Flagged")) return mail::kFlagged;
  if (iequals(f, "\\Deleted")) return mail::kDeleted;
  if (iequals(f, "\\Draft")) return mail::kDraft;
  if (f.starts_with('\\')) return std::nullopt;  // \Recent and unknown system flags
  return 0u;  // a keyword: accepted, not kept (PERMANENTFLAGS has no \*)
}

}  // namespace smtpsim::imap
