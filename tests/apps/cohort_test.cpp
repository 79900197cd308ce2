// `resonant analyze` on cohorts and segments (issue 17), end to end through the real binary:
// a folder with broken, empty and unreadable recordings beside good ones; the same table with 1
// and 2 jobs; the SDNN index of nsr001 from its 5-minute segments; a night window on an EDF+
// with a start time; the refusal of clock times without one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

using nlohmann::json;
using resonant::test::run_resonant;

// The rows of a JSON-lines table.
std::vector<json> rows_of(const std::string& text) {
  std::vector<json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

// n RR intervals (ms) around 800 ms with a breathing-like swing, one a line.
std::string rr_text(int n, double phase) {
  std::string out = "rr_ms\n";
  for (int i = 0; i < n; ++i) {
    out +=
        std::to_string(800.0 + 40.0 * std::sin(0.9 * i + phase) + 5.0 * std::cos(0.13 * i)) + "\n";
  }
  return out;
}

// A spike-train ECG (250 Hz): beats every `beat_s(t)` seconds, QRS and T waves on a slow swing.
std::vector<double> ecg_samples(double seconds, double (*beat_s)(double)) {
  constexpr double fs = 250.0;
  const auto n = static_cast<std::size_t>(seconds * fs);
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i)
    x[i] = 0.02 * std::sin(2.0 * M_PI * 0.3 * static_cast<double>(i) / fs);
  const auto bump = [&](long centre, int half, double width, double height) {
    for (int k = -half; k <= half; ++k) {
      const long j = centre + k;
      if (j >= 0 && j < static_cast<long>(n)) x[j] += height * std::exp(-(k / width) * (k / width));
    }
  };
  for (double t = 0.5; t < seconds; t += beat_s(t)) {
    const auto c = static_cast<long>(t * fs);
    bump(c, 6, 2.5, 1.0);
    bump(c + 62, 20, 10.0, 0.2);
  }
  return x;
}

void put16(std::string& out, int v) {
  const auto u = static_cast<unsigned>(v) & 0xFFFFU;
  out.push_back(static_cast<char>(u & 0xFFU));
  out.push_back(static_cast<char>(u >> 8U));
}

std::string field(std::string s, std::size_t n) {
  s.resize(n, ' ');
  return s;
}

// EDF+C (edfplus.info): one ECG signal at 250 Hz in 1 s records (physical -5..5 mV on 16 bits)
// and the annotation signal that dates each record; start "dd.mm.yy", "hh.mm.ss".
std::string edf_plus(const std::vector<double>& ecg, const std::string& date,
                     const std::string& time) {
  const std::size_t records = ecg.size() / 250;
  std::string h = field("0", 8) + field("X X X X", 80) + field("Startdate X X X X", 80) + date +
                  time + field("768", 8) + field("EDF+C", 44) + field(std::to_string(records), 8) +
                  field("1", 8) + field("2", 4);
  h += field("ECG", 16) + field("EDF Annotations", 16) + std::string(160, ' ');
  h += field("mV", 8) + field("", 8) + field("-5", 8) + field("-1", 8) + field("5", 8) +
       field("1", 8);
  h += field("-32768", 8) + field("-32768", 8) + field("32767", 8) + field("32767", 8);
  h += std::string(160, ' ') + field("250", 8) + field("30", 8) + std::string(64, ' ');
  for (std::size_t r = 0; r < records; ++r) {
    for (std::size_t i = 0; i < 250; ++i)
      put16(h, static_cast<int>(std::lround(ecg[r * 250 + i] * 6553.5)));
    std::string tal = "+" + std::to_string(r) + "\x14\x14";
    tal.push_back('\0');
    tal.resize(60, '\0');
    h += tal;
  }
  return h;
}

class cohort_test : public resonant::test::scratch_dir_test {};

TEST_F(cohort_test, bad_files_get_rows_with_reasons_and_the_others_complete) {
  write("a_good.txt", rr_text(400, 0.0));
  write("b_broken.txt", "this is not a recording\nat all, 12 x\n");
  write("c_empty.txt", "");
  std::string wave = "ECG\n";
  for (int i = 0; i < 3000; ++i) wave += std::to_string(std::sin(i * 0.1)) + "\n";
  write("d_wave_without_rate.csv", wave);
  std::filesystem::create_directories(dir_ / "sub");
  write("sub/e_good.txt", rr_text(500, 1.0));

  const auto r = run_resonant("analyze " + dir_.string() + " --format jsonl --jobs 2", "", false);
  EXPECT_EQ(r.exit_code, 6);  // complete table, some recordings not analysed
  const auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 5U) << r.out;
  const std::vector<std::string> names = {"a_good.txt", "b_broken.txt", "c_empty.txt",
                                          "d_wave_without_rate.csv", "sub/e_good.txt"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["path"], (dir_ / names[i]).string());  // sorted by path
  }
  for (std::size_t i : {0U, 4U}) {
    EXPECT_EQ(rows[i]["status"], "ok");
    EXPECT_TRUE(rows[i]["error"].is_null());
    EXPECT_EQ(rows[i]["input.kind"], "rr");
    EXPECT_GT(rows[i]["time_domain.sdnn_ms"].get<double>(), 10.0);
    EXPECT_GT(rows[i]["frequency_domain.hf_ms2"].get<double>(), 0.0);
    EXPECT_EQ(rows[i]["input.n_intervals"], i == 0 ? 400 : 500);
  }
  for (std::size_t i : {1U, 2U, 3U}) {
    EXPECT_NE(rows[i]["status"], "ok") << rows[i].dump();
    EXPECT_FALSE(rows[i]["error"].get<std::string>().empty());
    EXPECT_TRUE(rows[i]["time_domain.sdnn_ms"].is_null());
  }
  EXPECT_NE(rows[3]["error"].get<std::string>().find("--rate"), std::string::npos)
      << rows[3]["error"];
  EXPECT_NE(rows[2]["error"].get<std::string>().find("empty"), std::string::npos)
      << rows[2]["error"];
}

TEST_F(cohort_test, csv_has_the_same_columns_and_order_whatever_the_jobs) {
  for (int i = 0; i < 7; ++i) write("r" + std::to_string(i) + ".txt", rr_text(300 + 37 * i, i));
  write("zz_broken.txt", "nothing here\n");
  const std::string glob = "'" + (dir_ / "r*.txt").string() + "'";
  const auto one = run_resonant("analyze " + dir_.string() + " --jobs 1 --format csv", "", false);
  const auto two = run_resonant("analyze " + dir_.string() + " --jobs 2 --format csv", "", false);
  EXPECT_EQ(one.exit_code, 6);
  EXPECT_EQ(two.exit_code, 6);
  EXPECT_EQ(one.out, two.out);
  std::istringstream lines(one.out);
  std::string header;
  std::getline(lines, header);
  EXPECT_TRUE(header.starts_with("path,status,error,")) << header;
  EXPECT_NE(header.find(",time_domain.sdnni_ms,"), std::string::npos);
  EXPECT_NE(header.find(",input.decided_by,"), std::string::npos);
  // A glob (quoted: the program expands it) selects the good ones: exit 0.
  const auto good = run_resonant("analyze " + glob + " --jobs 2 --format jsonl", "", false);
  EXPECT_EQ(good.exit_code, 0) << good.out;
  const auto rows = rows_of(good.out);
  ASSERT_EQ(rows.size(), 7U);
  const json first = rows.front();
  // nlohmann sorts object keys, so compare as sets of columns.
  std::vector<std::string> csv_cols;
  std::istringstream h(header);
  for (std::string c; std::getline(h, c, ',');) csv_cols.push_back(c);
  EXPECT_EQ(csv_cols.size(), first.size());
  for (const auto& c : csv_cols) EXPECT_TRUE(first.contains(c)) << c;
}

// Under the default (Kubios) profile the segments are slices of the series the whole analysis
// uses (corrected and detrended over the whole recording), and without correction and beat
// detrending they are plain slices of the intervals: either way the mean of their SDNNs is the
// whole analysis's SDNN index.
TEST_F(cohort_test, mean_of_5_minute_sdnn_is_the_sdnn_index_of_nsr001) {
  const std::string rec = resonant::test::data_file("recordings/nsr2db_nsr001_rr_secs.txt");
  for (const std::string options : {"", " --artefacts none --set detrend_time_domain=no"}) {
    SCOPED_TRACE(options);
    const auto whole = run_resonant("analyze " + rec + options + " --format json", "", false);
    ASSERT_EQ(whole.exit_code, 0) << whole.out;
    const json report = json::parse(whole.out);
    const double sdnni = report["time_domain"]["sdnni_ms"].get<double>();
    const auto seg =
        run_resonant("analyze " + rec + options + " --segment 5min --format jsonl", "", false);
    ASSERT_EQ(seg.exit_code, 0) << seg.out;
    const auto rows = rows_of(seg.out);
    ASSERT_GT(rows.size(), 250U);
    double sum = 0.0;
    std::size_t counted = 0;
    double corrected = 0.0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const json& r = rows[k];
      EXPECT_EQ(r["segment.index"], k);
      EXPECT_DOUBLE_EQ(r["segment.length_s"].get<double>(), 300.0);
      EXPECT_TRUE(r["segment.start_time"].is_null());  // an RR list has no clock
      if (r["status"] != "ok") continue;
      EXPECT_EQ(r["artefacts.method"],
                report["artefacts"]["method"].get<std::string>() + ", whole recording");
      corrected += r["artefacts.corrected_intervals"].get<double>();
      // The SDNN index's rule: complete segments covered at least 80 % by intervals.
      if (!r["segment.complete"].get<bool>() || r["segment.coverage"].get<double>() < 0.8) continue;
      sum += r["time_domain.sdnn_ms"].get<double>();
      ++counted;
    }
    // 270 complete segments in 22.5 h; with the correction, the range gate removes intervals
    // near the end, the corrected series ends earlier and its segment 269 is not complete.
    EXPECT_EQ(counted, options.empty() ? 269U : 270U);
    EXPECT_NEAR(sum / static_cast<double>(counted), sdnni, 1e-12 * sdnni);
    // Every interval the whole recording's correction changed is counted in its segment.
    EXPECT_EQ(corrected, report["artefacts"]["corrected_intervals"].get<double>());
    EXPECT_DOUBLE_EQ(
        rows[1]["segment.start_s"].get<double>() - rows[0]["segment.start_s"].get<double>(), 300.0);
  }
}

TEST_F(cohort_test, start_and_end_select_one_stretch) {
  const std::string rec = resonant::test::data_file("recordings/nsr2db_nsr001_rr_secs.txt");
  const auto r =
      run_resonant("analyze " + rec + " --start 1h --end 5400 --format jsonl", "", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["segment.label"], "stretch");
  EXPECT_DOUBLE_EQ(rows[0]["segment.start_s"].get<double>(), 3600.0);
  EXPECT_DOUBLE_EQ(rows[0]["segment.length_s"].get<double>(), 1800.0);
  EXPECT_NEAR(rows[0]["input.duration_s"].get<double>(), 1800.0, 3.0);
  EXPECT_GT(rows[0]["segment.coverage"].get<double>(), 0.98);
}

TEST_F(cohort_test, clock_times_without_a_start_time_are_refused_with_the_reason) {
  write("rr.txt", rr_text(400, 0.0));
  const auto r = run_resonant(
      "analyze " + (dir_ / "rr.txt").string() + " --segment night=00:00-06:00 --format jsonl", "",
      false);
  EXPECT_EQ(r.exit_code, 6);
  const auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["status"], "refused");
  const std::string why = rows[0]["error"];
  EXPECT_NE(why.find("start time is not known"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

TEST_F(cohort_test, night_window_on_an_edf_plus_selects_the_samples_after_midnight) {
  // Starts 23:58:00 on 2 March 2002; 60 bpm, then 100 bpm from 00:00 to 00:02, then 60 again.
  const auto beat = [](double t) { return t >= 120.0 && t < 240.0 ? 0.6 : 1.0; };
  const auto ecg = ecg_samples(360.0, +beat);
  write("night.edf", edf_plus(ecg, "02.03.02", "23.58.00"));
  const std::string path = (dir_ / "night.edf").string();
  const auto r = run_resonant(
      "analyze " + path + " --segment night=00:00-00:02 --format jsonl --artefacts none", "",
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 1U) << r.out;
  const json& n = rows[0];
  EXPECT_EQ(n["segment.label"], "night");
  EXPECT_EQ(n["segment.start_time"], "2002-03-03T00:00:00");
  EXPECT_NEAR(n["segment.start_s"].get<double>(), 120.0, 1e-9);
  EXPECT_DOUBLE_EQ(n["segment.length_s"].get<double>(), 120.0);
  EXPECT_TRUE(n["segment.complete"].get<bool>());
  EXPECT_NEAR(n["time_domain.mean_hr_bpm"].get<double>(), 100.0, 1.0);
  EXPECT_NEAR(n["input.n_intervals"].get<double>(), 199.0, 2.0);
  EXPECT_EQ(n["input.kind"], "ecg");

  // The two minutes before midnight, by clock time: 60 bpm.
  const auto before = run_resonant(
      "analyze " + path + " --start 23:58 --end 00:00 --format jsonl --artefacts none", "", false);
  ASSERT_EQ(before.exit_code, 0) << before.out;
  const auto b = rows_of(before.out);
  ASSERT_EQ(b.size(), 1U);
  EXPECT_EQ(b[0]["segment.start_time"], "2002-03-02T23:58:00");
  EXPECT_NEAR(b[0]["time_domain.mean_hr_bpm"].get<double>(), 60.0, 1.0);
}

// The same night as a CSV whose time column holds date-times (a phone or logger export): the
// first time stamp dates the recording, as the EDF+ header does.
TEST_F(cohort_test, night_window_on_date_time_stamped_text_selects_the_samples_after_midnight) {
  const auto beat = [](double t) { return t >= 120.0 && t < 240.0 ? 0.6 : 1.0; };
  const auto ecg = ecg_samples(360.0, +beat);
  std::string csv = "timestamp,ecg\n";
  char stamp[64];
  for (std::size_t i = 0; i < ecg.size(); ++i) {
    const long long ms = static_cast<long long>(i) * 4;  // 250 Hz from 23:58:00.000
    const long long s = 23 * 3600 + 58 * 60 + ms / 1000;
    const int day = s >= 86400 ? 3 : 2;
    const long long in_day = s % 86400;
    std::snprintf(stamp, sizeof stamp, "2002-03-%02d %02lld:%02lld:%02lld.%03lld", day,
                  in_day / 3600, in_day / 60 % 60, in_day % 60, ms % 1000);
    csv += std::string(stamp) + "," + std::to_string(ecg[i]) + "\n";
  }
  write("night.csv", csv);
  const auto r = run_resonant("analyze " + (dir_ / "night.csv").string() +
                                  " --segment night=00:00-00:02 --format jsonl --artefacts none",
                              "", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 1U) << r.out;
  EXPECT_EQ(rows[0]["segment.start_time"], "2002-03-03T00:00:00");
  EXPECT_NEAR(rows[0]["segment.start_s"].get<double>(), 120.0, 1e-9);
  EXPECT_TRUE(rows[0]["segment.complete"].get<bool>());
  EXPECT_NEAR(rows[0]["time_domain.mean_hr_bpm"].get<double>(), 100.0, 1.0);
  EXPECT_EQ(rows[0]["input.kind"], "ecg");
}

}  // namespace
