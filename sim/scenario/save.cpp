// Spec -> scenario JSON (the inverse of load.cpp), adding an action through the loader, and
// the atomic file write used by every "save" and "export".
#include "sim/scenario/save.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "sim/engine/sim_time.hpp"
#include "sim/trace/json_fields.hpp"

namespace smtpsim::scenario {

namespace {

using J = trace::Json;
using namespace engine;

// The shortest exact spelling the loader reads back (engine::parse_duration): "5m", "250ms";
// microseconds as a fraction of a millisecond ("5000.001ms" parses to 5000001 exactly after
// the loader's rounding).
J duration(SimTime us) {
  if (us == 0) return 0;
  static constexpr std::pair<SimTime, std::string_view> kUnits[] = {
      {kDay, "d"}, {kHour, "h"}, {kMinute, "m"}, {kSecond, "s"}, {kMillisecond, "ms"}};
  for (const auto& [scale, unit] : kUnits)
    if (us % scale == 0) return fmt::format("{}{}", us / scale, unit);
  return fmt::format("{}.{:03}ms", us / kMillisecond, us % kMillisecond);
}

J seconds(std::int64_t s) {
  return duration(s * kSecond);
}

// Only the settings that differ from `base` (the loader starts from it).
J queue_diff(const QueueSettings& q, const QueueSettings& base) {
  J o = J::object();
  if (q.queue_run_delay != base.queue_run_delay) o["queue_run_delay"] = seconds(q.queue_run_delay);
  if (q.minimal_backoff != base.minimal_backoff) o["minimal_backoff"] = seconds(q.minimal_backoff);
  if (q.maximal_backoff != base.maximal_backoff) o["maximal_backoff"] = seconds(q.maximal_backoff);
  if (q.maximal_queue_lifetime != base.maximal_queue_lifetime)
    o["maximal_queue_lifetime"] = seconds(q.maximal_queue_lifetime);
  if (q.bounce_queue_lifetime != base.bounce_queue_lifetime)
    o["bounce_queue_lifetime"] = seconds(q.bounce_queue_lifetime);
  if (q.delay_warning != base.delay_warning)
    o["delay_warning"] = q.delay_warning ? seconds(*q.delay_warning) : J(nullptr);
  return o;
}

// A record to serve, or (removal) a pattern: no value matches any value, and a removal has
// no TTL (the loader refuses one).
J record(const DnsRecord& r, bool removal) {
  J o = J::object();
  o["name"] = r.name;
  o["type"] = r.type;
  if (r.type == "MX" && (!removal || !r.value.empty() || r.preference != 0))
    o["preference"] = r.preference;
  if (!r.value.empty()) o["value"] = r.value;
  if (!removal && r.ttl != DnsRecord{}.ttl) o["ttl"] = seconds(r.ttl);
  return o;
}

J mua(const MuaSettings& m) {
  const MuaSettings defaults;
  J o = J::object();
  o["address"] = m.address;
  if (!m.user.empty()) o["user"] = m.user;
  if (!m.password.empty()) o["password"] = m.password;
  if (!m.webmail.empty()) {  // a browser: its site submits and reads for it
    o["webmail"] = m.webmail;
    if (m.device != defaults.device) o["device"] = m.device;
    if (!m.ehlo) o["hello"] = "HELO";
    return o;
  }
  o["submit_to"] = m.submit_to;
  o["port"] = m.port;
  if (!m.retrieve_from.empty()) o["retrieve_from"] = m.retrieve_from;
  if (!m.retrieve_from.empty() || m.protocol != defaults.protocol) o["protocol"] = m.protocol;
  const int plain = m.protocol == "pop3" ? 110 : 143;
  if (m.retrieve_port != plain) o["retrieve_port"] = m.retrieve_port;
  if (m.keep_on_server != defaults.keep_on_server) o["keep_on_server"] = m.keep_on_server;
  if (m.device != defaults.device) o["device"] = m.device;
  if (!m.ehlo) o["hello"] = "HELO";
  return o;
}

J host(const HostSpec& h, const QueueSettings& top_queue) {
  const HostSpec defaults;
  J o = J::object();
  o["name"] = h.name;
  o["address"] = h.address;
  o["roles"] = h.roles;
  if (!h.domains.empty()) o["domains"] = h.domains;
  if (!h.users.empty()) {
    J users = J::object();
    for (const auto& [user, pw] : h.users) users[user] = pw;
    o["users"] = users;
  }
  if (h.mua) o["mua"] = mua(*h.mua);
  if (h.webmail) {  // each defaults to the WEBMAIL host itself
    J w = J::object();
    if (h.webmail->submit_to != h.name) w["submit_to"] = h.webmail->submit_to;
    if (h.webmail->retrieve_from != h.name) w["retrieve_from"] = h.webmail->retrieve_from;
    if (!w.empty()) o["webmail"] = w;
  }
  if (!h.dns_server.empty()) o["dns_server"] = h.dns_server;
  if (h.latency_us != defaults.latency_us) o["latency"] = duration(h.latency_us);
  if (h.position) o["position"] = J::array({h.position->first, h.position->second});
  if (h.queue) o["queue"] = queue_diff(*h.queue, top_queue);
  if (h.mailbox_quota != 0) o["mailbox_quota"] = h.mailbox_quota;
  if (h.spf != defaults.spf) o["spf"] = h.spf;
  return o;
}

J action(const Action& a) {
  J o = J::object();
  o["at"] = duration(a.at_us);
  o["action"] = a.kind;
  if (!a.host.empty()) o["host"] = a.host;
  if (a.kind == "send") {
    if (!a.to.empty()) o["to"] = a.to;
    if (!a.cc.empty()) o["cc"] = a.cc;
    if (!a.bcc.empty()) o["bcc"] = a.bcc;
    if (!a.subject.empty()) o["subject"] = a.subject;
    if (!a.body.empty()) o["body"] = a.body;
    if (!a.from.empty()) o["from"] = a.from;
  } else if (a.kind == "service_down" || a.kind == "service_up") {
    o["port"] = a.port;
  } else if (a.kind == "latency") {
    o["latency"] = duration(a.latency_us);
  } else if ((a.kind == "dns_add" || a.kind == "dns_remove") && a.record) {
    o["record"] = record(*a.record, a.kind == "dns_remove");
  } else if (a.kind == "mailbox_full") {
    o["mailbox"] = a.mailbox;
    o["full"] = a.full;
  } else if (a.kind == "note") {
    o["text"] = a.text;
  } else if (a.kind == "telnet") {
    o["server"] = a.server;
    o["port"] = a.port;
    o["lines"] = a.lines;
  } else if (a.kind == "read" || a.kind == "delete") {
    if (a.index > 0)
      o["message"] = a.index;
    else
      o["message"] = a.subject_match;
  }
  return o;
}

}  // namespace

std::string save_scenario(const Spec& spec) {
  const Spec defaults;
  J o = J::object();
  o["name"] = spec.name;
  o["title"] = spec.title;
  if (!spec.description.empty()) o["description"] = spec.description;
  o["seed"] = spec.seed;
  if (spec.epoch_unix != defaults.epoch_unix) o["epoch_unix"] = spec.epoch_unix;
  if (spec.run_for_us != defaults.run_for_us) o["run_for"] = duration(spec.run_for_us);
  if (J q = queue_diff(spec.queue, defaults.queue); !q.empty()) o["queue"] = q;
  J hosts = J::array();
  for (const auto& h : spec.hosts) hosts.push_back(host(h, spec.queue));
  o["hosts"] = hosts;
  if (!spec.dns.empty()) {
    J dns = J::array();
    for (const auto& r : spec.dns) dns.push_back(record(r, false));
    o["dns"] = dns;
  }
  if (!spec.script.empty()) {
    J script = J::array();
    for (const auto& a : spec.script) script.push_back(action(a));
    o["script"] = script;
  }
  // Text typed in the GUI is UTF-8 from ImGui; a stray invalid byte becomes U+FFFD rather
  // than an exception (the loader reads JSON, which must be UTF-8, RFC 8259 §8.1).
  return o.dump(2, ' ', false, J::error_handler_t::replace) + "\n";
}

LoadResult with_action(const Spec& spec, const Action& a) {
  Spec changed = spec;
  changed.script.push_back(a);
  auto result = parse_scenario(save_scenario(changed), "");
  if (auto* e = std::get_if<LoadError>(&result)) {
    // The label is empty: the message starts with ": " before the JSON pointer.
    if (e->message.starts_with(": ")) e->message.erase(0, 2);
    return result;
  }
  std::get<Spec>(result).file = spec.file;
  return result;
}

std::string write_file_atomically(const std::filesystem::path& target, const std::string& data) {
  const std::string path = target.string();
  if (!target.has_filename()) return fmt::format("cannot write \"{}\": no file name given", path);
  // The temp file sits beside the target (rename is atomic only within one file system) and
  // carries the pid, so two processes saving at once never write into the same temp file.
  const std::filesystem::path tmp =
      target.parent_path() / fmt::format(".{}.{}.tmp", target.filename().string(), ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot write {}: {}", path, std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return fmt::format("cannot write {}: {}", path, why);
    }
    done += static_cast<std::size_t>(n);
  }
  // fsync before rename: after a crash the file is either the old one or the whole new one.
  if (::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return fmt::format("cannot write {}: {}", path, why);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fmt::format("cannot write {}: {}", path, why);
  }
  return {};
}

}  // namespace smtpsim::scenario
