// drive() and the static policy.
#include "sim/proto/smtp/server_policy.hpp"

#include <fmt/format.h>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::smtp {

namespace se = server_event;

bool decide(ServerSession& s, ServerPolicy& p, const ServerEvent& ev) {
  Decision d;
  if (const auto* m = std::get_if<se::MailFrom>(&ev)) {
    d = p.mail_from(s, *m);
  } else if (const auto* r = std::get_if<se::RcptTo>(&ev)) {
    d = p.rcpt_to(s, *r);
  } else if (const auto* a = std::get_if<se::Auth>(&ev)) {
    d = p.auth(s, *a);
  } else if (const auto* v = std::get_if<se::Vrfy>(&ev)) {
    d = p.vrfy(s, *v);
  } else if (std::holds_alternative<se::Message>(ev)) {
    d = p.message(s, s.transaction());
  } else {
    return false;  // NeedData, StartTls, Closed
  }
  if (d.accept) {
    s.accept(std::move(d.reply));
  } else {
    s.reject(std::move(d.reply));
  }
  return true;
}

ServerEvent drive(ServerSession& s, ServerPolicy& p) {
  while (true) {
    ServerEvent ev = s.next_event();
    if (!decide(s, p, ev)) return ev;
  }
}

bool StaticPolicy::is_local_domain(std::string_view domain) const {
  return local_domains.count(to_lower(domain)) > 0;
}

Decision StaticPolicy::rcpt_to(const ServerSession& s, const se::RcptTo& r) {
  const Address& a = r.recipient;
  // RFC 5321 §4.5.1: <Postmaster> and postmaster@<local domain> are always accepted.
  if (a.is_bare_postmaster()) return Decision::yes();
  if (a.domain.front() == '[' || !is_local_domain(a.domain)) {
    if (relay_when_authenticated && s.authenticated()) return Decision::yes();
    return Decision::no(
        Reply{554, "5.7.1", fmt::format("<{}>: Relay access denied", sanitize(a.str(), 300))});
  }
  if (a.is_postmaster() || mailboxes.empty()) return Decision::yes();
  if (mailboxes.count(to_lower(a.str())) > 0) return Decision::yes();
  return Decision::no(
      Reply{550, "5.1.1",
            fmt::format("<{}>: Recipient address rejected: User unknown", sanitize(a.str(), 300))});
}

Decision StaticPolicy::auth(const ServerSession&, const se::Auth& a) {
  auto it = users.find(a.user);
  if (it != users.end() && a.password_matches(it->second)) return Decision::yes();
  return Decision::no();
}

Decision StaticPolicy::vrfy(const ServerSession&, const se::Vrfy&) {
  return Decision::yes();  // 252: never confirm or deny (address harvesting, RFC 5321 §7.3)
}

Decision StaticPolicy::message(const ServerSession& s, const Transaction& tx) {
  if (!deliver) return Decision::yes();
  if (auto r = deliver(s, tx)) return Decision{true, *r};
  return Decision::no(Reply{451, "4.3.0", "Error: local error in processing, try again later"});
}

}  // namespace smtpsim::smtp
