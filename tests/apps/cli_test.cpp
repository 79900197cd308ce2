#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;

using resonant::test::run_result;

run_result run(const std::string& args) {
  return resonant::test::run_resonant(args);
}

std::string data(const std::string& rel) {
  return resonant::test::data_file(rel);
}

class cli : public resonant::test::scratch_dir_test {
 protected:
  std::string write_text(const std::string& name, const std::string& content) const {
    return write(name, content).string();
  }
};

TEST_F(cli, json_report_has_every_documented_key) {
  const run_result r =
      run("analyze " + data("reference/rr/pyhrv_nni_short.txt") + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"path", "kind", "n_beats", "duration_s"})
    EXPECT_TRUE(j["input"].contains(k)) << k;
  EXPECT_EQ(j["input"]["kind"], "rr");
  EXPECT_EQ(j["profile"], "kubios");
  EXPECT_TRUE(j["parameters"]["frequency_domain"].contains("detrend_lambda"));
  for (const char* k : {"method", "ectopic", "missed", "extra", "long", "short", "corrected_pct"})
    EXPECT_TRUE(j["artefacts"].contains(k)) << k;
  for (const char* k :
       {"mean_nn_ms", "sdnn_ms", "rmssd_ms", "sdsd_ms", "pnn50_pct", "pnn20_pct", "mean_hr_bpm",
        "min_hr_bpm", "max_hr_bpm", "cvnn", "hti", "tinn_ms", "sdann_ms", "sdnni_ms"})
    EXPECT_TRUE(j["time_domain"].contains(k)) << k;
  for (const char* k : {"method", "vlf_ms2", "lf_ms2", "hf_ms2", "total_ms2", "lf_nu", "hf_nu",
                        "lf_hf", "lf_peak_hz", "hf_peak_hz"}) {
    EXPECT_TRUE(j["frequency_domain"].contains(k)) << k;
    EXPECT_TRUE(j["frequency_domain"]["lomb"].contains(k)) << k;
  }
  for (const char* k : {"sd1_ms", "sd2_ms", "sd1_sd2", "dfa_alpha1", "dfa_alpha2", "sampen"})
    EXPECT_TRUE(j["nonlinear"].contains(k)) << k;
  // 5-minute recording: short-term measures present, long-term ones null.
  EXPECT_NEAR(j["time_domain"]["mean_nn_ms"].get<double>(), 888.955, 0.01);
  EXPECT_TRUE(j["time_domain"]["sdann_ms"].is_null());
  EXPECT_TRUE(j["frequency_domain"]["lf_ms2"].is_number());
}

TEST_F(cli, artefacts_none_reproduces_the_reference_rmssd) {
  const run_result r =
      run("analyze " + data("reference/rr/wfdb_100_atr.txt") + " --artefacts none --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["time_domain"]["rmssd_ms"].get<double>(), 63.2318, 0.1);
  EXPECT_EQ(j["artefacts"]["method"], "none");
}

TEST_F(cli, table_and_csv_formats) {
  const std::string f = data("reference/rr/pyhrv_nni_short.txt");
  const run_result table = run("analyze " + f);
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("RMSSD"), std::string::npos);
  EXPECT_NE(table.out.find("Lomb"), std::string::npos);
  const run_result csv = run("analyze " + f + " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  const auto nl = csv.out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const std::string header = csv.out.substr(0, nl);
  EXPECT_NE(header.find("time_domain.rmssd_ms"), std::string::npos);
  EXPECT_NE(header.find("frequency_domain.lomb.lf_ms2"), std::string::npos);
  const std::string values = csv.out.substr(nl + 1);
  // Commas outside double quotes separate the cells (the decision text is quoted).
  const auto cells = [](const std::string& line) {
    std::size_t n = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  EXPECT_EQ(cells(header), cells(values));
}

TEST_F(cli, physionet_offset_file_and_wfdb_annotations) {
  const run_result rr = run("analyze " + data("recordings/hrvanalysis_test_nn_intervals.txt") +
                            " --format json --artefacts none");
  ASSERT_EQ(rr.exit_code, 0) << rr.out;
  EXPECT_EQ(nlohmann::json::parse(rr.out)["input"]["n_intervals"], 1000);
  const run_result holter =
      run("analyze --first-is-offset " + data("recordings/nsr2db_nsr001_rr_secs.txt") +
          " --artefacts none --format json");
  ASSERT_EQ(holter.exit_code, 0) << holter.out;
  const auto jh = nlohmann::json::parse(holter.out);
  EXPECT_EQ(jh["input"]["n_intervals"], 106459);
  EXPECT_NEAR(jh["time_domain"]["mean_nn_ms"].get<double>(), 760.53, 0.01);
  EXPECT_TRUE(jh["time_domain"]["sdann_ms"].is_number());  // 22.5 h: long-term measures
  EXPECT_TRUE(jh["nonlinear"]["dfa_alpha2"].is_number());
  const run_result atr = run("analyze " + data("recordings/mitdb/100.atr") + " --format json");
  ASSERT_EQ(atr.exit_code, 0) << atr.out;
  const auto j = nlohmann::json::parse(atr.out);
  EXPECT_EQ(j["input"]["kind"], "annotations");
  EXPECT_EQ(j["artefacts"]["annotated_beats"]["supraventricular"], 33);
}

TEST_F(cli, bad_number_names_file_line_and_field) {
  std::string body = "800\n810\n12a\n820\n";
  for (int i = 0; i < 60; ++i) body += std::to_string(800 + (i % 4) * 10) + "\n";
  const std::string f = write_text("rr.txt", body);
  // --strict: refused, naming the line.
  const run_result r = run("analyze " + f + " --strict");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find(f + ":3: \"12a\" is not a number"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  // Without it: a gap, and the report says which line was skipped.
  const run_result lenient = run("analyze " + f + " --format json");
  ASSERT_EQ(lenient.exit_code, 0) << lenient.out;
  const auto j = nlohmann::json::parse(lenient.out);
  EXPECT_EQ(j["input"]["skipped"], 1);
  EXPECT_EQ(j["input"]["skipped_lines"][0]["line"], 3);
}

TEST_F(cli, bad_inputs_exit_2_with_one_line) {
  const std::string empty = write_text("empty.txt", "");
  const std::string negative = write_text("neg.txt", "800\n-350\n");
  for (const std::string& f : {empty, negative, (dir_ / "missing.txt").string()}) {
    SCOPED_TRACE(f);
    const run_result r = run("analyze " + f);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out.rfind("resonant: " + f, 0), 0U) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
  const run_result usage = run("analyze --profile nope x.txt");
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(cli, single_beat_nan_and_absurd_values_are_handled) {
  // One value cannot be told apart from anything else; read as RR it is too little (exit 3).
  const std::string one_file = write_text("one.txt", "850\n");
  const run_result unsure = run("analyze " + one_file + " --format json");
  EXPECT_EQ(unsure.exit_code, 2) << unsure.out;
  EXPECT_NE(unsure.out.find("--input rr"), std::string::npos) << unsure.out;
  const run_result one = run("analyze " + one_file + " --input rr --format json");
  EXPECT_EQ(one.exit_code, 3) << one.out;
  EXPECT_NE(one.out.find("1 usable intervals, fewer than the 10"), std::string::npos) << one.out;

  std::string body;
  for (int i = 0; i < 200; ++i) body += std::to_string(800 + (i % 7) * 10) + "\n";
  body += "NaN\n99999\n";
  for (int i = 0; i < 200; ++i) body += std::to_string(800 + (i % 5) * 10) + "\n";
  const run_result mixed = run("analyze " + write_text("mixed.txt", body) + " --format json");
  ASSERT_EQ(mixed.exit_code, 0) << mixed.out;
  const auto j2 = nlohmann::json::parse(mixed.out);
  EXPECT_EQ(j2["input"]["missing_entries"], 1);
  EXPECT_EQ(j2["artefacts"]["range_gate_removed"], 1);
  EXPECT_LT(j2["time_domain"]["max_hr_bpm"].get<double>(), 80.0);
}

TEST_F(cli, beats_prints_one_csv_line_per_beat) {
  const run_result r = resonant::test::run_resonant(
      "beats " + data("recordings/nstdb_118e24.csv") + " --rate 360 --signal ecg", "", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("sample,time_s,quality\n", 0), 0U);
  const auto lines = std::count(r.out.begin(), r.out.end(), '\n');
  EXPECT_NEAR(static_cast<double>(lines - 1), 167.0, 1.0);  // 167 annotated beats
  // Second line: sample index, its time at 360 Hz, quality in [0, 1].
  const auto first = r.out.substr(r.out.find('\n') + 1);
  long long sample = 0;
  double t = 0.0;
  double q = 0.0;
  ASSERT_EQ(std::sscanf(first.c_str(), "%lld,%lf,%lf", &sample, &t, &q), 3);
  EXPECT_NEAR(t, static_cast<double>(sample) / 360.0, 0.5 / 360.0);
  EXPECT_GE(q, 0.0);
  EXPECT_LE(q, 1.0);
}

TEST_F(cli, analyze_runs_detection_on_signal_files) {
  const run_result ecg = run("analyze " + data("recordings/mitdb/100.hea") + " --format json");
  ASSERT_EQ(ecg.exit_code, 0) << ecg.out;
  const auto je = nlohmann::json::parse(ecg.out);
  EXPECT_EQ(je["input"]["kind"], "ecg");
  EXPECT_NEAR(je["input"]["n_beats"].get<double>(), 2273.0, 3.0);

  const run_result ppg = run("analyze " + data("recordings/neurokit_bio_resting_5min_100hz.csv") +
                             " --column PPG --rate 100 --format json --artefacts none");
  ASSERT_EQ(ppg.exit_code, 0) << ppg.out;
  const auto jp = nlohmann::json::parse(ppg.out);
  EXPECT_EQ(jp["input"]["kind"], "ppg");
  // NeuroKit2 on the same PPG: 431 intervals, mean NN 694.69 ms.
  EXPECT_NEAR(jp["time_domain"]["mean_nn_ms"].get<double>(), 694.69, 0.005 * 694.69);
}

TEST_F(cli, signal_files_without_enough_information_fail_clearly) {
  const run_result no_rate = run("beats " + data("recordings/nstdb_118e24.csv") + " --signal ecg");
  EXPECT_EQ(no_rate.exit_code, 2) << no_rate.out;
  EXPECT_NE(no_rate.out.find("--rate"), std::string::npos) << no_rate.out;
  // Without --signal the waveform's shape decides, and the decision is stated.
  const run_result no_kind = run("beats " + data("recordings/nstdb_118e24.csv") + " --rate 360");
  EXPECT_EQ(no_kind.exit_code, 0) << no_kind.out;
  EXPECT_NE(no_kind.out.find("ecg by its shape"), std::string::npos) << no_kind.out;
}

}  // namespace
