#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace resonant::drivers {

// Decoders for the Bluetooth SIG Heart Rate Service (0x180D) and Battery Service (0x180F), the
// service every chest strap speaks (Polar H7/H9/H10, Garmin HRM-Dual/Pro, Wahoo TICKR, ...).
//
// Heart Rate Measurement (characteristic 0x2A37, notify), little-endian:
//   flags u8: bit0 HR is u16 (else u8); bits1-2 sensor contact (0/1 not supported, 2 supported
//   but no contact, 3 contact); bit3 Energy Expended u16 (kJ) present; bit4 RR present; bits
//   5-7 reserved (ignored). Then HR, optional energy, then every remaining byte pair is one RR
//   in 1/1024 s, oldest first (0..n per notification; 1-3 is normal at one notification/s).
// Reference: Bluetooth SIG Heart Rate Service 1.0 and the 0x2A37 characteristic definition.
//
// These are pure functions over byte spans: no allocation, no exceptions. A malformed packet
// is reported by its status (the source counts it and skips it), never by throwing.
//
// Pitfalls: RR values are not range-checked by devices (the Garmin HRM-Dual has been seen to
// append a bogus trailing value of 52/1024 s), so every RR carries `in_range` (200-3000 ms,
// 20-300 bpm) and the caller drops values outside it. A packet whose RR area has an odd byte
// count, or whose RR flag is set with no RR, is malformed as a whole: its length cannot be
// trusted. Truncating a packet at an RR boundary leaves a shorter well-formed packet; that
// cannot be detected and is decoded as such.

enum class hrm_status : std::uint8_t {
  ok,
  empty,          // zero bytes
  truncated,      // shorter than the flags announce (heart rate or energy field cut)
  bad_rr_length,  // RR flag set but no RR, or an odd number of RR bytes
  too_long,       // more RR values than fit in an ATT value (512 bytes)
  out_of_range,   // a field outside its defined range (battery above 100 %)
};
[[nodiscard]] std::string_view to_string(hrm_status s) noexcept;

enum class sensor_contact : std::uint8_t { not_supported, lost, detected };

// RR in [min_rr_ms, max_rr_ms] is plausible for a human heart (20-300 bpm).
inline constexpr double min_rr_ms = 200.0;
inline constexpr double max_rr_ms = 3000.0;

struct hrm_measurement {
  static constexpr std::size_t max_rr = 256;  // (512 - 3) / 2 rounded up: any ATT value fits

  hrm_status status = hrm_status::empty;
  std::uint8_t flags = 0;
  std::uint16_t heart_rate_bpm = 0;
  sensor_contact contact = sensor_contact::not_supported;
  bool has_energy = false;
  std::uint16_t energy_kj = 0;  // cumulative energy expended, when has_energy
  std::size_t rr_count = 0;
  std::array<std::uint16_t, max_rr> rr_raw{};  // 1/1024 s, oldest first

  [[nodiscard]] bool ok() const noexcept { return status == hrm_status::ok; }
  // RR i in milliseconds (raw * 1000 / 1024).
  [[nodiscard]] double rr_ms(std::size_t i) const noexcept {
    return static_cast<double>(rr_raw[i]) * (1000.0 / 1024.0);
  }
  [[nodiscard]] bool rr_in_range(std::size_t i) const noexcept {
    const double ms = rr_ms(i);
    return ms >= min_rr_ms && ms <= max_rr_ms;
  }
};

[[nodiscard]] hrm_measurement decode_heart_rate_measurement(
    std::span<const std::uint8_t> bytes) noexcept;

// Body Sensor Location (0x2A38, read, u8). Values above 6 are reserved.
enum class body_location : std::uint8_t {
  other,
  chest,
  wrist,
  finger,
  hand,
  ear_lobe,
  foot,
  reserved
};
[[nodiscard]] std::string_view to_string(body_location l) noexcept;

struct body_location_reading {
  hrm_status status = hrm_status::empty;  // ok, empty; trailing bytes are ignored
  body_location location = body_location::other;
};
[[nodiscard]] body_location_reading decode_body_sensor_location(
    std::span<const std::uint8_t> bytes) noexcept;

// Battery Level (0x2A19, read/notify, u8 percent). Values above 100 are out_of_range.
struct battery_reading {
  hrm_status status = hrm_status::empty;
  std::uint8_t percent = 0;
};
[[nodiscard]] battery_reading decode_battery_level(std::span<const std::uint8_t> bytes) noexcept;

// 128-bit UUID strings as BlueZ shows them (lower case).
inline constexpr std::string_view heart_rate_service_uuid = "0000180d-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view heart_rate_measurement_uuid =
    "00002a37-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view body_sensor_location_uuid =
    "00002a38-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view battery_level_uuid = "00002a19-0000-1000-8000-00805f9b34fb";

}  // namespace resonant::drivers
