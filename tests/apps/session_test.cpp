// `resonant session`, `history`, `assess`: end to end through the real binary, one smoke test
// per fast source kind (the simulated subject and a recording, both speeded up), the sound as
// a WAV file, and the history. The session's logic (phases, keys, signal loss, recovery) is
// tested in virtual time in tests/engine/session_test.cpp; the real-time runs (serial device,
// terminal screen and keys) are in session_slow_test.cpp (CTest label `slow`).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/pty_device.hpp"
#include "support/scratch_dir.hpp"

namespace {

// The first `rows` lines of a replay (CSV), optionally without the time column.
std::vector<std::string> first_rows(const std::string& csv, std::size_t rows, bool with_time) {
  std::vector<std::string> out;
  std::istringstream in(csv);
  std::string line;
  while (out.size() < rows && std::getline(in, line))
    out.push_back(with_time ? line : line.substr(line.find(',')));
  return out;
}

class session : public resonant::test::scratch_dir_test {
 protected:
  // Every command of a test shares one private data directory.
  [[nodiscard]] std::string env() const {
    return "RESONANT_HOME=" + (dir_ / "home").string() + " ";
  }
  resonant::test::run_result resonant(const std::string& args) const {
    return resonant::test::run_resonant(args, env());
  }
  // stdout alone (replay states on stderr how it read the input).
  resonant::test::run_result resonant_stdout(const std::string& args) const {
    return resonant::test::run_resonant(args, env(), false);
  }
  nlohmann::json history() const {
    const auto r = resonant("history --all --format json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return nlohmann::json::parse(r.out);
  }
  // Replays a session's record and an input file (CSV) and expects the same rows, but the
  // session's last 10 (the session stopped part way: their look-ahead was cut short), and more
  // than min_rows of them.
  void expect_replays_alike(const std::string& record, const std::string& file,
                            std::size_t min_rows, bool with_time) const {
    const auto from_session = resonant("replay " + record + " --format csv");
    const auto from_file = resonant_stdout("replay " + file + " --format csv");
    ASSERT_EQ(from_session.exit_code, 0) << from_session.out;
    const auto n = static_cast<std::size_t>(
        std::count(from_session.out.begin(), from_session.out.end(), '\n'));
    ASSERT_GT(n, min_rows);
    EXPECT_EQ(first_rows(from_session.out, n - 10, with_time),
              first_rows(from_file.out, n - 10, with_time));
  }
};

TEST_F(session, responder_shows_more_rsa_and_coherence_when_paced_and_the_summary_says_so) {
  const auto r = resonant("session --source sim:seed=3,speed=40 --minutes 3 --audio off");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // The first line of the summary answers the recovery question (rest after vs before).
  const auto summary = r.out.find("More rested: resting heart rate ");
  ASSERT_NE(summary, std::string::npos) << r.out;
  EXPECT_LT(summary, r.out.find("Session summary")) << r.out;
  EXPECT_NE(r.out.find("Your heart rhythm followed the slow breathing"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("LF/HF reflects breathing"), std::string::npos) << r.out;
  const auto h = history();
  ASSERT_EQ(h["sessions"].size(), 1U);
  const auto& s = h["sessions"][0];
  EXPECT_EQ(s["verdict"], "responded");
  EXPECT_FALSE(s["ended_early"].get<bool>());
  EXPECT_GT(s["paced"]["rsa_bpm"].get<double>(), 1.5 * s["baseline"]["rsa_bpm"].get<double>());
  EXPECT_GT(s["paced"]["coherence"].get<double>(), s["baseline"]["coherence"].get<double>());
  EXPECT_GT(s["coverage_pct"].get<double>(), 95.0);
  // The after phase and the recovery answer are kept beside baseline and paced.
  EXPECT_EQ(s["kind"], "sim");
  EXPECT_NEAR(s["after"]["duration_s"].get<double>(), 60.0, 3.0);
  EXPECT_GT(s["after"]["rmssd_ms"].get<double>(), s["baseline"]["rmssd_ms"].get<double>());
  EXPECT_EQ(s["recovery"]["verdict"], "more_rested");
  // Simulated sessions are not in the personal history unless asked for.
  const auto plain = resonant("history");
  EXPECT_NE(plain.out.find("No sessions from a device yet (1 on the simulated subject"),
            std::string::npos)
      << plain.out;
  EXPECT_TRUE(nlohmann::json::parse(resonant("history --format json").out)["sessions"].empty());
  const auto csv = resonant("history --all --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 2) << csv.out;
  EXPECT_NE(csv.out.find(",sim,6.00,0,responded,more_rested,"), std::string::npos) << csv.out;

  // Kept privately, and the record replays.
  struct stat st {};
  const std::string db = (dir_ / "home" / "history.sqlite").string();
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  const std::string record = s["record"];
  ASSERT_EQ(::stat(record.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  // The record marks every phase, the after phase included.
  std::ifstream rec_in(record);
  const std::string rec_text((std::istreambuf_iterator<char>(rec_in)), {});
  for (const char* phase : {",phase,settle", ",phase,baseline", ",phase,paced", ",phase,after"})
    EXPECT_NE(rec_text.find(phase), std::string::npos) << phase;
  const auto replay = resonant("replay " + record + " --format csv");
  ASSERT_EQ(replay.exit_code, 0) << replay.out;
  EXPECT_GT(std::count(replay.out.begin(), replay.out.end(), '\n'), 200);
}

// Every source reaches the engine the same way: the session record of a session on a recording
// replays to exactly what replaying the recording itself gives, for as far as the session ran.
TEST_F(session, a_recording_as_the_source_replays_exactly_like_the_recording) {
  const std::string file =
      resonant::test::data_file("recordings/hrvanalysis_test_nn_intervals.txt");
  const auto r =
      resonant("session --source file:" + file + ",speed=40 --minutes 3 --after 0 --audio off");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto s = history()["sessions"][0];
  EXPECT_EQ(s["source"], "file:" + file);
  expect_replays_alike(s["record"].get<std::string>(), file, 200, true);

  // A second, shorter session: the history marks file sessions and draws the trend.
  ASSERT_EQ(
      resonant("session --source file:" + file + ",speed=40 --minutes 0.5 --after 0 --audio off")
          .exit_code,
      0);
  const auto table = resonant("history --all");
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("(s: simulated subject, f: from a file)"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("trend over sessions:"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("resting HR before (bpm)"), std::string::npos) << table.out;
}

TEST_F(session, sound_of_the_session_goes_to_a_wav_file) {
  const auto wav = (dir_ / "s.wav").string();
  const auto r = resonant(
      "session --source sim:seed=5,speed=10,dropout=40+8 --minutes 1 "
      "--settle 5 --after 0 --audio wav:" +
      wav);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("signal lost"), std::string::npos) << r.out;
  struct stat st {};
  ASSERT_EQ(::stat(wav.c_str(), &st), 0);
  // The whole session (settle until 8 clean beats, ~8 s, then 60 s) as float stereo at 48 kHz.
  EXPECT_GT(st.st_size, 48000L * 2 * 4 * 64);
  EXPECT_LT(st.st_size, 48000L * 2 * 4 * 80);
}

TEST_F(session, an_unknown_source_is_a_usage_error_naming_the_choices) {
  const auto bad = resonant("session --source carrier-pigeon --audio off");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.out.find("unknown source \"carrier-pigeon\""), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("--source sim"), std::string::npos) << bad.out;
}

TEST_F(session, empty_history_says_how_to_start) {
  const auto r = resonant("history");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("No sessions yet"), std::string::npos) << r.out;
  EXPECT_TRUE(history()["sessions"].empty());
}

TEST_F(session, assessment_finds_the_simulated_resonance_and_rate_auto_uses_it) {
  const auto r = resonant(
      "assess --source sim:seed=2,speed=60,resonance=5.5 --step-minutes 1.5 --audio off "
      "--settle 5");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Your resonance rate: 5.5"), std::string::npos) << r.out;
  EXPECT_EQ(history()["resonance_rate_bpm"].get<double>(), 5.5);
  const auto s = resonant(
      "session --source sim:speed=60 --minutes 1 --after 0 --rate auto --audio off "
      "--settle 5");
  ASSERT_EQ(s.exit_code, 0) << s.out;
  EXPECT_NE(s.out.find("rate 5.5/min"), std::string::npos) << s.out;
}

}  // namespace
