#include "drivers/sim_subject.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <vector>

#include "drivers/sim_source.hpp"
#include "drivers/sim_waveform.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/hrv_analysis.hpp"
#include "dsp/ppg_detector.hpp"
#include "support/beat_matching.hpp"

namespace {

using resonant::drivers::sim_beat;
using resonant::drivers::sim_subject;
using resonant::drivers::sim_subject_config;
using resonant::drivers::sim_waveform;
using resonant::drivers::sim_waveform_config;
using resonant::dsp::input_kind;

std::vector<sim_beat> beats_for(const sim_subject_config& c, double seconds) {
  sim_subject s(c);
  std::vector<sim_beat> out;
  while (true) {
    const sim_beat b = s.next_beat();
    if (b.time_s > seconds) return out;
    out.push_back(b);
  }
}

sim_subject_config paced(double bpm, std::uint64_t seed = 7) {
  sim_subject_config c;
  c.seed = seed;
  c.guide = [bpm](double t) { return t * bpm / 60.0; };
  return c;
}

resonant::dsp::rr_series series_of(const std::vector<sim_beat>& beats, double from_s) {
  resonant::dsp::rr_series rr;
  for (const auto& b : beats) {
    if (b.rr_ms > 0.0 && b.time_s >= from_s) rr.push_back(b.rr_ms, b.time_s - from_s, false);
  }
  return rr;
}

// Peak-to-trough amplitude of the RR oscillation at frequency f_hz (least-squares sinusoid
// fitted on the beat times; the beats are nearly uniform, so a lock-in sum is enough).
double oscillation_ms(const std::vector<sim_beat>& beats, double f_hz, double from_s) {
  double c = 0.0;
  double s = 0.0;
  double mean = 0.0;
  std::size_t n = 0;
  for (const auto& b : beats) {
    if (b.rr_ms > 0.0 && b.time_s >= from_s) {
      mean += b.rr_ms;
      ++n;
    }
  }
  mean /= static_cast<double>(n);
  for (const auto& b : beats) {
    if (b.rr_ms <= 0.0 || b.time_s < from_s) continue;
    const double w = 2.0 * std::numbers::pi * f_hz * b.time_s;
    c += (b.rr_ms - mean) * std::cos(w);
    s += (b.rr_ms - mean) * std::sin(w);
  }
  return 4.0 * std::hypot(c, s) / static_cast<double>(n);
}

TEST(sim_subject, same_seed_gives_the_same_beats_and_another_seed_does_not) {
  sim_subject_config c = paced(6.0, 42);
  const auto a = beats_for(c, 120.0);
  const auto b = beats_for(c, 120.0);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].time_s, b[i].time_s);
  c.seed = 43;
  const auto d = beats_for(c, 120.0);
  std::size_t same = 0;
  for (std::size_t i = 0; i < std::min(a.size(), d.size()); ++i) same += a[i].time_s == d[i].time_s;
  EXPECT_LT(same, 3U);
}

TEST(sim_subject, mean_rate_and_spontaneous_breathing_follow_the_config) {
  sim_subject_config c;
  c.seed = 3;
  c.mean_hr_bpm = 72.0;
  c.spontaneous_bpm = 14.0;
  const auto beats = beats_for(c, 600.0);
  double rr_sum = 0.0;
  double f_sum = 0.0;
  std::size_t n = 0;
  for (const auto& b : beats) {
    if (b.rr_ms <= 0.0) continue;
    rr_sum += b.rr_ms;
    f_sum += b.breathing_bpm;
    ++n;
    EXPECT_GT(b.rr_ms, 300.0);
    EXPECT_LT(b.rr_ms, 1500.0);
  }
  EXPECT_NEAR(60000.0 / (rr_sum / static_cast<double>(n)), 72.0, 3.0);
  EXPECT_NEAR(f_sum / static_cast<double>(n), 14.0, 1.5);
}

TEST(sim_subject, breathing_follows_the_pacer_with_a_lag) {
  sim_subject_config c = paced(6.0);
  c.follow_lag_s = 1.0;
  c.compliance = 1.0;
  sim_subject s(c);
  sim_beat b;
  do {
    b = s.next_beat();
  } while (b.time_s < 60.0);
  EXPECT_NEAR(b.breathing_bpm, 6.0, 0.1);
  // Phase: the subject breathes about lag x rate behind the pacer (follow_gain keeps the error
  // small; compliance 1 means no wander).
  const double pacer = (b.time_s - 1.0) * 6.0 / 60.0;
  EXPECT_NEAR(b.breathing_phase - pacer, 0.0, 0.02);
}

TEST(sim_subject, rsa_and_lf_power_peak_at_the_resonance_rate) {
  const std::vector<double> rates = {4.5, 5.0, 5.5, 6.0, 6.5};
  std::vector<double> lf;
  std::vector<double> rsa;
  const auto profile = resonant::dsp::analysis_profile::kubios();
  for (const double r : rates) {
    const auto beats = beats_for(paced(r), 360.0);
    const auto report = resonant::dsp::analyze(series_of(beats, 60.0), profile);
    ASSERT_TRUE(report.welch.lf_ms2.has_value());
    lf.push_back(*report.welch.lf_ms2);
    rsa.push_back(oscillation_ms(beats, r / 60.0, 60.0));
  }
  const auto best_lf = std::max_element(lf.begin(), lf.end()) - lf.begin();
  const auto best_rsa = std::max_element(rsa.begin(), rsa.end()) - rsa.begin();
  EXPECT_EQ(best_lf, 2) << "LF " << lf[0] << " " << lf[1] << " " << lf[2] << " " << lf[3] << " "
                        << lf[4];
  EXPECT_EQ(best_rsa, 2) << "RSA " << rsa[0] << " " << rsa[1] << " " << rsa[2] << " " << rsa[3]
                         << " " << rsa[4];
  // The model's gain curve: 190 ms at 5.5/min, 110 ms at 4.5 and 6.5 (IPFM and noise blur it).
  EXPECT_NEAR(rsa[2], 190.0, 25.0);
  EXPECT_NEAR(rsa[0], 110.0, 25.0);
  EXPECT_NEAR(rsa[4], 110.0, 25.0);
  EXPECT_GT(lf[2], 1.15 * std::max({lf[0], lf[1], lf[3], lf[4]}));

  // A non-responder shows neither the oscillation nor the resonance.
  for (const double r : rates) {
    sim_subject_config c = paced(r);
    c.responder = false;
    const auto beats = beats_for(c, 360.0);
    EXPECT_LT(oscillation_ms(beats, r / 60.0, 60.0), 20.0) << r;
    const auto report = resonant::dsp::analyze(series_of(beats, 60.0), profile);
    ASSERT_TRUE(report.welch.lf_ms2.has_value());
    EXPECT_LT(*report.welch.lf_ms2, 0.15 * lf[2]) << r;
  }
}

TEST(sim_subject, heart_rate_peaks_near_the_end_of_inhalation_at_resonance) {
  sim_subject_config c = paced(5.5);
  c.beat_noise_ms = 0.0;
  c.mayer_ms = 0.0;
  c.drift_ms = 0.0;
  c.compliance = 1.0;
  const auto beats = beats_for(c, 300.0);
  // Mean RR by breathing phase bin: shortest around phase 0.5 (end of inhalation).
  std::vector<double> sum(10, 0.0);
  std::vector<int> count(10, 0);
  for (const auto& b : beats) {
    if (b.rr_ms <= 0.0 || b.time_s < 30.0) continue;
    const double ph = b.breathing_phase - std::floor(b.breathing_phase);
    const auto k = static_cast<std::size_t>(ph * 10.0);
    sum[k] += b.rr_ms;
    ++count[k];
  }
  std::size_t shortest = 0;
  for (std::size_t k = 0; k < 10; ++k) {
    if (sum[k] / count[k] < sum[shortest] / count[shortest]) shortest = k;
  }
  // The interval ending at a beat reflects the rate over the preceding ~0.9 s (0.08 cycles).
  EXPECT_GE(shortest, 4U);
  EXPECT_LE(shortest, 6U);
}

TEST(sim_subject, ectopic_beats_are_premature_with_a_compensatory_pause) {
  sim_subject_config c = paced(6.0);
  c.ectopic_per_min = 2.0;
  const auto beats = beats_for(c, 600.0);
  std::size_t ectopic = 0;
  for (std::size_t i = 2; i + 1 < beats.size(); ++i) {
    if (!beats[i].ectopic) continue;
    ++ectopic;
    if (beats[i - 2].ectopic || beats[i + 1].ectopic) continue;  // a run: no sinus reference
    EXPECT_LT(beats[i].rr_ms, 0.75 * beats[i - 1].rr_ms);
    EXPECT_NEAR(beats[i].rr_ms + beats[i + 1].rr_ms, 2.0 * beats[i - 1].rr_ms,
                0.2 * beats[i - 1].rr_ms);
  }
  EXPECT_GE(ectopic, 10U);
  EXPECT_LE(ectopic, 35U);
  const auto normal = beats_for(paced(6.0), 600.0);
  EXPECT_TRUE(
      std::none_of(normal.begin(), normal.end(), [](const sim_beat& b) { return b.ectopic; }));
}

std::vector<double> fiducials(const sim_waveform& w, const std::vector<sim_beat>& beats) {
  std::vector<double> t;
  for (const auto& b : beats) t.push_back(w.fiducial_s(b));
  return t;
}

double median_abs_error(const std::vector<double>& truth, const std::vector<double>& found,
                        double tolerance) {
  std::vector<double> e;
  std::size_t j = 0;
  for (const double t : truth) {
    while (j < found.size() && found[j] < t - tolerance) ++j;
    if (j < found.size() && std::abs(found[j] - t) <= tolerance)
      e.push_back(std::abs(found[j] - t));
  }
  if (e.empty()) return 1e9;
  std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2), e.end());
  return e[e.size() / 2];
}

class sim_ecg_rate : public ::testing::TestWithParam<double> {};

TEST_P(sim_ecg_rate, ecg_detector_recovers_the_true_r_peaks) {
  const double fs = GetParam();
  sim_waveform_config wc;
  wc.kind = input_kind::ecg;
  wc.rate_hz = fs;
  sim_waveform w(paced(6.0, 11), wc);
  std::vector<double> x(static_cast<std::size_t>(300.0 * fs));
  std::vector<sim_beat> truth;
  w.generate(x, &truth);
  resonant::dsp::ecg_detector_config dc;
  dc.sample_rate_hz = fs;
  const auto found = resonant::dsp::detect_ecg_beats(x, dc);
  std::vector<double> found_s;
  for (const auto& b : found) found_s.push_back(b.time_s(fs));
  // The detector learns for 2 s: compare after that.
  std::vector<double> truth_s;
  for (const double t : fiducials(w, truth)) {
    if (t > 2.5) truth_s.push_back(t);
  }
  std::erase_if(found_s, [](double t) { return t <= 2.4; });
  const auto m = resonant::test::match_beats(truth_s, found_s, 0.05);
  EXPECT_GE(m.sensitivity(), 0.995) << m.false_negatives << " missed of " << truth_s.size();
  EXPECT_GE(m.ppv(), 0.995) << m.false_positives << " false";
  EXPECT_LT(median_abs_error(truth_s, found_s, 0.05), 0.6 / fs + 0.002);
}

INSTANTIATE_TEST_SUITE_P(rates, sim_ecg_rate, ::testing::Values(130.0, 250.0, 500.0));

TEST(sim_waveform, ppg_detector_recovers_the_true_pulse_peaks) {
  const double fs = 100.0;
  sim_waveform_config wc;
  wc.kind = input_kind::ppg;
  wc.rate_hz = fs;
  sim_waveform w(paced(5.5, 12), wc);
  std::vector<double> x(static_cast<std::size_t>(300.0 * fs));
  std::vector<sim_beat> truth;
  w.generate(x, &truth);
  resonant::dsp::ppg_detector_config dc;
  dc.sample_rate_hz = fs;
  const auto found = resonant::dsp::detect_ppg_beats(x, dc);
  std::vector<double> found_s;
  for (const auto& b : found) found_s.push_back(b.time_s(fs));
  std::vector<double> truth_s;
  for (const double t : fiducials(w, truth)) {
    if (t > 2.0 && t < 299.0) truth_s.push_back(t);
  }
  std::erase_if(found_s, [](double t) { return t <= 1.9 || t >= 299.1; });
  const auto m = resonant::test::match_beats(truth_s, found_s, 0.05);
  EXPECT_GE(m.sensitivity(), 0.995) << m.false_negatives << " missed of " << truth_s.size();
  EXPECT_GE(m.ppv(), 0.995) << m.false_positives << " false";
  // The detector's delay compensation is exact for a Gaussian pulse only: a constant residue.
  EXPECT_LT(median_abs_error(truth_s, found_s, 0.05), 0.025);
}

TEST(sim_waveform, beats_and_samples_do_not_depend_on_the_block_size) {
  sim_waveform_config wc;
  wc.kind = input_kind::ppg;
  wc.rate_hz = 125.0;
  sim_waveform whole(paced(6.0, 5), wc);
  sim_waveform pieces(paced(6.0, 5), wc);
  std::vector<double> a(125 * 40);
  std::vector<sim_beat> beats_a;
  whole.generate(a, &beats_a);
  std::vector<double> b;
  std::vector<sim_beat> beats_b;
  std::size_t step = 1;
  while (b.size() < a.size()) {
    std::vector<double> part(std::min(step, a.size() - b.size()));
    pieces.generate(part, &beats_b);
    b.insert(b.end(), part.begin(), part.end());
    step = step * 3 + 1;
  }
  EXPECT_EQ(a, b);
  ASSERT_EQ(beats_a.size(), beats_b.size());
  for (std::size_t i = 0; i < beats_a.size(); ++i) EXPECT_EQ(beats_a[i].time_s, beats_b[i].time_s);
  // The waveform's beats are the subject's beats.
  const auto direct = beats_for(paced(6.0, 5), 40.0);
  for (std::size_t i = 0; i < beats_a.size(); ++i) EXPECT_EQ(beats_a[i].time_s, direct[i].time_s);
}

TEST(sim_waveform, dropout_is_exactly_flat_and_flags_its_beats) {
  sim_subject_config c = paced(6.0, 8);
  c.dropouts.push_back({20.0, 5.0});
  for (const input_kind kind : {input_kind::ecg, input_kind::ppg}) {
    sim_waveform_config wc;
    wc.kind = kind;
    wc.rate_hz = 200.0;
    sim_waveform w(c, wc);
    std::vector<double> x(200 * 40);
    std::vector<sim_beat> beats;
    w.generate(x, &beats);
    for (std::size_t i = 20 * 200 + 1; i < 25 * 200; ++i) ASSERT_EQ(x[i], x[i - 1]) << i;
    EXPECT_NE(x[25 * 200 + 5], x[25 * 200 + 4]);
    for (const auto& b : beats) EXPECT_EQ(b.in_dropout, b.time_s >= 20.0 && b.time_s < 25.0);
  }
}

}  // namespace

namespace {

using resonant::drivers::rr_reading;
using resonant::drivers::sample_block;
using resonant::drivers::sim_source;
using resonant::drivers::source_state;
using resonant::drivers::source_status;

struct sim_run {
  std::vector<rr_reading> rr;
  std::vector<double> samples;
  std::vector<std::int64_t> first;
  std::vector<source_state> states;
};

sim_run run_sim(sim_source& src, boost::asio::io_context& io) {
  sim_run r;
  src.start({[&](const rr_reading& x) { r.rr.push_back(x); },
             [&](const sample_block& b) {
               r.first.push_back(b.first_sample);
               r.samples.insert(r.samples.end(), b.samples.begin(), b.samples.end());
             },
             [&](const source_status& s) { r.states.push_back(s.state); }});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         (r.states.empty() || r.states.back() != source_state::finished)) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return r;
}

TEST(sim_source, rr_stream_is_the_subjects_beats_with_dropouts_as_gaps) {
  boost::asio::io_context io;
  sim_source src(io, resonant::drivers::parse_sim_spec(
                         "sim:seed=4,signal=rr,speed=3000,minutes=2,pace=6,dropout=30+8"));
  src.keep_truth(true);
  const sim_run r = run_sim(src, io);
  ASSERT_EQ(r.states.back(), source_state::finished);
  EXPECT_EQ(r.states.front(), source_state::connecting);
  EXPECT_NE(std::find(r.states.begin(), r.states.end(), source_state::contact_lost),
            r.states.end());
  // Every beat outside the dropout (but the very first, which ends no interval) is delivered
  // with its true time; the first one after the dropout follows a gap.
  std::vector<sim_beat> expected;
  for (const auto& b : src.truth()) {
    if (!b.in_dropout && b.rr_ms > 0.0) expected.push_back(b);
  }
  ASSERT_EQ(r.rr.size(), expected.size());
  ASSERT_GT(r.rr.size(), 100U);
  for (std::size_t i = 0; i < r.rr.size(); ++i) {
    EXPECT_EQ(r.rr[i].end_s, expected[i].time_s);
    EXPECT_EQ(r.rr[i].rr_ms, expected[i].rr_ms);
    const bool first_after = i > 0 && r.rr[i - 1].end_s < 30.0 && r.rr[i].end_s >= 38.0;
    EXPECT_EQ(r.rr[i].after_gap, first_after) << i;
  }
  EXPECT_LE(r.rr.back().end_s, 120.0);
  // The same seed through the model directly gives the same beats.
  sim_subject_config c = resonant::drivers::subject_config(
      resonant::drivers::parse_sim_spec("sim:seed=4,pace=6,dropout=30+8"));
  sim_subject direct(c);
  for (const auto& b : src.truth()) EXPECT_EQ(direct.next_beat().time_s, b.time_s);
}

TEST(sim_source, waveform_stream_is_contiguous_and_equals_the_model) {
  boost::asio::io_context io;
  sim_source src(io, resonant::drivers::parse_sim_spec(
                         "sim:seed=9,signal=ecg,rate=200,speed=2000,minutes=0.5,pace=5.5"));
  const sim_run r = run_sim(src, io);
  ASSERT_EQ(r.states.back(), source_state::finished);
  ASSERT_EQ(r.samples.size(), 6000U);
  for (std::size_t i = 1; i < r.first.size(); ++i) EXPECT_GT(r.first[i], r.first[i - 1]);
  sim_waveform_config wc;
  wc.rate_hz = 200.0;
  sim_waveform w(
      resonant::drivers::subject_config(resonant::drivers::parse_sim_spec("sim:seed=9,pace=5.5")),
      wc);
  std::vector<double> x(6000);
  w.generate(x);
  EXPECT_EQ(r.samples, x);
}

TEST(sim_source, spec_parser_rejects_bad_options) {
  const auto s = resonant::drivers::parse_sim_spec(
      "sim:seed=3,signal=ppg,rate=100,responder=no,dropout=60+10,dropout=120+5,ectopic=1");
  EXPECT_EQ(s.subject.seed, 3U);
  ASSERT_TRUE(s.waveform.has_value());
  EXPECT_EQ(*s.waveform, input_kind::ppg);
  EXPECT_FALSE(s.subject.responder);
  ASSERT_EQ(s.subject.dropouts.size(), 2U);
  EXPECT_EQ(s.subject.dropouts[1].start_s, 120.0);
  for (const char* bad : {"simulate", "sim:signal=eeg", "sim:rate=1", "sim:dropout=5",
                          "sim:responder=maybe", "sim:colour=red", "sim:seed=x"}) {
    EXPECT_THROW((void)resonant::drivers::parse_sim_spec(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
