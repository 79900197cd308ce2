#include "rr_series.hpp"

namespace resonant::dsp {

rr_series rr_series::from_intervals(std::span<const double> rr, double first_end_offset_s) {
  rr_series out;
  out.rr_ms.assign(rr.begin(), rr.end());
  out.end_s.reserve(rr.size());
  out.after_gap.assign(rr.size(), 0);
  double t = first_end_offset_s;
  for (double v : rr) {
    t += v / 1000.0;
    out.end_s.push_back(t);
  }
  return out;
}

}  // namespace resonant::dsp
