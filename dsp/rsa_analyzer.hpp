#pragma once

#include <cstddef>
#include <vector>

#include "biquad.hpp"
#include "rr_event.hpp"

namespace resonant::dsp {

// Parameters of the RSA analyzer. Checked by the constructor (std::invalid_argument):
// resample_hz > 2 band_high_hz, 0 < band_low_hz < band_high_hz, 0 < min_cycle_s <
// max_cycle_s, order 1..4, settle_s >= 0, average_cycles >= 1, hold_s > 0,
// 0 <= hysteresis < 1, max_beat_gap_s > 0.
struct rsa_analyzer_config {
  double resample_hz = 4.0;   // instantaneous HR resampled on this grid (linear)
  double band_low_hz = 0.05;  // breathing band for finding cycles: 3 .. 30 breaths/min
  double band_high_hz = 0.5;
  int order = 2;             // Butterworth band-pass order (2 = 4 poles)
  double min_cycle_s = 2.0;  // accepted breath cycle lengths (30 .. 3 breaths/min)
  double max_cycle_s = 20.0;
  double settle_s = 5.0;           // after a (re)start no cycle ends before this
  std::size_t average_cycles = 3;  // values average the last cycles ...
  double hold_s = 30.0;            // ... that ended within this time; NaN when none did
  // A cycle boundary needs the filtered HR to have gone below -h and above +h since the
  // previous one, h = hysteresis x its running RMS (10 s time constant): noise riding on a
  // zero crossing does not split a breath.
  double hysteresis = 0.3;
  double max_beat_gap_s = 3.0;  // beats further apart restart the analysis (a dropout)
};

struct rsa_values {
  double rsa_bpm;             // mean peak-to-trough HR swing of the recent cycles
  double breathing_rate_bpm;  // 60 / mean length of the same cycles (breaths per minute)
  std::size_t cycles;         // how many cycles the values average (0: both NaN)
};

// Respiratory sinus arrhythmia amplitude and breathing rate from the heart rhythm alone.
//
// Algorithm: the instantaneous heart rate 60000 / RR (placed at each interval's end) is
// linearly interpolated onto a uniform resample_hz grid (absolute grid times k / fs); a
// Butterworth band-pass over the breathing band (0.05-0.5 Hz) extracts the respiratory
// oscillation. Each upward zero crossing of the filtered HR (time interpolated between grid
// samples, with hysteresis) ends one breath cycle and starts the next. A cycle of accepted
// length gives the RSA amplitude = max - min of the UNFILTERED interpolated HR over the
// cycle (peak-to-trough swing per breath, the time-domain family of OpenHRV / Every Breath
// You Take / Lehrer's peak-trough method, but per full breath in bpm) and the breath length.
// The filter is only used to find the cycles: its phase delay shifts the cycle boundaries,
// which does not change the max - min over one full period of a periodic swing.
// Reference: Lehrer, Vaschillo & Vaschillo 2000 (peak-to-trough HR per breath as the RSA
// measure during resonance breathing); ../shared/notes/biofeedback.md sections 0 and 1.1.
// Update rule: per interval O(resample_hz x RR) filter steps (about 4), values from a ring of
// the last average_cycles cycles; evaluate(t) reports those that ended in (t - hold_s, t].
// Latency: a cycle is known at its ending crossing, about one breath plus the band-pass
// group delay (~2 s at 0.1 Hz) after its start; values refer to breaths 0-hold_s old.
// Gaps: an after_gap interval or beats further apart than max_beat_gap_s restart the grid
// and the filter (settled to the new HR so it does not ring); no cycle spans a gap.
// Memory fixed at construction; push/evaluate never allocate and never throw.
// Pitfalls: beat sampling limits fast breathing: at HR 60 and 15 breaths/min there are 4
// beats per breath, so peaks are missed and the swing is under-estimated (the RR interval
// itself averages HR over one beat); the wide band also passes Mayer waves (~0.1 Hz) during
// spontaneous breathing, which can merge or split cycles. Uncorrected ectopic beats add
// large false swings: feed it the artefact stage's output.
class rsa_analyzer {
 public:
  explicit rsa_analyzer(const rsa_analyzer_config& cfg);

  void push(const rr_event& e) noexcept;
  [[nodiscard]] rsa_values evaluate(double time_s) const noexcept;
  void reset() noexcept;

  [[nodiscard]] const rsa_analyzer_config& config() const noexcept { return cfg_; }
  [[nodiscard]] std::size_t cycles_found() const noexcept { return cycles_found_; }

 private:
  struct cycle {
    double end_s;
    double length_s;
    double swing_bpm;
  };
  void restart(double time_s, double hr_bpm) noexcept;
  void sample(double time_s, double hr_bpm) noexcept;

  rsa_analyzer_config cfg_;
  biquad_cascade filter_;
  std::vector<cycle> cycles_;  // ring of average_cycles
  std::size_t cycles_head_ = 0;
  std::size_t cycles_size_ = 0;
  std::size_t cycles_found_ = 0;
  bool started_ = false;
  double last_time_s_ = 0.0;  // previous beat
  double last_hr_ = 0.0;
  long long next_k_ = 0;  // next grid index
  double start_s_ = 0.0;  // (re)start time
  double prev_y_ = 0.0;
  double prev_t_ = 0.0;
  bool have_prev_ = false;
  double power_ = 0.0;  // running mean of y^2
  bool low_seen_ = false;
  bool high_seen_ = false;
  bool have_crossing_ = false;
  double crossing_s_ = 0.0;
  double hr_max_ = 0.0;
  double hr_min_ = 0.0;
};

}  // namespace resonant::dsp
