// The measures added for Kubios parity (issue 14): ApEn against a brute-force oracle, Kubios'
// SampEn normalisation, the stress index, NNxx / STD HR / Mean HR rule, band integration with
// interpolated edges and MATLAB's hanning window.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "dsp/kubios_indices.hpp"
#include "dsp/nonlinear.hpp"
#include "dsp/spectrum.hpp"
#include "dsp/time_domain.hpp"
#include "dsp/welch.hpp"

namespace resonant::dsp {
namespace {

// Pincus' definition, literally.
double apen_oracle(const std::vector<double>& x, std::size_t m, double r) {
  auto phi = [&](std::size_t len) {
    const std::size_t n = x.size() - len + 1;
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t c = 0;
      for (std::size_t j = 0; j < n; ++j) {
        bool ok = true;
        for (std::size_t k = 0; k < len; ++k) ok = ok && std::abs(x[i + k] - x[j + k]) <= r;
        c += ok ? 1 : 0;
      }
      s += std::log(static_cast<double>(c) / static_cast<double>(n));
    }
    return s / static_cast<double>(n);
  };
  return phi(m) - phi(m + 1);
}

std::vector<double> noisy_rr(std::size_t n, unsigned seed, double quantum) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> e(0.0, 40.0);
  std::vector<double> x(n);
  double ar = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    ar = 0.7 * ar + e(rng);
    x[i] = 800.0 + ar;
    if (quantum > 0.0) x[i] = std::round(x[i] / quantum) * quantum;
  }
  return x;
}

TEST(kubios_measures, apen_equals_the_oracle) {
  for (double quantum : {0.0, 1000.0 / 128.0}) {  // sparse and dense value universes
    for (int m : {1, 2, 3}) {
      const std::vector<double> x = noisy_rr(600, 3, quantum);
      const double r = 0.2 * 50.0;
      const auto fast = approximate_entropy(x, m, r);
      ASSERT_TRUE(fast.has_value());
      EXPECT_NEAR(*fast, apen_oracle(x, static_cast<std::size_t>(m), r), 1e-12)
          << "m " << m << " quantum " << quantum;
    }
  }
}

TEST(kubios_measures, apen_of_a_periodic_series_is_near_zero) {
  std::vector<double> x;
  for (int i = 0; i < 900; ++i) x.push_back(800.0 + 50.0 * (i % 3));
  EXPECT_NEAR(*approximate_entropy(x, 2, 10.0), 0.0, 0.01);
}

TEST(kubios_measures, apen_on_100k_beats_is_fast) {
  const std::vector<double> x = noisy_rr(100000, 9, 1000.0 / 128.0);
  const auto t0 = std::chrono::steady_clock::now();
  const auto v = approximate_entropy(x, 2, 0.2 * 50.0);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ApEn on 100 000 beats: %.3f s\n", s);
  ASSERT_TRUE(v.has_value());
  EXPECT_GT(*v, 0.0);
  EXPECT_LT(s, 10.0);  // the O(N^2) form takes minutes
}

TEST(kubios_measures, kubios_sampen_normalisation) {
  const std::vector<double> x = noisy_rr(400, 5, 0.0);
  const double r = 12.0;
  // Oracle: A over the N - 2 length-3 templates, B over the N - 1 length-2 templates.
  auto pairs = [&](std::size_t len, std::size_t n) {
    double c = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        bool ok = true;
        for (std::size_t k = 0; k < len; ++k) ok = ok && std::abs(x[i + k] - x[j + k]) <= r;
        c += ok ? 1.0 : 0.0;
      }
    }
    return c;
  };
  const double n = static_cast<double>(x.size());
  const double a = pairs(3, x.size() - 2) / ((n - 2) * (n - 3) / 2.0);
  const double b = pairs(2, x.size() - 1) / ((n - 1) * (n - 2) / 2.0);
  EXPECT_NEAR(*sample_entropy_kubios(x, 2, r), -std::log(a / b), 1e-12);
}

TEST(kubios_measures, stress_index_from_a_known_histogram) {
  // 6 of 10 intervals in the 800-850 bin (Mo 0.825 s, AMo 60 %), range 700-1000 ms (0.3 s).
  const std::vector<double> rr{700, 810, 820, 830, 840, 845, 805, 900, 950, 1000};
  const double si = 60.0 / (2.0 * 0.825 * 0.3);
  EXPECT_NEAR(*kubios_stress_index(rr, 50.0), std::sqrt(si), 1e-12);
  EXPECT_FALSE(kubios_stress_index(std::vector<double>{800, 800}, 50.0).has_value());
}

TEST(kubios_measures, nnxx_std_hr_and_mean_hr_rule) {
  const std::vector<double> v{1000, 1030, 990, 1000, 1100};
  time_domain_config c;
  c.nnxx_ms = 25.0;
  c.mean_hr = mean_hr_rule::from_mean_rr;
  const auto r = time_domain(rr_series::from_intervals(v), c);
  EXPECT_EQ(*r.nnxx, 3.0);  // |30|, |40|, |100| > 25; |10| not
  EXPECT_NEAR(*r.pnnxx_pct, 75.0, 1e-12);
  EXPECT_NEAR(*r.mean_hr_bpm, 60000.0 / 1024.0, 1e-12);
  double m = 0.0;
  for (double x : v) m += 60000.0 / x;
  m /= 5.0;
  double ss = 0.0;
  for (double x : v) ss += (60000.0 / x - m) * (60000.0 / x - m);
  EXPECT_NEAR(*r.std_hr_bpm, std::sqrt(ss / 4.0), 1e-12);
  c.mean_hr = mean_hr_rule::mean_of_rates;
  EXPECT_NEAR(*time_domain(rr_series::from_intervals(v), c).mean_hr_bpm, m, 1e-12);
}

TEST(kubios_measures, trapezoid_with_interpolated_edges_integrates_a_line_exactly) {
  spectrum s;
  for (int k = 0; k <= 100; ++k) {
    s.freq_hz.push_back(k * 0.01);
    s.psd.push_back(3.0 + 2.0 * k * 0.01);
  }
  // Integral of 3 + 2f over [0.123, 0.456].
  const double lo = 0.123;
  const double hi = 0.456;
  const double truth = 3.0 * (hi - lo) + (hi * hi - lo * lo);
  EXPECT_NEAR(band_power(s, lo, hi, band_rule::trapezoid_edges), truth, 1e-12);
}

TEST(kubios_measures, matlab_hanning_window_has_no_zero_ends) {
  // With a flat signal of length n and nfft = n, DC power = (sum w)^2 / (fs sum w^2).
  const std::size_t n = 8;
  std::vector<double> x(n, 1.0);
  welch_config c;
  c.fs_hz = 1.0;
  c.segment = n;
  c.overlap = 0;
  c.nfft = n;
  c.window = window_kind::matlab_hanning;
  const spectrum s = welch_psd(x, c);
  double sw = 0.0;
  double sw2 = 0.0;
  for (std::size_t k = 1; k <= n; ++k) {
    const double w = 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * static_cast<double>(k) /
                                           static_cast<double>(n + 1)));
    sw += w;
    sw2 += w * w;
  }
  EXPECT_NEAR(s.psd[0], sw * sw / sw2, 1e-12);
}

}  // namespace
}  // namespace resonant::dsp
