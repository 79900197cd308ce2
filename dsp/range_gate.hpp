#pragma once

#include <cstddef>

#include "rr_series.hpp"

namespace resonant::dsp {

// Physiological range gate: intervals outside [min_rr_ms, max_rr_ms] cannot be a heart beat
// of a living adult (240 and 24 bpm by default) and are not corrected but removed; the next
// kept interval is marked as following a gap. A measured time axis is kept; where the axis was
// built from the values themselves (its step equals the removed value), the removed value's
// fake time is taken out of every later beat time.
struct range_gate_config {
  double min_rr_ms = 250.0;
  double max_rr_ms = 2500.0;
};

struct range_gate_result {
  rr_series kept;
  std::size_t removed = 0;
};

range_gate_result apply_range_gate(const rr_series& rr, const range_gate_config& cfg);

}  // namespace resonant::dsp
