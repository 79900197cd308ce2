// dsp/resample: the uniform grid of time-stamped waveforms (camera frames, sensor logs).
#include "dsp/resample.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace resonant::dsp {
namespace {

// A straight line sampled at uneven times is reproduced exactly on the grid, which starts at the
// first stamp and ends at or before the last one.
TEST(resample, linear_signal_is_exact_on_the_grid) {
  const std::vector<double> t = {10.0, 10.03, 10.071, 10.1, 10.133, 10.168, 10.2};
  std::vector<double> v;
  for (double x : t) v.push_back(3.0 * x - 7.0);
  EXPECT_EQ(uniform_grid_size(t, 100.0), 21U);  // 10.00 .. 10.20 at 10 ms
  std::vector<double> out = {42.0};             // appended, not replaced
  resample_linear(t, v, 100.0, out);
  ASSERT_EQ(out.size(), 22U);
  EXPECT_EQ(out[0], 42.0);
  for (std::size_t k = 0; k < 21; ++k) {
    EXPECT_NEAR(out[k + 1], 3.0 * (10.0 + static_cast<double>(k) / 100.0) - 7.0, 1e-12) << k;
  }
}

// A grid point that falls on the last stamp up to rounding is kept; beyond it nothing is made up.
TEST(resample, grid_ends_at_or_before_the_last_stamp) {
  const std::vector<double> t = {0.0, 0.1, 0.3};
  EXPECT_EQ(uniform_grid_size(t, 10.0), 4U);
  EXPECT_EQ(uniform_grid_size(std::vector<double>{0.0, 0.29}, 10.0), 3U);
  EXPECT_EQ(uniform_grid_size(std::vector<double>{5.0}, 10.0), 1U);
  std::vector<double> out;
  resample_linear(std::vector<double>{5.0}, std::vector<double>{2.5}, 10.0, out);
  EXPECT_EQ(out, std::vector<double>{2.5});
}

// The median step skips steps that touch a missing value.
TEST(resample, median_step_skips_non_finite_stamps) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NEAR(median_step(std::vector<double>{0.0, 0.033, 0.066, nan, 5.0, 5.034}), 0.033, 1e-12);
  EXPECT_EQ(median_step(std::vector<double>{1.0}), 0.0);
  EXPECT_EQ(median_step(std::vector<double>{}), 0.0);
}

}  // namespace
}  // namespace resonant::dsp
