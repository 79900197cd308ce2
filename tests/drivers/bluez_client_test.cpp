// Integration tests of the BlueZ client and the BLE source against a fake BlueZ
// (tests/drivers/fake_bluez/fake_bluez.py, python-dbusmock) on a private D-Bus: the real
// sdbus-c++ code runs unchanged; only bluetoothd is replaced. No Bluetooth hardware needed.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <utility>  // before Asio (GCC 12 + Boost 1.74 under C++20)

#include "drivers/ble_hrm.hpp"
#include "drivers/ble_source.hpp"
#include "drivers/bluez_client.hpp"
#include "drivers/fake_bluez/fake_bluez_bus.hpp"
#include "drivers/polar_pmd.hpp"

namespace {

using namespace resonant::drivers;
using resonant::test::eventually;
using resonant::test::fake_bluez_bus;
using namespace std::chrono_literals;

const std::string dev_path = "/org/bluez/hci0/dev_A0_9E_1A_00_00_01";
const std::string hrm_path = dev_path + "/service000e/char000f";
const std::string cp_path = dev_path + "/service0030/char0031";
const std::string ecg_path = dev_path + "/service0030/char0034";

class bluez_it : public resonant::test::fake_bluez_test {
 protected:
  void start_bus(bool with_bluez) { bus_ = std::make_unique<fake_bluez_bus>(dir_, with_bluez); }
  void add_strap(bool polar) {
    ASSERT_EQ(bus_->mock("AddAdapter", "hci0"), "('/org/bluez/hci0',)");
    ASSERT_EQ(
        bus_->mock("AddHeartRateDevice", std::string("hci0 A0:9E:1A:00:00:01 'Polar H10 0001' ") +
                                             (polar ? "true" : "false")),
        "('" + dev_path + "',)");
  }
  void TearDown() override {
    bus_.reset();
    fake_bluez_test::TearDown();
  }
  std::unique_ptr<fake_bluez_bus> bus_;
};

// Events delivered by a source on the io_context thread, read from the test thread.
struct recorder {
  std::mutex m;
  std::vector<rr_reading> rr;
  std::vector<source_status> status;
  std::vector<std::int64_t> first_sample;
  std::vector<double> samples;

  source_handlers handlers() {
    return {[this](const rr_reading& r) {
              const std::lock_guard l(m);
              rr.push_back(r);
            },
            [this](const sample_block& b) {
              const std::lock_guard l(m);
              EXPECT_EQ(b.kind, resonant::dsp::input_kind::ecg);
              EXPECT_DOUBLE_EQ(b.rate_hz, 130.0);
              first_sample.push_back(b.first_sample);
              samples.insert(samples.end(), b.samples.begin(), b.samples.end());
            },
            [this](const source_status& s) {
              const std::lock_guard l(m);
              status.push_back(s);
            }};
  }
  std::size_t rr_count() {
    const std::lock_guard l(m);
    return rr.size();
  }
  std::size_t count(source_state st) {
    const std::lock_guard l(m);
    std::size_t n = 0;
    for (const auto& s : status) n += s.state == st ? 1 : 0;
    return n;
  }
  std::string last_detail(source_state st) {
    const std::lock_guard l(m);
    for (auto it = status.rbegin(); it != status.rend(); ++it)
      if (it->state == st) return it->detail;
    return {};
  }
  std::string all_status() {
    const std::lock_guard l(m);
    std::string out;
    for (const auto& s : status)
      out += std::to_string(static_cast<int>(s.state)) + " " + s.detail + "\n";
    return out;
  }
};

// Runs an io_context on its own thread, like the live session does.
struct io_thread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};

  template <typename F>
  auto run(F f) {  // f() on the io thread, waiting for its result
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return fut.get();
  }
  ~io_thread() {
    guard.reset();
    io.stop();
    thread.join();
  }
};

ble_options fast_options(std::string device) {
  ble_options o;
  o.device = std::move(device);
  o.discovery_timeout = 15s;
  o.connect_timeout = 15s;
  o.services_timeout = 15s;
  o.backoff_initial = 50ms;
  o.backoff_max = 200ms;
  return o;
}

TEST_F(bluez_it, says_bluetoothd_is_not_running_on_a_bus_without_org_bluez) {
  start_bus(false);
  bluez_client client;
  try {
    (void)client.adapter();
    FAIL() << "adapter() should throw";
  } catch (const bluez_error& e) {
    EXPECT_EQ(e.failure(), bluez_failure::no_bluetoothd);
    EXPECT_STREQ(e.what(), "bluetoothd is not running (org.bluez not on the system bus)");
  }
}

TEST_F(bluez_it, says_there_is_no_adapter) {
  start_bus(true);
  bluez_client client;
  EXPECT_NO_THROW(client.require_bluez());
  try {
    (void)client.adapter();
    FAIL() << "adapter() should throw";
  } catch (const bluez_error& e) {
    EXPECT_EQ(e.failure(), bluez_failure::no_adapter);
    EXPECT_STREQ(e.what(), "no Bluetooth adapter");
  }
}

TEST_F(bluez_it, discovery_with_the_heart_rate_filter_lists_the_strap) {
  start_bus(true);
  add_strap(false);
  bluez_client client;
  const std::string adapter = client.adapter();
  EXPECT_EQ(adapter, "/org/bluez/hci0");
  EXPECT_TRUE(client.refresh_devices().empty());  // not advertising until discovery runs
  client.start_discovery(adapter, {std::string(heart_rate_service_uuid)});
  const auto dev = client.wait_for_device(
      [](const ble_device& d) { return d.has_service(heart_rate_service_uuid); }, 20s, {});
  client.stop_discovery(adapter);
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->path, dev_path);
  EXPECT_EQ(dev->address, "A0:9E:1A:00:00:01");
  EXPECT_EQ(dev->name, "Polar H10 0001");
  ASSERT_TRUE(dev->rssi_dbm.has_value());
  EXPECT_EQ(*dev->rssi_dbm, -58);
  EXPECT_FALSE(dev->connected);
  EXPECT_EQ(bus_->call_count(adapter, "SetDiscoveryFilter"), 1U);
  EXPECT_EQ(bus_->call_count(adapter, "StartDiscovery"), 1U);
  EXPECT_EQ(bus_->call_count(adapter, "StopDiscovery"), 1U);
  // The filter asked for LE heart-rate devices.
  const std::string log = resonant::test::shell("cat " + (dir_ / "mock.log").string()).second;
  EXPECT_NE(log.find("0000180d-0000-1000-8000-00805f9b34fb"), std::string::npos) << log;
  EXPECT_NE(log.find("le"), std::string::npos);
}

TEST_F(bluez_it, client_connects_reads_and_receives_notifications) {
  start_bus(true);
  add_strap(false);
  bluez_client client;
  std::mutex m;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> values;
  client.set_listener({[&](const std::string& path, std::span<const std::uint8_t> v) {
                         const std::lock_guard l(m);
                         values.emplace_back(path, std::vector<std::uint8_t>(v.begin(), v.end()));
                       },
                       [](const ble_device&) {}});
  const std::string adapter = client.adapter();
  client.start_discovery(adapter, {});
  ASSERT_TRUE(
      client.wait_for_device([](const ble_device& d) { return d.path == dev_path; }, 20s, {}));
  client.stop_discovery(adapter);
  client.connect(dev_path, 20s, {});
  const auto resolved = client.wait_for_device(
      [](const ble_device& d) { return d.path == dev_path && d.services_resolved; }, 20s, {});
  ASSERT_TRUE(resolved.has_value());
  EXPECT_TRUE(resolved->connected);

  EXPECT_EQ(client.find_characteristic(dev_path, heart_rate_measurement_uuid), hrm_path);
  EXPECT_FALSE(client.find_characteristic(dev_path, pmd_data_uuid).has_value());
  const auto loc =
      client.read_value(*client.find_characteristic(dev_path, body_sensor_location_uuid));
  EXPECT_EQ(decode_body_sensor_location(loc).location, body_location::chest);
  const auto bat = client.read_value(*client.find_characteristic(dev_path, battery_level_uuid));
  EXPECT_EQ(decode_battery_level(bat).percent, 87);

  client.start_notify(hrm_path);
  ASSERT_TRUE(bus_->notify(hrm_path, {0x16, 60, 0x00, 0x04}));
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard l(m);
    return !values.empty();
  }));
  {
    const std::lock_guard l(m);
    EXPECT_EQ(values[0].first, hrm_path);
    EXPECT_EQ(values[0].second, (std::vector<std::uint8_t>{0x16, 60, 0x00, 0x04}));
  }
  client.stop_notify(hrm_path);
  EXPECT_EQ(bus_->call_count(hrm_path, "StopNotify"), 1U);
  client.disconnect(dev_path);
  EXPECT_TRUE(client.wait_for_device(
      [](const ble_device& d) { return d.path == dev_path && !d.connected; }, 20s, {}));
}

TEST_F(bluez_it, source_streams_rr_skips_malformed_packets_and_reconnects) {
  start_bus(true);
  add_strap(false);
  io_thread io;
  recorder rec;
  ble_source src(io.io, fast_options("Polar H10"));  // a name prefix
  EXPECT_EQ(src.description(), "ble:Polar H10");
  io.run([&] {
    src.start(rec.handlers());
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return rec.count(source_state::streaming) == 1; }))
      << rec.all_status();
  const std::string detail = rec.last_detail(source_state::streaming);
  EXPECT_NE(detail.find("Polar H10 0001 (A0:9E:1A:00:00:01)"), std::string::npos) << detail;
  EXPECT_NE(detail.find("worn on chest"), std::string::npos) << detail;
  EXPECT_NE(detail.find("battery 87 %"), std::string::npos) << detail;

  ASSERT_TRUE(bus_->notify(hrm_path, {0x16, 60, 0x00, 0x04}));  // RR 1000 ms
  ASSERT_TRUE(bus_->notify(hrm_path, {0x11, 0x48, 0x00}));      // RR flag, no RR
  ASSERT_TRUE(bus_->notify(hrm_path, {0x11, 0x48, 0x00, 0x56, 0x03, 0x48, 0x03}));  // 834, 820.3
  ASSERT_TRUE(eventually([&] { return rec.rr_count() == 3; }));
  EXPECT_EQ(io.run([&] { return src.stats().hrm_malformed; }), 1U);

  // The link drops; the first reconnection attempt fails, the next one succeeds.
  (void)bus_->mock("SetConnectFailures", dev_path + " 1");
  (void)bus_->mock("DropConnection", dev_path);
  ASSERT_TRUE(eventually([&] { return rec.count(source_state::streaming) == 2; }))
      << rec.all_status();
  EXPECT_EQ(rec.count(source_state::disconnected), 1U);
  EXPECT_GE(rec.count(source_state::reconnecting), 2U);  // looking/connecting + the failure
  EXPECT_NE(rec.all_status().find("retrying in"), std::string::npos) << rec.all_status();
  EXPECT_EQ(bus_->call_count(dev_path, "Connect"), 3U);  // first, failed, successful
  ASSERT_TRUE(bus_->notify(hrm_path, {0x16, 62, 0x00, 0x04, 0x00, 0x04}));  // two RR of 1000 ms
  ASSERT_TRUE(eventually([&] { return rec.rr_count() == 5; }));
  EXPECT_EQ(bus_->call_count(hrm_path, "StartNotify"), 2U);  // re-subscribed after reconnect

  io.run([&] {
    src.stop();
    return 0;
  });
  EXPECT_EQ(bus_->call_count(hrm_path, "StopNotify"), 1U);
  EXPECT_EQ(bus_->call_count(dev_path, "Disconnect"), 1U);

  const std::lock_guard l(rec.m);
  ASSERT_EQ(rec.rr.size(), 5U);
  const double expected[] = {1000.0, 854 * 1000.0 / 1024, 840 * 1000.0 / 1024, 1000.0, 1000.0};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(rec.rr[i].rr_ms, expected[i], 1e-9) << i;
  EXPECT_FALSE(rec.rr[0].after_gap);
  EXPECT_FALSE(rec.rr[1].after_gap);
  EXPECT_FALSE(rec.rr[2].after_gap);
  EXPECT_TRUE(rec.rr[3].after_gap);  // first interval after the reconnection
  EXPECT_FALSE(rec.rr[4].after_gap);
  // Within a run the time axis is the RR sum; the new run starts later.
  EXPECT_NEAR(rec.rr[1].end_s - rec.rr[0].end_s, expected[1] / 1000, 1e-9);
  EXPECT_NEAR(rec.rr[2].end_s - rec.rr[1].end_s, expected[2] / 1000, 1e-9);
  EXPECT_NEAR(rec.rr[4].end_s - rec.rr[3].end_s, 1.0, 1e-9);
  EXPECT_GT(rec.rr[3].end_s, rec.rr[2].end_s);
}

TEST_F(bluez_it, source_streams_polar_ecg_with_gaps_from_sensor_timestamps) {
  start_bus(true);
  add_strap(true);
  io_thread io;
  recorder rec;
  auto opts = fast_options("a0:9e:1a:00:00:01");  // address, any case
  opts.ecg = true;
  ble_source src(io.io, opts);
  io.run([&] {
    src.start(rec.handlers());
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return rec.count(source_state::streaming) == 1; }))
      << rec.all_status();
  EXPECT_NE(rec.last_detail(source_state::streaming).find("ECG 130 Hz"), std::string::npos)
      << rec.all_status();
  EXPECT_NE(bus_->mock("ControlPointRequests", cp_path)
                .find("[byte 0x02, 0x00, 0x00, 0x01, 0x82, "
                      "0x00, 0x01, 0x01, 0x0e, 0x00]"),
            std::string::npos);

  // Frames of 4 samples; frame 3 is lost (its timestamp step is 8 samples).
  const auto frame = [](std::uint64_t ts, int base) {
    std::vector<int> b{0x00};
    for (int k = 0; k < 8; ++k) b.push_back(static_cast<int>((ts >> (8 * k)) & 0xFF));
    b.push_back(0x00);
    for (int s = 0; s < 4; ++s) {
      const auto v = static_cast<std::uint32_t>(base + s) & 0xFFFFFF;
      b.push_back(static_cast<int>(v & 0xFF));
      b.push_back(static_cast<int>((v >> 8) & 0xFF));
      b.push_back(static_cast<int>((v >> 16) & 0xFF));
    }
    return b;
  };
  const std::uint64_t t0 = 600'000'000'000ULL;
  const auto step = [](int samples) {
    return static_cast<std::uint64_t>(samples * 1e9 / 130.0 + 0.5);
  };
  ASSERT_TRUE(bus_->notify(ecg_path, frame(t0, -2)));
  ASSERT_TRUE(bus_->notify(ecg_path, frame(t0 + step(4), 2)));
  ASSERT_TRUE(bus_->notify(ecg_path, {0x00, 1, 2, 3}));           // malformed: counted, skipped
  ASSERT_TRUE(bus_->notify(ecg_path, frame(t0 + step(16), 10)));  // 8 samples missing
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard l(rec.m);
    return rec.first_sample.size() == 3;
  }));
  const auto stats = io.run([&] { return src.stats(); });
  EXPECT_EQ(stats.ecg_malformed, 1U);
  EXPECT_EQ(stats.ecg_samples_lost, 8U);
  io.run([&] {
    src.stop();
    return 0;
  });
  // gdbus prints a byte array ending in NUL as a bytestring: 03 00 -> b'\003'
  EXPECT_NE(bus_->mock("ControlPointRequests", cp_path).find("], b'\\003']"), std::string::npos)
      << bus_->mock("ControlPointRequests", cp_path);

  const std::lock_guard l(rec.m);
  ASSERT_EQ(rec.first_sample.size(), 3U);
  EXPECT_EQ(rec.first_sample[1] - rec.first_sample[0], 4);
  EXPECT_EQ(rec.first_sample[2] - rec.first_sample[1], 12);  // 4 received + 8 lost
  const std::vector<double> expected{-2, -1, 0, 1, 2, 3, 4, 5, 10, 11, 12, 13};
  EXPECT_EQ(rec.samples, expected);
}

TEST_F(bluez_it, source_fails_clearly_without_bluetoothd) {
  start_bus(false);
  io_thread io;
  recorder rec;
  ble_source src(io.io, fast_options(""));
  io.run([&] {
    src.start(rec.handlers());
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return rec.count(source_state::failed) == 1; })) << rec.all_status();
  EXPECT_EQ(rec.last_detail(source_state::failed),
            "bluetoothd is not running (org.bluez not on the system bus)");
  io.run([&] {
    src.stop();
    return 0;
  });
}

}  // namespace
