#include "range_gate.hpp"

#include <algorithm>
#include <cmath>

namespace resonant::dsp {

range_gate_result apply_range_gate(const rr_series& rr, const range_gate_config& cfg) {
  range_gate_result out;
  out.kept.rr_ms.reserve(rr.size());
  out.kept.end_s.reserve(rr.size());
  out.kept.after_gap.reserve(rr.size());
  bool pending_gap = false;
  double shift_s = 0.0;  // fake time removed so far
  for (std::size_t i = 0; i < rr.size(); ++i) {
    const double v = rr.rr_ms[i];
    if (!(v >= cfg.min_rr_ms && v <= cfg.max_rr_ms)) {  // also rejects NaN
      ++out.removed;
      pending_gap = !out.kept.empty();
      // When the time axis was built from the values themselves (no time column), an
      // impossible value also put impossible time on the axis: take it out again. A measured
      // time axis (the step differs from the value) is kept as it is.
      const double step_s = i > 0 ? rr.end_s[i] - rr.end_s[i - 1] : v / 1000.0;
      if (std::isfinite(v) && std::abs(step_s * 1000.0 - v) <= 1e-6 * std::max(1.0, v)) {
        shift_s += step_s;
      }
      continue;
    }
    out.kept.push_back(v, rr.end_s[i] - shift_s, pending_gap || rr.after_gap[i] != 0);
    pending_gap = false;
  }
  return out;
}

}  // namespace resonant::dsp
