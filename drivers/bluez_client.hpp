#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

namespace resonant::drivers {

// Why a BlueZ operation failed. apps/ maps no_system_bus / no_bluetoothd / no_adapter /
// adapter_off to a clear message and exit code; ble_source retries on the others.
enum class bluez_failure : std::uint8_t {
  no_system_bus,  // cannot open the D-Bus system bus
  no_bluetoothd,  // org.bluez is not on the system bus
  no_adapter,     // bluetoothd runs but has no org.bluez.Adapter1
  adapter_off,    // the adapter is powered off
  not_found,      // device or characteristic not there
  timeout,        // waited too long (ServicesResolved, a response)
  stopped,        // the caller's stop_token was triggered
  dbus,           // any other D-Bus / BlueZ error; dbus_name() says which
};

class bluez_error : public std::runtime_error {
 public:
  bluez_error(bluez_failure failure, const std::string& message, std::string dbus_name = {});
  [[nodiscard]] bluez_failure failure() const noexcept { return failure_; }
  [[nodiscard]] const std::string& dbus_name() const noexcept { return dbus_name_; }

 private:
  bluez_failure failure_;
  std::string dbus_name_;
};

// What BlueZ knows about a remote device (org.bluez.Device1).
struct ble_device {
  std::string path;  // /org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF
  std::string address;
  std::string name;  // Alias (falls back to Name, then to the address)
  std::optional<std::int16_t> rssi_dbm;
  std::vector<std::string> uuids;  // advertised / resolved service UUIDs, lower case
  bool connected = false;
  bool services_resolved = false;

  [[nodiscard]] bool has_service(std::string_view uuid) const;
};

// Client of BlueZ (bluetoothd) over D-Bus with sdbus-c++, for a GATT central.
//
// Bus: the system bus; sd-bus honours DBUS_SYSTEM_BUS_ADDRESS, which tests point at a private
// dbus-daemon running a fake BlueZ (tests/drivers/fake_bluez/). The constructor starts
// sdbus-c++'s own event loop thread: signals (InterfacesAdded/Removed, PropertiesChanged) are
// handled there and keep a device cache current; the listener callbacks run on that thread
// too and must only copy data out (post to an io_context), never call back into the client.
// Every other member function is a blocking call made from the caller's thread (never the
// D-Bus thread), safe to use from one thread at a time; long waits take a stop_token.
//
// Flow for a heart-rate strap (BlueZ 5.66 doc/adapter-api.txt, device-api.txt, gatt-api.txt):
// adapter() -> start_discovery(adapter, {0x180D}) -> wait_for_device -> stop_discovery ->
// connect -> wait_for_device(services_resolved) -> find_characteristic -> start_notify ->
// values arrive through on_value; a disconnect shows as connected == false in on_device.
class bluez_client {
 public:
  struct listener {
    // A GATT characteristic value changed (a notification or indication), D-Bus thread.
    std::function<void(const std::string& characteristic_path, std::span<const std::uint8_t>)>
        on_value;
    // A device appeared or changed (RSSI, Connected, ServicesResolved...), D-Bus thread.
    std::function<void(const ble_device&)> on_device;
  };

  // Connects to the system bus; throws bluez_error(no_system_bus).
  bluez_client();
  ~bluez_client();
  bluez_client(const bluez_client&) = delete;
  bluez_client& operator=(const bluez_client&) = delete;

  void set_listener(listener l);

  // Throws bluez_error(no_bluetoothd) unless org.bluez has an owner on the bus.
  void require_bluez();
  // The first adapter's path (e.g. /org/bluez/hci0); throws no_bluetoothd / no_adapter /
  // adapter_off with a message for the user.
  [[nodiscard]] std::string adapter();

  // Discovery restricted to LE devices advertising one of the service UUIDs.
  void start_discovery(const std::string& adapter_path, const std::vector<std::string>& uuids);
  void stop_discovery(const std::string& adapter_path) noexcept;

  // Re-reads every object from BlueZ (GetManagedObjects) into the cache and returns the devices.
  std::vector<ble_device> refresh_devices();
  // Cached devices, sorted by path.
  [[nodiscard]] std::vector<ble_device> devices() const;
  // Waits until a cached device satisfies pred; nullopt on timeout; throws stopped.
  std::optional<ble_device> wait_for_device(const std::function<bool(const ble_device&)>& pred,
                                            std::chrono::milliseconds timeout,
                                            std::stop_token stop);

  // Device1.Connect, abandoned (and the device disconnected) when stop is requested.
  void connect(const std::string& device_path, std::chrono::milliseconds timeout,
               std::stop_token stop);
  void disconnect(const std::string& device_path) noexcept;

  // Path of the characteristic with this UUID under the device (fresh GetManagedObjects).
  std::optional<std::string> find_characteristic(const std::string& device_path,
                                                 std::string_view uuid);
  std::vector<std::uint8_t> read_value(const std::string& characteristic_path);
  void write_value(const std::string& characteristic_path, std::span<const std::uint8_t> value,
                   bool with_response);
  void start_notify(const std::string& characteristic_path);
  void stop_notify(const std::string& characteristic_path) noexcept;

  // Address the client talks to, for messages ("system bus" or $DBUS_SYSTEM_BUS_ADDRESS).
  [[nodiscard]] static std::string bus_description();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace resonant::drivers
