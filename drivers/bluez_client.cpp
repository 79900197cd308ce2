#include "drivers/bluez_client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

namespace resonant::drivers {

namespace {

constexpr const char* bluez_service = "org.bluez";
constexpr const char* adapter_iface = "org.bluez.Adapter1";
constexpr const char* device_iface = "org.bluez.Device1";
constexpr const char* gatt_char_iface = "org.bluez.GattCharacteristic1";
constexpr const char* object_manager_iface = "org.freedesktop.DBus.ObjectManager";
constexpr const char* properties_iface = "org.freedesktop.DBus.Properties";
constexpr auto call_timeout = std::chrono::seconds(10);

using properties = std::map<std::string, sdbus::Variant>;
using interfaces = std::map<std::string, properties>;
using managed_objects = std::map<sdbus::ObjectPath, interfaces>;

template <typename T>
std::optional<T> property(const properties& props, const char* name) {
  const auto it = props.find(name);
  if (it == props.end() || !it->second.containsValueOfType<T>()) return std::nullopt;
  return it->second.get<T>();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Merges Device1 properties (a full set or a PropertiesChanged subset) into a cached device.
void merge_device(ble_device& d, const properties& props) {
  if (auto v = property<std::string>(props, "Address")) d.address = *v;
  if (auto v = property<std::string>(props, "Alias"); v && !v->empty()) {
    d.name = *v;
  } else if (auto n = property<std::string>(props, "Name"); n && d.name.empty()) {
    d.name = *n;
  }
  if (auto v = property<std::int16_t>(props, "RSSI")) d.rssi_dbm = *v;
  if (auto v = property<std::vector<std::string>>(props, "UUIDs")) {
    d.uuids.clear();
    for (const auto& u : *v) d.uuids.push_back(lower(u));
  }
  if (auto v = property<bool>(props, "Connected")) d.connected = *v;
  if (auto v = property<bool>(props, "ServicesResolved")) d.services_resolved = *v;
  if (d.name.empty()) d.name = d.address;
}

bluez_error from_sdbus(const sdbus::Error& e, const std::string& what) {
  const std::string& name = e.getName();
  if (name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
      name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
    return {bluez_failure::no_bluetoothd,
            "bluetoothd is not running (org.bluez not on the system bus)", name};
  }
  if (name == "org.freedesktop.DBus.Error.NoReply" ||
      name == "org.freedesktop.DBus.Error.Timeout" ||
      name == "org.freedesktop.DBus.Error.TimedOut") {
    return {bluez_failure::timeout, what + ": no reply in time", name};
  }
  if (name == "org.freedesktop.DBus.Error.UnknownObject" ||
      name == "org.freedesktop.DBus.Error.UnknownMethod" ||
      name == "org.bluez.Error.DoesNotExist") {
    return {bluez_failure::not_found, what + ": " + e.getMessage(), name};
  }
  return {bluez_failure::dbus, what + ": " + name + ": " + e.getMessage(), name};
}

}  // namespace

bluez_error::bluez_error(bluez_failure failure, const std::string& message, std::string dbus_name)
    : std::runtime_error(message), failure_(failure), dbus_name_(std::move(dbus_name)) {}

bool ble_device::has_service(std::string_view uuid) const {
  return std::find(uuids.begin(), uuids.end(), lower(std::string(uuid))) != uuids.end();
}

struct bluez_client::impl {
  std::unique_ptr<sdbus::IConnection> conn;
  sdbus::Slot added_slot;
  sdbus::Slot removed_slot;
  sdbus::Slot changed_slot;

  mutable std::mutex mutex;
  std::condition_variable_any changed;
  std::map<std::string, ble_device> devices;  // guarded by mutex
  std::shared_ptr<const listener> events;     // guarded by mutex

  std::unique_ptr<sdbus::IProxy> proxy(const std::string& path) const {
    return sdbus::createProxy(*conn, bluez_service, path);
  }

  std::shared_ptr<const listener> current_listener() const {
    const std::lock_guard lock(mutex);
    return events;
  }

  void device_updated(const std::string& path, const properties& props) {
    ble_device copy;
    {
      const std::lock_guard lock(mutex);
      ble_device& d = devices[path];
      d.path = path;
      merge_device(d, props);
      copy = d;
    }
    changed.notify_all();
    if (auto l = current_listener(); l && l->on_device) l->on_device(copy);
  }

  void device_removed(const std::string& path) {
    std::optional<ble_device> gone;
    {
      const std::lock_guard lock(mutex);
      if (auto it = devices.find(path); it != devices.end()) {
        gone = std::move(it->second);
        devices.erase(it);
      }
    }
    changed.notify_all();
    if (gone) {
      gone->connected = false;
      gone->services_resolved = false;
      if (auto l = current_listener(); l && l->on_device) l->on_device(*gone);
    }
  }

  // Signal handlers, on the sdbus-c++ event loop thread. A malformed message is ignored.
  void on_interfaces_added(sdbus::Message& msg) {
    try {
      sdbus::ObjectPath path;
      interfaces ifaces;
      msg >> path >> ifaces;
      if (auto it = ifaces.find(device_iface); it != ifaces.end()) device_updated(path, it->second);
    } catch (const sdbus::Error&) {
    }
  }
  void on_interfaces_removed(sdbus::Message& msg) {
    try {
      sdbus::ObjectPath path;
      std::vector<std::string> names;
      msg >> path >> names;
      if (std::find(names.begin(), names.end(), device_iface) != names.end()) device_removed(path);
    } catch (const sdbus::Error&) {
    }
  }
  void on_properties_changed(sdbus::Message& msg) {
    try {
      std::string iface;
      properties props;
      msg >> iface >> props;
      const std::string path = msg.getPath();
      if (iface == gatt_char_iface) {
        const auto value = property<std::vector<std::uint8_t>>(props, "Value");
        if (!value) return;
        if (auto l = current_listener(); l && l->on_value) l->on_value(path, *value);
      } else if (iface == device_iface) {
        device_updated(path, props);
      } else if (iface == adapter_iface) {
        changed.notify_all();
      }
    } catch (const sdbus::Error&) {
    }
  }

  managed_objects objects() const {
    managed_objects objs;
    try {
      proxy("/")
          ->callMethod("GetManagedObjects")
          .onInterface(object_manager_iface)
          .withTimeout(call_timeout)
          .storeResultsTo(objs);
    } catch (const sdbus::Error& e) {
      throw from_sdbus(e, "GetManagedObjects");
    }
    return objs;
  }
};

bluez_client::bluez_client() : impl_(std::make_unique<impl>()) {
  try {
    impl_->conn = sdbus::createSystemBusConnection();
  } catch (const sdbus::Error& e) {
    throw bluez_error(
        bluez_failure::no_system_bus,
        "cannot open the D-Bus system bus (" + bus_description() + "): " + e.getMessage(),
        e.getName());
  }
  impl* self = impl_.get();
  const std::string from = std::string("type='signal',sender='") + bluez_service + "',";
  impl_->added_slot = impl_->conn->addMatch(
      from + "interface='" + object_manager_iface + "',member='InterfacesAdded'",
      [self](sdbus::Message& m) { self->on_interfaces_added(m); });
  impl_->removed_slot = impl_->conn->addMatch(
      from + "interface='" + object_manager_iface + "',member='InterfacesRemoved'",
      [self](sdbus::Message& m) { self->on_interfaces_removed(m); });
  impl_->changed_slot =
      impl_->conn->addMatch(from + "interface='" + properties_iface +
                                "',member='PropertiesChanged',path_namespace='/org/bluez'",
                            [self](sdbus::Message& m) { self->on_properties_changed(m); });
  impl_->conn->enterEventLoopAsync();
}

bluez_client::~bluez_client() {
  // Stop the event loop thread first, so that no handler runs while the slots go away.
  impl_->conn->leaveEventLoop();
  impl_->added_slot.reset();
  impl_->removed_slot.reset();
  impl_->changed_slot.reset();
}

void bluez_client::set_listener(listener l) {
  auto p = std::make_shared<const listener>(std::move(l));
  const std::lock_guard lock(impl_->mutex);
  impl_->events = std::move(p);
}

std::string bluez_client::bus_description() {
  const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  return env != nullptr && *env != '\0' ? std::string(env)
                                        : std::string("unix:path=/run/dbus/system_bus_socket");
}

void bluez_client::require_bluez() {
  bool has_owner = false;
  try {
    auto bus = sdbus::createProxy(*impl_->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(call_timeout)
        .withArguments(std::string(bluez_service))
        .storeResultsTo(has_owner);
  } catch (const sdbus::Error& e) {
    throw bluez_error(bluez_failure::no_system_bus,
                      "the D-Bus system bus does not answer: " + e.getMessage(), e.getName());
  }
  if (!has_owner) {
    throw bluez_error(bluez_failure::no_bluetoothd,
                      "bluetoothd is not running (org.bluez not on the system bus)");
  }
}

std::string bluez_client::adapter() {
  require_bluez();
  const managed_objects objs = impl_->objects();
  for (const auto& [path, ifaces] : objs) {
    const auto it = ifaces.find(adapter_iface);
    if (it == ifaces.end()) continue;
    if (property<bool>(it->second, "Powered") == std::optional<bool>(false)) {
      throw bluez_error(bluez_failure::adapter_off,
                        "Bluetooth adapter " + std::string(path) +
                            " is powered off (try: bluetoothctl power on)");
    }
    return path;
  }
  throw bluez_error(bluez_failure::no_adapter, "no Bluetooth adapter");
}

void bluez_client::start_discovery(const std::string& adapter_path,
                                   const std::vector<std::string>& uuids) {
  auto a = impl_->proxy(adapter_path);
  try {
    properties filter{{"Transport", sdbus::Variant(std::string("le"))}};
    if (!uuids.empty()) filter.emplace("UUIDs", sdbus::Variant(uuids));
    a->callMethod("SetDiscoveryFilter")
        .onInterface(adapter_iface)
        .withTimeout(call_timeout)
        .withArguments(filter);
    a->callMethod("StartDiscovery").onInterface(adapter_iface).withTimeout(call_timeout);
  } catch (const sdbus::Error& e) {
    // InProgress: another client (or we, earlier) already discovers; that is fine.
    if (e.getName() != "org.bluez.Error.InProgress") throw from_sdbus(e, "StartDiscovery");
  }
}

void bluez_client::stop_discovery(const std::string& adapter_path) noexcept {
  try {
    impl_->proxy(adapter_path)
        ->callMethod("StopDiscovery")
        .onInterface(adapter_iface)
        .withTimeout(call_timeout);
  } catch (const std::exception&) {
    // Not discovering, adapter gone: nothing to undo.
  }
}

std::vector<ble_device> bluez_client::refresh_devices() {
  const managed_objects objs = impl_->objects();
  std::map<std::string, ble_device> fresh;
  for (const auto& [path, ifaces] : objs) {
    const auto it = ifaces.find(device_iface);
    if (it == ifaces.end()) continue;
    ble_device d;
    d.path = path;
    merge_device(d, it->second);
    fresh.emplace(path, std::move(d));
  }
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->devices = std::move(fresh);
  }
  impl_->changed.notify_all();
  return devices();
}

std::vector<ble_device> bluez_client::devices() const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<ble_device> out;
  out.reserve(impl_->devices.size());
  for (const auto& [path, d] : impl_->devices) out.push_back(d);
  return out;
}

std::optional<ble_device> bluez_client::wait_for_device(
    const std::function<bool(const ble_device&)>& pred, std::chrono::milliseconds timeout,
    std::stop_token stop) {
  std::unique_lock lock(impl_->mutex);
  std::optional<ble_device> found;
  const auto match = [&] {
    for (const auto& [path, d] : impl_->devices) {
      if (pred(d)) {
        found = d;
        return true;
      }
    }
    return false;
  };
  impl_->changed.wait_for(lock, stop, timeout, match);
  if (!found && stop.stop_requested()) throw bluez_error(bluez_failure::stopped, "stopped");
  return found;
}

void bluez_client::connect(const std::string& device_path, std::chrono::milliseconds timeout,
                           std::stop_token stop) {
  struct reply_state {
    std::mutex m;
    std::condition_variable_any cv;
    bool done = false;
    std::optional<sdbus::Error> error;
  };
  auto state = std::make_shared<reply_state>();
  auto dev = impl_->proxy(device_path);
  sdbus::PendingAsyncCall call;
  try {
    call = dev->callMethodAsync("Connect")
               .onInterface(device_iface)
               .withTimeout(timeout)
               .uponReplyInvoke([state](const sdbus::Error* err) {
                 {
                   const std::lock_guard lock(state->m);
                   if (err != nullptr) state->error = *err;
                   state->done = true;
                 }
                 state->cv.notify_all();
               });
  } catch (const sdbus::Error& e) {
    throw from_sdbus(e, "Connect " + device_path);
  }
  std::unique_lock lock(state->m);
  // The D-Bus timeout ends the call; the extra second only guards against a lost reply.
  const bool done = state->cv.wait_for(lock, stop, timeout + std::chrono::seconds(1),
                                       [&] { return state->done; });
  if (!done) {
    lock.unlock();
    call.cancel();
    disconnect(device_path);
    if (stop.stop_requested()) throw bluez_error(bluez_failure::stopped, "stopped");
    throw bluez_error(bluez_failure::timeout, "Connect " + device_path + ": no reply in time");
  }
  if (state->error && state->error->getName() != "org.bluez.Error.AlreadyConnected")
    throw from_sdbus(*state->error, "cannot connect to " + device_path);
}

void bluez_client::disconnect(const std::string& device_path) noexcept {
  try {
    impl_->proxy(device_path)
        ->callMethod("Disconnect")
        .onInterface(device_iface)
        .withTimeout(call_timeout);
  } catch (const std::exception&) {
    // Already gone.
  }
}

std::optional<std::string> bluez_client::find_characteristic(const std::string& device_path,
                                                             std::string_view uuid) {
  const std::string wanted = lower(std::string(uuid));
  const std::string prefix = device_path + "/";
  for (const auto& [path, ifaces] : impl_->objects()) {
    const std::string& p = path;
    if (p.compare(0, prefix.size(), prefix) != 0) continue;
    const auto it = ifaces.find(gatt_char_iface);
    if (it == ifaces.end()) continue;
    if (auto u = property<std::string>(it->second, "UUID"); u && lower(*u) == wanted) return p;
  }
  return std::nullopt;
}

std::vector<std::uint8_t> bluez_client::read_value(const std::string& characteristic_path) {
  std::vector<std::uint8_t> value;
  try {
    impl_->proxy(characteristic_path)
        ->callMethod("ReadValue")
        .onInterface(gatt_char_iface)
        .withTimeout(call_timeout)
        .withArguments(properties{})
        .storeResultsTo(value);
  } catch (const sdbus::Error& e) {
    throw from_sdbus(e, "ReadValue " + characteristic_path);
  }
  return value;
}

void bluez_client::write_value(const std::string& characteristic_path,
                               std::span<const std::uint8_t> value, bool with_response) {
  try {
    impl_->proxy(characteristic_path)
        ->callMethod("WriteValue")
        .onInterface(gatt_char_iface)
        .withTimeout(call_timeout)
        .withArguments(
            std::vector<std::uint8_t>(value.begin(), value.end()),
            properties{
                {"type", sdbus::Variant(std::string(with_response ? "request" : "command"))}});
  } catch (const sdbus::Error& e) {
    throw from_sdbus(e, "WriteValue " + characteristic_path);
  }
}

void bluez_client::start_notify(const std::string& characteristic_path) {
  try {
    impl_->proxy(characteristic_path)
        ->callMethod("StartNotify")
        .onInterface(gatt_char_iface)
        .withTimeout(call_timeout);
  } catch (const sdbus::Error& e) {
    throw from_sdbus(e, "StartNotify " + characteristic_path);
  }
}

void bluez_client::stop_notify(const std::string& characteristic_path) noexcept {
  try {
    impl_->proxy(characteristic_path)
        ->callMethod("StopNotify")
        .onInterface(gatt_char_iface)
        .withTimeout(call_timeout);
  } catch (const std::exception&) {
  }
}

}  // namespace resonant::drivers
