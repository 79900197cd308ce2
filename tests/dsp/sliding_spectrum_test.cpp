#include "dsp/sliding_spectrum.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "dsp/bspline_interpolation.hpp"
#include "dsp/hrv_analysis.hpp"
#include "dsp/welch.hpp"
#include "support/rr_text.hpp"

namespace resonant::dsp {
namespace {

std::vector<rr_event> holter_events(std::size_t count) {
  const auto rr = test::load_column("reference/rr/nsr2db_nsr001.txt");
  std::vector<rr_event> ev;
  double t = 0.0;
  for (std::size_t i = 0; i < rr.size() && i < count; ++i) {
    t += rr[i] / 1000.0;
    ev.push_back({t, rr[i], false, rr_status::accepted});
  }
  return ev;
}

// RR = mean + amp sin(2 pi f t) + uniform noise, t the start of each interval.
std::vector<rr_event> oscillating_events(double seconds, double f_hz, double amp_ms,
                                         double noise_ms, unsigned seed = 3) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> noise(-noise_ms, noise_ms);
  std::vector<rr_event> ev;
  double t = 0.0;
  while (t < seconds) {
    const double rr = 900.0 + amp_ms * std::sin(2.0 * std::numbers::pi * f_hz * t) + noise(gen);
    t += rr / 1000.0;
    ev.push_back({t, rr, false, rr_status::accepted});
  }
  return ev;
}

rr_series window_of(const std::vector<rr_event>& ev, std::size_t upto, double t, double w) {
  rr_series s;
  for (std::size_t i = 0; i < upto; ++i) {
    if (ev[i].end_s > t - w && ev[i].end_s <= t) {
      s.push_back(ev[i].rr_ms, ev[i].end_s, ev[i].after_gap && !s.empty());
    }
  }
  return s;
}

// The coherence ratio computed the slow, obvious way: spline at 2 Hz, mean removed,
// scipy-equivalent welch_psd with a single Hann segment and nfft 512, then the McCraty ratio.
struct coherence_oracle {
  double ratio = std::nan("");
  double peak_hz = std::nan("");
};

coherence_oracle oracle_coherence(const rr_series& s) {
  coherence_oracle o;
  const double fs = 2.0;
  const auto m =
      static_cast<std::size_t>(std::floor((s.end_s.back() - s.end_s.front()) * fs + 1e-9)) + 1;
  std::vector<double> x(m);
  interpolating_spline(s.end_s, s.rr_ms, 3).sample_uniform(s.end_s.front(), fs, x);
  double mean = 0.0;
  for (const double v : x) mean += v;
  mean /= static_cast<double>(m);
  for (double& v : x) v -= mean;
  welch_config wc;
  wc.fs_hz = fs;
  wc.segment = m;
  wc.overlap = 0;
  wc.nfft = 512;
  const spectrum p = welch_psd(x, wc);
  const double df = p.freq_hz[1];
  std::size_t peak = 0;
  double total = 0.0;
  for (std::size_t k = 0; k < p.psd.size(); ++k) {
    const double f = p.freq_hz[k];
    if (f >= 0.0033 && f < 0.4) total += p.psd[k] * df;
    if (f >= 0.04 && f < 0.26 && (peak == 0 || p.psd[k] > p.psd[peak])) peak = k;
  }
  double in_peak = 0.0;
  for (std::size_t k = 0; k < p.psd.size(); ++k) {
    if (std::abs(p.freq_hz[k] - p.freq_hz[peak]) <= 0.015 + 1e-9) in_peak += p.psd[k] * df;
  }
  o.peak_hz = p.freq_hz[peak];
  o.ratio = in_peak / (total - in_peak);
  return o;
}

// At every hop of the first 25 minutes of nsr001, LF, HF and LF/HF equal the batch analysis
// (Kubios profile, artefacts none) of the same 180 s window, within 1 % (in fact to rounding).
TEST(sliding_spectrum, lf_hf_equal_batch_analysis_on_holter_data) {
  const auto ev = holter_events(2000);
  sliding_spectrum s({});
  analysis_profile p = analysis_profile::kubios();
  p.artefacts = artefact_method::none;
  std::size_t hops = 0;
  std::size_t with_lf = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    s.push(ev[i]);
    const double t = ev[i].end_s;
    const sliding_spectrum_values v = s.evaluate(t);
    if (v.window_end_s != t) continue;
    ++hops;
    const hrv_report r = analyze(window_of(ev, i + 1, t, 180.0), p);
    ASSERT_EQ(std::isnan(v.hf_ms2), !r.welch.hf_ms2.has_value()) << t;
    ASSERT_EQ(std::isnan(v.lf_ms2), !r.welch.lf_ms2.has_value()) << t;
    ASSERT_EQ(std::isnan(v.lf_hf), !r.welch.lf_hf.has_value()) << t;
    if (!std::isnan(v.lf_ms2)) {
      ++with_lf;
      EXPECT_NEAR(v.lf_ms2, *r.welch.lf_ms2, 0.01 * *r.welch.lf_ms2) << t;
      EXPECT_NEAR(v.hf_ms2, *r.welch.hf_ms2, 0.01 * *r.welch.hf_ms2) << t;
      EXPECT_NEAR(v.lf_hf, *r.welch.lf_hf, 0.01 * *r.welch.lf_hf) << t;
    }
  }
  // One recomputation per 5 s of stream time; LF from 120 s of data on.
  const double span = ev.back().end_s - ev.front().end_s;
  EXPECT_NEAR(static_cast<double>(hops), span / 5.0, 2.0);
  EXPECT_GT(static_cast<double>(with_lf), (span - 125.0) / 5.0 - 2.0);
}

// The hop works on reused buffers (refitted spline, cached detrending factorisation, planned
// FFTs) but performs the batch functions' operations in the same order: over 40 minutes of
// nsr001 (~320 hops with values), LF, HF and LF/HF equal the batch analysis and the coherence
// the obvious computation
// to 1e-12 relative (in fact bit for bit), hop after hop on one object.
TEST(sliding_spectrum, hop_on_reused_buffers_equals_batch_to_rounding) {
  const auto ev = holter_events(3000);
  sliding_spectrum s({});
  analysis_profile p = analysis_profile::kubios();
  p.artefacts = artefact_method::none;
  std::size_t with_lf = 0;
  std::size_t with_coherence = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    s.push(ev[i]);
    const double t = ev[i].end_s;
    const sliding_spectrum_values v = s.evaluate(t);
    if (v.window_end_s != t) continue;
    const hrv_report r = analyze(window_of(ev, i + 1, t, 180.0), p);
    ASSERT_EQ(std::isnan(v.lf_ms2), !r.welch.lf_ms2.has_value()) << t;
    if (!std::isnan(v.lf_ms2)) {
      ++with_lf;
      EXPECT_NEAR(v.lf_ms2, *r.welch.lf_ms2, 1e-12 * *r.welch.lf_ms2) << t;
      EXPECT_NEAR(v.hf_ms2, *r.welch.hf_ms2, 1e-12 * *r.welch.hf_ms2) << t;
      EXPECT_NEAR(v.lf_hf, *r.welch.lf_hf, 1e-12 * *r.welch.lf_hf) << t;
    }
    if (!std::isnan(v.coherence)) {
      ++with_coherence;
      const coherence_oracle o = oracle_coherence(window_of(ev, i + 1, t, 64.0));
      EXPECT_NEAR(v.coherence, o.ratio, 1e-12 * o.ratio) << t;
      EXPECT_EQ(v.coherence_peak_hz, o.peak_hz) << t;
    }
  }
  EXPECT_GT(with_lf, 300U);
  EXPECT_GT(with_coherence, 300U);
}

TEST(sliding_spectrum, values_are_held_between_hops) {
  const auto ev = oscillating_events(300.0, 0.1, 40.0, 10.0);
  sliding_spectrum s({});
  double last_end = std::nan("");
  for (const rr_event& e : ev) {
    s.push(e);
    const sliding_spectrum_values v = s.evaluate(e.end_s);
    if (v.window_end_s != last_end && !std::isnan(last_end)) {
      // A new hop: the previous one was in an earlier 5 s slot.
      EXPECT_GT(std::floor(v.window_end_s / 5.0), std::floor(last_end / 5.0));
      EXPECT_LE(v.window_end_s - std::ceil(last_end / 5.0) * 5.0, 1.2);
    }
    last_end = v.window_end_s;
  }
}

// A 0.1 Hz RR oscillation: the coherence peak sits at 0.1 Hz and the ratio is high; the
// streaming value equals the obvious computation to rounding.
TEST(sliding_spectrum, coherence_of_a_resonant_rhythm) {
  const auto ev = oscillating_events(200.0, 0.1, 60.0, 5.0);
  sliding_spectrum s({});
  std::size_t checked = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    s.push(ev[i]);
    const double t = ev[i].end_s;
    const sliding_spectrum_values v = s.evaluate(t);
    if (v.window_end_s != t) continue;
    // Reported once at most 5 % of the 64 s window is missing (60.8 s of data).
    if (t < 60.0) {
      EXPECT_TRUE(std::isnan(v.coherence)) << t;
    }
    if (t > 62.0) {
      EXPECT_FALSE(std::isnan(v.coherence)) << t;
    }
    if (std::isnan(v.coherence)) continue;
    const coherence_oracle o = oracle_coherence(window_of(ev, i + 1, t, 64.0));
    EXPECT_NEAR(v.coherence, o.ratio, 1e-9 * o.ratio) << t;
    EXPECT_EQ(v.coherence_peak_hz, o.peak_hz) << t;
    EXPECT_NEAR(v.coherence_peak_hz, 0.1, 0.004) << t;
    EXPECT_GT(v.coherence, 3.0) << t;
    ++checked;
  }
  EXPECT_GT(checked, 20U);
}

TEST(sliding_spectrum, coherence_of_an_irregular_rhythm_is_low) {
  const auto ev = oscillating_events(200.0, 0.1, 0.0, 60.0);
  sliding_spectrum s({});
  std::size_t checked = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    s.push(ev[i]);
    const double t = ev[i].end_s;
    const sliding_spectrum_values v = s.evaluate(t);
    if (v.window_end_s != t || std::isnan(v.coherence)) continue;
    const coherence_oracle o = oracle_coherence(window_of(ev, i + 1, t, 64.0));
    EXPECT_NEAR(v.coherence, o.ratio, 1e-9 * o.ratio) << t;
    EXPECT_LT(v.coherence, 1.0) << t;  // white: the +-0.015 Hz peak holds ~10-40 %
    ++checked;
  }
  EXPECT_GT(checked, 20U);
}

// A 30 s dropout: coherence and LF/HF go unknown while the gap is in their windows (more than
// the allowed share missing) and come back once it has left.
TEST(sliding_spectrum, dropout_blanks_the_spectrum_until_it_leaves_the_window) {
  auto ev = oscillating_events(700.0, 0.1, 40.0, 10.0);
  std::vector<rr_event> kept;
  double dropout_end = 0.0;
  for (const rr_event& e : ev) {
    if (e.end_s > 300.0 && e.end_s <= 330.0) continue;
    rr_event k = e;
    if (e.end_s > 330.0 && dropout_end == 0.0) {
      k.after_gap = true;
      dropout_end = e.end_s;
    }
    kept.push_back(k);
  }
  sliding_spectrum s({});
  for (const rr_event& e : kept) {
    s.push(e);
    const sliding_spectrum_values v = s.evaluate(e.end_s);
    const double t = e.end_s;
    if (t < 300.0 && t > 190.0) {
      EXPECT_FALSE(std::isnan(v.lf_hf)) << t;
      EXPECT_FALSE(std::isnan(v.coherence)) << t;
    }
    if (t > 306.0 && t < 300.0 + 64.0) {
      EXPECT_TRUE(std::isnan(v.coherence)) << t;
    }
    if (t > 310.0 && t < 300.0 + 180.0) {
      EXPECT_TRUE(std::isnan(v.lf_ms2)) << t;
    }
    if (t > dropout_end + 70.0) {
      EXPECT_FALSE(std::isnan(v.coherence)) << t;
    }
    if (t > 330.0 + 186.0) {
      EXPECT_FALSE(std::isnan(v.lf_hf)) << t;
    }
  }
}

TEST(sliding_spectrum, rejects_bad_config) {
  sliding_spectrum_config c;
  c.hop_s = 0.0;
  EXPECT_THROW(sliding_spectrum{c}, std::invalid_argument);
  c = {};
  c.coherence_nfft = 64;
  EXPECT_THROW(sliding_spectrum{c}, std::invalid_argument);
  c = {};
  c.profile = analysis_profile::neurokit();
  EXPECT_THROW(sliding_spectrum{c}, std::invalid_argument);
  c = {};
  c.coherence_peak_band = {0.3, 0.2};
  EXPECT_THROW(sliding_spectrum{c}, std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
