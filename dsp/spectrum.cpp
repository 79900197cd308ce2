#include "spectrum.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace resonant::dsp {

namespace {

// Index range [first, last) of the bins with lo <= f < hi (the grid is ascending).
struct bin_range {
  std::size_t first;
  std::size_t last;
};

bin_range bins_in(const spectrum& s, double lo_hz, double hi_hz) {
  const auto begin = s.freq_hz.begin();
  const auto first = std::lower_bound(begin, s.freq_hz.end(), lo_hz);
  const auto last = std::lower_bound(first, s.freq_hz.end(), hi_hz);
  return {static_cast<std::size_t>(std::distance(begin, first)),
          static_cast<std::size_t>(std::distance(begin, last))};
}

// Spacing of the (uniform) grid; a one-bin grid f_1 = df (as Lomb-Scargle's) gives f_1.
double grid_spacing(const spectrum& s) {
  const std::size_t n = s.freq_hz.size();
  if (n >= 2) return (s.freq_hz.back() - s.freq_hz.front()) / static_cast<double>(n - 1);
  return n == 1 ? s.freq_hz.front() : 0.0;
}

}  // namespace

namespace {

// PSD at f by linear interpolation (clamped to the grid's ends).
double psd_at(const spectrum& s, double f) {
  const auto it = std::lower_bound(s.freq_hz.begin(), s.freq_hz.end(), f);
  if (it == s.freq_hz.begin()) return s.psd.front();
  if (it == s.freq_hz.end()) return s.psd.back();
  const auto k = static_cast<std::size_t>(std::distance(s.freq_hz.begin(), it));
  const double f0 = s.freq_hz[k - 1];
  const double f1 = s.freq_hz[k];
  return s.psd[k - 1] + (s.psd[k] - s.psd[k - 1]) * (f - f0) / (f1 - f0);
}

}  // namespace

double band_power(const spectrum& s, double lo_hz, double hi_hz, band_rule rule) {
  if (rule == band_rule::trapezoid_edges) {
    if (s.freq_hz.empty() || !(hi_hz > lo_hz)) return 0.0;
    const double lo = std::max(lo_hz, s.freq_hz.front());
    const double hi = std::min(hi_hz, s.freq_hz.back());
    if (!(hi > lo)) return 0.0;
    const auto [first, last] = bins_in(s, lo, hi);
    double prev_f = lo;
    double prev_p = psd_at(s, lo);
    double power = 0.0;
    for (std::size_t i = first; i < last; ++i) {
      if (s.freq_hz[i] <= lo) continue;
      power += 0.5 * (prev_p + s.psd[i]) * (s.freq_hz[i] - prev_f);
      prev_f = s.freq_hz[i];
      prev_p = s.psd[i];
    }
    power += 0.5 * (prev_p + psd_at(s, hi)) * (hi - prev_f);
    return power;
  }
  const auto [first, last] = bins_in(s, lo_hz, hi_hz);
  if (first >= last) return 0.0;
  double power = 0.0;
  if (rule == band_rule::rectangle) {
    for (std::size_t i = first; i < last; ++i) power += s.psd[i];
    return power * grid_spacing(s);
  }
  for (std::size_t i = first + 1; i < last; ++i) {
    power += 0.5 * (s.psd[i - 1] + s.psd[i]) * (s.freq_hz[i] - s.freq_hz[i - 1]);
  }
  return power;
}

std::optional<double> peak_frequency(const spectrum& s, double lo_hz, double hi_hz) {
  const auto [first, last] = bins_in(s, lo_hz, hi_hz);
  if (first >= last) return std::nullopt;
  std::size_t best = first;
  for (std::size_t i = first + 1; i < last; ++i) {
    if (s.psd[i] > s.psd[best]) best = i;
  }
  return s.freq_hz[best];
}

}  // namespace resonant::dsp
