// The network canvas panel: hosts, links, services, queues, mailboxes and every message in
// flight, drawn with ImGui's draw list from the View (read only). Its own state is only the
// picture: pan, zoom and hosts the teacher dragged somewhere else.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

#include "gui/layout.hpp"
#include "gui/spotlight.hpp"
#include "gui/view.hpp"

namespace smtpsim::gui {

struct ScreenBox {
  std::string name;
  ImVec2 min, max;  // screen pixels
};

struct ScreenEnvelope {
  std::size_t event = 0;
  ImVec2 center;  // screen pixels
};

class Canvas {
 public:
  // Draws into the current window, filling `size` from the cursor position.
  void draw(View& view, ImVec2 size);

  // Where the last draw() put things (for the screenshot test's layout file and for tests).
  const std::vector<ScreenBox>& boxes() const { return boxes_; }
  const std::vector<ScreenEnvelope>& envelopes() const { return envelopes_; }
  // The tooltip lines of the envelopes under the mouse in the last draw().
  const std::vector<std::string>& hovered() const { return tips_; }
  // The host clicked (pressed and released without dragging) in the last draw(), or "".
  const std::string& clicked_host() const { return clicked_; }
  // Hosts drawn with a halo (what the inspector shows).
  void set_highlight(std::vector<std::string> hosts) { highlight_ = std::move(hosts); }
  // World -> screen for a canvas at `origin` of `size` (pan and zoom applied).
  void compute_boxes(const View& view, ImVec2 origin, ImVec2 size);
  // What a lesson step lights up (owned by the lesson panel; nullptr = nothing).
  const Spotlight* spotlight = nullptr;

  void reset_view() {
    pan_ = ImVec2(0, 0);
    zoom_ = 1.f;
    moved_.clear();
  }

 private:
  ImVec2 to_screen(double x, double y) const;
  float scale() const { return fit_ * zoom_; }

  ImVec2 pan_{0, 0};
  float zoom_ = 1.f;
  float fit_ = 1.f;
  ImVec2 origin_{0, 0};
  double world_min_x_ = 0, world_min_y_ = 0;
  std::map<std::string, ImVec2> moved_;  // host -> world offset dragged by the user
  std::string dragging_;
  std::string clicked_;
  std::vector<std::string> highlight_;
  std::vector<HostBox> layout_;  // the scenario's hosts (computed once)
  bool have_layout_ = false;
  // What the last compute_boxes() shows: layout_ then the extra hosts (live mode) that have
  // appeared by the cursor, in the order of boxes_.
  std::vector<HostBox> shown_;
  std::vector<ExtraHost> shown_extra_;
  std::vector<ScreenBox> boxes_;
  std::vector<ScreenEnvelope> envelopes_;
  std::vector<std::string> tips_;
  std::set<std::pair<std::string, std::string>> links_;  // host pairs joined by a line
  std::size_t links_scanned_ = 0;                        // events looked at for links_
};

// Colour of a protocol's envelopes (SMTP, DNS, POP3, IMAP), shared with the transcript.
ImU32 protocol_colour(const std::string& proto);

}  // namespace smtpsim::gui
