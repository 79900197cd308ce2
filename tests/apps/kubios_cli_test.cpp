// `resonant analyze --settings-from REPORT.txt` and `--set NAME=VALUE` end to end (issue 14):
// the CLI applies a Kubios report's settings and reproduces its values; bad settings exit 2
// naming the valid ones.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"

namespace {

using resonant::test::run_resonant;

const std::string kDir = "kubios/pgomes_sample/";

nlohmann::json analyze_json(const std::string& extra) {
  const auto r =
      run_resonant("analyze " + resonant::test::data_file(kDir + "SampleSeries_rr_ms.txt") +
                       " --format json " + extra,
                   "", false);
  EXPECT_EQ(r.exit_code, 0);
  return nlohmann::json::parse(r.out);
}

TEST(kubios_cli, settings_from_a_report_reproduce_its_values) {
  const auto j =
      analyze_json("--settings-from " + resonant::test::data_file(kDir + "SampleReport.txt"));
  const auto& p = j["parameters"];
  EXPECT_EQ(p["artefacts"]["method"], "none");  // "Artifact correction: none"
  EXPECT_EQ(p["time_domain"]["nnxx_ms"], 20.0);
  EXPECT_EQ(p["frequency_domain"]["welch_segment"], 300.0);
  EXPECT_TRUE(p["frequency_domain"]["detrend_lambda"].is_null());
  const auto& td = j["time_domain"];
  // Values printed by Kubios in SampleReport.txt, to its printed precision.
  EXPECT_NEAR(td["mean_nn_ms"].get<double>(), 707.5437, 5e-5);
  EXPECT_NEAR(td["mean_hr_bpm"].get<double>(), 84.8004, 5e-5);
  EXPECT_NEAR(td["min_hr_bpm"].get<double>(), 51.9031, 5e-5);
  EXPECT_EQ(td["nnxx"].get<double>(), 191.0);
  EXPECT_NEAR(td["pnnxx_pct"].get<double>(), 45.2607, 5e-5);
  const auto& fd = j["frequency_domain"];
  EXPECT_NEAR(fd["lf_ms2"].get<double>(), 5673.0207, 0.01 * 5673.0207);
  EXPECT_NEAR(fd["lf_nu"].get<double>(), 75.1232, 0.5);
  EXPECT_NEAR(fd["vlf_peak_hz"].get<double>(), 0.01, 1e-9);
  EXPECT_TRUE(fd["ar"].contains("lf_ms2"));
  EXPECT_NEAR(j["nonlinear"]["apen"].get<double>(), 0.8479, 0.01 * 0.8479);
  EXPECT_NEAR(j["nonlinear"]["sampen"].get<double>(), 0.7436, 0.01 * 0.7436);
  EXPECT_TRUE(j["indices"].contains("stress_index"));
}

TEST(kubios_cli, set_overrides_and_is_reported) {
  const auto j = analyze_json(
      "--set nnxx_ms=30 --set frequency_domain.ar_order=8 --set "
      "welch_window=hann --set dfa_alpha1_beats=4,10");
  const auto& p = j["parameters"];
  EXPECT_EQ(p["time_domain"]["nnxx_ms"], 30.0);
  EXPECT_EQ(p["frequency_domain"]["ar_order"], 8);
  EXPECT_EQ(p["frequency_domain"]["welch_window"], "hann");
  EXPECT_EQ(p["nonlinear"]["dfa_alpha1_beats"], nlohmann::json::array({4, 10}));
}

TEST(kubios_cli, bad_settings_exit_2_naming_the_valid_ones) {
  const std::string f = resonant::test::data_file(kDir + "SampleSeries_rr_ms.txt");
  const auto unknown = run_resonant("analyze " + f + " --set no_such=1");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.out.find("valid:"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("ar_order"), std::string::npos) << unknown.out;
  const auto value = run_resonant("analyze " + f + " --set welch_window=triangle");
  EXPECT_EQ(value.exit_code, 2);
  EXPECT_NE(value.out.find("hann, hamming or matlab_hanning"), std::string::npos) << value.out;
  const auto report = run_resonant("analyze " + f + " --settings-from " + f);
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_NE(report.out.find("SampleSeries_rr_ms.txt"), std::string::npos) << report.out;
}

}  // namespace
