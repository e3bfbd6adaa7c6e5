// The inspector panel (issue 5): everything about the one selected thing at the cursor — a
// host (roles, address, domains, services up or down, open connections, queue, mailboxes),
// a connection (its machine's state diagram from the transition table, current state lit,
// last transition highlighted), an MTA queue, a mailbox, or a message (envelope vs header,
// Received: chain, DSN parts). Links move the selection (host -> connection -> message) and
// "back" returns. Reads the View only; its own state is the selection and caches.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gui/message_model.hpp"
#include "gui/queue_model.hpp"
#include "gui/selection.hpp"
#include "gui/state_diagram.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

class Inspector {
 public:
  // Draws into the current window (or child), filling the available region.
  void draw(View& view);

  const Selection& selection() const { return sel_; }
  // Selects s (remembering the previous selection for back()).
  void select(Selection s);
  bool back();
  void clear() { select({}); }

  // The hosts the selection is about (the canvas draws them highlighted).
  std::vector<std::string> hosts(const View& view) const;

  // Which side's machine the connection view shows (the client's by default).
  void show_client_side(bool client) { client_side_ = client; }
  bool client_side() const { return client_side_; }
  // "Large": the app window gives the inspector the canvas's room (projector-sized diagram).
  bool large() const { return large_; }
  // The share of the right-hand column the inspector asks for under the transcript: a
  // state diagram needs more height than a list.
  float height_share() const { return sel_.kind == SelectionKind::Connection ? 0.72f : 0.64f; }
  void set_large(bool on) { large_ = on; }

  // What the connection view showed in its last draw (for tests).
  const MachineMoment& last_moment() const { return moment_; }
  const DiagramPicture& last_picture() const { return picture_; }

 private:
  void draw_host(View& view);
  void draw_connection(View& view);
  void draw_queue(View& view);
  void draw_mailbox(View& view);
  void draw_message(View& view);
  const Diagram& diagram(const proto::MachineSpec& spec);
  const MessageInfo& message(View& view, const std::string& id);

  Selection sel_;
  std::vector<Selection> history_;
  Selection pending_;  // a link clicked during this draw: applied at its end
  bool pending_set_ = false;
  bool client_side_ = true;
  bool large_ = false;
  std::map<const proto::MachineSpec*, Diagram> diagrams_;
  std::map<std::string, std::vector<int>> ports_;  // host -> service ports (canvas badges)
  const scenario::Spec* ports_for_ = nullptr;
  MachineMoment moment_;
  DiagramPicture picture_;
  // Message cache: re-read when the cursor or the recorded trace changed.
  std::map<std::string, MessageInfo> messages_;
  std::size_t messages_at_ = static_cast<std::size_t>(-1), messages_size_ = 0;
};

// A clickable text in the link colour (underlined when hovered); true when clicked.
bool link_text(std::string_view text);

}  // namespace smtpsim::gui
