// What a lesson step spotlights (lesson.hpp Highlight, resolved on the trace): hosts and a
// link the canvas draws lit, the transcript line of the waited-for event, and a host for the
// inspector. The lesson player fills it; panels only read it (nullptr or empty: nothing lit).
// The draw functions are the canvas's part: called by Canvas::draw when it has a spotlight.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <imgui.h>

namespace smtpsim::gui {

struct Spotlight {
  std::vector<std::string> hosts;
  std::optional<std::pair<std::string, std::string>> link;
  std::optional<std::size_t> event;  // the transcript line to mark (index into the recorder)
  std::string inspect;               // host to open in the inspector ("" = none)

  bool empty() const { return hosts.empty() && !link && !event && inspect.empty(); }
  bool lit(const std::string& host) const {
    for (const auto& h : hosts)
      if (h == host) return true;
    return false;
  }
};

struct ScreenBox;
// A broad band under the lit link (before the hosts are drawn) and rings around lit hosts
// (after), on the canvas's screen boxes; `scale` is the canvas zoom.
void draw_spotlight_link(ImDrawList* dl, const Spotlight& s, const std::vector<ScreenBox>& boxes,
                         float scale);
void draw_spotlight_hosts(ImDrawList* dl, const Spotlight& s, const std::vector<ScreenBox>& boxes,
                          float scale);

}  // namespace smtpsim::gui
