#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "dsp/rolling_time_domain.hpp"
#include "dsp/rr_event.hpp"
#include "dsp/rsa_analyzer.hpp"
#include "dsp/sliding_spectrum.hpp"
#include "dsp/streaming_artefacts.hpp"
#include "engine/metric_snapshot.hpp"

namespace resonant::engine {

// Every parameter of the streaming HRV monitor; the defaults are the documented ones of each
// stage. Checked by the hrv_monitor constructor (std::invalid_argument).
struct hrv_monitor_config {
  // Range gate 250-2500 ms, Lipponen-Tarvainen family detection with causal statistics and a
  // 3-beat look-ahead, runs ending by a 3 s timeout (dsp/streaming_artefacts.hpp).
  dsp::streaming_artefacts_config artefacts;
  // HR (last 5 intervals within 10 s), RMSSD 30 s and 60 s, SDNN / pNN50 / corrected and
  // missing share over 60 s, reported once half the window is covered
  // (dsp/rolling_time_domain.hpp).
  dsp::rolling_time_domain_config time;
  // LF / HF / LF/HF over 180 s (Kubios profile) and coherence over 64 s, both every 5 s of
  // stream time (dsp/sliding_spectrum.hpp).
  dsp::sliding_spectrum_config spectrum;
  // RSA amplitude and breathing rate from breath cycles found in the HR (dsp/rsa_analyzer.hpp).
  dsp::rsa_analyzer_config rsa;
  // While no beat arrives: a first tick snapshot first_tick_s after the last beat, then one
  // every tick_s. first_tick_s = 2.5 s is the range gate's longest accepted RR: a beat can
  // still be due until then, so a tick means a real pause, not a slow heart (at 50 bpm a
  // 1 s tick would land between almost every pair of beats). Keep it >= the gate's max_rr
  // when changing that; values below tick_s make ticks come sooner than the period.
  double first_tick_s = 2.5;
  double tick_s = 1.0;
};

// The streaming HRV monitor: raw RR intervals in, metric snapshots out, beat by beat.
//
// Composition (plain members, no runtime graph): streaming_artefacts -> for each released
// interval: rolling_time_domain, sliding_spectrum, rsa_analyzer -> a metric_snapshot at the
// interval's end_s (beat = true). While no beat arrives, tick snapshots (beat = false) at
// last_beat + first_tick_s + k * tick_s (k = 0, 1, ...; 2.5 s, 3.5 s, ... after the beat with
// the defaults), so HR goes NaN and missing_pct rises during a dropout, while a slow but
// regular heart (any RR the range gate accepts) gives no tick rows at all.
//
// Snapshot order and determinism. Snapshots come in non-decreasing time order and the whole
// output is a pure function of the push() sequence and the finish() time, whatever the number
// and position of advance_to() calls (tested bitwise): the artefact stage ends a run by data
// time (last end + 3 s), and a tick at T is emitted only once no later beat snapshot can have
// a time <= T, i.e. T <= min(t - max_rr, start of the earliest interval still pending)
// for advance_to(t) (a future interval ends after t and lasts at most max_rr), and T < the
// next beat's time when a beat is released. Spectral values are recomputed at the first
// snapshot at or after each multiple of the hop (5 s) of stream time, over the window ending
// at that snapshot's time; they are held in between.
// Latency: a beat's snapshot waits for the 3-beat look-ahead: latency_beats() = 3,
// max_latency_s() = 8 s with the defaults (about 3 beats in practice); ticks during a
// dropout are emitted from max_rr (2.5 s) after their time on, once the run has timed out.
// Bad input never throws: non-finite values and events out of order (end_s before the
// previous event's, or not after the last advance_to time) are counted in dropped_events();
// a dropped event with a finite end_s still marks a gap before the next interval.
// Allocation: everything is sized at construction; push(), advance_to() and finish() do not
// allocate in steady state, the spectral recomputation once per hop (every 5 s of stream time)
// included: it refits and resamples on buffers sized at construction (see
// dsp/sliding_spectrum.hpp; 0 allocations counted over the 24 h nsr001 replay). Cost: ~0.3 us
// per beat plus ~32 us per hop: 5.1 us per beat on average over the 24 h nsr001 replay (79 bpm
// on average, so 6.6 beats per hop), 4.4 us over its first hour (bench/streaming_bench.cpp).
// The sink is called synchronously from push / advance_to / finish; what it does is its own
// business.
class hrv_monitor {
 public:
  using sink = std::function<void(const metric_snapshot&)>;

  // Throws std::invalid_argument on a bad config (any stage's, or tick_s / first_tick_s not
  // finite and > 0).
  hrv_monitor(const hrv_monitor_config& cfg, sink out);

  // A raw interval from a detector or sensor (status ignored on input; after_gap honoured).
  // end_s must be non-decreasing; an out-of-order or non-finite event is counted and dropped.
  void push(const dsp::rr_event& raw) noexcept;
  // Stream time has reached time_s: the caller guarantees no later push has end_s <= time_s.
  // Emits tick snapshots while no beats arrive and resolves look-ahead that waited.
  void advance_to(double time_s) noexcept;
  // End of stream at time_s: flush everything pending (look-ahead) and ticks up to time_s.
  void finish(double time_s) noexcept;
  void reset() noexcept;

  [[nodiscard]] int latency_beats() const noexcept;     // artefact look-ahead in beats
  [[nodiscard]] double max_latency_s() const noexcept;  // worst-case delay of a beat's snapshot
  [[nodiscard]] std::int64_t dropped_events() const noexcept { return dropped_; }
  [[nodiscard]] const hrv_monitor_config& config() const noexcept { return cfg_; }
  // What the artefact stage did (corrections by kind, range-gated, gaps).
  [[nodiscard]] const dsp::streaming_artefact_counts& artefact_counts() const noexcept {
    return artefacts_.counts();
  }

 private:
  void release(std::span<const dsp::rr_event> events) noexcept;
  void ticks_through(double limit_s, bool inclusive) noexcept;
  void emit(double time_s, bool beat) noexcept;

  hrv_monitor_config cfg_;
  sink out_;
  dsp::streaming_artefacts artefacts_;
  dsp::rolling_time_domain time_;
  dsp::sliding_spectrum spectrum_;
  dsp::rsa_analyzer rsa_;
  std::int64_t dropped_ = 0;
  std::int64_t beats_ = 0;
  double last_rr_ms_ = no_value;
  bool last_after_gap_ = false;
  dsp::rr_status last_status_ = dsp::rr_status::accepted;
  double last_push_end_s_ = 0.0;
  bool have_push_ = false;
  double advanced_s_ = 0.0;
  bool have_advanced_ = false;
  double last_beat_s_ = 0.0;
  bool have_beat_ = false;
  std::int64_t next_tick_ = 0;  // next tick at last_beat_s_ + first_tick_s + next_tick_ * tick_s
};

}  // namespace resonant::engine
