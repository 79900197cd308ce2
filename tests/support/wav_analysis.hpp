#pragma once

// Measurements of a session's rendered sound (mono samples) for the "guided by sound" tests:
// short-window loudness and the longest quiet stretch, a two-band energy split, and the onset
// of the breathing cue found from the sound alone. Tone amplitudes and the pitch track are in
// support/cue_analysis.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

#include "support/cue_analysis.hpp"

namespace resonant::test {

// RMS of x[from_s, to_s) in dBFS (a full-scale sine is -3 dBFS).
inline double rms_dbfs(const std::vector<float>& x, double fs, double from_s, double to_s) {
  const auto a = std::min(x.size(), static_cast<std::size_t>(std::max(0.0, from_s) * fs));
  const auto b = std::min(x.size(), static_cast<std::size_t>(std::max(0.0, to_s) * fs));
  if (b <= a) return -300.0;
  double s = 0.0;
  for (std::size_t i = a; i < b; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return 10.0 * std::log10(s / static_cast<double>(b - a) + 1e-30);
}

struct quiet_stretch {
  double start_s = 0.0;
  double length_s = 0.0;
};

// The longest run of consecutive window_s windows whose RMS is below threshold_dbfs.
inline quiet_stretch longest_quiet(const std::vector<float>& x, double fs, double window_s,
                                   double threshold_dbfs) {
  const track r = rms_track(x, fs, window_s);
  const double threshold = std::pow(10.0, threshold_dbfs / 20.0);
  quiet_stretch best;
  std::size_t run = 0;
  for (std::size_t k = 0; k < r.value.size(); ++k) {
    run = r.value[k] < threshold ? run + 1 : 0;
    const double len = static_cast<double>(run) * window_s;
    if (len > best.length_s) best = {static_cast<double>(k + 1 - run) * window_s, len};
  }
  return best;
}

// Energy above split_hz over energy below it in x[from_s, to_s), through second-order
// Butterworth high- and low-pass filters (RBJ biquads, 12 dB per octave).
inline double high_low_ratio(const std::vector<float>& x, double fs, double from_s, double to_s,
                             double split_hz) {
  const double w = 2.0 * std::numbers::pi * split_hz / fs;
  const double alpha = std::sin(w) / std::numbers::sqrt2;  // Q = 1 / sqrt(2)
  const double c = std::cos(w);
  const double a0 = 1.0 + alpha;
  const double a1 = -2.0 * c / a0;
  const double a2 = (1.0 - alpha) / a0;
  struct biquad {
    double b0, b1, b2, a1, a2, z1 = 0.0, z2 = 0.0;
    double step(double v) {
      const double y = b0 * v + z1;
      z1 = b1 * v - a1 * y + z2;
      z2 = b2 * v - a2 * y;
      return y;
    }
  };
  biquad lo{(1.0 - c) / 2.0 / a0, (1.0 - c) / a0, (1.0 - c) / 2.0 / a0, a1, a2};
  biquad hi{(1.0 + c) / 2.0 / a0, -(1.0 + c) / a0, (1.0 + c) / 2.0 / a0, a1, a2};
  const auto a = static_cast<std::size_t>(from_s * fs);
  const auto b = std::min(x.size(), static_cast<std::size_t>(to_s * fs));
  double el = 0.0;
  double eh = 0.0;
  for (std::size_t i = a; i < b; ++i) {
    const double l = lo.step(x[i]);
    const double h = hi.step(x[i]);
    if (i >= a + static_cast<std::size_t>(0.1 * fs)) {  // past the filters' start-up
      el += l * l;
      eh += h * h;
    }
  }
  return eh / (el + 1e-30);
}

// The onset of the breathing cue, from the sound: the first time after skip_s at which the
// pitch (zero crossings, 20 ms blocks) stays inside [lo_hz, hi_hz] for hold_s. Only a steady
// tone in that range does this (noise and chords cross zero irregularly). NaN if never.
inline double cue_onset(const std::vector<float>& x, double fs, double skip_s, double lo_hz,
                        double hi_hz, double hold_s = 1.0) {
  const track p = pitch_track(x, fs, 0.02);
  const auto need = static_cast<std::size_t>(hold_s / p.dt_s);
  std::size_t run = 0;
  for (std::size_t k = 0; k < p.value.size(); ++k) {
    const double t = static_cast<double>(k) * p.dt_s;
    const bool in = t >= skip_s && p.value[k] >= lo_hz && p.value[k] <= hi_hz;
    run = in ? run + 1 : 0;
    if (run >= need) return static_cast<double>(k + 1 - run) * p.dt_s;
  }
  return std::nan("");
}

}  // namespace resonant::test
