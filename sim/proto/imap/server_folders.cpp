// IMAP DELETE and RENAME (RFC 3501 §6.3.4, §6.3.5), with RFC 5530 response codes. The rules
// about names (INBOX, inferiors, what exists) live in mail::MailStore; this file parses the
// arguments and turns the store's answer into the tagged response. Trusts the store; every
// argument is hostile and checked by ArgReader and valid_new_name().
#include <fmt/format.h>

#include "sim/proto/imap/server_impl.hpp"

namespace smtpsim::imap {

using namespace server_side;  // NOLINT: this file is the server
using Impl = ServerSession::Impl;

// DELETE mailbox. Dovecot's choices where RFC 3501 leaves one: a mailbox with inferiors loses
// its messages and stays only as their \Noselect superior (the RFC's second example); the
// session that had it selected, this one included, gets BYE (it cannot go on with UIDs of a
// mailbox that no longer exists, and IMAP4rev1 has no response that unselects).
void Impl::delete_(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> name;
  if (r.sp()) name = r.astring();
  if (!name || !r.at_end()) return s.bad(tag, "Syntax: DELETE mailbox");
  const std::string n = mailbox_name(std::move(*name));
  const mail::Folder* f = s.store_.folder(s.user_, n);
  const bool ours = f && !s.selected_.empty() && f->id == s.selected_id_;
  switch (s.store_.delete_folder(s.user_, n)) {
    case mail::FolderResult::Done:
      break;
    case mail::FolderResult::IsInbox:
      return s.tagged(tag, "NO", "[CANNOT] INBOX cannot be deleted");
    case mail::FolderResult::HasChildren:
      // RFC 3501 §6.3.4: an error for a \Noselect name with inferiors. HASCHILDREN is the
      // code RFC 9051 §7.1 made for it; IMAP4rev1 clients ignore codes they do not know.
      return s.tagged(tag, "NO", "[HASCHILDREN] Mailbox has children, delete them first");
    default:
      return s.tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
  }
  if (ours) {
    s.tagged(tag, "OK", "DELETE completed");
    return s.bye_deleted();
  }
  s.sync(true);
  s.tagged(tag, "OK", "DELETE completed");
}

// RENAME existing new. The renamed mailbox keeps its UIDVALIDITY and UIDs (RFC 3501 §2.3.1.1
// only asks for a new UIDVALIDITY when a *name* gets a different mailbox; RFC 9051 §6.3.6
// says so outright); a session that has it selected follows it to the new name.
void Impl::rename(S& s, std::string_view tag, ArgReader& r) {
  std::optional<std::string> from, to;
  if (r.sp()) from = r.astring();
  if (from && r.sp()) to = r.astring();
  if (!from || !to || !r.at_end()) return s.bad(tag, "Syntax: RENAME existing new");
  const std::string src = mailbox_name(std::move(*from));
  std::string dst = mailbox_name(std::move(*to));
  if (!dst.empty() && dst.back() == '/') dst.pop_back();  // as CREATE (RFC 3501 §6.3.3)
  if (!s.store_.folder(s.user_, src) && !s.store_.has_inferiors(s.user_, src))
    return s.tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
  if (!valid_new_name(dst)) return s.tagged(tag, "NO", "[CANNOT] Invalid mailbox name");
  switch (s.store_.rename_folder(s.user_, src, dst, s.now_)) {
    case mail::FolderResult::Done:
      break;
    case mail::FolderResult::AlreadyExists:
      return s.tagged(tag, "NO", "[ALREADYEXISTS] Mailbox exists");
    case mail::FolderResult::UnderItself:
      return s.tagged(tag, "NO", "[CANNOT] Cannot rename a mailbox to its own inferior");
    default:
      return s.tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
  }
  s.follow_selected();  // never false here: a rename deletes nothing
  s.sync(true);
  s.tagged(tag, "OK", "RENAME completed");
}

}  // namespace smtpsim::imap
