#include "drivers/ble_stream.hpp"

#include <algorithm>
#include <cmath>

#include "drivers/ble_hrm.hpp"

namespace resonant::drivers {

void ble_stream::begin_connection() noexcept {
  ++stats_.connections;
  new_run_ = true;
  if (started_) gap_pending_ = true;
}

void ble_stream::on_heart_rate(std::span<const std::uint8_t> bytes, double arrival_s) {
  ++stats_.hrm_packets;
  const hrm_measurement m = decode_heart_rate_measurement(bytes);
  if (!m.ok()) {
    ++stats_.hrm_malformed;
    return;
  }
  if (m.contact == sensor_contact::lost) {
    stats_.rr_without_contact += m.rr_count;
    if (!contact_lost_) {
      contact_lost_ = true;
      out_->on_status({source_state::contact_lost, "no skin contact: moisten the electrodes"});
    }
    new_run_ = true;
    if (started_) gap_pending_ = true;
    return;
  }
  if (contact_lost_) {
    contact_lost_ = false;
    out_->on_status({source_state::streaming, "skin contact restored"});
  }

  // First pass: drop implausible values; a too-long one breaks the run.
  double run_ms = 0.0;
  for (std::size_t i = 0; i < m.rr_count; ++i) {
    if (m.rr_in_range(i)) run_ms += m.rr_ms(i);
  }
  double t = last_end_s_;
  if (new_run_ && run_ms > 0.0) {
    t = std::max(last_end_s_, arrival_s - run_ms / 1000.0);
    new_run_ = false;
  }
  for (std::size_t i = 0; i < m.rr_count; ++i) {
    const double rr = m.rr_ms(i);
    if (!m.rr_in_range(i)) {
      ++stats_.rr_out_of_range;
      if (rr > max_rr_ms) {
        // Time did pass: keep it on the axis, but successive differences must not span it.
        t += rr / 1000.0;
        if (started_) gap_pending_ = true;
      }
      continue;
    }
    t += rr / 1000.0;
    ++stats_.rr_accepted;
    out_->on_rr({t, rr, gap_pending_});
    gap_pending_ = false;
    started_ = true;
  }
  last_end_s_ = t;
}

void ble_stream::on_ecg(std::span<const std::uint8_t> bytes, double arrival_s) {
  ++stats_.ecg_frames;
  const pmd_ecg_frame f = decode_pmd_ecg_frame(bytes);
  if (!f.ok()) {
    ++stats_.ecg_malformed;
    return;
  }
  const auto n = static_cast<std::int64_t>(f.sample_count);
  const double fs = polar_ecg_rate_hz;
  if (!ecg_started_) {
    next_sample_ = std::max<std::int64_t>(0, std::llround(arrival_s * fs) - n + 1);
    ecg_started_ = true;
  } else {
    constexpr std::uint64_t hour_ns = 3'600'000'000'000ULL;
    std::int64_t expected = 0;
    if (f.timestamp_ns > last_timestamp_ns_ && f.timestamp_ns - last_timestamp_ns_ < hour_ns) {
      expected = std::llround(static_cast<double>(f.timestamp_ns - last_timestamp_ns_) * fs / 1e9);
    } else {
      expected = std::llround(std::max(0.0, arrival_s - last_arrival_s_) * fs);
    }
    const std::int64_t missing = expected - n;
    if (missing > std::max<std::int64_t>(3, n / 4)) {
      next_sample_ += missing;
      stats_.ecg_samples_lost += static_cast<std::uint64_t>(missing);
    }
  }
  for (std::size_t i = 0; i < f.sample_count; ++i)
    ecg_buffer_[i] = static_cast<double>(f.samples_uv[i]);
  out_->on_samples({dsp::input_kind::ecg, fs, next_sample_,
                    std::span<const double>(ecg_buffer_.data(), f.sample_count)});
  next_sample_ += n;
  stats_.ecg_samples += f.sample_count;
  last_timestamp_ns_ = f.timestamp_ns;
  last_arrival_s_ = arrival_s;
}

}  // namespace resonant::drivers
