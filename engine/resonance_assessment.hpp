#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "dsp/rr_event.hpp"
#include "engine/pacer.hpp"

namespace resonant::engine {

// The stepped protocol.
//   rates_bpm  paced rates in order, default 6.5, 6.0, 5.5, 5.0, 4.5 (Lehrer 2000; Shaffer &
//              Meehan 2020); each 3-10/min
//   step_s     length of each step, default 120 s
//   settle_s   discarded at the start of each step while the rhythm entrains, default 30 s
//              (Vaschillo: entrainment to a new rate takes ~30-60 s)
//   weights    of the criteria in Shaffer & Meehan's priority order: phase synchrony, HR
//              peak-to-trough, LF power, LF peak power. Published protocols give an order, not
//              weights; these (0.35, 0.30, 0.20, 0.15) are ours and follow the order.
struct resonance_assessment_config {
  std::vector<double> rates_bpm{6.5, 6.0, 5.5, 5.0, 4.5};
  double step_s = 120.0;
  double settle_s = 30.0;
  double weight_sync = 0.35;
  double weight_rsa = 0.30;
  double weight_lf = 0.20;
  double weight_lf_peak = 0.15;
};

// One row of the table. Values are NaN when the step had too little clean data.
struct resonance_step {
  double rate_bpm = 0.0;
  double start_s = 0.0;
  double end_s = 0.0;
  std::size_t beats = 0;    // beats used (after the settling time)
  std::size_t breaths = 0;  // complete gap-free breaths in the RSA mean
  double rsa_bpm = std::numeric_limits<double>::quiet_NaN();       // mean HR max - min per breath
  double lf_power_ms2 = std::numeric_limits<double>::quiet_NaN();  // 0.04-0.15 Hz, Lomb-Scargle
  double lf_peak_hz = std::numeric_limits<double>::quiet_NaN();
  double lf_peak_ms2 = std::numeric_limits<double>::quiet_NaN();    // within +-0.015 Hz of peak
  double breath_locked = std::numeric_limits<double>::quiet_NaN();  // R^2 of HR on the breath
  double phase_lag_deg = std::numeric_limits<double>::quiet_NaN();  // + = HR leads the lungs
  double sync = std::numeric_limits<double>::quiet_NaN();   // breath_locked * (1 + cos lag) / 2
  double score = std::numeric_limits<double>::quiet_NaN();  // weighted, 0..1
  bool valid = false;
};

struct resonance_result {
  std::vector<resonance_step> steps;
  std::size_t chosen = std::numeric_limits<std::size_t>::max();  // index into steps, or max
  double chosen_rate_bpm = std::numeric_limits<double>::quiet_NaN();
};

// Resonance-frequency assessment: paces a series of rates and scores each on how strongly and
// how synchronously the heart rhythm follows the breath; the best score is the resonance rate.
//
// Algorithm, per step, on the beats after the settling time:
//  - RSA: for every complete breath (between two breath starts of the pacer, no gap, >= 3 beats)
//    the instantaneous HR max - min; the mean over breaths (Lehrer's peak-to-trough criterion).
//  - LF: Lomb-Scargle of the RR series (ms), power in 0.04-0.15 Hz and in +-0.015 Hz around the
//    LF peak.
//  - Synchrony: least squares of HR on [1, t, cos 2 pi c, sin 2 pi c] with c the pacer's breath
//    count at each beat; breath_locked = share of the detrended HR variance the breath-locked
//    sinusoid explains; the lag is the phase of HR's breath-frequency component relative to the
//    lung shape's own (same fit on the pacer's lung values), so 0 means HR peaks with full
//    lungs, as at resonance (Vaschillo 2002). sync = breath_locked * (1 + cos lag) / 2.
//  - Score: each criterion divided by its best value over the valid steps, weighted sum.
// The caller paces rate_at(t) (pacer.set_rate at each step start, phase-continuously) and feeds
// every RR event with the pacer (which keeps a history, so late beats are placed correctly).
// Storage for the whole protocol (at up to 220 bpm) is reserved at construction: add_beat is
// noexcept and allocation-free; beats beyond it are counted in dropped_beats(). result()
// allocates and may be called at any time (steps not yet run are invalid).
// Pitfalls: the user may not follow the pacer; with a respiration signal one would check it.
// No rest between steps (the pacer glides from one rate to the next); the settling time covers
// the transition.
class resonance_assessment {
 public:
  // Throws std::invalid_argument for no rates, a rate outside 3-10/min, step_s <= settle_s + 30
  // s, or negative weights.
  explicit resonance_assessment(resonance_assessment_config cfg = {}, double start_s = 0.0);

  [[nodiscard]] double start_s() const noexcept { return start_s_; }
  [[nodiscard]] double duration_s() const noexcept;
  [[nodiscard]] std::size_t steps() const noexcept { return cfg_.rates_bpm.size(); }
  [[nodiscard]] double step_start_s(std::size_t i) const noexcept;
  // Step index at time t (clamped to the first / last step).
  [[nodiscard]] std::size_t step_at(double t_s) const noexcept;
  [[nodiscard]] double rate_at(double t_s) const noexcept;
  [[nodiscard]] bool complete(double t_s) const noexcept { return t_s >= start_s_ + duration_s(); }

  // One RR event and the pacer that was sounding. Each interval's HR (60000 / rr) is placed at
  // the interval's midpoint (end_s - rr/2), where it is centred: placing it at the ending beat
  // would delay HR by half an interval (~15 degrees at 5.5/min).
  void add_beat(const dsp::rr_event& e, const pacer& p) noexcept;
  [[nodiscard]] std::size_t dropped_beats() const noexcept { return dropped_; }

  [[nodiscard]] resonance_result result() const;

 private:
  struct beat {
    double t_s;
    double rr_ms;
    double cycles;
    double lung;
    bool after_gap;
    std::uint32_t step;
  };
  [[nodiscard]] resonance_step analyse_step(std::size_t i) const;

  resonance_assessment_config cfg_;
  double start_s_;
  std::vector<beat> beats_;
  std::size_t dropped_ = 0;
};

}  // namespace resonant::engine
