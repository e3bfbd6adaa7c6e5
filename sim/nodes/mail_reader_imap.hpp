// The IMAP side of a MailReader: one long-lived connection that stays in IDLE between the
// user's actions, and the bookkeeping that turns the client machine's view of INBOX
// (sequence numbers, UIDs, flags) into the device's list. See mail_reader.hpp.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "sim/nodes/machine_conn.hpp"
#include "sim/nodes/mail_reader.hpp"
#include "sim/nodes/smtp_endpoints.hpp"
#include "sim/proto/imap/client_session.hpp"

namespace smtpsim::nodes {

class MailReader::Imap {
 public:
  explicit Imap(MailReader& reader);
  ~Imap();
  void fetch();
  void read(const DeviceMessage& m);
  void remove(const DeviceMessage& m);
  bool connected() const { return conn_ && !conn_->ended(); }

  // How long the device keeps an idle connection before logging out (a phone app closing).
  static constexpr engine::SimTime kLinger = 15 * 60 * engine::kSecond;

 private:
  using Conn = MachineConn<imap::ClientSession, imap::client_event::NeedData,
                           imap::client_event::Closed, imap::client_event::StartTls>;
  // Run `op` once logged in with INBOX selected (connecting first when needed); `offline`
  // runs instead when the server cannot be reached.
  void when_ready(std::function<void()> op, std::function<void()> offline);
  void connect();
  Step on_event(imap::ClientEvent& ev);
  void on_fetch(const imap::untagged::Fetch& f);
  void pause_idle();
  void resume_idle();
  void rebuild();  // the device's list from the client's view of INBOX
  void fail_pending(const std::string& why);
  void touch();  // activity: restart the linger timer

  MailReader& r_;
  std::unique_ptr<Conn> conn_;
  std::unique_ptr<SessionTracer> tracer_;
  bool ready_ = false;
  // The device gave this connection up (LOGOUT after lingering, or the session failed): no
  // command may follow, so what the user asks meanwhile waits for a new connection.
  bool closing_ = false;
  std::uint64_t generation_ = 0;  // which connect() a finished callback belongs to
  std::uint32_t select_id_ = 0;
  std::uint32_t list_id_ = 0;
  std::uint32_t idle_id_ = 0;
  std::uint32_t last_uid_ = 0;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> pending_;
  std::map<std::uint32_t, DeviceMessage> cache_;  // by UID: what the device learned
  engine::Timer linger_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtpsim::nodes
