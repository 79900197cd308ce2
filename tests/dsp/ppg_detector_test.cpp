#include "dsp/ppg_detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "support/beat_matching.hpp"
#include "support/rr_text.hpp"

namespace {

using resonant::dsp::beat_event;
using resonant::dsp::detect_ppg_beats;
using resonant::dsp::ppg_detector;
using resonant::dsp::ppg_detector_config;
using resonant::dsp::seconds_f;
using resonant::dsp::signal_flag;

ppg_detector_config config_at(double fs) {
  ppg_detector_config cfg;
  cfg.sample_rate_hz = fs;
  return cfg;
}

std::vector<double> times_s(const std::vector<beat_event>& beats, double fs) {
  std::vector<double> t;
  t.reserve(beats.size());
  for (const beat_event& b : beats) t.push_back(b.time_s(fs));
  return t;
}

std::vector<double> diffs_ms(const std::vector<double>& t_s) {
  std::vector<double> d;
  for (std::size_t i = 1; i < t_s.size(); ++i) d.push_back(1000.0 * (t_s[i] - t_s[i - 1]));
  return d;
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double rmssd_of(const std::vector<double>& rr) {
  double s = 0.0;
  for (std::size_t i = 1; i < rr.size(); ++i) s += (rr[i] - rr[i - 1]) * (rr[i] - rr[i - 1]);
  return rr.size() < 2 ? 0.0 : std::sqrt(s / static_cast<double>(rr.size() - 1));
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

resonant::drivers::signal_recording read_ppg(const std::string& relative, const std::string& column,
                                             bool invert,
                                             std::optional<double> rate_hz = std::nullopt) {
  resonant::drivers::signal_file_options opt;
  opt.rate_hz = rate_hz;
  opt.column = column;
  opt.signal = "ppg";
  opt.invert = invert;
  opt.resample_hz = 100.0;
  return resonant::drivers::read_signal_file(resonant::test::data_path(relative), opt);
}

// ---- synthetic pulse train with known systolic peaks -------------------------------------

// One pulse (arbitrary units, onset at u = 0 s): a skewed systolic wave (Gaussian times a
// falling tanh edge) plus a smaller diastolic wave 0.3 s after the systolic one.
double pulse_shape(double u) {
  if (u < 0.0 || u > 1.2) return 0.0;
  const double sys =
      std::exp(-0.5 * std::pow((u - 0.15) / 0.06, 2.0)) * (1.0 + std::tanh(-(u - 0.15) / 0.15));
  const double dia = 0.35 * std::exp(-0.5 * std::pow((u - 0.45) / 0.08, 2.0));
  return sys + dia;
}

struct synthetic {
  std::vector<double> x;
  std::vector<double> peaks_s;  // true systolic maxima of the clean pulse train (but the last
                                // 0.5 s, where a pulse may be cut by the end of the record)
};

struct synthetic_spec {
  double fs = 100.0;
  double duration_s = 120.0;
  double wander = 1.0;       // baseline wander amplitude (0.05 Hz + 0.23 Hz sinusoids)
  double noise_sd = 0.02;    // white noise, pulse amplitude ~1.1
  double low_from_s = -1.0;  // amplitude x low_gain in [low_from_s, low_to_s)
  double low_to_s = -1.0;
  double low_gain = 0.1;
  double interval_s = 0.8;  // mean beat interval
  int extra_every = 0;      // every extra_every-th interval holds an extra small wave (0: none)
  double extra_from = 0.6;  // its centre, after the systolic wave (onset + 0.15 s), is drawn
  double extra_to = 0.72;   // uniformly in [extra_from, extra_to] x the interval
  double extra_gain = 0.5;  // its height (the systolic wave is about 1.1)
};

// Beat intervals interval_s +- 15 % (respiratory 0.25 Hz and slow 0.03 Hz modulation). The true
// peak of each pulse is the maximum of the clean continuous signal (pulse tails overlap the
// next pulse a little), found on a 0.1 ms grid.
synthetic make_pulses(const synthetic_spec& spec) {
  std::vector<double> onsets;
  std::vector<double> extras;  // centres of the extra waves
  std::mt19937 place(777);
  std::uniform_real_distribution<double> where(spec.extra_from, spec.extra_to);
  for (double t = 0.3; t < spec.duration_s;) {
    onsets.push_back(t);
    const double step = spec.interval_s * (1.0 + 0.1 * std::sin(2.0 * std::numbers::pi * 0.25 * t) +
                                           0.05 * std::sin(2.0 * std::numbers::pi * 0.03 * t));
    if (spec.extra_every > 0 && onsets.size() % static_cast<std::size_t>(spec.extra_every) == 0)
      extras.push_back(t + 0.15 + where(place) * step);
    t += step;
  }
  const auto gain = [&spec](double t) {
    return t >= spec.low_from_s && t < spec.low_to_s ? spec.low_gain : 1.0;
  };
  const auto clean = [&](double t) {
    double v = 0.0;
    for (const double o : onsets) {
      if (t - o > 1.2) continue;
      if (t < o) break;
      v += gain(o) * pulse_shape(t - o);
    }
    for (const double c : extras) {
      if (std::abs(t - c) < 0.4)
        v += spec.extra_gain * std::exp(-0.5 * std::pow((t - c) / 0.07, 2));
    }
    return v;
  };
  synthetic s;
  for (const double o : onsets) {
    double best_t = o;
    double best_v = -1.0;
    for (double t = o + 0.05; t < o + 0.3; t += 1e-4) {
      const double v = clean(t);
      if (v > best_v) {
        best_v = v;
        best_t = t;
      }
    }
    if (best_t < spec.duration_s - 0.5) s.peaks_s.push_back(best_t);
  }
  std::mt19937 rng(12345);
  std::normal_distribution<double> noise(0.0, spec.noise_sd);
  const auto n = static_cast<std::size_t>(spec.duration_s * spec.fs);
  s.x.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / spec.fs;
    s.x[i] = 3.0 + clean(t) +
             spec.wander * (0.6 * std::sin(2.0 * std::numbers::pi * 0.05 * t + 0.3) +
                            0.4 * std::sin(2.0 * std::numbers::pi * 0.23 * t)) +
             noise(rng);
  }
  return s;
}

// Beats of a synthetic record, without the last 0.5 s (see synthetic::peaks_s).
std::vector<beat_event> detect_synthetic(const synthetic& s, double fs,
                                         std::optional<ppg_detector_config> cfg = std::nullopt) {
  auto beats = detect_ppg_beats(s.x, cfg ? *cfg : config_at(fs));
  const double end_s = static_cast<double>(s.x.size()) / fs - 0.5;
  while (!beats.empty() && beats.back().time_s(fs) >= end_s) beats.pop_back();
  return beats;
}

// Mean and SD of (detected - true) over matched pairs (nearest detection within 50 ms).
struct timing {
  double bias_ms = 0.0;
  double sd_ms = 0.0;
};
timing timing_error(const std::vector<double>& truth, const std::vector<double>& det) {
  std::vector<double> e;
  for (const double t : truth) {
    const auto it = std::lower_bound(det.begin(), det.end(), t - 0.05);
    if (it != det.end() && std::abs(*it - t) <= 0.05) e.push_back(1000.0 * (*it - t));
  }
  const double m = mean_of(e);
  double v = 0.0;
  for (const double x : e) v += (x - m) * (x - m);
  return {m, e.size() > 1 ? std::sqrt(v / static_cast<double>(e.size() - 1)) : 0.0};
}

// ---- configuration -----------------------------------------------------------------------

TEST(PpgDetector, RejectsInvalidConfig) {
  EXPECT_THROW(ppg_detector(config_at(0.0)), std::invalid_argument);
  EXPECT_THROW(ppg_detector(config_at(15.0)), std::invalid_argument);  // 8 Hz >= fs / 2
  auto cfg = config_at(100.0);
  cfg.low_hz = 9.0;
  EXPECT_THROW(ppg_detector{cfg}, std::invalid_argument);
  cfg = config_at(100.0);
  cfg.beat_window = seconds_f{0.05};
  EXPECT_THROW(ppg_detector{cfg}, std::invalid_argument);
  cfg = config_at(100.0);
  cfg.spike_ratio = 1.0;
  EXPECT_THROW(ppg_detector{cfg}, std::invalid_argument);
  cfg = config_at(100.0);
  cfg.template_beats = 0;
  EXPECT_THROW(ppg_detector{cfg}, std::invalid_argument);
  cfg = config_at(100.0);
  cfg.noisy_below = 1.5;
  EXPECT_THROW(ppg_detector{cfg}, std::invalid_argument);
  EXPECT_NO_THROW(ppg_detector(config_at(25.0)));
}

// ---- synthetic truth -----------------------------------------------------------------------

// All beats found at 25, 50, 100 and 250 Hz with baseline wander and noise; timing error
// stated as bias (the shape-dependent residue of the delay compensation, a constant that
// cancels in RR intervals) and beat-to-beat SD (what RR intervals see).
TEST(PpgDetector, SyntheticPulsesAllRates) {
  for (const double fs : {25.0, 50.0, 100.0, 250.0}) {
    synthetic_spec spec;
    spec.fs = fs;
    const synthetic s = make_pulses(spec);
    const auto beats = detect_synthetic(s, fs);
    const auto det = times_s(beats, fs);
    const auto m = resonant::test::match_beats(s.peaks_s, det, 0.05);
    const timing te = timing_error(s.peaks_s, det);
    std::cout << "[ synthetic ] fs " << fs << " Hz: " << s.peaks_s.size() << " true, " << det.size()
              << " detected, FN " << m.false_negatives << ", FP " << m.false_positives << ", bias "
              << te.bias_ms << " ms, sd " << te.sd_ms << " ms\n";
    EXPECT_EQ(m.false_negatives, 0u) << fs;
    EXPECT_EQ(m.false_positives, 0u) << fs;
    EXPECT_LT(std::abs(te.bias_ms), 20.0) << fs;
    EXPECT_LT(te.sd_ms, fs < 40.0 ? 8.0 : 4.0) << fs;
    std::size_t flagged = 0;
    for (std::size_t i = 3; i < beats.size(); ++i) {
      flagged += beats[i].flag != signal_flag::ok;
      EXPECT_GT(beats[i].quality, 0.8) << fs << " beat " << i;
    }
    EXPECT_EQ(flagged, 0u) << fs;
  }
}

// A slow pulse (1.15 s) where every second interval holds an extra wave of 0.45 of the pulse
// height at 60-72 % of the interval after the systolic peak, 0.32-0.46 s before the next pulse,
// as measured on Welltory subject 1's camera. The secondary-wave rule alone (early AND small
// after the last beat) fails here: once one wave passes, the short interval it leaves enters
// the median and the rule starts letting the others through. Holding each beat until the next
// one is seen removes them: a clean, larger pulse that comes early after a small held wave
// shows the wave was not a pulse. With the hold off (hold_max = 0) the same record gives extra
// beats: the rule does the work.
TEST(PpgDetector, SmallWaveBeforeAPulseIsNotABeat) {
  synthetic_spec spec;
  spec.interval_s = 1.15;
  spec.extra_every = 2;
  const synthetic s = make_pulses(spec);
  const auto det = times_s(detect_synthetic(s, 100.0), 100.0);
  const auto m = resonant::test::match_beats(s.peaks_s, det, 0.05);
  // Before three intervals are known nothing is held: the start may keep one small wave.
  std::vector<double> truth_later;
  std::vector<double> det_later;
  for (const double t : s.peaks_s) {
    if (t > 5.0) truth_later.push_back(t);
  }
  for (const double t : det) {
    if (t > 5.0) det_later.push_back(t);
  }
  const auto m_later = resonant::test::match_beats(truth_later, det_later, 0.05);
  auto no_hold = config_at(100.0);
  no_hold.hold_max = seconds_f{0.0};
  const auto m_off = resonant::test::match_beats(
      s.peaks_s, times_s(detect_synthetic(s, 100.0, no_hold), 100.0), 0.05);
  std::cout << "[ small wave ] " << s.peaks_s.size() << " beats, " << s.peaks_s.size() / 2
            << " extra waves: missed " << m.false_negatives << ", extra " << m.false_positives
            << " (after 5 s: " << m_later.false_negatives << ", " << m_later.false_positives
            << "); without the hold: missed " << m_off.false_negatives << ", extra "
            << m_off.false_positives << "\n";
  EXPECT_EQ(m.false_negatives, 0u);
  EXPECT_LE(m.false_positives, 1u);
  EXPECT_EQ(m_later.false_negatives, 0u);
  EXPECT_EQ(m_later.false_positives, 0u);
  EXPECT_GT(m_off.false_positives, s.peaks_s.size() / 4);
}

// NeuroKit2 issue #588: Elgendi's offset uses the mean of the squared signal over the whole
// recording, so one huge spike suppresses every later beat. Here one 3-sample spike of 200x
// the pulse amplitude at t = 10 s costs at most three beats, within 2.5 s after it: the band-pass
// rings after the impulse and hides the next pulses (a causal filter cannot do better
// without despiking its input). Every beat before the spike and after 12.5 s is found.
TEST(PpgDetector, SingleHugeSpikeDoesNotBlind) {
  synthetic_spec spec;
  synthetic s = make_pulses(spec);
  const std::size_t at = 1000;
  for (std::size_t i = at; i < at + 3; ++i) s.x[i] += 200.0;
  const auto beats = detect_synthetic(s, 100.0);
  const auto det = times_s(beats, 100.0);
  std::vector<double> truth_far;
  for (const double t : s.peaks_s) {
    if (t < 9.9 || t > 12.5) truth_far.push_back(t);
  }
  std::vector<double> det_far;
  for (const double t : det) {
    if (t < 9.9 || t > 12.5) det_far.push_back(t);
  }
  const auto m = resonant::test::match_beats(truth_far, det_far, 0.05);
  const auto m_all = resonant::test::match_beats(s.peaks_s, det, 0.05);
  std::cout << "[ spike ] " << truth_far.size() << " true beats away from the spike, missed "
            << m.false_negatives << ", extra " << m.false_positives << "; whole record missed "
            << m_all.false_negatives << ", extra " << m_all.false_positives << "\n";
  EXPECT_LE(m_all.false_negatives, 3u);
  EXPECT_LE(m_all.false_positives, 2u);
  EXPECT_EQ(m.false_negatives, 0u);
  EXPECT_EQ(m.false_positives, 0u);
}

// Amplitude x0.1 for 20 s (40..60 s): every beat inside and after the stretch is still found.
TEST(PpgDetector, LowAmplitudeStretchStillDetected) {
  synthetic_spec spec;
  spec.low_from_s = 40.0;
  spec.low_to_s = 60.0;
  spec.noise_sd = 0.002;
  const synthetic s = make_pulses(spec);
  const auto det = times_s(detect_synthetic(s, 100.0), 100.0);
  std::vector<double> low;
  for (const double t : s.peaks_s) {
    if (t >= 40.0 && t < 60.0) low.push_back(t);
  }
  std::vector<double> det_low;
  for (const double t : det) {
    if (t >= 39.95 && t < 60.05) det_low.push_back(t);
  }
  const auto m_low = resonant::test::match_beats(low, det_low, 0.05);
  const auto m_all = resonant::test::match_beats(s.peaks_s, det, 0.05);
  std::cout << "[ low amplitude ] " << low.size() << " beats in the x0.1 stretch, missed "
            << m_low.false_negatives << "; whole record missed " << m_all.false_negatives
            << ", extra " << m_all.false_positives << "\n";
  EXPECT_EQ(m_low.false_negatives, 0u);
  EXPECT_EQ(m_all.false_negatives, 0u);
  EXPECT_EQ(m_all.false_positives, 0u);
}

// A sensor at its rail: 10 s stuck at the converter minimum from 0.15 s after a systolic
// peak near 30 s, then pulses again; later the pulse tops are cut by an upper rail (60..70 s).
// No beat inside the dropout; the beat whose pulse window runs into it is flagged flat; every
// beat from the end of the dropout on is found (the first within 50 ms of the truth); the
// beats under the upper rail are flagged clipped; the others are ok.
TEST(PpgDetector, DropoutAndClippingFlags) {
  synthetic_spec spec;
  spec.wander = 0.0;
  spec.noise_sd = 0.0;
  synthetic s = make_pulses(spec);
  const double fs = 100.0;
  const double cut_peak =
      *std::lower_bound(s.peaks_s.begin(), s.peaks_s.end(), 30.0);  // last beat before it
  const double drop_from = cut_peak + 0.15;
  const double drop_to = drop_from + 10.0;
  const auto drop_first = static_cast<std::size_t>(drop_from * fs);
  const auto drop_end = static_cast<std::size_t>(drop_to * fs);
  for (std::size_t i = drop_first; i < drop_end; ++i) s.x[i] = 0.0;
  for (std::size_t i = 6000; i < 7000; ++i) s.x[i] = std::min(s.x[i], 3.0 + 0.8);
  const auto beats = detect_synthetic(s, fs);
  std::size_t clipped = 0;
  std::size_t clip_window_beats = 0;
  std::vector<double> after_drop;
  for (const beat_event& b : beats) {
    const double t = b.time_s(fs);
    EXPECT_FALSE(t >= drop_from && t < drop_to) << "beat inside the dropout at " << t;
    if (t >= drop_to) after_drop.push_back(t);
    if (t > 60.3 && t < 69.7) {
      ++clip_window_beats;
      clipped += b.flag == signal_flag::clipped;
    } else if (std::abs(t - cut_peak) < 0.05) {
      EXPECT_EQ(b.flag, signal_flag::flat) << t;
    } else if (t > 5.0 && (t < 59.0 || t > 71.0) && std::abs(t - drop_to) > 1.0) {
      EXPECT_EQ(b.flag, signal_flag::ok) << t;
    }
  }
  std::vector<double> truth_after;
  for (const double t : s.peaks_s) {
    if (t >= drop_to) truth_after.push_back(t);
  }
  const auto m = resonant::test::match_beats(truth_after, after_drop, 0.05);
  std::cout << "[ dropout ] " << truth_after.size() << " beats after the dropout, missed "
            << m.false_negatives << ", extra " << m.false_positives << "; clipped flags " << clipped
            << "/" << clip_window_beats << "\n";
  EXPECT_EQ(m.false_negatives, 0u);
  EXPECT_EQ(m.false_positives, 0u);
  EXPECT_GT(clip_window_beats, 10u);
  EXPECT_EQ(clipped, clip_window_beats);
}

// ---- streaming contract --------------------------------------------------------------------

std::vector<beat_event> run_in_blocks(ppg_detector& det, const std::vector<double>& x,
                                      std::size_t block, std::int64_t& worst_latency) {
  std::vector<beat_event> out;
  std::int64_t fed = 0;
  const auto sink = [&](const beat_event& b) {
    out.push_back(b);
    worst_latency = std::max(worst_latency, fed - 1 - b.sample);
  };
  for (std::size_t i = 0; i < x.size(); i += block) {
    const std::size_t len = std::min(block, x.size() - i);
    if (block == 1) fed = static_cast<std::int64_t>(i) + 1;  // exact emission index
    det.process(std::span<const double>(x.data() + i, len), sink);
  }
  det.finish([&](const beat_event& b) { out.push_back(b); });
  return out;
}

bool same_beats(const std::vector<beat_event>& a, const std::vector<beat_event>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].sample != b[i].sample || a[i].offset != b[i].offset || a[i].quality != b[i].quality ||
        a[i].flag != b[i].flag) {
      return false;
    }
  }
  return true;
}

// One sample at a time, blocks of 7 and the whole array give identical beats (bit for bit), on a
// recording with dropouts and spikes; beats come in increasing order; the observed delay between
// a beat and the sample during which it was emitted never exceeds latency_samples(); reset()
// returns to the initial state.
TEST(PpgDetector, StreamingInvariance) {
  const auto rec = read_ppg("recordings/heartpy_data2.csv", "hr", false);
  ppg_detector det(config_at(rec.fs_hz));
  std::int64_t worst_single = 0;
  std::int64_t unused = 0;
  const auto single = run_in_blocks(det, rec.samples, 1, worst_single);
  const auto sevens = run_in_blocks(det, rec.samples, 7, unused);
  const auto whole = run_in_blocks(det, rec.samples, rec.samples.size(), unused);
  ppg_detector fresh(config_at(rec.fs_hz));
  fresh.process(std::span<const double>(rec.samples.data(), 5000), [](const beat_event&) {});
  fresh.reset();
  const auto after_reset = run_in_blocks(fresh, rec.samples, 1000, unused);
  ASSERT_GT(single.size(), 100u);
  EXPECT_TRUE(same_beats(single, sevens));
  EXPECT_TRUE(same_beats(single, whole));
  EXPECT_TRUE(same_beats(single, after_reset));
  EXPECT_TRUE(same_beats(single, detect_ppg_beats(rec.samples, config_at(rec.fs_hz))));
  for (std::size_t i = 1; i < single.size(); ++i) {
    EXPECT_LT(single[i - 1].sample, single[i].sample);
  }
  for (const beat_event& b : single) {
    EXPECT_GE(b.offset, -0.5);
    EXPECT_LE(b.offset, 0.5);
    EXPECT_GE(b.quality, 0.0);
    EXPECT_LE(b.quality, 1.0);
  }
  std::cout << "[ latency ] stated " << det.latency_samples() << " samples, worst observed "
            << worst_single << "\n";
  EXPECT_LE(worst_single, det.latency_samples());
  EXPECT_GT(worst_single, det.latency_samples() / 4);
}

// ---- real recordings -----------------------------------------------------------------------

// NeuroKit2 resting recording, finger PPG at 100 Hz, 300 s. Reference: NeuroKit2 0.2.12
// ppg_peaks (Elgendi, zero-phase filter) found 431 intervals
// (data/reference/rr/nk_resting5min_ppg__neurokit2.txt). Beat count within +-1, mean NN within
// 0.5 %, interval by interval (when counts agree) within 25 ms at the 95th percentile: the
// causal filter puts the peak a few ms differently than the zero-phase one.
TEST(PpgDetector, NeuroKitRestingRecording) {
  const auto rec = read_ppg("recordings/neurokit_bio_resting_5min_100hz.csv", "PPG", false, 100.0);
  ASSERT_DOUBLE_EQ(rec.fs_hz, 100.0);
  const auto beats = detect_ppg_beats(rec.samples, config_at(rec.fs_hz));
  const auto rr = diffs_ms(times_s(beats, rec.fs_hz));
  const auto ref = resonant::test::load_column("reference/rr/nk_resting5min_ppg__neurokit2.txt");
  ASSERT_EQ(ref.size(), 431u);
  const double err = mean_of(rr) / mean_of(ref) - 1.0;
  std::size_t flagged = 0;
  for (const beat_event& b : beats) flagged += b.flag != signal_flag::ok;
  std::cout << "[ resting ] beats " << beats.size() << " (NK2 432), mean NN " << mean_of(rr)
            << " ms vs " << mean_of(ref) << " ms (" << 100.0 * err << " %), RMSSD " << rmssd_of(rr)
            << " vs " << rmssd_of(ref) << " ms, flagged " << flagged << "\n";
  EXPECT_NEAR(static_cast<double>(beats.size()), 432.0, 1.0);
  EXPECT_LT(std::abs(err), 0.005);
  EXPECT_LE(flagged, 4u);
  if (rr.size() == ref.size()) {
    std::vector<double> d;
    for (std::size_t i = 0; i < rr.size(); ++i) d.push_back(std::abs(rr[i] - ref[i]));
    std::sort(d.begin(), d.end());
    const double p95 = d[d.size() * 95 / 100];
    std::cout << "[ resting ] |RR - RR_NK2|: median " << d[d.size() / 2] << " ms, p95 " << p95
              << " ms\n";
    EXPECT_LT(p95, 25.0);
  }
}

// HeartPy data2: finger PPG (timer in ms, ~117 Hz, resampled to 100 Hz by the reader) with a
// 7 s stretch stuck at 0 (sensor saturated at its lower rail) and motion spikes. Dropouts are
// identified from the signal itself: runs of identical values lasting >= 0.5 s (the resampled
// values are equal exactly where the raw samples were). No beat may fall inside a dropout and a
// beat must follow within two expected beat periods (median interval of the clean beats) of its
// end. NeuroKit2's RR on this file (hp_data2__neurokit2.txt, 128 intervals, mean 965 ms) is
// confused by the spikes; printed for orientation only.
TEST(PpgDetector, HeartPyDropoutsAndSpikes) {
  const auto rec = read_ppg("recordings/heartpy_data2.csv", "hr", false);
  const double fs = rec.fs_hz;
  const auto& x = rec.samples;
  struct stretch {
    double from_s, to_s;
  };
  std::vector<stretch> dropouts;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= x.size(); ++i) {
    if (i == x.size() || x[i] != x[start]) {
      if (static_cast<double>(i - start) >= 0.5 * fs) {
        dropouts.push_back({static_cast<double>(start) / fs, static_cast<double>(i - 1) / fs});
      }
      start = i;
    }
  }
  ASSERT_GE(dropouts.size(), 1u);

  const auto beats = detect_ppg_beats(x, config_at(fs));
  const auto t = times_s(beats, fs);
  std::vector<double> clean_rr;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    if (beats[i].flag == signal_flag::ok && beats[i - 1].flag == signal_flag::ok) {
      clean_rr.push_back(t[i] - t[i - 1]);
    }
  }
  const double period = median_of(clean_rr);
  const auto nk = resonant::test::load_column("reference/rr/hp_data2__neurokit2.txt");
  std::size_t flagged = 0;
  for (const beat_event& b : beats) flagged += b.flag != signal_flag::ok;
  std::cout << "[ heartpy data2 ] beats " << beats.size() << " (" << flagged
            << " flagged), median clean interval " << 1000.0 * period << " ms, mean NN "
            << mean_of(diffs_ms(t)) << " ms; NK2: " << nk.size() + 1 << " beats, mean NN "
            << mean_of(nk) << " ms\n";
  EXPECT_GT(period, 0.7);
  EXPECT_LT(period, 1.1);
  for (const stretch& d : dropouts) {
    double first_after = 1e9;
    for (const double bt : t) {
      EXPECT_FALSE(bt >= d.from_s && bt <= d.to_s)
          << "beat at " << bt << " s inside dropout " << d.from_s << ".." << d.to_s;
      if (bt > d.to_s) first_after = std::min(first_after, bt);
    }
    std::cout << "[ heartpy data2 ] dropout " << d.from_s << ".." << d.to_s
              << " s, first beat after it at +" << first_after - d.to_s << " s\n";
    EXPECT_LE(first_after - d.to_s, 2.0 * period);
  }
  // The clean second half (60..128 s): regular rhythm, no beat closer than 0.5 period.
  std::size_t close_pairs = 0;
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t[i - 1] > 80.0 && beats[i].flag == signal_flag::ok && t[i] - t[i - 1] < 0.5 * period) {
      ++close_pairs;
    }
  }
  EXPECT_LE(close_pairs, 2u);
}

// Welltory smartphone-camera PPG (red channel, inverted), ~28 fps uneven, resampled to 100 Hz,
// against the simultaneous Polar H10 RR. The two recordings are aligned by the offset that
// matches the most camera beats to Polar beat times (cumulative RR) within 150 ms; the mean NN
// is compared over their common span, from intervals between two unflagged camera beats (the
// flags exist so that RR handling can drop what the camera could not see). settle = 3 s skips
// the camera's exposure ramp at the start. RMSSD from camera PPG is higher than from the chest
// strap (pulse arrival jitter, 28 fps): only a loose bound.
// Subject 1's camera signal has small waves of 0.3-0.8 of the pulse height at 60-80 % of its
// slow beat interval (NeuroKit2 is 25 % off on it); the held-beat rule removes them (mean NN was
// 5.7 % short without it). Its camera loses more beats to flags (88 % of the Polar intervals
// are clean pairs, against >= 97 % for the others), hence its lower coverage floor.
TEST(PpgDetector, WelltoryCameraVsPolar) {
  for (int subject = 1; subject <= 5; ++subject) {
    const std::string id = "recordings/welltory/subject_0" + std::to_string(subject);
    const auto rec = read_ppg(id + "_PPG.csv", "R", true);
    auto cfg = config_at(rec.fs_hz);
    cfg.settle = seconds_f{3.0};
    const auto beats = detect_ppg_beats(rec.samples, cfg);
    const auto t = times_s(beats, rec.fs_hz);
    ASSERT_GT(t.size(), 20u);
    const auto polar = resonant::test::load_column(id + "_RR.txt");
    std::vector<double> tp{0.0};
    for (const double rr : polar) tp.push_back(tp.back() + rr / 1000.0);

    double best_offset = 0.0;
    std::size_t best_hits = 0;
    for (int k = -500; k <= 500; ++k) {
      const double off = 0.01 * k;
      std::size_t hits = 0;
      for (const double bt : t) {
        const auto it = std::lower_bound(tp.begin(), tp.end(), bt - off - 0.15);
        hits += it != tp.end() && std::abs(*it + off - bt) <= 0.15;
      }
      if (hits > best_hits) {
        best_hits = hits;
        best_offset = off;
      }
    }
    const double from = std::max(t.front(), tp.front() + best_offset) - 0.2;
    const double to = std::min(t.back(), tp.back() + best_offset) + 0.2;
    std::vector<double> cam_rr;
    std::vector<double> all_rr;
    for (std::size_t i = 1; i < t.size(); ++i) {
      if (t[i - 1] < from || t[i] > to) continue;
      all_rr.push_back(1000.0 * (t[i] - t[i - 1]));
      if (beats[i].flag == signal_flag::ok && beats[i - 1].flag == signal_flag::ok) {
        cam_rr.push_back(1000.0 * (t[i] - t[i - 1]));
      }
    }
    std::vector<double> pol_rr;
    for (std::size_t i = 1; i < tp.size(); ++i) {
      if (tp[i - 1] + best_offset >= from && tp[i] + best_offset <= to) {
        pol_rr.push_back(1000.0 * (tp[i] - tp[i - 1]));
      }
    }
    const double err = mean_of(cam_rr) / mean_of(pol_rr) - 1.0;
    const double err_all = mean_of(all_rr) / mean_of(pol_rr) - 1.0;
    std::cout << "[ welltory " << subject << " ] matched " << best_hits << "/" << t.size()
              << " at offset " << best_offset << " s; mean NN camera " << mean_of(cam_rr) << " ms ("
              << cam_rr.size() << " clean intervals) vs Polar " << mean_of(pol_rr) << " ms ("
              << pol_rr.size() << "): " << 100.0 * err << " % (all intervals " << 100.0 * err_all
              << " %); RMSSD camera " << rmssd_of(cam_rr) << " ms vs Polar " << rmssd_of(pol_rr)
              << " ms\n";
    EXPECT_LT(std::abs(err), 0.01) << subject;
    const double min_coverage = subject == 1 ? 0.85 : 0.9;
    EXPECT_GT(static_cast<double>(cam_rr.size()), min_coverage * static_cast<double>(pol_rr.size()))
        << subject;
    EXPECT_LT(rmssd_of(cam_rr), 4.0 * rmssd_of(pol_rr) + 20.0) << subject;
  }
}

}  // namespace
