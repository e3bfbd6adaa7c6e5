// Frame timing for `smtpsim gui --bench-frames N` (issue 5 figures under a real GL window):
// wall time and main-thread CPU time of each frame, mean and max, the time from launch to
// the first frame on screen, and the resident set size read from /proc/self/status (Linux;
// 0 elsewhere). Plain clocks only: no ImGui, no GL, so it is testable anywhere.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace smtpsim::gui {

// The main thread's CPU time in milliseconds (CLOCK_THREAD_CPUTIME_ID): what our code and the
// GL driver's command building cost, without llvmpipe's rasterising threads.
double thread_cpu_ms();
// VmRSS in MiB, or 0 when it cannot be read.
double resident_mib();

class FrameStats {
 public:
  void begin();  // at the start of a frame
  void end();    // after the frame is on screen
  std::size_t frames() const { return frames_; }
  double mean_wall_ms() const { return frames_ ? wall_sum_ / static_cast<double>(frames_) : 0; }
  double max_wall_ms() const { return wall_max_; }
  double mean_cpu_ms() const { return frames_ ? cpu_sum_ / static_cast<double>(frames_) : 0; }
  double max_cpu_ms() const { return cpu_max_; }
  // "frames 300: wall mean 5.10 ms, max 9.00 ms; main-thread CPU mean 3.20 ms, max 6.00 ms"
  std::string summary() const;

 private:
  std::chrono::steady_clock::time_point t0_;
  double cpu0_ = 0;
  std::size_t frames_ = 0;
  double wall_sum_ = 0, wall_max_ = 0, cpu_sum_ = 0, cpu_max_ = 0;
};

}  // namespace smtpsim::gui
