#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "drivers/polar_pmd.hpp"

namespace {

using namespace resonant::drivers;
using bytes = std::vector<std::uint8_t>;

// An ECG frame: type 0, timestamp, frame type 0, samples as 3-byte signed LE.
bytes ecg_frame(std::uint64_t ts_ns, const std::vector<std::int32_t>& uv, std::uint8_t type = 0,
                std::uint8_t frame_type = 0) {
  bytes b{type};
  for (int k = 0; k < 8; ++k) b.push_back(static_cast<std::uint8_t>(ts_ns >> (8 * k)));
  b.push_back(frame_type);
  for (const auto v : uv) {
    const auto u = static_cast<std::uint32_t>(v);
    b.push_back(static_cast<std::uint8_t>(u));
    b.push_back(static_cast<std::uint8_t>(u >> 8));
    b.push_back(static_cast<std::uint8_t>(u >> 16));
  }
  return b;
}

TEST(polar_pmd, builds_the_documented_requests) {
  EXPECT_EQ(pmd_start_ecg_request(),
            (bytes{0x02, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00}));
  EXPECT_EQ(pmd_stop_request(pmd_measurement::ecg), (bytes{0x03, 0x00}));
  EXPECT_EQ(pmd_get_settings_request(pmd_measurement::ecg), (bytes{0x01, 0x00}));
  EXPECT_EQ(pmd_get_settings_request(pmd_measurement::acc), (bytes{0x01, 0x02}));
}

struct response_case {
  const char* name;
  bytes value;
  pmd_status status;
  std::uint8_t op;
  std::uint8_t error;
  bool succeeded;
};

TEST(polar_pmd, parses_control_point_responses) {
  const std::vector<response_case> cases{
      {"start_ok", {0xF0, 0x02, 0x00, 0x00, 0x00, 0x00}, pmd_status::ok, 2, 0, true},
      {"stop_ok_short", {0xF0, 0x03, 0x00, 0x00}, pmd_status::ok, 3, 0, true},
      {"already_in_state", {0xF0, 0x02, 0x00, 0x06, 0x00}, pmd_status::ok, 2, 6, true},
      {"invalid_mtu", {0xF0, 0x02, 0x00, 0x0A, 0x00}, pmd_status::ok, 2, 10, false},
      {"not_supported", {0xF0, 0x02, 0x03, 0x03, 0x00}, pmd_status::ok, 2, 3, false},
      {"unknown_code_kept", {0xF0, 0x02, 0x00, 0x63, 0x00}, pmd_status::ok, 2, 99, false},
      {"feature_read_is_not_a_response",
       {0x0F, 0x05, 0x00},
       pmd_status::not_a_response,
       0,
       0,
       false},
      {"truncated", {0xF0, 0x02, 0x00}, pmd_status::truncated, 0, 0, false},
      {"empty", {}, pmd_status::empty, 0, 0, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = decode_pmd_response(c.value);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.succeeded(), c.succeeded);
    if (r.status == pmd_status::ok) {
      EXPECT_EQ(r.op, c.op);
      EXPECT_EQ(r.error, c.error);
    }
  }
  EXPECT_EQ(to_string(pmd_error::invalid_mtu), "invalid MTU");
  EXPECT_TRUE(is_pmd_measurement_stopped(bytes{0x01, 0x01}));
  EXPECT_FALSE(is_pmd_measurement_stopped(bytes{0xF0, 0x02, 0x00, 0x00}));
}

TEST(polar_pmd, parses_features_and_settings) {
  const auto f = decode_pmd_features(bytes{0x0F, 0x05, 0x00});  // H10: ECG + ACC
  EXPECT_EQ(f.status, pmd_status::ok);
  EXPECT_TRUE(f.ecg);
  EXPECT_TRUE(f.acc);
  EXPECT_FALSE(f.ppg);
  EXPECT_FALSE(f.ppi);
  EXPECT_EQ(decode_pmd_features(bytes{0x0F}).status, pmd_status::truncated);

  // H10 get-settings answer: sample rate {130}, resolution {14}.
  const bytes reply{0xF0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00};
  const auto r = decode_pmd_response(reply);
  ASSERT_TRUE(r.succeeded());
  const auto rates = decode_pmd_setting(r.parameters, 0);
  ASSERT_EQ(rates.status, pmd_status::ok);
  ASSERT_EQ(rates.count, 1U);
  EXPECT_EQ(rates.values[0], 130);
  const auto res = decode_pmd_setting(r.parameters, 1);
  ASSERT_EQ(res.count, 1U);
  EXPECT_EQ(res.values[0], 14);
  // ACC: several rates, then a u32 range-milliunit setting that is skipped by its size.
  const bytes acc{0x00, 0x04, 0x19, 0x00, 0x32, 0x00, 0x64, 0x00, 0xC8, 0x00,
                  0x03, 0x01, 0x10, 0x27, 0x00, 0x00, 0x02, 0x01, 0x08, 0x00};
  const auto acc_rates = decode_pmd_setting(acc, 0);
  ASSERT_EQ(acc_rates.count, 4U);
  EXPECT_EQ(acc_rates.values[3], 200);
  EXPECT_EQ(decode_pmd_setting(acc, 2).values[0], 8);
  for (std::size_t len = 1; len < reply.size() - 5; ++len) {
    const std::span<const std::uint8_t> cut(r.parameters.data(), len);
    if (len == 4) continue;  // a whole setting: valid
    EXPECT_EQ(decode_pmd_setting(cut, 0).status, pmd_status::bad_length) << len;
  }
  EXPECT_EQ(decode_pmd_setting(bytes{0x07, 0x01, 0x00}, 0).status, pmd_status::bad_length);
}

TEST(polar_pmd, decodes_ecg_frames_with_signed_24_bit_samples) {
  const std::uint64_t ts = 599'634'123'456'789'000ULL;  // about 2019-01-01 in PMD time
  const std::vector<std::int32_t> uv{-1, 0, 1, 8'388'607, -8'388'608, -350, 1200};
  const auto f = decode_pmd_ecg_frame(ecg_frame(ts, uv));
  ASSERT_EQ(f.status, pmd_status::ok);
  EXPECT_EQ(f.timestamp_ns, ts);
  ASSERT_EQ(f.sample_count, uv.size());
  for (std::size_t i = 0; i < uv.size(); ++i) EXPECT_EQ(f.samples_uv[i], uv[i]) << i;
  // The timestamp belongs to the last sample; earlier ones are spread back at 1/130 s.
  EXPECT_DOUBLE_EQ(f.sample_time_ns(6), static_cast<double>(ts));
  EXPECT_NEAR(f.sample_time_ns(0), static_cast<double>(ts) - 6e9 / 130.0, 1e3);
  // Byte-level check of the encoding: FF FF FF = -1, 00 00 80 = -8388608.
  const bytes raw{0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80};
  const auto g = decode_pmd_ecg_frame(raw);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.timestamp_ns, 1U);
  EXPECT_EQ(g.samples_uv[0], -1);
  EXPECT_EQ(g.samples_uv[1], -8'388'608);
}

TEST(polar_pmd, rejects_malformed_frames_with_a_status) {
  EXPECT_EQ(decode_pmd_ecg_frame(bytes{}).status, pmd_status::empty);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, {1, 2}, 2, 1)).status, pmd_status::wrong_measurement);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, {1, 2}, 0, 1)).status, pmd_status::unsupported_frame);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, {1, 2}, 0, 0x80)).status,
            pmd_status::unsupported_frame);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, {})).status, pmd_status::bad_length);
  const std::vector<std::int32_t> many(pmd_ecg_frame::max_samples, 7);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, many)).status, pmd_status::ok);
  std::vector<std::int32_t> too_many = many;
  too_many.push_back(7);
  EXPECT_EQ(decode_pmd_ecg_frame(ecg_frame(5, too_many)).status, pmd_status::too_long);
}

TEST(polar_pmd, every_truncation_is_malformed_or_a_whole_sample_prefix) {
  const auto frame = ecg_frame(123'456'789, {100, -200, 300, -400, 500});
  for (std::size_t len = 0; len < frame.size(); ++len) {
    const std::span<const std::uint8_t> cut(frame.data(), len);
    const auto f = decode_pmd_ecg_frame(cut);
    if (len < pmd_ecg_frame::header_size) {
      EXPECT_EQ(f.status, len == 0 ? pmd_status::empty : pmd_status::truncated) << len;
    } else if ((len - pmd_ecg_frame::header_size) % 3 != 0 || len == pmd_ecg_frame::header_size) {
      EXPECT_EQ(f.status, pmd_status::bad_length) << len;
    } else {
      ASSERT_TRUE(f.ok()) << len;
      EXPECT_EQ(f.sample_count, (len - pmd_ecg_frame::header_size) / 3);
      EXPECT_EQ(f.samples_uv[0], 100);
    }
  }
  const bytes start_ok{0xF0, 0x02, 0x00, 0x00, 0x00, 0x00};
  for (std::size_t len = 0; len < 4; ++len) {
    EXPECT_NE(decode_pmd_response(std::span<const std::uint8_t>(start_ok.data(), len)).status,
              pmd_status::ok);
  }
}

}  // namespace
