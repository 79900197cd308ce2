#include "rolling_time_domain.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace resonant::dsp {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0.0;
}

const rolling_time_domain_config& checked(const rolling_time_domain_config& c) {
  if (!positive_finite(c.short_window_s) || !positive_finite(c.long_window_s)) {
    throw std::invalid_argument("rolling_time_domain: windows must be finite and > 0 s");
  }
  if (c.hr_beats < 1 || !positive_finite(c.hr_window_s)) {
    throw std::invalid_argument("rolling_time_domain: hr_beats >= 1 and hr_window_s > 0 needed");
  }
  if (!(c.min_coverage >= 0.0 && c.min_coverage <= 1.0)) {
    throw std::invalid_argument("rolling_time_domain: min_coverage must be in [0, 1]");
  }
  if (!positive_finite(c.min_interval_ms)) {
    throw std::invalid_argument("rolling_time_domain: min_interval_ms must be > 0");
  }
  return c;
}

std::size_t capacity_for(double window_s, double min_interval_ms) {
  return static_cast<std::size_t>(std::ceil(window_s * 1000.0 / min_interval_ms)) + 2;
}

}  // namespace

// ---- window ----

rolling_time_domain::window::window(double length_s, std::size_t capacity)
    : length_s_(length_s), ring_(capacity) {}

void rolling_time_domain::window::clear() noexcept {
  head_ = 0;
  size_ = 0;
  ref_ = s1_ = s2_ = d2_ = 0.0;
  differences_ = over50_ = 0;
  covered_ms_ = corrected_ms_ = 0.0;
  updates_ = 0;
  overflowed_ = 0;
}

void rolling_time_domain::window::add_terms(const entry& e) noexcept {
  const double x = e.rr_ms - ref_;
  s1_ += x;
  s2_ += x * x;
  covered_ms_ += e.rr_ms;
  if (e.corrected) corrected_ms_ += e.rr_ms;
  if (e.has_diff) {
    d2_ += e.diff_ms * e.diff_ms;
    ++differences_;
    if (std::abs(e.diff_ms) > 50.0) ++over50_;
  }
}

void rolling_time_domain::window::rebase() noexcept {
  updates_ = 0;
  double sum = 0.0;
  for (std::size_t k = 0; k < size_; ++k) sum += at(k).rr_ms;
  ref_ = size_ > 0 ? sum / static_cast<double>(size_) : 0.0;
  s1_ = s2_ = d2_ = 0.0;
  differences_ = over50_ = 0;
  covered_ms_ = corrected_ms_ = 0.0;
  for (std::size_t k = 0; k < size_; ++k) add_terms(at(k));
}

void rolling_time_domain::window::pop_front() noexcept {
  const entry& e = at(0);
  const double x = e.rr_ms - ref_;
  s1_ -= x;
  s2_ -= x * x;
  covered_ms_ -= e.rr_ms;
  if (e.corrected) corrected_ms_ -= e.rr_ms;
  if (e.has_diff) {  // only possible for an entry forced out by overflow
    d2_ -= e.diff_ms * e.diff_ms;
    --differences_;
    if (std::abs(e.diff_ms) > 50.0) --over50_;
  }
  head_ = (head_ + 1) % ring_.size();
  --size_;
  ++updates_;
  if (size_ == 0) {
    rebase();
    return;
  }
  entry& next = at(0);
  if (next.has_diff) {  // its predecessor left the window
    d2_ -= next.diff_ms * next.diff_ms;
    --differences_;
    if (std::abs(next.diff_ms) > 50.0) --over50_;
    next.has_diff = false;
  }
}

void rolling_time_domain::window::push(const rr_event& e) noexcept {
  if (size_ == ring_.size()) {
    pop_front();
    ++overflowed_;
  }
  entry in{e.rr_ms, e.end_s, e.status == rr_status::corrected, false, 0.0};
  if (size_ > 0 && !e.after_gap) {
    in.has_diff = true;
    in.diff_ms = e.rr_ms - at(size_ - 1).rr_ms;
  }
  at(size_) = in;
  ++size_;
  add_terms(in);
  if (++updates_ >= ring_.size()) rebase();
}

void rolling_time_domain::window::evict(double time_s) noexcept {
  const double cutoff = time_s - length_s_;
  while (size_ > 0 && !(at(0).end_s > cutoff)) pop_front();
  if (updates_ >= ring_.size()) rebase();
}

rolling_time_domain::window::stats rolling_time_domain::window::compute(
    double time_s) const noexcept {
  stats s{};
  s.n = size_;
  s.differences = differences_;
  s.sum_d2 = d2_;
  s.over50 = over50_;
  s.mean = nan;
  s.variance = nan;
  if (size_ == 0) return s;
  const double n = static_cast<double>(size_);
  s.mean = ref_ + s1_ / n;
  if (size_ >= 2) s.variance = std::max(0.0, (s2_ - s1_ * s1_ / n) / (n - 1.0));
  // Only the oldest interval can have begun before the window.
  const entry& first = at(0);
  const double start = first.end_s - first.rr_ms / 1000.0;
  const double overhang = std::clamp(time_s - length_s_ - start, 0.0, first.rr_ms / 1000.0);
  s.covered_s = std::max(0.0, covered_ms_ / 1000.0 - overhang);
  s.corrected_s = std::max(0.0, corrected_ms_ / 1000.0 - (first.corrected ? overhang : 0.0));
  return s;
}

// ---- rolling_time_domain ----

rolling_time_domain::rolling_time_domain(const rolling_time_domain_config& cfg)
    : cfg_(checked(cfg)),
      short_(cfg.short_window_s, capacity_for(cfg.short_window_s, cfg.min_interval_ms)),
      long_(cfg.long_window_s, capacity_for(cfg.long_window_s, cfg.min_interval_ms)),
      hr_ring_(cfg.hr_beats) {}

void rolling_time_domain::reset() noexcept {
  short_.clear();
  long_.clear();
  hr_head_ = 0;
  hr_size_ = 0;
  origin_s_ = 0.0;
  have_origin_ = false;
}

std::int64_t rolling_time_domain::overflowed() const noexcept {
  return short_.overflowed() + long_.overflowed();
}

void rolling_time_domain::push(const rr_event& e) noexcept {
  if (!have_origin_) {
    origin_s_ = e.end_s - e.rr_ms / 1000.0;
    have_origin_ = true;
  }
  short_.push(e);
  long_.push(e);
  const std::size_t cap = hr_ring_.size();
  if (hr_size_ < cap) {
    hr_ring_[(hr_head_ + hr_size_) % cap] = e;
    ++hr_size_;
  } else {
    hr_ring_[hr_head_] = e;
    hr_head_ = (hr_head_ + 1) % cap;
  }
}

rolling_time_domain_values rolling_time_domain::evaluate(double time_s) noexcept {
  rolling_time_domain_values v{nan, nan, nan, nan, nan, nan, nan, nan, 0, 0};
  short_.evict(time_s);
  long_.evict(time_s);

  // HR from the newest intervals that ended recently.
  double sum_rr = 0.0;
  std::size_t count = 0;
  const std::size_t cap = hr_ring_.size();
  for (std::size_t k = hr_size_; k-- > 0;) {
    const rr_event& e = hr_ring_[(hr_head_ + k) % cap];
    if (e.end_s > time_s) continue;
    if (!(e.end_s > time_s - cfg_.hr_window_s)) break;
    sum_rr += e.rr_ms;
    ++count;
  }
  if (count > 0) v.hr_bpm = 60000.0 * static_cast<double>(count) / sum_rr;

  const window::stats s = short_.compute(time_s);
  const window::stats l = long_.compute(time_s);
  v.intervals_short = s.n;
  v.intervals_long = l.n;
  if (s.covered_s >= cfg_.min_coverage * cfg_.short_window_s && s.n > 0 &&
      s.differences >= cfg_.min_differences) {
    v.rmssd_short_ms = std::sqrt(s.sum_d2 / static_cast<double>(s.differences));
  }
  if (l.n > 0 && l.covered_s >= cfg_.min_coverage * cfg_.long_window_s) {
    v.mean_rr_ms = l.mean;
    v.sdnn_ms = std::sqrt(l.variance);
    if (l.differences >= cfg_.min_differences) {
      const auto d = static_cast<double>(l.differences);
      v.rmssd_long_ms = std::sqrt(l.sum_d2 / d);
      v.pnn50_pct = 100.0 * static_cast<double>(l.over50) / d;
    }
  }
  if (have_origin_) {
    const double elapsed = std::min(cfg_.long_window_s, time_s - origin_s_);
    if (elapsed > 0.0) {
      const double covered = std::min(l.covered_s, elapsed);
      v.missing_pct = 100.0 * (elapsed - covered) / elapsed;
      v.corrected_pct = 100.0 * std::min(l.corrected_s, elapsed) / elapsed;
    }
  }
  return v;
}

}  // namespace resonant::dsp
