// Building and running a scenario.
#include "sim/scenario/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/proto/smtp/text.hpp"

namespace smtpsim::scenario {

namespace {
bool has_role(const HostSpec& h, std::string_view role) {
  return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
}

dns::ResourceRecord to_rr(const DnsRecord& r) {
  const auto ttl = static_cast<std::uint32_t>(r.ttl);
  if (r.type == "MX") {
    // "." is the null MX of RFC 7505: the root name.
    return dns::ResourceRecord::mx(r.name, static_cast<std::uint16_t>(r.preference),
                                   r.value == "." ? std::string{} : r.value, ttl);
  }
  if (r.type == "TXT") {
    std::vector<std::string> parts;  // character-strings of at most 255 bytes (RFC 1035)
    for (std::size_t i = 0; i < r.value.size(); i += 255) parts.push_back(r.value.substr(i, 255));
    if (parts.empty()) parts.emplace_back();
    return dns::ResourceRecord::txt(r.name, parts, ttl);
  }
  if (r.type == "A") return dns::ResourceRecord::a(r.name, r.value, ttl);
  throw std::invalid_argument(fmt::format("unsupported DNS record type '{}'", r.type));
}

nodes::QueueConfig queue_config(const QueueSettings& q) {
  return nodes::QueueConfig{q.queue_run_delay,        q.minimal_backoff,       q.maximal_backoff,
                            q.maximal_queue_lifetime, q.bounce_queue_lifetime, q.delay_warning};
}
}  // namespace

Simulation::Simulation(const Spec& spec, trace::Sink& sink, std::optional<std::uint64_t> seed,
                       LiveHooks hooks)
    : spec_(spec),
      hooks_(std::move(hooks)),
      rng_(seed.value_or(spec.seed)),
      net_(queue_, sink),
      world_{queue_, net_, rng_, hooks_.epoch_unix.value_or(spec.epoch_unix)} {
  for (const auto& h : spec_.hosts) net_.add_host(h.name, h.address, h.latency_us);

  // DNS servers first: every resolver needs to know where to send its queries.
  std::string default_dns;
  for (const auto& h : spec_.hosts) {
    if (!has_role(h, "DNS")) continue;
    auto& r = roles_[h.name];
    std::vector<dns::ResourceRecord> records;
    for (const auto& rec : spec_.dns) records.push_back(to_rr(rec));
    r.dns = std::make_unique<nodes::DnsServer>(world_, net_.find(h.name), records);
    if (default_dns.empty()) default_dns = h.name;
  }
  for (const auto& h : spec_.hosts) {
    auto& r = roles_[h.name];
    const engine::HostId id = net_.find(h.name);
    if (has_role(h, "MDA")) {
      r.mda = std::make_unique<nodes::Mda>(
          world_, id, std::set<std::string>(h.domains.begin(), h.domains.end()));
      r.mda->set_journal(hooks_.journal);
      // Mailbox names are local parts, matched without regard to case (as the MDA looks them up).
      for (const auto& [user, pw] : h.users) {
        r.mda->store().add_user(smtp::to_lower(user), h.mailbox_quota);
        r.mda->set_password(user, pw);
      }
      // The mailboxes are read over POP3 (110, 995) and IMAP (143, 993).
      using nodes::RetrievalProtocol;
      for (auto [proto, port] :
           {std::pair{RetrievalProtocol::Pop3, 110}, std::pair{RetrievalProtocol::Pop3, 995},
            std::pair{RetrievalProtocol::Imap, 143}, std::pair{RetrievalProtocol::Imap, 993}}) {
        r.readers.push_back(std::make_unique<nodes::RetrievalService>(
            world_, *r.mda, proto, static_cast<std::uint16_t>(port)));
      }
    }
    if (has_role(h, "MTA")) {
      const std::string dns_host = h.dns_server.empty() ? default_dns : h.dns_server;
      if (!dns_host.empty()) {
        r.resolver = std::make_unique<nodes::DnsResolver>(world_, id, host_or_throw(dns_host));
      }
      if (hooks_.wrap_resolver)
        r.resolver = hooks_.wrap_resolver(std::move(r.resolver), world_, id);
      r.mta = std::make_unique<nodes::Mta>(
          world_, id, std::set<std::string>(h.domains.begin(), h.domains.end()),
          queue_config(h.queue.value_or(spec_.queue)), r.mda.get(), r.resolver.get());
      r.mta->set_journal(hooks_.journal);
      // An MTA with domains but no MDA is a backup MX for them: it accepts and relays on.
      if (!r.mda) r.mta->set_relay_domains({h.domains.begin(), h.domains.end()});
      r.mta->set_spf(h.spf == "enforce" ? nodes::SpfMode::Enforce
                     : h.spf == "check" ? nodes::SpfMode::Check
                                        : nodes::SpfMode::Off);
      r.mta->listen_smtp(25);
    }
    if (has_role(h, "MSA")) {
      if (!r.mta)
        throw std::invalid_argument(
            fmt::format("{}: an MSA needs an MTA on the same host", h.name));
      r.msa = std::make_unique<nodes::Msa>(world_, id, *r.mta, h.users);
      r.msa->listen(587, 465);
    }
  }
  // Web front ends (lesson 12) after the MSAs and MDAs they use (the loader resolved them).
  for (const auto& h : spec_.hosts) {
    if (!has_role(h, "WEBMAIL") || !h.webmail) continue;
    nodes::WebmailConfig wc;
    wc.msa = host_or_throw(h.webmail->submit_to);
    wc.store = host_or_throw(h.webmail->retrieve_from);
    for (const auto& o : spec_.hosts)
      if (o.name == h.webmail->retrieve_from && !o.domains.empty()) wc.domain = o.domains.front();
    roles_[h.name].webmail = std::make_unique<nodes::WebmailService>(world_, net_.find(h.name), wc);
  }
  for (const auto& h : spec_.hosts) {
    if (!has_role(h, "MUA") || !h.mua) continue;
    nodes::MuaConfig cfg;
    cfg.address = h.mua->address;
    cfg.user = h.mua->user;
    cfg.password = h.mua->password;
    if (!h.mua->webmail.empty()) {
      cfg.browser = nodes::BrowserConfig{host_or_throw(h.mua->webmail), 443, h.mua->address,
                                         h.mua->user, h.mua->password};
    } else {
      cfg.msa = host_or_throw(h.mua->submit_to);
    }
    cfg.port = static_cast<std::uint16_t>(h.mua->port);
    cfg.ehlo = h.mua->ehlo;
    if (!h.mua->retrieve_from.empty()) {
      nodes::ReaderConfig rc;
      rc.server = host_or_throw(h.mua->retrieve_from);
      rc.port = static_cast<std::uint16_t>(h.mua->retrieve_port);
      rc.pop3 = h.mua->protocol == "pop3";
      rc.keep_on_server = h.mua->keep_on_server;
      rc.user = h.mua->user;
      rc.password = h.mua->password;
      cfg.reader = rc;
    }
    roles_[h.name].mua = std::make_unique<nodes::Mua>(world_, net_.find(h.name), cfg);
  }
  // The script, in time order (stable: equal times keep file order).
  std::vector<Action> script = spec_.script;
  std::stable_sort(script.begin(), script.end(),
                   [](const Action& a, const Action& b) { return a.at_us < b.at_us; });
  for (auto& a : script) {
    queue_.schedule_at(a.at_us, [this, a] { apply(a); });
  }
}

Simulation::~Simulation() = default;

engine::HostId Simulation::host_or_throw(const std::string& name) const {
  const engine::HostId id = net_.find(name);
  if (id < 0) throw std::invalid_argument(fmt::format("unknown host '{}'", name));
  return id;
}

nodes::Mta* Simulation::mta(const std::string& host) {
  auto it = roles_.find(host);
  return it == roles_.end() ? nullptr : it->second.mta.get();
}
nodes::Mda* Simulation::mda(const std::string& host) {
  auto it = roles_.find(host);
  return it == roles_.end() ? nullptr : it->second.mda.get();
}
nodes::Mua* Simulation::mua(const std::string& host) {
  auto it = roles_.find(host);
  return it == roles_.end() ? nullptr : it->second.mua.get();
}
nodes::WebmailService* Simulation::webmail(const std::string& host) {
  auto it = roles_.find(host);
  return it == roles_.end() ? nullptr : it->second.webmail.get();
}
nodes::DnsServer* Simulation::dns(const std::string& host) {
  auto it = roles_.find(host);
  return it == roles_.end() ? nullptr : it->second.dns.get();
}

std::size_t Simulation::total_queued() const {
  std::size_t n = 0;
  for (const auto& [name, r] : roles_)
    if (r.mta) n += r.mta->queued_count();
  return n;
}

bool Simulation::step() {
  if (queue_.empty() || queue_.next_time() > spec_.run_for_us) return false;
  return queue_.step();
}

void Simulation::run() {
  while (step()) {
  }
}

void Simulation::apply(const Action& a) {
  std::string what = a.kind;
  if (a.kind == "telnet")
    what = fmt::format("telnet {} {}", a.server, a.port);  // what the person typed first
  else if (!a.host.empty())
    what += " " + a.host;
  net_.trace(trace::Event{.kind = trace::EventKind::Action, .host = a.host, .text = what});
  const engine::HostId h = a.host.empty() ? -1 : host_or_throw(a.host);
  if (a.kind == "send") {
    nodes::Mua* m = mua(a.host);
    if (!m) throw std::invalid_argument(fmt::format("{} is not a MUA", a.host));
    m->send(nodes::Draft{a.to, a.cc, a.bcc, a.subject, a.body, a.from});
  } else if (a.kind == "fetch" || a.kind == "read" || a.kind == "delete") {
    nodes::Mua* m = mua(a.host);
    const nodes::MessageChoice which{a.index, a.subject_match};
    if (m && m->browser() && a.kind != "delete") {  // a page of the webmail site
      if (a.kind == "fetch") {
        m->browser()->fetch();
      } else {
        m->browser()->read(which);
      }
      return;
    }
    if (!m || !m->reader())
      throw std::invalid_argument(fmt::format("{} does not read mail", a.host));
    if (a.kind == "fetch") {
      m->reader()->fetch();
    } else if (a.kind == "read") {
      m->reader()->read(which);
    } else {
      m->reader()->remove(which);
    }
  } else if (a.kind == "host_down" || a.kind == "host_up") {
    net_.set_host_up(h, a.kind == "host_up");
  } else if (a.kind == "service_down" || a.kind == "service_up") {
    net_.set_service_up(h, static_cast<std::uint16_t>(a.port), a.kind == "service_up");
  } else if (a.kind == "link_cut" || a.kind == "link_restored") {
    net_.set_link_up(h, a.kind == "link_restored");
  } else if (a.kind == "latency") {
    net_.set_latency(h, a.latency_us);
  } else if (a.kind == "dns_add" || a.kind == "dns_remove") {
    for (auto& [name, r] : roles_) {
      if (!r.dns || !a.record) continue;
      if (a.kind == "dns_add") {
        r.dns->add(to_rr(*a.record));
      } else if (a.record->value.empty()) {
        // No value: every record of that name and type (the loader's documented meaning).
        dns::ResourceRecord all;
        all.name = a.record->name;
        all.type = *dns::parse_type(a.record->type);
        r.dns->remove(all);
      } else {
        r.dns->remove(to_rr(*a.record));
      }
    }
  } else if (a.kind == "dns_servfail" || a.kind == "dns_recover") {
    nodes::DnsServer* d = dns(a.host);
    if (!d) throw std::invalid_argument(fmt::format("{} is not a DNS host", a.host));
    d->failing = a.kind == "dns_servfail";
    net_.trace(trace::Event{.kind = trace::EventKind::DnsRecordChanged,
                            .host = a.host,
                            .proto = "DNS",
                            .text = d->failing ? "DNS server fails: every answer is SERVFAIL"
                                               : "DNS server answers normally again"});
  } else if (a.kind == "mailbox_full") {
    nodes::Mda* m = mda(a.host);
    if (!m) throw std::invalid_argument(fmt::format("{} has no MDA", a.host));
    const auto at = a.mailbox.find('@');
    m->store().set_full(a.mailbox.substr(0, at), a.full);
    net_.trace(trace::Event{
        .kind = trace::EventKind::MailboxFull,
        .host = a.host,
        .text = fmt::format("mailbox {} is {}", a.mailbox, a.full ? "full" : "no longer full"),
        .address = a.mailbox});
  } else if (a.kind == "note") {
    net_.trace(trace::Event{.kind = trace::EventKind::Note, .host = a.host, .text = a.text});
  } else if (a.kind == "telnet") {
    std::erase_if(telnets_, [](const auto& t) { return t->finished(); });
    telnets_.push_back(std::make_unique<nodes::TelnetClient>(
        net_, h, host_or_throw(a.server), static_cast<std::uint16_t>(a.port), a.lines));
    telnets_.back()->start();
  } else {
    throw std::invalid_argument(fmt::format("unknown action '{}'", a.kind));
  }
}

}  // namespace smtpsim::scenario
