#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "dsp/beat_event.hpp"
#include "dsp/ecg_detector.hpp"
#include "dsp/input_kind.hpp"
#include "dsp/ppg_detector.hpp"
#include "engine/hrv_monitor.hpp"

namespace resonant::engine {

// The pipeline takes RR intervals or an ECG / PPG waveform: dsp::input_kind rr, ecg or ppg (the
// one kind type of readers, engine and reports; the other kinds are file layouts that the
// readers turn into intervals before anything streams).
using dsp::input_kind;

struct pipeline_config {
  input_kind kind = input_kind::rr;
  double rate_hz = 0.0;  // samples per second of ecg / ppg input (ignored for rr)
  hrv_monitor_config monitor;
};

struct pipeline_counters {
  std::int64_t samples = 0;          // waveform samples processed
  std::int64_t missing_samples = 0;  // samples skipped by jumps of the stream index (dropouts)
  std::int64_t invalid_samples = 0;  // non-finite samples (held at the previous value)
  std::int64_t beats = 0;            // beats from the detector (waveform input)
  std::int64_t lost_beats = 0;       // beats flagged flat or clipped (no interval formed)
  std::int64_t intervals = 0;        // RR intervals handed to the monitor
};

// The streaming session: input samples or RR intervals -> beat detection (ECG or PPG
// detector, chosen by the input kind) -> intervals -> hrv_monitor (artefact handling with
// bounded look-ahead, rolling time-domain, sliding spectrum, coherence, RSA, breathing rate)
// -> metric snapshots delivered to the sink.
//
// Time is the data's: sample index / rate for waveforms, the RR end times for intervals.
// Waveform input: a stream index that jumps forward marks lost samples; the detector is
// flushed and restarted and the next interval starts after a gap (no interval spans a
// dropout). Beats flagged flat or clipped form no interval (dsp::intervals_from_beats rule).
// After each block the monitor is told how far the stream time is known to be complete
// (block end minus the detector's latency), so tick snapshots during a dropout come out at
// data-determined times: the output is the same for any block size.
//
// Latency: detector latency (ecg_detector / ppg_detector latency_samples()) plus the
// monitor's artefact look-ahead (hrv_monitor::max_latency_s()).
// Memory: fixed after construction (detectors and monitor size their buffers up front).
class session_pipeline {
 public:
  session_pipeline(const pipeline_config& cfg, hrv_monitor::sink out);

  // An RR interval (rr input). Non-finite or non-positive values are dropped by the monitor
  // and counted there.
  void push_rr(double end_s, double rr_ms, bool after_gap) noexcept;
  // Waveform samples (ecg / ppg input), first_sample = stream index of samples[0].
  // Indices that go backwards are dropped (counted as invalid).
  void push_samples(std::int64_t first_sample, std::span<const double> samples) noexcept;
  // Stream time has reached t_s (a clock line of a record, a live clock tick); no interval
  // ending at or before t_s will follow. Ignored when it would go backwards.
  void advance_to(double t_s) noexcept;
  // The input has ended at stream time end_s: flushes the detector and the monitor.
  void finish(double end_s) noexcept;

  // Latest stream time the pipeline has seen (end of the last block or interval).
  [[nodiscard]] double stream_time_s() const noexcept { return stream_time_s_; }
  [[nodiscard]] const pipeline_counters& counters() const noexcept { return counters_; }
  [[nodiscard]] const pipeline_config& config() const noexcept { return cfg_; }
  [[nodiscard]] const hrv_monitor& monitor() const noexcept { return monitor_; }
  // Worst-case delay from a beat in the input to its snapshot, in seconds.
  [[nodiscard]] double latency_s() const noexcept;

 private:
  void on_beat(const dsp::beat_event& b) noexcept;
  void restart_detector() noexcept;
  [[nodiscard]] std::int64_t detector_latency_samples() const noexcept;

  pipeline_config cfg_;
  hrv_monitor monitor_;
  std::optional<dsp::ecg_detector> ecg_;
  std::optional<dsp::ppg_detector> ppg_;
  pipeline_counters counters_;

  // Waveform bookkeeping: stream index of the detector's sample 0, and the next index due.
  std::int64_t detector_origin_ = 0;
  std::int64_t next_sample_ = 0;
  bool started_ = false;
  double last_value_ = 0.0;

  // Beat -> interval state.
  bool have_beat_ = false;
  bool last_beat_lost_ = false;
  double last_beat_s_ = 0.0;
  bool gap_pending_ = false;

  double stream_time_s_ = 0.0;
  double known_until_s_ = -1.0;
};

}  // namespace resonant::engine
