// Transcript panel: the swaks-style lines of the run (trace::TextWriter, the same text as
// `smtpsim run`), colour-coded by direction, filterable by host, reply codes explained on
// hover. Clicking a line moves the View's cursor to just after that event. Uses
// ImGuiListClipper so long runs stay smooth. Reads the recorder; renders each event once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "gui/view.hpp"
#include "sim/trace/text_writer.hpp"

namespace smtpsim::gui {

enum class Direction { Info, ClientSent, ServerSent, Error };

struct TranscriptRow {
  std::size_t event = 0;  // index into the recorder
  Direction dir = Direction::Info;
  std::string text;   // one rendered line, without the newline (as `smtpsim run` prints it)
  std::string brief;  // the same with the label "client→server:port" cut to "client"
};

class TranscriptPanel {
 public:
  void draw(View& view);
  // Renders any events recorded since the last call (also called by draw()).
  void sync(const View& view);
  const std::vector<TranscriptRow>& rows() const { return rows_; }
  // The rows the host filter lets through ("" = all hosts), as indices into rows().
  std::vector<std::size_t> visible(const View& view) const;
  void set_host_filter(std::string host) {
    filter_ = std::move(host);
    conn_filter_ = 0;
  }
  // Only the lines of one connection (0 = no connection filter).
  void set_connection_filter(std::uint64_t conn) {
    conn_filter_ = conn;
    filter_.clear();
  }
  // The event of the line clicked in the last draw(), if any (the app selects its connection).
  std::optional<std::size_t> clicked_event() const { return clicked_; }
  // Lines after the cursor are not listed (a lesson question is waiting: the dimmed future
  // lines would give the answer away).
  bool hide_future = false;
  // How many lines the last draw() listed (after the filters).
  std::size_t listed() const { return listed_; }
  // The line of this event is framed (a lesson step's waited-for event).
  std::optional<std::size_t> marked;
  // What the user gets by clicking row r: the cursor just after its event.
  static void activate(View& view, const TranscriptRow& r) { view.seek(r.event + 1); }

 private:
  trace::TextWriter writer_;
  std::vector<TranscriptRow> rows_;
  std::size_t rendered_ = 0;
  std::size_t listed_ = 0;  // events fed to writer_
  std::string filter_;
  std::uint64_t conn_filter_ = 0;
  std::vector<std::pair<std::uint64_t, std::string>> connections_;  // id, "client→server:port"
  bool labels_ = false;  // show the connection labels (the full lines)
  std::size_t last_cursor_ = static_cast<std::size_t>(-1);
  std::optional<std::size_t> clicked_;
};

// A sentence for a reply code ("550 5.1.1 ..." -> "no such user"), or "" when unknown.
std::string explain_reply(const std::string& line);

}  // namespace smtpsim::gui
