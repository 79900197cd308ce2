#include "drivers/ble_hrm.hpp"

namespace resonant::drivers {

std::string_view to_string(hrm_status s) noexcept {
  switch (s) {
    case hrm_status::ok:
      return "ok";
    case hrm_status::empty:
      return "empty packet";
    case hrm_status::truncated:
      return "truncated packet";
    case hrm_status::bad_rr_length:
      return "bad RR length";
    case hrm_status::too_long:
      return "packet too long";
    case hrm_status::out_of_range:
      return "value out of range";
  }
  return "unknown";
}

std::string_view to_string(body_location l) noexcept {
  static constexpr std::string_view names[] = {"other", "chest",    "wrist", "finger",
                                               "hand",  "ear lobe", "foot",  "reserved"};
  return names[static_cast<std::size_t>(l)];
}

namespace {
std::uint16_t u16_le(std::span<const std::uint8_t> b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
}  // namespace

hrm_measurement decode_heart_rate_measurement(std::span<const std::uint8_t> bytes) noexcept {
  hrm_measurement m;
  if (bytes.empty()) return m;  // status empty
  m.flags = bytes[0];
  const bool hr16 = (m.flags & 0x01U) != 0;
  const unsigned contact_bits = (m.flags >> 1U) & 0x03U;
  m.contact = contact_bits == 3U   ? sensor_contact::detected
              : contact_bits == 2U ? sensor_contact::lost
                                   : sensor_contact::not_supported;
  m.has_energy = (m.flags & 0x08U) != 0;
  const bool has_rr = (m.flags & 0x10U) != 0;

  std::size_t at = 1;
  const std::size_t hr_size = hr16 ? 2 : 1;
  if (bytes.size() < at + hr_size) {
    m.status = hrm_status::truncated;
    return m;
  }
  m.heart_rate_bpm = hr16 ? u16_le(bytes, at) : bytes[at];
  at += hr_size;
  if (m.has_energy) {
    if (bytes.size() < at + 2) {
      m.status = hrm_status::truncated;
      return m;
    }
    m.energy_kj = u16_le(bytes, at);
    at += 2;
  }
  const std::size_t rest = bytes.size() - at;
  if (has_rr) {
    if (rest == 0 || rest % 2 != 0) {
      m.status = hrm_status::bad_rr_length;
      return m;
    }
    if (rest / 2 > hrm_measurement::max_rr) {
      m.status = hrm_status::too_long;
      return m;
    }
    m.rr_count = rest / 2;
    for (std::size_t i = 0; i < m.rr_count; ++i) m.rr_raw[i] = u16_le(bytes, at + 2 * i);
  }
  // Without the RR flag, trailing bytes are ignored (future fields per the specification).
  m.status = hrm_status::ok;
  return m;
}

body_location_reading decode_body_sensor_location(std::span<const std::uint8_t> bytes) noexcept {
  body_location_reading r;
  if (bytes.empty()) return r;
  r.status = hrm_status::ok;
  r.location = bytes[0] <= 6 ? static_cast<body_location>(bytes[0]) : body_location::reserved;
  return r;
}

battery_reading decode_battery_level(std::span<const std::uint8_t> bytes) noexcept {
  battery_reading r;
  if (bytes.empty()) return r;
  r.percent = bytes[0];
  r.status = r.percent <= 100 ? hrm_status::ok : hrm_status::out_of_range;
  return r;
}

}  // namespace resonant::drivers
