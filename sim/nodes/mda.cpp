// Final delivery.
#include "sim/nodes/mda.hpp"

#include <fmt/format.h>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::nodes {

Mda::Mda(World& world, engine::HostId host, std::set<std::string> domains)
    : world_(world), host_(host) {
  for (const auto& d : domains) domains_.insert(smtp::to_lower(d));
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
  const StoreResult r =
      store_.deliver(user, fmt::format("Return-Path: <{}>\r\n", sender) + content, world_.now());
  if (r == StoreResult::Stored) {
    world_.net.trace(trace::Event{.kind = trace::EventKind::Delivered,
                                  .host = world_.net.name(host_),
                                  .text = fmt::format("delivered to mailbox {}", user),
                                  .message_id = queue_id,
                                  .address = address});
  }
  return r;
}

}  // namespace smtpsim::nodes
