#pragma once

#include <span>

#include "spectrum.hpp"

namespace resonant::dsp {

// Lomb-Scargle periodogram of unevenly sampled data (Lomb 1976, Scargle 1982), computed with
// the fast extirpolation + FFT method of Press & Rybicki (1989, ApJ 338:277), O(n log n),
// with the series mean removed. The grid is f_k = k / (T * oversampling), k = 1.., up to
// max_hz, with T the time span. The density is scaled so that its integral over (0, mean
// Nyquist] equals the variance of the series: a sinusoid of amplitude A gives band power A^2/2.
struct lomb_config {
  double oversampling = 4.0;
  double max_hz = 0.5;
};

spectrum lomb_scargle_psd(std::span<const double> t_s, std::span<const double> y,
                          const lomb_config& cfg);

}  // namespace resonant::dsp
