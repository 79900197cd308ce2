#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "drivers/ble_stream.hpp"

namespace {

using namespace resonant::drivers;
using bytes = std::vector<std::uint8_t>;

struct collected {
  std::vector<rr_reading> rr;
  std::vector<source_status> status;
  std::vector<std::int64_t> first;
  std::vector<std::size_t> sizes;
  source_handlers handlers{[this](const rr_reading& r) { rr.push_back(r); },
                           [this](const sample_block& b) {
                             first.push_back(b.first_sample);
                             sizes.push_back(b.samples.size());
                           },
                           [this](const source_status& s) { status.push_back(s); }};
};

bytes hrm(std::uint8_t flags, std::vector<std::uint16_t> rr_raw) {
  bytes b{flags, 60};
  for (auto v : rr_raw) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  return b;
}

TEST(ble_stream, rr_time_is_the_running_sum_anchored_at_the_first_arrival) {
  collected c;
  ble_stream s(c.handlers);
  s.begin_connection();
  s.on_heart_rate(hrm(0x16, {1024, 512}), 10.0);  // 1.0 s + 0.5 s, the last ends at 10.0
  s.on_heart_rate(hrm(0x16, {1024}), 10.9);       // arrival jitter does not matter
  s.on_heart_rate(hrm(0x06, {}), 11.0);           // no RR in this one
  ASSERT_EQ(c.rr.size(), 3U);
  EXPECT_DOUBLE_EQ(c.rr[0].end_s, 9.5);
  EXPECT_DOUBLE_EQ(c.rr[1].end_s, 10.0);
  EXPECT_DOUBLE_EQ(c.rr[2].end_s, 11.0);
  EXPECT_DOUBLE_EQ(c.rr[1].rr_ms, 500.0);
  for (const auto& r : c.rr) EXPECT_FALSE(r.after_gap);
}

TEST(ble_stream, reconnection_starts_a_new_run_after_a_gap) {
  collected c;
  ble_stream s(c.handlers);
  s.begin_connection();
  s.on_heart_rate(hrm(0x16, {1024}), 5.0);
  s.begin_connection();
  s.on_heart_rate(hrm(0x16, {1024, 1024}), 20.0);
  ASSERT_EQ(c.rr.size(), 3U);
  EXPECT_DOUBLE_EQ(c.rr[0].end_s, 5.0);
  EXPECT_TRUE(c.rr[1].after_gap);
  EXPECT_DOUBLE_EQ(c.rr[1].end_s, 19.0);
  EXPECT_FALSE(c.rr[2].after_gap);
  EXPECT_DOUBLE_EQ(c.rr[2].end_s, 20.0);
  EXPECT_EQ(s.stats().connections, 2U);
}

TEST(ble_stream, a_new_run_never_starts_before_the_last_beat) {
  collected c;
  ble_stream s(c.handlers);
  s.on_heart_rate(hrm(0x16, {1024}), 5.0);
  s.begin_connection();
  s.on_heart_rate(hrm(0x16, {2048, 2048}), 6.0);  // would start at 2.0 s
  ASSERT_EQ(c.rr.size(), 3U);
  EXPECT_DOUBLE_EQ(c.rr[1].end_s, 7.0);
  EXPECT_DOUBLE_EQ(c.rr[2].end_s, 9.0);
}

TEST(ble_stream, contact_loss_drops_rr_reports_status_and_leaves_a_gap) {
  collected c;
  ble_stream s(c.handlers);
  s.on_heart_rate(hrm(0x16, {1024}), 1.0);
  s.on_heart_rate(hrm(0x14, {1024}), 2.0);  // contact supported, not detected
  s.on_heart_rate(hrm(0x04, {}), 3.0);
  EXPECT_TRUE(s.contact_lost());
  s.on_heart_rate(hrm(0x16, {1024}), 8.0);
  ASSERT_EQ(c.status.size(), 2U);
  EXPECT_EQ(c.status[0].state, source_state::contact_lost);
  EXPECT_EQ(c.status[1].state, source_state::streaming);
  ASSERT_EQ(c.rr.size(), 2U);
  EXPECT_TRUE(c.rr[1].after_gap);
  EXPECT_DOUBLE_EQ(c.rr[1].end_s, 8.0);
  EXPECT_EQ(s.stats().rr_without_contact, 1U);
}

TEST(ble_stream, implausible_rr_are_dropped_short_without_gap_long_with_gap) {
  collected c;
  ble_stream s(c.handlers);
  s.on_heart_rate(hrm(0x10, {1024, 53}), 1.0);  // HRM-Dual trailing bogus value
  s.on_heart_rate(hrm(0x10, {1024}), 2.0);
  s.on_heart_rate(hrm(0x10, {4096, 1024}), 7.0);  // a 4 s pause: time passes, gap
  ASSERT_EQ(c.rr.size(), 3U);
  EXPECT_FALSE(c.rr[1].after_gap);
  EXPECT_DOUBLE_EQ(c.rr[1].end_s, c.rr[0].end_s + 1.0);
  EXPECT_TRUE(c.rr[2].after_gap);
  EXPECT_DOUBLE_EQ(c.rr[2].end_s, c.rr[1].end_s + 5.0);
  EXPECT_EQ(s.stats().rr_out_of_range, 2U);
  EXPECT_EQ(s.stats().rr_accepted, 3U);
}

TEST(ble_stream, malformed_packets_are_counted_and_skipped) {
  collected c;
  ble_stream s(c.handlers);
  s.on_heart_rate(bytes{}, 1.0);
  s.on_heart_rate(bytes{0x10, 60, 0x00}, 1.0);
  s.on_ecg(bytes{0x00, 1, 2}, 1.0);
  EXPECT_TRUE(c.rr.empty());
  EXPECT_TRUE(c.first.empty());
  EXPECT_EQ(s.stats().hrm_malformed, 2U);
  EXPECT_EQ(s.stats().ecg_malformed, 1U);
}

bytes ecg(std::uint64_t ts, std::size_t n) {
  bytes b{0x00};
  for (int k = 0; k < 8; ++k) b.push_back(static_cast<std::uint8_t>(ts >> (8 * k)));
  b.push_back(0x00);
  for (std::size_t i = 0; i < 3 * n; ++i) b.push_back(0x01);
  return b;
}

TEST(ble_stream, ecg_indices_follow_frames_and_jump_over_lost_ones) {
  collected c;
  ble_stream s(c.handlers);
  const double ns_per_sample = 1e9 / 130.0;
  const auto at = [&](double samples) {
    return static_cast<std::uint64_t>(1e12 + samples * ns_per_sample);
  };
  s.on_ecg(ecg(at(72), 73), 1.0);                // last sample at 1.0 s: index 130 - 72 = 58
  s.on_ecg(ecg(at(72 + 74), 73), 1.6);           // clock 1 sample fast: tolerated, no gap
  s.on_ecg(ecg(at(72 + 74 + 73 * 2), 73), 2.7);  // one frame of 73 lost
  s.on_ecg(ecg(at(72), 73), 3.3);                // sensor clock reset: host time gives the step
  ASSERT_EQ(c.first.size(), 4U);
  EXPECT_EQ(c.first[0], 58);
  EXPECT_EQ(c.first[1], 58 + 73);
  EXPECT_EQ(c.first[2], 58 + 73 * 3);
  // Host step 0.6 s = 78 samples = 73 + 5, within the tolerance max(3, 73/4): no gap.
  EXPECT_EQ(c.first[3], 58 + 73 * 4);
  EXPECT_EQ(s.stats().ecg_samples_lost, 73U);
  EXPECT_EQ(s.stats().ecg_samples, 4U * 73U);
}

}  // namespace
