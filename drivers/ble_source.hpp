#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <utility>  // before Asio: GCC 12 + Boost 1.74 under C++20 needs std::exchange

#include "drivers/ble_stream.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

namespace detail {
struct ble_source_state;
}  // namespace detail

struct ble_options {
  // Address (AA:BB:CC:DD:EE:FF, any case), or a name: the device whose name equals it or starts
  // with it ("Polar H10" matches "Polar H10 1A2B3C4D"). Empty: the first heart-rate device.
  std::string device;
  bool ecg = false;  // also stream the Polar H10's 130 Hz ECG (PMD service)

  std::chrono::milliseconds discovery_timeout{20'000};
  std::chrono::milliseconds connect_timeout{30'000};
  std::chrono::milliseconds services_timeout{20'000};
  std::chrono::milliseconds response_timeout{5'000};  // PMD control point answer
  // Reconnection backoff: initial, doubled after each failed attempt, capped.
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{8'000};
  // Attempts before the first successful connection after which the source fails (a wrong
  // name or a strap that is off should not wait forever). Once it streamed, it retries forever.
  int initial_attempts = 3;
};

// Parses "ble[:ADDRESS|NAME][,ecg]": "ble", "ble:A0:9E:1A:12:34:56", "ble:Polar H10,ecg".
// Throws std::invalid_argument naming the bad part. Names cannot contain commas.
[[nodiscard]] ble_options parse_ble_spec(std::string_view spec);

// A BLE heart-rate strap (any Heart Rate Service device) as a live source, with the Polar
// H10's ECG stream optionally. Runs over BlueZ (bluez_client, sdbus-c++).
//
// Threads: a worker std::jthread does the blocking BlueZ work (find, connect, resolve
// services, subscribe, wait for a disconnect, back off); notifications arrive on the sdbus-c++
// thread, are copied and posted to the io_context, where ble_stream decodes them and the
// handlers run (DESIGN.md section 4). Status changes are posted the same way.
//
// Connection cycle: connecting (looking for / connecting to the device) -> streaming (detail:
// name, address, body location, battery) -> on Connected == false: disconnected -> reconnecting
// with backoff 1, 2, 4, 8, 8 ... s -> streaming again with every notification re-subscribed and
// the RR time axis re-anchored (ble_stream). Setup failures before the first stream (no
// bluetoothd, no adapter, device not found initial_attempts times) end in failed.
class ble_source final : public source {
 public:
  ble_source(boost::asio::io_context& io, ble_options options);
  ~ble_source() override;
  ble_source(const ble_source&) = delete;
  ble_source& operator=(const ble_source&) = delete;

  [[nodiscard]] std::string description() const override;
  void start(source_handlers handlers) override;
  void stop() override;

  // Decode counters (malformed packets, dropped RR, lost ECG samples). io_context thread only.
  [[nodiscard]] ble_stream::counters stats() const;

 private:
  boost::asio::io_context& io_;
  ble_options options_;
  std::shared_ptr<detail::ble_source_state> shared_;
  std::jthread worker_;
};

}  // namespace resonant::drivers
