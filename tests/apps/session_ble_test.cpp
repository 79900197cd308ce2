// `resonant session` on a BLE heart-rate strap that drops its link mid-session: the real
// executable and its real sdbus-c++ client against the fake BlueZ
// (tests/drivers/fake_bluez/fake_bluez.py) on a private D-Bus. The fake strap sends one
// Heart Rate Measurement per beat in real time; the link is dropped during the paced phase and
// the first reconnection attempts fail, so the session sees a real gap of several seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/fake_bluez/fake_bluez_bus.hpp"
#include "drivers/wav_sink.hpp"
#include "support/cli_run.hpp"
#include "support/cue_analysis.hpp"

namespace {

using resonant::test::fake_bluez_bus;
using namespace std::chrono_literals;

const std::string dev_path = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01";
const std::string hrm_path = dev_path + "/service000e/char000f";

class ble_session : public resonant::test::fake_bluez_test {
 protected:
  [[nodiscard]] std::string env() const {
    return "RESONANT_HOME=" + (dir_ / "home").string() + " ";
  }
};

TEST_F(ble_session, strap_disconnect_is_reported_alerted_and_the_session_resumes) {
  const fake_bluez_bus bus(dir_, true);
  ASSERT_EQ(bus.mock("AddAdapter", "hci0"), "('/org/bluez/hci0',)");
  ASSERT_EQ(bus.mock("AddHeartRateDevice", "hci0 A0:9E:1A:00:00:01 'HRM Strap' false"),
            "('" + dev_path + "',)");
  // About 60 beats/min with a breathing swing of +-80 ms every ten beats.
  std::string rr = "\"[";
  for (int k = 0; k < 10; ++k) {
    const double v = 1000.0 + 80.0 * std::sin(2.0 * std::numbers::pi * k / 10.0);
    rr += (k == 0 ? "uint16 " : ", ") + std::to_string(static_cast<int>(std::lround(v)));
  }
  rr += "]\"";
  ASSERT_EQ(bus.mock("StreamHeartRate", hrm_path + " " + rr), "()");

  // 1 minute: 3 s settle, 20 s baseline, 40 s paced. The link drops 8 s into the paced phase
  // and the next two connection attempts fail (backoff 1 s, 2 s, then 4 s to the third).
  const auto wav = (dir_ / "session.wav").string();
  auto session = std::async(std::launch::async, [&] {
    return resonant::test::run_resonant(
        "session --source ble:A0:9E:1A:00:00:01 --minutes 1 --settle 3 --after 0 --audio wav:" +
            wav,
        env());
  });
  // The session record is written as the session runs: wait for its paced phase.
  const auto sessions = dir_ / "home" / "sessions";
  const auto paced = [&] {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(sessions, ec)) {
      if (resonant::test::slurp(f.path().string()).find(",phase,paced") != std::string::npos)
        return true;
    }
    return false;
  };
  ASSERT_TRUE(resonant::test::eventually(paced, 90s));
  std::this_thread::sleep_for(8s);
  (void)bus.mock("SetConnectFailures", dev_path + " 2");
  (void)bus.mock("DropConnection", dev_path);
  ASSERT_EQ(session.wait_for(120s), std::future_status::ready);
  const auto r = session.get();
  ASSERT_EQ(r.exit_code, 0) << r.out;

  // A clear status while the strap is gone, then streaming again.
  const auto lost = r.out.find("source: disconnected");
  ASSERT_NE(lost, std::string::npos) << r.out;
  const auto retry = r.out.find("source: reconnecting", lost);
  ASSERT_NE(retry, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("retrying in", lost), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source: streaming", retry), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("signal lost 1 time"), std::string::npos) << r.out;
  EXPECT_EQ(bus.call_count(dev_path, "Connect"), 4U);      // first, two failed, the successful one
  EXPECT_EQ(bus.call_count(hrm_path, "StartNotify"), 2U);  // re-subscribed after reconnecting

  // The summary's coverage shows the gap; metrics came back after it.
  const auto h = resonant::test::run_resonant("history --format json", env());
  ASSERT_EQ(h.exit_code, 0) << h.out;
  const auto s = nlohmann::json::parse(h.out)["sessions"][0];
  EXPECT_EQ(s["signal_losses"], 1);
  const double cover = s["paced"]["coverage_pct"].get<double>();
  std::cout << "[ ble session ] paced coverage " << cover << " %, baseline "
            << s["baseline"]["coverage_pct"] << " %\n";
  // A phase counts the beats that start inside it, so a beat straddling each boundary is left
  // out: the 20 s baseline is 94-100 % covered without any gap. The gap of about 8 s takes a
  // fifth of the 40 s paced phase on top of that.
  const double baseline = s["baseline"]["coverage_pct"].get<double>();
  EXPECT_GT(baseline, 90.0);
  EXPECT_LT(cover, baseline - 8.0);
  EXPECT_GT(cover, 60.0);
  EXPECT_TRUE(s["paced"]["rmssd_ms"].is_number());

  // The lost-signal alert (392 Hz double beep, a note outside the cue and the A-major chord)
  // sounds once, in the paced phase, and nowhere else.
  const auto w = resonant::drivers::read_wav(wav);
  const auto fs = w.sample_rate_hz;
  const std::vector<float> left = w.channel(0);
  const double seconds = static_cast<double>(left.size()) / fs;
  std::vector<double> level;  // 0.6 s windows every 0.1 s
  for (int k = 0; 0.1 * k + 0.6 <= seconds; ++k)
    level.push_back(resonant::test::tone_amplitude(left, fs, 392.0, 0.1 * k, 0.1 * k + 0.6));
  ASSERT_GT(level.size(), 100U);
  const auto peak = std::max_element(level.begin(), level.end());
  const double peak_s = static_cast<double>(peak - level.begin()) * 0.1;
  std::vector<double> sorted = level;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  std::cout << "[ ble session ] alert at " << peak_s << " s of the sound, 392 Hz level " << *peak
            << " vs median " << median << "\n";
  EXPECT_GT(*peak, 10.0 * median);
  EXPECT_GT(peak_s, 23.0);  // after settle and baseline
  std::size_t loud = 0;     // windows near the peak level: one double beep, not a repeat
  for (const double v : level) loud += v > 0.5 * *peak ? 1 : 0;
  EXPECT_LT(loud, 15U);
}

}  // namespace
