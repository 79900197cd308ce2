#include "dsp/nonlinear.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace resonant::dsp {
namespace {

std::vector<double> load_rr(const std::string& name) {
  const std::string path = std::string(RESONANT_DATA_DIR) + "/reference/rr/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<double> out;
  double v = 0.0;
  while (in >> v) out.push_back(v);
  return out;
}

double sd(const std::vector<double>& v, int ddof) {
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - static_cast<std::size_t>(ddof)));
}

std::vector<double> white_noise(std::size_t n, std::uint64_t seed, double sigma = 1.0) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> dist(0.0, sigma);
  std::vector<double> out(n);
  for (double& v : out) v = dist(gen);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Poincare
// ---------------------------------------------------------------------------------------------

// Golden values: data/reference/reference.json, file pyhrv_nni_short, metrics SD1_ms / SD2_ms
// (nk.hrv_nonlinear of NeuroKit2 0.2.12 -> ddof 1; pyhrv.nonlinear.poincare of pyHRV 0.4.1 and
// HeartPy 1.2.8 -> ddof 0). Tolerance 1e-9 ms (same formula, only rounding differs).
TEST(Poincare, MatchesNeuroKit2AndPyhrvOnSampleSeries) {
  const rr_series rr = rr_series::from_intervals(load_rr("pyhrv_nni_short.txt"));
  ASSERT_EQ(rr.size(), 337u);
  const auto nk = poincare(rr, 1);
  ASSERT_TRUE(nk);
  EXPECT_NEAR(nk->sd1_ms, 71.7371950627611, 1e-9);
  EXPECT_NEAR(nk->sd2_ms, 114.95631178970295, 1e-9);
  const auto pyhrv = poincare(rr, 0);
  ASSERT_TRUE(pyhrv);
  EXPECT_NEAR(pyhrv->sd1_ms, 71.63036373757002, 1e-9);
  EXPECT_NEAR(pyhrv->sd2_ms, 114.78511837857461, 1e-9);
}

// hrv-analysis 1.0.3 reports SD2 = 114.7478214915318 on the same series: it is
// sqrt(2 SDNN^2 - SD1^2) with ddof 1, not the rotated-axis SD. The exact identity is
// SD1^2 + SD2^2 = var(rr[0..N-2]) + var(rr[1..N-1]); check it holds and that hrv-analysis'
// shortcut is what produces its number.
TEST(Poincare, Sd2IdentityExplainsHrvAnalysisValue) {
  const std::vector<double> x = load_rr("pyhrv_nni_short.txt");
  const auto p = poincare(rr_series::from_intervals(x), 1);
  ASSERT_TRUE(p);
  const std::vector<double> head(x.begin(), x.end() - 1);
  const std::vector<double> tail(x.begin() + 1, x.end());
  const double sum_var = sd(head, 1) * sd(head, 1) + sd(tail, 1) * sd(tail, 1);
  EXPECT_NEAR(p->sd1_ms * p->sd1_ms + p->sd2_ms * p->sd2_ms, sum_var, 1e-8);
  const double sdnn = sd(x, 1);
  EXPECT_NEAR(std::sqrt(2.0 * sdnn * sdnn - p->sd1_ms * p->sd1_ms), 114.7478214915318, 1e-9);
}

// Alternating 800, 900, ...: the differences are +-100 (as many of each), every sum 1700, so
// with ddof 0 SD1 = 100 / sqrt 2 and SD2 = 0 exactly.
TEST(Poincare, AlternatingSeriesHasAnalyticDescriptors) {
  std::vector<double> x;
  for (int i = 0; i < 101; ++i) x.push_back(i % 2 == 0 ? 800.0 : 900.0);  // 50 + 50 pairs
  const auto p = poincare(rr_series::from_intervals(x), 0);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->sd1_ms, 100.0 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(p->sd2_ms, 0.0, 1e-9);
}

// Two alternating runs at different levels, joined by a gap: the pair that would straddle the
// gap (a jump of 400 ms) must be left out, so the result equals the pooled in-run pairs.
TEST(Poincare, PairsAcrossGapsAreExcluded) {
  rr_series rr;
  std::vector<double> u;
  std::vector<double> v;
  double t = 0.0;
  auto add = [&](double value, bool gap) {
    t += value / 1000.0;
    if (!gap && !rr.empty()) {
      u.push_back((value - rr.rr_ms.back()) / std::sqrt(2.0));
      v.push_back((value + rr.rr_ms.back()) / std::sqrt(2.0));
    }
    rr.push_back(value, t, gap);
  };
  for (int i = 0; i < 20; ++i) add(i % 2 == 0 ? 800.0 : 840.0, false);
  for (int i = 0; i < 30; ++i) add(i % 3 == 0 ? 1200.0 : 1230.0, i == 0);
  ASSERT_EQ(u.size(), 48u);
  for (int ddof : {0, 1}) {
    const auto p = poincare(rr, ddof);
    ASSERT_TRUE(p);
    EXPECT_NEAR(p->sd1_ms, sd(u, ddof), 1e-9);
    EXPECT_NEAR(p->sd2_ms, sd(v, ddof), 1e-9);
  }
}

TEST(Poincare, TooFewPairsAndBadArguments) {
  const rr_series two = rr_series::from_intervals(std::vector<double>{800.0, 900.0});
  EXPECT_FALSE(poincare(two, 1));  // one pair, ddof 1
  const auto one_pair = poincare(two, 0);
  ASSERT_TRUE(one_pair);
  EXPECT_EQ(one_pair->sd1_ms, 0.0);
  EXPECT_FALSE(poincare(rr_series{}, 0));
  EXPECT_THROW(poincare(two, -1), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// DFA
// ---------------------------------------------------------------------------------------------

// Obviously-correct F(n): profile, then per box an explicit centred least-squares line and the
// residuals summed one by one.
double naive_fluctuation(const std::vector<double>& x, std::size_t n) {
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  std::vector<double> y(x.size());
  double acc = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = acc += x[i] - mean;
  const std::size_t boxes = x.size() / n;
  double ss = 0.0;
  for (std::size_t b = 0; b < boxes; ++b) {
    const double* yb = y.data() + b * n;
    const double t_mean = static_cast<double>(n - 1) / 2.0;
    double y_mean = 0.0;
    for (std::size_t k = 0; k < n; ++k) y_mean += yb[k];
    y_mean /= static_cast<double>(n);
    double sty = 0.0;
    double stt = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      const double tc = static_cast<double>(k) - t_mean;
      sty += tc * (yb[k] - y_mean);
      stt += tc * tc;
    }
    const double slope = sty / stt;
    for (std::size_t k = 0; k < n; ++k) {
      const double fit = y_mean + slope * (static_cast<double>(k) - t_mean);
      ss += (yb[k] - fit) * (yb[k] - fit);
    }
  }
  return std::sqrt(ss / static_cast<double>(boxes * n));
}

double naive_alpha(const std::vector<double>& x, std::size_t n_min, std::size_t n_max) {
  std::vector<double> lx;
  std::vector<double> ly;
  for (std::size_t n = n_min; n <= n_max; ++n) {
    lx.push_back(std::log(static_cast<double>(n)));
    ly.push_back(std::log(naive_fluctuation(x, n)));
  }
  double mx = 0.0;
  double my = 0.0;
  for (std::size_t k = 0; k < lx.size(); ++k) {
    mx += lx[k] / static_cast<double>(lx.size());
    my += ly[k] / static_cast<double>(lx.size());
  }
  double sxy = 0.0;
  double sxx = 0.0;
  for (std::size_t k = 0; k < lx.size(); ++k) {
    sxy += (lx[k] - mx) * (ly[k] - my);
    sxx += (lx[k] - mx) * (lx[k] - mx);
  }
  return sxy / sxx;
}

// RR-like series: ~1000 ms, a slow drift of several hundred ms and beat-to-beat noise. The
// drift makes the profile wander far from zero, the case where prefix sums lose precision.
std::vector<double> drifting_rr(std::size_t n, std::uint64_t seed) {
  std::vector<double> x = white_noise(n, seed, 40.0);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] += 900.0 + 300.0 * std::sin(6.0 * static_cast<double>(i) / static_cast<double>(n));
  }
  return x;
}

TEST(Dfa, FluctuationEqualsNaiveBoxFit) {
  const std::vector<double> x = drifting_rr(1000, 11);
  for (std::size_t n : {3u, 4u, 5u, 7u, 16u, 33u, 64u, 250u, 1000u}) {
    const auto f = dfa_fluctuation(x, n);
    ASSERT_TRUE(f) << n;
    EXPECT_NEAR(*f, naive_fluctuation(x, n), 1e-9 * naive_fluctuation(x, n)) << n;
  }
}

// 100 000 samples with a drift: the re-based prefix sums still agree with the direct fit.
TEST(Dfa, FluctuationStaysExactOnLongDriftingSeries) {
  const std::vector<double> x = drifting_rr(100000, 12);
  for (std::size_t n : {4u, 16u, 64u}) {
    const auto f = dfa_fluctuation(x, n);
    ASSERT_TRUE(f) << n;
    EXPECT_NEAR(*f, naive_fluctuation(x, n), 1e-9 * naive_fluctuation(x, n)) << n;
  }
}

// dfa_alpha re-bases every n_max samples, so smaller boxes straddle two blocks: the slope must
// still equal the one regressed from the naive F(n).
TEST(Dfa, AlphaEqualsRegressionOfNaiveFluctuations) {
  const std::vector<double> x = drifting_rr(3000, 13);
  for (auto [lo, hi] : {std::pair<std::size_t, std::size_t>{4, 16}, {16, 64}, {5, 37}}) {
    const auto a = dfa_alpha(x, lo, hi);
    ASSERT_TRUE(a);
    const double expected = naive_alpha(x, lo, hi);
    EXPECT_NEAR(*a, expected, 1e-9 * std::abs(expected)) << lo << ".." << hi;
  }
}

// For white noise of variance s^2 the expected squared fluctuation of first-order DFA is
// s^2 (n^2 - 4) / (15 n) (the residual variance of a least-squares line through n steps of a
// random walk; n = 3 gives 1/9). Sampling error on 200 000 samples is ~1 % at n = 64.
TEST(Dfa, WhiteNoiseFluctuationMatchesTheory) {
  const std::vector<double> x = white_noise(200000, 21, 2.0);
  for (std::size_t n : {3u, 4u, 8u, 16u, 64u}) {
    const auto f = dfa_fluctuation(x, n);
    ASSERT_TRUE(f);
    const double nn = static_cast<double>(n);
    const double expected = 4.0 * (nn * nn - 4.0) / (15.0 * nn);
    EXPECT_NEAR(*f * *f / expected, 1.0, 0.03) << n;
  }
}

// Scales 16..64 where the small-box bias of DFA (white noise gives ~0.59 on 4..16) is small.
TEST(Dfa, WhiteNoiseAndRandomWalkExponents) {
  const std::vector<double> w = white_noise(10000, 31);
  const auto a_white = dfa_alpha(w, 16, 64);
  ASSERT_TRUE(a_white);
  EXPECT_NEAR(*a_white, 0.5, 0.05);
  std::vector<double> walk(w.size());
  double acc = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) walk[i] = acc += w[i];
  const auto a_walk = dfa_alpha(walk, 16, 64);
  ASSERT_TRUE(a_walk);
  EXPECT_NEAR(*a_walk, 1.5, 0.05);
}

TEST(Dfa, DegenerateInputs) {
  const std::vector<double> x = white_noise(100, 41);
  EXPECT_FALSE(dfa_alpha(x, 4, 51));  // fewer than two boxes of 51
  EXPECT_TRUE(dfa_alpha(x, 4, 50));
  EXPECT_FALSE(dfa_alpha(x, 16, 16));
  EXPECT_FALSE(dfa_alpha(x, 16, 8));
  EXPECT_THROW(dfa_alpha(x, 2, 16), std::invalid_argument);
  EXPECT_THROW(dfa_fluctuation(x, 2), std::invalid_argument);
  EXPECT_FALSE(dfa_fluctuation(x, 101));
  const std::vector<double> constant(100, 800.0);
  EXPECT_FALSE(dfa_alpha(constant, 4, 16));
}

// ---------------------------------------------------------------------------------------------
// Sample entropy
// ---------------------------------------------------------------------------------------------

// The definition, O(N^2): starts 0 .. N - m - 1, Chebyshev distance <= r.
template_matches brute_counts(const std::vector<double>& x, std::size_t m, double r) {
  template_matches c{0, 0};
  if (x.size() <= m + 1) return c;
  const std::size_t starts = x.size() - m;
  for (std::size_t i = 0; i < starts; ++i) {
    for (std::size_t j = i + 1; j < starts; ++j) {
      double dist = 0.0;
      for (std::size_t k = 0; k < m; ++k) dist = std::max(dist, std::abs(x[i + k] - x[j + k]));
      if (dist > r) continue;
      ++c.b;
      if (std::max(dist, std::abs(x[i + m] - x[j + m])) <= r) ++c.a;
    }
  }
  return c;
}

std::vector<double> small_integers(std::size_t n, int range, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int> dist(0, range - 1);
  std::vector<double> out(n);
  for (double& v : out) v = dist(gen);
  return out;
}

// Many ties and differences exactly equal to r: the <= boundary and equal first coordinates.
TEST(SampleEntropy, FastCountsEqualBruteForceWithTies) {
  std::uint64_t seed = 100;
  for (std::size_t n : {3u, 4u, 5u, 10u, 57u, 400u, 2000u}) {
    for (int range : {2, 5, 20}) {
      const std::vector<double> x = small_integers(n, range, seed++);
      for (double r : {0.0, 1.0, 2.0, 3.5}) {
        const template_matches fast = sample_entropy_counts(x, 2, r);
        const template_matches slow = brute_counts(x, 2, r);
        EXPECT_EQ(fast.a, slow.a) << n << " " << range << " " << r;
        EXPECT_EQ(fast.b, slow.b) << n << " " << range << " " << r;
      }
    }
  }
}

// Continuous RR-like values in ms, r = 0.2 SD and others; the same rounded to 0.1 ms; and values
// on a 7.8125 ms grid (128 Hz beat times) whose differences hit r exactly. N = 3000 has more
// than 1024 distinct values (sparse 2-D tree), the others fewer (dense tree).
TEST(SampleEntropy, FastCountsEqualBruteForceOnContinuousValues) {
  std::uint64_t seed = 200;
  for (std::size_t n : {50u, 500u, 3000u}) {
    const std::vector<double> x = drifting_rr(n, seed++);
    std::vector<double> grid(x);
    for (double& v : grid) v = std::round(v / 7.8125) * 7.8125;
    std::vector<double> fine(x);  // > 1024 distinct values but still ties: the sparse tree
    for (double& v : fine) v = std::round(v * 10.0) / 10.0;
    for (double k : {0.1, 0.2, 0.5}) {
      const double r = k * sd(x, 1);
      const template_matches fast = sample_entropy_counts(x, 2, r);
      const template_matches slow = brute_counts(x, 2, r);
      EXPECT_EQ(fast.a, slow.a) << n << " " << k;
      EXPECT_EQ(fast.b, slow.b) << n << " " << k;
      const template_matches fast_fine = sample_entropy_counts(fine, 2, r);
      const template_matches slow_fine = brute_counts(fine, 2, r);
      EXPECT_EQ(fast_fine.a, slow_fine.a) << n << " fine " << k;
      EXPECT_EQ(fast_fine.b, slow_fine.b) << n << " fine " << k;
    }
    for (double r : {7.8125, 15.625, 31.25}) {
      const template_matches fast = sample_entropy_counts(grid, 2, r);
      const template_matches slow = brute_counts(grid, 2, r);
      EXPECT_EQ(fast.a, slow.a) << n << " grid " << r;
      EXPECT_EQ(fast.b, slow.b) << n << " grid " << r;
    }
  }
}

TEST(SampleEntropy, OtherTemplateLengthsEqualBruteForce) {
  const std::vector<double> ints = small_integers(300, 4, 300);
  const std::vector<double> cont = drifting_rr(300, 301);
  for (std::size_t m : {1u, 3u, 4u}) {
    const template_matches fi = sample_entropy_counts(ints, static_cast<int>(m), 1.0);
    const template_matches si = brute_counts(ints, m, 1.0);
    EXPECT_EQ(fi.a, si.a) << m;
    EXPECT_EQ(fi.b, si.b) << m;
    const double r = 0.3 * sd(cont, 1);
    const template_matches fc = sample_entropy_counts(cont, static_cast<int>(m), r);
    const template_matches sc = brute_counts(cont, m, r);
    EXPECT_EQ(fc.a, sc.a) << m;
    EXPECT_EQ(fc.b, sc.b) << m;
  }
}

// i.i.d. U(0,1): a template pair matching on m coordinates matches on the next with
// probability P(|u - v| <= r) = 2r - r^2, so SampEn -> -ln(2r - r^2). N = 20 000 gives
// ~2e6 B pairs at r = 0.1; the statistical error is well below 1 %.
TEST(SampleEntropy, UniformNoiseMatchesTheory) {
  std::mt19937_64 gen(400);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  std::vector<double> x(20000);
  for (double& v : x) v = dist(gen);
  for (double r : {0.1, 0.2}) {
    const auto s = sample_entropy(x, 2, r);
    ASSERT_TRUE(s);
    const double expected = -std::log(2.0 * r - r * r);
    EXPECT_NEAR(*s / expected, 1.0, 0.03) << r;
  }
}

TEST(SampleEntropy, DegenerateInputs) {
  const std::vector<double> x{1.0, 2.0, 3.0};
  const template_matches c = sample_entropy_counts(x, 2, 10.0);
  EXPECT_EQ(c.a, 0u);
  EXPECT_EQ(c.b, 0u);
  EXPECT_FALSE(sample_entropy(x, 2, 10.0));
  // Strictly increasing by 10 with r = 1: no template matches at all.
  std::vector<double> ramp(50);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = 10.0 * static_cast<double>(i);
  EXPECT_FALSE(sample_entropy(ramp, 2, 1.0));
  // A constant series: every pair matches at both lengths, SampEn = 0.
  const std::vector<double> flat(30, 5.0);
  const auto s = sample_entropy(flat, 2, 0.0);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 0.0);
  EXPECT_THROW(sample_entropy(flat, 0, 1.0), std::invalid_argument);
  EXPECT_THROW(sample_entropy(flat, 2, -1.0), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
