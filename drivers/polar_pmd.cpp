#include "drivers/polar_pmd.hpp"

namespace resonant::drivers {

namespace {
void put_u16_setting(std::vector<std::uint8_t>& out, std::uint8_t type, std::uint16_t value) {
  out.push_back(type);
  out.push_back(1);  // one value
  out.push_back(static_cast<std::uint8_t>(value & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(value >> 8U));
}
}  // namespace

std::vector<std::uint8_t> pmd_get_settings_request(pmd_measurement type) {
  return {static_cast<std::uint8_t>(pmd_op::get_settings), static_cast<std::uint8_t>(type)};
}

std::vector<std::uint8_t> pmd_start_ecg_request(std::uint16_t sample_rate_hz,
                                                std::uint16_t resolution_bits) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(pmd_op::start),
                                static_cast<std::uint8_t>(pmd_measurement::ecg)};
  put_u16_setting(out, 0, sample_rate_hz);
  put_u16_setting(out, 1, resolution_bits);
  return out;
}

std::vector<std::uint8_t> pmd_stop_request(pmd_measurement type) {
  return {static_cast<std::uint8_t>(pmd_op::stop), static_cast<std::uint8_t>(type)};
}

std::string_view to_string(pmd_error e) noexcept {
  switch (e) {
    case pmd_error::success:
      return "success";
    case pmd_error::invalid_op_code:
      return "invalid op code";
    case pmd_error::invalid_measurement_type:
      return "invalid measurement type";
    case pmd_error::not_supported:
      return "not supported";
    case pmd_error::invalid_length:
      return "invalid length";
    case pmd_error::invalid_parameter:
      return "invalid parameter";
    case pmd_error::already_in_state:
      return "already in state";
    case pmd_error::invalid_resolution:
      return "invalid resolution";
    case pmd_error::invalid_sample_rate:
      return "invalid sample rate";
    case pmd_error::invalid_range:
      return "invalid range";
    case pmd_error::invalid_mtu:
      return "invalid MTU";
    case pmd_error::invalid_number_of_channels:
      return "invalid number of channels";
    case pmd_error::invalid_state:
      return "invalid state";
    case pmd_error::device_in_charger:
      return "device in charger";
  }
  return "unknown error";
}

std::string_view to_string(pmd_status s) noexcept {
  switch (s) {
    case pmd_status::ok:
      return "ok";
    case pmd_status::empty:
      return "empty";
    case pmd_status::truncated:
      return "truncated";
    case pmd_status::not_a_response:
      return "not a control point response";
    case pmd_status::wrong_measurement:
      return "wrong measurement type";
    case pmd_status::unsupported_frame:
      return "unsupported frame type";
    case pmd_status::bad_length:
      return "bad length";
    case pmd_status::too_long:
      return "too long";
  }
  return "unknown";
}

pmd_response decode_pmd_response(std::span<const std::uint8_t> bytes) noexcept {
  pmd_response r;
  if (bytes.empty()) return r;
  if (bytes[0] != 0xF0U) {
    r.status = pmd_status::not_a_response;
    return r;
  }
  // [F0, op, type, error] is the minimum; 'more' and parameters follow on success.
  if (bytes.size() < 4) {
    r.status = pmd_status::truncated;
    return r;
  }
  r.op = bytes[1];
  r.measurement = bytes[2];
  r.error = bytes[3];
  if (bytes.size() >= 5) {
    r.more = bytes[4] != 0;
    r.parameters = bytes.subspan(5);
  }
  r.status = pmd_status::ok;
  return r;
}

bool is_pmd_measurement_stopped(std::span<const std::uint8_t> bytes) noexcept {
  return bytes.size() >= 2 && bytes[0] == 0x01U;
}

pmd_features decode_pmd_features(std::span<const std::uint8_t> bytes) noexcept {
  pmd_features f;
  if (bytes.empty()) return f;
  if (bytes[0] != 0x0FU) {
    f.status = pmd_status::not_a_response;
    return f;
  }
  if (bytes.size() < 2) {
    f.status = pmd_status::truncated;
    return f;
  }
  const std::uint8_t b = bytes[1];
  f.ecg = (b & 0x01U) != 0;
  f.ppg = (b & 0x02U) != 0;
  f.acc = (b & 0x04U) != 0;
  f.ppi = (b & 0x08U) != 0;
  f.status = pmd_status::ok;
  return f;
}

pmd_setting_values decode_pmd_setting(std::span<const std::uint8_t> parameters,
                                      std::uint8_t setting_type) noexcept {
  // Size in bytes of each value, by setting type: 0 rate, 1 resolution, 2 range (u16),
  // 3 range in milliunits (u32), 4 channels (u8), 5 factor (f32).
  static constexpr std::size_t value_size[] = {2, 2, 2, 4, 1, 4};
  pmd_setting_values out;
  out.status = pmd_status::ok;
  std::size_t at = 0;
  while (at < parameters.size()) {
    const std::uint8_t type = parameters[at];
    if (type >= std::size(value_size) || at + 2 > parameters.size()) {
      out.status = pmd_status::bad_length;
      return out;
    }
    const std::size_t count = parameters[at + 1];
    const std::size_t size = value_size[type];
    at += 2;
    if (at + count * size > parameters.size()) {
      out.status = pmd_status::bad_length;
      return out;
    }
    for (std::size_t k = 0; k < count; ++k, at += size) {
      if (type != setting_type || size != 2 || out.count == out.values.size()) continue;
      out.values[out.count++] =
          static_cast<std::uint16_t>(parameters[at] | (parameters[at + 1] << 8U));
    }
  }
  return out;
}

pmd_ecg_frame decode_pmd_ecg_frame(std::span<const std::uint8_t> bytes) noexcept {
  pmd_ecg_frame f;
  if (bytes.empty()) return f;
  if (bytes.size() < pmd_ecg_frame::header_size) {
    f.status = pmd_status::truncated;
    return f;
  }
  f.measurement = bytes[0];
  for (std::size_t k = 0; k < 8; ++k)
    f.timestamp_ns |= static_cast<std::uint64_t>(bytes[1 + k]) << (8U * k);
  f.frame_type = bytes[9];
  if (f.measurement != static_cast<std::uint8_t>(pmd_measurement::ecg)) {
    f.status = pmd_status::wrong_measurement;
    return f;
  }
  if (f.frame_type != 0) {
    f.status = pmd_status::unsupported_frame;
    return f;
  }
  const auto data = bytes.subspan(pmd_ecg_frame::header_size);
  if (data.empty() || data.size() % 3 != 0) {
    f.status = pmd_status::bad_length;
    return f;
  }
  if (data.size() / 3 > pmd_ecg_frame::max_samples) {
    f.status = pmd_status::too_long;
    return f;
  }
  f.sample_count = data.size() / 3;
  for (std::size_t i = 0; i < f.sample_count; ++i) {
    const std::uint32_t raw = static_cast<std::uint32_t>(data[3 * i]) |
                              (static_cast<std::uint32_t>(data[3 * i + 1]) << 8U) |
                              (static_cast<std::uint32_t>(data[3 * i + 2]) << 16U);
    // Sign-extend 24 -> 32 bits.
    f.samples_uv[i] = (raw & 0x800000U) != 0 ? static_cast<std::int32_t>(raw | 0xFF000000U)
                                             : static_cast<std::int32_t>(raw);
  }
  f.status = pmd_status::ok;
  return f;
}

}  // namespace resonant::drivers
