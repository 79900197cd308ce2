#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rr_event.hpp"

namespace resonant::dsp {

// Parameters of the rolling time-domain analyzer. Checked by the constructor
// (std::invalid_argument): windows > 0 and finite, hr_beats >= 1, hr_window_s > 0,
// 0 <= min_coverage <= 1, min_interval_ms > 0.
struct rolling_time_domain_config {
  double short_window_s = 30.0;  // RMSSD
  double long_window_s = 60.0;   // RMSSD, SDNN, pNN50, mean RR, corrected / missing share
  std::size_t hr_beats = 5;      // HR = 60000 / mean of the last hr_beats intervals ...
  double hr_window_s = 10.0;     // ... that ended within this time before the evaluation time
  // A window's statistics are reported once its intervals cover at least this share of the
  // whole window length (so RMSSD 30 s appears after 15 s of data and disappears 15 s into a
  // dropout); before that they are NaN.
  double min_coverage = 0.5;
  std::size_t min_differences = 3;  // RMSSD and pNN50 need this many successive differences
  // Shortest interval expected (sizes the buffers: window / min_interval + 2 entries). Shorter
  // intervals are accepted; if a window overflows, its oldest entries leave early (counted).
  double min_interval_ms = 100.0;
};

// The values at one evaluation time t. NaN = unknown (too little data).
struct rolling_time_domain_values {
  double hr_bpm;
  double mean_rr_ms;      // long window
  double rmssd_short_ms;  // short window
  double rmssd_long_ms;   // long window
  double sdnn_ms;         // long window, ddof 1
  double pnn50_pct;       // long window, over the number of differences
  double corrected_pct;   // share of the long window's elapsed time covered by corrected RR
  double missing_pct;     // share of the long window's elapsed time with no RR
  std::size_t intervals_short;
  std::size_t intervals_long;
};

// Rolling Task-Force time-domain statistics over time windows, updated per interval.
//
// Windows. At evaluation time t a window of length W holds the intervals whose end_s lies in
// (t - W, t] (the comparison is end_s > t - W, evaluated in that form). Successive differences
// are taken between consecutive intervals of the window when the later one is not after_gap;
// the window's first interval has none. These are exactly the series and rules of the batch
// dsp::time_domain applied to the same intervals (SDNN ddof 1, pNN50 over the differences,
// |d| > 50 ms strictly), which the tests use as the oracle.
// Coverage. The window's elapsed time is min(W, t - start of the first interval since reset);
// covered time is the sum of its intervals, less the part of the oldest interval that began
// before t - W (intervals do not overlap, so only the oldest can stick out); missing = elapsed
// - covered (at least 0), corrected = covered time of intervals with status corrected.
// HR = 60000 / mean of the last hr_beats intervals ending in (t - hr_window_s, t] (fewer if
// fewer ended there; NaN when none): it goes NaN during a dropout.
//
// Update rule: O(1) amortised per interval and per evaluation. Each window keeps a ring of its
// intervals and running sums: n, sum (rr - ref), sum (rr - ref)^2 with a reference ref near the
// mean, sum d^2 and the count of |d| > 50 ms over its differences, covered and corrected time.
// An interval entering adds its terms, one leaving subtracts them (and the difference of its
// successor, which loses its predecessor). Drift: after as many updates as the ring holds,
// every sum is recomputed from the ring and ref is moved to the current mean (re-basing, as
// Signalsmith's BoxSum and dsp::moving_sum), so the rounding error never exceeds that of one
// ring's worth of additions, however long the stream runs (24 h test: equal to a fresh
// computation within 1e-9 relative). The recomputation is O(ring) once per ring of updates.
// Latency: none (the values at t include the interval ending at t).
// Memory: fixed at construction (two rings of window / min_interval_ms + 2 entries, one of
// hr_beats); push/evaluate never allocate and never throw.
// Pitfalls: evaluation times must not decrease (intervals leave for good); an interval with
// end_s earlier than the last evaluation time is still added but may leave at the next
// evaluation.
class rolling_time_domain {
 public:
  explicit rolling_time_domain(const rolling_time_domain_config& cfg);

  // An interval after artefact handling (status corrected counts as corrected time).
  void push(const rr_event& e) noexcept;
  // The statistics over the windows ending at time_s (non-decreasing across calls).
  [[nodiscard]] rolling_time_domain_values evaluate(double time_s) noexcept;
  void reset() noexcept;

  [[nodiscard]] const rolling_time_domain_config& config() const noexcept { return cfg_; }
  // Entries pushed out of a full window before their time (only with intervals shorter than
  // min_interval_ms).
  [[nodiscard]] std::int64_t overflowed() const noexcept;

 private:
  class window {
   public:
    window(double length_s, std::size_t capacity);
    void push(const rr_event& e) noexcept;
    void evict(double time_s) noexcept;
    void clear() noexcept;

    struct stats {
      std::size_t n;
      double mean;
      double variance;  // ddof 1, NaN for n < 2
      std::size_t differences;
      double sum_d2;
      std::size_t over50;
      double covered_s;
      double corrected_s;
    };
    [[nodiscard]] stats compute(double time_s) const noexcept;
    [[nodiscard]] double length_s() const noexcept { return length_s_; }
    [[nodiscard]] std::int64_t overflowed() const noexcept { return overflowed_; }

   private:
    struct entry {
      double rr_ms;
      double end_s;
      bool corrected;
      bool has_diff;  // a difference to the previous entry of the window is counted
      double diff_ms;
    };
    void pop_front() noexcept;
    void add_terms(const entry& e) noexcept;
    void rebase() noexcept;
    entry& at(std::size_t k) noexcept { return ring_[(head_ + k) % ring_.size()]; }
    [[nodiscard]] const entry& at(std::size_t k) const noexcept {
      return ring_[(head_ + k) % ring_.size()];
    }

    double length_s_;
    std::vector<entry> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    double ref_ = 0.0;
    double s1_ = 0.0;  // sum (rr - ref)
    double s2_ = 0.0;  // sum (rr - ref)^2
    double d2_ = 0.0;  // sum d^2
    std::size_t differences_ = 0;
    std::size_t over50_ = 0;
    double covered_ms_ = 0.0;
    double corrected_ms_ = 0.0;
    std::size_t updates_ = 0;  // since the last re-basing
    std::int64_t overflowed_ = 0;
  };

  rolling_time_domain_config cfg_;
  window short_;
  window long_;
  std::vector<rr_event> hr_ring_;
  std::size_t hr_head_ = 0;
  std::size_t hr_size_ = 0;
  double origin_s_ = 0.0;  // start of the first interval since reset
  bool have_origin_ = false;
};

}  // namespace resonant::dsp
