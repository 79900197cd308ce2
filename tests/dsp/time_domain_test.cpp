#include "dsp/time_domain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsp/range_gate.hpp"

namespace resonant::dsp {
namespace {

TEST(time_domain, hand_computed_series) {
  // Intervals 800, 850, 790, 900, 880: differences +50, -60, +110, -20.
  const std::vector<double> v{800, 850, 790, 900, 880};
  const rr_series rr = rr_series::from_intervals(v);
  const time_domain_result r = time_domain(rr, {});
  EXPECT_DOUBLE_EQ(*r.mean_nn_ms, 844.0);
  // Squared deviations: 1936 + 36 + 2916 + 3136 + 1296 = 9320, ddof 1 -> 2330.
  EXPECT_DOUBLE_EQ(*r.sdnn_ms, std::sqrt(2330.0));
  EXPECT_DOUBLE_EQ(*r.rmssd_ms, std::sqrt((2500.0 + 3600.0 + 12100.0 + 400.0) / 4.0));
  EXPECT_DOUBLE_EQ(*r.pnn50_pct, 50.0);  // |60| and |110| exceed 50 (50 itself does not)
  EXPECT_DOUBLE_EQ(*r.pnn20_pct, 75.0);  // 50, 60, 110 exceed 20 (20 itself does not)
  EXPECT_DOUBLE_EQ(*r.cvnn, *r.sdnn_ms / 844.0);
  const double mean_d = (50.0 - 60.0 + 110.0 - 20.0) / 4.0;
  double ss = 0;
  for (double d : {50.0, -60.0, 110.0, -20.0}) ss += (d - mean_d) * (d - mean_d);
  EXPECT_DOUBLE_EQ(*r.sdsd_ms, std::sqrt(ss / 3.0));
  EXPECT_FALSE(r.sdann_ms.has_value());  // 4.2 s, far below 15 min
}

TEST(time_domain, pnn_denominators_and_ddof) {
  const std::vector<double> v{800, 850, 790, 900, 880};
  time_domain_config nk;
  nk.pnn = pnn_denominator::intervals;
  nk.sdnn_ddof = 0;
  const time_domain_result r = time_domain(rr_series::from_intervals(v), nk);
  EXPECT_DOUBLE_EQ(*r.pnn50_pct, 40.0);  // 2 of 5 intervals
  EXPECT_DOUBLE_EQ(*r.sdnn_ms, std::sqrt(9320.0 / 5.0));
}

TEST(time_domain, heart_rate_uses_five_beat_average_for_extremes) {
  std::vector<double> v(20, 1000.0);
  v[10] = 500.0;  // a single fast beat
  const time_domain_result r = time_domain(rr_series::from_intervals(v), {});
  EXPECT_NEAR(*r.max_hr_bpm, (4 * 60.0 + 120.0) / 5.0, 1e-12);
  EXPECT_NEAR(*r.min_hr_bpm, 60.0, 1e-12);
  EXPECT_NEAR(*r.mean_hr_bpm, (19 * 60.0 + 120.0) / 20.0, 1e-12);
}

TEST(time_domain, differences_never_span_a_gap) {
  rr_series rr = rr_series::from_intervals(std::vector<double>{800, 820, 1000, 1010});
  rr.after_gap[2] = 1;  // 820 -> 1000 is not a successive difference
  const time_domain_result r = time_domain(rr, {});
  EXPECT_DOUBLE_EQ(*r.rmssd_ms, std::sqrt((400.0 + 100.0) / 2.0));
  EXPECT_DOUBLE_EQ(*r.pnn20_pct, 0.0);
}

TEST(time_domain, too_short_series_give_nulls_not_numbers) {
  const time_domain_result empty = time_domain(rr_series{}, {});
  EXPECT_FALSE(empty.mean_nn_ms.has_value());
  const time_domain_result one =
      time_domain(rr_series::from_intervals(std::vector<double>{900}), {});
  EXPECT_DOUBLE_EQ(*one.mean_nn_ms, 900.0);
  EXPECT_FALSE(one.sdnn_ms.has_value());
  EXPECT_FALSE(one.rmssd_ms.has_value());
  EXPECT_DOUBLE_EQ(*one.mean_hr_bpm, 60000.0 / 900.0);
}

TEST(time_domain, sdann_and_sdnn_index_over_five_minute_segments) {
  // Three complete 5-minute segments with constant but different intervals, then a partial
  // fourth that must be ignored: segment means 1000, 800, 600 ms, each SD 0.
  std::vector<double> v;
  for (int i = 0; i < 300; ++i) v.push_back(1000.0);
  for (int i = 0; i < 375; ++i) v.push_back(800.0);
  for (int i = 0; i < 500; ++i) v.push_back(600.0);
  for (int i = 0; i < 100; ++i) v.push_back(700.0);
  const time_domain_result r = time_domain(rr_series::from_intervals(v), {});
  ASSERT_TRUE(r.sdann_ms.has_value());
  EXPECT_NEAR(*r.sdann_ms, 200.0, 1e-9);  // SD (ddof 1) of 1000, 800, 600
  EXPECT_NEAR(*r.sdnni_ms, 0.0, 1e-9);
}

TEST(range_gate, removes_impossible_intervals_and_marks_gaps) {
  const rr_series rr =
      rr_series::from_intervals(std::vector<double>{100, 800, 810, 9000, 820, 830, 3000});
  const range_gate_result g = apply_range_gate(rr, {});
  EXPECT_EQ(g.removed, 3U);
  ASSERT_EQ(g.kept.size(), 4U);
  EXPECT_EQ(g.kept.after_gap[0], 0);  // nothing kept before it
  EXPECT_EQ(g.kept.after_gap[1], 0);
  EXPECT_EQ(g.kept.after_gap[2], 1);  // 9000 ms removed before 820
  EXPECT_EQ(g.kept.after_gap[3], 0);
  // The axis was built from the values, so the removed 100 and 9000 ms are fake time.
  EXPECT_NEAR(g.kept.end_s[2], rr.end_s[4] - 0.1 - 9.0, 1e-12);
  EXPECT_NEAR(g.kept.end_s[3], 0.8 + 0.81 + 0.82 + 0.83, 1e-12);
}

TEST(range_gate, a_measured_time_axis_is_kept) {
  // Beat times from a time column: the 4000 ms value is a glitch, the clock says 0.9 s passed.
  rr_series rr = rr_series::from_intervals(std::vector<double>{800, 810, 900, 820});
  rr.rr_ms[2] = 4000.0;
  const range_gate_result g = apply_range_gate(rr, {});
  ASSERT_EQ(g.kept.size(), 3U);
  EXPECT_DOUBLE_EQ(g.kept.end_s[2], rr.end_s[3]);
  EXPECT_EQ(g.kept.after_gap[2], 1);
}

}  // namespace
}  // namespace resonant::dsp
