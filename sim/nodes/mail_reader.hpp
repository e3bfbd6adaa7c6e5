// The reading half of a MUA: the device's own copy of the inbox and how it is kept.
//
// POP3 (RFC 1939): fetch() opens one session, downloads what is new (UIDL ids it has not seen
// before), deletes it on the server in "download and delete" mode, and QUITs. The mail then
// lives on the device: reading or deleting it afterwards changes only the device's copy, and
// works while the server is down (offline reading).
//
// IMAP (RFC 3501 + RFC 2177): fetch() logs in, selects INBOX, lists the messages (envelope and
// flags only: the bodies stay on the server) and IDLEs, so new mail, and flags and deletions
// made from another device, show up without polling. read() fetches the body (BODY[] sets
// \Seen on the server, which every other device then sees); delete() sets \Deleted and
// EXPUNGEs. Without the server a body never fetched cannot be opened. After 15 minutes with
// nothing to do the device logs out, as a phone app closes its connection.
//
// Trusts its settings (the scenario); everything from the server goes through the machines.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/nodes/world.hpp"

namespace smtpsim::nodes {

struct ReaderConfig {
  engine::HostId server = -1;  // the MDA's host
  std::uint16_t port = 143;    // 110/995 POP3, 143/993 IMAP (995/993: implicit TLS)
  bool pop3 = false;
  bool keep_on_server = true;  // POP3: leave on server, or download and delete
  std::string user, password;
};

struct DeviceMessage {
  std::string key;        // POP3: the UIDL id; IMAP: the UID as text
  std::uint32_t uid = 0;  // IMAP UID (0 for POP3)
  std::string subject, from;
  bool seen = false;
  std::optional<std::string> content;  // the whole message, when the device holds it
};

// Which message an action means: a position (1 = the oldest on the device) or a subject part.
struct MessageChoice {
  int index = 0;
  std::string subject;
};

class MailReader {
 public:
  MailReader(World& world, engine::HostId device, ReaderConfig cfg);
  ~MailReader();

  void fetch();
  void read(const MessageChoice& which);
  void remove(const MessageChoice& which);

  const std::vector<DeviceMessage>& messages() const { return inbox_; }
  bool connected() const;
  const ReaderConfig& config() const { return cfg_; }

  class Imap;  // the IMAP connection and its bookkeeping (mail_reader_imap.cpp)

 private:
  friend class Imap;
  void fetch_pop3();
  DeviceMessage* find(const MessageChoice& which, const char* verb);
  void note(std::string text, bool error = false);
  void local_change(const DeviceMessage& m, std::string text, const char* what);
  void retrieved(const DeviceMessage& m, std::string detail, std::string text);
  std::string describe(const DeviceMessage& m) const;

  World& world_;
  engine::HostId device_;
  ReaderConfig cfg_;
  std::vector<DeviceMessage> inbox_;
  std::set<std::string> downloaded_;  // POP3 UIDL ids ever downloaded (leave-on-server)
  struct Pop3;
  std::unique_ptr<Pop3> pop3_;
  std::uint64_t pop3_generation_ = 0;  // which session a finished callback belongs to
  std::unique_ptr<Imap> imap_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Subject: and From: of a message, for the device's list.
void summarize(std::string_view content, std::string& subject, std::string& from);

}  // namespace smtpsim::nodes
