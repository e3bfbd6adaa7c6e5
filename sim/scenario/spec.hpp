// The scenario model: what a scenario file (JSON, documented in lessons/README.md) says,
// after validation. The runner builds a network from it; nothing here knows about JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smtpsim::scenario {

// Queue settings (REFERENCE.md, Postfix defaults), seconds.
struct QueueSettings {
  std::int64_t queue_run_delay = 300;
  std::int64_t minimal_backoff = 300;
  std::int64_t maximal_backoff = 4000;
  std::int64_t maximal_queue_lifetime = 5 * 86400;
  std::int64_t bounce_queue_lifetime = 5 * 86400;
  std::optional<std::int64_t> delay_warning;  // off by default

  bool operator==(const QueueSettings&) const = default;  // save/load round trip, GUI undo
};

struct DnsRecord {
  std::string name;    // "example.com"
  std::string type;    // "MX", "A", "TXT"
  int preference = 0;  // MX
  std::string value;   // MX exchange ("." for null MX), A address, TXT text
  std::int64_t ttl = 3600;

  bool operator==(const DnsRecord&) const = default;  // save/load round trip, GUI undo
};

struct MuaSettings {
  std::string address;  // "alice@example.com"
  std::string user;     // login name ("alice")
  std::string password;
  std::string submit_to;  // host name of the MSA
  int port = 587;         // 587 STARTTLS, 465 implicit TLS, 25 plain (teaching)
  // Reading mail (issue 4): where the mailbox is and how the device fetches it.
  std::string retrieve_from;      // host name of the MDA ("" = this MUA only sends)
  std::string protocol = "imap";  // "pop3" or "imap"
  int retrieve_port = 0;          // 0: 143 (IMAP) or 110 (POP3); 993/995 = implicit TLS
  bool keep_on_server = true;     // POP3: leave on server (true) or download and delete
  std::string device = "laptop";  // "laptop" or "phone": how the GUI draws it
  bool ehlo = true;               // false: greet with HELO (RFC 5321 §4.1.1.1), no extensions
  // A browser (lesson 12): the host name of a WEBMAIL front end. The device then sends and
  // reads over HTTPS only; submit_to and the retrieve_* fields are not used.
  std::string webmail;

  bool operator==(const MuaSettings&) const = default;  // save/load round trip, GUI undo
};

// A WEBMAIL front end: where it submits (an MSA) and reads (an MDA, over IMAP). Each
// defaults to the WEBMAIL host itself (which then needs that role).
struct WebmailSettings {
  std::string submit_to, retrieve_from;

  bool operator==(const WebmailSettings&) const = default;
};

struct HostSpec {
  std::string name;                          // "mail.example.com"
  std::string address;                       // documentation range
  std::vector<std::string> roles;            // MUA MSA MTA DNS MDA WEBMAIL
  std::vector<std::string> domains;          // MTA/MDA: domains delivered here
  std::map<std::string, std::string> users;  // MDA/MSA: user -> password
  std::optional<MuaSettings> mua;
  std::optional<WebmailSettings> webmail;
  std::string dns_server;  // host name of the resolver this host uses ("" = the only DNS host)
  std::int64_t latency_us = 10'000;                   // uplink one-way latency
  std::optional<std::pair<double, double>> position;  // canvas position
  std::optional<QueueSettings> queue;                 // per-MTA override
  std::size_t mailbox_quota = 0;                      // bytes, 0 = unlimited
  std::string spf = "off";  // MTA: SPF on port 25: "off", "check" or "enforce" (RFC 7208)

  bool operator==(const HostSpec&) const = default;  // save/load round trip, GUI undo
};

struct Action {
  std::int64_t at_us = 0;
  std::string kind;  // send, fetch, read, delete, host_down, host_up, service_down, service_up,
                     // link_cut, link_restored, latency, dns_add, dns_remove, mailbox_full, note,
                     // telnet
  std::string host;  // target host (send: the MUA)
  int port = 0;      // service_*
  // send
  std::vector<std::string> to, cc, bcc;
  std::string subject, body;
  std::string from;  // envelope/header From override (default: the MUA's address)
  // latency
  std::int64_t latency_us = 0;
  // dns_*
  std::optional<DnsRecord> record;
  // mailbox_full
  std::string mailbox;
  bool full = true;
  std::string text;  // note
  // read, delete: which message on the device (1-based position, or a subject substring)
  int index = 0;
  std::string subject_match;
  // telnet: a person on `host` types `lines` to the SMTP service on server:port
  std::string server;
  std::vector<std::string> lines;

  bool operator==(const Action&) const = default;  // save/load round trip, GUI undo
};

struct Spec {
  std::string file;  // where it came from (for messages)
  std::string name, title, description;
  std::uint64_t seed = 1;
  std::int64_t epoch_unix = 1746534200;  // virtual time 0 as a wall date (for Date: headers)
  std::int64_t run_for_us = 6LL * 86400 * 1000000;  // stop after this much virtual time
  QueueSettings queue;
  std::vector<HostSpec> hosts;
  std::vector<DnsRecord> dns;  // records served by the DNS host(s)
  std::vector<Action> script;

  bool operator==(const Spec&) const = default;  // save/load round trip, GUI undo
};

}  // namespace smtpsim::scenario
