#include "range_gate.hpp"

namespace resonant::dsp {

range_gate_result apply_range_gate(const rr_series& rr, const range_gate_config& cfg) {
  range_gate_result out;
  out.kept.rr_ms.reserve(rr.size());
  out.kept.end_s.reserve(rr.size());
  out.kept.after_gap.reserve(rr.size());
  bool pending_gap = false;
  for (std::size_t i = 0; i < rr.size(); ++i) {
    const double v = rr.rr_ms[i];
    if (!(v >= cfg.min_rr_ms && v <= cfg.max_rr_ms)) {  // also rejects NaN
      ++out.removed;
      pending_gap = !out.kept.empty();
      continue;
    }
    out.kept.push_back(v, rr.end_s[i], pending_gap || rr.after_gap[i] != 0);
    pending_gap = false;
  }
  return out;
}

}  // namespace resonant::dsp
