// Frame timing and memory figures.
#include "gui/frame_stats.hpp"

#include <time.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

namespace smtpsim::gui {

double thread_cpu_ms() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double resident_mib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      in >> kib;
      return kib / 1024;
    }
    std::getline(in, key);
  }
  return 0;
}

void FrameStats::begin() {
  t0_ = std::chrono::steady_clock::now();
  cpu0_ = thread_cpu_ms();
}

void FrameStats::end() {
  const double wall =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
  const double cpu = thread_cpu_ms() - cpu0_;
  ++frames_;
  wall_sum_ += wall;
  cpu_sum_ += cpu;
  wall_max_ = std::max(wall_max_, wall);
  cpu_max_ = std::max(cpu_max_, cpu);
}

std::string FrameStats::summary() const {
  return fmt::format(
      "frames {}: wall mean {:.2f} ms, max {:.2f} ms; main-thread CPU mean {:.2f} ms, max {:.2f} "
      "ms",
      frames_, mean_wall_ms(), max_wall_ms(), mean_cpu_ms(), max_cpu_ms());
}

}  // namespace smtpsim::gui
