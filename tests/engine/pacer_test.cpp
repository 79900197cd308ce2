#include "engine/pacer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace {

using resonant::engine::breath_pattern;
using resonant::engine::breath_phase;
using resonant::engine::pacer;

TEST(pacer, default_is_six_per_minute_with_a_four_second_inhale) {
  const pacer p;
  EXPECT_DOUBLE_EQ(p.period_s(), 10.0);
  EXPECT_EQ(p.at(0.0).phase, breath_phase::inhale);
  EXPECT_EQ(p.at(3.99).phase, breath_phase::inhale);
  EXPECT_EQ(p.at(4.01).phase, breath_phase::exhale);
  EXPECT_EQ(p.at(9.99).phase, breath_phase::exhale);
  EXPECT_EQ(p.at(10.01).phase, breath_phase::inhale);
  EXPECT_NEAR(p.at(2.0).lung, 0.5, 1e-12);  // half way up the raised cosine
  EXPECT_NEAR(p.at(4.0).lung, 1.0, 1e-12);
  EXPECT_NEAR(p.at(7.0).lung, 0.5, 1e-12);
  EXPECT_NEAR(p.at(25.0).cycles, 2.5, 1e-12);
  EXPECT_DOUBLE_EQ(p.at(2.0).phase_duration_s, 4.0);
  EXPECT_DOUBLE_EQ(p.at(5.0).phase_duration_s, 6.0);
}

TEST(pacer, rate_change_is_phase_continuous) {
  pacer p;
  const double t_change = 13.7;  // mid-inhale of the second breath
  const auto before = p.at(t_change);
  p.set_rate(4.5, t_change);
  const auto after = p.at(t_change);
  EXPECT_DOUBLE_EQ(after.cycles, before.cycles);
  EXPECT_DOUBLE_EQ(after.lung, before.lung);
  EXPECT_EQ(after.phase, before.phase);
  // The count then advances at the new rate.
  EXPECT_NEAR(p.at(t_change + 60.0).cycles - before.cycles, 4.5, 1e-9);
  // The past is unchanged: history answers queries before the change.
  EXPECT_NEAR(p.at(5.0).cycles, 0.5, 1e-12);
  // Sampled densely across many changes, the lung shape never jumps more than its slope allows.
  pacer q;
  double prev = q.at(0.0).lung;
  const double dt = 0.001;
  double max_step = 0.0;
  for (int i = 1; i < 120000; ++i) {
    const double t = i * dt;
    if (i % 7919 == 0) q.set_rate(3.0 + std::fmod(i * 0.37, 7.0), t);
    const double l = q.at(t).lung;
    max_step = std::max(max_step, std::abs(l - prev));
    prev = l;
  }
  // Steepest raised cosine: inhale of 2 s at 10/min -> pi/2 / 2 s * dt.
  EXPECT_LT(max_step, 1.6 / 2.0 * dt * 1.05);
}

TEST(pacer, ratio_and_hold_changes_keep_the_lung_shape_continuous) {
  pacer p;
  const double t = 21.0;  // inhale of the third breath (20-24 s)
  const auto before = p.at(t);
  breath_pattern b;
  b.inhale_fraction = 0.5;
  p.set_pattern(b, t);
  const auto after = p.at(t);
  EXPECT_EQ(after.phase, before.phase);
  EXPECT_NEAR(after.progress, before.progress, 1e-12);
  EXPECT_NEAR(after.lung, before.lung, 1e-12);
  EXPECT_EQ(std::floor(after.cycles), std::floor(before.cycles));

  breath_pattern h;
  h.hold_in_s = 1.0;
  h.hold_out_s = 1.0;
  pacer q(h);
  // inhale 0.4 * 8 = 3.2 s, hold 1 s, exhale 4.8 s, hold 1 s
  EXPECT_EQ(q.at(3.0).phase, breath_phase::inhale);
  EXPECT_EQ(q.at(3.5).phase, breath_phase::hold_in);
  EXPECT_DOUBLE_EQ(q.at(3.5).lung, 1.0);
  EXPECT_EQ(q.at(5.0).phase, breath_phase::exhale);
  EXPECT_EQ(q.at(9.5).phase, breath_phase::hold_out);
  EXPECT_DOUBLE_EQ(q.at(9.5).lung, 0.0);
}

TEST(pacer, safety_envelope_and_limits) {
  breath_pattern fast;
  fast.rate_bpm = 10.0;
  fast.inhale_fraction = 0.3;  // 1.8 s inhale
  EXPECT_THROW(pacer{fast}, std::invalid_argument);
  fast.force = true;
  EXPECT_NO_THROW(pacer{fast});

  breath_pattern slow;
  slow.rate_bpm = 3.0;
  slow.inhale_fraction = 0.35;  // 13 s exhale
  EXPECT_THROW(pacer{slow}, std::invalid_argument);

  breath_pattern out_of_range;
  out_of_range.rate_bpm = 2.9;
  out_of_range.force = true;  // force lifts the envelope, not the 3-10/min range
  EXPECT_THROW(pacer{out_of_range}, std::invalid_argument);

  pacer p;
  EXPECT_THROW(p.set_rate(11.0, 5.0), std::invalid_argument);
  EXPECT_DOUBLE_EQ(p.pattern().rate_bpm, 6.0);  // unchanged after the failed change
  p.set_rate(5.54, 5.0);
  EXPECT_DOUBLE_EQ(p.pattern().rate_bpm, 5.5);  // quantised to 0.1
}

TEST(pacer, parses_ratios) {
  using resonant::engine::parse_breath_ratio;
  EXPECT_DOUBLE_EQ(parse_breath_ratio("4:6"), 0.4);
  EXPECT_DOUBLE_EQ(parse_breath_ratio("40:60"), 0.4);
  EXPECT_DOUBLE_EQ(parse_breath_ratio("1:1"), 0.5);
  EXPECT_THROW(parse_breath_ratio("4-6"), std::invalid_argument);
  EXPECT_THROW(parse_breath_ratio("0:6"), std::invalid_argument);
  EXPECT_THROW(parse_breath_ratio("4:x"), std::invalid_argument);
  EXPECT_THROW(parse_breath_ratio(":6"), std::invalid_argument);
}

TEST(pacer, late_changes_never_rewrite_history) {
  pacer p;
  p.set_rate(5.0, 30.0);
  const double c20 = p.at(20.0).cycles;
  p.set_rate(7.0, 25.0);  // dated before the latest change: applied at 30 s
  EXPECT_DOUBLE_EQ(p.at(20.0).cycles, c20);
  EXPECT_DOUBLE_EQ(p.latest_change_s(), 30.0);
  EXPECT_NEAR(p.at(90.0).cycles - p.at(30.0).cycles, 7.0, 1e-9);
}

}  // namespace
