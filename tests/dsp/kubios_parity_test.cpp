// Kubios parity (issue 14): the analysis of a real Kubios HRV Standard 3.1.0.1 report's input,
// run with the settings read from the report's own Parameters block, against every value the
// report prints. Tolerances as issue 14 states them: time domain and Poincare to the printed
// precision, FFT band powers 1 %, AR powers 3 %, n.u. 0.5 points, peaks on the grid (half a
// grid step), entropies and DFA 1 %, PNS / SNS 0.05, stress index 1 %. Values this tool does not
// reproduce are listed in kExpectedMisses with how far they are; the test fails if one of them
// starts to agree (so the list stays true) or if any other value disagrees.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>

#include "drivers/input_error.hpp"
#include "drivers/kubios_report.hpp"
#include "dsp/ar_spectrum.hpp"
#include "dsp/hrv_analysis.hpp"
#include "dsp/welch.hpp"
#include "support/rr_text.hpp"

namespace resonant::dsp {
namespace {

using drivers::kubios_report;

struct fixture {
  kubios_report report;
  analysis_profile profile;
  hrv_report result;
};

const fixture& sample() {
  static const fixture f = [] {
    fixture x;
    x.report =
        drivers::read_kubios_report(test::data_path("kubios/pgomes_sample/SampleReport.txt"));
    x.profile = analysis_profile::kubios();
    x.profile.artefacts = artefact_method::none;  // "Artifact correction: none"
    drivers::apply_kubios_parameters(x.report.parameters, x.profile);
    const auto rr = test::load_column("kubios/pgomes_sample/SampleSeries_rr_ms.txt");
    x.result = analyze(rr_series::from_intervals(rr), x.profile);
    return x;
  }();
  return f;
}

enum class tol { printed, rel1, rel3, points05, grid, abs005 };

struct check {
  const char* section;
  const char* label;
  bool second_column;  // AR
  std::function<std::optional<double>(const hrv_report&)> ours;
  tol kind;
  int decimals = 4;  // printed decimals (for tol::printed)
};

// Printed by Kubios, not reproduced (yet): label (column), how far and why in the comment.
const std::set<std::string> kExpectedMisses = {
    // Results Overview: Kubios' population norms and weighting are not published, so PNS and
    // SNS are null unless norms are given (with our stand-ins: PNS 0.42 vs -0.88, SNS 2.75 vs
    // 1.42). Stress index: sqrt(Baevsky SI) from a
    // 50-ms histogram gives 5.89 vs 7.72 (SI 34.6 vs 59.6): Kubios' Mo / MxDMn rule is open.
    "PNS index",
    "SNS index",
    "Stress index",
    // SD of the instantaneous rates is 10.25 bpm; Kubios prints 2.62 (its rule is open).
    "STD HR (beats/min)",
    // Off by 1.5e-5 relative (56.85946 vs 56.8586, 40.25281 vs 40.253428, SD2 by 2e-6 ms) on
    // the same 423 intervals the report's data block holds; beyond the 4th / 6th printed
    // decimal only. Cause open.
    "RMSSD (ms)",
    "SD1 (ms)",
    "SD2 (ms)",
    "SD2/SD1 ratio",
    // Task Force least-squares triangle on 7.8125-ms bins: 109 ms vs Kubios 462 ms.
    "TINN (ms)",
    // AR with factorisation: our Burg PSD is within 2.5 % of the report's AR PSD column (test
    // below), but the pole split differs: our LF pole sits at 0.1527 Hz (HF), Kubios' at
    // 0.1467 Hz (LF, 430 ms^2); Kubios' total (10383) exceeds the series variance (9548).
    "LF (Hz) (AR)",
    "HF (Hz) (AR)",
    "VLF (ms^2) (AR)",
    "LF (ms^2) (AR)",
    "HF (ms^2) (AR)",
    "LF (log) (AR)",
    "VLF (%) (AR)",
    "LF (%) (AR)",
    "LF (n.u.) (AR)",
    "HF (n.u.) (AR)",
    "Total power (ms^2) (AR)",
    // Our factorised HF sum is negative (-9.8 ms^2: components of negative power), so HF and
    // its share are null rather than a number; Kubios prints 0 %.
    "HF (%) (AR)",
};

bool agrees(double ours, double theirs, const check& c, double grid_step) {
  if (std::isinf(theirs)) return false;
  switch (c.kind) {
    case tol::printed:
      return std::abs(ours - theirs) <= 0.5 * std::pow(10.0, -c.decimals) + 1e-12;
    case tol::rel1:
      return std::abs(ours - theirs) <= 0.01 * std::abs(theirs) + 1e-9;
    case tol::rel3:
      return std::abs(ours - theirs) <= 0.03 * std::abs(theirs) + 1e-9;
    case tol::points05:
      return std::abs(ours - theirs) <= 0.5;
    case tol::grid:
      return std::abs(ours - theirs) <= 0.5 * grid_step + 1e-9;
    case tol::abs005:
      return std::abs(ours - theirs) <= 0.05;
  }
  return false;
}

TEST(kubios_parity, settings_come_from_the_report) {
  const auto& f = sample();
  EXPECT_FALSE(f.profile.detrend_lambda.has_value());
  EXPECT_EQ(f.profile.time.hr_average_beats, 1U);
  EXPECT_DOUBLE_EQ(f.profile.time.nnxx_ms, 20.0);
  EXPECT_DOUBLE_EQ(f.profile.welch_segment_s, 300.0);
  EXPECT_DOUBLE_EQ(f.profile.welch_points_per_hz, 300.0);
  EXPECT_EQ(f.profile.ar_order, 16U);
  EXPECT_TRUE(f.profile.ar_factorization);
  EXPECT_EQ(f.profile.dfa_alpha1_max, 12U);
  EXPECT_EQ(f.profile.dfa_alpha2_min, 13U);
  EXPECT_EQ(f.report.rr.size(), 423U);
}

TEST(kubios_parity, every_printed_value) {
  const auto& f = sample();
  const auto& r = f.result;
  const double grid = 1.0 / f.profile.welch_points_per_hz;
  using o = std::optional<double>;
  const std::vector<check> checks = {
      {"Results Overview", "PNS index", false, [](auto& x) { return x.indices.pns_index; },
       tol::abs005},
      {"Results Overview", "SNS index", false, [](auto& x) { return x.indices.sns_index; },
       tol::abs005},
      {"Results Overview", "Stress index", false, [](auto& x) { return x.indices.stress_index; },
       tol::rel1},
      {"Time-Domain Results", "Mean RR  (ms)", false, [](auto& x) { return x.time.mean_nn_ms; },
       tol::printed},
      {"Time-Domain Results", "STD RR (ms)", false, [](auto& x) { return x.time.sdnn_ms; },
       tol::printed},
      {"Time-Domain Results", "Mean HR (beats/min)", false,
       [](auto& x) { return x.time.mean_hr_bpm; }, tol::printed},
      {"Time-Domain Results", "STD HR (beats/min)", false,
       [](auto& x) { return x.time.std_hr_bpm; }, tol::printed},
      {"Time-Domain Results", "Min HR (beats/min)", false,
       [](auto& x) { return x.time.min_hr_bpm; }, tol::printed},
      {"Time-Domain Results", "Max HR (beats/min)", false,
       [](auto& x) { return x.time.max_hr_bpm; }, tol::printed},
      {"Time-Domain Results", "RMSSD (ms)", false, [](auto& x) { return x.time.rmssd_ms; },
       tol::printed},
      {"Time-Domain Results", "NNxx (beats)", false, [](auto& x) { return x.time.nnxx; },
       tol::printed, 0},
      {"Time-Domain Results", "pNNxx (%)", false, [](auto& x) { return x.time.pnnxx_pct; },
       tol::printed},
      {"Time-Domain Results", "RR tri index", false, [](auto& x) { return x.hti; }, tol::printed,
       6},
      {"Time-Domain Results", "TINN (ms)", false, [](auto& x) { return x.tinn_ms; }, tol::printed},
      {"Frequency-Domain Results", "VLF (Hz)", false, [](auto& x) { return x.welch.vlf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "LF (Hz)", false, [](auto& x) { return x.welch.lf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "HF (Hz)", false, [](auto& x) { return x.welch.hf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "VLF (ms^2)", false, [](auto& x) { return x.welch.vlf_ms2; },
       tol::rel1},
      {"Frequency-Domain Results", "LF (ms^2)", false, [](auto& x) { return x.welch.lf_ms2; },
       tol::rel1},
      {"Frequency-Domain Results", "HF (ms^2)", false, [](auto& x) { return x.welch.hf_ms2; },
       tol::rel1},
      {"Frequency-Domain Results", "VLF (log)", false, [](auto& x) { return x.welch.vlf_log; },
       tol::rel1},
      {"Frequency-Domain Results", "LF (log)", false, [](auto& x) { return x.welch.lf_log; },
       tol::rel1},
      {"Frequency-Domain Results", "HF (log)", false, [](auto& x) { return x.welch.hf_log; },
       tol::rel1},
      {"Frequency-Domain Results", "VLF (%)", false, [](auto& x) { return x.welch.vlf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "LF (%)", false, [](auto& x) { return x.welch.lf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "HF (%)", false, [](auto& x) { return x.welch.hf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "LF (n.u.)", false, [](auto& x) { return x.welch.lf_nu; },
       tol::points05},
      {"Frequency-Domain Results", "HF (n.u.)", false, [](auto& x) { return x.welch.hf_nu; },
       tol::points05},
      {"Frequency-Domain Results", "Total power (ms^2)", false,
       [](auto& x) { return x.welch.total_ms2; }, tol::rel1},
      {"Frequency-Domain Results", "LF/HF ratio", false, [](auto& x) { return x.welch.lf_hf; },
       tol::rel1},
      {"Frequency-Domain Results", "VLF (Hz)", true, [](auto& x) { return x.ar.vlf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "LF (Hz)", true, [](auto& x) { return x.ar.lf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "HF (Hz)", true, [](auto& x) { return x.ar.hf_peak_hz; },
       tol::grid},
      {"Frequency-Domain Results", "VLF (ms^2)", true, [](auto& x) { return x.ar.vlf_ms2; },
       tol::rel3},
      {"Frequency-Domain Results", "LF (ms^2)", true, [](auto& x) { return x.ar.lf_ms2; },
       tol::rel3},
      {"Frequency-Domain Results", "HF (ms^2)", true, [](auto& x) { return x.ar.hf_ms2; },
       tol::rel3},
      {"Frequency-Domain Results", "VLF (log)", true, [](auto& x) { return x.ar.vlf_log; },
       tol::rel3},
      {"Frequency-Domain Results", "LF (log)", true, [](auto& x) { return x.ar.lf_log; },
       tol::rel3},
      {"Frequency-Domain Results", "VLF (%)", true, [](auto& x) { return x.ar.vlf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "LF (%)", true, [](auto& x) { return x.ar.lf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "HF (%)", true, [](auto& x) { return x.ar.hf_pct; },
       tol::points05},
      {"Frequency-Domain Results", "LF (n.u.)", true, [](auto& x) { return x.ar.lf_nu; },
       tol::points05},
      {"Frequency-Domain Results", "HF (n.u.)", true, [](auto& x) { return x.ar.hf_nu; },
       tol::points05},
      {"Frequency-Domain Results", "Total power (ms^2)", true,
       [](auto& x) { return x.ar.total_ms2; }, tol::rel3},
      {"Nonlinear Results", "SD1 (ms)", false, [](auto& x) { return x.nonlinear.sd1_ms; },
       tol::printed, 6},
      {"Nonlinear Results", "SD2 (ms)", false, [](auto& x) { return x.nonlinear.sd2_ms; },
       tol::printed, 6},
      {"Nonlinear Results", "SD2/SD1 ratio", false,
       [](auto& x) -> o { return x.nonlinear.sd1_sd2 ? o(1.0 / *x.nonlinear.sd1_sd2) : o(); },
       tol::printed, 6},
      {"Nonlinear Results", "Approximate entropy (ApEn)", false,
       [](auto& x) { return x.nonlinear.apen; }, tol::rel1},
      {"Nonlinear Results", "Sample entropy (SampEn)", false,
       [](auto& x) { return x.nonlinear.sampen; }, tol::rel1},
      {"Nonlinear Results", "alpha 1", false, [](auto& x) { return x.nonlinear.dfa_alpha1; },
       tol::rel1},
      {"Nonlinear Results", "alpha 2", false, [](auto& x) { return x.nonlinear.dfa_alpha2; },
       tol::rel1},
  };
  std::size_t agreeing = 0;
  std::size_t printed = 0;
  for (const check& c : checks) {
    const auto* row = f.report.find(c.label, c.section);
    ASSERT_NE(row, nullptr) << c.label;
    const std::optional<double> theirs = c.second_column ? row->second : row->first;
    if (!theirs) continue;
    ++printed;
    const std::string key = std::string(c.label) + (c.second_column ? " (AR)" : "");
    const std::optional<double> ours = c.ours(r);
    // AR HF with factorisation: no HF component, so Kubios prints 0, -Inf and Inf; ours is 0 /
    // null / null, the same statement.
    const bool both_absent = !ours && std::isinf(*theirs);
    const bool ok = both_absent || (ours && agrees(*ours, *theirs, c, grid));
    std::printf("%-30s kubios %14.6f ours %14.6f %s\n", key.c_str(), *theirs,
                ours ? *ours : std::nan(""), ok ? "ok" : "MISS");
    if (kExpectedMisses.count(key)) {
      EXPECT_FALSE(ok) << key << " now agrees: take it off the expected-miss list";
    } else {
      EXPECT_TRUE(ok) << key << ": Kubios " << *theirs << ", ours "
                      << (ours ? std::to_string(*ours) : "null");
    }
    agreeing += ok ? 1 : 0;
  }
  std::printf("%zu of %zu printed values agree\n", agreeing, printed);
  EXPECT_EQ(printed - agreeing, kExpectedMisses.size());
}

// The spectra themselves, against the report's PSD columns on 0 .. 0.5 Hz: Welch exact to the
// printed 4 decimals (relative 1e-6), Burg AR(16) within 3 %.
TEST(kubios_parity, psd_columns) {
  const auto& f = sample();
  rr_series rr =
      rr_series::from_intervals(test::load_column("kubios/pgomes_sample/SampleSeries_rr_ms.txt"));
  const std::vector<double> z = resampled_tachogram(rr, f.profile);
  const spectrum s = welch_psd(z, welch_config_for(f.profile, z.size()));
  ASSERT_GE(s.psd.size(), f.report.fft_psd.size());
  ASSERT_EQ(f.report.fft_psd.size(), 151U);
  for (std::size_t k = 0; k < f.report.fft_psd.size(); ++k) {
    EXPECT_NEAR(s.psd[k], f.report.fft_psd[k], 1e-6 * f.report.fft_psd[k] + 1e-4) << k;
  }
  const spectrum ar = ar_psd(burg(z, f.profile.ar_order), f.profile.resample_hz, s.freq_hz);
  ASSERT_EQ(f.report.ar_psd.size(), 151U);
  for (std::size_t k = 0; k < f.report.ar_psd.size(); ++k) {
    EXPECT_NEAR(ar.psd[k], f.report.ar_psd[k], 0.03 * f.report.ar_psd[k]) << k;
  }
}

}  // namespace
}  // namespace resonant::dsp

namespace resonant::drivers {
namespace {

// The reader on text: other versions' spellings, and errors naming the line.
TEST(kubios_report_reader, reads_version_spellings_and_data) {
  const std::string text =
      "Parameters\n"
      " Detrending method: Smoothn priors (lambda: 256)\n"
      " Min/Max HR as average of: 5 beats\n"
      "  LF: 0.04 - 0.15 Hz\n"
      " Use Lomb-Scargle periodogram instead of FFT: No\n"
      " DFA, short-term fluctuations: 4-16 beats\n"
      "RR Interval Samples Selected for Analysis\n"
      "  Artifact correction: Threshold (medium)\n"
      "RESULTS FOR A SINGLE SAMPLE\n"
      "Time-Domain Results           ,\n"
      "  SDANN (ms):                 ,            ,            ,\n"
      " LF/HF ratio:                 ,      3.0280,         Inf,\n"
      "RR INTERVAL DATA and SPECTRUM ESTIMATES,\n"
      "                              ,        Time, RR interval,\n"
      "                              ,       0.800,       0.800,       0.000,   1.5,\n"
      "                              ,       1.650,       0.850,       0.003,   2.5,\n";
  const kubios_report k = parse_kubios_report(text, "r.txt");
  EXPECT_EQ(*k.parameters.detrend_lambda, 256.0);
  EXPECT_EQ(*k.parameters.hr_average_beats, 5.0);
  EXPECT_EQ(k.parameters.lf->hi_hz, 0.15);
  EXPECT_EQ(*k.parameters.dfa_short_max, 16.0);
  EXPECT_TRUE(*k.parameters.artefact_correction);
  EXPECT_EQ(k.parameters.ignored.size(), 2U);  // Lomb, threshold correction
  ASSERT_NE(k.find("SDANN (ms)"), nullptr);
  EXPECT_FALSE(k.find("SDANN (ms)")->first.has_value());
  EXPECT_TRUE(std::isinf(*k.find("LF/HF ratio")->second));
  ASSERT_EQ(k.rr.size(), 2U);
  EXPECT_DOUBLE_EQ(k.rr.rr_ms[1], 850.0);
  EXPECT_DOUBLE_EQ(k.rr.end_s[1], 1.65);
  EXPECT_EQ(k.fft_psd.size(), 2U);

  dsp::analysis_profile p = dsp::analysis_profile::kubios();
  apply_kubios_parameters(k.parameters, p);
  EXPECT_EQ(*p.detrend_lambda, 256.0);
  EXPECT_EQ(p.time.hr_average_beats, 5U);
  EXPECT_EQ(p.artefacts, dsp::artefact_method::kubios);
}

TEST(kubios_report_reader, errors_name_file_line_and_field) {
  try {
    (void)parse_kubios_report("Parameters\n Window width: wide s\n", "r.txt");
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 2U);
    EXPECT_NE(std::string(e.what()).find("Window width"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("r.txt"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)parse_kubios_report("just numbers\n1\n2\n", "x.txt"), input_error);
  EXPECT_THROW((void)parse_kubios_report(
                   "Parameters\nRR INTERVAL DATA\n , 2.0, 0.8,\n , 1.0, 0.8,\n", "x.txt"),
               input_error);  // beat times going back
}

}  // namespace
}  // namespace resonant::drivers
