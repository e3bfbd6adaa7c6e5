// What the inspector shows: the one selected thing of the view (a host, a connection, an MTA
// queue, a mailbox or a message) and its key. Panels set it (a click on a host or on a
// transcript line), the inspector follows links by setting it. Plain data: the key is only a
// name, nothing here checks that the thing exists (the inspector says so when it does not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/trace/event.hpp"

namespace smtpsim::gui {

enum class SelectionKind { None, Host, Connection, Queue, Mailbox, Message };

struct Selection {
  SelectionKind kind = SelectionKind::None;
  // Host: host name. Queue: the MTA's host name. Mailbox: "HOST/USER". Message: queue id.
  // Connection: unused (see conn).
  std::string key;
  std::uint64_t conn = 0;  // Connection: the trace's connection id

  static Selection host(std::string name) { return {SelectionKind::Host, std::move(name), 0}; }
  static Selection connection(std::uint64_t id) { return {SelectionKind::Connection, {}, id}; }
  static Selection queue(std::string host) { return {SelectionKind::Queue, std::move(host), 0}; }
  static Selection mailbox(const std::string& host, const std::string& user) {
    return {SelectionKind::Mailbox, host + "/" + user, 0};
  }
  static Selection message(std::string queue_id) {
    return {SelectionKind::Message, std::move(queue_id), 0};
  }
  // What clicking a transcript line selects: the event's connection, else the message it
  // names (queued, deferred, delivered ...), else the host it happened on; None for none.
  static Selection for_event(const trace::Event& e);

  bool empty() const { return kind == SelectionKind::None; }
  // Mailbox: the two halves of the key.
  std::string mailbox_host() const { return key.substr(0, key.find('/')); }
  std::string mailbox_user() const {
    const auto slash = key.find('/');
    return slash == std::string::npos ? std::string{} : key.substr(slash + 1);
  }
  // "host:NAME", "conn:N", "queue:HOST", "mailbox:HOST/USER", "message:QUEUEID" (the
  // screenshot mode's --select), and back.
  std::string to_string() const;
  static std::optional<Selection> parse(std::string_view text);

  bool operator==(const Selection&) const = default;
};

}  // namespace smtpsim::gui
