// `resonant session`, `history`, `assess`, real time: the real binary on a serial device (a
// pseudo-terminal fed in real time), on a serial port that is not there (the session waits for
// it to appear before giving up), and on the clinician's screen in a real terminal (tmux) with
// its keys. These take a minute or more each: CTest label `slow` (ctest --preset slow).
// The session logic itself is tested in virtual time in tests/engine/session_test.cpp.
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

// A serial device (a pseudo-terminal here) sending `RR,<ms>` lines in real time: the session
// runs on it, and its record holds exactly the intervals sent, with the metrics a replay of the
// same intervals from a file gives (the device's clock starts elsewhere: time is not compared).
TEST_F(session, a_serial_device_feeds_the_session_like_a_recording) {
  resonant::test::pty_device device;
  std::vector<int> sent;
  std::string rr_text;
  for (int k = 0; k < 100; ++k) {
    const int rr =
        1000 + static_cast<int>(std::lround(60.0 * std::sin(2.0 * std::numbers::pi * k / 10.0)));
    sent.push_back(rr);
    rr_text += std::to_string(rr) + "\n";
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (const int rr : sent) {
      if (stop) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(rr));
      device.write("RR," + std::to_string(rr) + "\r\n");
    }
  });
  const auto r = resonant("session --source serial:" + device.slave_name() +
                          " --minutes 1 --settle 3 --after 0 --audio off");
  stop = true;
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto s = history()["sessions"][0];
  EXPECT_EQ(s["source"], "serial:" + device.slave_name() + "@115200");  // the default rate
  EXPECT_NEAR(s["paced"]["mean_hr_bpm"].get<double>(), 60.0, 1.0);
  EXPECT_GT(s["paced"]["coverage_pct"].get<double>(), 85.0);

  const auto rr_file = (dir_ / "sent.txt").string();
  {
    std::ofstream out(rr_file);
    out << rr_text;
  }
  expect_replays_alike(s["record"].get<std::string>(), rr_file, 50, false);
}

// A serial port that is not there may yet appear (a USB adapter plugged in late): the session
// keeps trying for 15 s after the settle time, then says which source failed and how to choose.
TEST_F(session, no_source_hardware_gives_a_clear_message) {
  const auto r = resonant(
      "session --source serial:/nonexistent/tty0 --minutes 1 --audio off "
      "--settle 0");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/tty0"), std::string::npos) << r.out;
}

// ---------------------------------------------------------------------------------------
// The clinician's screen, in a real terminal (tmux), in real time.

class tmux_session : public session {
 protected:
  void SetUp() override {
    session::SetUp();
    if (std::system("command -v tmux >/dev/null 2>&1") != 0) GTEST_SKIP() << "tmux not installed";
    // A short path: unix socket names are limited to 107 bytes.
    socket_ = "/tmp/resonant-tmux-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::random_device{}()) + ".sock";
  }
  void TearDown() override {
    if (!socket_.empty()) {
      tmux("kill-server");
      std::filesystem::remove(socket_);
    }
    session::TearDown();
  }
  int tmux(const std::string& args) const {
    return std::system(("TERM=xterm tmux -S " + socket_ + " " + args + " >/dev/null 2>&1").c_str());
  }
  std::string screen() const {
    const std::string cmd = "tmux -S " + socket_ + " capture-pane -p -t s 2>/dev/null";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    std::size_t n = 0;
    while (pipe != nullptr && (n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    if (pipe != nullptr) pclose(pipe);
    return out;
  }
  // Polls the screen until it contains `text` (or the timeout passes).
  bool wait_for(const std::string& text, std::chrono::seconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
  std::string socket_;
};

TEST_F(tmux_session, screen_shows_cue_and_metrics_keys_work_and_quitting_early_saves) {
  const std::string log = (dir_ / "out.txt").string();
  const std::string cmd = env() + " " + std::string(RESONANT_EXE) +
                          " session --source sim --minutes 1 --settle 5 --audio off; "
                          "echo EXIT=$? ; sleep 30";
  ASSERT_EQ(tmux("new-session -d -s s -x 100 -y 30 \"" + cmd + "\""), 0);

  // Settling, then the baseline with live metrics, then the breathing cue.
  ASSERT_TRUE(wait_for("Settling in", std::chrono::seconds(20))) << screen();
  ASSERT_TRUE(wait_for("Baseline", std::chrono::seconds(30))) << screen();
  ASSERT_TRUE(wait_for("Paced breathing", std::chrono::seconds(40))) << screen();
  ASSERT_TRUE(wait_for("breathe ", std::chrono::seconds(5))) << screen();
  const std::string paced = screen();
  EXPECT_TRUE(paced.find("  in   [") != std::string::npos ||
              paced.find("  out  [") != std::string::npos)
      << paced;
  EXPECT_NE(paced.find("heart rate"), std::string::npos) << paced;
  EXPECT_EQ(paced.find("heart rate      -- bpm"), std::string::npos) << paced;  // a number
  EXPECT_NE(paced.find("RMSSD"), std::string::npos) << paced;
  EXPECT_NE(paced.find("coherence"), std::string::npos) << paced;
  EXPECT_NE(paced.find("signal          good"), std::string::npos) << paced;
  EXPECT_NE(paced.find("6.0 breaths/min"), std::string::npos) << paced;

  // Keys: + raises the rate by 0.1, m mutes, space pauses and resumes.
  tmux("send-keys -t s +");
  EXPECT_TRUE(wait_for("6.1 breaths/min", std::chrono::seconds(5))) << screen();
  tmux("send-keys -t s m");
  EXPECT_TRUE(wait_for("m unmute", std::chrono::seconds(5))) << screen();
  tmux("send-keys -t s Space");
  EXPECT_TRUE(wait_for("PAUSED", std::chrono::seconds(5))) << screen();
  tmux("send-keys -t s Space");
  EXPECT_TRUE(wait_for("space pause", std::chrono::seconds(5))) << screen();

  // q quits early and still saves.
  tmux("send-keys -t s q");
  ASSERT_TRUE(wait_for("EXIT=0", std::chrono::seconds(20))) << screen();
  const std::string end = screen();
  EXPECT_NE(end.find("Session summary (ended early)"), std::string::npos) << end;
  EXPECT_NE(end.find("Saved as session 1"), std::string::npos) << end;

  const auto h = history();
  ASSERT_EQ(h["sessions"].size(), 1U);
  const auto& s = h["sessions"][0];
  EXPECT_TRUE(s["ended_early"].get<bool>());
  EXPECT_EQ(s["source"].get<std::string>().rfind("sim", 0), 0U) << s["source"];
  EXPECT_EQ(s["rate_bpm"].get<double>(), 6.1);
  EXPECT_TRUE(s["baseline"]["rmssd_ms"].is_number());
  EXPECT_TRUE(s["baseline"]["mean_hr_bpm"].is_number());
  EXPECT_GT(s["paced"]["duration_s"].get<double>(), 0.0);

  // The session's report replays its record: with a pause inside the paced phase, its summary
  // is the one the live session stored, phase by phase (the record keeps the times at which
  // the live session cut its phases, paused and resumed, and ended).
  const std::string page = (dir_ / "session.html").string();
  const auto rep = resonant("report " + s["record"].get<std::string>() + " -o " + page);
  ASSERT_EQ(rep.exit_code, 0) << rep.out;
  std::ifstream in(page);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string open_tag = "id=\"resonant-data\">";
  const auto from = html.find(open_tag);
  ASSERT_NE(from, std::string::npos);
  const auto to = html.find("</script>", from);
  const auto data =
      nlohmann::json::parse(html.substr(from + open_tag.size(), to - from - open_tag.size()));
  for (const char* phase : {"baseline", "paced", "after"}) {
    for (const char* key : {"duration_s", "coverage_pct", "rmssd_ms", "mean_hr_bpm", "rsa_bpm"}) {
      EXPECT_EQ(data["summary"][phase][key], s[phase][key]) << phase << "." << key;
    }
  }
}

}  // namespace
