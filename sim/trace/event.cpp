// Names of event kinds (the JSON and text writers use them; JSON readers map them back).
#include "sim/trace/event.hpp"

#include <array>
#include <utility>

namespace smtpsim::trace {

namespace {
constexpr std::array<std::pair<EventKind, std::string_view>, 35> kNames = {{
    {EventKind::ConnectionOpened, "connection_opened"},
    {EventKind::ConnectionRefused, "connection_refused"},
    {EventKind::ConnectionTimeout, "connection_timeout"},
    {EventKind::ConnectionClosed, "connection_closed"},
    {EventKind::TlsStarted, "tls_started"},
    {EventKind::Line, "line"},
    {EventKind::Datagram, "datagram"},
    {EventKind::StateChanged, "state_changed"},
    {EventKind::Submitted, "submitted"},
    {EventKind::Queued, "queued"},
    {EventKind::Attempt, "attempt"},
    {EventKind::Deferred, "deferred"},
    {EventKind::Relayed, "relayed"},
    {EventKind::Delivered, "delivered"},
    {EventKind::Bounced, "bounced"},
    {EventKind::DsnSent, "dsn_sent"},
    {EventKind::DelayWarned, "delay_warned"},
    {EventKind::Dropped, "dropped"},
    {EventKind::Retrieved, "retrieved"},
    {EventKind::FlagsChanged, "flags_changed"},
    {EventKind::Expunged, "expunged"},
    {EventKind::Appended, "appended"},
    {EventKind::LocalChange, "local_change"},
    {EventKind::DnsLookup, "dns_lookup"},
    {EventKind::HostDown, "host_down"},
    {EventKind::HostUp, "host_up"},
    {EventKind::ServiceDown, "service_down"},
    {EventKind::ServiceUp, "service_up"},
    {EventKind::LinkCut, "link_cut"},
    {EventKind::LinkRestored, "link_restored"},
    {EventKind::LatencyChanged, "latency_changed"},
    {EventKind::DnsRecordChanged, "dns_record_changed"},
    {EventKind::MailboxFull, "mailbox_full"},
    {EventKind::Action, "action"},
    {EventKind::Note, "note"},
}};
}  // namespace

std::string_view kind_name(EventKind k) {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "unknown";
}

bool kind_from_name(std::string_view name, EventKind& out) {
  for (const auto& [kind, n] : kNames) {
    if (n == name) {
      out = kind;
      return true;
    }
  }
  return false;
}

}  // namespace smtpsim::trace
