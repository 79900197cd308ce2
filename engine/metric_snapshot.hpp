#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "dsp/rr_event.hpp"

namespace resonant::engine {

inline constexpr double no_value = std::numeric_limits<double>::quiet_NaN();

// The engine's live view of the heart rhythm at one moment of stream time. Emitted once per
// RR event (after the artefact stage's look-ahead) and, while no beats arrive, once per second
// of stream time so that coverage visibly drops during a dropout. A metric that its window
// cannot support yet (too little data, too much missing) is NaN: "unknown", never zero.
//
// Windows and update rules are documented on the analyzers that compute them
// (dsp/rolling_time_domain.hpp, dsp/sliding_spectrum.hpp, dsp/rsa_analyzer.hpp).
struct metric_snapshot {
  double time_s = 0.0;     // stream time of the snapshot (the beat's time for beat snapshots)
  std::int64_t beats = 0;  // RR events seen so far
  bool beat = false;       // true when emitted for a new RR event, false for a time tick

  double rr_ms = no_value;  // the latest interval (after artefact handling)
  bool after_gap = false;   // that interval does not directly follow the previous one
  dsp::rr_status rr_status = dsp::rr_status::accepted;  // what the artefact stage did to it
  double hr_bpm = no_value;                             // 60000 / mean RR over the last 5 intervals

  double rmssd_30s_ms = no_value;
  double rmssd_60s_ms = no_value;
  double sdnn_60s_ms = no_value;
  double pnn50_60s_pct = no_value;

  double lf_ms2 = no_value;  // sliding spectral window, recomputed on a hop
  double hf_ms2 = no_value;
  double lf_hf = no_value;

  double coherence = no_value;          // HeartMath-style peak ratio, 64 s window, every 5 s
  double coherence_peak_hz = no_value;  // frequency of the 0.04-0.26 Hz peak

  double rsa_bpm = no_value;             // peak-to-trough HR swing of the last breath cycle(s)
  double breathing_rate_bpm = no_value;  // breaths per minute estimated from the heart rhythm

  double corrected_pct = no_value;  // share of the 60 s window's time that was corrected
  double missing_pct = no_value;    // share of the 60 s window's time with no valid RR
};

}  // namespace resonant::engine
