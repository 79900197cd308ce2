#pragma once

// Measurements of a rendered breathing cue (mono samples), shared by the synthesiser, WAV and
// PortAudio tests. The cue is a harmonic tone whose pitch is base * 2^(lung * semis / 12) and
// whose amplitude is proportional to 0.55 + 0.45 lung; these helpers recover the lung shape
// from the sound alone and time its crossings.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace resonant::test {

// Amplitude of the tone at hz in x[from_s, to_s) (x sampled at fs): one Hann-windowed DFT bin,
// scaled so that a steady sine of amplitude A reads A.
inline double tone_amplitude(const std::vector<float>& x, double fs, double hz, double from_s,
                             double to_s) {
  const auto a = static_cast<std::size_t>(from_s * fs);
  const auto b = std::min(x.size(), static_cast<std::size_t>(to_s * fs));
  const double w = 2.0 * std::numbers::pi * hz / fs;
  double re = 0.0;
  double im = 0.0;
  double wsum = 0.0;
  for (std::size_t i = a; i < b; ++i) {
    const double win = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i - a) /
                                            static_cast<double>(b - a));
    re += win * static_cast<double>(x[i]) * std::cos(w * static_cast<double>(i));
    im -= win * static_cast<double>(x[i]) * std::sin(w * static_cast<double>(i));
    wsum += win;
  }
  return 2.0 * std::hypot(re, im) / wsum;
}

struct track {
  double dt_s = 0.0;          // block length
  std::vector<double> value;  // one value per block, centred at (k + 0.5) dt
};

// Fundamental frequency per block from interpolated upward zero crossings (the cue's partials
// are weak enough that there is exactly one upward crossing per period). NaN for a block with
// fewer than two crossings.
inline track pitch_track(const std::vector<float>& x, double fs, double block_s) {
  track t;
  t.dt_s = block_s;
  const auto block = static_cast<std::size_t>(block_s * fs);
  for (std::size_t b = 0; b + block <= x.size(); b += block) {
    double first = -1.0;
    double last = -1.0;
    int n = 0;
    for (std::size_t i = b + 1; i < b + block; ++i) {
      if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
        const double frac = static_cast<double>(-x[i - 1]) / static_cast<double>(x[i] - x[i - 1]);
        const double tc = (static_cast<double>(i - 1) + frac) / fs;
        if (first < 0.0) first = tc;
        last = tc;
        ++n;
      }
    }
    t.value.push_back(n >= 2 ? (n - 1) / (last - first) : std::nan(""));
  }
  return t;
}

// RMS per block.
inline track rms_track(const std::vector<float>& x, double fs, double block_s) {
  track t;
  t.dt_s = block_s;
  const auto block = static_cast<std::size_t>(block_s * fs);
  for (std::size_t b = 0; b + block <= x.size(); b += block) {
    double s = 0.0;
    for (std::size_t i = b; i < b + block; ++i)
      s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    t.value.push_back(std::sqrt(s / static_cast<double>(block)));
  }
  return t;
}

// The lung shape implied by a pitch track: log2(f / base) * 12 / semis.
inline track lung_from_pitch(const track& pitch, double base_hz, double semis) {
  track t = pitch;
  for (double& v : t.value) v = std::log2(v / base_hz) * 12.0 / semis;
  return t;
}

// Times at which the track crosses `level` upwards (rising) or downwards, linearly
// interpolated, ignoring blocks before skip_s. With hysteresis h, a crossing counts only after
// the track has been at least h on the other side of the level since the previous one (ripple
// on a slow envelope does not double-count).
inline std::vector<double> crossings(const track& t, double level, bool rising, double skip_s,
                                     double hysteresis = 0.0) {
  std::vector<double> out;
  bool armed = true;
  for (std::size_t k = 1; k < t.value.size(); ++k) {
    const double a = t.value[k - 1];
    const double b = t.value[k];
    if (!std::isfinite(a) || !std::isfinite(b)) continue;
    const double ta = (static_cast<double>(k - 1) + 0.5) * t.dt_s;
    if (ta < skip_s) continue;
    if (rising ? b < level - hysteresis : b > level + hysteresis) armed = true;
    const bool hit = rising ? (a < level && b >= level) : (a > level && b <= level);
    if (hit && armed) {
      out.push_back(ta + (level - a) / (b - a) * t.dt_s);
      armed = hysteresis <= 0.0;
    }
  }
  return out;
}

// Mean period between the first and the last crossing.
inline double mean_period(const std::vector<double>& c) {
  if (c.size() < 2) return std::nan("");
  return (c.back() - c.front()) / static_cast<double>(c.size() - 1);
}

// Inhale share from the 10 %-90 % rise and fall times of a lung-like track normalised to its
// own range: for the raised-cosine shapes both are the same fraction (0.590) of their phase,
// so rise / (rise + fall) is the inhale share of the breathing time.
inline double inhale_share(const track& t, double skip_s) {
  double lo = 1e300;
  double hi = -1e300;
  for (std::size_t k = 0; k < t.value.size(); ++k) {
    if ((static_cast<double>(k) + 0.5) * t.dt_s < skip_s || !std::isfinite(t.value[k])) continue;
    lo = std::min(lo, t.value[k]);
    hi = std::max(hi, t.value[k]);
  }
  const double l10 = lo + 0.1 * (hi - lo);
  const double l90 = lo + 0.9 * (hi - lo);
  const auto r10 = crossings(t, l10, true, skip_s);
  const auto r90 = crossings(t, l90, true, skip_s);
  const auto f90 = crossings(t, l90, false, skip_s);
  const auto f10 = crossings(t, l10, false, skip_s);
  // Pair each rise 10->90 and each fall 90->10.
  double rise = 0.0;
  double fall = 0.0;
  int nr = 0;
  int nf = 0;
  for (const double a : r10) {
    const auto it = std::lower_bound(r90.begin(), r90.end(), a);
    if (it != r90.end()) {
      rise += *it - a;
      ++nr;
    }
  }
  for (const double a : f90) {
    const auto it = std::lower_bound(f10.begin(), f10.end(), a);
    if (it != f10.end()) {
      fall += *it - a;
      ++nf;
    }
  }
  if (nr == 0 || nf == 0) return std::nan("");
  rise /= nr;
  fall /= nf;
  return rise / (rise + fall);
}

}  // namespace resonant::test
