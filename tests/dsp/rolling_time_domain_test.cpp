#include "dsp/rolling_time_domain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "dsp/time_domain.hpp"
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

// The batch oracle: dsp::time_domain over the intervals with end_s in (t - w, t].
time_domain_result batch_window(const std::vector<rr_event>& ev, std::size_t upto, double t,
                                double w) {
  std::size_t first = upto;
  while (first > 0 && ev[first - 1].end_s > t - w) --first;
  rr_series s;
  for (std::size_t i = first; i < upto; ++i) {
    if (ev[i].end_s <= t) s.push_back(ev[i].rr_ms, ev[i].end_s, ev[i].after_gap);
  }
  return time_domain(s, time_domain_config{});
}

void expect_rel(double streaming, double batch, double rel, const char* what, double t) {
  EXPECT_NEAR(streaming, batch, rel * std::abs(batch) + 1e-12) << what << " at t = " << t;
}

// Every beat of the first hour of nsr001, and a tick between beats: each statistic equals
// the batch analysis of the same window within 1e-9 relative.
TEST(rolling_time_domain, equals_batch_time_domain_on_holter_data) {
  const auto ev = holter_events(5000);
  rolling_time_domain r({});
  std::size_t compared = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    r.push(ev[i]);
    for (const double t : {ev[i].end_s, ev[i].end_s + 0.3}) {
      if (i + 1 < ev.size() && t >= ev[i + 1].end_s) continue;
      const rolling_time_domain_values v = r.evaluate(t);
      const time_domain_result s = batch_window(ev, i + 1, t, 30.0);
      const time_domain_result l = batch_window(ev, i + 1, t, 60.0);
      if (!std::isnan(v.rmssd_short_ms)) {
        ASSERT_TRUE(s.rmssd_ms.has_value());
        expect_rel(v.rmssd_short_ms, *s.rmssd_ms, 1e-9, "rmssd 30", t);
      }
      if (!std::isnan(v.sdnn_ms)) {
        ASSERT_TRUE(l.sdnn_ms && l.rmssd_ms && l.pnn50_pct);
        expect_rel(v.sdnn_ms, *l.sdnn_ms, 1e-9, "sdnn", t);
        expect_rel(v.rmssd_long_ms, *l.rmssd_ms, 1e-9, "rmssd 60", t);
        expect_rel(v.pnn50_pct, *l.pnn50_pct, 1e-9, "pnn50", t);
        expect_rel(v.mean_rr_ms, *l.mean_nn_ms, 1e-9, "mean", t);
        ++compared;
      }
      if (i > 100) {
        EXPECT_FALSE(std::isnan(v.sdnn_ms)) << t;
        // The file has no gaps; between beats the interval in progress is not covered yet.
        EXPECT_NEAR(v.missing_pct, 100.0 * (t - ev[i].end_s) / 60.0, 1e-6);
      }
    }
  }
  EXPECT_GT(compared, 9500U);
}

// 24 hours of nsr001 through the same object: no drift, the rolling values equal a fresh
// computation of the last windows within 1e-9 relative.
TEST(rolling_time_domain, no_drift_after_24_hours) {
  const auto ev = holter_events(1U << 30U);
  ASSERT_GT(ev.back().end_s, 22.0 * 3600.0);
  rolling_time_domain r({});
  for (const rr_event& e : ev) {
    r.push(e);
    (void)r.evaluate(e.end_s);
  }
  const double t = ev.back().end_s;
  const rolling_time_domain_values v = r.evaluate(t);
  const time_domain_result s = batch_window(ev, ev.size(), t, 30.0);
  const time_domain_result l = batch_window(ev, ev.size(), t, 60.0);
  expect_rel(v.sdnn_ms, *l.sdnn_ms, 1e-9, "sdnn", t);
  expect_rel(v.rmssd_long_ms, *l.rmssd_ms, 1e-9, "rmssd 60", t);
  expect_rel(v.rmssd_short_ms, *s.rmssd_ms, 1e-9, "rmssd 30", t);
  expect_rel(v.pnn50_pct, *l.pnn50_pct, 1e-9, "pnn50", t);
  expect_rel(v.mean_rr_ms, *l.mean_nn_ms, 1e-12, "mean", t);
}

// 1 s beats alternating 980 / 1020 ms (every difference 40 ms), a 30 s dropout, then beats
// alternating 1480 / 1520 ms. The difference across the gap (460 ms) never counts.
TEST(rolling_time_domain, dropout_is_a_gap_not_a_difference) {
  std::vector<rr_event> ev;
  double t = 0.0;
  for (int i = 0; i < 120; ++i) {
    const double rr = i % 2 == 0 ? 980.0 : 1020.0;
    t += rr / 1000.0;
    ev.push_back({t, rr, false, rr_status::accepted});
  }
  const double dropout_start = t;
  t += 30.0;
  for (int i = 0; i < 60; ++i) {
    const double rr = i % 2 == 0 ? 1480.0 : 1520.0;  // a new level: 460 ms across the gap
    t += rr / 1000.0;
    ev.push_back({t, rr, i == 0, rr_status::accepted});
  }
  rolling_time_domain r({});
  std::size_t next = 0;
  bool saw_nan_short = false;
  for (double now = 1.0; now < t; now += 0.25) {
    while (next < ev.size() && ev[next].end_s <= now) r.push(ev[next++]);
    const rolling_time_domain_values v = r.evaluate(now);
    const time_domain_result s = batch_window(ev, next, now, 30.0);
    if (!std::isnan(v.rmssd_short_ms)) {
      expect_rel(v.rmssd_short_ms, *s.rmssd_ms, 1e-9, "rmssd 30", now);
      // All real differences are 40 ms: one across the gap would lift it.
      EXPECT_NEAR(v.rmssd_short_ms, 40.0, 1e-9) << now;
    } else if (now > 20.0) {
      saw_nan_short = true;
    }
    if (now > dropout_start + 15.5 && now < dropout_start + 30.0) {
      EXPECT_TRUE(std::isnan(v.rmssd_short_ms)) << now;  // less than half of 30 s covered
    }
    if (now > dropout_start + 12.0 && now < dropout_start + 30.0) {
      EXPECT_TRUE(std::isnan(v.hr_bpm)) << now;  // stale
    }
    if (now > dropout_start && now < dropout_start + 30.0 && now > 60.0) {
      // Missing share grows with the dropout.
      EXPECT_NEAR(v.missing_pct, 100.0 * (now - dropout_start) / 60.0, 100.0 * 1.1 / 60.0) << now;
    }
    if (now > dropout_start + 30.0 + 17.0) {
      EXPECT_FALSE(std::isnan(v.rmssd_short_ms)) << now;  // back after half a window of data
      EXPECT_FALSE(std::isnan(v.hr_bpm)) << now;
    }
  }
  EXPECT_TRUE(saw_nan_short);
}

TEST(rolling_time_domain, hr_and_corrected_share) {
  rolling_time_domain r({});
  double t = 0.0;
  for (int i = 0; i < 100; ++i) {
    const double rr = i >= 90 ? 500.0 : 1000.0;
    t += rr / 1000.0;
    const bool corrected = i >= 40 && i < 46;  // 6 s of corrected intervals
    r.push({t, rr, false, corrected ? rr_status::corrected : rr_status::accepted});
  }
  const rolling_time_domain_values v = r.evaluate(t);
  EXPECT_NEAR(v.hr_bpm, 120.0, 1e-9);  // last 5 intervals of 500 ms
  EXPECT_NEAR(v.corrected_pct, 100.0 * 6.0 / 60.0, 1e-9);
  EXPECT_NEAR(v.missing_pct, 0.0, 1e-9);
  EXPECT_EQ(v.intervals_long, 55U + 10U);  // 55 s of 1 s beats + 5 s of 0.5 s beats
  const rolling_time_domain_values later = r.evaluate(t + 10.0);
  EXPECT_TRUE(std::isnan(later.hr_bpm));
  EXPECT_NEAR(later.missing_pct, 100.0 * 10.0 / 60.0, 1e-9);
}

TEST(rolling_time_domain, start_of_stream_needs_half_a_window) {
  rolling_time_domain r({});
  double t = 0.0;
  for (int i = 0; i < 40; ++i) {
    t += 1.0;
    r.push({t, 1000.0 + (i % 2) * 10.0, false, rr_status::accepted});
    const rolling_time_domain_values v = r.evaluate(t);
    EXPECT_EQ(std::isnan(v.rmssd_short_ms), t < 15.0) << t;
    EXPECT_EQ(std::isnan(v.sdnn_ms), t < 30.0) << t;
    EXPECT_NEAR(v.missing_pct, 0.0, 1e-9);
  }
}

TEST(rolling_time_domain, overflow_keeps_the_newest) {
  rolling_time_domain_config c;
  c.min_interval_ms = 1000.0;  // buffers for 32 and 62 entries
  rolling_time_domain r(c);
  double t = 0.0;
  for (int i = 0; i < 200; ++i) {
    t += 0.5;
    r.push({t, 500.0, false, rr_status::accepted});
  }
  EXPECT_GT(r.overflowed(), 0);
  const rolling_time_domain_values v = r.evaluate(t);
  EXPECT_EQ(v.intervals_long, 62U);
  EXPECT_NEAR(v.mean_rr_ms, 500.0, 1e-12);
}

TEST(rolling_time_domain, rejects_bad_config) {
  rolling_time_domain_config c;
  c.short_window_s = 0.0;
  EXPECT_THROW(rolling_time_domain{c}, std::invalid_argument);
  c = {};
  c.min_coverage = 1.5;
  EXPECT_THROW(rolling_time_domain{c}, std::invalid_argument);
  c = {};
  c.hr_beats = 0;
  EXPECT_THROW(rolling_time_domain{c}, std::invalid_argument);
}

}  // namespace
}  // namespace resonant::dsp
