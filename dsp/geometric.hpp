#pragma once

#include <optional>
#include <span>

namespace resonant::dsp {

// Geometric HRV measures from the RR histogram (Task Force 1996), bins of bin_ms aligned to
// multiples of bin_ms (1/128 s = 7.8125 ms is the standard):
//   hti     = number of intervals / height of the highest bin;
//   tinn_ms = M - N of the triangle q (zero outside [N, M], apex at the histogram mode, N and M
//             on bin edges) that minimises the squared difference to the histogram.
struct geometric_result {
  double hti;
  double tinn_ms;
  // The fitted triangle (for plots): zero at n_ms and m_ms, apex of height mode_count at
  // mode_ms (the centre of the mode bin).
  double n_ms;
  double m_ms;
  double mode_ms;
  double mode_count;
};

// nullopt for an empty series.
std::optional<geometric_result> geometric(std::span<const double> rr_ms, double bin_ms);

}  // namespace resonant::dsp
