#include "engine/session_pipeline.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/signal_recording.hpp"
#include "dsp/beat_intervals.hpp"
#include "dsp/ecg_detector.hpp"
#include "support/rr_text.hpp"

namespace resonant::engine {
namespace {

// Bitwise comparison of two snapshot streams (NaN == NaN when the bits agree).
bool same_bits(const std::vector<metric_snapshot>& a, const std::vector<metric_snapshot>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    const double xs[] = {x.time_s,        x.rr_ms,
                         x.hr_bpm,        x.rmssd_30s_ms,
                         x.rmssd_60s_ms,  x.sdnn_60s_ms,
                         x.pnn50_60s_pct, x.lf_ms2,
                         x.hf_ms2,        x.lf_hf,
                         x.coherence,     x.coherence_peak_hz,
                         x.rsa_bpm,       x.breathing_rate_bpm,
                         x.corrected_pct, x.missing_pct};
    const double ys[] = {y.time_s,        y.rr_ms,
                         y.hr_bpm,        y.rmssd_30s_ms,
                         y.rmssd_60s_ms,  y.sdnn_60s_ms,
                         y.pnn50_60s_pct, y.lf_ms2,
                         y.hf_ms2,        y.lf_hf,
                         y.coherence,     y.coherence_peak_hz,
                         y.rsa_bpm,       y.breathing_rate_bpm,
                         y.corrected_pct, y.missing_pct};
    if (std::memcmp(xs, ys, sizeof xs) != 0 || x.beats != y.beats || x.beat != y.beat) return false;
  }
  return true;
}

drivers::signal_recording mitdb_100() {
  drivers::signal_file_options o;
  return drivers::read_signal_file(test::data_path("recordings/mitdb/100.hea"), o);
}

std::vector<metric_snapshot> run_ecg(const drivers::signal_recording& sig, std::size_t block,
                                     std::size_t n_samples) {
  std::vector<metric_snapshot> out;
  pipeline_config cfg;
  cfg.kind = input_kind::ecg;
  cfg.rate_hz = sig.fs_hz;
  session_pipeline p(cfg, [&](const metric_snapshot& s) { out.push_back(s); });
  const std::span<const double> all(sig.samples.data(), n_samples);
  for (std::size_t i = 0; i < all.size(); i += block) {
    const std::size_t n = std::min(block, all.size() - i);
    p.push_samples(static_cast<std::int64_t>(i), all.subspan(i, n));
  }
  p.finish(p.stream_time_s());
  return out;
}

TEST(session_pipeline, ecg_output_does_not_depend_on_block_size) {
  const auto sig = mitdb_100();
  const std::size_t n = static_cast<std::size_t>(sig.fs_hz * 300.0);  // 5 minutes
  const auto ref = run_ecg(sig, 4096, n);
  ASSERT_GT(ref.size(), 300U);
  EXPECT_TRUE(same_bits(ref, run_ecg(sig, 1, n)));
  EXPECT_TRUE(same_bits(ref, run_ecg(sig, 7, n)));
  EXPECT_TRUE(same_bits(ref, run_ecg(sig, 1000, n)));
}

TEST(session_pipeline, intervals_are_those_of_the_batch_detector) {
  const auto sig = mitdb_100();
  const std::size_t n = static_cast<std::size_t>(sig.fs_hz * 300.0);
  dsp::ecg_detector_config dc;
  dc.sample_rate_hz = sig.fs_hz;
  const std::vector<double> head(sig.samples.begin(),
                                 sig.samples.begin() + static_cast<std::ptrdiff_t>(n));
  const auto beats = dsp::detect_ecg_beats(head, dc);
  const dsp::rr_series batch = dsp::intervals_from_beats(beats, sig.fs_hz);

  std::vector<metric_snapshot> out;
  pipeline_config cfg;
  cfg.kind = input_kind::ecg;
  cfg.rate_hz = sig.fs_hz;
  session_pipeline p(cfg, [&](const metric_snapshot& s) { out.push_back(s); });
  p.push_samples(0, head);
  p.finish(p.stream_time_s());
  EXPECT_EQ(p.counters().beats, static_cast<std::int64_t>(beats.size()));
  EXPECT_EQ(p.counters().intervals, static_cast<std::int64_t>(batch.size()));
  // Beat snapshots carry the beat times of the batch detector (absolute stream time), and
  // where the artefact stage left the interval alone, its value.
  std::size_t matched = 0;
  std::size_t j = 0;
  const double t0 = beats.front().time_s(sig.fs_hz);
  for (const auto& s : out) {
    if (!s.beat) continue;
    while (j < batch.size() && batch.end_s[j] + t0 < s.time_s - 1e-9) ++j;
    if (j < batch.size() && std::abs(batch.end_s[j] + t0 - s.time_s) < 1e-9 &&
        std::abs(batch.rr_ms[j] - s.rr_ms) < 1e-6)
      ++matched;
  }
  // Every interval the artefact stage passed unchanged is the batch one; the corrected ones
  // (MIT-BIH 100 has atrial premature beats) change themselves and at most their neighbour.
  const auto& ac = p.monitor().artefact_counts();
  EXPECT_EQ(ac.accepted_out + ac.corrected_out + ac.dropped + ac.range_gated,
            static_cast<std::int64_t>(batch.size()) - ac.found.extra);
  EXPECT_GE(static_cast<std::int64_t>(matched), ac.accepted_out - ac.corrected_out);
  EXPECT_GE(static_cast<double>(matched), 0.95 * static_cast<double>(batch.size()));
}

TEST(session_pipeline, a_sample_dropout_is_a_gap_with_ticks_inside) {
  const auto sig = mitdb_100();
  const auto fs = sig.fs_hz;
  const auto n = static_cast<std::size_t>(fs * 240.0);
  std::vector<metric_snapshot> out;
  pipeline_config cfg;
  cfg.kind = input_kind::ecg;
  cfg.rate_hz = fs;
  session_pipeline p(cfg, [&](const metric_snapshot& s) { out.push_back(s); });
  const std::span<const double> all(sig.samples.data(), n);
  const auto cut_from = static_cast<std::size_t>(100.0 * fs);
  const auto cut_to = static_cast<std::size_t>(130.0 * fs);  // 30 s lost
  p.push_samples(0, all.subspan(0, cut_from));
  p.push_samples(static_cast<std::int64_t>(cut_to), all.subspan(cut_to));
  p.finish(p.stream_time_s());
  EXPECT_EQ(p.counters().missing_samples, static_cast<std::int64_t>(cut_to - cut_from));

  // No beat inside the dropout; no interval spans it; ticks report it.
  std::size_t ticks_inside = 0;
  double max_missing = 0.0;
  for (const auto& s : out) {
    if (s.beat) {
      EXPECT_FALSE(s.time_s > 100.5 && s.time_s < 130.0) << s.time_s;
      if (s.time_s > 130.0 && s.time_s < 133.0) {
        EXPECT_LT(s.rr_ms, 1500.0);
      }
    } else if (s.time_s > 101.0 && s.time_s < 130.0) {
      ++ticks_inside;
    }
    if (s.time_s > 125.0 && s.time_s < 135.0 && std::isfinite(s.missing_pct))
      max_missing = std::max(max_missing, s.missing_pct);
  }
  EXPECT_GE(ticks_inside, 20U);
  EXPECT_GT(max_missing, 30.0);
  // Metrics come back once there is data again.
  EXPECT_TRUE(std::isfinite(out.back().rmssd_60s_ms));
  EXPECT_TRUE(std::isfinite(out.back().hr_bpm));
}

TEST(session_pipeline, rr_input_with_and_without_clock_calls_is_identical) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 25.0);
  std::vector<double> rr;
  for (int i = 0; i < 600; ++i)
    rr.push_back(900.0 + 60.0 * std::sin(0.6 * static_cast<double>(i)) + noise(rng));
  const auto run = [&](bool clocks) {
    std::vector<metric_snapshot> out;
    session_pipeline p(pipeline_config{}, [&](const metric_snapshot& s) { out.push_back(s); });
    double t = 0.0;
    for (std::size_t i = 0; i < rr.size(); ++i) {
      if (i == 300) t += 20.0;  // dropout
      t += rr[i] / 1000.0;
      p.push_rr(t, rr[i], i == 300);
      if (clocks) p.advance_to(t + 0.2);  // the next beat is >= 0.7 s away
    }
    p.finish(t + 2.0);
    return out;
  };
  const auto a = run(false);
  const auto b = run(true);
  ASSERT_GT(a.size(), 600U);
  EXPECT_TRUE(same_bits(a, b));
}

}  // namespace
}  // namespace resonant::engine
