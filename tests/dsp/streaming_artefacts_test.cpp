#include "dsp/streaming_artefacts.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "dsp/artefacts.hpp"
#include "dsp/range_gate.hpp"
#include "support/rr_text.hpp"

namespace resonant::dsp {
namespace {

// Sinus rhythm: 800 ms with a 0.1 Hz swing of +-40 ms and +-8 ms (uniform) beat noise.
std::vector<double> sinus_rr(std::size_t n, unsigned seed = 7) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> noise(-8.0, 8.0);
  std::vector<double> rr;
  double t = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = 800.0 + 40.0 * std::sin(2.0 * std::numbers::pi * 0.1 * t) + noise(gen);
    t += v / 1000.0;
    rr.push_back(v);
  }
  return rr;
}

std::vector<rr_event> events_of(const std::vector<double>& rr, double t0 = 0.0) {
  std::vector<rr_event> ev;
  double t = t0;
  for (const double v : rr) {
    t += v / 1000.0;
    ev.push_back(rr_event{t, v, false, rr_status::accepted});
  }
  return ev;
}

std::vector<rr_event> run_all(streaming_artefacts& s, const std::vector<rr_event>& in) {
  std::vector<rr_event> out;
  for (const rr_event& e : in) {
    for (const rr_event& o : s.push(e)) out.push_back(o);
  }
  for (const rr_event& o : s.finish()) out.push_back(o);
  return out;
}

TEST(streaming_artefacts, clean_rhythm_passes_unchanged_with_three_beat_latency) {
  streaming_artefacts s({});
  const auto in = events_of(sinus_rr(300));
  std::vector<rr_event> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    for (const rr_event& o : s.push(in[i])) out.push_back(o);
    // Interval i leaves when interval i + 3 arrives.
    EXPECT_EQ(out.size(), i >= 3 ? i - 2 : 0);
  }
  EXPECT_TRUE(s.pending());
  for (const rr_event& o : s.finish()) out.push_back(o);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].rr_ms, in[i].rr_ms);
    EXPECT_EQ(out[i].end_s, in[i].end_s);
    EXPECT_EQ(out[i].status, rr_status::accepted);
    EXPECT_FALSE(out[i].after_gap);
  }
  EXPECT_EQ(s.counts().found.total(), 0U);
  EXPECT_EQ(s.counts().unchecked, 9);  // judged once 10 differences and |mRR| values are known
  EXPECT_EQ(streaming_artefacts::latency_beats(), 3);
  EXPECT_DOUBLE_EQ(s.max_latency_s(), 2 * 2.5 + 3.0);
}

TEST(streaming_artefacts, premature_beat_is_moved_to_the_midpoint) {
  auto rr = sinus_rr(200);
  // Beat ending interval 100 comes 240 ms early: a short interval and its compensatory pause.
  rr[100] -= 240.0;
  rr[101] += 240.0;
  const auto in = events_of(rr);
  streaming_artefacts s({});
  const auto out = run_all(s, in);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(s.counts().found.ectopic, 1U);
  EXPECT_EQ(s.counts().found.total(), 1U);
  const double mean = 0.5 * (rr[100] + rr[101]);
  EXPECT_NEAR(out[100].rr_ms, mean, 1e-9);
  EXPECT_NEAR(out[101].rr_ms, mean, 1e-9);
  EXPECT_EQ(out[100].status, rr_status::corrected);
  EXPECT_EQ(out[101].status, rr_status::corrected);
  EXPECT_EQ(out[99].status, rr_status::accepted);
  EXPECT_EQ(out[102].status, rr_status::accepted);
  // The moved beat lies midway; the beats around it keep their times.
  EXPECT_NEAR(out[100].end_s, in[101].end_s - mean / 1000.0, 1e-12);
  EXPECT_EQ(out[101].end_s, in[101].end_s);
  EXPECT_EQ(s.counts().corrected_out, 2);
}

TEST(streaming_artefacts, missed_beat_is_split_and_extra_beat_merged) {
  auto rr = sinus_rr(300);
  std::vector<double> with_missed;
  for (std::size_t i = 0; i < rr.size(); ++i) {
    if (i == 120) {  // beat between 120 and 121 not detected
      with_missed.push_back(rr[120] + rr[121]);
      ++i;
    } else if (i == 200) {  // a spurious beat splits interval 200
      with_missed.push_back(rr[200] * 0.4);
      with_missed.push_back(rr[200] * 0.6);
    } else {
      with_missed.push_back(rr[i]);
    }
  }
  streaming_artefacts s({});
  const auto in = events_of(with_missed);
  const auto out = run_all(s, in);
  EXPECT_EQ(s.counts().found.missed, 1U);
  EXPECT_EQ(s.counts().found.extra, 1U);
  EXPECT_EQ(s.counts().found.total(), 2U);
  // Back to the original number of intervals and, around the fixes, the original values.
  ASSERT_EQ(out.size(), rr.size());
  EXPECT_NEAR(out[120].rr_ms, 0.5 * (rr[120] + rr[121]), 1e-9);
  EXPECT_NEAR(out[121].rr_ms, 0.5 * (rr[120] + rr[121]), 1e-9);
  EXPECT_NEAR(out[200].rr_ms, rr[200], 1e-9);
  EXPECT_EQ(out[200].status, rr_status::corrected);
  // Times stay consistent with the intervals: each start is the previous end.
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_NEAR(out[i].end_s - out[i].rr_ms / 1000.0, out[i - 1].end_s, 1e-9) << i;
  }
}

TEST(streaming_artefacts, range_gate_leaves_a_gap_and_ends_the_run) {
  auto in = events_of(sinus_rr(60));
  in[30].rr_ms = 3000.0;  // impossible value; its time stays
  streaming_artefacts s({});
  const auto out = run_all(s, in);
  EXPECT_EQ(s.counts().range_gated, 1);
  ASSERT_EQ(out.size(), in.size() - 1);
  EXPECT_FALSE(out[29].after_gap);
  EXPECT_TRUE(out[30].after_gap);  // interval 31 of the input
  EXPECT_EQ(out[30].end_s, in[31].end_s);
  EXPECT_EQ(s.counts().gaps, 1);
  // The gated interval ended the run at once: intervals 27..29 were released by it.
  streaming_artefacts t({});
  std::size_t released = 0;
  for (std::size_t i = 0; i <= 30; ++i) released += t.push(in[i]).size();
  EXPECT_EQ(released, 30U);
}

TEST(streaming_artefacts, late_start_marks_a_gap) {
  auto in = events_of(sinus_rr(60));
  for (std::size_t i = 40; i < in.size(); ++i) in[i].end_s += 5.0;  // 5 s of lost beats
  streaming_artefacts s({});
  const auto out = run_all(s, in);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].after_gap, i == 40) << i;
}

TEST(streaming_artefacts, run_ends_by_stream_time_not_by_call_pattern) {
  const auto in = events_of(sinus_rr(20));
  streaming_artefacts s({});
  for (const rr_event& e : in) (void)s.push(e);
  const double last = in.back().end_s;
  EXPECT_TRUE(s.advance_to(last + 1.0).empty());
  EXPECT_TRUE(s.advance_to(last + s.run_timeout_s() - 1e-6).empty());
  EXPECT_EQ(s.advance_to(last + s.run_timeout_s()).size(), 3U);
  EXPECT_FALSE(s.pending());
  EXPECT_DOUBLE_EQ(s.run_timeout_s(), 3.0);

  // The same stream continuing later gives the same output with or without advance_to.
  auto more = events_of(sinus_rr(20, 9), last + 4.0);
  std::vector<rr_event> a;
  std::vector<rr_event> b;
  streaming_artefacts x({});
  streaming_artefacts y({});
  for (const rr_event& e : in) {
    for (const rr_event& o : x.push(e)) a.push_back(o);
    for (const rr_event& o : y.push(e)) b.push_back(o);
  }
  for (const rr_event& o : y.advance_to(last + 3.5)) b.push_back(o);
  for (const rr_event& e : more) {
    for (const rr_event& o : x.push(e)) a.push_back(o);
    for (const rr_event& o : y.push(e)) b.push_back(o);
  }
  for (const rr_event& o : x.finish()) a.push_back(o);
  for (const rr_event& o : y.finish()) b.push_back(o);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].end_s, b[i].end_s);
    EXPECT_EQ(a[i].rr_ms, b[i].rr_ms);
    EXPECT_EQ(a[i].after_gap, b[i].after_gap);
    EXPECT_EQ(a[i].status, b[i].status);
  }
  EXPECT_TRUE(a[in.size()].after_gap);
}

TEST(streaming_artefacts, bad_input_is_counted_not_thrown) {
  streaming_artefacts s({});
  (void)s.push({10.0, 800.0, false, rr_status::accepted});
  EXPECT_TRUE(s.push({std::numeric_limits<double>::quiet_NaN(), 800.0, false}).empty());
  EXPECT_TRUE(s.push({9.0, 800.0, false}).empty());  // out of order
  EXPECT_TRUE(s.push({11.0, std::numeric_limits<double>::infinity(), false}).empty());
  EXPECT_EQ(s.counts().invalid, 3);
  // NaN interval with a time: a gap marker, like a range-gated value.
  const auto out = s.push({10.8, std::numeric_limits<double>::quiet_NaN(), false});
  EXPECT_EQ(s.counts().range_gated, 1);
  ASSERT_EQ(out.size(), 1U);  // the gap ended the run
  EXPECT_EQ(out[0].end_s, 10.0);
  EXPECT_TRUE(s.finish().empty());
}

TEST(streaming_artefacts, rejects_bad_config) {
  streaming_artefacts_config c;
  c.gate.min_rr_ms = 3000.0;
  EXPECT_THROW(streaming_artefacts{c}, std::invalid_argument);
  c = {};
  c.lipponen.qd_window = 90;
  EXPECT_THROW(streaming_artefacts{c}, std::invalid_argument);
  c = {};
  c.min_history = 1;
  EXPECT_THROW(streaming_artefacts{c}, std::invalid_argument);
  c = {};
  c.contiguity_tolerance_s = -1.0;
  EXPECT_THROW(streaming_artefacts{c}, std::invalid_argument);
}

// On real Holter data the causal detector finds nearly the same beats as the batch one.
TEST(streaming_artefacts, agrees_with_batch_detection_on_holter_data) {
  const auto rr_ms = test::load_column("reference/rr/nsr2db_nsr001.txt");
  const std::vector<double> first(rr_ms.begin(), rr_ms.begin() + 20000);
  const rr_series series = rr_series::from_intervals(first);
  const range_gate_result gated = apply_range_gate(series, {});
  const auto batch = detect_artefacts(gated.kept, lipponen_config{});
  std::size_t batch_flags = 0;
  for (const auto k : batch) batch_flags += k != artefact_kind::none ? 1 : 0;

  streaming_artefacts s({});
  std::vector<rr_event> in;
  for (std::size_t i = 0; i < series.size(); ++i) {
    in.push_back({series.end_s[i], series.rr_ms[i], false, rr_status::accepted});
  }
  const auto out = run_all(s, in);
  const std::size_t stream_flags = s.counts().found.total();
  ASSERT_GT(batch_flags, 20U);
  EXPECT_NEAR(static_cast<double>(stream_flags), static_cast<double>(batch_flags),
              0.25 * static_cast<double>(batch_flags));
  // Output time order and consistency.
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_GE(out[i].end_s, out[i - 1].end_s);
}

}  // namespace
}  // namespace resonant::dsp
