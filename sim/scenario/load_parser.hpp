// The scenario loader's parser, shared by the files it is split into (load.cpp: top level,
// hosts, cross-references; load_actions.cpp: script actions). Internal to sim/scenario; the
// public interface is load.hpp. Trusts nothing it reads: every field is checked by the
// fields:: getters, which throw a FieldError naming the JSON pointer.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario/load_fields.hpp"
#include "sim/scenario/spec.hpp"

namespace smtpsim::scenario::load_detail {

using namespace fields;

inline constexpr std::array<std::string_view, 6> kRoles = {"MUA", "MSA", "MTA",
                                                           "DNS", "MDA", "WEBMAIL"};
inline constexpr std::array<std::string_view, 18> kActions = {
    "send",         "fetch",        "read",        "delete",        "host_down", "host_up",
    "service_down", "service_up",   "link_cut",    "link_restored", "latency",   "dns_add",
    "dns_remove",   "dns_servfail", "dns_recover", "mailbox_full",  "note",      "telnet"};

// Helpers defined in load.cpp.
DnsRecord dns_record(const J& v, const std::string& ptr, bool removal);
std::string_view role_list_text();
bool has_role(const HostSpec& h, std::string_view role);
std::vector<int> ports_of(const HostSpec& h);

struct Parser {
  Spec spec;
  std::vector<std::string> host_ptrs;    // "/hosts/3" per spec.hosts entry
  std::vector<std::string> action_ptrs;  // "/script/5" per spec.script entry (file order)
  // send actions: each recipient and where it was written, per spec.script entry
  std::vector<std::vector<std::pair<std::string, std::string>>> rcpt_ptrs;

  void top(const J& root, std::span<const std::string_view> extra_keys);
  void host(const J& v, const std::string& ptr);
  void mua(const J& v, const std::string& ptr, HostSpec& h);
  void webmail(const J& v, const std::string& ptr, HostSpec& h);
  void webmail_checks();
  void action(const J& v, const std::string& ptr);
  void cross_checks();
  const HostSpec* find_host(std::string_view name) const {
    for (const auto& h : spec.hosts)
      if (lower(h.name) == lower(name)) return &h;
    return nullptr;
  }
};

}  // namespace smtpsim::scenario::load_detail
