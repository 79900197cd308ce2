#include "dsp/signal_quality.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

constexpr double fs = 100.0;

// A pulse train: a narrow Gaussian bump at every beat (an ECG-like spike), beats given.
std::vector<double> pulses(std::size_t n, const std::vector<std::int64_t>& beats) {
  std::vector<double> x(n, 0.0);
  for (auto b : beats) {
    for (std::int64_t k = -8; k <= 8; ++k) {
      const auto i = b + k;
      if (i >= 0 && i < static_cast<std::int64_t>(n)) {
        x[static_cast<std::size_t>(i)] += std::exp(-0.5 * static_cast<double>(k * k) / 4.0);
      }
    }
  }
  return x;
}

std::vector<std::int64_t> regular(double first_s, double rr_s, double end_s) {
  std::vector<std::int64_t> b;
  for (double t = first_s; t < end_s; t += rr_s) b.push_back(std::llround(t * fs));
  return b;
}

TEST(signal_quality, clean_regular_beats_are_usable) {
  const auto beats = regular(0.4, 0.8, 60.0);
  const auto x = pulses(6000, beats);
  const auto w = assess_quality(x, beats, fs, signal_quality_config::ecg()).windows;
  ASSERT_EQ(w.size(), 6u);
  for (const auto& q : w) {
    EXPECT_TRUE(q.usable()) << to_string(q.verdict);
    EXPECT_GT(q.correlation, 0.99);
    EXPECT_EQ(q.last - q.first, 1000u);
  }
}

TEST(signal_quality, each_rule_fails_its_window) {
  // 0-10 s clean; 10-20 s no beats; 20-30 s at 200 bpm; 30-40 s a 3.5 s pause;
  // 40-50 s alternating 0.5 / 1.2 s intervals; 50-60 s beats at regular times over white noise.
  std::vector<std::int64_t> beats = regular(0.4, 0.8, 10.0);
  for (auto b : regular(20.1, 0.3, 30.0)) beats.push_back(b);
  for (auto b : regular(30.2, 0.8, 33.0)) beats.push_back(b);
  for (auto b : regular(36.5, 0.8, 40.0)) beats.push_back(b);
  for (double t = 40.2; t < 50.0;) {
    beats.push_back(std::llround(t * fs));
    t += beats.size() % 2 == 0 ? 0.5 : 1.2;
  }
  const auto noisy_beats = regular(50.4, 0.8, 60.0);
  std::vector<double> x = pulses(6000, beats);
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t i = 5000; i < 6000; ++i) x[i] = normal(rng);
  for (auto b : noisy_beats) beats.push_back(b);
  const auto w = assess_quality(x, beats, fs, signal_quality_config::ecg()).windows;
  ASSERT_EQ(w.size(), 6u);
  EXPECT_EQ(w[0].verdict, quality_verdict::usable);
  EXPECT_EQ(w[1].verdict, quality_verdict::too_few_beats);
  EXPECT_EQ(w[2].verdict, quality_verdict::rate_out_of_range);
  EXPECT_EQ(w[3].verdict, quality_verdict::long_pause);
  EXPECT_EQ(w[4].verdict, quality_verdict::irregular);
  EXPECT_EQ(w[5].verdict, quality_verdict::shape);
  EXPECT_LT(w[5].correlation, 0.66);
}

TEST(signal_quality, ppg_threshold_is_stricter) {
  // Pulses with moderate noise: their template correlation lies between the ECG (0.66) and
  // PPG (0.86) thresholds.
  const auto beats = regular(0.4, 0.8, 10.0);
  std::vector<double> x = pulses(1000, beats);
  std::mt19937 rng(3);
  std::normal_distribution<double> normal(0.0, 0.15);
  for (double& v : x) v += normal(rng);
  const auto ecg = assess_quality(x, beats, fs, signal_quality_config::ecg()).windows;
  const auto ppg = assess_quality(x, beats, fs, signal_quality_config::ppg()).windows;
  ASSERT_EQ(ecg.size(), 1u);
  EXPECT_GT(ecg[0].correlation, 0.66);
  EXPECT_LT(ecg[0].correlation, 0.86);
  EXPECT_TRUE(ecg[0].usable());
  EXPECT_EQ(ppg[0].verdict, quality_verdict::shape);
}

TEST(signal_quality, short_stretch_is_one_window_and_bad_config_throws) {
  const auto beats = regular(0.4, 0.8, 4.0);
  const auto x = pulses(400, beats);
  EXPECT_EQ(assess_quality(x, beats, fs, signal_quality_config::ecg()).windows.size(), 1u);
  EXPECT_TRUE(assess_quality({}, {}, fs, signal_quality_config::ecg()).windows.empty());
  EXPECT_THROW(assess_quality(x, beats, 0.0, signal_quality_config::ecg()), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
