#include "lomb_scargle.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "fft.hpp"

namespace resonant::dsp {

namespace {

// Extirpolation order M (grid cells each sample is spread over) and the minimum number of
// grid cells per period at max_hz (the grid has ndim >= points_per_cycle * nf cells). The
// error of order-M Lagrange extirpolation grows like (f / max_hz)^M. Press & Rybicki used
// M = 4 with 16 cells; M = 10 with 4 cells gives the same accuracy on a 4x smaller FFT.
// Measured against the direct sums on a 300 s RR series: < 3e-5 of the largest peak at any
// frequency up to max_hz, 1e-9 relative at a 0.1 Hz peak, 1.5e-5 at a 0.25 Hz peak.
constexpr std::size_t order = 10;
constexpr std::size_t points_per_cycle = 4;

// Lagrange denominators prod_{q != m} (m - q) for nodes 0 .. order-1.
constexpr std::array<double, order> lagrange_denominators() {
  std::array<double, order> d{};
  for (std::size_t m = 0; m < order; ++m) {
    double p = 1.0;
    for (std::size_t q = 0; q < order; ++q) {
      if (q != m) p *= static_cast<double>(m) - static_cast<double>(q);
    }
    d[m] = p;
  }
  return d;
}

// Adds value * L_m(pos) to the `order` grid cells around pos on a periodic grid of size
// `grid.size()`, L_m the Lagrange basis on those cells: for any function g smooth on the grid
// scale, sum_j grid[j] g(j) approximates value * g(pos) (Press & Rybicki's "extirpolation").
void extirpolate(std::vector<double>& grid, double pos, double value) {
  static constexpr std::array<double, order> denom = lagrange_denominators();
  const auto ndim = static_cast<std::int64_t>(grid.size());
  const auto first =
      static_cast<std::int64_t>(std::floor(pos)) - static_cast<std::int64_t>(order / 2 - 1);
  const double u = pos - static_cast<double>(first);
  std::array<double, order + 1> suffix{};
  suffix[order] = 1.0;
  for (std::size_t q = order; q-- > 0;) suffix[q] = suffix[q + 1] * (u - static_cast<double>(q));
  double prefix = 1.0;
  for (std::size_t m = 0; m < order; ++m) {
    auto idx = first + static_cast<std::int64_t>(m);
    if (idx < 0) idx += ndim;
    if (idx >= ndim) idx -= ndim;
    grid[static_cast<std::size_t>(idx)] += value * prefix * suffix[m + 1] / denom[m];
    prefix *= u - static_cast<double>(m);
  }
}

}  // namespace

// Lomb (1976), Scargle (1982); fast evaluation after Press & Rybicki (1989), ApJ 338:277.
// With h = y - mean(y), w = 2 pi f and tau from tan(2 w tau) = S2 / C2,
//   P(f) = 1/2 [ (sum h cos w(t-tau))^2 / sum cos^2 w(t-tau)
//              + (sum h sin w(t-tau))^2 / sum sin^2 w(t-tau) ],
// which needs only C = sum h cos wt, S = sum h sin wt, C2 = sum cos 2wt, S2 = sum sin 2wt:
//   cos 2w tau = C2 / hypot(C2, S2), sum cos^2 = n/2 + hypot/2, sum sin^2 = n - sum cos^2,
//   sum h cos w(t-tau) = C cos w tau + S sin w tau, sum h sin w(t-tau) = S cos w tau - C sin w tau.
// All four sums for f_k = k df at once: h is extirpolated onto a periodic grid of ndim cells
// at x_i = (t_i - t_min) ndim df and 1 at 2 x_i (mod ndim); the k-th DFT bin of each grid is
// then sum h exp(-i w_k (t - t_min)) and sum exp(-2 i w_k (t - t_min)) (the origin does not
// change P). Density = P * 2 T / n, which makes sum(density) * df the variance of y
// (a sinusoid of amplitude A gives A^2 / 2). Pitfall: the P of an evenly sampled series on the
// Fourier grid is |DFT|^2 / n, so this is the usual one-sided periodogram density there.
spectrum lomb_scargle_psd(std::span<const double> t_s, std::span<const double> y,
                          const lomb_config& cfg) {
  if (t_s.size() != y.size()) throw std::invalid_argument("lomb_scargle_psd: t and y differ");
  if (!(cfg.oversampling > 0.0) || !std::isfinite(cfg.oversampling) || !(cfg.max_hz > 0.0) ||
      !std::isfinite(cfg.max_hz)) {
    throw std::invalid_argument("lomb_scargle_psd: oversampling and max_hz must be positive");
  }
  spectrum out;
  const std::size_t n = t_s.size();
  if (n < 2) return out;
  const auto [tmin_it, tmax_it] = std::minmax_element(t_s.begin(), t_s.end());
  const double t_min = *tmin_it;
  const double span = *tmax_it - t_min;
  if (!(span > 0.0)) return out;

  const double df = 1.0 / (span * cfg.oversampling);
  const auto nf = static_cast<std::size_t>(std::floor(cfg.max_hz / df * (1.0 + 1e-12)));
  if (nf == 0) return out;
  const std::size_t ndim = next_fast_fft_size(std::max(points_per_cycle * nf, 2 * order));

  double mean = 0.0;
  for (const double v : y) mean += v;
  mean /= static_cast<double>(n);

  // One grid and one spectrum buffer serve both sums; C and S are parked in the output.
  std::vector<double> grid(ndim, 0.0);
  real_fft fft(ndim);
  std::vector<std::complex<double>> sums(fft.bins());
  const double cells = static_cast<double>(ndim);
  const double scale = cells * df;
  const auto position = [&](std::size_t i) { return std::fmod((t_s[i] - t_min) * scale, cells); };

  for (std::size_t i = 0; i < n; ++i) extirpolate(grid, position(i), y[i] - mean);
  fft.transform(grid, sums);
  out.freq_hz.resize(nf);
  out.psd.resize(nf);
  for (std::size_t k = 1; k <= nf; ++k) {
    out.psd[k - 1] = sums[k].real();
    out.freq_hz[k - 1] = -sums[k].imag();
  }

  std::fill(grid.begin(), grid.end(), 0.0);
  for (std::size_t i = 0; i < n; ++i) extirpolate(grid, std::fmod(2.0 * position(i), cells), 1.0);
  fft.transform(grid, sums);

  const auto count = static_cast<double>(n);
  const double density_scale = 2.0 * span / count;
  for (std::size_t k = 1; k <= nf; ++k) {
    const double c = out.psd[k - 1];
    const double s = out.freq_hz[k - 1];
    const double c2 = sums[k].real();
    const double s2 = -sums[k].imag();
    const double hypot = std::hypot(c2, s2);
    double cos_wt = 1.0;
    double sin_wt = 0.0;
    if (hypot > 0.0) {
      const double half_cos_2wt = 0.5 * c2 / hypot;
      cos_wt = std::sqrt(std::max(0.0, 0.5 + half_cos_2wt));
      sin_wt = std::copysign(std::sqrt(std::max(0.0, 0.5 - half_cos_2wt)), s2);
    }
    const double cos_sq = std::min(0.5 * (count + hypot), count);
    const double sin_sq = count - cos_sq;
    const double cos_term = c * cos_wt + s * sin_wt;
    const double sin_term = s * cos_wt - c * sin_wt;
    double p = 0.0;
    if (cos_sq > 1e-12 * count) p += cos_term * cos_term / cos_sq;
    if (sin_sq > 1e-12 * count) p += sin_term * sin_term / sin_sq;
    out.freq_hz[k - 1] = static_cast<double>(k) * df;
    out.psd[k - 1] = 0.5 * p * density_scale;
  }
  return out;
}

}  // namespace resonant::dsp
