#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/polar_pmd.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

// The data path of a BLE heart-rate source: turns raw notifications (Heart Rate Measurement,
// Polar PMD ECG frames) into rr_reading, sample_block and contact status events, and counts
// what it had to drop. No D-Bus, no threads, no clock: the caller passes each notification's
// arrival time (seconds since the stream started), so the logic is tested deterministically.
//
// RR time axis (end_s): straps have no beat timestamps, so within one contiguous run end_s is
// the running sum of RR (device time). The run is anchored to host time at its first packet:
// the packet's last RR is taken to end at the packet's arrival, earlier ones are spread back
// by their own durations, and never before the previous run's last beat. A new run (with
// after_gap on its first interval) starts at the stream start, after begin_connection()
// (reconnect), after sensor contact was lost, and after an RR above max_rr_ms was dropped;
// an RR below min_rr_ms is a spurious value (e.g. the HRM-Dual's trailing 52/1024 s) and is
// dropped without a gap, the time axis continuing. RR arriving while the strap reports no
// contact are dropped and counted. Arrival jitter (~1 s, notes/biofeedback.md section 7.1)
// therefore affects only where a run starts, never the intervals within it.
//
// ECG (Polar PMD, 130 Hz): sample indices count samples from the first frame, whose last
// sample is placed at its arrival time. Each later frame's first index follows the previous
// frame unless the sensor timestamps show missing samples (more than max(3, n/4) beyond the
// frame's own n, tolerating the 1-2 % clock deviation): then the index jumps by the missing
// count (a gap) and ecg_samples_lost grows. When the sensor clock jumps backwards or by more
// than an hour (sensor restarted), host arrival times give the gap instead.
//
// Per notification: no allocation, no exceptions of its own (handlers must not throw either).
class ble_stream {
 public:
  struct counters {
    std::uint64_t hrm_packets = 0;
    std::uint64_t hrm_malformed = 0;
    std::uint64_t rr_accepted = 0;
    std::uint64_t rr_out_of_range = 0;
    std::uint64_t rr_without_contact = 0;
    std::uint64_t ecg_frames = 0;
    std::uint64_t ecg_malformed = 0;
    std::uint64_t ecg_samples = 0;
    std::uint64_t ecg_samples_lost = 0;
    std::uint64_t connections = 0;
  };

  // handlers must outlive the stream; only on_rr, on_samples and on_status are used.
  explicit ble_stream(const source_handlers& handlers) : out_(&handlers) {}

  // A new connection starts: the next RR starts a new run (after_gap) and the next ECG
  // frame is placed by its sensor timestamp (or by host time if the clock was reset).
  void begin_connection() noexcept;

  void on_heart_rate(std::span<const std::uint8_t> bytes, double arrival_s);
  void on_ecg(std::span<const std::uint8_t> bytes, double arrival_s);

  [[nodiscard]] const counters& stats() const noexcept { return stats_; }
  [[nodiscard]] bool contact_lost() const noexcept { return contact_lost_; }

 private:
  const source_handlers* out_;
  counters stats_;
  // RR
  bool started_ = false;      // any RR emitted yet
  bool new_run_ = true;       // next RR starts a run (anchor to arrival)
  bool gap_pending_ = false;  // next RR carries after_gap
  bool contact_lost_ = false;
  double last_end_s_ = 0.0;
  // ECG
  bool ecg_started_ = false;
  std::int64_t next_sample_ = 0;
  std::uint64_t last_timestamp_ns_ = 0;
  double last_arrival_s_ = 0.0;
  std::array<double, pmd_ecg_frame::max_samples> ecg_buffer_{};
};

}  // namespace resonant::drivers
