#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "drivers/ble_hrm.hpp"

namespace {

using namespace resonant::drivers;
using bytes = std::vector<std::uint8_t>;

struct hrm_case {
  const char* name;
  bytes packet;
  hrm_status status;
  std::uint16_t hr_bpm;
  sensor_contact contact;
  bool has_energy;
  std::uint16_t energy_kj;
  std::vector<std::uint16_t> rr_raw;
};

// Every flag combination that matters: HR width, the three contact states, energy, RR (none,
// one, several), reserved bits, and the malformed shapes.
const std::vector<hrm_case>& cases() {
  static const std::vector<hrm_case> c{
      {"u8_contact_one_rr",
       {0x16, 0x3C, 0x00, 0x04},
       hrm_status::ok,
       60,
       sensor_contact::detected,
       false,
       0,
       {1024}},
      {"u16_no_contact_bits_two_rr",
       {0x11, 0x48, 0x00, 0x56, 0x03, 0x48, 0x03},
       hrm_status::ok,
       72,
       sensor_contact::not_supported,
       false,
       0,
       {854, 840}},
      {"hr_only", {0x00, 0x50}, hrm_status::ok, 80, sensor_contact::not_supported, false, 0, {}},
      {"contact_bit1_only_means_not_supported",
       {0x02, 0x50},
       hrm_status::ok,
       80,
       sensor_contact::not_supported,
       false,
       0,
       {}},
      {"contact_supported_but_lost",
       {0x04, 0x00},
       hrm_status::ok,
       0,
       sensor_contact::lost,
       false,
       0,
       {}},
      {"energy_and_rr",
       {0x1E, 0x41, 0x34, 0x12, 0xE8, 0x03},
       hrm_status::ok,
       65,
       sensor_contact::detected,
       true,
       0x1234,
       {1000}},
      {"u16_energy_three_rr",
       {0x19, 0x2C, 0x01, 0x10, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04},
       hrm_status::ok,
       300,
       sensor_contact::not_supported,
       true,
       16,
       {512, 768, 1024}},
      {"reserved_bits_ignored",
       {0xF6, 0x3C, 0x00, 0x04},
       hrm_status::ok,
       60,
       sensor_contact::detected,
       false,
       0,
       {1024}},
      {"garmin_bogus_trailing_rr_decodes",
       {0x10, 0x38, 0x2D, 0x04, 0x35, 0x00},
       hrm_status::ok,
       56,
       sensor_contact::not_supported,
       false,
       0,
       {1069, 53}},
      {"no_rr_flag_trailing_bytes_ignored",
       {0x06, 0x3C, 0xAA},
       hrm_status::ok,
       60,
       sensor_contact::detected,
       false,
       0,
       {}},
      {"empty", {}, hrm_status::empty, 0, sensor_contact::not_supported, false, 0, {}},
      {"flags_only", {0x16}, hrm_status::truncated, 0, sensor_contact::detected, false, 0, {}},
      {"u16_hr_cut",
       {0x01, 0x48},
       hrm_status::truncated,
       0,
       sensor_contact::not_supported,
       false,
       0,
       {}},
      {"energy_cut",
       {0x08, 0x48, 0x01},
       hrm_status::truncated,
       72,
       sensor_contact::not_supported,
       true,
       0,
       {}},
      {"rr_flag_without_rr",
       {0x10, 0x48},
       hrm_status::bad_rr_length,
       72,
       sensor_contact::not_supported,
       false,
       0,
       {}},
      {"odd_rr_bytes",
       {0x10, 0x48, 0x00, 0x04, 0x01},
       hrm_status::bad_rr_length,
       72,
       sensor_contact::not_supported,
       false,
       0,
       {}},
  };
  return c;
}

TEST(ble_hrm, decodes_the_table) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const hrm_measurement m = decode_heart_rate_measurement(c.packet);
    EXPECT_EQ(m.status, c.status);
    EXPECT_EQ(m.contact, c.contact);
    EXPECT_EQ(m.has_energy, c.has_energy);
    if (m.status == hrm_status::ok || m.status == hrm_status::bad_rr_length) {
      EXPECT_EQ(m.heart_rate_bpm, c.hr_bpm);
    }
    if (m.status != hrm_status::ok) {
      EXPECT_EQ(m.rr_count, 0U);
      continue;
    }
    EXPECT_EQ(m.energy_kj, c.energy_kj);
    ASSERT_EQ(m.rr_count, c.rr_raw.size());
    for (std::size_t i = 0; i < m.rr_count; ++i) EXPECT_EQ(m.rr_raw[i], c.rr_raw[i]);
  }
}

TEST(ble_hrm, converts_rr_from_1024ths_of_a_second_and_range_checks) {
  const auto m = decode_heart_rate_measurement(bytes{0x11, 0x48, 0x00, 0x56, 0x03, 0x48, 0x03});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m.rr_ms(0), 834.0, 0.05);  // notes (1 decimal): 834.0 / 820.3 ms
  EXPECT_NEAR(m.rr_ms(1), 820.3, 0.05);
  EXPECT_DOUBLE_EQ(m.rr_ms(0), 854.0 * 1000.0 / 1024.0);
  EXPECT_TRUE(m.rr_in_range(0));
  // HRM-Dual's bogus trailing value: 53/1024 s = 51.8 ms is out of range, 1069 is not.
  const auto g = decode_heart_rate_measurement(bytes{0x10, 0x38, 0x2D, 0x04, 0x35, 0x00});
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g.rr_in_range(0));
  EXPECT_FALSE(g.rr_in_range(1));
  // Limits: 200 ms and 3000 ms are in, just outside is out.
  const auto lim = decode_heart_rate_measurement(
      bytes{0x10, 0x48, 0xCD, 0x00, 0xCC, 0x00, 0x00, 0x0C, 0x01, 0x0C});  // 205, 204, 3072, 3073
  ASSERT_EQ(lim.rr_count, 4U);
  EXPECT_TRUE(lim.rr_in_range(0));   // 200.2 ms
  EXPECT_FALSE(lim.rr_in_range(1));  // 199.2 ms
  EXPECT_TRUE(lim.rr_in_range(2));   // exactly 3000 ms
  EXPECT_FALSE(lim.rr_in_range(3));  // 3001 ms
}

TEST(ble_hrm, every_truncation_is_malformed_or_a_shorter_valid_packet) {
  for (const auto& c : cases()) {
    if (c.status != hrm_status::ok) continue;
    const hrm_measurement full = decode_heart_rate_measurement(c.packet);
    for (std::size_t len = 0; len < c.packet.size(); ++len) {
      SCOPED_TRACE(std::string(c.name) + " cut at " + std::to_string(len));
      const std::span<const std::uint8_t> cut(c.packet.data(), len);
      const hrm_measurement m = decode_heart_rate_measurement(cut);
      if (!m.ok()) continue;  // malformed: counted by the caller
      // A cut at an RR boundary (or in ignored trailing bytes) keeps a prefix of the values.
      EXPECT_EQ(m.heart_rate_bpm, full.heart_rate_bpm);
      EXPECT_LE(m.rr_count, full.rr_count);
      for (std::size_t i = 0; i < m.rr_count; ++i) EXPECT_EQ(m.rr_raw[i], full.rr_raw[i]);
      const bool rr_flag = (c.packet[0] & 0x10) != 0;
      if (rr_flag) {
        EXPECT_GE(m.rr_count, 1U);
        EXPECT_EQ(len, c.packet.size() - 2 * (full.rr_count - m.rr_count));
      }
    }
  }
}

TEST(ble_hrm, longest_att_value_decodes_and_longer_is_rejected) {
  bytes p{0x10, 0x48};
  for (std::size_t i = 0; i < hrm_measurement::max_rr; ++i) {
    p.push_back(0x00);
    p.push_back(0x04);
  }
  const auto m = decode_heart_rate_measurement(p);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.rr_count, hrm_measurement::max_rr);
  p.push_back(0x00);
  p.push_back(0x04);
  EXPECT_EQ(decode_heart_rate_measurement(p).status, hrm_status::too_long);
}

TEST(ble_hrm, body_sensor_location_and_battery) {
  EXPECT_EQ(decode_body_sensor_location(bytes{}).status, hrm_status::empty);
  const body_location expected[] = {
      body_location::other, body_location::chest,    body_location::wrist, body_location::finger,
      body_location::hand,  body_location::ear_lobe, body_location::foot,  body_location::reserved};
  for (std::uint8_t v = 0; v < 8; ++v) {
    const auto r = decode_body_sensor_location(bytes{v});
    EXPECT_EQ(r.status, hrm_status::ok);
    EXPECT_EQ(r.location, expected[v]);
  }
  EXPECT_EQ(decode_body_sensor_location(bytes{200}).location, body_location::reserved);
  EXPECT_EQ(to_string(body_location::chest), "chest");

  EXPECT_EQ(decode_battery_level(bytes{}).status, hrm_status::empty);
  EXPECT_EQ(decode_battery_level(bytes{87}).percent, 87);
  EXPECT_EQ(decode_battery_level(bytes{100}).status, hrm_status::ok);
  EXPECT_EQ(decode_battery_level(bytes{101}).status, hrm_status::out_of_range);
}

}  // namespace
