// Script actions of a scenario file (lessons/README.md, "Script actions"): each kind's fields,
// checked as they are read; references to hosts are checked later (load.cpp cross_checks).
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sim/scenario/load_parser.hpp"

namespace smtpsim::scenario::load_detail {

void Parser::action(const J& v, const std::string& ptr) {
  object(v, ptr);
  static constexpr std::array<std::string_view, 19> kAll = {
      "at",      "action",  "host",    "port",    "to",     "cc",      "bcc",
      "subject", "body",    "from",    "latency", "record", "mailbox", "full",
      "text",    "comment", "message", "server",  "lines"};
  const auto kp = child(ptr, "action");
  const auto kind = string(need(v, ptr, "action", fmt::format("one of {}", join(kActions))), kp);
  if (std::find(kActions.begin(), kActions.end(), kind) == kActions.end()) {
    const auto best = suggestion(kind, kActions);
    throw Fail{kp, fmt::format("unknown action \"{}\" ({}one of {})", kind,
                               best.empty() ? "" : fmt::format("did you mean \"{}\"? ", best),
                               join(kActions))};
  }
  // The fields each kind takes.
  std::vector<std::string_view> takes = {"at", "action"};
  if (kind == "send")
    takes.insert(takes.end(), {"host", "to", "cc", "bcc", "subject", "body", "from"});
  else if (kind == "service_down" || kind == "service_up")
    takes.insert(takes.end(), {"host", "port"});
  else if (kind == "latency")
    takes.insert(takes.end(), {"host", "latency"});
  else if (kind == "dns_add" || kind == "dns_remove")
    takes.insert(takes.end(), {"host", "record"});
  else if (kind == "mailbox_full")
    takes.insert(takes.end(), {"host", "mailbox", "full"});
  else if (kind == "note")
    takes.push_back("text");
  else if (kind == "read" || kind == "delete")
    takes.insert(takes.end(), {"host", "message"});
  else if (kind == "telnet")
    takes.insert(takes.end(), {"host", "server", "port", "lines"});
  else
    takes.push_back("host");
  for (const auto& [key, f] : v.items()) {
    if (key == "comment" || std::find(takes.begin(), takes.end(), key) != takes.end()) continue;
    if (std::find(kAll.begin(), kAll.end(), key) != kAll.end())
      throw Fail{child(ptr, key),
                 fmt::format("field not used by a {} action (it takes {})", kind, join(takes))};
  }
  check_keys(v, ptr, takes);

  Action a;
  a.kind = kind;
  std::vector<std::pair<std::string, std::string>> rcpts;
  for (const auto& [key, f] : v.items()) {
    const auto p = child(ptr, key);
    if (key == "at") {
      a.at_us = duration(f, p);
    } else if (key == "host") {
      a.host = nonempty(f, p);
    } else if (key == "port") {
      a.port = static_cast<int>(integer(f, p, 1, 65535));
    } else if (key == "to" || key == "cc" || key == "bcc") {
      auto& list = key == "to" ? a.to : key == "cc" ? a.cc : a.bcc;
      if (f.is_string()) {
        list.push_back(mailbox(f, p));
        rcpts.emplace_back(list.back(), p);
      } else if (f.is_array()) {
        for (std::size_t i = 0; i < f.size(); ++i) {
          list.push_back(mailbox(f[i], child(p, i)));
          rcpts.emplace_back(list.back(), child(p, i));
        }
      } else {
        throw Fail{p, "expected an email address or an array of them, found " + found(f)};
      }
    } else if (key == "subject") {
      a.subject = string(f, p);
    } else if (key == "message") {
      // a position on the device (1 = the oldest) or a piece of the subject
      if (f.is_number_integer()) {
        a.index = static_cast<int>(integer(f, p, 1, 1000000));
      } else if (f.is_string()) {
        a.subject_match = nonempty(f, p);
      } else {
        throw Fail{p, "expected a message position (1, 2, ...) or a piece of its subject, found " +
                          found(f)};
      }
    } else if (key == "body") {
      a.body = string(f, p);
    } else if (key == "from") {
      a.from = mailbox(f, p);
    } else if (key == "latency") {
      a.latency_us = duration(f, p);
    } else if (key == "record") {
      a.record = dns_record(f, p, kind == "dns_remove");
    } else if (key == "mailbox") {
      a.mailbox = mailbox(f, p);
    } else if (key == "full") {
      a.full = boolean(f, p);
    } else if (key == "text") {
      a.text = nonempty(f, p);
    } else if (key == "server") {
      a.server = nonempty(f, p);
    } else if (key == "lines") {
      array(f, p);
      for (std::size_t i = 0; i < f.size(); ++i) a.lines.push_back(string(f[i], child(p, i)));
      if (a.lines.empty()) throw Fail{p, "expected at least one line to type"};
    }
  }
  need(v, ptr, "at", "when it happens, e.g. \"10s\"");
  if (kind == "note")
    need(v, ptr, "text");
  else if (kind != "dns_add" && kind != "dns_remove")  // those default to the DNS host
    need(v, ptr, "host");
  if (kind == "send" && a.to.empty() && a.cc.empty() && a.bcc.empty())
    throw Fail{ptr, "a send action needs at least one recipient in \"to\", \"cc\" or \"bcc\""};
  if (kind == "service_down" || kind == "service_up") need(v, ptr, "port");
  if (kind == "latency") need(v, ptr, "latency");
  if (kind == "dns_add" || kind == "dns_remove") need(v, ptr, "record");
  if (kind == "mailbox_full") need(v, ptr, "mailbox", "the address whose mailbox fills up");
  if (kind == "read" || kind == "delete")
    need(v, ptr, "message", "which message: its position (1 = the oldest) or part of its subject");
  if (kind == "telnet") {
    need(v, ptr, "server", "the host whose SMTP service is typed to");
    need(v, ptr, "lines", "the lines the person types, e.g. [\"EHLO me\", \"QUIT\"]");
    if (a.port == 0) a.port = 25;
  }
  if (kind == "dns_remove") a.record->ttl = 0;
  spec.script.push_back(std::move(a));
  action_ptrs.push_back(ptr);
  rcpt_ptrs.push_back(std::move(rcpts));
}

}  // namespace smtpsim::scenario::load_detail
