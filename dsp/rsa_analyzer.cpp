#include "rsa_analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace resonant::dsp {

namespace {

constexpr double power_time_constant_s = 10.0;

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0.0;
}

butterworth_config band_of(const rsa_analyzer_config& c) {
  if (!positive_finite(c.resample_hz) || !positive_finite(c.band_low_hz) ||
      !(c.band_low_hz < c.band_high_hz) || !(2.0 * c.band_high_hz < c.resample_hz)) {
    throw std::invalid_argument(
        "rsa_analyzer: need 0 < band_low_hz < band_high_hz < resample_hz / 2");
  }
  if (!positive_finite(c.min_cycle_s) || !(c.min_cycle_s < c.max_cycle_s) ||
      !std::isfinite(c.max_cycle_s)) {
    throw std::invalid_argument("rsa_analyzer: need 0 < min_cycle_s < max_cycle_s");
  }
  if (c.order < 1 || c.order > 4) throw std::invalid_argument("rsa_analyzer: order must be 1..4");
  if (!(c.settle_s >= 0.0) || c.average_cycles < 1 || !positive_finite(c.hold_s) ||
      !(c.hysteresis >= 0.0 && c.hysteresis < 1.0) || !positive_finite(c.max_beat_gap_s)) {
    throw std::invalid_argument(
        "rsa_analyzer: need settle_s >= 0, average_cycles >= 1, hold_s > 0, "
        "0 <= hysteresis < 1, max_beat_gap_s > 0");
  }
  butterworth_config b;
  b.response = filter_response::band_pass;
  b.order = c.order;
  b.sample_rate_hz = c.resample_hz;
  b.low_hz = c.band_low_hz;
  b.high_hz = c.band_high_hz;
  return b;
}

}  // namespace

rsa_analyzer::rsa_analyzer(const rsa_analyzer_config& cfg)
    : cfg_(cfg), filter_(band_of(cfg)), cycles_(cfg.average_cycles) {}

void rsa_analyzer::reset() noexcept {
  filter_.reset();
  cycles_head_ = 0;
  cycles_size_ = 0;
  cycles_found_ = 0;
  started_ = false;
  have_prev_ = false;
}

void rsa_analyzer::restart(double time_s, double hr_bpm) noexcept {
  filter_.settle(hr_bpm);
  started_ = true;
  last_time_s_ = time_s;
  last_hr_ = hr_bpm;
  next_k_ = static_cast<long long>(std::floor(time_s * cfg_.resample_hz)) + 1;
  start_s_ = time_s;
  have_prev_ = false;
  power_ = 0.0;
  low_seen_ = false;
  high_seen_ = false;
  have_crossing_ = false;
  hr_max_ = hr_min_ = hr_bpm;
}

void rsa_analyzer::sample(double time_s, double hr_bpm) noexcept {
  const double y = filter_.process(hr_bpm);
  if (have_prev_ && prev_y_ < 0.0 && y >= 0.0 && low_seen_) {
    const double tc = prev_t_ + (-prev_y_) / (y - prev_y_) * (time_s - prev_t_);
    if (have_crossing_ && high_seen_) {
      const double length = tc - crossing_s_;
      if (length >= cfg_.min_cycle_s && length <= cfg_.max_cycle_s &&
          tc >= start_s_ + cfg_.settle_s) {
        const std::size_t cap = cycles_.size();
        const cycle c{tc, length, hr_max_ - hr_min_};
        if (cycles_size_ < cap) {
          cycles_[(cycles_head_ + cycles_size_) % cap] = c;
          ++cycles_size_;
        } else {
          cycles_[cycles_head_] = c;
          cycles_head_ = (cycles_head_ + 1) % cap;
        }
        ++cycles_found_;
      }
    }
    crossing_s_ = tc;
    have_crossing_ = true;
    low_seen_ = false;
    high_seen_ = false;
    hr_max_ = hr_min_ = hr_bpm;
  }
  hr_max_ = std::max(hr_max_, hr_bpm);
  hr_min_ = std::min(hr_min_, hr_bpm);
  power_ += (y * y - power_) / (power_time_constant_s * cfg_.resample_hz);
  const double h = cfg_.hysteresis * std::sqrt(power_);
  if (y > h) high_seen_ = true;
  if (y < -h) low_seen_ = true;
  prev_y_ = y;
  prev_t_ = time_s;
  have_prev_ = true;
}

void rsa_analyzer::push(const rr_event& e) noexcept {
  if (!positive_finite(e.rr_ms) || !std::isfinite(e.end_s)) return;
  const double hr = 60000.0 / e.rr_ms;
  if (!started_ || e.after_gap || e.end_s - last_time_s_ > cfg_.max_beat_gap_s ||
      e.end_s < last_time_s_) {
    restart(e.end_s, hr);
    return;
  }
  const double fs = cfg_.resample_hz;
  const double span = e.end_s - last_time_s_;
  for (;;) {
    const double g = static_cast<double>(next_k_) / fs;
    if (g > e.end_s) break;
    const double h = span > 0.0 ? last_hr_ + (hr - last_hr_) * ((g - last_time_s_) / span) : hr;
    sample(g, h);
    ++next_k_;
  }
  last_time_s_ = e.end_s;
  last_hr_ = hr;
}

rsa_values rsa_analyzer::evaluate(double time_s) const noexcept {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  rsa_values v{nan, nan, 0};
  double swing = 0.0;
  double length = 0.0;
  const std::size_t cap = cycles_.size();
  for (std::size_t k = 0; k < cycles_size_; ++k) {
    const cycle& c = cycles_[(cycles_head_ + k) % cap];
    if (!(c.end_s > time_s - cfg_.hold_s) || c.end_s > time_s) continue;
    swing += c.swing_bpm;
    length += c.length_s;
    ++v.cycles;
  }
  if (v.cycles > 0) {
    const auto n = static_cast<double>(v.cycles);
    v.rsa_bpm = swing / n;
    v.breathing_rate_bpm = 60.0 * n / length;
  }
  return v;
}

}  // namespace resonant::dsp
