// An MTA's queue at the cursor, rebuilt from the trace alone (Queued, Attempt, Deferred,
// Relayed, Delivered, Bounced, Dropped of that host): one row per message still queued, with
// the recipients still pending, how many delivery rounds were tried, when the next one is due
// and the last error. Pure: no ImGui, so tests check it directly.
//
// Trusts the MTA's trace vocabulary (sim/nodes/mta.cpp): Queued's detail lists every
// recipient (comma-separated) and its text reads "queued ID from <SENDER> to ..."; Deferred
// carries next_retry; a round of delivery starts with an Attempt event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/trace/event.hpp"

namespace smtpsim::gui {

struct QueueRow {
  std::string id;                       // queue id
  std::string sender;                   // envelope sender, "" for the null sender <>
  std::vector<std::string> recipients;  // all of them, as queued
  std::vector<std::string> pending;     // not yet relayed, delivered or bounced
  int attempts = 0;                     // delivery rounds started (Attempt events)
  int deferrals = 0;                    // Deferred events (one per pending recipient a round)
  std::int64_t queued_at = 0;           // virtual time
  std::int64_t next_retry = -1;         // virtual time of the next round, -1: none set
  std::string last_error;               // the last Deferred's reason ("x-smtpsim; ...")
  bool trying = false;                  // a round is under way at the cursor
};

// The queue of `host` after the first n events, in the order the messages were queued.
std::vector<QueueRow> queue_rows(std::span<const trace::Event> events, std::size_t n,
                                 const std::string& host);

// "queued 200001 from <alice@example.com> to ..." -> "alice@example.com" ("" for "<>").
std::string queued_sender(const std::string& queued_text);

}  // namespace smtpsim::gui
