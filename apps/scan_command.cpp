#include "scan_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "drivers/ble_hrm.hpp"
#include "drivers/bluez_client.hpp"
#include "drivers/polar_pmd.hpp"

namespace resonant::apps {
namespace {

constexpr int exit_no_bluetooth = 2;

struct scan_options {
  double seconds = 10.0;
  bool all = false;
};

std::string services(const drivers::ble_device& d) {
  std::string out;
  const auto add = [&out](const char* s) { out += (out.empty() ? "" : ", ") + std::string(s); };
  if (d.has_service(drivers::heart_rate_service_uuid)) add("heart rate");
  if (d.has_service("0000180f-0000-1000-8000-00805f9b34fb")) add("battery");
  if (d.has_service(drivers::pmd_service_uuid)) add("Polar ECG (PMD)");
  return out.empty() ? "-" : out;
}

void run_scan(const scan_options& o) {
  std::vector<drivers::ble_device> found;
  try {
    drivers::bluez_client client;
    const std::string adapter = client.adapter();
    client.refresh_devices();
    std::fprintf(stderr, "resonant: scanning for heart-rate devices for %g s on %s...\n", o.seconds,
                 adapter.c_str());
    client.start_discovery(adapter, {std::string(drivers::heart_rate_service_uuid)});
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    client.stop_discovery(adapter);
    found = client.devices();
  } catch (const drivers::bluez_error& e) {
    std::fprintf(stderr, "resonant: %s\n", e.what());
    throw CLI::RuntimeError(exit_no_bluetooth);
  }
  // BlueZ OR-merges the filters of all its clients: check the service ourselves.
  if (!o.all) {
    std::erase_if(found, [](const drivers::ble_device& d) {
      return !d.has_service(drivers::heart_rate_service_uuid);
    });
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.rssi_dbm.value_or(-999) > b.rssi_dbm.value_or(-999);
  });
  if (found.empty()) {
    std::fprintf(stderr,
                 "resonant: no heart-rate device found (is the strap worn and moistened, and not "
                 "connected to a phone?)\n");
    return;
  }
  std::printf("%-24s %-17s %6s  %s\n", "name", "address", "rssi", "services");
  for (const auto& d : found) {
    const std::string rssi = d.rssi_dbm ? std::to_string(*d.rssi_dbm) : "-";
    std::printf("%-24s %-17s %6s  %s%s\n", d.name.c_str(), d.address.c_str(), rssi.c_str(),
                services(d).c_str(), d.connected ? " (connected)" : "");
  }
}

}  // namespace

void add_scan_command(CLI::App& app) {
  auto opts = std::make_shared<scan_options>();
  CLI::App* cmd = app.add_subcommand("scan", "list nearby BLE heart-rate devices (BlueZ)");
  cmd->add_option("--seconds", opts->seconds, "how long to scan (s), default 10")
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_flag("--all", opts->all, "also list devices without the Heart Rate service");
  cmd->callback([opts] { run_scan(*opts); });
}

}  // namespace resonant::apps
