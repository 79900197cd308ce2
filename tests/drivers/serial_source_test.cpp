#include "drivers/serial_source.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/pty_device.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::drivers::rr_reading;
using resonant::drivers::sample_block;
using resonant::drivers::serial_source;
using resonant::drivers::serial_spec;
using resonant::drivers::source_state;
using resonant::drivers::source_status;
using resonant::test::pty_device;
namespace fs = std::filesystem;

class serial_source_test : public resonant::test::scratch_dir_test {
 protected:
  void SetUp() override {
    scratch_dir_test::SetUp();
    link_ = dir_ / "ttyRESONANT";
  }

  // Points the device path at a pty (atomically, as udev would for a by-id link).
  void plug(const pty_device& d) const {
    const fs::path tmp = dir_ / "ttyRESONANT.new";
    fs::remove(tmp);
    fs::create_symlink(d.slave_name(), tmp);
    fs::rename(tmp, link_);
  }

  serial_spec spec(const std::string& options = "") const {
    serial_spec s =
        resonant::drivers::parse_serial_spec("serial:" + link_.string() + "@115200" + options);
    s.reconnect_initial = std::chrono::milliseconds(10);
    s.reconnect_max = std::chrono::milliseconds(40);
    return s;
  }

  void start(serial_source& src) {
    src.start({[this](const rr_reading& r) { rr_.push_back(r); },
               [this](const sample_block& b) {
                 for (std::size_t i = 0; i < b.samples.size(); ++i) {
                   indices_.push_back(b.first_sample + static_cast<std::int64_t>(i));
                   samples_.push_back(b.samples[i]);
                 }
                 rates_.push_back(b.rate_hz);
               },
               [this](const source_status& s) { states_.push_back(s.state); }});
  }

  // Runs the io_context until pred() holds (or 20 s pass: a failure, not a timing assertion).
  bool run_until(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  [[nodiscard]] bool saw(source_state s) const {
    return std::find(states_.begin(), states_.end(), s) != states_.end();
  }

  boost::asio::io_context io_;
  fs::path link_;
  std::vector<rr_reading> rr_;
  std::vector<std::int64_t> indices_;
  std::vector<double> samples_;
  std::vector<double> rates_;
  std::vector<source_state> states_;
};

TEST_F(serial_source_test, split_lines_and_crlf_are_reassembled) {
  pty_device dev;
  plug(dev);
  serial_source src(io_, spec());
  start(src);
  dev.write("RR,8");
  ASSERT_TRUE(run_until([&] { return saw(source_state::connecting); }));
  io_.restart();
  io_.run_for(std::chrono::milliseconds(20));  // the partial line is read on its own
  dev.write("12\r\nRR,790\r");
  dev.write("\nHR,72\nRR,");
  dev.write("1000\n");
  ASSERT_TRUE(run_until([&] { return rr_.size() == 3; }));
  EXPECT_EQ(rr_[0].rr_ms, 812.0);
  EXPECT_EQ(rr_[1].rr_ms, 790.0);
  EXPECT_EQ(rr_[2].rr_ms, 1000.0);
  EXPECT_DOUBLE_EQ(rr_[0].end_s, 0.812);
  EXPECT_DOUBLE_EQ(rr_[2].end_s, 2.602);
  EXPECT_FALSE(rr_[0].after_gap);
  EXPECT_EQ(states_.front(), source_state::connecting);
  EXPECT_EQ(states_.back(), source_state::streaming);
  EXPECT_EQ(src.counters().lines_ok, 4U);
  src.stop();
}

TEST_F(serial_source_test, garbage_overlong_and_bad_checksums_are_counted_and_skipped) {
  pty_device dev;
  plug(dev);
  serial_source src(io_, spec());
  start(src);
  // Noise before a record, or noise ending in "Q<digits>", is never decoded (issue 13).
  dev.write("\x01\x02\xff\xfeRR,800\n" + std::string(1000, 'x') +
            "\nRR,801*00\nTEMP,36\n\x83\xc1Q42\n\x9bQ7\nRR,802\n");
  ASSERT_TRUE(run_until([&] { return !rr_.empty() && rr_.back().rr_ms == 802.0; }));
  ASSERT_EQ(rr_.size(), 1U);
  const auto& c = src.counters();
  EXPECT_EQ(c.corrupt, 4U);  // the noisy RR line, the bad checksum and the two Q lines
  EXPECT_EQ(c.overlong, 1U);
  EXPECT_EQ(c.checksum_failures, 1U);
  EXPECT_EQ(c.unknown, 1U);
  src.stop();
}

TEST_F(serial_source_test, waveform_indices_follow_the_device_sequence_numbers) {
  pty_device dev;
  plug(dev);
  serial_source src(io_, spec(",time=seq"));
  start(src);
  // No rate yet: dropped. Then the device says its rate; sample 3 and 4 are lost on the way.
  dev.write("PPG,0,5\n@hello fs=50\nPPG,0,10\nPPG,1,11\nPPG,2,12\nPPG,5,15\nPPG,6,16\n");
  ASSERT_TRUE(run_until([&] { return samples_.size() == 5; }));
  EXPECT_EQ(indices_, (std::vector<std::int64_t>{0, 1, 2, 5, 6}));
  EXPECT_EQ(samples_, (std::vector<double>{10, 11, 12, 15, 16}));
  EXPECT_EQ(rates_.front(), 50.0);
  EXPECT_EQ(src.samples_without_rate(), 1U);
  src.stop();
}

TEST_F(serial_source_test, megabyte_of_random_bytes_then_the_stream_recovers) {
  pty_device dev;
  plug(dev);
  serial_source src(io_, spec());
  start(src);
  std::string noise(1 << 20, '\0');
  std::mt19937_64 rng(2024);
  for (char& ch : noise) ch = static_cast<char>(rng());
  std::thread writer([&] { dev.write(noise + "\nRR,801\nRR,802\n"); });
  const bool got = run_until([&] { return !rr_.empty() && rr_.back().rr_ms == 802.0; });
  writer.join();
  ASSERT_TRUE(got);
  ASSERT_GE(rr_.size(), 2U);
  EXPECT_EQ(rr_[rr_.size() - 2].rr_ms, 801.0);
  EXPECT_GE(src.counters().bytes, noise.size());
  EXPECT_GT(src.counters().corrupt + src.counters().unknown + src.counters().overlong, 100U);
  src.stop();
}

// A device whose RR time runs ahead of the wall clock (here 20 s of intervals sent at once)
// is reported as at fault: intervals beyond 10 % + 5 s ahead are dropped and counted, the
// status says why, and once the wall clock has caught up (about a second here) the next
// interval is delivered after a gap and the source is streaming again.
TEST_F(serial_source_test, rr_time_ahead_of_the_wall_clock_is_a_device_fault) {
  pty_device dev;
  plug(dev);
  serial_source src(io_, spec());
  std::vector<std::string> details;
  src.start({[this](const rr_reading& r) { rr_.push_back(r); }, [](const sample_block&) {},
             [&](const source_status& s) {
               states_.push_back(s.state);
               details.push_back(s.detail);
             }});
  const auto t0 = std::chrono::steady_clock::now();
  std::string burst;
  for (int k = 0; k < 20; ++k) burst += "RR,1000\n";
  dev.write(burst);
  ASSERT_TRUE(run_until([&] { return src.counters().lines_ok == 20; }));
  const double burst_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_LT(burst_s, 0.9) << "the burst must arrive faster than the margin can absorb";
  // Intervals 1..6 fit (5 s of RR time after the first within 5 s + 10 %), 7..20 do not.
  ASSERT_EQ(rr_.size(), 6U);
  EXPECT_EQ(src.rr_ahead_dropped(), 14U);
  EXPECT_EQ(src.rr_ahead_faults(), 1U);
  EXPECT_EQ(states_.back(), source_state::contact_lost);
  EXPECT_NE(details.back().find("device fault: RR intervals run"), std::string::npos)
      << details.back();
  EXPECT_NE(details.back().find("ahead of the wall clock"), std::string::npos) << details.back();

  // After a little more than a second of wall time, one more second of RR fits again.
  ASSERT_TRUE(run_until(
      [&] { return std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(1100); }));
  dev.write("RR,1000\n");
  ASSERT_TRUE(run_until([&] { return rr_.size() == 7; }));
  EXPECT_TRUE(rr_[6].after_gap);
  EXPECT_DOUBLE_EQ(rr_[6].end_s, 7.0);
  EXPECT_EQ(states_.back(), source_state::streaming);
  EXPECT_EQ(src.rr_ahead_faults(), 1U);
  src.stop();
}

TEST_F(serial_source_test, unplug_and_replug_reconnects_and_marks_the_gap) {
  auto dev = std::make_unique<pty_device>();
  plug(*dev);
  serial_source src(io_, spec());
  start(src);
  dev->write("RR,800\nRR,810\n");
  ASSERT_TRUE(run_until([&] { return rr_.size() == 2; }));
  dev->unplug();
  ASSERT_TRUE(run_until([&] { return saw(source_state::reconnecting); }));
  EXPECT_TRUE(saw(source_state::disconnected));
  // The device comes back (a new pty at the same path) and talks again.
  dev = std::make_unique<pty_device>();
  plug(*dev);
  dev->write("RR,820\nRR,830\n");
  ASSERT_TRUE(run_until([&] { return rr_.size() == 4; }));
  EXPECT_TRUE(rr_[2].after_gap);
  EXPECT_FALSE(rr_[3].after_gap);
  EXPECT_GT(rr_[2].end_s, rr_[1].end_s + 0.82);  // the time away is kept on the axis
  EXPECT_DOUBLE_EQ(rr_[3].end_s - rr_[2].end_s, 0.830);
  EXPECT_EQ(states_.back(), source_state::streaming);
  EXPECT_GE(src.reconnects(), 1U);
  src.stop();
  const std::size_t statuses = states_.size();
  dev->write("RR,840\n");
  io_.restart();
  io_.run_for(std::chrono::milliseconds(30));
  EXPECT_EQ(rr_.size(), 4U);  // nothing after stop()
  EXPECT_EQ(states_.size(), statuses);
}

TEST_F(serial_source_test, missing_device_is_retried_until_it_appears) {
  serial_source src(io_, spec());
  start(src);
  ASSERT_TRUE(run_until([&] { return src.reconnects() >= 2; }));
  EXPECT_TRUE(saw(source_state::reconnecting));
  pty_device dev;
  plug(dev);
  dev.write("HR,0\nRR,900\n");
  ASSERT_TRUE(run_until([&] { return rr_.size() == 1; }));
  EXPECT_TRUE(saw(source_state::contact_lost));
  EXPECT_EQ(states_.back(), source_state::streaming);
  src.stop();
}

TEST(serial_spec, parses_path_baud_and_options) {
  const auto s = resonant::drivers::parse_serial_spec(
      "serial:/dev/ttyUSB0@57600,rate=250,columns=t:-:ecg,checksum=required,time=us");
  EXPECT_EQ(s.path, "/dev/ttyUSB0");
  EXPECT_EQ(s.baud, 57600U);
  EXPECT_EQ(s.rate_hz, 250.0);
  ASSERT_EQ(s.protocol.columns.size(), 3U);
  EXPECT_EQ(s.protocol.columns[2], resonant::drivers::serial_column::ecg);
  EXPECT_TRUE(s.protocol.require_checksum);
  EXPECT_EQ(s.time_unit, resonant::drivers::serial_time_unit::us);
  EXPECT_EQ(resonant::drivers::parse_serial_spec("serial:/dev/ttyACM0").baud, 115200U);
  for (const char* bad :
       {"ble:xx", "serial:", "serial:/dev/x@fast", "serial:/dev/x,rate=-1",
        "serial:/dev/x,columns=t:foo", "serial:/dev/x,colour=red", "serial:/dev/x,time=years"}) {
    EXPECT_THROW((void)resonant::drivers::parse_serial_spec(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
