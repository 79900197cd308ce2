#include "dsp/beat_intervals.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace resonant::dsp {
namespace {

beat_event beat(std::int64_t sample, double offset = 0.0, signal_flag flag = signal_flag::ok) {
  beat_event b;
  b.sample = sample;
  b.offset = offset;
  b.quality = 1.0;
  b.flag = flag;
  return b;
}

TEST(beat_intervals, intervals_use_sub_sample_times) {
  const std::vector<beat_event> beats{beat(100, 0.25), beat(350, -0.25), beat(610)};
  const rr_series rr = intervals_from_beats(beats, 250.0);
  ASSERT_EQ(rr.size(), 2U);
  EXPECT_DOUBLE_EQ(rr.rr_ms[0], (349.75 - 100.25) / 250.0 * 1000.0);
  EXPECT_DOUBLE_EQ(rr.rr_ms[1], (610.0 - 349.75) / 250.0 * 1000.0);
  EXPECT_DOUBLE_EQ(rr.end_s[0], rr.rr_ms[0] / 1000.0);
  EXPECT_DOUBLE_EQ(rr.end_s[1], (610.0 - 100.25) / 250.0);
  EXPECT_EQ(rr.after_gap[0] + rr.after_gap[1], 0);
}

TEST(beat_intervals, lost_signal_beats_break_the_series_into_runs) {
  const std::vector<beat_event> beats{beat(0),   beat(100), beat(200, 0.0, signal_flag::flat),
                                      beat(300), beat(400), beat(500, 0.0, signal_flag::noisy)};
  const rr_series rr = intervals_from_beats(beats, 100.0);
  // 0-100 kept; 100-200 and 200-300 touch the flat beat; 300-400 after a gap; 400-500 kept.
  ASSERT_EQ(rr.size(), 3U);
  EXPECT_DOUBLE_EQ(rr.rr_ms[0], 1000.0);
  EXPECT_EQ(rr.after_gap[1], 1);
  EXPECT_DOUBLE_EQ(rr.end_s[1], 4.0);  // the time axis spans the gap
  EXPECT_EQ(rr.after_gap[2], 0);
}

TEST(beat_intervals, fewer_than_two_beats_give_an_empty_series) {
  EXPECT_TRUE(intervals_from_beats({}, 100.0).empty());
  const std::vector<beat_event> one{beat(5)};
  EXPECT_TRUE(intervals_from_beats(one, 100.0).empty());
  EXPECT_THROW(intervals_from_beats(one, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
