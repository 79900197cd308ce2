#include "engine/resonance_assessment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace {

using resonant::dsp::rr_event;
using resonant::engine::breath_pattern;
using resonant::engine::pacer;
using resonant::engine::resonance_assessment;
using resonant::engine::resonance_assessment_config;
using resonant::engine::resonance_result;

// A subject whose heart rate follows the paced lung volume through a band-pass resonance
// (second order, peak gain 1 and zero phase at resonance_bpm, quality q): HR = 65 + gain *
// bp(lung - 0.5) bpm. Beats come from integral pulse frequency modulation, RR get Gaussian
// jitter. The pacer follows the assessment's schedule, changing rate phase-continuously.
resonance_result run_subject(double resonance_bpm, double q, double rr_jitter_ms,
                             const resonance_assessment_config& cfg = {}) {
  resonance_assessment a(cfg);
  breath_pattern pat;
  pat.rate_bpm = a.rate_at(0.0);
  pacer p(pat);
  const double w0 = 2.0 * std::numbers::pi * resonance_bpm / 60.0;
  const double dt = 0.005;
  const double gain = 15.0;
  double x = 0.0, v = 0.0, beat_phase = 0.0, last_beat = 0.0;
  std::mt19937 rng(7);
  std::normal_distribution<double> jitter(0.0, rr_jitter_ms);
  for (double t = 0.0; t < a.duration_s(); t += dt) {
    if (a.rate_at(t) != p.pattern().rate_bpm) p.set_rate(a.rate_at(t), t);
    const double u = p.at(t).lung - 0.5;
    // x'' + (w0/q) x' + w0^2 x = u; y = (w0/q) x' is the band-pass with unit gain at w0
    const double acc = u - (w0 / q) * v - w0 * w0 * x;
    v += acc * dt;
    x += v * dt;
    const double hr = 65.0 + gain * (w0 / q) * v;
    beat_phase += hr / 60.0 * dt;
    if (beat_phase >= 1.0) {
      beat_phase -= 1.0;
      const double tb = t + dt - beat_phase / (hr / 60.0);
      const double rr_ms = (tb - last_beat) * 1000.0 + jitter(rng);
      if (last_beat > 0.0) a.add_beat(rr_event{tb, rr_ms, false}, p);
      last_beat = tb;
    }
  }
  return a.result();
}

TEST(resonance_assessment, picks_the_rate_where_the_rsa_gain_peaks) {
  const resonance_result r = run_subject(5.5, 2.5, 5.0);
  ASSERT_EQ(r.steps.size(), 5u);
  EXPECT_DOUBLE_EQ(r.chosen_rate_bpm, 5.5);
  const auto& best = r.steps[2];
  EXPECT_DOUBLE_EQ(best.rate_bpm, 5.5);
  for (const auto& s : r.steps) {
    EXPECT_TRUE(s.valid) << s.rate_bpm;
    EXPECT_GE(s.breaths, 4u) << s.rate_bpm;
    if (s.rate_bpm != 5.5) {
      EXPECT_LT(s.rsa_bpm, best.rsa_bpm) << s.rate_bpm;
      EXPECT_LT(s.score, best.score) << s.rate_bpm;
    }
    EXPECT_GT(s.breath_locked, 0.8) << s.rate_bpm;  // the heart follows the breath at every rate
    EXPECT_GE(s.lf_peak_hz, 0.04);
    EXPECT_NEAR(s.lf_peak_hz, s.rate_bpm / 60.0, 0.01) << s.rate_bpm;
  }
  // At resonance HR moves with the lungs; faster than resonance HR lags, slower it leads
  // (the BreathTuner heuristic).
  EXPECT_LT(std::abs(best.phase_lag_deg), 15.0);
  EXPECT_LT(r.steps[0].phase_lag_deg, -15.0);
  EXPECT_GT(r.steps[4].phase_lag_deg, 15.0);
  // Peak-to-trough HR at resonance: the fundamental of the 40:60 lung shape times the gain.
  EXPECT_GT(best.rsa_bpm, 8.0);
  EXPECT_LT(best.rsa_bpm, 20.0);
}

TEST(resonance_assessment, finds_a_resonance_at_the_edge_of_the_protocol) {
  const resonance_result r = run_subject(4.5, 2.5, 5.0);
  EXPECT_DOUBLE_EQ(r.chosen_rate_bpm, 4.5);
}

TEST(resonance_assessment, schedule_and_limits) {
  resonance_assessment_config cfg;
  cfg.step_s = 90.0;
  const resonance_assessment a(cfg, 100.0);
  EXPECT_DOUBLE_EQ(a.duration_s(), 450.0);
  EXPECT_DOUBLE_EQ(a.rate_at(100.0), 6.5);
  EXPECT_DOUBLE_EQ(a.rate_at(189.9), 6.5);
  EXPECT_DOUBLE_EQ(a.rate_at(190.0), 6.0);
  EXPECT_DOUBLE_EQ(a.rate_at(549.0), 4.5);
  EXPECT_DOUBLE_EQ(a.rate_at(5000.0), 4.5);
  EXPECT_FALSE(a.complete(549.0));
  EXPECT_TRUE(a.complete(550.0));
  // Nothing recorded: a table of invalid rows and no choice.
  const auto r = a.result();
  EXPECT_EQ(r.steps.size(), 5u);
  EXPECT_FALSE(r.steps[0].valid);
  EXPECT_TRUE(std::isnan(r.chosen_rate_bpm));

  cfg.step_s = 50.0;  // leaves 20 s after the 30 s settling time
  EXPECT_THROW(resonance_assessment{cfg}, std::invalid_argument);
  cfg = {};
  cfg.rates_bpm = {6.0, 12.0};
  EXPECT_THROW(resonance_assessment{cfg}, std::invalid_argument);
}

}  // namespace
