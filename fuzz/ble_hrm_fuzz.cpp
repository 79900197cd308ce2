// Fuzz target: BLE Heart Rate Measurement, Body Sensor Location and Battery Level decoders,
// and the stream stage that turns them into RR readings (time axis, gaps, contact).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/ble_hrm.hpp"
#include "drivers/ble_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace resonant::drivers;
  const std::span<const std::uint8_t> bytes(data, size);
  const hrm_measurement m = decode_heart_rate_measurement(bytes);
  if (m.ok()) {
    if (m.rr_count > hrm_measurement::max_rr) std::abort();
    // Every RR is inside the packet: 1 flag byte + HR + optional energy + 2 bytes each.
    if (1 + 2 * m.rr_count > size) std::abort();
    for (std::size_t i = 0; i < m.rr_count; ++i) {
      const double ms = m.rr_ms(i);
      if (!(ms >= 0.0 && ms < 64000.0)) std::abort();
    }
  } else if (m.rr_count != 0) {
    std::abort();
  }
  (void)decode_body_sensor_location(bytes);
  (void)decode_battery_level(bytes);

  // The same bytes, split in packets by their first byte, through the stream: RR times
  // must be finite and non-decreasing.
  double last_end = -1.0;
  source_handlers h{[&](const rr_reading& r) {
                      if (!std::isfinite(r.end_s) || r.end_s < last_end) std::abort();
                      last_end = r.end_s;
                    },
                    [](const sample_block&) {}, [](const source_status&) {}};
  ble_stream stream(h);
  std::size_t at = 0;
  double t = 0.0;
  while (at < size) {
    const std::size_t len = std::min<std::size_t>(size - at, 1 + data[at] % 16);
    if (data[at] % 7 == 0) stream.begin_connection();
    t += 0.5;
    stream.on_heart_rate(bytes.subspan(at, len), t);
    at += len;
  }
  return 0;
}
