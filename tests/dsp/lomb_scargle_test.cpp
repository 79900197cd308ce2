#include "dsp/lomb_scargle.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

struct series {
  std::vector<double> t_s;
  std::vector<double> y;
};

// RR-like uneven series over `duration_s`: y = 1000 + 40 sin(2 pi 0.1 t) + 20 sin(2 pi 0.25 t)
// (+ optional white noise) ms sampled at the beat times t, each next beat y later.
series rr_like(double duration_s, double noise_ms, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  series s;
  double t = 0.0;
  while (t < duration_s) {
    const double rr =
        1000.0 + 40.0 * std::sin(two_pi * 0.1 * t) + 20.0 * std::sin(two_pi * 0.25 * t);
    s.t_s.push_back(t);
    s.y.push_back(rr + noise_ms * g(rng));
    t += rr / 1000.0;
  }
  return s;
}

// Direct O(N F) Lomb-Scargle from the textbook formula, scaled as in lomb_scargle.hpp.
std::vector<double> direct_lomb(const series& s, const std::vector<double>& freq) {
  const std::size_t n = s.y.size();
  double mean = 0.0;
  for (const double v : s.y) mean += v;
  mean /= static_cast<double>(n);
  const double span = s.t_s.back() - s.t_s.front();
  std::vector<double> psd;
  for (const double f : freq) {
    const double w = two_pi * f;
    double s2 = 0.0, c2 = 0.0;
    for (const double t : s.t_s) {
      s2 += std::sin(2.0 * w * t);
      c2 += std::cos(2.0 * w * t);
    }
    const double tau = std::atan2(s2, c2) / (2.0 * w);
    double yc = 0.0, ys = 0.0, cc = 0.0, ss = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double c = std::cos(w * (s.t_s[i] - tau));
      const double sn = std::sin(w * (s.t_s[i] - tau));
      yc += (s.y[i] - mean) * c;
      ys += (s.y[i] - mean) * sn;
      cc += c * c;
      ss += sn * sn;
    }
    const double p = 0.5 * (yc * yc / cc + ys * ys / ss);
    psd.push_back(p * 2.0 * span / static_cast<double>(n));
  }
  return psd;
}

// The fast (extirpolation) periodogram against the direct sums. Measured: 1e-9 relative at
// the 0.1 Hz peak, 1.5e-5 at the 0.25 Hz peak, and below 3e-5 of the largest peak anywhere up
// to max_hz (the extirpolation error grows with frequency); asserted 1e-4 relative on bins
// above 10 % of the peak and 1e-4 of the peak everywhere.
TEST(LombScargle, MatchesDirectEvaluation) {
  const series s = rr_like(300.0, 5.0, 3);
  const spectrum fast = lomb_scargle_psd(s.t_s, s.y, lomb_config{});
  const std::vector<double> ref = direct_lomb(s, fast.freq_hz);
  double peak = 0.0;
  for (const double v : ref) peak = std::max(peak, v);
  for (std::size_t k = 0; k < ref.size(); ++k) {
    EXPECT_NEAR(fast.psd[k], ref[k], 1e-4 * peak) << fast.freq_hz[k];
    if (ref[k] > 0.1 * peak) {
      EXPECT_NEAR(fast.psd[k], ref[k], 1e-4 * ref[k]) << fast.freq_hz[k];
    }
  }
}

TEST(LombScargle, FrequencyGrid) {
  const series s = rr_like(300.0, 0.0, 1);
  lomb_config cfg;
  cfg.oversampling = 4.0;
  cfg.max_hz = 0.5;
  const spectrum out = lomb_scargle_psd(s.t_s, s.y, cfg);
  const double span = s.t_s.back() - s.t_s.front();
  const double df = 1.0 / (span * cfg.oversampling);
  ASSERT_EQ(out.freq_hz.size(), static_cast<std::size_t>(std::floor(0.5 / df)));
  for (std::size_t k = 0; k < out.freq_hz.size(); ++k) {
    EXPECT_NEAR(out.freq_hz[k], static_cast<double>(k + 1) * df, 1e-12);
  }
  EXPECT_LE(out.freq_hz.back(), cfg.max_hz);
}

// Synthetic truth: sines of 40 and 20 ms have powers 40^2/2 = 800 and 20^2/2 = 200 ms^2.
TEST(LombScargle, BandPowersOfRrLikeSeries) {
  const series s = rr_like(300.0, 0.0, 1);
  const spectrum out = lomb_scargle_psd(s.t_s, s.y, lomb_config{});
  EXPECT_NEAR(band_power(out, 0.04, 0.15, band_rule::rectangle), 800.0, 0.03 * 800.0);
  EXPECT_NEAR(band_power(out, 0.15, 0.40, band_rule::rectangle), 200.0, 0.03 * 200.0);
  const double df = out.freq_hz.front();
  EXPECT_NEAR(peak_frequency(out, 0.04, 0.15).value(), 0.1, df);
  EXPECT_NEAR(peak_frequency(out, 0.15, 0.40).value(), 0.25, df);
}

TEST(LombScargle, IgnoresTheMean) {
  series s = rr_like(120.0, 3.0, 2);
  const spectrum a = lomb_scargle_psd(s.t_s, s.y, lomb_config{});
  for (double& v : s.y) v += 250.0;
  const spectrum b = lomb_scargle_psd(s.t_s, s.y, lomb_config{});
  ASSERT_EQ(a.psd.size(), b.psd.size());
  double peak = 0.0;
  for (const double v : a.psd) peak = std::max(peak, v);
  for (std::size_t k = 0; k < a.psd.size(); ++k) EXPECT_NEAR(a.psd[k], b.psd[k], 1e-9 * peak);
}

TEST(LombScargle, DegenerateInputs) {
  const std::vector<double> one = {1.0};
  EXPECT_TRUE(lomb_scargle_psd(one, one, lomb_config{}).psd.empty());
  const std::vector<double> t = {0.0, 1.0, 2.0};
  const std::vector<double> y = {1.0, 2.0};
  EXPECT_THROW(lomb_scargle_psd(t, y, lomb_config{}), std::invalid_argument);
  lomb_config bad;
  bad.oversampling = 0.0;
  EXPECT_THROW(lomb_scargle_psd(t, t, bad), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
