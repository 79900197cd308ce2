// End-to-end tests of `resonant simulate`: the real executable writes recordings that
// `resonant analyze` and `resonant beats` read without options, with the true beats beside them.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/beat_matching.hpp"
#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;

using resonant::test::run_result;

run_result run(const std::string& args, bool merge_stderr = true) {
  return resonant::test::run_resonant(args, "", merge_stderr);
}

// Column `col` of a CSV file (text after the header line; comment lines skipped).
std::vector<double> csv_column(const std::string& text, std::size_t col) {
  std::vector<double> v;
  std::istringstream in(text);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::string f;
    for (std::size_t i = 0; i <= col; ++i) std::getline(fields, f, ',');
    v.push_back(std::stod(f));
  }
  return v;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777U;
}

class simulate : public resonant::test::scratch_dir_test {};

TEST_F(simulate, rr_recording_is_analysed_as_written_and_shows_the_paced_rhythm) {
  const fs::path out = dir_ / "rr.csv";
  const run_result r =
      run("simulate --minutes 5 --signal rr --breathing-rate 5.5 --seed 4 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_TRUE(fs::exists(dir_ / "rr.truth.csv"));
  EXPECT_EQ(mode_of(out), 0600U);
  EXPECT_EQ(mode_of(dir_ / "rr.truth.csv"), 0600U);
  const run_result a = run("analyze --format json " + out.string(), false);
  ASSERT_EQ(a.exit_code, 0) << a.out;
  const auto j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["input"]["kind"], "rr");
  // Breathing at 5.5/min puts the spectral peak at 0.092 Hz.
  const double peak = j["frequency_domain"]["lf_peak_hz"].get<double>();
  EXPECT_NEAR(peak, 5.5 / 60.0, 0.008) << a.out;
  // Same seed, same file.
  const fs::path again = dir_ / "again.csv";
  ASSERT_EQ(
      run("simulate --minutes 5 --signal rr --breathing-rate 5.5 --seed 4 --out " + again.string())
          .exit_code,
      0);
  EXPECT_EQ(slurp(out), slurp(again));
}

TEST_F(simulate, ecg_and_ppg_records_give_back_their_true_beats) {
  for (const std::string signal : {"ecg", "ppg"}) {
    SCOPED_TRACE(signal);
    const fs::path rec = dir_ / signal;
    const run_result r = run("simulate --minutes 2 --signal " + signal +
                             " --breathing-rate 6 --seed 5 --out " + rec.string() + ".hea");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    for (const char* ext : {".hea", ".dat", ".truth.csv"}) {
      EXPECT_EQ(mode_of(rec.string() + ext), 0600U) << ext;
    }
    const run_result b = run("beats " + rec.string() + ".hea", false);
    ASSERT_EQ(b.exit_code, 0) << b.out;
    std::vector<double> found = csv_column(b.out, 1);
    std::vector<double> truth = csv_column(slurp(rec.string() + ".truth.csv"), 1);  // pulse_s
    std::erase_if(truth, [](double t) { return t < 3.0 || t > 118.0; });
    std::erase_if(found, [](double t) { return t < 2.95 || t > 118.05; });
    const auto m = resonant::test::match_beats(truth, found, 0.05);
    EXPECT_GE(m.sensitivity(), 0.995);
    EXPECT_GE(m.ppv(), 0.995);
    const run_result a = run("analyze --format json " + rec.string() + ".hea", false);
    ASSERT_EQ(a.exit_code, 0) << a.out;
    EXPECT_EQ(nlohmann::json::parse(a.out)["input"]["kind"], signal);
  }
}

TEST_F(simulate, bad_options_are_usage_errors) {
  EXPECT_EQ(run("simulate --minutes 1 --signal ecg --out " + (dir_ / "x.csv").string()).exit_code,
            2);
  EXPECT_EQ(run("simulate --minutes 1 --signal eeg --out " + (dir_ / "x").string()).exit_code, 2);
  EXPECT_EQ(run("simulate --minutes 1 --dropout soon --out " + (dir_ / "x.csv").string()).exit_code,
            2);
  EXPECT_EQ(run("simulate --signal rr --out " + (dir_ / "x.csv").string()).exit_code, 2);
}

}  // namespace
