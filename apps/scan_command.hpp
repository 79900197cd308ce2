#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant scan [--seconds N] [--all]`: runs BlueZ discovery filtered on the Heart
// Rate service for N seconds (default 10) and lists the heart-rate devices found, one per line:
// name, address, RSSI, services. Exit 2 with one clear line when there is no system bus, no
// bluetoothd or no (powered) adapter.
void add_scan_command(CLI::App& app);

}  // namespace resonant::apps
