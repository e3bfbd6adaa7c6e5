// The network canvas: a picture of the WorldView at the cursor plus the messages in flight.
// Reads the View only; pan, zoom and dragged hosts are this panel's own state.
#include "gui/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <unordered_map>

#include "gui/live_layout.hpp"
#include "sim/engine/sim_time.hpp"

namespace smtpsim::gui {

namespace {

constexpr ImU32 kBackground = IM_COL32(16, 18, 24, 255);
constexpr ImU32 kBoxFill = IM_COL32(34, 40, 54, 255);
constexpr ImU32 kDownFill = IM_COL32(70, 70, 74, 255);
constexpr ImU32 kText = IM_COL32(240, 242, 248, 255);
constexpr ImU32 kDimText = IM_COL32(170, 180, 200, 255);
constexpr ImU32 kLink = IM_COL32(95, 108, 135, 255);
constexpr ImU32 kRed = IM_COL32(235, 60, 60, 255);
// Live mode: a real host is pink on a dark plum box, unlike every simulated role and every
// protocol colour, so a class sees at once which host is a real machine.
constexpr ImU32 kReal = IM_COL32(255, 95, 175, 255);
constexpr ImU32 kRealFill = IM_COL32(58, 24, 48, 255);

ImU32 glyph_colour(Glyph g) {
  switch (g) {
    case Glyph::Laptop:
    case Glyph::Phone:
      return IM_COL32(70, 200, 190, 255);
    case Glyph::Server:
      return IM_COL32(110, 160, 255, 255);
    case Glyph::Directory:
      return IM_COL32(200, 150, 255, 255);
    case Glyph::Real:
      return kReal;
  }
  return kText;
}

ImU32 port_colour(int port) {
  switch (port) {
    case 53:
      return protocol_colour("DNS");
    case 110:
    case 995:
      return protocol_colour("POP3");
    case 143:
    case 993:
      return protocol_colour("IMAP");
    case 443:
      return protocol_colour("HTTP");
    default:
      return protocol_colour("SMTP");
  }
}

ImVec2 add(ImVec2 a, ImVec2 b) {
  return ImVec2(a.x + b.x, a.y + b.y);
}
ImVec2 lerp(ImVec2 a, ImVec2 b, float t) {
  return ImVec2(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
}

// Text of `px` pixels, shrunk until it fits `max_w`.
void fitted_text(ImDrawList* dl, ImVec2 pos, float px, float max_w, ImU32 col,
                 const std::string& s) {
  ImFont* font = ImGui::GetFont();
  float w = font->CalcTextSizeA(px, FLT_MAX, 0, s.c_str()).x;
  if (w > max_w && w > 0) px = std::max(6.f, px * max_w / w);
  dl->AddText(font, px, pos, col, s.c_str());
}

void centred_text(ImDrawList* dl, ImVec2 centre, float px, ImU32 col, const std::string& s) {
  ImFont* font = ImGui::GetFont();
  const ImVec2 sz = font->CalcTextSizeA(px, FLT_MAX, 0, s.c_str());
  dl->AddText(font, px, ImVec2(centre.x - sz.x / 2, centre.y - sz.y / 2), col, s.c_str());
}

// Role glyphs, drawn in a square of side `s` at `p` (top-left).
void draw_glyph(ImDrawList* dl, Glyph g, ImVec2 p, float s, ImU32 col) {
  const float t = std::max(1.5f, s * 0.05f);
  switch (g) {
    case Glyph::Laptop: {  // screen + keyboard base
      dl->AddRectFilled(ImVec2(p.x + s * 0.15f, p.y + s * 0.15f),
                        ImVec2(p.x + s * 0.85f, p.y + s * 0.62f), col, s * 0.04f);
      dl->AddRectFilled(ImVec2(p.x + s * 0.22f, p.y + s * 0.21f),
                        ImVec2(p.x + s * 0.78f, p.y + s * 0.56f), kBoxFill);
      dl->AddQuadFilled(
          ImVec2(p.x + s * 0.10f, p.y + s * 0.66f), ImVec2(p.x + s * 0.90f, p.y + s * 0.66f),
          ImVec2(p.x + s * 1.00f, p.y + s * 0.80f), ImVec2(p.x + s * 0.00f, p.y + s * 0.80f), col);
      break;
    }
    case Glyph::Phone: {  // tall rounded body, screen, home button
      dl->AddRectFilled(ImVec2(p.x + s * 0.30f, p.y + s * 0.05f),
                        ImVec2(p.x + s * 0.70f, p.y + s * 0.95f), col, s * 0.08f);
      dl->AddRectFilled(ImVec2(p.x + s * 0.35f, p.y + s * 0.14f),
                        ImVec2(p.x + s * 0.65f, p.y + s * 0.76f), kBoxFill);
      dl->AddCircleFilled(ImVec2(p.x + s * 0.5f, p.y + s * 0.85f), s * 0.045f, kBoxFill);
      break;
    }
    case Glyph::Server: {  // a rack of three units with LEDs
      for (int i = 0; i < 3; ++i) {
        const float y0 = p.y + s * (0.08f + 0.29f * static_cast<float>(i));
        dl->AddRectFilled(ImVec2(p.x + s * 0.12f, y0), ImVec2(p.x + s * 0.88f, y0 + s * 0.24f), col,
                          s * 0.03f);
        dl->AddCircleFilled(ImVec2(p.x + s * 0.24f, y0 + s * 0.12f), s * 0.04f,
                            IM_COL32(80, 255, 120, 255));
        dl->AddLine(ImVec2(p.x + s * 0.45f, y0 + s * 0.12f),
                    ImVec2(p.x + s * 0.80f, y0 + s * 0.12f), kBoxFill, t);
      }
      break;
    }
    case Glyph::Directory: {  // an open book (the directory of names)
      const ImVec2 c(p.x + s * 0.5f, p.y + s * 0.85f);
      dl->AddQuadFilled(ImVec2(p.x + s * 0.05f, p.y + s * 0.2f), ImVec2(c.x, p.y + s * 0.3f), c,
                        ImVec2(p.x + s * 0.05f, p.y + s * 0.75f), col);
      dl->AddQuadFilled(ImVec2(c.x, p.y + s * 0.3f), ImVec2(p.x + s * 0.95f, p.y + s * 0.2f),
                        ImVec2(p.x + s * 0.95f, p.y + s * 0.75f), c, col);
      dl->AddLine(ImVec2(c.x, p.y + s * 0.3f), c, kBoxFill, t);
      for (int i = 0; i < 3; ++i) {
        const float y = p.y + s * (0.38f + 0.1f * static_cast<float>(i));
        dl->AddLine(ImVec2(p.x + s * 0.15f, y), ImVec2(p.x + s * 0.42f, y + s * 0.04f), kBoxFill,
                    t * 0.7f);
        dl->AddLine(ImVec2(p.x + s * 0.58f, y + s * 0.04f), ImVec2(p.x + s * 0.85f, y), kBoxFill,
                    t * 0.7f);
      }
      break;
    }
    case Glyph::Real: {  // a globe: a machine out on the real network
      const ImVec2 c(p.x + s * 0.5f, p.y + s * 0.5f);
      const float r = s * 0.42f;
      dl->AddCircle(c, r, col, 32, t * 1.6f);
      dl->AddLine(ImVec2(c.x - r, c.y), ImVec2(c.x + r, c.y), col, t);
      for (float f : {-0.5f, 0.5f}) {  // two parallels
        const float y = c.y + r * f, hw = r * std::sqrt(1 - f * f);
        dl->AddLine(ImVec2(c.x - hw, y), ImVec2(c.x + hw, y), col, t);
      }
      for (float k : {0.0f, 0.55f}) {  // the central meridian and two curved ones
        ImVec2 pts[17], mirror[17];
        for (int i = 0; i <= 16; ++i) {
          const float a = -1.5708f + 3.14159f * static_cast<float>(i) / 16.f;
          pts[i] = ImVec2(c.x + r * k * std::cos(a), c.y + r * std::sin(a));
          mirror[i] = ImVec2(c.x - r * k * std::cos(a), pts[i].y);
        }
        dl->AddPolyline(pts, 17, col, 0, t);
        if (k > 0) dl->AddPolyline(mirror, 17, col, 0, t);
      }
      break;
    }
  }
}

// The three lines of a host that joined while running: what it is, where it is, how it came.
struct ExtraLines {
  std::string title, where, how;
};
ExtraLines extra_lines(const ExtraHost& x) {
  static const std::string client = "external client ";
  if (x.real && x.client && x.name.rfind(client, 0) == 0)
    return {"external client", x.name.substr(client.size()),
            "REAL socket, to port " + std::to_string(x.port)};
  if (x.real)
    return {x.client ? "real client" : "real server", x.address,
            x.client ? "REAL socket" : "REAL socket, port " + std::to_string(x.port)};
  return {x.name, "live panel: sim's SMTP client", x.address};
}

void draw_lock(ImDrawList* dl, ImVec2 c, float s) {
  const ImU32 gold = IM_COL32(255, 215, 90, 255);
  dl->AddCircle(ImVec2(c.x, c.y - s * 0.35f), s * 0.32f, gold, 12, std::max(1.5f, s * 0.14f));
  dl->AddRectFilled(ImVec2(c.x - s * 0.5f, c.y - s * 0.3f), ImVec2(c.x + s * 0.5f, c.y + s * 0.5f),
                    gold, s * 0.1f);
  dl->AddCircleFilled(ImVec2(c.x, c.y + s * 0.08f), s * 0.1f, IM_COL32(40, 30, 0, 255));
}

// Where the straight line from a's centre towards b leaves a box of half extents (hw, hh).
ImVec2 box_exit(ImVec2 a, ImVec2 b, float hw, float hh) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float tx = std::abs(dx) > 1e-3f ? hw / std::abs(dx) : 1e9f;
  const float ty = std::abs(dy) > 1e-3f ? hh / std::abs(dy) : 1e9f;
  const float t = std::min({tx, ty, 0.5f});
  return ImVec2(a.x + dx * t, a.y + dy * t);
}

}  // namespace

ImU32 protocol_colour(const std::string& proto) {
  if (proto == "DNS") return IM_COL32(80, 200, 255, 255);
  if (proto == "POP3") return IM_COL32(120, 230, 110, 255);
  if (proto == "IMAP") return IM_COL32(235, 130, 255, 255);
  if (proto == "HTTP") return IM_COL32(240, 242, 250, 255);  // white: unlike every mail colour
  return IM_COL32(255, 196, 60, 255);                        // SMTP
}

ImVec2 Canvas::to_screen(double x, double y) const {
  return ImVec2(origin_.x + static_cast<float>((x - world_min_x_) * scale()) + pan_.x,
                origin_.y + static_cast<float>((y - world_min_y_) * scale()) + pan_.y);
}

void Canvas::compute_boxes(const View& view, ImVec2 origin, ImVec2 size) {
  if (!have_layout_) {
    layout_ = compute_layout(view.spec());
    have_layout_ = true;
  }
  // Live mode: the hosts that have joined by the cursor, around the scenario's.
  shown_extra_.clear();
  for (const auto& x : view.extra_hosts())
    if (x.first_event < view.cursor()) shown_extra_.push_back(x);
  shown_ = layout_;
  if (!shown_extra_.empty()) {
    auto more = place_extra_hosts(layout_, shown_extra_);
    shown_.insert(shown_.end(), more.begin(), more.end());
  }
  // Fit the whole network (with room for badges) into the canvas, centred.
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const auto& b : shown_) {
    x0 = std::min(x0, b.x - b.w / 2);
    x1 = std::max(x1, b.x + b.w / 2);
    y0 = std::min(y0, b.y - b.h / 2);
    y1 = std::max(y1, b.y + b.h / 2);
  }
  if (shown_.empty()) x0 = y0 = x1 = y1 = 0;
  // The clock and caption lines (top) and the legend (bottom) are drawn over the canvas:
  // keep the hosts clear of them (in presenter mode's large font they reached the top row).
  const float fs = ImGui::GetFontSize();
  origin.y += fs * 2.7f;
  size.y = std::max(50.f, size.y - fs * 4.3f);
  x0 -= 40, x1 += 40, y0 -= 60, y1 += 70;
  world_min_x_ = x0;
  world_min_y_ = y0;
  fit_ = static_cast<float>(std::min(size.x / (x1 - x0), size.y / (y1 - y0)));
  fit_ = std::clamp(fit_, 0.2f, 2.0f);
  origin_ = ImVec2(origin.x + (size.x - static_cast<float>((x1 - x0) * fit_)) / 2,
                   origin.y + (size.y - static_cast<float>((y1 - y0) * fit_)) / 2);
  boxes_.clear();
  for (const auto& b : shown_) {
    ImVec2 off(0, 0);
    if (auto it = moved_.find(b.name); it != moved_.end()) off = it->second;
    const ImVec2 c = to_screen(b.x + off.x, b.y + off.y);
    const float hw = static_cast<float>(b.w / 2 * scale()),
                hh = static_cast<float>(b.h / 2 * scale());
    boxes_.push_back(ScreenBox{b.name, ImVec2(c.x - hw, c.y - hh), ImVec2(c.x + hw, c.y + hh)});
  }
}

void Canvas::draw(View& view, ImVec2 size) {
  size.x = std::max(size.x, 50.f);
  size.y = std::max(size.y, 50.f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const bool released = ImGui::InvisibleButton("network-canvas", size);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  compute_boxes(view, origin, size);

  // Input: drag a host to move it, drag the background to pan, wheel to zoom at the mouse.
  if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    dragging_.clear();
    for (const auto& b : boxes_)
      if (ImGui::IsMouseHoveringRect(b.min, b.max)) dragging_ = b.name;
  }
  clicked_.clear();
  if (released && io.MouseDragMaxDistanceSqr[ImGuiMouseButton_Left] < 4.f * 4.f) {
    for (const auto& b : boxes_)
      if (ImGui::IsMouseHoveringRect(b.min, b.max)) clicked_ = b.name;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.f)) {
    if (dragging_.empty()) {
      pan_ = add(pan_, io.MouseDelta);
    } else {
      auto& off = moved_[dragging_];
      off.x += io.MouseDelta.x / scale();
      off.y += io.MouseDelta.y / scale();
    }
    compute_boxes(view, origin, size);
  }
  if (hovered && io.MouseWheel != 0) {
    const float old = zoom_;
    zoom_ = std::clamp(zoom_ * std::pow(1.15f, io.MouseWheel), 0.25f, 6.f);
    const ImVec2 m = io.MousePos;
    pan_ = ImVec2(m.x - origin_.x - (m.x - origin_.x - pan_.x) * zoom_ / old,
                  m.y - origin_.y - (m.y - origin_.y - pan_.y) * zoom_ / old);
    compute_boxes(view, origin, size);
  }

  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(origin, add(origin, size), true);
  dl->AddRectFilled(origin, add(origin, size), kBackground);
  const float s = scale();
  const float base = ImGui::GetFontSize();
  // Text grows with the zoom, but four lines must fit in a box above its port badges.
  const float px = std::min(std::clamp(base * s, base * 0.5f, base * 2.2f),
                            static_cast<float>(kBoxH) * s / 4.6f);
  const float small = px * 0.8f;

  const trace::WorldView& w = view.world();
  std::unordered_map<std::string, const ScreenBox*> by_name;  // per envelope: hashed
  for (const auto& b : boxes_) by_name[b.name] = &b;
  auto centre = [&](const std::string& n) {
    const ScreenBox* b = by_name.at(n);
    return ImVec2((b->min.x + b->max.x) / 2, (b->min.y + b->max.y) / 2);
  };

  // Links: what the scenario wires up (submission, retrieval, DNS) and every pair that has
  // talked so far.
  // (Kept between frames and extended as the cursor moves on; rebuilt when it goes back.)
  auto link = [&](const std::string& a, const std::string& b) {
    if (a.empty() || b.empty() || a == b || !by_name.count(a) || !by_name.count(b)) return;
    links_.insert(a < b ? std::pair{a, b} : std::pair{b, a});
  };
  const auto& ev = view.events();
  if (view.cursor() < links_scanned_ || links_scanned_ == 0) {
    links_.clear();
    links_scanned_ = 0;
    for (const auto& h : view.spec().hosts)
      if (h.mua) {
        link(h.name, h.mua->submit_to);
        link(h.name, h.mua->retrieve_from);
      }
  }
  for (; links_scanned_ < view.cursor() && links_scanned_ < ev.size(); ++links_scanned_) {
    const trace::Event& e = ev[links_scanned_];
    if (e.kind == trace::EventKind::ConnectionOpened || e.kind == trace::EventKind::Datagram)
      link(e.host, e.peer);
  }
  for (const auto& [a, b] : links_) {
    const bool cut = w.links_cut.count(a) || w.links_cut.count(b);
    const ImVec2 pa = centre(a), pb = centre(b);
    if (!cut) {
      dl->AddLine(pa, pb, kLink, std::max(2.f, 3.f * s));
      continue;
    }
    for (int k = 0; k < 20; k += 2)  // dashed red: the link is cut
      dl->AddLine(lerp(pa, pb, k / 20.f), lerp(pa, pb, (k + 1) / 20.f), kRed,
                  std::max(2.f, 3.f * s));
  }

  if (spotlight) draw_spotlight_link(dl, *spotlight, boxes_, s);

  // Hosts.
  for (std::size_t i = 0; i < boxes_.size(); ++i) {
    const ScreenBox& b = boxes_[i];
    const HostBox& hb = shown_[i];
    const bool down = w.hosts_down.count(b.name) > 0;
    const float bw = b.max.x - b.min.x, bh = b.max.y - b.min.y;
    if (i >= layout_.size()) {  // live mode: a host that joined while running
      const ExtraHost& x = shown_extra_[i - layout_.size()];
      const ImU32 accent = x.real ? kReal : glyph_colour(hb.glyph);
      dl->AddRectFilled(b.min, b.max, x.real ? kRealFill : kBoxFill, 8 * s);
      dl->AddRect(b.min, b.max, accent, 8 * s, 0, std::max(3.f, 4 * s));
      const float g = std::min(bh * 0.7f, bw * 0.28f);
      draw_glyph(dl, hb.glyph, ImVec2(b.min.x + bw * 0.03f, b.min.y + (bh - g) * 0.4f), g, accent);
      const ExtraLines l = extra_lines(x);
      const float tx = b.min.x + bw * 0.05f + g, tw = b.max.x - tx - 6 * s;
      float ty = b.min.y + bh * 0.1f;
      fitted_text(dl, ImVec2(tx, ty), px, tw, kText, l.title);
      ty += px * 1.15f;
      fitted_text(dl, ImVec2(tx, ty), px, tw, accent, l.where);
      ty += px * 1.15f;
      fitted_text(dl, ImVec2(tx, ty), small, tw, kDimText, l.how);
      if (x.real) {  // a "REAL" tag on the top-left corner, readable from the back row
        const ImVec2 sz = ImGui::GetFont()->CalcTextSizeA(small, FLT_MAX, 0, "REAL");
        const ImVec2 p0(b.min.x - 6 * s, b.min.y - sz.y * 0.9f);
        const ImVec2 p1(p0.x + sz.x + 12 * s, b.min.y + sz.y * 0.5f);
        dl->AddRectFilled(p0, p1, kReal, 10 * s);
        dl->AddText(ImGui::GetFont(), small, ImVec2(p0.x + 6 * s, p0.y + 1),
                    IM_COL32(30, 0, 16, 255), "REAL");
      }
      float bx = b.min.x + 6 * s;
      const float ph = small * 1.1f;
      for (int port : hb.ports) {
        const std::string label = std::to_string(port);
        const float lw = ImGui::GetFont()->CalcTextSizeA(small * 0.9f, FLT_MAX, 0, label.c_str()).x;
        const ImVec2 p0(bx, b.max.y - ph * 0.5f), p1(bx + lw + 8 * s, b.max.y + ph * 0.5f);
        dl->AddRectFilled(p0, p1, port_colour(port), 4 * s);
        dl->AddText(ImGui::GetFont(), small * 0.9f, ImVec2(p0.x + 4 * s, p0.y + ph * 0.05f),
                    IM_COL32(10, 12, 16, 255), label.c_str());
        bx = p1.x + 4 * s;
      }
      continue;
    }
    const scenario::HostSpec& h = view.spec().hosts[i];
    const ImU32 accent = down ? IM_COL32(130, 130, 130, 255) : glyph_colour(hb.glyph);
    if (std::find(highlight_.begin(), highlight_.end(), b.name) != highlight_.end()) {
      // Selected in the inspector: a white halo around the box.
      const float m = std::max(4.f, 6 * s);
      dl->AddRect(ImVec2(b.min.x - m, b.min.y - m), ImVec2(b.max.x + m, b.max.y + m),
                  IM_COL32(255, 255, 255, 230), 10 * s, 0, std::max(2.f, 3 * s));
    }
    dl->AddRectFilled(b.min, b.max, down ? kDownFill : kBoxFill, 8 * s);
    dl->AddRect(b.min, b.max, accent, 8 * s, 0, std::max(2.f, 3 * s));
    // Glyph on the left, then four lines: name, roles, domain or address, IP address.
    const float g = std::min(bh * 0.7f, bw * 0.28f);
    draw_glyph(dl, hb.glyph, ImVec2(b.min.x + bw * 0.03f, b.min.y + (bh - g) * 0.4f), g, accent);
    std::string roles;
    for (const auto& r : h.roles) roles += (roles.empty() ? "" : " + ") + r;
    if (h.mua) roles += h.mua->device == "phone" ? " (phone)" : " (laptop)";
    const float tx = b.min.x + bw * 0.05f + g, tw = b.max.x - tx - 6 * s;
    std::string second = h.mua ? h.mua->address : "";
    if (second.empty() && !h.domains.empty()) {
      for (const auto& d : h.domains) second += (second.empty() ? "" : ", ") + d;
    }
    float ty = b.min.y + bh * 0.07f;
    fitted_text(dl, ImVec2(tx, ty), px, tw, down ? kDimText : kText, b.name);
    ty += px * 1.12f;
    fitted_text(dl, ImVec2(tx, ty), small, tw, accent, roles);
    ty += small * 1.12f;
    if (!second.empty()) {
      fitted_text(dl, ImVec2(tx, ty), small, tw, kDimText, second);
      ty += small * 1.12f;
    }
    fitted_text(dl, ImVec2(tx, ty), small, tw, kDimText, h.address);
    // Port badges along the bottom edge.
    float bx = b.min.x + 6 * s;
    const float ph = small * 1.1f;
    for (int port : hb.ports) {
      const std::string label = std::to_string(port);
      const float lw = ImGui::GetFont()->CalcTextSizeA(small * 0.9f, FLT_MAX, 0, label.c_str()).x;
      const ImVec2 p0(bx, b.max.y - ph * 0.5f), p1(bx + lw + 8 * s, b.max.y + ph * 0.5f);
      const bool svc_down =
          down || w.services_down.count({b.name, static_cast<std::uint16_t>(port)});
      dl->AddRectFilled(p0, p1, svc_down ? IM_COL32(90, 30, 30, 255) : port_colour(port), 4 * s);
      dl->AddText(ImGui::GetFont(), small * 0.9f, ImVec2(p0.x + 4 * s, p0.y + ph * 0.05f),
                  svc_down ? kDimText : IM_COL32(10, 12, 16, 255), label.c_str());
      if (svc_down) dl->AddLine(ImVec2(p0.x, p1.y), ImVec2(p1.x, p0.y), kRed, 2.f);
      bx = p1.x + 4 * s;
    }
    // Queue badge (MTA): messages waiting, top-right corner.
    if (const std::size_t q = w.queued_messages(b.name); q > 0) {
      const std::string label = "queue " + std::to_string(q);
      const ImVec2 sz = ImGui::GetFont()->CalcTextSizeA(small, FLT_MAX, 0, label.c_str());
      const ImVec2 p1(b.max.x + 6 * s, b.min.y + sz.y * 0.5f);
      const ImVec2 p0(p1.x - sz.x - 12 * s, b.min.y - sz.y * 0.9f);
      dl->AddRectFilled(p0, p1, IM_COL32(255, 140, 30, 255), 10 * s);
      dl->AddText(ImGui::GetFont(), small, ImVec2(p0.x + 6 * s, p0.y + 1), IM_COL32(20, 10, 0, 255),
                  label.c_str());
    }
    // Mailbox badge (MDA): unread messages; device badge (MUA): messages on the device.
    std::size_t unread = 0;
    if (auto it = w.inboxes.find(b.name); it != w.inboxes.end())
      for (const auto& [user, _] : it->second) unread += w.unread(b.name, user);
    std::string mail_label;
    if (unread > 0) mail_label = std::to_string(unread) + " unread";
    if (auto it = w.device_messages.find(b.name); it != w.device_messages.end() && it->second > 0)
      mail_label = std::to_string(it->second) + " on device";
    if (!mail_label.empty()) {
      const ImVec2 sz = ImGui::GetFont()->CalcTextSizeA(small, FLT_MAX, 0, mail_label.c_str());
      const ImVec2 p0(b.min.x - 6 * s, b.min.y - sz.y * 0.9f);
      const ImVec2 p1(p0.x + sz.x + 12 * s, b.min.y + sz.y * 0.5f);
      dl->AddRectFilled(p0, p1, IM_COL32(60, 140, 255, 255), 10 * s);
      dl->AddText(ImGui::GetFont(), small, ImVec2(p0.x + 6 * s, p0.y + 1), kText,
                  mail_label.c_str());
    }
    if (down) {  // a red cross over a host that is down
      dl->AddLine(b.min, b.max, kRed, std::max(3.f, 5 * s));
      dl->AddLine(ImVec2(b.min.x, b.max.y), ImVec2(b.max.x, b.min.y), kRed, std::max(3.f, 5 * s));
      const ImVec2 mid((b.min.x + b.max.x) / 2, (b.min.y + b.max.y) / 2);
      const ImVec2 sz = ImGui::GetFont()->CalcTextSizeA(px, FLT_MAX, 0, "DOWN");
      dl->AddRectFilled(ImVec2(mid.x - sz.x * 0.7f, mid.y - sz.y * 0.65f),
                        ImVec2(mid.x + sz.x * 0.7f, mid.y + sz.y * 0.65f), IM_COL32(20, 0, 0, 235),
                        4 * s);
      centred_text(dl, mid, px, kRed, "DOWN");
    }
  }

  if (spotlight) draw_spotlight_hosts(dl, *spotlight, boxes_, s);

  // Messages in flight: envelopes (SMTP, POP3, IMAP) and DNS bubbles.
  envelopes_.clear();
  tips_.clear();
  const float es = std::clamp(s, 0.7f, 1.8f);
  for (const InFlight& f : view.in_flight()) {
    if (!by_name.count(f.from) || !by_name.count(f.to)) continue;
    const trace::Event& e = ev[f.event];
    const ScreenBox& a = *by_name.at(f.from);
    const ScreenBox& b = *by_name.at(f.to);
    const ImVec2 ca = centre(f.from), cb = centre(f.to);
    const ImVec2 start =
        box_exit(ca, cb, (a.max.x - a.min.x) / 2 + 14 * es, (a.max.y - a.min.y) / 2 + 14 * es);
    const ImVec2 end =
        box_exit(cb, ca, (b.max.x - b.min.x) / 2 + 14 * es, (b.max.y - b.min.y) / 2 + 14 * es);
    const ImVec2 c = lerp(start, end, static_cast<float>(f.progress));
    const ImU32 col = protocol_colour(e.proto);
    ImVec2 p0, p1;
    if (e.kind == trace::EventKind::Datagram) {
      const float r = 18 * es;
      dl->AddCircleFilled(c, r, col, 24);
      dl->AddCircle(c, r, IM_COL32(10, 12, 16, 255), 24, 2.f);
      centred_text(dl, c, small * 0.9f, IM_COL32(10, 12, 16, 255), "DNS");
      p0 = ImVec2(c.x - r, c.y - r);
      p1 = ImVec2(c.x + r, c.y + r);
    } else {
      const float hw = 20 * es, hh = 13 * es;
      p0 = ImVec2(c.x - hw, c.y - hh);
      p1 = ImVec2(c.x + hw, c.y + hh);
      dl->AddRectFilled(p0, p1, col, 3 * es);
      dl->AddRect(p0, p1, IM_COL32(10, 12, 16, 255), 3 * es, 0, 2.f);
      dl->AddLine(p0, ImVec2(c.x, c.y + hh * 0.2f), IM_COL32(10, 12, 16, 255), 2.f);
      dl->AddLine(ImVec2(p1.x, p0.y), ImVec2(c.x, c.y + hh * 0.2f), IM_COL32(10, 12, 16, 255), 2.f);
      if (e.tls) draw_lock(dl, ImVec2(p1.x, p0.y), 12 * es);
    }
    envelopes_.push_back(ScreenEnvelope{f.event, c});
    if (hovered && ImGui::IsMouseHoveringRect(p0, p1))
      tips_.push_back(e.proto + " " + f.from + " -> " + f.to + (e.tls ? " (TLS)" : "") + ":  " +
                      e.text);
  }

  // Clock and legend.
  const std::string clock = engine::format_time(view.display_time()) + "   event " +
                            std::to_string(view.cursor()) + " / " + std::to_string(ev.size()) +
                            (view.finished() ? "" : "+");
  dl->AddText(ImGui::GetFont(), base, ImVec2(origin.x + 10, origin.y + 8), kText, clock.c_str());
  if (view.cursor() > 0) {  // what just happened, in one line
    const trace::Event& now = ev[view.cursor() - 1];
    std::string what = now.kind == trace::EventKind::Line
                           ? now.host + " -> " + now.peer + ":  " + now.text
                           : (now.host.empty() ? "" : now.host + ": ") + now.text;
    if (what.size() > 120) what = what.substr(0, 117) + "...";
    dl->AddText(ImGui::GetFont(), base, ImVec2(origin.x + 10, origin.y + 8 + base * 1.3f),
                IM_COL32(255, 230, 150, 255), what.c_str());
  }
  float lx = origin.x + 10;
  const float ly = origin.y + size.y - base * 1.5f;
  for (const char* p : {"SMTP", "DNS", "POP3", "IMAP", "HTTP"}) {
    dl->AddRectFilled(ImVec2(lx, ly + base * 0.2f), ImVec2(lx + base, ly + base * 0.9f),
                      protocol_colour(p), 3);
    dl->AddText(ImVec2(lx + base * 1.2f, ly), kDimText, p);
    lx += base * 1.4f + ImGui::CalcTextSize(p).x + base;
  }
  dl->PopClipRect();

  if (!tips_.empty()) {
    ImGui::BeginTooltip();
    for (const auto& t : tips_) ImGui::TextUnformatted(t.c_str());
    ImGui::EndTooltip();
  }
}

}  // namespace smtpsim::gui
