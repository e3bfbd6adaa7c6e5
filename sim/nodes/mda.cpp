// Final delivery.
#include "sim/nodes/mda.hpp"

#include <fmt/format.h>

#include "sim/nodes/journal.hpp"
#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

Mda::Mda(World& world, engine::HostId host, std::set<std::string> domains)
    : world_(world), host_(host) {
  for (const auto& d : domains) domains_.insert(smtp::to_lower(d));
  store_.set_change_listener([this](const mail::StoreChange& c) { on_store_change(c); });
}

// Every change to a stored message is traced (the GUI's mailbox badges fold these), then
// told to the retrieval services so IDLE sessions hear of it at once (RFC 2177).
void Mda::on_store_change(const mail::StoreChange& c) {
  const std::string host = world_.net.name(host_);
  auto emit = [&](trace::EventKind kind, std::uint32_t uid, unsigned flags, std::string text) {
    world_.net.trace(trace::Event{.kind = kind,
                                  .host = host,
                                  .text = std::move(text),
                                  .detail = c.folder,
                                  .address = c.user,
                                  .uid = uid,
                                  .flags = flags});
  };
  if (journal_) journal_change(c);
  switch (c.kind) {
    case mail::StoreChange::Created:
      return;  // an empty folder: nothing for the trace or for IDLE sessions
    case mail::StoreChange::FolderDeleted:
      world_.net.trace(trace::Event{
          .kind = trace::EventKind::Note,
          .host = host,
          .text = fmt::format("{}: {}'s folder {} deleted with its {} message{}", host, c.user,
                              c.folder, c.expunged.size(), c.expunged.size() == 1 ? "" : "s"),
          .address = c.user});
      break;  // sessions that have it selected say BYE
    case mail::StoreChange::FolderRenamed:
      if (c.folder == "INBOX") {  // the messages leave INBOX (the GUI's badges count these)
        for (std::uint32_t uid : c.expunged)
          emit(trace::EventKind::Expunged, uid, 0,
               fmt::format("{}'s INBOX message {} moved to {}", c.user, uid, c.new_name));
      }
      world_.net.trace(trace::Event{
          .kind = trace::EventKind::Note,
          .host = host,
          .text = fmt::format("{}: {}'s folder {} renamed {}", host, c.user, c.folder, c.new_name),
          .address = c.user});
      break;  // sessions that have it selected follow it (INBOX's see the messages go)
    case mail::StoreChange::Delivered:
      last_delivered_uid_ = c.uid;
      break;
    case mail::StoreChange::FlagsChanged:
      emit(trace::EventKind::FlagsChanged, c.uid, c.new_flags,
           fmt::format("{}'s {} message {}: flags {}", c.user, c.folder, c.uid,
                       mail::flags_text(c.new_flags)));
      break;
    case mail::StoreChange::Expunged:
      for (std::uint32_t uid : c.expunged)
        emit(trace::EventKind::Expunged, uid, 0,
             fmt::format("{}'s {} message {} removed", c.user, c.folder, uid));
      break;
    case mail::StoreChange::Appended:
      emit(trace::EventKind::Appended, c.uid, c.new_flags,
           fmt::format("{} saved message {} in {}", c.user, c.uid, c.folder));
      break;
  }
  for (auto& w : watchers_) w(c);
}

// Live mode: everything but a delivery (already on disk, see deliver()) goes to the journal as
// it happens. These come from POP3 and IMAP sessions, which answer OK right after; a failure
// cannot change that answer any more, so it is traced as an error for the operator.
void Mda::journal_change(const mail::StoreChange& c) {
  const std::string host = world_.net.name(host_);
  if (auto err = journal_write(host, c)) {
    world_.net.trace(trace::Event{
        .kind = trace::EventKind::Note,
        .host = host,
        .text = fmt::format("{}: cannot write {}'s {} to disk: {}", host, c.user, c.folder, *err),
        .detail = "error",
        .address = c.user});
  }
}

std::optional<std::string> Mda::journal_write(const std::string& host, const mail::StoreChange& c) {
  switch (c.kind) {  // the changes that need no folder (it is gone or has a new name)
    case mail::StoreChange::Delivered:
      return std::nullopt;
    case mail::StoreChange::FolderDeleted:
      return journal_->mail_delete_folder(host, c.user, c.folder);
    case mail::StoreChange::FolderRenamed: {
      const std::string to(c.new_name);
      const mail::Folder* f = store_.folder(c.user, to);
      if (!f) return std::nullopt;
      if (c.folder == "INBOX") {
        // INBOX's UIDNEXT first: emptied, it must still not hand out the moved UIDs again
        // under its unchanged UIDVALIDITY after a restart (RFC 3501 §2.3.1.1).
        const mail::Folder* inbox = store_.folder(c.user, "INBOX");
        if (auto err = journal_->mail_expunge(host, c.user, c.folder, inbox->uidvalidity,
                                              inbox->uidnext, {}))
          return err;
      }
      return journal_->mail_rename_folder(host, c.user, c.folder, to, f->uidvalidity, f->uidnext);
    }
    default:
      break;
  }
  const mail::Folder* f = store_.folder(c.user, c.folder);
  if (!f) return std::nullopt;
  switch (c.kind) {
    case mail::StoreChange::FlagsChanged:
      return journal_->mail_flags(host, c.user, c.folder, c.uid, c.new_flags);
    case mail::StoreChange::Expunged:
      return journal_->mail_expunge(host, c.user, c.folder, f->uidvalidity, f->uidnext, c.expunged);
    case mail::StoreChange::Created:
      // IMAP CREATE: kept even while empty, or a restart would lose it and a synchronizing
      // client (mbsync) could no longer open the folder it made.
      return journal_->mail_create(host, c.user, c.folder, f->uidvalidity, f->uidnext);
    case mail::StoreChange::Appended: {
      const mail::StoredMessage* m = f->find(c.uid);
      if (!m) return std::nullopt;
      return journal_->mail_add(host, c.user, c.folder, f->uidvalidity,
                                JournalMessage{m->uid, m->flags, m->internal_date, m->content});
    }
    default:
      return std::nullopt;
  }
}

void Mda::restore(const std::string& user, const std::string& folder, const RecoveredFolder& kept) {
  mail::Folder f;
  f.uidvalidity = kept.uidvalidity;
  f.uidnext = kept.uidnext;
  for (const auto& m : kept.messages) {
    f.messages.push_back(mail::StoredMessage{m.uid, m.flags, m.internal_unix_us, m.content});
  }
  // Everything kept was already announced to some session before the restart.
  if (!f.messages.empty()) f.imap_recent_upto = f.messages.back().uid;
  store_.restore_folder(user, folder, std::move(f));
}

bool Mda::serves(const std::string& domain) const {
  return domains_.count(smtp::to_lower(domain)) > 0;
}

std::string Mda::user_for(const std::string& address) const {
  const auto at = address.rfind('@');
  const std::string local = smtp::to_lower(address.substr(0, at));
  if (at != std::string::npos && !serves(address.substr(at + 1))) return "";
  if (store_.has_user(local)) return local;
  // RFC 5321 §4.5.1: postmaster must exist; it lands in a postmaster mailbox.
  if (local == "postmaster") return "postmaster";
  return "";
}

StoreResult Mda::check(const std::string& address, std::size_t size) const {
  const std::string user = user_for(address);
  if (user.empty()) return StoreResult::NoSuchUser;
  if (!store_.has_user(user)) return StoreResult::Stored;  // postmaster, created on demand
  return store_.can_accept(user, size);
}

StoreResult Mda::deliver(const std::string& address, const std::string& sender,
                         const std::string& content, const std::string& queue_id) {
  const std::string user = user_for(address);
  if (user.empty()) return StoreResult::NoSuchUser;
  if (!store_.has_user(user)) store_.add_user(user);
  std::string full = fmt::format("Return-Path: <{}>\r\n", sender) + content;
  if (journal_) {
    // On disk under the UID the store is about to give it, before the store has it: a crash
    // in between leaves a message the queue will deliver again, never one that is lost.
    const StoreResult fits = store_.can_accept(user, full.size());
    if (fits != StoreResult::Stored) return fits;
    const mail::Folder* inbox = store_.folder(user, "INBOX");
    if (!inbox) return StoreResult::NoSuchUser;
    const JournalMessage m{inbox->uidnext, 0, world_.unix_now_us(), full};
    if (auto err =
            journal_->mail_add(world_.net.name(host_), user, "INBOX", inbox->uidvalidity, m)) {
      last_error_ = *err;
      return StoreResult::Unavailable;
    }
  }
  // The INTERNALDATE an IMAP client sees (RFC 3501 §2.3.3): the wall date of the arrival, as
  // an APPEND's date and the spool's file names are, never the run's virtual offset.
  const StoreResult r = store_.deliver(user, std::move(full), world_.unix_now_us());
  if (r == StoreResult::Stored) {
    world_.net.trace(trace::Event{.kind = trace::EventKind::Delivered,
                                  .host = world_.net.name(host_),
                                  .text = fmt::format("delivered to mailbox {}", user),
                                  .detail = user,
                                  .message_id = queue_id,
                                  .address = address,
                                  .uid = last_delivered_uid_});
  }
  return r;
}

}  // namespace smtpsim::nodes

namespace smtpsim::nodes {

void Mda::set_password(const std::string& user, std::string password) {
  passwords_[smtp::to_lower(user)] = std::move(password);
}

std::string Mda::login_user(const std::string& login) const {
  const std::string user =
      login.find('@') != std::string::npos ? user_for(login) : smtp::to_lower(login);
  if (user.empty() || !store_.has_user(user) || !passwords_.count(user)) return "";
  return user;
}

const std::string* Mda::password(const std::string& user) const {
  auto it = passwords_.find(user);
  return it == passwords_.end() ? nullptr : &it->second;
}

}  // namespace smtpsim::nodes
