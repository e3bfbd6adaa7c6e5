// IMAP server commands on the messages of the selected mailbox (RFC 3501 §6.4): EXPUNGE,
// SEARCH, FETCH, STORE, COPY and their UID forms (UID EXPUNGE and COPYUID from RFC 4315). Sequence
// numbers are positions in this session's view (ServerSession::view()), never in the store, so they
// mean what the client was told; FETCH, STORE and SEARCH may report new messages and flag changes
// but never an EXPUNGE (RFC 3501 §7.4.1), UID forms and the other commands may.
#include <fmt/format.h>

#include "sim/proto/imap/fetch.hpp"
#include "sim/proto/imap/search.hpp"
#include "sim/proto/imap/server_impl.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::imap {

using namespace server_side;  // NOLINT: this file is the server

using smtp::iequals;
using Impl = ServerSession::Impl;

std::optional<std::vector<std::size_t>> Impl::resolve(const S& s, const SequenceSet& set,
                                                      bool uid) {
  std::vector<std::size_t> out;
  const auto n = static_cast<std::uint32_t>(s.view_.size());
  if (uid) {
    // RFC 3501 §6.4.8: UIDs that do not exist are simply left out.
    const std::uint32_t max_uid = s.view_.empty() ? 0 : s.view_.back().uid;
    for (std::size_t i = 0; i < s.view_.size(); ++i)
      if (set.contains(s.view_[i].uid, max_uid)) out.push_back(i);
    return out;
  }
  // Sequence numbers beyond EXISTS (or any in an empty mailbox) are a client error.
  for (const auto& r : set.ranges)
    if (n == 0 || r.lo > n || r.hi > n) return std::nullopt;
  for (std::uint32_t i = 1; i <= n; ++i)
    if (set.contains(i, n)) out.push_back(i - 1);
  return out;
}

namespace {
// Compact UID set for COPYUID (RFC 4315 §3): runs of consecutive UIDs as "lo:hi".
std::string uid_set(const std::vector<std::uint32_t>& uids) {
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += j == i ? fmt::format("{}", uids[i]) : fmt::format("{}:{}", uids[i], uids[j]);
    i = j + 1;
  }
  return out;
}
}  // namespace

void Impl::expunge(S& s, std::string_view tag, ArgReader& r) {
  if (!r.at_end()) return s.bad(tag, "EXPUNGE takes no arguments");
  expunge_set(s, tag, nullptr, "EXPUNGE completed");
}

void Impl::expunge_uid(S& s, std::string_view tag, ArgReader& r) {
  std::optional<SequenceSet> set;
  if (r.sp()) set = r.sequence_set();
  if (!set || !r.at_end()) return s.bad(tag, "Syntax: UID EXPUNGE sequence-set");
  expunge_set(s, tag, &*set, "UID EXPUNGE completed");
}

void Impl::expunge_set(S& s, std::string_view tag, const SequenceSet* only, std::string_view done) {
  if (s.read_only_) return s.tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
  s.sync(true);  // messages that arrived meanwhile are announced before they can vanish
  std::vector<std::uint32_t> gone;
  if (const mail::Folder* f = selected(s)) {
    const std::uint32_t max_uid = s.view_.empty() ? 0 : s.view_.back().uid;
    for (const auto& v : s.view_) {
      const mail::StoredMessage* m = f->find(v.uid);
      if (!m || !(m->flags & mail::kDeleted)) continue;
      if (only && !only->contains(v.uid, max_uid)) continue;
      gone.push_back(v.uid);
    }
  }
  s.store_.expunge(s.user_, s.selected_, gone);
  s.sync(true);  // "* n EXPUNGE", highest first
  s.tagged(tag, "OK", done);
}

void Impl::search(S& s, std::string_view tag, ArgReader& r, bool uid) {
  bool bad_charset = false;
  std::optional<SearchKey> key;
  if (r.sp()) key = parse_search(r, bad_charset);
  if (bad_charset) return s.tagged(tag, "NO", "[BADCHARSET (US-ASCII UTF-8)] Unknown charset");
  if (!key) return s.bad(tag, "Invalid SEARCH syntax");
  const mail::Folder* f = selected(s);
  std::string hits;
  if (f) {
    const auto n = static_cast<std::uint32_t>(s.view_.size());
    const std::uint32_t max_uid = s.view_.empty() ? 0 : s.view_.back().uid;
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto& v = s.view_[i];
      const mail::StoredMessage* m = f->find(v.uid);
      if (!m) continue;  // expunged by another session, not yet reported
      const SearchContext ctx{*m, i + 1, n, max_uid, m->flags, v.recent};
      if (search_matches(*key, ctx)) hits += fmt::format(" {}", uid ? v.uid : i + 1);
    }
  }
  s.send("* SEARCH" + hits);
  s.sync(uid);
  s.tagged(tag, "OK", uid ? "UID SEARCH completed" : "SEARCH completed");
}

void Impl::fetch(S& s, std::string_view tag, ArgReader& r, bool uid) {
  std::optional<SequenceSet> set;
  std::optional<std::vector<FetchAtt>> atts;
  if (r.sp()) set = r.sequence_set();
  if (set && r.sp()) atts = parse_fetch_atts(r);
  if (!set || !atts || !r.at_end()) return s.bad(tag, "Syntax: FETCH sequence-set items");
  const auto which = resolve(s, *set, uid);
  if (!which) return s.bad(tag, "Invalid sequence number");
  bool wants_flags = false, wants_uid = false, sets_seen = false;
  for (const auto& a : *atts) {
    wants_flags = wants_flags || a.kind == FetchAtt::Kind::Flags;
    wants_uid = wants_uid || a.kind == FetchAtt::Kind::Uid;
    sets_seen = sets_seen || a.sets_seen();
  }
  if (uid && !wants_uid) {  // RFC 3501 §6.4.8: UID FETCH always reports the UID
    FetchAtt u;
    u.kind = FetchAtt::Kind::Uid;
    atts->insert(atts->begin(), u);
  }
  for (std::size_t i : *which) {
    mail::Folder* f = selected(s);
    const mail::StoredMessage* m = f ? f->find(s.view_[i].uid) : nullptr;
    if (!m) continue;  // a ghost: expunged elsewhere, reported by a later command
    bool add_flags = false;
    if (sets_seen && !s.read_only_ && !(m->flags & mail::kSeen)) {
      // RFC 3501 §6.4.5: BODY[...] (not PEEK) sets \Seen; the new FLAGS are reported.
      s.store_.set_flags(s.user_, s.selected_, m->uid, m->flags | mail::kSeen);
      add_flags = !wants_flags;
    }
    auto& v = s.view_[i];
    std::string items;
    for (const auto& a : *atts) {
      if (!items.empty()) items.push_back(' ');
      items += render_fetch_att(a, *m, m->flags, v.recent);
    }
    if (add_flags) items += " FLAGS " + render_flags(m->flags, v.recent);
    if (wants_flags || add_flags) v.flags = m->flags;  // reported now, not again by sync
    s.send(fmt::format("* {} FETCH ({})", i + 1, items));
  }
  s.sync(uid);
  s.tagged(tag, "OK", uid ? "UID FETCH completed" : "FETCH completed");
}

// STORE set [+-]FLAGS[.SILENT] (flags) (RFC 3501 §6.4.6).
void Impl::store(S& s, std::string_view tag, ArgReader& r, bool uid) {
  std::optional<SequenceSet> set;
  std::optional<std::string> item;
  if (r.sp()) set = r.sequence_set();
  if (set && r.sp()) {
    const std::size_t start = r.position();
    r.consume('+') || r.consume('-');
    if (auto a = r.atom()) item = std::string(r.slice(start, r.position()));
  }
  if (!set || !item || !r.sp()) return s.bad(tag, "Syntax: STORE sequence-set item (flags)");
  std::string it = *item;
  for (char& c : it) c = smtp::ascii_upper(c);
  const bool silent = it.ends_with(".SILENT");
  if (silent) it.resize(it.size() - 7);
  const int mode = it == "FLAGS" ? 0 : it == "+FLAGS" ? 1 : it == "-FLAGS" ? -1 : 2;
  if (mode == 2) return s.bad(tag, "Unknown STORE item");
  std::vector<std::string> flags;
  if (r.peek() == '(') {
    auto list = r.flag_list();
    if (!list) return s.bad(tag, "Invalid flag list");
    flags = std::move(*list);
  } else {
    do {
      auto f = r.flag();
      if (!f || flags.size() > 64) return s.bad(tag, "Invalid flag list");
      flags.push_back(std::move(*f));
    } while (r.sp());
  }
  if (!r.at_end()) return s.bad(tag, "Syntax: STORE sequence-set item (flags)");
  unsigned bits = 0;
  for (const auto& f : flags) {
    const auto b = flag_bit(f);
    if (!b) return s.bad(tag, "Invalid flag (\\Recent cannot be stored)");
    bits |= *b;
  }
  if (s.read_only_) return s.tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
  const auto which = resolve(s, *set, uid);
  if (!which) return s.bad(tag, "Invalid sequence number");
  for (std::size_t i : *which) {
    mail::Folder* f = selected(s);
    const mail::StoredMessage* m = f ? f->find(s.view_[i].uid) : nullptr;
    if (!m) continue;
    const unsigned now = mode == 0 ? bits : mode == 1 ? (m->flags | bits) : (m->flags & ~bits);
    const std::uint32_t u = m->uid;
    s.store_.set_flags(s.user_, s.selected_, u, now);
    auto& v = s.view_[i];
    v.flags = now;  // our own change: never re-announced by sync
    if (!silent) {
      s.send(fmt::format("* {} FETCH ({}FLAGS {})", i + 1, uid ? fmt::format("UID {} ", u) : "",
                         render_flags(now, v.recent)));
    }
  }
  s.sync(uid);
  s.tagged(tag, "OK", uid ? "UID STORE completed" : "STORE completed");
}

void Impl::copy(S& s, std::string_view tag, ArgReader& r, bool uid) {
  std::optional<SequenceSet> set;
  std::optional<std::string> name;
  if (r.sp()) set = r.sequence_set();
  if (set && r.sp()) name = r.astring();
  if (!set || !name || !r.at_end()) return s.bad(tag, "Syntax: COPY sequence-set mailbox");
  const auto which = resolve(s, *set, uid);
  if (!which) return s.bad(tag, "Invalid sequence number");
  const std::string dest = mailbox_name(std::move(*name));
  if (!s.store_.folder(s.user_, dest)) return s.tagged(tag, "NO", "[TRYCREATE] No such mailbox");
  // Copy the messages out first: appending to the same folder moves its vector.
  std::vector<mail::StoredMessage> copies;
  std::vector<std::uint32_t> sources;
  if (const mail::Folder* f = selected(s)) {
    for (std::size_t i : *which)
      if (const mail::StoredMessage* m = f->find(s.view_[i].uid)) {
        copies.push_back(*m);
        sources.push_back(m->uid);
      }
  }
  std::vector<std::uint32_t> added;
  for (auto& m : copies) {
    auto u = s.store_.append(s.user_, dest, std::move(m.content), m.flags, m.internal_date);
    if (!u) {
      // RFC 3501 §6.4.7: a failed COPY leaves the destination as it was.
      s.store_.expunge(s.user_, dest, added);
      s.sync(true);
      return s.tagged(tag, "NO", "[OVERQUOTA] Mailbox is full");
    }
    added.push_back(*u);
  }
  const std::uint32_t validity = s.store_.folder(s.user_, dest)->uidvalidity;
  s.sync(true);
  const std::string done = uid ? "UID COPY completed" : "COPY completed";
  if (added.empty()) return s.tagged(tag, "OK", done);
  // RFC 4315 §3: source and destination UIDs, in the same order.
  s.tagged(tag, "OK",
           fmt::format("[COPYUID {} {} {}] {}", validity, uid_set(sources), uid_set(added), done));
}

}  // namespace smtpsim::imap
