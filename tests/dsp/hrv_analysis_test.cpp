#include "dsp/hrv_analysis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace resonant::dsp {
namespace {

// Beats whose intervals follow 800 + a1 sin(2 pi f1 t) + a2 sin(2 pi f2 t) ms, the tachogram
// a sampled version of that function: band powers are a1^2 / 2 and a2^2 / 2 exactly.
rr_series sinusoidal_rr(double seconds, double a1, double f1, double a2, double f2) {
  std::vector<double> rr;
  double t = 0.0;
  while (t < seconds) {
    const double v = 800.0 + a1 * std::sin(2.0 * std::numbers::pi * f1 * t) +
                     a2 * std::sin(2.0 * std::numbers::pi * f2 * t);
    rr.push_back(v);
    t += v / 1000.0;
  }
  return rr_series::from_intervals(rr);
}

analysis_profile without_artefacts(analysis_profile p) {
  p.artefacts = artefact_method::none;
  return p;
}

TEST(hrv_analysis, known_sinusoids_give_the_analytic_band_powers) {
  const rr_series rr = sinusoidal_rr(600.0, 40.0, 0.1, 20.0, 0.25);
  for (const analysis_profile& p : {without_artefacts(analysis_profile::kubios()),
                                    without_artefacts(analysis_profile::neurokit())}) {
    SCOPED_TRACE(p.name);
    const hrv_report r = analyze(rr, p);
    for (const spectral_result* s : {&r.welch, &r.lomb}) {
      SCOPED_TRACE(s->method);
      ASSERT_TRUE(s->lf_ms2 && s->hf_ms2 && s->vlf_ms2);
      EXPECT_NEAR(*s->lf_ms2 / 800.0, 1.0, 0.03);
      EXPECT_NEAR(*s->hf_ms2 / 200.0, 1.0, 0.03);
      EXPECT_LT(*s->vlf_ms2, 0.03 * 1000.0);
      EXPECT_NEAR(*s->lf_hf, 4.0, 4.0 * 0.05);
      EXPECT_NEAR(*s->lf_nu, 80.0, 1.0);
      EXPECT_NEAR(*s->lf_peak_hz, 0.1, 0.005);
      EXPECT_NEAR(*s->hf_peak_hz, 0.25, 0.005);
    }
  }
}

TEST(hrv_analysis, kubios_welch_uses_256_s_segments_and_300_points_per_hz) {
  const welch_config c = welch_config_for(analysis_profile::kubios(), 2400);
  EXPECT_EQ(c.segment, 1024U);
  EXPECT_EQ(c.overlap, 512U);
  EXPECT_EQ(c.nfft, 1200U);
  const welch_config short_rec = welch_config_for(analysis_profile::kubios(), 480);
  EXPECT_EQ(short_rec.segment, 480U);  // whole recording when shorter than 256 s
}

TEST(hrv_analysis, neurokit_welch_segment_is_half_the_series) {
  const welch_config c = welch_config_for(analysis_profile::neurokit(), 30000);
  EXPECT_EQ(c.segment, 15000U);
  EXPECT_EQ(c.overlap, 7500U);
  EXPECT_EQ(c.nfft, 30000U);
}

TEST(hrv_analysis, short_recordings_get_nulls_and_warnings_not_numbers) {
  const hrv_report r90 =
      analyze(sinusoidal_rr(90.0, 40.0, 0.1, 20.0, 0.25), analysis_profile::kubios());
  EXPECT_TRUE(r90.welch.hf_ms2.has_value());
  EXPECT_FALSE(r90.welch.lf_ms2.has_value());
  EXPECT_FALSE(r90.welch.lf_hf.has_value());
  EXPECT_FALSE(r90.welch.vlf_ms2.has_value());
  EXPECT_FALSE(r90.lomb.lf_ms2.has_value());
  bool warned = false;
  for (const auto& w : r90.warnings) warned |= w.find("shorter than 2 min") != std::string::npos;
  EXPECT_TRUE(warned);

  const hrv_report r30 =
      analyze(sinusoidal_rr(30.0, 40.0, 0.1, 20.0, 0.25), analysis_profile::kubios());
  EXPECT_FALSE(r30.welch.hf_ms2.has_value());
  EXPECT_TRUE(r30.time.rmssd_ms.has_value());
}

TEST(hrv_analysis, degenerate_inputs_do_not_crash) {
  for (std::size_t n : {0U, 1U, 2U, 3U}) {
    SCOPED_TRACE(n);
    const rr_series rr = rr_series::from_intervals(std::vector<double>(n, 850.0));
    const hrv_report r = analyze(rr, analysis_profile::kubios());
    EXPECT_EQ(r.n_intervals, n);
    EXPECT_EQ(r.time.mean_nn_ms.has_value(), n > 0);
    EXPECT_FALSE(r.welch.lf_ms2.has_value());
    EXPECT_FALSE(r.nonlinear.dfa_alpha2.has_value());
  }
}

TEST(hrv_analysis, range_gate_and_correction_are_reported) {
  rr_series rr = sinusoidal_rr(300.0, 30.0, 0.1, 15.0, 0.25);
  // One impossible interval and one missed beat (two intervals merged).
  rr.rr_ms[50] = 12000.0;
  rr.rr_ms[120] += rr.rr_ms[121];
  rr.rr_ms.erase(rr.rr_ms.begin() + 121);
  rr.end_s.erase(rr.end_s.begin() + 120);
  rr.after_gap.erase(rr.after_gap.begin() + 121);
  const hrv_report r = analyze(rr, analysis_profile::kubios());
  EXPECT_EQ(r.artefacts.range_gate_removed, 1U);
  EXPECT_EQ(r.artefacts.found.missed, 1U);
  EXPECT_GT(r.artefacts.corrected_pct, 0.0);
  const hrv_report raw = analyze(rr, without_artefacts(analysis_profile::kubios()));
  EXPECT_GT(*raw.time.rmssd_ms, 3.0 * *r.time.rmssd_ms);
}

TEST(hrv_analysis, long_gaps_suppress_the_spectrum_and_count_as_missing_time) {
  // 10 minutes of beats with the middle 5 minutes lost (a dropout): 5 minutes of data.
  rr_series whole = sinusoidal_rr(600.0, 40.0, 0.1, 20.0, 0.25);
  rr_series rr;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const double t = whole.end_s[i];
    if (t > 150.0 && t < 450.0) continue;
    rr.push_back(whole.rr_ms[i], t, !rr.empty() && rr.end_s.back() < 150.0 && t >= 450.0);
  }
  const hrv_report r = analyze(rr, without_artefacts(analysis_profile::kubios()));
  EXPECT_GT(r.duration_s, 590.0);
  EXPECT_FALSE(r.welch.lf_ms2.has_value());
  EXPECT_FALSE(r.lomb.hf_ms2.has_value());
  EXPECT_TRUE(r.time.rmssd_ms.has_value());
  bool warned = false;
  for (const auto& w : r.warnings) warned |= w.find("no frequency-domain") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(hrv_analysis, a_constant_series_has_no_spectral_ratios_or_peaks) {
  const rr_series rr = rr_series::from_intervals(std::vector<double>(400, 800.0));
  const hrv_report r = analyze(rr, without_artefacts(analysis_profile::kubios()));
  ASSERT_TRUE(r.welch.lf_ms2.has_value());
  EXPECT_LT(*r.welch.lf_ms2, 1e-6);
  EXPECT_FALSE(r.welch.lf_nu.has_value());
  EXPECT_FALSE(r.welch.lf_hf.has_value());
  EXPECT_FALSE(r.welch.lf_peak_hz.has_value());
  EXPECT_FALSE(r.nonlinear.sd1_sd2.has_value());
}

TEST(hrv_analysis, an_impossible_value_does_not_stretch_the_recording) {
  std::vector<double> v(400, 850.0);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] += 20.0 * std::sin(0.7 * static_cast<double>(i));
  v[200] = 1.0e6;  // a typo: 1000 s
  const hrv_report r = analyze(rr_series::from_intervals(v), analysis_profile::kubios());
  EXPECT_EQ(r.artefacts.range_gate_removed, 1U);
  EXPECT_LT(r.duration_s, 400 * 0.87);
  EXPECT_FALSE(r.time.sdann_ms.has_value());
  EXPECT_TRUE(r.welch.lf_ms2.has_value());
}

}  // namespace
}  // namespace resonant::dsp
