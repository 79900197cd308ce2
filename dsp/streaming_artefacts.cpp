#include "streaming_artefacts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace resonant::dsp {

namespace {

constexpr int max_split_parts = 8;

void check(const streaming_artefacts_config& c) {
  const range_gate_config& g = c.gate;
  if (!std::isfinite(g.min_rr_ms) || !std::isfinite(g.max_rr_ms) || !(g.min_rr_ms > 0.0) ||
      !(g.min_rr_ms < g.max_rr_ms)) {
    throw std::invalid_argument("streaming_artefacts: need 0 < gate.min_rr_ms < gate.max_rr_ms");
  }
  if (!(c.contiguity_tolerance_s >= 0.0) || !std::isfinite(c.contiguity_tolerance_s)) {
    throw std::invalid_argument("streaming_artefacts: contiguity_tolerance_s must be >= 0");
  }
  const lipponen_config& l = c.lipponen;
  if (!(l.alpha > 0.0) || !std::isfinite(l.alpha)) {
    throw std::invalid_argument("streaming_artefacts: lipponen.alpha must be finite and > 0");
  }
  if (l.qd_window < 3 || l.qd_window % 2 == 0 || l.median_window < 3 || l.median_window % 2 == 0) {
    throw std::invalid_argument("streaming_artefacts: lipponen windows must be odd and >= 3");
  }
  if (!(l.c1 >= 0.0) || !(l.c2 >= 0.0) || !std::isfinite(l.c1) || !std::isfinite(l.c2)) {
    throw std::invalid_argument("streaming_artefacts: lipponen c1, c2 must be finite and >= 0");
  }
  if (c.min_history < 3 || c.min_history > l.qd_window) {
    throw std::invalid_argument("streaming_artefacts: min_history must be in [3, qd_window]");
  }
}

}  // namespace

// ---- sorted_fifo ----

streaming_artefacts::sorted_fifo::sorted_fifo(std::size_t capacity)
    : fifo_(capacity), sorted_(capacity) {}

void streaming_artefacts::sorted_fifo::clear() noexcept {
  head_ = 0;
  size_ = 0;
}

void streaming_artefacts::sorted_fifo::push(double x) noexcept {
  const std::size_t cap = fifo_.size();
  double* const first = sorted_.data();
  double* const last = first + size_;
  if (size_ < cap) {
    double* const pos = std::upper_bound(first, last, x);
    std::copy_backward(pos, last, last + 1);
    *pos = x;
    fifo_[(head_ + size_) % cap] = x;
    ++size_;
    return;
  }
  // Full: the oldest value's slot slides to where x belongs (one insertion-sort step).
  const double old = fifo_[head_];
  fifo_[head_] = x;
  head_ = (head_ + 1) % cap;
  double* pos = std::lower_bound(first, last, old);
  if (x > old) {
    while (pos + 1 < last && pos[1] < x) {
      pos[0] = pos[1];
      ++pos;
    }
  } else {
    while (pos > first && pos[-1] > x) {
      pos[0] = pos[-1];
      --pos;
    }
  }
  *pos = x;
}

double streaming_artefacts::sorted_fifo::quantile(double q) const noexcept {
  if (size_ == 0) return 0.0;
  const double pos = q * static_cast<double>(size_ - 1);
  const auto lo = static_cast<std::size_t>(pos);
  if (lo + 1 >= size_) return sorted_[lo];
  const double frac = pos - static_cast<double>(lo);
  return sorted_[lo] + frac * (sorted_[lo + 1] - sorted_[lo]);
}

// ---- streaming_artefacts ----

streaming_artefacts::streaming_artefacts(const streaming_artefacts_config& cfg)
    : cfg_((check(cfg), cfg)),
      abs_drr_(cfg.lipponen.qd_window),
      abs_mrr_(cfg.lipponen.qd_window),
      rr_(cfg.lipponen.median_window) {}

void streaming_artefacts::reset() noexcept {
  abs_drr_.clear();
  abs_mrr_.clear();
  rr_.clear();
  ring_head_ = 0;
  pending_size_ = 0;
  prev_count_ = 0;
  last_end_s_ = 0.0;
  have_last_ = false;
  in_run_ = false;
  gap_before_next_ = false;
  first_output_ = true;
  out_size_ = 0;
  counts_ = {};
}

double streaming_artefacts::run_timeout_s() const noexcept {
  return cfg_.gate.max_rr_ms / 1000.0 + cfg_.contiguity_tolerance_s;
}

double streaming_artefacts::max_latency_s() const noexcept {
  return static_cast<double>(look_ahead - 1) * cfg_.gate.max_rr_ms / 1000.0 + run_timeout_s();
}

double streaming_artefacts::pending_start_s() const noexcept {
  for (std::size_t k = 0; k < pending_size_; ++k) {
    const pending_interval& p = at(k);
    if (!p.consumed) return p.end_s - p.rr_ms / 1000.0;
  }
  return std::numeric_limits<double>::infinity();
}

streaming_artefacts::pending_interval& streaming_artefacts::at(std::size_t k) noexcept {
  return ring_[(ring_head_ + k) % ring_.size()];
}

const streaming_artefacts::pending_interval& streaming_artefacts::at(std::size_t k) const noexcept {
  return ring_[(ring_head_ + k) % ring_.size()];
}

void streaming_artefacts::pop_front() noexcept {
  prev_rr_[1] = prev_rr_[0];
  prev_rr_[0] = at(0).rr_ms;
  prev_count_ = std::min(prev_count_ + 1, 2);
  ring_head_ = (ring_head_ + 1) % ring_.size();
  --pending_size_;
}

void streaming_artefacts::emit(double rr_ms, double end_s, bool corrected) noexcept {
  if (out_size_ >= out_.size()) return;  // cannot happen: bounded by max_output
  out_[out_size_++] = rr_event{end_s, rr_ms, gap_before_next_,
                               corrected ? rr_status::corrected : rr_status::accepted};
  gap_before_next_ = false;
  first_output_ = false;
  if (corrected) {
    ++counts_.corrected_out;
  } else {
    ++counts_.accepted_out;
  }
}

// Normalised dRR(k) for the interval k places after the front (k = -1 .. 3); 0 where the
// interval or its predecessor is not part of the run (or not yet known).
double streaming_artefacts::drr(int k) const noexcept {
  const auto value = [&](int j) {
    return j >= 0 ? at(static_cast<std::size_t>(j)).rr_ms : prev_rr_[-j - 1];
  };
  const auto exists = [&](int j) {
    return j >= -prev_count_ && j < static_cast<int>(pending_size_);
  };
  if (!exists(k) || !exists(k - 1) || !(th1_ms_ > 0.0)) return 0.0;
  return (value(k) - value(k - 1)) / th1_ms_;
}

artefact_kind streaming_artefacts::classify(double median_ms, double th2_ms) const noexcept {
  const double c1 = cfg_.lipponen.c1;
  const double c2 = cfg_.lipponen.c2;
  const auto exists = [&](int j) { return j < static_cast<int>(pending_size_); };
  const auto pattern = [&](int k) {
    const double d = drr(k);
    if (std::abs(d) <= 1.0) return false;
    const double prev = drr(k - 1);
    const double next = drr(k + 1);
    if (d > 0.0) return std::max(prev, next) < -c1 * d - c2;
    return std::min(prev, next) > -c1 * d + c2;
  };
  const auto centre = [&](int k) {
    if (!pattern(k)) return false;
    const double here = std::abs(drr(k));
    if (pattern(k - 1) && std::abs(drr(k - 1)) >= here) return false;
    return !(exists(k + 1) && pattern(k + 1) && std::abs(drr(k + 1)) > here);
  };

  if (exists(1) && centre(1)) return artefact_kind::ectopic;
  if (pattern(0)) return artefact_kind::none;
  if (exists(1) && pattern(1)) return artefact_kind::none;

  const pending_interval& front = at(0);
  double m = front.rr_ms - median_ms;
  if (m < 0.0) m *= 2.0;
  m = th2_ms > 0.0 ? m / th2_ms : 0.0;
  const double next = exists(1) ? at(1).rr_ms : std::numeric_limits<double>::quiet_NaN();
  return classify_long_short(drr(0), m, drr(1), drr(2), front.rr_ms, median_ms, th2_ms, next);
}

void streaming_artefacts::decide_front() noexcept {
  pending_interval& front = at(0);
  const double alpha = cfg_.lipponen.alpha;
  th1_ms_ = alpha * 0.5 * (abs_drr_.quantile(0.75) - abs_drr_.quantile(0.25));
  const double median_ms = rr_.quantile(0.5);
  double mrr = front.rr_ms - median_ms;
  if (mrr < 0.0) mrr *= 2.0;
  abs_mrr_.push(std::abs(mrr));
  const double th2_ms = alpha * 0.5 * (abs_mrr_.quantile(0.75) - abs_mrr_.quantile(0.25));

  if (front.consumed) {
    pop_front();
    return;
  }
  const bool warm = abs_drr_.size() >= cfg_.min_history && abs_mrr_.size() >= cfg_.min_history;
  const artefact_kind kind = warm ? classify(median_ms, th2_ms) : artefact_kind::none;
  if (!warm) ++counts_.unchecked;
  count_artefact(counts_.found, kind);

  const bool partner = pending_size_ > 1;
  if (kind == artefact_kind::none) {
    emit(front.rr_ms, front.end_s, false);
  } else if (kind == artefact_kind::missed) {
    const double parts =
        std::clamp(std::round(front.rr_ms / median_ms), 2.0, static_cast<double>(max_split_parts));
    const double step = front.rr_ms / parts;
    const double start = front.end_s - front.rr_ms / 1000.0;
    const auto n = static_cast<int>(parts);
    for (int p = 1; p < n; ++p) emit(step, start + static_cast<double>(p) * step / 1000.0, true);
    emit(step, front.end_s, true);
  } else if (rewrites_next(kind) && partner) {
    pending_interval& next = at(1);
    if (kind == artefact_kind::extra) {
      emit(front.rr_ms + next.rr_ms, next.end_s, true);
    } else {
      const double mean = 0.5 * (front.rr_ms + next.rr_ms);
      emit(mean, next.end_s - mean / 1000.0, true);
      emit(mean, next.end_s, true);
    }
    next.consumed = true;
  } else {
    // Flagged as the last interval of its run: nothing to share the correction with.
    ++counts_.dropped;
    gap_before_next_ = true;
  }
  pop_front();
}

void streaming_artefacts::end_run() noexcept {
  while (pending_size_ > 0) decide_front();
  in_run_ = false;
  prev_count_ = 0;
}

std::span<const rr_event> streaming_artefacts::push(const rr_event& raw) noexcept {
  out_size_ = 0;
  if (!std::isfinite(raw.end_s) || std::isinf(raw.rr_ms) ||
      (have_last_ && raw.end_s < last_end_s_)) {
    ++counts_.invalid;
    return {};
  }
  const double tol = cfg_.contiguity_tolerance_s;
  const bool in_range = raw.rr_ms >= cfg_.gate.min_rr_ms && raw.rr_ms <= cfg_.gate.max_rr_ms;
  if (!in_range) {  // also NaN: a gap marker
    ++counts_.range_gated;
    if (in_run_) end_run();
    if (have_last_) gap_before_next_ = true;
    have_last_ = true;
    last_end_s_ = raw.end_s;
    return {out_.data(), out_size_};
  }
  const bool gap = raw.after_gap ||
                   (have_last_ && raw.end_s - raw.rr_ms / 1000.0 > last_end_s_ + tol) ||
                   (have_last_ && !in_run_);
  if (gap && in_run_) end_run();
  if (gap && have_last_) {
    gap_before_next_ = true;
    ++counts_.gaps;
  } else if (first_output_ && !have_last_) {
    gap_before_next_ = raw.after_gap;
  }
  if (!in_run_) {
    in_run_ = true;
    prev_count_ = 0;
    rr_.clear();  // the level may differ after a gap: the median restarts with the run
  } else {
    const double before = pending_size_ > 0 ? at(pending_size_ - 1).rr_ms : prev_rr_[0];
    abs_drr_.push(std::abs(raw.rr_ms - before));
  }
  rr_.push(raw.rr_ms);
  ring_[(ring_head_ + pending_size_) % ring_.size()] =
      pending_interval{raw.rr_ms, raw.end_s, false};
  ++pending_size_;
  have_last_ = true;
  last_end_s_ = raw.end_s;
  if (pending_size_ == ring_.size()) decide_front();
  return {out_.data(), out_size_};
}

std::span<const rr_event> streaming_artefacts::advance_to(double time_s) noexcept {
  out_size_ = 0;
  if (in_run_ && time_s >= last_end_s_ + run_timeout_s()) {
    end_run();
    gap_before_next_ = true;
  }
  return {out_.data(), out_size_};
}

std::span<const rr_event> streaming_artefacts::finish() noexcept {
  out_size_ = 0;
  if (in_run_) end_run();
  return {out_.data(), out_size_};
}

}  // namespace resonant::dsp
