#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace resonant::drivers {

// Polar Measurement Data (PMD) protocol of the Polar H10: control point requests and
// responses, and ECG data frames.
//
// Reference: polarofficial/polar-ble-sdk (PmdControlPointCommand, PmdControlPointResponse,
// PmdDataFrame, EcgData) and the Polar Measurement Data specification; byte examples in
// notes/drivers-audio.md section 1.2.
//
// Control point (fb005c81, write + indicate): requests are [op, measurement type, settings],
// settings as [setting type, count = 1, value LE]; the H10's ECG is fixed at 130 Hz, 14 bit.
// Responses arrive as indications: [0xF0, op, type, error code, more, parameters...].
// A read of the control point returns the feature bitmap [0x0F, bits...].
//
// Data (fb005c82, notify): [measurement type u8][timestamp u64 LE ns since 2000-01-01, sensor
// clock, of the LAST sample][frame type u8][samples]. ECG frame type 0: 3-byte signed LE
// microvolt samples (about 73 per notification at MTU 232).
//
// Pure functions, no allocation in the data path, no exceptions: malformed frames are a status.
// Pitfalls: the sensor clock runs 1-2 % off the nominal 130 Hz, so per-sample times spread
// back from the frame time at 1/130 s drift against the next frame; callers detect lost frames
// with a tolerance, not exact equality. Compressed frames (bit 7 of the frame type) are not
// used by the H10 for ECG and are reported as unsupported.

enum class pmd_measurement : std::uint8_t { ecg = 0, ppg = 1, acc = 2, ppi = 3, gyro = 5, mag = 6 };

enum class pmd_op : std::uint8_t { get_settings = 1, start = 2, stop = 3 };

inline constexpr double polar_ecg_rate_hz = 130.0;
inline constexpr std::uint16_t polar_ecg_resolution_bits = 14;
// Seconds from the Unix epoch to the PMD epoch 2000-01-01T00:00:00Z.
inline constexpr std::int64_t pmd_epoch_unix_s = 946'684'800;

[[nodiscard]] std::vector<std::uint8_t> pmd_get_settings_request(pmd_measurement type);
// Start ECG at sample_rate_hz (130 on the H10) with the given resolution: for the defaults
// 02 00 00 01 82 00 01 01 0E 00.
[[nodiscard]] std::vector<std::uint8_t> pmd_start_ecg_request(
    std::uint16_t sample_rate_hz = 130, std::uint16_t resolution_bits = polar_ecg_resolution_bits);
[[nodiscard]] std::vector<std::uint8_t> pmd_stop_request(pmd_measurement type);

// Error codes of a control point response (0 = success).
enum class pmd_error : std::uint8_t {
  success = 0,
  invalid_op_code = 1,
  invalid_measurement_type = 2,
  not_supported = 3,
  invalid_length = 4,
  invalid_parameter = 5,
  already_in_state = 6,
  invalid_resolution = 7,
  invalid_sample_rate = 8,
  invalid_range = 9,
  invalid_mtu = 10,
  invalid_number_of_channels = 11,
  invalid_state = 12,
  device_in_charger = 13,
};
[[nodiscard]] std::string_view to_string(pmd_error e) noexcept;

enum class pmd_status : std::uint8_t {
  ok,
  empty,
  truncated,          // shorter than the fixed header
  not_a_response,     // control point value that is not [0xF0 ...] (see measurement_stopped)
  wrong_measurement,  // data frame of another measurement type than decoded for
  unsupported_frame,  // frame type other than 0, or compressed
  bad_length,         // sample bytes not a positive multiple of the sample size
  too_long,           // more samples than an ATT value can carry
};
[[nodiscard]] std::string_view to_string(pmd_status s) noexcept;

struct pmd_response {
  pmd_status status = pmd_status::empty;
  std::uint8_t op = 0;
  std::uint8_t measurement = 0;
  std::uint8_t error = 0;  // pmd_error value; unknown codes are kept as numbers
  bool more = false;
  std::span<const std::uint8_t> parameters;  // view into the decoded bytes

  [[nodiscard]] bool succeeded() const noexcept {
    return status == pmd_status::ok &&
           (error == static_cast<std::uint8_t>(pmd_error::success) ||
            error == static_cast<std::uint8_t>(pmd_error::already_in_state));
  }
};
[[nodiscard]] pmd_response decode_pmd_response(std::span<const std::uint8_t> bytes) noexcept;

// A device-initiated control point notification [0x01, type bitmap...] means "online
// measurement stopped" for the listed types.
[[nodiscard]] bool is_pmd_measurement_stopped(std::span<const std::uint8_t> bytes) noexcept;

// Feature read of the control point: [0x0F, bitmap]; bit0 ECG, bit1 PPG, bit2 ACC, bit3 PPI.
struct pmd_features {
  pmd_status status = pmd_status::empty;
  bool ecg = false;
  bool ppg = false;
  bool acc = false;
  bool ppi = false;
};
[[nodiscard]] pmd_features decode_pmd_features(std::span<const std::uint8_t> bytes) noexcept;

// Values of one setting type (0 sample rate, 1 resolution, 2 range) in a get-settings response's
// parameters. At most max_values are kept; malformed parameter lists give status bad_length.
struct pmd_setting_values {
  static constexpr std::size_t max_values = 8;
  pmd_status status = pmd_status::empty;
  std::size_t count = 0;
  std::array<std::uint16_t, max_values> values{};
};
[[nodiscard]] pmd_setting_values decode_pmd_setting(std::span<const std::uint8_t> parameters,
                                                    std::uint8_t setting_type) noexcept;

struct pmd_ecg_frame {
  static constexpr std::size_t header_size = 10;
  static constexpr std::size_t max_samples = (512 - header_size) / 3;  // 167

  pmd_status status = pmd_status::empty;
  std::uint8_t measurement = 0;
  std::uint64_t timestamp_ns = 0;  // sensor clock, ns since 2000-01-01, of the last sample
  std::uint8_t frame_type = 0;
  std::size_t sample_count = 0;
  std::array<std::int32_t, max_samples> samples_uv{};

  [[nodiscard]] bool ok() const noexcept { return status == pmd_status::ok; }
  // Sensor time of sample i, ns since 2000-01-01, spread back from the last sample at 1/rate.
  [[nodiscard]] double sample_time_ns(std::size_t i,
                                      double rate_hz = polar_ecg_rate_hz) const noexcept {
    return static_cast<double>(timestamp_ns) -
           static_cast<double>(sample_count - 1 - i) * (1e9 / rate_hz);
  }
};
[[nodiscard]] pmd_ecg_frame decode_pmd_ecg_frame(std::span<const std::uint8_t> bytes) noexcept;

inline constexpr std::string_view pmd_service_uuid = "fb005c80-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view pmd_control_point_uuid = "fb005c81-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view pmd_data_uuid = "fb005c82-02e7-f387-1cad-8acd2d8df0c8";

}  // namespace resonant::drivers
