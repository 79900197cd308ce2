#include "engine/feedback_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace {

using resonant::engine::feedback_metric;
using resonant::engine::feedback_score;
using resonant::engine::feedback_score_config;
using resonant::engine::feedback_update;
using resonant::engine::metric_snapshot;

metric_snapshot beat_at(double t, double rsa_bpm, double coherence = resonant::engine::no_value) {
  metric_snapshot m;
  m.time_s = t;
  m.beat = true;
  m.rsa_bpm = rsa_bpm;
  m.coherence = coherence;
  m.missing_pct = 0.0;
  return m;
}

double hill(double r) {
  return r * r * r / (8.0 + r * r * r);
}  // K = 2, n = 3

TEST(feedback_score, hill_map_of_the_ratio_smoothed_on_the_breath_scale) {
  feedback_score f;
  f.set_baseline(4.0, resonant::engine::no_value);
  feedback_update u;
  for (int t = 0; t <= 60; ++t) u = f.update(beat_at(t, 4.0));
  EXPECT_TRUE(u.ready);
  EXPECT_NEAR(u.score, hill(1.0), 1e-12);  // 0.111 at baseline
  for (int t = 61; t <= 70; ++t) u = f.update(beat_at(t, 8.0));
  // A step to twice the baseline reaches 1 - 1/e of the way after the 10 s time constant.
  EXPECT_NEAR(u.score, hill(1.0) + (hill(2.0) - hill(1.0)) * (1.0 - std::exp(-1.0)), 1e-9);
  for (int t = 71; t <= 200; ++t) u = f.update(beat_at(t, 8.0));
  EXPECT_NEAR(u.score, 0.5, 1e-4);
  EXPECT_NEAR(f.map_ratio(4.0), 64.0 / 72.0, 1e-12);
}

TEST(feedback_score, learns_the_baseline_from_the_first_minute) {
  feedback_score f;
  feedback_update u;
  for (int t = 0; t <= 60; ++t) {
    u = f.update(beat_at(t, 4.0 + (t % 3)));  // 4, 5, 6: mean 5
    EXPECT_FALSE(u.ready) << t;
    EXPECT_EQ(u.score, 0.0);
  }
  for (int t = 61; t <= 300; ++t) u = f.update(beat_at(t, 10.0));
  EXPECT_TRUE(u.ready);
  EXPECT_NEAR(f.baseline_rsa_bpm(), 5.0, 0.02);
  EXPECT_NEAR(u.score, f.map_ratio(10.0 / f.baseline_rsa_bpm()), 1e-6);
}

TEST(feedback_score, levels_have_hysteresis_and_a_held_level_is_rewarded_once) {
  feedback_score_config cfg;
  cfg.smoothing_s = 0.001;  // follow the input: this test is about levels
  feedback_score f(cfg);
  f.set_baseline(1.0, resonant::engine::no_value);
  // ratio 2.2 -> score 0.571: level 2
  int ups = 0, reached = 0, downs = 0;
  double reached_at = -1.0;
  for (int t = 0; t <= 40; ++t) {
    const auto u = f.update(beat_at(t, 2.2));
    ups += u.level_up;
    downs += u.level_down;
    if (u.level_reached) {
      ++reached;
      reached_at = t;
    }
  }
  EXPECT_EQ(f.level(), 2);
  EXPECT_EQ(ups, 1);
  EXPECT_EQ(reached, 1);
  EXPECT_DOUBLE_EQ(reached_at, 15.0);
  // Slightly below the level-2 threshold (0.5) but within the hysteresis: stays at 2.
  for (int t = 41; t <= 50; ++t) downs += f.update(beat_at(t, 1.95)).level_down;  // 0.48
  EXPECT_EQ(f.level(), 2);
  EXPECT_EQ(downs, 0);
  for (int t = 51; t <= 60; ++t) downs += f.update(beat_at(t, 1.7)).level_down;  // 0.38
  EXPECT_EQ(f.level(), 1);
  EXPECT_EQ(downs, 1);
  // Back up: held again, rewarded again.
  for (int t = 61; t <= 90; ++t) reached += f.update(beat_at(t, 2.2)).level_reached;
  EXPECT_EQ(reached, 2);
}

TEST(feedback_score, lost_signal_freezes_the_score_until_beats_return) {
  feedback_score f;
  f.set_baseline(4.0, resonant::engine::no_value);
  for (int t = 0; t <= 30; ++t) f.update(beat_at(t, 8.0));
  const double held = f.score();
  int lost = 0, found = 0;
  for (int t = 31; t <= 45; ++t) {
    metric_snapshot tick = beat_at(t, resonant::engine::no_value);
    tick.beat = false;
    const auto u = f.update(tick);
    lost += u.signal_lost;
    EXPECT_EQ(u.signal_ok, t <= 35) << t;  // 5 s without a beat
  }
  EXPECT_EQ(lost, 1);
  EXPECT_DOUBLE_EQ(f.score(), held);
  const auto u = f.update(beat_at(46, 8.0));
  found += u.signal_found;
  EXPECT_EQ(found, 1);
  EXPECT_TRUE(u.signal_ok);
  // A window mostly missing also counts as lost.
  metric_snapshot gappy = beat_at(47, 8.0);
  gappy.missing_pct = 70.0;
  EXPECT_TRUE(f.update(gappy).signal_lost);
}

TEST(feedback_score, coherence_and_blend) {
  feedback_score_config cfg;
  cfg.metric = feedback_metric::coherence;
  feedback_score c(cfg);
  c.set_baseline(resonant::engine::no_value, 0.5);
  EXPECT_NEAR(c.update(beat_at(0, 100.0, 1.0)).score, hill(2.0), 1e-12);  // RSA ignored

  cfg.metric = feedback_metric::blend;
  feedback_score b(cfg);
  b.set_baseline(2.0, 0.5);
  EXPECT_NEAR(b.update(beat_at(0, 8.0, 0.5)).score, 0.5 * (hill(4.0) + hill(1.0)), 1e-12);
  // Coherence not yet known: the RSA score alone.
  feedback_score b2(cfg);
  b2.set_baseline(2.0, 0.5);
  EXPECT_NEAR(b2.update(beat_at(0, 8.0)).score, hill(4.0), 1e-12);
}

TEST(feedback_score, rejects_bad_constants) {
  feedback_score_config cfg;
  cfg.smoothing_s = 0.0;
  EXPECT_THROW(feedback_score{cfg}, std::invalid_argument);
  cfg = {};
  cfg.level_thresholds = {0.5, 0.4, 0.9};
  EXPECT_THROW(feedback_score{cfg}, std::invalid_argument);
}

}  // namespace
