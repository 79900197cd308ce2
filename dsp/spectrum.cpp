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

double band_power(const spectrum& s, double lo_hz, double hi_hz, band_rule rule) {
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
