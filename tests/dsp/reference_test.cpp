// Agreement with the established tools on the recordings in data/reference (NeuroKit2 0.2.12,
// HeartPy 1.2.8, hrv-analysis 1.0.3, pyHRV 0.4.1; see data/reference/reference.json).
// With no artefact handling, time-domain and Poincare values must equal each tool's to 0.1 ms
// (pNN50 to 0.1 % relative) under that tool's ddof / denominator convention, and under
// --profile neurokit our LF and HF (ms^2) must be within 2 % of NeuroKit2's
// LF_ms2_normalizeFalse / HF_ms2_normalizeFalse.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "dsp/hrv_analysis.hpp"
#include "dsp/nonlinear.hpp"
#include "dsp/time_domain.hpp"
#include "support/rr_text.hpp"

namespace resonant::dsp {
namespace {

using nlohmann::json;

const json& reference() {
  static const json j = [] {
    std::ifstream in(test::data_path("reference/reference.json"));
    return json::parse(in);
  }();
  return j;
}

// The RR file each (dataset, input) pair of reference.json was computed from; empty when the
// reference holds no RR series for it (HeartPy's own peak detection).
std::string rr_file_for(const std::string& dataset, const std::string& input) {
  std::string name;
  if (input == "rr file") name = dataset + ".txt";
  if (input == "reference beat annotations") name = dataset + "__annotations.txt";
  if (input.rfind("neurokit2 ", 0) == 0 && input.find("peaks") != std::string::npos) {
    name = dataset + "__neurokit2.txt";
  }
  if (name.empty()) return {};
  return std::filesystem::exists(test::data_path("reference/rr/" + name)) ? "reference/rr/" + name
                                                                          : std::string{};
}

struct tool_convention {
  time_domain_config time;
  int poincare_ddof;
};

tool_convention convention(const std::string& tool) {
  tool_convention c{};
  c.time.sdsd_ddof = 1;
  c.poincare_ddof = 1;
  if (tool == "neurokit2") c.time.pnn = pnn_denominator::intervals;
  if (tool == "heartpy") {
    c.time.sdnn_ddof = 0;
    c.poincare_ddof = 0;
  }
  if (tool == "pyhrv") c.poincare_ddof = 0;
  return c;
}

struct case_key {
  std::string dataset, tool, input;
  bool operator<(const case_key& o) const {
    return std::tie(dataset, tool, input) < std::tie(o.dataset, o.tool, o.input);
  }
};

std::map<case_key, std::map<std::string, double>> reference_cases() {
  std::map<case_key, std::map<std::string, double>> cases;
  for (const auto& r : reference()["results"]) {
    const std::string input = r["input"];
    if (rr_file_for(r["file"], input).empty() || r["value"].is_null()) continue;
    cases[{r["file"], r["tool"], input}][r["metric"]] = r["value"].get<double>();
  }
  return cases;
}

// The RR files hold 4 decimals, but the tools saw intervals computed from sample indices
// (samples / fs * 1000). Where the series comes from a sampled signal, rebuild those exact
// values: otherwise a difference of exactly 50 ms (18 samples at 360 Hz) can fall on either
// side of the pNN50 threshold after rounding.
std::vector<double> tool_input(const std::string& dataset, std::vector<double> rr_ms) {
  const json& d = reference()["datasets"][dataset];
  double fs = d.contains("fs") ? d["fs"].get<double>() : 0.0;
  if (dataset == "wfdb_100_atr") fs = 360.0;  // MIT-BIH annotations, sample indices at 360 Hz
  if (fs <= 0.0 || std::abs(fs - std::round(fs)) > 1e-9) return rr_ms;
  for (double& v : rr_ms) v = std::round(v * fs / 1000.0) / fs * 1000.0;
  return rr_ms;
}

TEST(reference, every_rr_series_is_covered) {
  const auto cases = reference_cases();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_path("reference/rr"))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 23U);
  EXPECT_GE(cases.size(), 80U);  // 23 series x up to 4 tools
}

TEST(reference, time_domain_and_poincare_match_each_tool) {
  std::size_t compared = 0;
  for (const auto& [key, metrics] : reference_cases()) {
    SCOPED_TRACE(key.dataset + " / " + key.tool + " / " + key.input);
    const auto rr_ms =
        tool_input(key.dataset, test::load_column(rr_file_for(key.dataset, key.input)));
    const rr_series rr = rr_series::from_intervals(rr_ms);
    const tool_convention conv = convention(key.tool);
    const time_domain_result td = time_domain(rr, conv.time);
    const auto pc = poincare(rr, conv.poincare_ddof);
    ASSERT_TRUE(pc.has_value());

    for (const auto& [metric, expected] : metrics) {
      SCOPED_TRACE(metric);
      if (metric == "n_rr") {
        EXPECT_EQ(static_cast<double>(rr.size()), expected);
      } else if (metric == "meanNN_ms") {
        EXPECT_NEAR(*td.mean_nn_ms, expected, 0.1);
      } else if (metric == "SDNN_ms") {
        EXPECT_NEAR(*td.sdnn_ms, expected, 0.1);
      } else if (metric == "RMSSD_ms") {
        EXPECT_NEAR(*td.rmssd_ms, expected, 0.1);
      } else if (metric == "pNN50_pct") {
        EXPECT_NEAR(*td.pnn50_pct, expected, 1e-3 * std::max(expected, 1.0));
      } else if (metric == "SD1_ms") {
        EXPECT_NEAR(pc->sd1_ms, expected, 0.1);
      } else if (metric == "SD2_ms") {
        if (key.tool == "hrvanalysis") {
          // hrv-analysis derives SD2 from SDNN and SD1: sqrt(2 SDNN^2 - SD1^2), both ddof 1.
          EXPECT_NEAR(std::sqrt(2.0 * *td.sdnn_ms * *td.sdnn_ms - pc->sd1_ms * pc->sd1_ms),
                      expected, 0.1);
        } else {
          EXPECT_NEAR(pc->sd2_ms, expected, 0.1);
        }
      } else {
        continue;
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, 600U);
}

TEST(reference, neurokit_profile_lf_hf_within_two_percent) {
  const analysis_profile nk = [] {
    analysis_profile p = analysis_profile::neurokit();
    p.artefacts = artefact_method::none;
    return p;
  }();
  std::size_t compared = 0;
  for (const auto& [key, metrics] : reference_cases()) {
    if (key.tool != "neurokit2" || !metrics.contains("LF_ms2_normalizeFalse")) continue;
    SCOPED_TRACE(key.dataset + " / " + key.input);
    const auto rr_ms = test::load_column(rr_file_for(key.dataset, key.input));
    const hrv_report r = analyze(rr_series::from_intervals(rr_ms), nk);
    if (r.welch.lf_ms2) {
      EXPECT_NEAR(*r.welch.lf_ms2 / metrics.at("LF_ms2_normalizeFalse"), 1.0, 0.02);
      ++compared;
    }
    if (r.welch.hf_ms2) {
      EXPECT_NEAR(*r.welch.hf_ms2 / metrics.at("HF_ms2_normalizeFalse"), 1.0, 0.02);
      ++compared;
    }
  }
  EXPECT_GE(compared, 20U);
}

}  // namespace
}  // namespace resonant::dsp
