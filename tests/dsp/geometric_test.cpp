#include "dsp/geometric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

constexpr double bin = 7.8125;  // 1/128 s

// Intervals that fill bins first_bin, first_bin + 1, ... with the given counts, each value
// placed at its bin centre.
std::vector<double> from_histogram(int first_bin, const std::vector<int>& counts) {
  std::vector<double> out;
  for (std::size_t b = 0; b < counts.size(); ++b) {
    for (int c = 0; c < counts[b]; ++c) {
      out.push_back((first_bin + static_cast<double>(b) + 0.5) * bin);
    }
  }
  return out;
}

// A histogram that is exactly the triangle sampled at the bin centres: apex 15 at bin 2, zero at
// edge 0 on the left (slope 6 per bin) and at edge 10 on the right (slope 2 per bin).
const std::vector<int> triangle{3, 9, 15, 13, 11, 9, 7, 5, 3, 1};

TEST(Geometric, ExactTriangleGivesItsOwnWidth) {
  const auto g = geometric(from_histogram(100, triangle), bin);
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->tinn_ms, 10 * bin);
  EXPECT_DOUBLE_EQ(g->hti, 76.0 / 15.0);
  // The triangle itself, for the report's plot: zeros at edges 100 and 110, apex at the centre
  // of bin 102 with the mode's count.
  EXPECT_DOUBLE_EQ(g->n_ms, 100 * bin);
  EXPECT_DOUBLE_EQ(g->m_ms, 110 * bin);
  EXPECT_DOUBLE_EQ(g->mode_ms, 102.5 * bin);
  EXPECT_DOUBLE_EQ(g->mode_count, 15.0);
}

// An isolated interval four bins left of the triangle: it stays outside the best triangle, whose
// left zero is then an interior edge of the histogram.
TEST(Geometric, OutlierBinLeavesTheTriangleAlone) {
  std::vector<int> counts{1, 0, 0, 0};
  counts.insert(counts.end(), triangle.begin(), triangle.end());
  const auto g = geometric(from_histogram(90, counts), bin);
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->tinn_ms, 10 * bin);
  EXPECT_DOUBLE_EQ(g->hti, 77.0 / 15.0);
}

// Bin k is [k bin, (k + 1) bin): a value on an edge belongs to the bin above it.
TEST(Geometric, BinsAreClosedOnTheLeft) {
  const std::vector<double> rr{100 * bin, 101 * bin - 1e-9, 101 * bin, 102 * bin - 1e-9,
                               102 * bin - 2e-9};
  const auto g = geometric(rr, bin);
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->hti, 5.0 / 3.0);  // counts 2, 3
}

// Obviously-correct TINN: every (N, M) edge pair, the full squared error over all bins.
// Returns, for the chosen width, the smallest error among pairs of that width, and the global
// minimum, so ties between equally good triangles of different widths do not matter.
struct oracle_result {
  double best_error;
  double error_at_width;
};

oracle_result brute_tinn(const std::vector<double>& rr, double tinn_ms) {
  long k_min = std::numeric_limits<long>::max();
  long k_max = std::numeric_limits<long>::min();
  for (double v : rr) {
    const auto k = static_cast<long>(std::floor(v / bin));
    k_min = std::min(k_min, k);
    k_max = std::max(k_max, k);
  }
  const auto bins = static_cast<std::size_t>(k_max - k_min + 1);
  std::vector<double> d(bins, 0.0);
  for (double v : rr) d[static_cast<std::size_t>(static_cast<long>(std::floor(v / bin)) - k_min)]++;
  std::size_t mode = 0;
  for (std::size_t b = 1; b < bins; ++b) {
    if (d[b] > d[mode]) mode = b;
  }
  const double apex = (static_cast<double>(mode) + 0.5) * bin;
  oracle_result out{std::numeric_limits<double>::infinity(),
                    std::numeric_limits<double>::infinity()};
  for (std::size_t jn = 0; jn <= mode; ++jn) {
    for (std::size_t jm = mode + 1; jm <= bins; ++jm) {
      const double n_edge = static_cast<double>(jn) * bin;
      const double m_edge = static_cast<double>(jm) * bin;
      double e = 0.0;
      for (std::size_t b = 0; b < bins; ++b) {
        const double c = (static_cast<double>(b) + 0.5) * bin;
        double q = 0.0;
        if (c > n_edge && c <= apex) q = d[mode] * (c - n_edge) / (apex - n_edge);
        if (c > apex && c < m_edge) q = d[mode] * (m_edge - c) / (m_edge - apex);
        e += (d[b] - q) * (d[b] - q);
      }
      out.best_error = std::min(out.best_error, e);
      if (std::abs(m_edge - n_edge - tinn_ms) < 1e-6)
        out.error_at_width = std::min(out.error_at_width, e);
    }
  }
  return out;
}

TEST(Geometric, TinnMatchesExhaustiveSearch) {
  std::mt19937_64 gen(7);
  for (int trial = 0; trial < 30; ++trial) {
    std::normal_distribution<double> main(850.0, 20.0 + 5.0 * trial);
    std::normal_distribution<double> second(1000.0, 40.0);
    std::vector<double> rr;
    const int n = 50 + 40 * trial;
    for (int i = 0; i < n; ++i) rr.push_back(i % 7 == 0 ? second(gen) : main(gen));
    const auto g = geometric(rr, bin);
    ASSERT_TRUE(g);
    EXPECT_DOUBLE_EQ(
        g->hti, static_cast<double>(n) / [&] {
          std::vector<int> counts(4000, 0);
          int top = 0;
          for (double v : rr) top = std::max(top, ++counts[static_cast<std::size_t>(v / bin)]);
          return static_cast<double>(top);
        }());
    const oracle_result o = brute_tinn(rr, g->tinn_ms);
    EXPECT_NEAR(o.error_at_width, o.best_error, 1e-9 * (1.0 + o.best_error)) << trial;
  }
}

TEST(Geometric, DegenerateInputs) {
  EXPECT_FALSE(geometric(std::vector<double>{}, bin));
  const auto one = geometric(std::vector<double>{800.0}, bin);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->hti, 1.0);
  EXPECT_DOUBLE_EQ(one->tinn_ms, bin);  // the narrowest triangle: the mode bin's own edges
  EXPECT_THROW(geometric(std::vector<double>{800.0}, 0.0), std::invalid_argument);
  EXPECT_THROW(geometric(std::vector<double>{std::nan("")}, bin), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
