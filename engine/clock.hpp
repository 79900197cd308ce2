#pragma once

#include <chrono>

namespace resonant::engine {

// Stream time, in seconds since the session started. The engine never reads wall time
// itself: live sessions give it a real_clock, replay and tests a virtual_clock that the data
// drives (sample index / rate, RR sums, the clock lines of a session record). Same data, same
// clock readings, same output.
class session_clock {
 public:
  virtual ~session_clock() = default;
  [[nodiscard]] virtual double now_s() const noexcept = 0;
};

// Advanced explicitly by whoever feeds the data; never goes backwards.
class virtual_clock final : public session_clock {
 public:
  [[nodiscard]] double now_s() const noexcept override { return now_s_; }
  void advance_to(double t_s) noexcept {
    if (t_s > now_s_) now_s_ = t_s;
  }

 private:
  double now_s_ = 0.0;
};

// Monotonic wall time (std::chrono::steady_clock) since construction, for live sessions.
class real_clock final : public session_clock {
 public:
  real_clock() noexcept : start_(std::chrono::steady_clock::now()) {}
  [[nodiscard]] double now_s() const noexcept override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace resonant::engine
