// State diagram: layout from the transition table, machine state from the trace, drawing.
#include "gui/state_diagram.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>

#include "sim/proto/imap/client_session.hpp"
#include "sim/proto/imap/server_session.hpp"
#include "sim/proto/pop3/client_session.hpp"
#include "sim/proto/pop3/server_session.hpp"
#include "sim/proto/smtp/client_session.hpp"
#include "sim/proto/smtp/server_session.hpp"

namespace smtpsim::gui {

std::span<const proto::MachineSpec* const> all_machines() {
  static const proto::MachineSpec* const specs[] = {&smtp::client_machine_spec(),
                                                    &smtp::server_machine_spec(),
                                                    &pop3::client_machine_spec(),
                                                    &pop3::server_machine_spec(),
                                                    &imap::ClientSession::client_machine_spec(),
                                                    &imap::server_machine_spec()};
  return specs;
}

const proto::MachineSpec* machine_by_name(std::string_view name) {
  for (const proto::MachineSpec* s : all_machines())
    if (s->name == name) return s;
  return nullptr;
}

const proto::MachineSpec* machine_for(std::string_view proto, bool client_side) {
  // The specs are named "<PROTO> client" / "<PROTO> server".
  return machine_by_name(std::string(proto) + (client_side ? " client" : " server"));
}

const DiagramNode* Diagram::node(int state) const {
  for (const auto& n : nodes)
    if (n.state == state) return &n;
  return nullptr;
}

const DiagramEdge* Diagram::edge(int from, int to) const {
  for (const auto& e : edges)
    if (e.from == from && e.to == to) return &e;
  return nullptr;
}

Diagram build_diagram(const proto::MachineSpec& spec) {
  Diagram d;
  d.spec = &spec;
  const std::size_t n = spec.states.size();
  if (n == 0) return d;
  std::map<int, std::size_t> index;  // state id -> position in the table
  for (std::size_t i = 0; i < n; ++i) index[spec.states[i].id] = i;

  // Merge the rules between the same two states; skip rules naming unknown states.
  for (const auto& t : spec.transitions) {
    if (!index.count(t.from) || !index.count(t.to)) continue;
    auto it = std::find_if(d.edges.begin(), d.edges.end(),
                           [&](const DiagramEdge& e) { return e.from == t.from && e.to == t.to; });
    if (it == d.edges.end()) {
      d.edges.push_back(DiagramEdge{t.from, t.to, {}, false});
      it = std::prev(d.edges.end());
    }
    it->triggers.push_back(t.trigger);
  }
  std::vector<bool> sink(n, true);
  for (const auto& e : d.edges)
    if (e.from != e.to) sink[index[e.from]] = false;
  // Closing states (QUIT, LOGOUT, UPDATE): every way out leads only to closing or sink
  // states. They sit in the row above the sinks, and the arrows into them are faint, so the
  // many "error -> QUIT / CLOSED" rules do not hide the main path.
  std::vector<bool> closing(n, false);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 1; i < n; ++i) {
      if (sink[i] || closing[i]) continue;
      bool all = true;
      for (const auto& e : d.edges)
        if (e.from == spec.states[i].id && e.from != e.to && !sink[index[e.to]] &&
            !closing[index[e.to]])
          all = false;
      if (all) closing[i] = changed = true;
    }
  }
  for (auto& e : d.edges)
    e.into_sink = e.from != e.to && (sink[index[e.to]] || closing[index[e.to]]) && index[e.to] != 0;

  // Layers: BFS depth from the initial state over the other edges.
  std::vector<int> layer(n, -1);
  std::queue<std::size_t> todo;
  layer[0] = 0;
  todo.push(0);
  while (!todo.empty()) {
    const std::size_t u = todo.front();
    todo.pop();
    for (const auto& e : d.edges) {
      if (e.from != spec.states[u].id || e.into_sink) continue;
      const std::size_t v = index[e.to];
      if (layer[v] < 0) {
        layer[v] = layer[u] + 1;
        todo.push(v);
      }
    }
  }
  auto main_state = [&](std::size_t i) { return i == 0 || (!sink[i] && !closing[i]); };
  int deepest = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (layer[i] >= 0 && main_state(i)) deepest = std::max(deepest, layer[i]);
  int next = deepest + 1;
  bool unreached = false;
  for (std::size_t i = 0; i < n; ++i)
    if (main_state(i) && layer[i] < 0) {
      layer[i] = next;
      unreached = true;
    }
  if (unreached) ++next;
  bool any_closing = false, any_sink = false;
  for (std::size_t i = 1; i < n; ++i)
    if (closing[i]) {
      layer[i] = next;
      any_closing = true;
    }
  if (any_closing) ++next;
  for (std::size_t i = 1; i < n; ++i)
    if (sink[i]) {
      layer[i] = next;
      any_sink = true;
    }
  if (any_sink) ++next;
  d.layers = next;

  // Rows: table order first, then a few barycentre sweeps (Sugiyama) to cross less.
  std::vector<std::vector<std::size_t>> rows(static_cast<std::size_t>(d.layers));
  for (std::size_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(layer[i])].push_back(i);
  std::vector<double> pos(n, 0.5);
  auto place = [&] {
    for (const auto& row : rows)
      for (std::size_t k = 0; k < row.size(); ++k)
        pos[row[k]] = (static_cast<double>(k) + 0.5) / static_cast<double>(row.size());
  };
  place();
  for (int sweep = 0; sweep < 6; ++sweep) {
    for (std::size_t r = 1; r < rows.size(); ++r) {
      std::vector<std::pair<double, std::size_t>> keyed;
      for (std::size_t k = 0; k < rows[r].size(); ++k) {
        const std::size_t v = rows[r][k];
        double sum = 0;
        int count = 0;
        for (const auto& e : d.edges) {
          if (e.into_sink || e.from == e.to) continue;
          std::size_t other = n;
          if (e.to == spec.states[v].id) other = index[e.from];
          if (e.from == spec.states[v].id) other = index[e.to];
          if (other == n || layer[other] == static_cast<int>(r)) continue;
          sum += pos[other];
          ++count;
        }
        keyed.emplace_back(count ? sum / count : pos[v], v);
      }
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t k = 0; k < keyed.size(); ++k) rows[r][k] = keyed[k].second;
      place();
    }
  }
  for (const auto& row : rows) d.widest = std::max(d.widest, static_cast<int>(row.size()));
  d.nodes.resize(n);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t k = 0; k < rows[r].size(); ++k) {
      const std::size_t i = rows[r][k];
      DiagramNode& node = d.nodes[i];
      node.state = spec.states[i].id;
      node.layer = static_cast<int>(r);
      node.slot = static_cast<int>(k);
      node.sink = i != 0 && (sink[i] || closing[i]);
      node.x = static_cast<float>(pos[i]);
      node.y = (static_cast<float>(r) + 0.5f) / static_cast<float>(d.layers);
    }
  }
  return d;
}

bool parse_state_change(std::string_view text, std::string_view& machine, std::string_view& from,
                        std::string_view& to) {
  const auto colon = text.find(": ");
  const auto arrow = text.find(" -> ", colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || arrow == std::string_view::npos) return false;
  machine = text.substr(0, colon);
  from = text.substr(colon + 2, arrow - colon - 2);
  to = text.substr(arrow + 4);
  return !machine.empty() && !from.empty() && !to.empty();
}

namespace {
int state_id(const proto::MachineSpec& spec, std::string_view name) {
  for (const auto& s : spec.states)
    if (s.name == name) return s.id;
  return -1;
}
}  // namespace

MachineMoment machine_at(std::span<const trace::Event> events, std::size_t n, std::uint64_t conn,
                         const std::string& host, const proto::MachineSpec* fallback) {
  MachineMoment m;
  m.spec = fallback;
  n = std::min(n, events.size());
  for (std::size_t i = n; i-- > 0;) {
    const trace::Event& e = events[i];
    if (e.conn != conn) continue;
    if (e.kind == trace::EventKind::StateChanged && e.host == host) {
      std::string_view machine, from, to;
      if (!parse_state_change(e.text, machine, from, to)) continue;
      const proto::MachineSpec* spec = machine_by_name(machine);
      if (!spec) continue;
      const int f = state_id(*spec, from), t = state_id(*spec, to);
      if (f < 0 || t < 0) continue;
      m.spec = spec;
      m.current = t;
      m.last_from = f;
      m.last_to = t;
      m.trigger = e.detail;
      m.event = i;
      m.time = e.time;
      return m;
    }
    if (e.kind == trace::EventKind::ConnectionOpened) {
      // Open, but this side's machine has not moved yet: it is in its initial state.
      if (m.spec && !m.spec->states.empty()) m.current = m.spec->states.front().id;
      m.time = e.time;
      return m;
    }
  }
  return m;
}

// ---- drawing ------------------------------------------------------------------------------

namespace {

ImVec2 operator+(ImVec2 a, ImVec2 b) {
  return ImVec2(a.x + b.x, a.y + b.y);
}
ImVec2 operator-(ImVec2 a, ImVec2 b) {
  return ImVec2(a.x - b.x, a.y - b.y);
}
ImVec2 operator*(ImVec2 a, float k) {
  return ImVec2(a.x * k, a.y * k);
}
float length(ImVec2 a) {
  return std::sqrt(a.x * a.x + a.y * a.y);
}

// Where the ray from the box's centre towards `toward` leaves the box.
ImVec2 clip_to_box(ImVec2 c, ImVec2 half, ImVec2 toward) {
  const ImVec2 d = toward - c;
  const float ax = std::abs(d.x), ay = std::abs(d.y);
  if (ax < 1e-3f && ay < 1e-3f) return c;
  const float t = std::min(ax > 1e-3f ? half.x / ax : 1e9f, ay > 1e-3f ? half.y / ay : 1e9f);
  return c + d * std::min(t, 1.f);
}

ImVec2 quad_point(ImVec2 a, ImVec2 c, ImVec2 b, float t) {
  const float u = 1 - t;
  return a * (u * u) + c * (2 * u * t) + b * (t * t);
}

void arrow_head(ImDrawList* dl, ImVec2 tip, ImVec2 from, float size, ImU32 col) {
  ImVec2 d = tip - from;
  const float len = length(d);
  if (len < 1e-3f) return;
  d = d * (1.f / len);
  const ImVec2 n(-d.y, d.x);
  dl->AddTriangleFilled(tip, tip - d * size + n * (size * 0.5f), tip - d * size - n * (size * 0.5f),
                        col);
}

constexpr ImU32 kEdge = IM_COL32(150, 162, 185, 230);
constexpr ImU32 kEdgeFaint = IM_COL32(120, 126, 140, 80);
constexpr ImU32 kEdgeNext = IM_COL32(120, 200, 255, 255);  // ways out of the current state
constexpr ImU32 kEdgeLast = IM_COL32(255, 160, 40, 255);   // the last transition
constexpr ImU32 kBox = IM_COL32(36, 42, 56, 255);
constexpr ImU32 kBoxBorder = IM_COL32(130, 140, 165, 255);
constexpr ImU32 kCurrent = IM_COL32(255, 208, 70, 255);
constexpr ImU32 kText = IM_COL32(235, 238, 245, 255);
constexpr ImU32 kTextOnCurrent = IM_COL32(20, 20, 20, 255);

}  // namespace

DiagramPicture draw_diagram(const Diagram& d, const MachineMoment& m, ImVec2 size) {
  DiagramPicture pic;
  size.x = std::max(size.x, 120.f);
  size.y = std::max(size.y, 80.f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("state-diagram", size);
  const bool hovered = ImGui::IsItemHovered();
  if (!d.spec || d.nodes.empty() || d.layers == 0) return pic;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImFont* font = ImGui::GetFont();
  dl->PushClipRect(origin, origin + size, true);
  dl->AddRectFilled(origin, origin + size, IM_COL32(16, 19, 26, 255), 6);

  // Sizes: the row height bounds the font; the widest row bounds the boxes' width.
  const float base = ImGui::GetFontSize();
  const float pad = base * 0.4f;
  const ImVec2 a0 = origin + ImVec2(pad, pad);
  const ImVec2 area = size - ImVec2(2 * pad, 2 * pad);
  const float row_h = area.y / static_cast<float>(d.layers);
  float fs = std::min(base, row_h * 0.52f);
  float widest_text = 1;
  for (const auto& s : d.spec->states)
    widest_text =
        std::max(widest_text,
                 font->CalcTextSizeA(fs, 1e9f, 0, s.name.data(), s.name.data() + s.name.size()).x);
  const float col_w = area.x / static_cast<float>(std::max(d.widest, 1));
  float box_w = std::min(widest_text + fs * 1.2f, col_w * 0.9f);
  if (widest_text + fs * 0.6f > box_w) {  // shrink the text to fit the column
    fs = std::max(fs * (box_w - fs * 0.6f) / widest_text, base * 0.5f);
  }
  box_w = std::max(box_w, fs * 3);
  const float box_h = std::min(fs * 1.6f, row_h * 0.74f);
  const ImVec2 half(box_w / 2, box_h / 2);
  auto centre = [&](const DiagramNode& nd) { return a0 + ImVec2(nd.x * area.x, nd.y * area.y); };
  const ImVec2 mouse = ImGui::GetIO().MousePos;

  // Boxes first (for hit testing), painted after the edges.
  for (const auto& nd : d.nodes) {
    const ImVec2 c = centre(nd);
    pic.boxes.push_back({nd.state, c - half, c + half});
    if (hovered && mouse.x >= c.x - half.x && mouse.x <= c.x + half.x && mouse.y >= c.y - half.y &&
        mouse.y <= c.y + half.y)
      pic.hovered_state = nd.state;
  }

  // Edge geometry: a quadratic curve, bent when the straight line would be ambiguous (the
  // reverse edge exists, it goes up or sideways, or it skips rows).
  struct Geo {
    ImVec2 p0, ctrl, p1;
  };
  std::vector<Geo> geo(d.edges.size());
  for (std::size_t i = 0; i < d.edges.size(); ++i) {
    const DiagramEdge& e = d.edges[i];
    const DiagramNode* na = d.node(e.from);
    const DiagramNode* nb = d.node(e.to);
    const ImVec2 ca = centre(*na), cb = centre(*nb);
    if (e.from == e.to) {  // a loop on the right-hand side
      geo[i] = {ca + ImVec2(half.x, -half.y * 0.5f), ca + ImVec2(half.x + box_h * 1.2f, 0),
                ca + ImVec2(half.x, half.y * 0.5f)};
      continue;
    }
    const ImVec2 dir = cb - ca;
    const float len = std::max(length(dir), 1.f);
    const ImVec2 perp(-dir.y / len, dir.x / len);
    const bool bend =
        d.edge(e.to, e.from) != nullptr || nb->layer <= na->layer || nb->layer - na->layer > 1;
    const ImVec2 mid = (ca + cb) * 0.5f;
    const ImVec2 ctrl = bend ? mid + perp * (len * 0.18f) : mid;
    geo[i] = {clip_to_box(ca, half, ctrl), ctrl, clip_to_box(cb, half, ctrl)};
  }
  if (hovered && pic.hovered_state < 0) {
    float best = fs * 0.6f;
    for (std::size_t i = 0; i < geo.size(); ++i) {
      for (int k = 0; k <= 24; ++k) {
        const float dist = length(quad_point(geo[i].p0, geo[i].ctrl, geo[i].p1, k / 24.f) - mouse);
        if (dist < best) {
          best = dist;
          pic.hovered_edge = static_cast<int>(i);
        }
      }
    }
  }

  const float th = std::max(1.f, fs / 12.f);
  auto edge_style = [&](std::size_t i, ImU32& col, float& width, int& rank) {
    const DiagramEdge& e = d.edges[i];
    rank = 1;
    col = kEdge;
    width = 1.5f * th;
    if (e.into_sink) {
      col = kEdgeFaint;
      width = th;
      rank = 0;
    }
    if (m.current >= 0 && e.from == m.current && !e.into_sink) {
      col = kEdgeNext;
      width = 2 * th;
      rank = 2;
    }
    if (static_cast<int>(i) == pic.hovered_edge) {
      col = IM_COL32(255, 255, 255, 255);
      width = 2.5f * th;
      rank = 3;
    }
    if (e.from == m.last_from && e.to == m.last_to) {
      col = kEdgeLast;
      width = 3.5f * th;
      rank = 4;
    }
  };
  for (int pass = 0; pass <= 4; ++pass) {
    for (std::size_t i = 0; i < geo.size(); ++i) {
      ImU32 col;
      float width;
      int rank;
      edge_style(i, col, width, rank);
      if (rank != pass) continue;
      const Geo& g = geo[i];
      const float head = fs * 0.55f + width;
      // Stop the line short of the tip so the arrow head stays sharp.
      const ImVec2 back = g.p1 - g.ctrl;
      const float bl = std::max(length(back), 1.f);
      const ImVec2 end = g.p1 - back * (head * 0.6f / bl);
      if (d.edges[i].from == d.edges[i].to) {
        dl->AddBezierCubic(g.p0, g.ctrl + ImVec2(0, -box_h), g.ctrl + ImVec2(0, box_h), g.p1, col,
                           width);
        arrow_head(dl, g.p1, g.ctrl + ImVec2(0, box_h), head, col);
      } else {
        dl->AddBezierQuadratic(g.p0, g.ctrl, end, col, width);
        arrow_head(dl, g.p1, g.ctrl, head, col);
      }
    }
  }

  for (const auto& nd : d.nodes) {
    const ImVec2 c = centre(nd);
    const bool cur = nd.state == m.current;
    const bool was = nd.state == m.last_from && m.last_from != m.current;
    const float r = box_h * 0.35f;
    dl->AddRectFilled(c - half, c + half, cur ? kCurrent : kBox, r);
    dl->AddRect(c - half, c + half,
                cur   ? IM_COL32(255, 240, 170, 255)
                : was ? kEdgeLast
                      : kBoxBorder,
                r, 0, cur || was ? 2.5f * th : th);
    const auto& info = d.spec->state(nd.state);
    const ImVec2 ts =
        font->CalcTextSizeA(fs, 1e9f, 0, info.name.data(), info.name.data() + info.name.size());
    dl->AddText(font, fs, c - ts * 0.5f, cur ? kTextOnCurrent : kText, info.name.data(),
                info.name.data() + info.name.size());
  }

  // The last transition's trigger, on its arrow.
  if (m.last_from >= 0) {
    for (std::size_t i = 0; i < d.edges.size(); ++i) {
      if (d.edges[i].from != m.last_from || d.edges[i].to != m.last_to) continue;
      const Geo& g = geo[i];
      const bool loop = d.edges[i].from == d.edges[i].to;
      const char* t = m.trigger.c_str();
      const ImVec2 ts = font->CalcTextSizeA(fs, 1e9f, 0, t);
      const ImVec2 label = ts + ImVec2(fs * 0.6f, fs * 0.3f);
      // Candidate places along the arrow: beside a steep one, above or below a flat one;
      // the first that covers no state box wins (else the middle, above).
      const bool steep = std::abs(g.p1.x - g.p0.x) < box_w;
      auto place = [&](float along, int side) {
        const ImVec2 at = loop ? g.ctrl : quad_point(g.p0, g.ctrl, g.p1, along);
        ImVec2 p0 = at - label * 0.5f;
        if (steep) {
          p0.x = side > 0 ? at.x + fs * 0.5f : at.x - label.x - fs * 0.5f;
        } else {
          p0.y = side > 0 ? at.y - label.y - fs * 0.3f : at.y + fs * 0.3f;
        }
        p0.x = std::max(origin.x, std::min(p0.x, origin.x + size.x - label.x));
        p0.y = std::max(origin.y, std::min(p0.y, origin.y + size.y - label.y));
        return p0;
      };
      auto covers_a_box = [&](ImVec2 p0) {
        for (const auto& b : pic.boxes)
          if (p0.x < b.max.x && b.min.x < p0.x + label.x && p0.y < b.max.y &&
              b.min.y < p0.y + label.y)
            return true;
        return false;
      };
      ImVec2 p0 = place(0.5f, 1);
      for (const float along : {0.5f, 0.35f, 0.65f}) {
        bool found = false;
        for (const int side : {1, -1}) {
          const ImVec2 c = place(along, side);
          if (!covers_a_box(c)) {
            p0 = c;
            found = true;
            break;
          }
        }
        if (found) break;
      }
      const ImVec2 p1 = p0 + ts + ImVec2(fs * 0.6f, fs * 0.3f);
      dl->AddRectFilled(p0, p1, IM_COL32(60, 36, 8, 240), fs * 0.2f);
      dl->AddRect(p0, p1, kEdgeLast, fs * 0.2f, 0, th);
      dl->AddText(font, fs, p0 + ImVec2(fs * 0.3f, fs * 0.15f), IM_COL32(255, 225, 180, 255), t);
    }
  }
  dl->PopClipRect();

  if (pic.hovered_state >= 0) {
    const auto& info = d.spec->state(pic.hovered_state);
    ImGui::SetTooltip("%.*s: %.*s", static_cast<int>(info.name.size()), info.name.data(),
                      static_cast<int>(info.caption.size()), info.caption.data());
  } else if (pic.hovered_edge >= 0) {
    const DiagramEdge& e = d.edges[static_cast<std::size_t>(pic.hovered_edge)];
    std::string tip = std::string(d.spec->state(e.from).name) + " -> " +
                      std::string(d.spec->state(e.to).name) + "\n";
    for (const auto t : e.triggers) tip += "  on: " + std::string(t) + "\n";
    tip.pop_back();
    ImGui::SetTooltip("%s", tip.c_str());
  }
  return pic;
}

}  // namespace smtpsim::gui
