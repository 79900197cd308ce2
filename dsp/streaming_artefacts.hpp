#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "artefacts.hpp"
#include "range_gate.hpp"
#include "rr_event.hpp"

namespace resonant::dsp {

// Parameters of the streaming RR artefact stage. Checked by the constructor
// (std::invalid_argument): 0 < min_rr_ms < max_rr_ms, finite; contiguity_tolerance_s >= 0;
// lipponen as checked by the batch stage (alpha > 0, odd windows >= 3, c1, c2 >= 0);
// min_history >= 3 and <= lipponen.qd_window.
struct streaming_artefacts_config {
  range_gate_config gate;  // 250 .. 2500 ms: outside is removed and leaves a gap
  // alpha, c1, c2 and the window lengths (beats) of the batch detector. The windows are not
  // centred here but end at the newest beat received (see the class comment); max_passes is
  // not used (one pass).
  lipponen_config lipponen;
  // An interval whose start (end_s - rr_ms / 1000) lies more than this after the previous
  // interval's end does not follow it: a gap (beats were lost in between). Seconds.
  double contiguity_tolerance_s = 0.5;
  // Successive differences needed in the statistics before beats are judged at all; until
  // then (start of stream) intervals pass as accepted.
  std::size_t min_history = 10;
};

// What the stage has done so far.
struct streaming_artefact_counts {
  artefact_counts found;           // detections by kind (as the batch detector labels them)
  std::int64_t range_gated = 0;    // removed by the range gate (each leaves a gap)
  std::int64_t invalid = 0;        // non-finite or out-of-order input, dropped
  std::int64_t dropped = 0;        // flagged at the end of a run with no partner: removed
  std::int64_t gaps = 0;           // runs started after a gap (not counting the first)
  std::int64_t unchecked = 0;      // passed during warm-up, before min_history
  std::int64_t corrected_out = 0;  // output intervals with status corrected
  std::int64_t accepted_out = 0;   // output intervals with status accepted
};

// Streaming RR artefact handling: range gate, then detection and correction of ectopic,
// missed, extra, long and short beats in the Lipponen & Tarvainen (2019) family, with a
// bounded look-ahead of three beats.
//
// Algorithm. Input intervals form runs of contiguous intervals; a run ends at a gap (the
// event's after_gap, a start later than the previous end + contiguity_tolerance_s, a
// range-gated interval) or when stream time passes the last end + run_timeout_s()
// (= max_rr + contiguity tolerance: no contiguous interval can end later). For each interval
// i, once intervals i+1..i+3 of its run are known (or the run has ended), the batch
// classifier's decision is taken with these features:
//   dRR(k) = RR(k) - RR(k-1) within the run (0 at and beyond the run's ends), divided by
//     Th1 = alpha * QD(|dRR|) over the last qd_window differences received (the window ends at
//     the newest beat, i+3, instead of being centred on i: causal statistics);
//   med = median of the last median_window intervals received in the run (so it spans
//     i-7..i+3 with the defaults); mRR(i) = RR(i) - med, negative values doubled, divided by
//     Th2 = alpha * QD(|mRR|) over the last qd_window decided intervals;
//   ectopic (NPN/PNP pattern centred on dRR(i+1), the strongest of adjacent centres),
//   long/short (dRR with S22, or |mRR| > 3), missed (|RR/2 - med| < Th2) and extra
//   (|RR(i) + RR(i+1) - med| < Th2) exactly as dsp/artefacts.cpp describes.
// Correction, on beat times (the beats bounding a run do not move): extra -> intervals i and
// i+1 merge; missed -> interval i splits into max(2, round(RR/med)) (at most 8) equal parts;
// ectopic, long, short -> the beat ending i moves to the midpoint of its neighbours (i and i+1
// both become their mean). An interval rewritten together with its predecessor gets no label
// of its own. The output carries status corrected for every changed interval.
// The quartile-deviation windows persist across gaps (they describe the subject's
// variability); the median window restarts with each run (the HR level may have changed
// during a dropout, as the batch windows shrink at run edges); differences never span a gap.
//
// Differences from the batch corrector: windows end at the newest beat (look-ahead 3) instead
// of being centred (+-45 beats), one pass instead of repeated passes, and an interval flagged
// ectopic/long/short/extra as the last of its run (no partner to share the correction with)
// is removed (counted as dropped; the gap is already there) instead of moving the run's last
// beat.
//
// Latency: latency_beats() = 3 intervals; an interval leaves at the latest when the third
// interval after it arrives or its run ends by timeout: max_latency_s() = 2 * max_rr +
// run_timeout_s() (8 s with the defaults; about 3 beats in practice).
// Determinism: the output is a function of the push() sequence and of the stream time at
// which runs end by timeout, never of how often advance_to() is called: advance_to(t) ends
// the run only when t >= last end + run_timeout_s(), and push() applies the same rule to the
// event's end_s, which (by the caller's promise) lies after every earlier advance_to time.
// Memory: fixed at construction (windows of qd_window and median_window values, a 4-interval
// look-ahead ring, an output buffer); push/advance_to never allocate and never throw.
// Pitfalls: a stretch of identical intervals (quantised RR, QD = 0) normalises to 0, so nothing
// is flagged there; during the first min_history differences nothing is judged.
class streaming_artefacts {
 public:
  static constexpr int look_ahead = 3;
  // Most output events one call can produce: a run end flushes 1 + look_ahead pending
  // intervals, each split at most into 8 parts.
  static constexpr std::size_t max_output = 8 * (look_ahead + 2);

  explicit streaming_artefacts(const streaming_artefacts_config& cfg);

  // One raw interval (status ignored, after_gap honoured). Returns the intervals released by
  // it, in time order; the view stays valid until the next call on this object.
  std::span<const rr_event> push(const rr_event& raw) noexcept;
  // Stream time reached time_s: ends the run if it timed out. Same view rules as push.
  std::span<const rr_event> advance_to(double time_s) noexcept;
  // End of stream: releases everything pending.
  std::span<const rr_event> finish() noexcept;
  void reset() noexcept;

  [[nodiscard]] static int latency_beats() noexcept { return look_ahead; }
  [[nodiscard]] double max_latency_s() const noexcept;
  [[nodiscard]] double run_timeout_s() const noexcept;
  // True when intervals are waiting for their look-ahead.
  [[nodiscard]] bool pending() const noexcept { return pending_size_ > 0; }
  // Start time of the earliest pending interval: no later output can end before it.
  [[nodiscard]] double pending_start_s() const noexcept;
  [[nodiscard]] const streaming_artefact_counts& counts() const noexcept { return counts_; }
  [[nodiscard]] const streaming_artefacts_config& config() const noexcept { return cfg_; }

 private:
  // A sliding window of the last `capacity` values, kept both in arrival order (to know which
  // value leaves) and sorted (for quantiles).
  class sorted_fifo {
   public:
    explicit sorted_fifo(std::size_t capacity);
    void push(double x) noexcept;
    void clear() noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] double quantile(double q) const noexcept;

   private:
    std::vector<double> fifo_;
    std::vector<double> sorted_;
    std::size_t head_ = 0;  // oldest value in fifo_
    std::size_t size_ = 0;
  };

  struct pending_interval {
    double rr_ms;
    double end_s;
    bool consumed;  // already rewritten with its predecessor
  };

  void end_run() noexcept;
  void decide_front() noexcept;
  [[nodiscard]] artefact_kind classify(double median_ms, double th2_ms) const noexcept;
  [[nodiscard]] double drr(int k) const noexcept;  // normalised dRR, k relative to the front
  void emit(double rr_ms, double end_s, bool corrected) noexcept;
  pending_interval& at(std::size_t k) noexcept;
  [[nodiscard]] const pending_interval& at(std::size_t k) const noexcept;
  void pop_front() noexcept;

  streaming_artefacts_config cfg_;
  sorted_fifo abs_drr_;  // |dRR| of received intervals
  sorted_fifo abs_mrr_;  // |mRR| of decided intervals
  sorted_fifo rr_;       // received intervals (median)
  std::array<pending_interval, look_ahead + 1> ring_{};
  std::size_t ring_head_ = 0;
  std::size_t pending_size_ = 0;
  // The two intervals of the run decided before the front (raw values), for dRR(i-1), dRR(i).
  double prev_rr_[2] = {0.0, 0.0};
  int prev_count_ = 0;
  double th1_ms_ = 0.0;      // alpha * QD(|dRR|) when the front is judged
  double last_end_s_ = 0.0;  // end of the last received interval (any run)
  bool have_last_ = false;
  bool in_run_ = false;  // the last received interval belongs to an open run
  bool gap_before_next_ = false;
  bool first_output_ = true;
  std::array<rr_event, max_output> out_{};
  std::size_t out_size_ = 0;
  streaming_artefact_counts counts_;
};

}  // namespace resonant::dsp
