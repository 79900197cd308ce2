// `resonant replay`: the metric stream of a recording through the real-time engine.
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::test::data_file;
using resonant::test::run_resonant;
using resonant::test::slurp;

class replay : public resonant::test::scratch_dir_test {
 protected:
  // A short RR session record (18 s, a dropout, clock lines and an event), as the engine
  // writes it.
  std::string short_rr_record() const {
    std::ostringstream s;
    s << R"({"format":"resonant-session","version":1,"software":"test","started_utc":"",)"
      << R"("device":"test","input":{"kind":"rr","rate_hz":0,"units":"ms"},"parameters":{}})"
      << '\n';
    double t = 0.0;
    for (int i = 0; i < 22; ++i) {
      const double rr = 800.0 + 40.0 * std::sin(static_cast<double>(i) * 0.7);
      t += rr / 1000.0;
      if (i == 12) {
        s << "e," << t << ",signal,lost\n";
        t += 3.0;  // three seconds without beats
        s << "t," << t - 0.5 << "\n";
        s << "e," << t << ",signal,found\n";
        s << "r," << t << ',' << rr << ",g\n";
        continue;
      }
      s << "r," << t << ',' << rr << '\n';
      if (i % 4 == 0) s << "t," << t + 0.1 << '\n';
    }
    return write("short.rsn", s.str()).string();
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_F(replay, rr_file_gives_one_row_per_beat_with_every_metric) {
  const auto out = (dir_ / "m.csv").string();
  const auto r =
      run_resonant("replay " + data_file("reference/rr/pyhrv_nni_short.txt") + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = lines_of(slurp(out));
  ASSERT_GT(lines.size(), 300U);
  EXPECT_EQ(lines[0],
            "time_s,beat,beats,rr_ms,hr_bpm,rmssd_30s_ms,rmssd_60s_ms,sdnn_60s_ms,pnn50_60s_pct,"
            "lf_ms2,hf_ms2,lf_hf,coherence,coherence_peak_hz,rsa_bpm,breathing_rate_bpm,"
            "corrected_pct,missing_pct");
  // Late in the recording every time-domain metric is known.
  const std::string& last = lines.back();
  EXPECT_EQ(std::count(last.begin(), last.end(), ','), 17) << last;
  EXPECT_EQ(last.find(",,"), std::string::npos) << "a metric is missing at the end: " << last;

  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U) << "metric streams are health data";
}

TEST_F(replay, speeds_one_ten_and_max_give_byte_identical_output) {
  const std::string rec = short_rr_record();
  std::vector<std::string> outputs;
  for (const char* speed : {"1", "10", "max"}) {
    const auto out = (dir_ / (std::string("speed_") + speed + ".jsonl")).string();
    const auto r =
        run_resonant("replay " + rec + " --format jsonl --speed " + speed + " --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    outputs.push_back(slurp(out));
  }
  ASSERT_FALSE(outputs[0].empty());
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);
  // The dropout is visible: events, and tick rows (beat false) inside it.
  EXPECT_NE(outputs[0].find(R"("event":"signal","detail":"lost")"), std::string::npos);
  EXPECT_NE(outputs[0].find(R"("beat":false)"), std::string::npos);
  for (const auto& line : lines_of(outputs[0])) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
  }
}

TEST_F(replay, block_sizes_one_seven_and_4096_give_byte_identical_output) {
  std::vector<std::string> outputs;
  for (const char* block : {"1", "7", "4096"}) {
    const auto out = (dir_ / (std::string("block_") + block + ".csv")).string();
    const auto r = run_resonant("replay " + data_file("recordings/mitdb/100.hea") + " --block " +
                                block + " --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    outputs.push_back(slurp(out));
  }
  // 30 minutes of ECG at 360 Hz: about 2270 beats.
  EXPECT_GT(lines_of(outputs[0]).size(), 2000U);
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);
}

TEST_F(replay, malformed_lines_are_skipped_and_reported_not_fatal) {
  std::string text = slurp(short_rr_record());
  text += "r,1.0,800\n";  // out of order
  text += "zzz\n";        // garbage
  text += "r,99.0,8";     // partial last line
  const auto rec = write("bad.rsn", text).string();
  const auto r = run_resonant("replay " + rec + " --out " + (dir_ / "m.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("skipped 3 malformed lines"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad.rsn:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("end time goes back"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("partial last line"), std::string::npos) << r.out;
}

TEST_F(replay, truncated_header_is_a_clear_error) {
  const auto rec = write("trunc.rsn", R"({"format":"resonant-session","version":1,"inp)");
  const auto r = run_resonant("replay " + rec.string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("trunc.rsn:1: truncated session record header"), std::string::npos) << r.out;
}

TEST_F(replay, bad_speed_is_a_usage_error) {
  const auto r =
      run_resonant("replay " + data_file("reference/rr/pyhrv_nni_short.txt") + " --speed fast");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--speed"), std::string::npos) << r.out;
}

// Hostile records and speeds (issue 13): clear errors, exit 2, never "internal error".
TEST_F(replay, hostile_headers_are_input_errors_not_internal_errors) {
  for (const char* header : {R"({"format":"resonant-session","version":"1"})",
                             R"({"format":"resonant-session","version":1e300})",
                             R"({"format":"resonant-session","version":1.9})",
                             R"({"format":"resonant-session","version":1,"input":{"kind":7}})",
                             R"({"format":"resonant-session","version":1,"input":[]})"}) {
    const auto rec = write("h.rsn", std::string(header) + "\nr,0.8,800\n");
    const auto r = run_resonant("replay " + rec.string());
    EXPECT_EQ(r.exit_code, 2) << header << ": " << r.out;
    EXPECT_NE(r.out.find("h.rsn:1: "), std::string::npos) << header << ": " << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << header << ": " << r.out;
  }
}

TEST_F(replay, speeds_out_of_range_are_refused) {
  const auto rec = write("s.rsn", R"({"format":"resonant-session","version":1,)"
                                  R"("input":{"kind":"rr","rate_hz":0,"units":"ms"}})"
                                  "\nr,0.8,800\n");
  for (const char* speed : {"1e-300", "0", "-1", "inf", "nan", "1e300", "0.001", "1e-400"}) {
    const auto r = run_resonant("replay " + rec.string() + " --speed " + speed);
    EXPECT_EQ(r.exit_code, 2) << speed << ": " << r.out;
    EXPECT_NE(r.out.find("--speed must be a number from 0.01 to 1000000"), std::string::npos)
        << speed << ": " << r.out;
  }
  // The limits themselves are accepted.
  for (const char* speed : {"0.01", "1000000"}) {
    const auto r = run_resonant("replay " + rec.string() + " --speed " + speed);
    EXPECT_EQ(r.exit_code, 0) << speed << ": " << r.out;
  }
}

// An absurd time in a record used to make `--speed 1` sleep for ever; now the line is skipped
// and a long jump in data time is not waited for. Both records last about a second of data.
TEST_F(replay, absurd_times_do_not_hang_a_real_time_replay) {
  const std::string header = R"({"format":"resonant-session","version":1,)"
                             R"("input":{"kind":"rr","rate_hz":0,"units":"ms"}})"
                             "\n";
  const auto absurd = write("absurd.rsn", header + "r,0.4,400\nr,1e300,800\nr,1.2,800\n");
  const auto jump = write("jump.rsn", header + "r,0.4,400\nr,5000,800,g\nr,5000.5,500\n");
  for (const auto& rec : {absurd, jump}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r =
        run_resonant("replay " + rec.string() + " --speed 1 --out " + (dir_ / "m.csv").string());
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_LT(took, 5.0) << rec << " took " << took << " s: " << r.out;
    if (rec == absurd) {
      EXPECT_NE(r.out.find("absurd.rsn:3: RR line: end time is not a finite number within 1e7 s"),
                std::string::npos)
          << r.out;
    } else {
      EXPECT_NE(r.out.find("1 jump in data time longer than 60 s"), std::string::npos) << r.out;
    }
  }
}

}  // namespace
