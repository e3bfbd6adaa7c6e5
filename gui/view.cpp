// The View: playback cursor over the recorder, simulation run ahead on demand.
#include "gui/view.hpp"

#include <algorithm>
#include <variant>

#include "sim/scenario/save.hpp"

namespace smtpsim::gui {

using trace::EventKind;

View::View(scenario::Spec spec, std::optional<std::uint64_t> seed)
    : spec_(std::move(spec)), seed_(seed) {
  for (const auto& h : spec_.hosts) latency_[h.name] = h.latency_us;
  rec_.subscribe([this](const trace::Event& e) { on_event(e); });
  sim_ = std::make_unique<scenario::Simulation>(spec_, rec_, seed_);
}

View::~View() = default;

void View::on_event(const trace::Event& e) {
  switch (e.kind) {
    case EventKind::Delivered:
    case EventKind::Deferred:
    case EventKind::Bounced:
      markers_.push_back(Marker{e.seq, e.kind});
      break;
    case EventKind::ConnectionOpened:
      clients_[e.conn] = e.host;
      break;
    case EventKind::LatencyChanged:
      break;  // the canvas keeps the scenario's latencies (travel time is only a picture)
    default:
      break;
  }
}

bool View::ensure(std::size_t n) {
  while (rec_.size() < n && !finished_) finished_ = !sim_->step();
  return rec_.size() >= n;
}

void View::pump(std::size_t budget) {
  for (std::size_t i = 0; i < budget && !finished_; ++i) finished_ = !sim_->step();
}

void View::seek(std::size_t n) {
  ensure(n);
  cursor_ = std::min(n, rec_.size());
  display_time_ = cursor_ > 0 ? rec_.at(cursor_ - 1).time : 0;
}

bool View::step_forward() {
  if (!ensure(cursor_ + 1)) return false;
  seek(cursor_ + 1);
  return true;
}

bool View::step_back() {
  if (cursor_ == 0) return false;
  seek(cursor_ - 1);
  return true;
}

void View::restart() {
  playing_ = false;
  seek(0);
}

void View::tick(double wall_seconds) {
  if (!playing_) return;
  display_time_ += static_cast<std::int64_t>(wall_seconds * speed_ * 1e6);
  if (!ensure(cursor_ + 1)) {
    playing_ = false;  // the end of the run
    return;
  }
  // Skipping idle time: when nothing happens for more than a virtual second (a queue
  // waiting for its next retry), jump to just before the next event.
  const std::int64_t next = rec_.at(cursor_).time;
  if (skip_idle_ && next - display_time_ > 1'000'000) display_time_ = next - 50'000;
  while (ensure(cursor_ + 1) && rec_.at(cursor_).time <= display_time_) ++cursor_;
}

const trace::WorldView& View::world() {
  if (!world_ || world_at_ != cursor_) {
    world_ = index_.at(rec_.events(), cursor_);
    world_at_ = cursor_;
  }
  return *world_;
}

std::int64_t View::end_time() const {
  return rec_.empty() ? 0 : rec_.events().back().time;
}

std::int64_t View::travel_us(const std::string& a, const std::string& b) const {
  auto la = latency_.find(a), lb = latency_.find(b);
  const std::int64_t t =
      (la == latency_.end() ? 10'000 : la->second) + (lb == latency_.end() ? 10'000 : lb->second);
  return std::max<std::int64_t>(t, 1);
}

std::string View::client_of(std::uint64_t conn) const {
  auto it = clients_.find(conn);
  return it == clients_.end() ? std::string{} : it->second;
}

std::vector<InFlight> View::in_flight() {
  std::vector<InFlight> out;
  std::int64_t longest = 1;
  for (const auto& [_, l] : latency_) longest = std::max(longest, 2 * l);
  ensure(cursor_ + 64);  // replies are traced on arrival: look a little ahead
  const auto& ev = rec_.events();
  const std::int64_t now = display_time_;
  auto consider = [&](std::size_t i) {
    const trace::Event& e = ev[i];
    if (e.kind != EventKind::Line && e.kind != EventKind::Datagram) return;
    if (e.host.empty() || e.peer.empty() || e.host == e.peer) return;
    const std::int64_t travel = travel_us(e.host, e.peer);
    // The client's tracer records its own lines when sent and the server's when they
    // arrive; datagrams are recorded when sent.
    const bool sent_at_t = e.kind == EventKind::Datagram || client_of(e.conn) == e.host;
    const std::int64_t t0 = sent_at_t ? e.time : e.time - travel;
    double p;
    if (!playing_ && i + 1 == cursor_) {
      p = 0.5;  // stepping: the current line is shown half-way along its link
    } else {
      if (now < t0 || now > t0 + travel) return;
      if (i < cursor_ && !sent_at_t && now >= e.time) return;  // already arrived
      p = static_cast<double>(now - t0) / static_cast<double>(travel);
    }
    out.push_back(InFlight{i, e.host, e.peer, std::clamp(p, 0.0, 1.0)});
  };
  for (std::size_t i = cursor_; i-- > 0;) {
    if (ev[i].time < now - longest) break;
    consider(i);
  }
  for (std::size_t i = cursor_; i < ev.size(); ++i) {
    if (ev[i].time > now + longest) break;
    consider(i);
  }
  return out;
}

std::string View::apply_action(scenario::Action a) {
  a.at_us = display_time_;
  if (cursor_ > 0 && rec_.at(cursor_ - 1).time >= a.at_us) a.at_us = rec_.at(cursor_ - 1).time + 1;
  auto changed = scenario::with_action(spec_, a);
  if (auto* e = std::get_if<scenario::LoadError>(&changed)) return e->message;
  before_.push_back(spec_);
  hand_.push_back(std::move(a));
  rebuild(std::get<scenario::Spec>(std::move(changed)));
  return {};
}

bool View::undo_last_action() {
  if (hand_.empty()) return false;
  scenario::Spec spec = std::move(before_.back());
  before_.pop_back();
  hand_.pop_back();
  rebuild(std::move(spec));
  return true;
}

void View::rebuild(scenario::Spec spec) {
  const std::size_t keep = cursor_;
  const std::int64_t shown = display_time_;
  sim_.reset();  // it writes to rec_
  rec_.clear();
  spec_ = std::move(spec);
  index_ = trace::ViewIndex{256};
  world_.reset();
  markers_.clear();
  clients_.clear();
  finished_ = false;
  cursor_ = 0;
  sim_ = std::make_unique<scenario::Simulation>(spec_, rec_, seed_);
  ++generation_;
  seek(keep);
  display_time_ = std::max(display_time_, shown);
}

}  // namespace smtpsim::gui
