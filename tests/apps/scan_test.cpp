// End-to-end tests of `resonant scan`: the real executable against a private D-Bus, with and
// without the fake BlueZ (tests/drivers/fake_bluez/fake_bluez.py).
#include <gtest/gtest.h>

#include <string>

#include "drivers/fake_bluez/fake_bluez_bus.hpp"

namespace {

using resonant::test::fake_bluez_bus;

std::pair<int, std::string> run(const std::string& args) {
  // stderr into stdout: the messages are what the user sees.
  return resonant::test::shell(std::string(RESONANT_EXE) + " " + args, true);
}

using scan_cli = resonant::test::fake_bluez_test;

TEST_F(scan_cli, exits_2_and_says_bluetoothd_is_not_running) {
  const fake_bluez_bus bus(dir_, false);
  const auto [code, out] = run("scan --seconds 0.1");
  EXPECT_EQ(code, 2) << out;
  EXPECT_EQ(out, "resonant: bluetoothd is not running (org.bluez not on the system bus)\n");
}

TEST_F(scan_cli, exits_2_and_says_there_is_no_adapter) {
  const fake_bluez_bus bus(dir_, true);
  const auto [code, out] = run("scan --seconds 0.1");
  EXPECT_EQ(code, 2) << out;
  EXPECT_EQ(out, "resonant: no Bluetooth adapter\n");
}

TEST_F(scan_cli, lists_the_heart_rate_strap_found_by_discovery) {
  const fake_bluez_bus bus(dir_, true);
  ASSERT_EQ(bus.mock("AddAdapter", "hci0"), "('/org/bluez/hci0',)");
  ASSERT_FALSE(
      bus.mock("AddHeartRateDevice", "hci0 A0:9E:1A:00:00:01 'Polar H10 0001' true").empty());
  const auto [code, out] = run("scan --seconds 0.5");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("name                     address             rssi  services"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Polar H10 0001           A0:9E:1A:00:00:01    -58  heart rate, battery, "
                     "Polar ECG (PMD)"),
            std::string::npos)
      << out;
  EXPECT_EQ(bus.call_count("/org/bluez/hci0", "StartDiscovery"), 1U);
  EXPECT_EQ(bus.call_count("/org/bluez/hci0", "StopDiscovery"), 1U);
}

}  // namespace
