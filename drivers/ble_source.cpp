#include "drivers/ble_source.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/post.hpp>

#include "drivers/ble_hrm.hpp"
#include "drivers/bluez_client.hpp"
#include "drivers/polar_pmd.hpp"

namespace resonant::drivers {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

enum class packet_kind : std::uint8_t { heart_rate, ecg };

// One notification copied off the D-Bus thread. An ATT value is at most 512 bytes; anything
// longer cannot come from BlueZ and is passed on as empty (counted as malformed).
struct packet {
  packet_kind kind = packet_kind::heart_rate;
  std::size_t size = 0;
  double arrival_s = 0.0;
  std::array<std::uint8_t, 512> bytes{};
};

std::string with_seconds(std::chrono::milliseconds d) {
  const double s = static_cast<double>(d.count()) / 1000.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

}  // namespace

ble_options parse_ble_spec(std::string_view spec) {
  const std::string_view head = spec.substr(0, 3);
  if (!iequals(head, "ble") || (spec.size() > 3 && spec[3] != ':' && spec[3] != ',')) {
    throw std::invalid_argument("BLE source \"" + std::string(spec) +
                                "\": expected ble[:ADDRESS|NAME][,ecg]");
  }
  ble_options o;
  std::string_view rest = spec.substr(3);
  std::string_view device;
  if (!rest.empty() && rest.front() == ':') {
    rest.remove_prefix(1);
    const auto comma = rest.find(',');
    device = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma);
  }
  o.device = trim(device);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // ','
    const auto comma = rest.find(',');
    const std::string opt = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma);
    if (iequals(opt, "ecg")) {
      o.ecg = true;
    } else {
      throw std::invalid_argument("BLE source \"" + std::string(spec) + "\": unknown option \"" +
                                  opt + "\" (known: ecg)");
    }
  }
  return o;
}

namespace detail {
struct ble_source_state {
  ble_source_state(boost::asio::io_context& context, ble_options o)
      : io(context), options(std::move(o)), stream(handlers) {}

  boost::asio::io_context& io;
  const ble_options options;
  const std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  // io_context thread only.
  source_handlers handlers;
  ble_stream stream;
  bool alive = false;

  // Worker and D-Bus threads, under m.
  std::mutex m;
  std::condition_variable_any cv;
  std::string device_path;
  std::string hrm_path;
  std::string ecg_path;
  std::string control_point_path;
  bool link_up = false;
  bool disconnected = false;
  std::optional<std::vector<std::uint8_t>> control_point_value;

  [[nodiscard]] double now_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  static void post_status(const std::shared_ptr<ble_source_state>& self, source_state state,
                          std::string detail) {
    boost::asio::post(self->io, [self, st = source_status{state, std::move(detail)}] {
      if (self->alive) self->handlers.on_status(st);
    });
  }

  // D-Bus thread.
  void on_value(const std::shared_ptr<ble_source_state>& self, const std::string& path,
                std::span<const std::uint8_t> value) {
    packet p;
    {
      const std::lock_guard lock(m);
      if (path == control_point_path) {
        control_point_value.emplace(value.begin(), value.end());
        cv.notify_all();
        return;
      }
      if (path == hrm_path) {
        p.kind = packet_kind::heart_rate;
      } else if (path == ecg_path) {
        p.kind = packet_kind::ecg;
      } else {
        return;
      }
    }
    p.arrival_s = now_s();
    if (value.size() <= p.bytes.size()) {
      std::copy(value.begin(), value.end(), p.bytes.begin());
      p.size = value.size();
    }
    boost::asio::post(io, [self, p] {
      if (!self->alive) return;
      const std::span<const std::uint8_t> bytes(p.bytes.data(), p.size);
      if (p.kind == packet_kind::heart_rate) {
        self->stream.on_heart_rate(bytes, p.arrival_s);
      } else {
        self->stream.on_ecg(bytes, p.arrival_s);
      }
    });
  }

  // A disconnect is Connected going false after it was seen true (an RSSI update of a device
  // not yet connected must not count), or the device object disappearing.
  void on_device(const ble_device& d) {
    {
      const std::lock_guard lock(m);
      if (d.path != device_path) return;
      if (d.connected) {
        link_up = true;
        return;
      }
      if (!link_up) return;
      disconnected = true;
    }
    cv.notify_all();
  }
};
}  // namespace detail

namespace {

using state = detail::ble_source_state;
using shared_ptr_t = std::shared_ptr<state>;

bool matches(const ble_options& o, const ble_device& d) {
  if (o.device.empty()) return d.has_service(heart_rate_service_uuid);
  if (iequals(d.address, o.device) || iequals(d.name, o.device)) return true;
  return d.name.size() > o.device.size() && iequals(d.name.substr(0, o.device.size()), o.device);
}

std::string describe(const ble_device& d) {
  return d.name + " (" + d.address + ")";
}

// Stops discovery when leaving the scope, whatever happens.
struct discovery_guard {
  bluez_client& client;
  const std::string& adapter;
  ~discovery_guard() { client.stop_discovery(adapter); }
};

ble_device find_device(bluez_client& client, const ble_options& o, std::stop_token stop) {
  const std::string adapter = client.adapter();
  client.refresh_devices();
  const auto pred = [&o](const ble_device& d) { return matches(o, d); };
  if (auto d = client.wait_for_device(pred, std::chrono::milliseconds(0), stop)) return *d;
  client.start_discovery(adapter, {std::string(heart_rate_service_uuid)});
  const discovery_guard guard{client, adapter};
  if (auto d = client.wait_for_device(pred, o.discovery_timeout, stop)) return *d;
  const std::string what =
      o.device.empty() ? "no heart-rate device" : "device \"" + o.device + "\"";
  throw bluez_error(bluez_failure::not_found,
                    what + " not found within " + with_seconds(o.discovery_timeout) +
                        " (is the strap worn, and not connected to another phone?)");
}

std::string read_details(bluez_client& client, const std::string& device_path) {
  std::string out;
  try {
    if (auto c = client.find_characteristic(device_path, body_sensor_location_uuid)) {
      const auto v = client.read_value(*c);
      if (const auto r = decode_body_sensor_location(v); r.status == hrm_status::ok)
        out += ", worn on " + std::string(to_string(r.location));
    }
    if (auto c = client.find_characteristic(device_path, battery_level_uuid)) {
      const auto v = client.read_value(*c);
      if (const auto r = decode_battery_level(v); r.status == hrm_status::ok)
        out += ", battery " + std::to_string(r.percent) + " %";
    }
  } catch (const bluez_error&) {
    // Optional information: a failing read must not stop the session.
  }
  return out;
}

// Starts the PMD ECG stream; returns a note for the status line.
std::string start_ecg(bluez_client& client, state& sh, const std::string& device_path,
                      std::stop_token stop) {
  const auto cp = client.find_characteristic(device_path, pmd_control_point_uuid);
  const auto data = client.find_characteristic(device_path, pmd_data_uuid);
  if (!cp || !data) return ", no ECG: the device has no Polar PMD service";
  {
    const std::lock_guard lock(sh.m);
    sh.control_point_path = *cp;
    sh.ecg_path = *data;
    sh.control_point_value.reset();
  }
  client.start_notify(*cp);  // indications carry the responses
  client.start_notify(*data);
  const auto request = pmd_start_ecg_request();
  client.write_value(*cp, request, true);
  std::unique_lock lock(sh.m);
  const bool answered = sh.cv.wait_for(lock, stop, sh.options.response_timeout,
                                       [&] { return sh.control_point_value.has_value(); });
  if (!answered) return ", ECG did not start (no answer from the control point)";
  const pmd_response r = decode_pmd_response(*sh.control_point_value);
  if (r.status != pmd_status::ok)
    return ", ECG did not start (" + std::string(to_string(r.status)) + ")";
  if (!r.succeeded()) {
    return ", ECG did not start (" + std::string(to_string(static_cast<pmd_error>(r.error))) + ")";
  }
  return ", ECG 130 Hz";
}

// One connection: returns when the device disconnected; throws bluez_error otherwise.
void run_connection(bluez_client& client, const shared_ptr_t& sh, bool reconnecting,
                    std::stop_token stop) {
  const ble_options& o = sh->options;
  const source_state waiting = reconnecting ? source_state::reconnecting : source_state::connecting;
  state::post_status(
      sh, waiting,
      o.device.empty() ? "looking for a heart-rate device" : "looking for " + o.device);
  const ble_device dev = find_device(client, o, stop);
  state::post_status(sh, waiting, "connecting to " + describe(dev));
  {
    const std::lock_guard lock(sh->m);
    sh->device_path = dev.path;
    sh->link_up = false;
    sh->disconnected = false;
  }
  client.connect(dev.path, o.connect_timeout, stop);
  const auto resolved = client.wait_for_device(
      [&](const ble_device& d) { return d.path == dev.path && d.services_resolved; },
      o.services_timeout, stop);
  if (!resolved) {
    client.disconnect(dev.path);
    throw bluez_error(bluez_failure::timeout, describe(dev) + ": services not resolved within " +
                                                  with_seconds(o.services_timeout));
  }
  const auto hrm = client.find_characteristic(dev.path, heart_rate_measurement_uuid);
  if (!hrm) {
    client.disconnect(dev.path);
    throw bluez_error(bluez_failure::not_found,
                      describe(dev) + " has no Heart Rate Measurement characteristic");
  }
  std::string detail = describe(dev) + read_details(client, dev.path);
  {
    const std::lock_guard lock(sh->m);
    sh->hrm_path = *hrm;
    // Already connected before we asked (AlreadyConnected): no Connected change was seen.
    if (resolved->connected) sh->link_up = true;
  }
  // Ordered before any notification of this connection on the io_context queue.
  boost::asio::post(sh->io, [sh] {
    if (sh->alive) sh->stream.begin_connection();
  });
  client.start_notify(*hrm);
  if (o.ecg) detail += start_ecg(client, *sh, dev.path, stop);
  state::post_status(sh, source_state::streaming, detail);

  std::unique_lock lock(sh->m);
  sh->cv.wait(lock, stop, [&] { return sh->disconnected; });
  const bool stopped = !sh->disconnected;
  const std::string cp = sh->control_point_path;
  sh->hrm_path.clear();
  sh->ecg_path.clear();
  sh->control_point_path.clear();
  lock.unlock();
  if (stopped) {
    // Leave the strap as we found it: stop streaming and release the connection.
    try {
      if (!cp.empty()) client.write_value(cp, pmd_stop_request(pmd_measurement::ecg), true);
    } catch (const bluez_error&) {
    }
    client.stop_notify(*hrm);
    client.disconnect(dev.path);
    throw bluez_error(bluez_failure::stopped, "stopped");
  }
}

bool fatal_before_streaming(bluez_failure f) {
  return f == bluez_failure::no_system_bus || f == bluez_failure::no_bluetoothd ||
         f == bluez_failure::no_adapter || f == bluez_failure::adapter_off;
}

void run_worker(const shared_ptr_t& sh, std::stop_token stop) {
  const ble_options& o = sh->options;
  std::unique_ptr<bluez_client> client;
  bool streamed = false;
  int failures = 0;
  auto backoff = o.backoff_initial;
  while (!stop.stop_requested()) {
    try {
      if (!client) {
        client = std::make_unique<bluez_client>();
        std::weak_ptr<state> weak = sh;
        client->set_listener({[weak](const std::string& path, std::span<const std::uint8_t> v) {
                                if (auto s = weak.lock()) s->on_value(s, path, v);
                              },
                              [weak](const ble_device& d) {
                                if (auto s = weak.lock()) s->on_device(d);
                              }});
      }
      run_connection(*client, sh, streamed, stop);
      streamed = true;
      failures = 0;
      backoff = o.backoff_initial;
      state::post_status(sh, source_state::disconnected, "connection lost");
    } catch (const bluez_error& e) {
      if (e.failure() == bluez_failure::stopped || stop.stop_requested()) break;
      if (e.failure() == bluez_failure::no_system_bus) client.reset();
      ++failures;
      if (!streamed && (fatal_before_streaming(e.failure()) || failures >= o.initial_attempts)) {
        state::post_status(sh, source_state::failed, e.what());
        return;
      }
      state::post_status(sh, streamed ? source_state::reconnecting : source_state::connecting,
                         std::string(e.what()) + "; retrying in " + with_seconds(backoff));
    } catch (const std::exception& e) {
      // Unexpected (e.g. allocation): report and end rather than spin.
      state::post_status(sh, source_state::failed, e.what());
      return;
    }
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, backoff, [] { return false; });
    backoff = std::min(backoff * 2, o.backoff_max);
  }
}

}  // namespace

ble_source::ble_source(boost::asio::io_context& io, ble_options options)
    : io_(io), options_(std::move(options)) {}

ble_source::~ble_source() {
  if (shared_) shared_->alive = false;
}

std::string ble_source::description() const {
  return "ble" + (options_.device.empty() ? std::string() : ":" + options_.device) +
         (options_.ecg ? ",ecg" : "");
}

void ble_source::start(source_handlers handlers) {
  if (!handlers.on_rr || !handlers.on_samples || !handlers.on_status)
    throw std::invalid_argument("ble_source: every handler must be set");
  if (shared_) throw std::logic_error("ble_source: started twice");
  shared_ = std::make_shared<detail::ble_source_state>(io_, options_);
  shared_->handlers = std::move(handlers);
  shared_->alive = true;
  worker_ = std::jthread([sh = shared_](std::stop_token st) { run_worker(sh, st); });
}

void ble_source::stop() {
  if (!shared_) return;
  shared_->alive = false;
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
}

ble_stream::counters ble_source::stats() const {
  return shared_ ? shared_->stream.stats() : ble_stream::counters{};
}

}  // namespace resonant::drivers
