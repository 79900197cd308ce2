// Burg AR spectrum against an AR(2) process of known spectrum (issue 14's synthetic truth).
#include "dsp/ar_spectrum.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/spectrum.hpp"

namespace resonant::dsp {
namespace {

constexpr double fs = 4.0;

struct ar2 {
  double a1, a2, sigma2;
  // Analytic one-sided PSD of x[n] = a1 x[n-1] + a2 x[n-2] + e[n].
  [[nodiscard]] double psd(double f) const {
    const double w = 2.0 * std::numbers::pi * f / fs;
    const std::complex<double> a = 1.0 - a1 * std::polar(1.0, -w) - a2 * std::polar(1.0, -2.0 * w);
    return 2.0 * sigma2 / (fs * std::norm(a));
  }
  [[nodiscard]] double band(double lo, double hi) const {  // Simpson on 20 000 panels
    const int n = 20000;
    const double h = (hi - lo) / n;
    double s = psd(lo) + psd(hi);
    for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * psd(lo + i * h);
    return s * h / 3.0;
  }
  [[nodiscard]] double variance() const {
    return sigma2 * (1.0 - a2) / ((1.0 + a2) * ((1.0 - a2) * (1.0 - a2) - a1 * a1));
  }
  [[nodiscard]] std::vector<double> simulate(std::size_t n, unsigned seed) const {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> e(0.0, std::sqrt(sigma2));
    std::vector<double> x(n + 1000, 0.0);
    for (std::size_t i = 2; i < x.size(); ++i) x[i] = a1 * x[i - 1] + a2 * x[i - 2] + e(rng);
    x.erase(x.begin(), x.begin() + 1000);  // start-up transient
    double mean = 0.0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(x.size());
    for (double& v : x) v -= mean;
    return x;
  }
};

// Poles at radius 0.9 and 0.1 Hz (an LF oscillation), driving noise 100 ms^2.
ar2 lf_process() {
  const double r = 0.9;
  const double w0 = 2.0 * std::numbers::pi * 0.1 / fs;
  return {2.0 * r * std::cos(w0), -r * r, 100.0};
}

TEST(ar_spectrum, burg_recovers_an_ar2_model) {
  const ar2 p = lf_process();
  const ar_model m = burg(p.simulate(40000, 7), 2);
  ASSERT_EQ(m.a.size(), 3U);
  EXPECT_NEAR(-m.a[1], p.a1, 0.01);
  EXPECT_NEAR(-m.a[2], p.a2, 0.01);
  EXPECT_NEAR(m.sigma2, p.sigma2, 0.03 * p.sigma2);
}

TEST(ar_spectrum, burg_band_powers_within_5_percent_of_the_analytic_spectrum) {
  const ar2 p = lf_process();
  const std::vector<double> x = p.simulate(100000, 11);
  for (std::size_t order : {2U, 16U}) {
    const ar_model m = burg(x, order);
    std::vector<double> grid;
    for (int k = 0; k <= 2000; ++k) grid.push_back(k * 0.5 / 2000.0);
    const spectrum s = ar_psd(m, fs, grid);
    for (auto [lo, hi] : {std::pair{0.0, 0.04}, {0.04, 0.15}, {0.15, 0.4}}) {
      const double est = band_power(s, lo, hi, band_rule::trapezoid_edges);
      const double truth = p.band(lo, hi);
      EXPECT_NEAR(est, truth, 0.05 * truth) << "order " << order << " band " << lo << "-" << hi;
    }
  }
}

TEST(ar_spectrum, factorised_components_hold_the_process_variance) {
  const ar2 p = lf_process();
  const ar_model m = burg(p.simulate(100000, 3), 2);
  const std::vector<ar_component> c = ar_components(m, fs);
  ASSERT_EQ(c.size(), 1U);  // one conjugate pair
  EXPECT_NEAR(c[0].freq_hz, 0.1, 0.002);
  EXPECT_NEAR(c[0].power, p.variance(), 0.05 * p.variance());
}

TEST(ar_spectrum, components_sum_to_the_model_variance_at_order_16) {
  const ar2 p = lf_process();
  const std::vector<double> x = p.simulate(20000, 5);
  const ar_model m = burg(x, 16);
  double total = 0.0;
  for (const ar_component& c : ar_components(m, fs)) total += c.power;
  std::vector<double> grid;
  for (int k = 0; k <= 20000; ++k) grid.push_back(k * 2.0 / 20000.0);
  const spectrum s = ar_psd(m, fs, grid);
  const double integral = band_power(s, 0.0, 2.0, band_rule::trapezoid_edges);
  EXPECT_NEAR(total, integral, 1e-3 * integral);
}

TEST(ar_spectrum, polynomial_roots_of_a_known_cubic) {
  // (z - 0.5)(z^2 - z + 0.5): roots 0.5 and 0.5 +- 0.5i.
  const std::vector<double> c{1.0, -1.5, 1.0, -0.25};
  auto r = polynomial_roots(c);
  ASSERT_EQ(r.size(), 3U);
  int found = 0;
  for (auto want : {std::complex<double>(0.5, 0.0), {0.5, 0.5}, {0.5, -0.5}}) {
    for (auto z : r) found += std::abs(z - want) < 1e-10 ? 1 : 0;
  }
  EXPECT_EQ(found, 3);
}

TEST(ar_spectrum, bad_arguments_throw) {
  const std::vector<double> x(10, 1.0);
  EXPECT_THROW((void)burg(x, 0), std::invalid_argument);
  EXPECT_THROW((void)burg(x, 10), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
