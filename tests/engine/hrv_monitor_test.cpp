#include "engine/hrv_monitor.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "dsp/hrv_analysis.hpp"
#include "dsp/streaming_artefacts.hpp"
#include "dsp/time_domain.hpp"
#include "support/rr_text.hpp"

namespace resonant::engine {
namespace {

using dsp::rr_event;
using dsp::rr_status;

// The first `count` intervals of nsr001 (22.5 h Holter), with a 40 s dropout from 600 s, an
// impossible value at interval 900 and a premature beat at interval 300.
std::vector<rr_event> holter_events(std::size_t count, bool damage = true) {
  auto rr = test::load_column("reference/rr/nsr2db_nsr001.txt");
  rr.resize(std::min(count, rr.size()));
  if (damage) {
    rr[300] -= 200.0;
    rr[301] += 200.0;
    rr[900] = 3100.0;
  }
  std::vector<rr_event> ev;
  double t = 0.0;
  for (const double v : rr) {
    t += v / 1000.0;
    if (damage && t > 600.0 && t <= 640.0) continue;
    ev.push_back({t, v, false, rr_status::accepted});
  }
  return ev;
}

std::vector<metric_snapshot> collect(const std::vector<rr_event>& ev, double finish_s, int mode,
                                     unsigned seed = 11) {
  std::vector<metric_snapshot> out;
  hrv_monitor m({}, [&](const metric_snapshot& s) { out.push_back(s); });
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double dense = 0.0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (mode == 2) {  // dense: every 0.1 s of stream time up to just before the event
      for (; dense + 0.1 < ev[i].end_s; dense += 0.1) m.advance_to(dense);
    }
    m.push(ev[i]);
    if (mode == 1 && i + 1 < ev.size()) {  // a random safe time before the next event
      m.advance_to(ev[i].end_s + u(gen) * (ev[i + 1].end_s - ev[i].end_s) * 0.999);
    }
  }
  m.finish(finish_s);
  return out;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool identical(const metric_snapshot& a, const metric_snapshot& b) {
  return same_bits(a.time_s, b.time_s) && a.beats == b.beats && a.beat == b.beat &&
         same_bits(a.rr_ms, b.rr_ms) && same_bits(a.hr_bpm, b.hr_bpm) &&
         same_bits(a.rmssd_30s_ms, b.rmssd_30s_ms) && same_bits(a.rmssd_60s_ms, b.rmssd_60s_ms) &&
         same_bits(a.sdnn_60s_ms, b.sdnn_60s_ms) && same_bits(a.pnn50_60s_pct, b.pnn50_60s_pct) &&
         same_bits(a.lf_ms2, b.lf_ms2) && same_bits(a.hf_ms2, b.hf_ms2) &&
         same_bits(a.lf_hf, b.lf_hf) && same_bits(a.coherence, b.coherence) &&
         same_bits(a.coherence_peak_hz, b.coherence_peak_hz) && same_bits(a.rsa_bpm, b.rsa_bpm) &&
         same_bits(a.breathing_rate_bpm, b.breathing_rate_bpm) &&
         same_bits(a.corrected_pct, b.corrected_pct) && same_bits(a.missing_pct, b.missing_pct);
}

TEST(hrv_monitor, output_does_not_depend_on_advance_calls) {
  const auto ev = holter_events(1600);
  const double end = ev.back().end_s + 20.0;
  const auto plain = collect(ev, end, 0);
  const auto random = collect(ev, end, 1);
  const auto dense = collect(ev, end, 2);
  ASSERT_GT(plain.size(), ev.size());  // ticks in the dropout and after the end
  ASSERT_EQ(plain.size(), random.size());
  ASSERT_EQ(plain.size(), dense.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    ASSERT_TRUE(identical(plain[i], random[i])) << i << " t = " << plain[i].time_s;
    ASSERT_TRUE(identical(plain[i], dense[i])) << i << " t = " << plain[i].time_s;
  }
  for (std::size_t i = 1; i < plain.size(); ++i) {
    ASSERT_GE(plain[i].time_s, plain[i - 1].time_s) << i;
  }
  // After the last beat: ticks at +2.5 s, +3.5 s, ... up to the finish time (+20 s): the last
  // one at +19.5 s, 18 in all.
  std::size_t trailing = 0;
  for (const metric_snapshot& s : plain) trailing += !s.beat && s.time_s > ev.back().end_s;
  EXPECT_EQ(trailing, 18U);
  EXPECT_NEAR(plain.back().time_s, ev.back().end_s + 19.5, 1e-9);
}

// Every snapshot of the first 40 minutes of nsr001 (damaged as above) equals the batch analysis
// of the same window of artefact-handled intervals: time domain within 1e-9 relative, LF/HF
// within 1 %.
TEST(hrv_monitor, equals_batch_analysis_of_the_same_window) {
  const auto ev = holter_events(3200);
  std::vector<rr_event> clean;  // what the artefact stage releases (the same code)
  {
    dsp::streaming_artefacts a({});
    for (const rr_event& e : ev) {
      for (const rr_event& o : a.push(e)) clean.push_back(o);
    }
    for (const rr_event& o : a.finish()) clean.push_back(o);
  }
  std::vector<metric_snapshot> out;
  hrv_monitor m({}, [&](const metric_snapshot& s) { out.push_back(s); });
  for (const rr_event& e : ev) m.push(e);
  m.finish(ev.back().end_s + 5.0);
  EXPECT_EQ(m.artefact_counts().range_gated, 1);
  EXPECT_GE(m.artefact_counts().found.ectopic, 1U);

  const auto window = [&](double t, double w) {
    dsp::rr_series s;
    for (const rr_event& e : clean) {
      if (e.end_s > t - w && e.end_s <= t) s.push_back(e.rr_ms, e.end_s, e.after_gap && !s.empty());
    }
    return s;
  };
  dsp::analysis_profile p = dsp::analysis_profile::kubios();
  p.artefacts = dsp::artefact_method::none;
  double next_hop = -std::numeric_limits<double>::infinity();
  std::size_t beat_index = 0;
  std::size_t spectral = 0;
  std::size_t time_checked = 0;
  for (const metric_snapshot& s : out) {
    const double t = s.time_s;
    if (s.beat) {
      ASSERT_LT(beat_index, clean.size());
      EXPECT_EQ(clean[beat_index].end_s, t);
      EXPECT_EQ(clean[beat_index].rr_ms, s.rr_ms);
      ++beat_index;
    }
    const dsp::time_domain_result r30 = dsp::time_domain(window(t, 30.0), {});
    const dsp::time_domain_result r60 = dsp::time_domain(window(t, 60.0), {});
    if (!std::isnan(s.rmssd_30s_ms)) {
      EXPECT_NEAR(s.rmssd_30s_ms, *r30.rmssd_ms, 1e-9 * *r30.rmssd_ms) << t;
    }
    if (!std::isnan(s.sdnn_60s_ms)) {
      EXPECT_NEAR(s.sdnn_60s_ms, *r60.sdnn_ms, 1e-9 * *r60.sdnn_ms) << t;
      EXPECT_NEAR(s.rmssd_60s_ms, *r60.rmssd_ms, 1e-9 * *r60.rmssd_ms) << t;
      EXPECT_NEAR(s.pnn50_60s_pct, *r60.pnn50_pct, 1e-9 * *r60.pnn50_pct + 1e-12) << t;
      ++time_checked;
    }
    if (t >= next_hop) {  // the spectrum was recomputed at this snapshot
      next_hop = (std::floor(t / 5.0) + 1.0) * 5.0;
      const dsp::hrv_report r = dsp::analyze(window(t, 180.0), p);
      ASSERT_EQ(std::isnan(s.lf_ms2), !r.welch.lf_ms2.has_value()) << t;
      ASSERT_EQ(std::isnan(s.hf_ms2), !r.welch.hf_ms2.has_value()) << t;
      if (!std::isnan(s.lf_ms2)) {
        EXPECT_NEAR(s.lf_ms2, *r.welch.lf_ms2, 0.01 * *r.welch.lf_ms2) << t;
        EXPECT_NEAR(s.hf_ms2, *r.welch.hf_ms2, 0.01 * *r.welch.hf_ms2) << t;
        EXPECT_NEAR(s.lf_hf, *r.welch.lf_hf, 0.01 * *r.welch.lf_hf) << t;
        ++spectral;
      }
    }
  }
  EXPECT_EQ(beat_index, clean.size());
  EXPECT_GT(time_checked, 2500U);
  EXPECT_GT(spectral, 200U);
}

// Steady beats (0.95 s) with a 30 s dropout: tick snapshots every second of the dropout from
// 2.5 s after the last beat on, HR goes unknown, the missing share grows, RMSSD never spans the
// gap and returns with enough data.
TEST(hrv_monitor, dropout_gives_ticks_and_gaps) {
  std::vector<rr_event> ev;
  double t = 0.0;
  for (int i = 0; i < 150; ++i) {
    const double rr = i % 2 == 0 ? 940.0 : 960.0;  // under tick_s: no ticks between beats
    t += rr / 1000.0;
    ev.push_back({t, rr, false, rr_status::accepted});
  }
  const double dropout = t;
  t += 30.0;
  for (int i = 0; i < 60; ++i) {  // a new level: a difference across the gap would be 480 ms
    const double rr = i % 2 == 0 ? 1490.0 : 1510.0;
    t += rr / 1000.0;
    ev.push_back({t, rr, false, rr_status::accepted});
  }
  std::vector<metric_snapshot> out;
  hrv_monitor m({}, [&](const metric_snapshot& s) { out.push_back(s); });
  for (const rr_event& e : ev) {
    m.push(e);
    m.advance_to(e.end_s + 0.5);
  }
  m.finish(t);
  std::size_t ticks = 0;
  for (const metric_snapshot& s : out) {
    EXPECT_TRUE(s.beat || s.time_s > dropout) << s.time_s;
    EXPECT_TRUE(s.beat || s.time_s < dropout + 31.49) << s.time_s;  // 1.5 s beats: no ticks
    if (!s.beat) {
      ++ticks;
      const double k = s.time_s - dropout;  // 2.5, 3.5, ..., 30.5
      EXPECT_NEAR(k - 0.5, std::round(k - 0.5), 1e-9) << s.time_s;
      EXPECT_GE(k, 2.5 - 1e-9);
      EXPECT_NEAR(s.missing_pct, 100.0 * k / 60.0, 1e-6) << s.time_s;
      EXPECT_EQ(std::isnan(s.hr_bpm), k >= 10.0) << s.time_s;
      EXPECT_EQ(std::isnan(s.rmssd_30s_ms), k > 15.0) << s.time_s;
    }
    if (!std::isnan(s.rmssd_30s_ms)) {
      EXPECT_NEAR(s.rmssd_30s_ms, 20.0, 1e-9) << s.time_s;
    }
    if (s.beat && s.time_s > dropout + 31.49 + 16.0) {
      EXPECT_FALSE(std::isnan(s.rmssd_30s_ms)) << s.time_s;
      EXPECT_FALSE(std::isnan(s.hr_bpm)) << s.time_s;
    }
  }
  // The first interval after the dropout starts 30 s after the last one ended: a gap (its
  // start is more than the contiguity tolerance after the previous end). Ticks 2.5 s, 3.5 s,
  // ... 30.5 s after the last beat, before the next one 31.49 s later: 29.
  EXPECT_EQ(ticks, 29U);
  EXPECT_EQ(m.artefact_counts().gaps, 1);
  EXPECT_EQ(out.back().beats, 210);
}

// A slow regular heart is not a pause: 1200 ms intervals (50 bpm) for 5 minutes, with the
// stream time advanced densely in between, give one snapshot per beat and no tick; a pause
// longer than first_tick_s at the end gives ticks at +2.5 s, +3.5 s, +4.5 s.
TEST(hrv_monitor, slow_steady_heart_gives_no_ticks) {
  std::vector<metric_snapshot> out;
  hrv_monitor m({}, [&](const metric_snapshot& s) { out.push_back(s); });
  double t = 0.0;
  for (int i = 0; i < 250; ++i) {  // 300 s
    for (int k = 1; k <= 11; ++k) m.advance_to(t + 0.1 * k);
    t += 1.2;
    m.push({t, 1200.0, false, rr_status::accepted});
  }
  m.finish(t);
  std::size_t ticks = 0;
  for (const metric_snapshot& s : out) ticks += !s.beat;
  EXPECT_EQ(ticks, 0U);
  EXPECT_EQ(out.size(), 250U);
  EXPECT_NEAR(out.back().hr_bpm, 50.0, 1e-9);

  out.clear();
  m.reset();
  t = 0.0;
  for (int i = 0; i < 250; ++i) {
    t += 1.2;
    m.push({t, 1200.0, false, rr_status::accepted});
  }
  m.finish(t + 5.0);
  ASSERT_EQ(out.size(), 253U);
  for (std::size_t i = 250; i < out.size(); ++i) {
    EXPECT_FALSE(out[i].beat);
    EXPECT_NEAR(out[i].time_s, t + 2.5 + static_cast<double>(i - 250), 1e-9);
  }
}

TEST(hrv_monitor, bad_events_are_counted_and_dropped) {
  std::vector<metric_snapshot> out;
  hrv_monitor m({}, [&](const metric_snapshot& s) { out.push_back(s); });
  m.push({1.0, 1000.0, false, rr_status::accepted});
  m.push({std::numeric_limits<double>::quiet_NaN(), 1000.0, false, rr_status::accepted});
  m.push({0.5, 500.0, false, rr_status::accepted});  // out of order
  m.advance_to(5.0);
  m.push({4.0, 1000.0, false, rr_status::accepted});  // not after the advanced time
  m.push({6.0, std::numeric_limits<double>::infinity(), false, rr_status::accepted});
  EXPECT_EQ(m.dropped_events(), 4);
  m.finish(6.0);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out.front().beat);
  EXPECT_EQ(out.front().time_s, 1.0);
  EXPECT_EQ(m.latency_beats(), 3);
  EXPECT_DOUBLE_EQ(m.max_latency_s(), 8.0);
  m.reset();
  EXPECT_EQ(m.dropped_events(), 0);
}

TEST(hrv_monitor, rejects_bad_config) {
  hrv_monitor_config c;
  c.tick_s = 0.0;
  EXPECT_THROW(hrv_monitor(c, nullptr), std::invalid_argument);
  c = {};
  c.first_tick_s = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(hrv_monitor(c, nullptr), std::invalid_argument);
  c = {};
  c.time.long_window_s = -1.0;
  EXPECT_THROW(hrv_monitor(c, nullptr), std::invalid_argument);
  c = {};
  c.spectrum.hop_s = 0.0;
  EXPECT_THROW(hrv_monitor(c, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace resonant::engine
