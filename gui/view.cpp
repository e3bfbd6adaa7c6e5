// The View: playback cursor over the recorder, simulation run ahead on demand.
#include "gui/view.hpp"

#include <algorithm>
#include <cstdlib>
#include <variant>

#include "sim/scenario/save.hpp"

namespace smtpsim::gui {

using trace::EventKind;

View::View(scenario::Spec spec, std::optional<std::uint64_t> seed)
    : spec_(std::move(spec)), seed_(seed) {
  reset_latencies();
  rec_.subscribe([this](const trace::Event& e) { on_event(e); });
  sim_ = std::make_unique<scenario::Simulation>(spec_, rec_, seed_);
}

void View::reset_latencies() {
  latency_.clear();
  hops_.clear();
  std::int64_t top = 0;
  for (const auto& h : spec_.hosts) {
    latency_[h.name].push_back({0, h.latency_us});
    top = std::max(top, h.latency_us);
  }
  longest_hop_ = std::max<std::int64_t>(1, 2 * top);
  if (live_) longest_hop_ = std::max(longest_hop_, kLiveTravelUs);
}

View::View(scenario::Spec spec, std::optional<std::uint64_t> seed, scenario::LiveHooks hooks)
    : spec_(std::move(spec)), seed_(seed), live_(true), following_(true) {
  reset_latencies();
  playing_ = true;
  speed_ = 1;  // a moment studied and played again runs at the pace it really happened
  rec_.subscribe([this](const trace::Event& e) { on_event(e); });
  sim_ = std::make_unique<scenario::Simulation>(spec_, rec_, seed_, std::move(hooks));
}

View::~View() = default;

void View::play(bool on) {
  playing_ = on;
  if (live_ && !on) following_ = false;  // paused: the picture stays on this moment
}

void View::back_to_live() {
  if (!live_) return;
  following_ = true;
  playing_ = true;
  cursor_ = rec_.size();
  if (driver_) display_time_ = std::max(display_time_, driver_->now_us());
}

bool View::is_extra(const std::string& host) const {
  return extra_index_.count(host) > 0;
}

void View::note_extra_hosts(const trace::Event& e) {
  for (const std::string* name : {&e.host, &e.peer}) {
    if (name->empty() || extra_index_.count(*name)) continue;
    if (std::any_of(spec_.hosts.begin(), spec_.hosts.end(),
                    [&](const scenario::HostSpec& h) { return h.name == *name; }))
      continue;
    ExtraHost x;
    x.name = *name;
    x.first_event = static_cast<std::size_t>(e.seq);
    x.client = name == &e.host;
    x.port = e.port;
    const engine::Network& net = sim_->net();
    if (const engine::HostId id = net.find(*name); id >= 0) {
      x.address = net.address(id);
      x.real = net.is_real(id);
    }
    extra_index_[x.name] = extra_.size();
    extra_.push_back(std::move(x));
  }
}

void View::on_event(const trace::Event& e) {
  if (live_) note_extra_hosts(e);
  record_hop(e);
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
      // Network::set_latency traces "uplink latency is now N ms" (the text is the event's
      // only carrier of the value; whole milliseconds are precise enough for a picture).
      if (auto it = latency_.find(e.host); it != latency_.end()) {
        const auto at = e.text.rfind("now ");
        if (at == std::string::npos) break;
        const std::int64_t us = std::strtoll(e.text.c_str() + at + 4, nullptr, 10) * 1000;
        it->second.push_back({static_cast<std::size_t>(e.seq), us});
        std::int64_t top = 0;
        for (const auto& [_, l] : latency_) top = std::max(top, l.back().us);
        longest_hop_ = std::max(longest_hop_, 2 * top);
      }
      break;
    default:
      break;
  }
}

void View::record_hop(const trace::Event& e) {
  Hop hop;
  hop.time = e.time;
  if ((e.kind == EventKind::Line || e.kind == EventKind::Datagram) && !e.host.empty() &&
      !e.peer.empty() && e.host != e.peer) {
    if (e.kind == EventKind::Line) {
      auto c = clients_.find(e.conn);
      hop.sent_at_t = c != clients_.end() && c->second == e.host;
    } else {
      hop.sent_at_t = true;
    }
    hop.travel = travel_us(e.host, e.peer, static_cast<std::size_t>(e.seq));
    // The client's tracer records its own lines when sent and the server's when they
    // arrive; datagrams are recorded when sent.
    hop.sent = hop.sent_at_t ? e.time : e.time - hop.travel;
    if (live_ && (is_extra(e.host) || is_extra(e.peer))) {
      // A real socket: recorded the moment it crossed (no simulated latency); shown leaving
      // then and travelling kLiveTravelUs, so it moves on screen at the live edge.
      hop.sent_at_t = true;
      hop.sent = e.time;
      hop.travel = kLiveTravelUs;
    }
  }
  hops_.resize(static_cast<std::size_t>(e.seq) + 1);
  hops_[static_cast<std::size_t>(e.seq)] = hop;
}

bool View::ensure(std::size_t n) {
  if (live_) return rec_.size() >= n;  // the wall clock runs the simulation, not the cursor
  while (rec_.size() < n && !finished_) finished_ = !sim_->step();
  return rec_.size() >= n;
}

void View::pump(std::size_t budget) {
  if (live_) {
    if (driver_) driver_->poll();
    return;
  }
  for (std::size_t i = 0; i < budget && !finished_; ++i) finished_ = !sim_->step();
}

void View::seek(std::size_t n) {
  following_ = false;
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
  if (live_) {
    if (following_) {
      cursor_ = rec_.size();
      if (driver_) display_time_ = std::max(display_time_, driver_->now_us());
      if (cursor_ > 0) display_time_ = std::max(display_time_, rec_.at(cursor_ - 1).time);
      return;
    }
    if (!playing_) return;
    // Playing a moment again: recorded events at their pace; caught up, the live edge again.
    display_time_ += static_cast<std::int64_t>(wall_seconds * speed_ * 1e6);
    if (cursor_ < rec_.size()) {
      const std::int64_t next = rec_.at(cursor_).time;
      if (skip_idle_ && next - display_time_ > 1'000'000) display_time_ = next - 50'000;
    }
    while (cursor_ < rec_.size() && rec_.at(cursor_).time <= display_time_) ++cursor_;
    if (cursor_ == rec_.size()) back_to_live();
    return;
  }
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

std::int64_t View::uplink_at(const std::string& host, std::size_t at) const {
  auto it = latency_.find(host);
  if (it == latency_.end()) return 10'000;
  // The last change at or before `at` (the list is in event order and starts at 0).
  auto after = std::upper_bound(it->second.begin(), it->second.end(), at,
                                [](std::size_t n, const LatencyFrom& l) { return n < l.first; });
  return std::prev(after)->us;
}

std::int64_t View::travel_us(const std::string& a, const std::string& b, std::size_t at) const {
  return std::max<std::int64_t>(uplink_at(a, at) + uplink_at(b, at), 1);
}

std::int64_t View::travel_us(const std::string& a, const std::string& b) const {
  return travel_us(a, b, cursor_);
}

std::string View::client_of(std::uint64_t conn) const {
  auto it = clients_.find(conn);
  return it == clients_.end() ? std::string{} : it->second;
}

std::vector<InFlight> View::in_flight() {
  std::vector<InFlight> out;
  const std::int64_t longest = longest_hop_;
  ensure(cursor_ + 64);  // replies are traced on arrival: look a little ahead
  const auto& ev = rec_.events();
  const std::int64_t now = display_time_;
  auto consider = [&](std::size_t i) {
    const Hop& h = hops_[i];
    if (h.travel == 0) return;
    double p;
    if (!playing_ && i + 1 == cursor_) {
      p = 0.5;  // stepping: the current line is shown half-way along its link
    } else {
      if (now < h.sent || now > h.sent + h.travel) return;
      if (i < cursor_ && !h.sent_at_t && now >= h.time) return;  // already arrived
      p = static_cast<double>(now - h.sent) / static_cast<double>(h.travel);
    }
    out.push_back(InFlight{i, ev[i].host, ev[i].peer, std::clamp(p, 0.0, 1.0)});
  };
  for (std::size_t i = cursor_; i-- > 0;) {
    if (hops_[i].time < now - longest) break;
    consider(i);
  }
  for (std::size_t i = cursor_; i < hops_.size(); ++i) {
    if (hops_[i].time > now + longest) break;
    consider(i);
  }
  return out;
}

std::string View::apply_action(scenario::Action a) {
  if (live_) {
    // The run cannot be rebuilt (real clients are connected to it): the action happens now,
    // on the wall clock, once the loader has checked it; there is no undo.
    a.at_us = sim_->now();
    auto changed = scenario::with_action(spec_, a);
    if (auto* e = std::get_if<scenario::LoadError>(&changed)) return e->message;
    sim_->apply(a);
    hand_.push_back(std::move(a));
    before_.push_back(spec_);
    return {};
  }
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
  if (hand_.empty() || live_) return false;
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
  reset_latencies();
  finished_ = false;
  cursor_ = 0;
  sim_ = std::make_unique<scenario::Simulation>(spec_, rec_, seed_);
  ++generation_;
  seek(keep);
  display_time_ = std::max(display_time_, shown);
}

}  // namespace smtpsim::gui
