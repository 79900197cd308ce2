#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace resonant::dsp {

// Why a stretch of signal is, or is not, usable for HRV.
enum class quality_verdict : std::uint8_t {
  usable,
  too_few_beats,      // fewer than three beats in the window
  rate_out_of_range,  // mean heart rate outside [min_rate_bpm, max_rate_bpm]
  long_pause,         // an interval (or the start / end of the window) longer than max_interval_s
  irregular,          // longest / shortest interval above max_interval_ratio
  shape,              // beats do not resemble each other (template correlation)
};

std::string_view to_string(quality_verdict v) noexcept;

struct signal_quality_config {
  double window_s = 10.0;      // judged in windows of this length (Orphanidou: 10 s)
  double min_rate_bpm = 40.0;  // physiological heart-rate range
  double max_rate_bpm = 180.0;
  double max_interval_s = 3.0;      // no pause longer than this (a missed run of beats, asystole)
  double max_interval_ratio = 2.2;  // longest / shortest interval in the window
  double min_correlation = 0.66;    // mean correlation of the beats with the window's template
  // A single beat correlating below this with its window's template is not usable (its two
  // intervals are left out) even in a usable window. ECG 0.5, PPG 0.7 (this project's choice,
  // measured on NSTDB 118 with synthetic motion noise and the simulated subject; see tests).
  double min_beat_correlation = 0.5;

  // Orphanidou et al. 2015's thresholds: ECG 0.66, PPG 0.86.
  static signal_quality_config ecg() noexcept { return {}; }
  static signal_quality_config ppg() noexcept {
    signal_quality_config c;
    c.min_correlation = 0.86;
    c.min_beat_correlation = 0.7;
    return c;
  }
};

// One judged window: samples [first, last) of the stretch.
struct quality_window {
  std::size_t first = 0;
  std::size_t last = 0;
  std::size_t beats = 0;
  double correlation = 0.0;  // mean correlation of the window's beats with its template; 0: none
  quality_verdict verdict = quality_verdict::usable;

  [[nodiscard]] bool usable() const noexcept { return verdict == quality_verdict::usable; }
};

// Signal-quality index of ECG and PPG by windows, after Orphanidou et al., "Signal-quality
// indices for the electrocardiogram and photoplethysmogram: derivation and applications to
// wireless monitoring", IEEE J Biomed Health Inform 19(3):832-838, 2015. That method decides
// usable / unusable per 10-s window in two steps, the same for ECG and PPG:
//   1. physiological feasibility of the detected beats: mean heart rate 40-180 bpm, no interval
//      over 3 s, longest / shortest interval below 2.2;
//   2. template matching: every beat's segment (one median interval long, centred on the beat)
//      is averaged into the window's template; the mean Pearson correlation of the segments
//      with it must reach 0.66 (ECG) or 0.86 (PPG). This is the adaptive-template SQI of
//      Li & Clifford (Physiol Meas 33:1491, 2012) in the form Orphanidou validated against
//      expert labels (ECG Se 94 % / Sp 97 %, PPG 91 % / 95 %).
// Per beat: each beat's own correlation with its window's template (beat_ok; the detectors'
// beat_event::quality is the same idea against a running template); per stretch: the window
// verdict. A window fails on the first
// rule it breaks, in the order of quality_verdict. The interval rules see every interval that
// ends in the window, the one from the last beat before it included. The time before the first beat
// and after the last beat of the window counts as an interval for the pause rule, so a window whose
// beats all sit at one end (a lost run of beats) fails. Windows: the stretch of n samples is cut
// into max(1, round(n / window)) equal windows, each within 50 % of window_s except a stretch
// shorter than half a window, which is one window. Pitfalls: the rules judge the beats the detector
// found, so a detector that invents regular beats in pure noise passes rule 1 and is caught by rule
// 2 only; a real arrhythmia (pauses, bigeminy) fails rule 1 like noise does — the analysis then
// reports less usable signal, not a wrong number. Offline: allocates the windows and the template;
// the streaming paths do not use it. beat_samples: sample indices of the beats in the stretch,
// increasing. Throws std::invalid_argument on a non-positive rate or window.
struct quality_assessment {
  std::vector<quality_window> windows;
  std::vector<std::uint8_t> beat_ok;  // per beat: 0 when it correlates below min_beat_correlation
};
quality_assessment assess_quality(std::span<const double> x,
                                  std::span<const std::int64_t> beat_samples, double fs_hz,
                                  const signal_quality_config& config);

}  // namespace resonant::dsp
