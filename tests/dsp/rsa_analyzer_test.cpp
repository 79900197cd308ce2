#include "dsp/rsa_analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

// Beats of a heart whose instantaneous rate follows hr(t) (integral pulse frequency
// modulation: a beat each time the integral of hr / 60 passes an integer), 1 ms steps.
std::vector<rr_event> beats_of(const std::function<double(double)>& hr_bpm, double seconds,
                               double jitter_ms = 0.0, unsigned seed = 5) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> jitter(-jitter_ms, jitter_ms);
  std::vector<rr_event> ev;
  double phase = 0.0;
  double last = 0.0;
  const double dt = 0.001;
  for (double t = 0.0; t < seconds; t += dt) {
    const double step = hr_bpm(t) / 60.0 * dt;
    if (phase + step >= 1.0) {
      const double beat = t + (1.0 - phase) / step * dt;
      const double rr = (beat - last) * 1000.0 + (jitter_ms > 0.0 ? jitter(gen) : 0.0);
      if (last > 0.0) ev.push_back({beat, rr, false, rr_status::accepted});
      last = beat;
      phase = phase + step - 1.0;
    } else {
      phase += step;
    }
  }
  return ev;
}

double sine_hr(double t, double mean, double swing_half, double breaths_per_min) {
  return mean + swing_half * std::sin(2.0 * std::numbers::pi * breaths_per_min / 60.0 * t);
}

// Evaluates after every beat from `from_s` on and returns the extremes of the reported values.
struct range {
  double rsa_lo = 1e9, rsa_hi = -1e9, rate_lo = 1e9, rate_hi = -1e9;
  std::size_t evaluations = 0;
};

range run(rsa_analyzer& a, const std::vector<rr_event>& ev, double from_s) {
  range r;
  for (const rr_event& e : ev) {
    a.push(e);
    if (e.end_s < from_s) continue;
    const rsa_values v = a.evaluate(e.end_s);
    EXPECT_FALSE(std::isnan(v.rsa_bpm)) << e.end_s;
    if (std::isnan(v.rsa_bpm)) continue;
    r.rsa_lo = std::min(r.rsa_lo, v.rsa_bpm);
    r.rsa_hi = std::max(r.rsa_hi, v.rsa_bpm);
    r.rate_lo = std::min(r.rate_lo, v.breathing_rate_bpm);
    r.rate_hi = std::max(r.rate_hi, v.breathing_rate_bpm);
    ++r.evaluations;
  }
  return r;
}

// Resonance breathing: 6 breaths/min, HR 65 +- 6 bpm, so a 12 bpm peak-to-trough swing.
// Tolerances: RSA within 0.8 bpm (beats sample the swing, and each RR averages HR over one
// beat), rate within 0.2 breaths/min.
TEST(rsa_analyzer, resonance_breathing_six_per_minute) {
  const auto ev = beats_of([](double t) { return sine_hr(t, 65.0, 6.0, 6.0); }, 180.0);
  rsa_analyzer a({});
  const range r = run(a, ev, 40.0);
  EXPECT_GT(r.evaluations, 100U);
  EXPECT_NEAR(r.rsa_lo, 12.0, 0.8);
  EXPECT_NEAR(r.rsa_hi, 12.0, 0.8);
  EXPECT_NEAR(r.rate_lo, 6.0, 0.2);
  EXPECT_NEAR(r.rate_hi, 6.0, 0.2);
}

// Spontaneous breathing: 15 breaths/min, HR 72 +- 3 bpm (6 bpm swing), 4.8 beats per breath.
// Tolerances: RSA within 20 % (with under five beats per breath the extremes are sampled
// coarsely, and each RR averages HR over a fifth of a breath), rate within 0.5 breaths/min.
TEST(rsa_analyzer, spontaneous_breathing_fifteen_per_minute) {
  const auto ev = beats_of([](double t) { return sine_hr(t, 72.0, 3.0, 15.0); }, 120.0);
  rsa_analyzer a({});
  const range r = run(a, ev, 20.0);
  EXPECT_GT(r.evaluations, 100U);
  EXPECT_NEAR(r.rsa_lo, 6.0, 1.2);
  EXPECT_NEAR(r.rsa_hi, 6.0, 1.2);
  EXPECT_NEAR(r.rate_lo, 15.0, 0.5);
  EXPECT_NEAR(r.rate_hi, 15.0, 0.5);
}

// Beat-to-beat jitter of +-10 ms on top of the 6/min swing: the cycles are still found and
// the swing stays within -1.5 / +2 bpm (the jitter moves HR by up to +-0.8 bpm at 65 bpm).
TEST(rsa_analyzer, tolerates_beat_jitter) {
  const auto ev = beats_of([](double t) { return sine_hr(t, 65.0, 6.0, 6.0); }, 180.0, 10.0);
  rsa_analyzer a({});
  const range r = run(a, ev, 40.0);
  EXPECT_NEAR(r.rate_lo, 6.0, 0.4);
  EXPECT_NEAR(r.rate_hi, 6.0, 0.4);
  EXPECT_GT(r.rsa_lo, 10.5);
  EXPECT_LT(r.rsa_hi, 14.0);
}

TEST(rsa_analyzer, follows_a_change_of_breathing_rate) {
  // 6/min for 120 s, then 10/min (phase-continuous).
  const auto hr = [](double t) {
    const double phase = t < 120.0 ? 0.1 * t : 12.0 + (10.0 / 60.0) * (t - 120.0);
    return 65.0 + 5.0 * std::sin(2.0 * std::numbers::pi * phase);
  };
  const auto ev = beats_of(hr, 240.0);
  rsa_analyzer a({});
  double rate_at_110 = 0.0;
  double rate_at_235 = 0.0;
  for (const rr_event& e : ev) {
    a.push(e);
    const rsa_values v = a.evaluate(e.end_s);
    if (e.end_s < 110.0) rate_at_110 = v.breathing_rate_bpm;
    if (e.end_s < 235.0) rate_at_235 = v.breathing_rate_bpm;
  }
  EXPECT_NEAR(rate_at_110, 6.0, 0.2);
  EXPECT_NEAR(rate_at_235, 10.0, 0.3);
}

TEST(rsa_analyzer, steady_heart_rate_has_no_breath_cycles) {
  const auto ev = beats_of([](double) { return 70.0; }, 120.0);
  rsa_analyzer a({});
  for (const rr_event& e : ev) a.push(e);
  const rsa_values v = a.evaluate(ev.back().end_s);
  EXPECT_TRUE(std::isnan(v.rsa_bpm));
  EXPECT_TRUE(std::isnan(v.breathing_rate_bpm));
  EXPECT_EQ(v.cycles, 0U);
}

// A 30 s dropout: no cycle spans it, values go stale (hold 30 s) and come back.
TEST(rsa_analyzer, dropout_restarts_and_values_return) {
  auto ev = beats_of([](double t) { return sine_hr(t, 65.0, 6.0, 6.0); }, 240.0);
  std::vector<rr_event> kept;
  bool first_after = true;
  for (rr_event e : ev) {
    if (e.end_s > 100.0 && e.end_s <= 130.0) continue;
    if (e.end_s > 130.0 && first_after) {
      e.after_gap = true;
      first_after = false;
    }
    kept.push_back(e);
  }
  rsa_analyzer a({});
  std::size_t before = 0;
  for (const rr_event& e : kept) {
    if (e.end_s > 130.0 && before == 0) before = a.cycles_found();
    a.push(e);
  }
  // During the dropout the last cycles age out.
  rsa_analyzer b({});
  for (const rr_event& e : kept) {
    if (e.end_s > 130.0) break;
    b.push(e);
  }
  EXPECT_FALSE(std::isnan(b.evaluate(100.0).rsa_bpm));
  EXPECT_TRUE(std::isnan(b.evaluate(131.0).rsa_bpm));
  // Back after the settle time and a couple of breaths; no cycle longer than 20 s was made.
  const rsa_values v = a.evaluate(kept.back().end_s);
  EXPECT_NEAR(v.rsa_bpm, 12.0, 0.8);
  EXPECT_NEAR(v.breathing_rate_bpm, 6.0, 0.2);
  EXPECT_GT(a.cycles_found(), before);
}

TEST(rsa_analyzer, rejects_bad_config) {
  rsa_analyzer_config c;
  c.band_high_hz = 3.0;  // above the 4 Hz grid's Nyquist frequency
  EXPECT_THROW(rsa_analyzer{c}, std::invalid_argument);
  c = {};
  c.min_cycle_s = 30.0;
  EXPECT_THROW(rsa_analyzer{c}, std::invalid_argument);
  c = {};
  c.average_cycles = 0;
  EXPECT_THROW(rsa_analyzer{c}, std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
