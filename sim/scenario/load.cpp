// Scenario files: JSON -> validated Spec, with one-sentence errors that say where
// (line/column for syntax, JSON pointer for content) and what was expected.
#include "sim/scenario/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/engine/sim_time.hpp"
#include "sim/proto/smtp/address.hpp"
#include "sim/proto/smtp/text.hpp"
#include "sim/scenario/load_fields.hpp"
#include "sim/scenario/load_parser.hpp"
#include "sim/trace/json_writer.hpp"

namespace smtpsim::scenario {

namespace load_detail {

// ---- the parts -------------------------------------------------------------------------

void queue_settings(const J& v, const std::string& ptr, QueueSettings& q) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 6> kKeys = {
      "queue_run_delay",        "minimal_backoff",       "maximal_backoff",
      "maximal_queue_lifetime", "bounce_queue_lifetime", "delay_warning"};
  check_keys(v, ptr, kKeys);
  for (const auto& [key, f] : v.items()) {
    const auto p = child(ptr, key);
    if (key == "queue_run_delay")
      q.queue_run_delay = whole_seconds(f, p);
    else if (key == "minimal_backoff")
      q.minimal_backoff = whole_seconds(f, p);
    else if (key == "maximal_backoff")
      q.maximal_backoff = whole_seconds(f, p);
    else if (key == "maximal_queue_lifetime")
      q.maximal_queue_lifetime = whole_seconds(f, p);
    else if (key == "bounce_queue_lifetime")
      q.bounce_queue_lifetime = whole_seconds(f, p);
    else if (key == "delay_warning")
      q.delay_warning = f.is_null() ? std::nullopt : std::optional(whole_seconds(f, p));
  }
  if (q.queue_run_delay <= 0) throw Fail{child(ptr, "queue_run_delay"), "must be more than 0s"};
  if (q.minimal_backoff <= 0) throw Fail{child(ptr, "minimal_backoff"), "must be more than 0s"};
  if (q.maximal_backoff < q.minimal_backoff)
    throw Fail{ptr, fmt::format("maximal_backoff ({}s) is less than minimal_backoff ({}s)",
                                q.maximal_backoff, q.minimal_backoff)};
  if (q.delay_warning && *q.delay_warning <= 0)
    throw Fail{child(ptr, "delay_warning"), "must be more than 0s (null turns it off)"};
}

// The owner of a TXT record: a domain name, optionally under underscored labels
// ("_dmarc.example.com", RFC 7489 §6.1; "_spf.example.com"), the RFC 8552 convention for
// names that hold data rather than hosts.
std::string txt_owner(const J& v, const std::string& ptr) {
  auto s = string(v, ptr);
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  std::string_view rest = s;
  while (!rest.empty() && rest.front() == '_') {
    const auto dot = rest.find('.');
    const std::string_view label = rest.substr(1, dot == rest.npos ? rest.npos : dot - 1);
    const bool ok =
        !label.empty() && label.size() < 63 && std::all_of(label.begin(), label.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        });
    if (!ok || dot == rest.npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (!smtp::is_valid_domain(rest) || s.size() > 253)
    throw Fail{ptr, fmt::format("\"{}\" is not a valid name for a TXT record (a domain name, "
                                "optionally under labels starting with \"_\" like _dmarc)",
                                s)};
  return s;
}

// dns records: MX {name, type, preference, value}, A {name, type, value}, TXT {name, type,
// value}, ttl optional. For removal (`removal`), value and preference may be left out (they
// then match any) and ttl is not used.
DnsRecord dns_record(const J& v, const std::string& ptr, bool removal) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 5> kKeys = {"name", "type", "preference", "value",
                                                            "ttl"};
  static constexpr std::array<std::string_view, 4> kRemoveKeys = {"name", "type", "preference",
                                                                  "value"};
  if (removal)
    check_keys(v, ptr, kRemoveKeys);
  else
    check_keys(v, ptr, kKeys);
  DnsRecord r;
  const auto tp = child(ptr, "type");
  r.type = string(need(v, ptr, "type"), tp);
  static constexpr std::array<std::string_view, 3> kTypes = {"MX", "A", "TXT"};
  if (std::find(kTypes.begin(), kTypes.end(), r.type) == kTypes.end())
    throw Fail{tp, fmt::format("unknown record type \"{}\" (one of MX, A, TXT)", r.type)};
  r.name = r.type == "TXT" ? txt_owner(need(v, ptr, "name"), child(ptr, "name"))
                           : domain_name(need(v, ptr, "name"), child(ptr, "name"), "domain name");
  const J* pref = get(v, "preference");
  const J* value = get(v, "value");
  const auto vp = child(ptr, "value");
  if (r.type == "MX") {
    if (!pref && !removal)
      throw Fail{ptr, "missing required field \"preference\" (an MX record has one)"};
    if (pref) r.preference = static_cast<int>(integer(*pref, child(ptr, "preference"), 0, 65535));
    if (!value && !removal)
      throw Fail{ptr, "missing required field \"value\" (the mail server's host name)"};
    if (value) {
      if (value->is_string() && value->get<std::string>() == ".") {
        r.value = ".";  // null MX, RFC 7505
        if (r.preference != 0)
          throw Fail{vp, "a null MX (\".\") must have preference 0 (RFC 7505)"};
      } else {
        r.value = domain_name(*value, vp, "host name");
      }
    }
  } else {
    if (pref)
      throw Fail{child(ptr, "preference"),
                 fmt::format("only MX records have a preference, not {} records", r.type)};
    if (!value && !removal)
      throw Fail{ptr, r.type == "A" ? "missing required field \"value\" (an IPv4 address)"
                                    : "missing required field \"value\" (the text)"};
    if (value && r.type == "A") {
      r.value = string(*value, vp);
      if (!parse_ipv4(r.value))
        throw Fail{vp, fmt::format("\"{}\" is not an IPv4 address", r.value)};
    } else if (value) {
      r.value = string(*value, vp);
    }
  }
  if (const J* ttl = get(v, "ttl")) {
    r.ttl = whole_seconds(*ttl, child(ptr, "ttl"));
    if (r.ttl > std::numeric_limits<std::int32_t>::max())
      throw Fail{child(ptr, "ttl"), "must be at most 2147483647 seconds (RFC 2181)"};
  }
  return r;
}

std::string_view role_list_text() {
  return "MUA, MSA, MTA, DNS, MDA, WEBMAIL";
}

bool has_role(const HostSpec& h, std::string_view role) {
  return std::find(h.roles.begin(), h.roles.end(), role) != h.roles.end();
}

std::vector<int> ports_of(const HostSpec& h) {
  std::vector<int> p;
  if (has_role(h, "MTA")) p.push_back(25);
  if (has_role(h, "DNS")) p.push_back(53);
  if (has_role(h, "MDA")) p.insert(p.end(), {110, 143});
  if (has_role(h, "MSA")) p.insert(p.end(), {465, 587});
  if (has_role(h, "WEBMAIL")) p.push_back(443);
  if (has_role(h, "MDA")) p.insert(p.end(), {993, 995});
  std::sort(p.begin(), p.end());
  return p;
}

void Parser::top(const J& root, std::span<const std::string_view> extra_keys) {
  if (!root.is_object())
    throw Fail{"", "expected a JSON object at the top level, found " + found(root)};
  static constexpr std::array<std::string_view, 10> kKeys = {
      "name",    "title", "description", "seed", "epoch_unix",
      "run_for", "queue", "hosts",       "dns",  "script"};
  std::vector<std::string_view> known(kKeys.begin(), kKeys.end());
  known.insert(known.end(), extra_keys.begin(), extra_keys.end());  // a lesson's own keys
  check_keys(root, "", known);
  // The top-level queue is read first: hosts' queue overrides start from it.
  if (const J* q = get(root, "queue")) queue_settings(*q, "/queue", spec.queue);
  for (const auto& [key, v] : root.items()) {
    const auto p = child("", key);
    if (key == "name") {
      spec.name = nonempty(v, p);
      const bool ok = std::all_of(spec.name.begin(), spec.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      });
      if (!ok)
        throw Fail{p, fmt::format("\"{}\" is not a valid scenario name (letters, digits, \"-\", "
                                  "\"_\" and \".\")",
                                  spec.name)};
    } else if (key == "title") {
      spec.title = nonempty(v, p);
    } else if (key == "description") {
      spec.description = string(v, p);
    } else if (key == "seed") {
      if (!v.is_number_unsigned())
        throw Fail{p, "expected a non-negative integer, found " + found(v)};
      spec.seed = v.get<std::uint64_t>();
    } else if (key == "epoch_unix") {
      spec.epoch_unix = integer(v, p, 0, std::int64_t{253402300799});  // up to year 9999
    } else if (key == "run_for") {
      spec.run_for_us = duration(v, p);
      if (spec.run_for_us <= 0) throw Fail{p, "must be more than 0s"};
    } else if (key == "hosts") {
      array(v, p);
      if (v.empty()) throw Fail{p, "expected at least one host"};
      for (std::size_t i = 0; i < v.size(); ++i) host(v[i], child(p, i));
    } else if (key == "dns") {
      array(v, p);
      for (std::size_t i = 0; i < v.size(); ++i) {
        spec.dns.push_back(dns_record(v[i], child(p, i), false));
      }
    } else if (key == "script") {
      array(v, p);
      for (std::size_t i = 0; i < v.size(); ++i) action(v[i], child(p, i));
    }
  }
  need(root, "", "name");
  need(root, "", "hosts");
  if (spec.title.empty()) spec.title = spec.name;
}

void Parser::host(const J& v, const std::string& ptr) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 13> kKeys = {
      "name",    "address",  "roles", "domains",       "users",   "mua", "dns_server",
      "latency", "position", "queue", "mailbox_quota", "webmail", "spf"};
  check_keys(v, ptr, kKeys);
  HostSpec h;
  for (const auto& [key, f] : v.items()) {
    const auto p = child(ptr, key);
    if (key == "name") {
      h.name = string(f, p);
      if (h.name.size() > 1 && h.name.back() == '.') h.name.pop_back();
      if (!smtp::is_valid_domain(h.name) || looks_like_ipv4(h.name))
        throw Fail{p, fmt::format("\"{}\" is not a valid host name (letters, digits and \"-\" "
                                  "in dot-separated labels)",
                                  h.name)};
      for (std::size_t i = 0; i < spec.hosts.size(); ++i)
        if (lower(spec.hosts[i].name) == lower(h.name))
          throw Fail{p,
                     fmt::format("host name \"{}\" is already used by {}", h.name, host_ptrs[i])};
    } else if (key == "address") {
      h.address = string(f, p);
      const auto ip = parse_ipv4(h.address);
      if (!ip) throw Fail{p, fmt::format("\"{}\" is not an IPv4 address", h.address)};
      const auto& a = *ip;
      const bool doc = (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
                       (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
                       (a[0] == 203 && a[1] == 0 && a[2] == 113);
      if (!doc)
        throw Fail{p, fmt::format("{} is not in a documentation range (192.0.2.0/24, "
                                  "198.51.100.0/24, 203.0.113.0/24)",
                                  h.address)};
      if (a[3] == 0 || a[3] == 255)
        throw Fail{p, fmt::format("{} is the {} address of its /24; use .1 to .254", h.address,
                                  a[3] == 0 ? "network" : "broadcast")};
      for (const auto& o : spec.hosts)
        if (o.address == h.address)
          throw Fail{p,
                     fmt::format("address {} is already used by host \"{}\"", h.address, o.name)};
    } else if (key == "roles") {
      array(f, p);
      if (f.empty())
        throw Fail{p, fmt::format("expected at least one role ({})", role_list_text())};
      for (std::size_t i = 0; i < f.size(); ++i) {
        const auto rp = child(p, i);
        const auto r = string(f[i], rp);
        if (std::find(kRoles.begin(), kRoles.end(), r) == kRoles.end())
          throw Fail{rp, fmt::format("unknown role \"{}\" (one of {})", r, role_list_text())};
        if (has_role(h, r)) throw Fail{rp, fmt::format("role \"{}\" is listed twice", r)};
        h.roles.push_back(r);
      }
    } else if (key == "domains") {
      array(f, p);
      for (std::size_t i = 0; i < f.size(); ++i) {
        const auto d = domain_name(f[i], child(p, i), "domain name");
        for (const auto& o : h.domains)
          if (lower(o) == lower(d))
            throw Fail{child(p, i), fmt::format("domain \"{}\" is listed twice", d)};
        h.domains.push_back(d);
      }
    } else if (key == "users") {
      object(f, p);
      for (const auto& [user, pw] : f.items()) {
        const auto up = child(p, user);
        const bool ok = !user.empty() && std::all_of(user.begin(), user.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u > 32 && u < 127 && c != ':' && c != '@';
        });
        if (!ok)
          throw Fail{up, fmt::format("\"{}\" is not a valid user name (printable, no spaces, "
                                     "\":\" or \"@\")",
                                     user)};
        for (const auto& [other, unused] : h.users)
          if (lower(other) == lower(user))
            throw Fail{up, fmt::format("user \"{}\" is listed twice", user)};
        h.users[user] = nonempty(pw, up);
      }
    } else if (key == "mua") {
      mua(f, p, h);
    } else if (key == "webmail") {
      webmail(f, p, h);
    } else if (key == "dns_server") {
      h.dns_server = nonempty(f, p);
    } else if (key == "latency") {
      h.latency_us = duration(f, p);
    } else if (key == "position") {
      array(f, p);
      if (f.size() != 2 || !f[0].is_number() || !f[1].is_number())
        throw Fail{p, "expected [x, y], two numbers"};
      h.position = std::pair{f[0].get<double>(), f[1].get<double>()};
    } else if (key == "queue") {
      QueueSettings q = spec.queue;
      queue_settings(f, p, q);
      h.queue = q;
    } else if (key == "mailbox_quota") {
      h.mailbox_quota =
          static_cast<std::size_t>(integer(f, p, 0, std::numeric_limits<std::int64_t>::max()));
    } else if (key == "spf") {
      h.spf = lower(nonempty(f, p));
      if (h.spf != "off" && h.spf != "check" && h.spf != "enforce")
        throw Fail{p, fmt::format("unknown SPF mode \"{}\" (one of off, check, enforce)", h.spf)};
    }
  }
  need(v, ptr, "name");
  need(v, ptr, "address", "one in 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24");
  need(v, ptr, "roles", "some of MUA, MSA, MTA, DNS, MDA, WEBMAIL");
  // Fields that only some roles use: a field the host's roles do not use is a mistake.
  const bool mta = has_role(h, "MTA"), mda = has_role(h, "MDA"), msa = has_role(h, "MSA"),
             is_mua = has_role(h, "MUA");
  for (const auto& [key, f] : v.items()) {
    const auto p = child(ptr, key);
    if (key == "domains" && !mta && !mda)
      throw Fail{p, "only a host with the MTA or MDA role delivers for domains"};
    if (key == "users" && !mda && !msa)
      throw Fail{p, "only a host with the MDA or MSA role has users"};
    if (key == "mua" && !is_mua) throw Fail{p, "only a host with the MUA role has MUA settings"};
    if (key == "webmail" && !has_role(h, "WEBMAIL"))
      throw Fail{p, "only a host with the WEBMAIL role has webmail settings"};
    if (key == "queue" && !mta) throw Fail{p, "only a host with the MTA role has a queue"};
    if (key == "mailbox_quota" && !mda)
      throw Fail{p, "only a host with the MDA role has mailboxes"};
    if (key == "spf" && !mta)
      throw Fail{p, "only a host with the MTA role checks SPF (on port 25)"};
  }
  if (msa && !mta)
    throw Fail{child(ptr, "roles"),
               "a host with the MSA role needs the MTA role too (the MSA "
               "hands accepted mail to the host's queue)"};
  if (is_mua && !h.mua)
    throw Fail{ptr,
               "missing required field \"mua\" (a host with the MUA role needs its "
               "address and submit_to)"};
  if (mda && h.domains.empty())
    throw Fail{ptr,
               "missing required field \"domains\" (an MDA delivers for at least one "
               "domain)"};
  spec.hosts.push_back(std::move(h));
  host_ptrs.push_back(ptr);
}

void Parser::mua(const J& v, const std::string& ptr, HostSpec& h) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 12> kKeys = {
      "address",       "user",          "password",       "submit_to", "port",  "protocol",
      "retrieve_from", "retrieve_port", "keep_on_server", "device",    "hello", "webmail"};
  check_keys(v, ptr, kKeys);
  MuaSettings m;
  bool has_user = false;
  for (const auto& [key, f] : v.items()) {
    const auto p = child(ptr, key);
    if (key == "address") {
      m.address = mailbox(f, p);
    } else if (key == "user") {
      m.user = nonempty(f, p);
      has_user = true;
    } else if (key == "password") {
      m.password = nonempty(f, p);
    } else if (key == "submit_to") {
      m.submit_to = nonempty(f, p);
    } else if (key == "port") {
      m.port = static_cast<int>(integer(f, p, 0, 65535));
      if (m.port != 587 && m.port != 465 && m.port != 25)
        throw Fail{p, fmt::format("port {} is not a submission port (587 STARTTLS, 465 implicit "
                                  "TLS, or 25 plain SMTP for teaching)",
                                  m.port)};
    } else if (key == "retrieve_from") {
      m.retrieve_from = nonempty(f, p);
    } else if (key == "protocol") {
      m.protocol = lower(nonempty(f, p));
      if (m.protocol != "pop3" && m.protocol != "imap")
        throw Fail{p, fmt::format("unknown protocol \"{}\" (one of pop3, imap)", m.protocol)};
    } else if (key == "retrieve_port") {
      m.retrieve_port = static_cast<int>(integer(f, p, 1, 65535));
    } else if (key == "keep_on_server") {
      m.keep_on_server = boolean(f, p);
    } else if (key == "hello") {
      const auto hello = nonempty(f, p);
      if (hello != "EHLO" && hello != "HELO")
        throw Fail{p, fmt::format("unknown greeting \"{}\" (EHLO or HELO)", hello)};
      m.ehlo = hello == "EHLO";
    } else if (key == "webmail") {
      m.webmail = nonempty(f, p);
      // A browser speaks HTTP only: the site submits and reads for it.
      for (const char* k :
           {"submit_to", "port", "protocol", "retrieve_from", "retrieve_port", "keep_on_server"})
        if (get(v, k))
          throw Fail{child(ptr, k), fmt::format("a browser (\"webmail\" is set) does not use "
                                                "\"{}\": the webmail site submits and reads "
                                                "for it",
                                                k)};
    } else if (key == "device") {
      m.device = lower(nonempty(f, p));
      if (m.device != "laptop" && m.device != "phone")
        throw Fail{p, fmt::format("unknown device \"{}\" (one of laptop, phone)", m.device)};
    }
  }
  if (m.retrieve_port == 0) m.retrieve_port = m.protocol == "pop3" ? 110 : 143;
  {
    const bool pop3 = m.protocol == "pop3";
    const int plain = pop3 ? 110 : 143, tls = pop3 ? 995 : 993;
    if (m.retrieve_port != plain && m.retrieve_port != tls)
      throw Fail{child(ptr, "retrieve_port"),
                 fmt::format("port {} is not {} port ({} plain or STARTTLS, {} implicit TLS)",
                             m.retrieve_port, pop3 ? "a POP3" : "an IMAP", plain, tls)};
  }
  need(v, ptr, "address", "the user's email address");
  if (m.webmail.empty()) need(v, ptr, "submit_to", "the host name of the MSA");
  if (!m.webmail.empty() && m.password.empty())
    throw Fail{ptr, "missing required field \"password\" (a browser logs in to its webmail site)"};
  if (has_user && m.password.empty())
    throw Fail{ptr, "missing required field \"password\" (\"user\" is given)"};
  if (!m.password.empty() && !has_user) m.user = m.address.substr(0, m.address.rfind('@'));
  h.mua = std::move(m);
}

void Parser::webmail(const J& v, const std::string& ptr, HostSpec& h) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 2> kKeys = {"submit_to", "retrieve_from"};
  check_keys(v, ptr, kKeys);
  WebmailSettings w;
  if (const J* f = get(v, "submit_to")) w.submit_to = nonempty(*f, child(ptr, "submit_to"));
  if (const J* f = get(v, "retrieve_from"))
    w.retrieve_from = nonempty(*f, child(ptr, "retrieve_from"));
  h.webmail = std::move(w);
}

// WEBMAIL hosts: where they submit and read (default: themselves), resolved before the
// browsers that use them are checked.
void Parser::webmail_checks() {
  for (std::size_t i = 0; i < spec.hosts.size(); ++i) {
    HostSpec& h = spec.hosts[i];
    if (!has_role(h, "WEBMAIL")) continue;
    if (!h.webmail) h.webmail = WebmailSettings{};
    const auto base = child(host_ptrs[i], "webmail");
    for (auto [field, role, why] :
         {std::tuple{&WebmailSettings::submit_to, "MSA", "submit_to"},
          std::tuple{&WebmailSettings::retrieve_from, "MDA", "retrieve_from"}}) {
      std::string& name = (*h.webmail).*field;
      const auto p = child(base, why);
      if (name.empty()) {
        if (!has_role(h, role))
          throw Fail{host_ptrs[i],
                     fmt::format("a WEBMAIL host without the {} role needs \"webmail\": "
                                 "{{\"{}\": ...}} (the host it {} through)",
                                 role, why, role == std::string_view("MSA") ? "submits" : "reads")};
        name = h.name;
        continue;
      }
      const HostSpec* t = find_host(name);
      if (!t) throw Fail{p, fmt::format("host \"{}\" does not exist", name)};
      if (!has_role(*t, role))
        throw Fail{p, fmt::format("host \"{}\" does not have the {} role", t->name, role)};
      name = t->name;
    }
  }
}

std::string describe(const DnsRecord& r) {
  std::string s = r.type + " " + r.name;
  if (r.type == "MX" && !r.value.empty()) s += fmt::format(" {}", r.preference);
  if (!r.value.empty()) s += " " + r.value;
  return s;
}

void Parser::cross_checks() {
  std::vector<const HostSpec*> dns_hosts;
  for (const auto& h : spec.hosts)
    if (has_role(h, "DNS")) dns_hosts.push_back(&h);

  // References are matched without regard to case and then spelled as the host's name, so
  // the runner can look hosts up exactly.
  webmail_checks();
  for (std::size_t i = 0; i < spec.hosts.size(); ++i) {
    HostSpec& h = spec.hosts[i];
    const std::string& ptr = host_ptrs[i];
    if (h.mua && !h.mua->webmail.empty()) {
      const auto p = child(child(ptr, "mua"), "webmail");
      const HostSpec* w = find_host(h.mua->webmail);
      if (!w) throw Fail{p, fmt::format("host \"{}\" does not exist", h.mua->webmail)};
      if (!has_role(*w, "WEBMAIL"))
        throw Fail{p, fmt::format("host \"{}\" does not have the WEBMAIL role", w->name)};
      h.mua->webmail = w->name;
    } else if (h.mua) {
      const auto p = child(child(ptr, "mua"), "submit_to");
      const HostSpec* s = find_host(h.mua->submit_to);
      if (!s) throw Fail{p, fmt::format("host \"{}\" does not exist", h.mua->submit_to)};
      h.mua->submit_to = s->name;
      const char* role = h.mua->port == 25 ? "MTA" : "MSA";
      if (!has_role(*s, role))
        throw Fail{p, fmt::format("host \"{}\" does not have the {} role (needed to submit on "
                                  "port {})",
                                  s->name, role, h.mua->port)};
      if (!h.mua->retrieve_from.empty()) {
        const auto rp = child(child(ptr, "mua"), "retrieve_from");
        const HostSpec* r = find_host(h.mua->retrieve_from);
        if (!r) throw Fail{rp, fmt::format("host \"{}\" does not exist", h.mua->retrieve_from)};
        h.mua->retrieve_from = r->name;
        if (!has_role(*r, "MDA"))
          throw Fail{rp, fmt::format("host \"{}\" does not have the MDA role (mailboxes are read "
                                     "from the MDA)",
                                     r->name)};
      }
    }
    if (!h.dns_server.empty()) {
      const auto p = child(ptr, "dns_server");
      const HostSpec* d = find_host(h.dns_server);
      if (!d) throw Fail{p, fmt::format("host \"{}\" does not exist", h.dns_server)};
      h.dns_server = d->name;
      if (!has_role(*d, "DNS"))
        throw Fail{p, fmt::format("host \"{}\" does not have the DNS role", d->name)};
    } else if (has_role(h, "MTA") && dns_hosts.size() > 1) {
      throw Fail{ptr, fmt::format("missing required field \"dns_server\" (there are {} DNS "
                                  "hosts, so an MTA must name the one it asks)",
                                  dns_hosts.size())};
    }
  }
  if (!spec.dns.empty() && dns_hosts.empty())
    throw Fail{"/dns", "records need a host with the DNS role to serve them"};

  for (std::size_t i = 0; i < spec.script.size(); ++i) {
    Action& a = spec.script[i];
    const std::string& ptr = action_ptrs[i];
    if (a.at_us > spec.run_for_us)
      throw Fail{child(ptr, "at"),
                 fmt::format("{} is after the end of the run ({}, see run_for)",
                             engine::format_time(a.at_us), engine::format_time(spec.run_for_us))};
    if (a.kind == "note") continue;
    const auto hp = child(ptr, "host");
    const HostSpec* h = nullptr;
    if (!a.host.empty()) {
      h = find_host(a.host);
      if (!h) throw Fail{hp, fmt::format("host \"{}\" does not exist", a.host)};
      a.host = h->name;
    }
    auto need_role = [&](std::string_view role, std::string_view why) {
      if (!has_role(*h, role))
        throw Fail{hp,
                   fmt::format("host \"{}\" does not have the {} role ({})", h->name, role, why)};
    };
    if (a.kind == "fetch" || a.kind == "read" || a.kind == "delete") {
      need_role("MUA", "only a MUA reads mail");
      if (!h->mua->webmail.empty() && a.kind == "delete")
        throw Fail{hp, fmt::format("MUA \"{}\" is a browser: this webmail site offers no delete "
                                   "page",
                                   h->name)};
      if (h->mua->retrieve_from.empty() && h->mua->webmail.empty())
        throw Fail{hp, fmt::format("MUA \"{}\" has no \"retrieve_from\" in its mua settings, so "
                                   "it cannot {} mail",
                                   h->name, a.kind)};
    }
    if (a.kind == "send") {
      need_role("MUA", "only a MUA sends");
      // Mail for a domain the submission host does not deliver itself is relayed, and relaying
      // starts with an MX lookup.
      // A browser's mail is submitted by its webmail site.
      const HostSpec* s =
          find_host(h->mua->webmail.empty() ? h->mua->submit_to
                                            : find_host(h->mua->webmail)->webmail->submit_to);
      for (const auto& [addr, rp] : rcpt_ptrs[i]) {
        const auto parsed = *smtp::parse_mailbox(addr);
        const bool local = has_role(*s, "MDA") &&
                           std::any_of(s->domains.begin(), s->domains.end(), [&](const auto& d) {
                             return lower(d) == lower(parsed.domain);
                           });
        if (!local && dns_hosts.empty())
          throw Fail{rp, fmt::format("<{}> is not delivered by \"{}\", so it must be relayed, "
                                     "which needs a host with the DNS role to look up MX records",
                                     addr, s->name)};
      }
    }
    if (a.kind == "telnet") {
      const auto sp = child(ptr, "server");
      const HostSpec* s = find_host(a.server);
      if (!s) throw Fail{sp, fmt::format("host \"{}\" does not exist", a.server)};
      a.server = s->name;
      const bool smtp =
          (a.port == 25 && has_role(*s, "MTA")) || (a.port == 587 && has_role(*s, "MSA"));
      if (!smtp)
        throw Fail{child(ptr, "port"),
                   a.port == 465
                       ? std::string("port 465 starts with TLS, which nobody can type by hand; "
                                     "use 587 (STARTTLS) or 25")
                       : fmt::format("host \"{}\" has no SMTP service on port {} (an MTA "
                                     "listens on 25, an MSA on 587)",
                                     s->name, a.port)};
    }
    if ((a.kind == "service_down" || a.kind == "service_up")) {
      const auto ports = ports_of(*h);
      if (std::find(ports.begin(), ports.end(), a.port) == ports.end()) {
        std::string list;
        for (int p : ports) list += (list.empty() ? "" : ", ") + std::to_string(p);
        throw Fail{child(ptr, "port"),
                   fmt::format("host \"{}\" runs no service on port {} (its ports: {})", h->name,
                               a.port, list.empty() ? "none" : list)};
      }
    }
    if (a.kind == "dns_servfail" || a.kind == "dns_recover") {
      need_role("DNS", "only a DNS host can answer SERVFAIL");
    }
    if (a.kind == "dns_add" || a.kind == "dns_remove") {
      if (h) need_role("DNS", "DNS records live on a DNS host");
      if (dns_hosts.empty())
        throw Fail{ptr, fmt::format("a {} action needs a host with the DNS role", a.kind)};
    }
    if (a.kind == "mailbox_full") {
      need_role("MDA", "only an MDA has mailboxes");
      const auto addr = *smtp::parse_mailbox(a.mailbox);
      const auto mp = child(ptr, "mailbox");
      const bool served = std::any_of(h->domains.begin(), h->domains.end(), [&](const auto& d) {
        return lower(d) == lower(addr.domain);
      });
      if (!served)
        throw Fail{mp, fmt::format("host \"{}\" does not deliver for {} (it delivers for {})",
                                   h->name, addr.domain, join_strings(h->domains))};
      if (!h->users.empty()) {
        const bool known = std::any_of(h->users.begin(), h->users.end(), [&](const auto& u) {
          return lower(u.first) == lower(addr.local);
        });
        if (!known)
          throw Fail{mp, fmt::format("host \"{}\" has no user \"{}\"", h->name, addr.local)};
      }
    }
  }
}

}  // namespace load_detail

using namespace load_detail;

namespace {

bool matches(const DnsRecord& pattern, const DnsRecord& r) {
  if (lower(pattern.name) != lower(r.name) || pattern.type != r.type) return false;
  if (!pattern.value.empty() && lower(pattern.value) != lower(r.value) &&
      !(pattern.type == "TXT" && pattern.value == r.value))
    return false;
  return pattern.type != "MX" || pattern.value.empty() || pattern.preference == r.preference;
}

// Puts the script in time order (stable) and checks that every dns_remove finds a record to
// remove at its time, given the initial records and the dns_add actions before it.
void order_script(Parser& ps) {
  std::vector<std::size_t> order(ps.spec.script.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ps.spec.script[a].at_us < ps.spec.script[b].at_us;
  });
  std::vector<DnsRecord> records = ps.spec.dns;
  for (const auto i : order) {
    const Action& a = ps.spec.script[i];
    if (a.kind == "dns_add") {
      records.push_back(*a.record);
    } else if (a.kind == "dns_remove") {
      const auto before = records.size();
      std::erase_if(records, [&](const DnsRecord& r) { return matches(*a.record, r); });
      if (records.size() == before)
        throw Fail{child(ps.action_ptrs[i], "record"),
                   fmt::format("there is no {} record to remove at {}", describe(*a.record),
                               engine::format_time(a.at_us))};
    }
  }
  std::vector<Action> sorted;
  sorted.reserve(order.size());
  for (const auto i : order) sorted.push_back(std::move(ps.spec.script[i]));
  ps.spec.script = std::move(sorted);
}

// Duplicate keys in one object: nlohmann keeps one silently, which would hide a typo'd copy.
// The parser callback tracks where it is to name the second occurrence by its JSON pointer.
struct DuplicateFinder {
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;
    std::size_t index = 0;
  };
  std::vector<Frame> stack;
  std::optional<std::string> duplicate;  // pointer of the first duplicate key

  std::string pointer() const {
    std::string p;
    for (const auto& f : stack)
      p += "/" + (f.object ? trace::json_pointer_escape(f.key) : std::to_string(f.index));
    return p;
  }
  void finished_value() {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  }
  bool operator()(int, J::parse_event_t ev, J& parsed) {
    switch (ev) {
      case J::parse_event_t::object_start:
        stack.push_back(Frame{true, {}, {}, 0});
        break;
      case J::parse_event_t::array_start:
        stack.push_back(Frame{false, {}, {}, 0});
        break;
      case J::parse_event_t::object_end:
      case J::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        finished_value();
        break;
      case J::parse_event_t::key: {
        if (stack.empty()) break;
        auto& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second && !duplicate) duplicate = pointer();
        break;
      }
      case J::parse_event_t::value:
        finished_value();
        break;
    }
    return true;
  }
};

}  // namespace

std::variant<trace::Json, LoadError> parse_json_document(std::string_view text,
                                                         std::string_view file_label) {
  const std::string file(file_label);
  J root;
  auto finder = std::make_shared<DuplicateFinder>();
  try {
    root = J::parse(
        text, [finder](int d, J::parse_event_t ev, J& parsed) { return (*finder)(d, ev, parsed); });
  } catch (const J::parse_error& e) {
    return LoadError{
        fmt::format("{}: {}", file, trace::describe_json_syntax_error(text, e.byte, e.what()))};
  } catch (const J::exception& e) {  // number overflow (out_of_range.406)
    return LoadError{
        fmt::format("{}: {}", file, trace::describe_json_syntax_error(text, 0, e.what()))};
  }
  if (finder->duplicate)
    return LoadError{one_line(
        fmt::format("{}: {}: field appears twice in the same object", file, *finder->duplicate))};
  return root;
}

LoadResult scenario_from_json(const trace::Json& root, std::string_view file_label,
                              std::span<const std::string_view> extra_keys) {
  const std::string file(file_label);
  auto fail = [&](const std::string& ptr, const std::string& what) {
    // Quoted values come from the file: control characters are escaped to keep one line.
    return LoadError{one_line(ptr.empty() ? fmt::format("{}: {}", file, what)
                                          : fmt::format("{}: {}: {}", file, ptr, what))};
  };
  Parser ps;
  ps.spec.file = file;
  try {
    ps.top(root, extra_keys);
    ps.cross_checks();
    order_script(ps);
  } catch (const Fail& f) {
    return fail(f.pointer, f.what);
  } catch (const std::exception& e) {  // a loader bug: still one sentence, never a crash
    return fail("", fmt::format("internal error while validating ({})", e.what()));
  }
  return std::move(ps.spec);
}

LoadResult parse_scenario(std::string_view text, std::string_view file_label) {
  auto doc = parse_json_document(text, file_label);
  if (auto* e = std::get_if<LoadError>(&doc)) return std::move(*e);
  return scenario_from_json(std::get<trace::Json>(doc), file_label, {});
}

std::variant<std::string, LoadError> read_file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    return LoadError{fmt::format("{}: cannot read the file ({})", path.string(), ec.message())};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    return LoadError{fmt::format("{}: cannot read the file (read error)", path.string())};
  return ss.str();
}

LoadResult load_scenario(const std::filesystem::path& path) {
  auto text = read_file_text(path);
  if (auto* e = std::get_if<LoadError>(&text)) return std::move(*e);
  return parse_scenario(std::get<std::string>(text), path.string());
}

}  // namespace smtpsim::scenario
