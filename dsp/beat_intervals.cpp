#include "beat_intervals.hpp"

#include <stdexcept>

namespace resonant::dsp {

rr_series intervals_from_beats(std::span<const beat_event> beats, double fs_hz) {
  if (!(fs_hz > 0.0)) throw std::invalid_argument("intervals_from_beats: fs must be positive");
  rr_series out;
  const auto lost = [](const beat_event& b) {
    return b.flag == signal_flag::flat || b.flag == signal_flag::clipped;
  };
  bool gap = false;
  bool have_origin = false;
  double origin = 0.0;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    const beat_event& a = beats[i - 1];
    const beat_event& b = beats[i];
    if (lost(a) || lost(b)) {
      gap = !out.empty();
      continue;
    }
    const double ta = a.time_s(fs_hz);
    const double tb = b.time_s(fs_hz);
    if (!have_origin) {
      origin = ta;
      have_origin = true;
    }
    out.push_back((tb - ta) * 1000.0, tb - origin, gap);
    gap = false;
  }
  return out;
}

}  // namespace resonant::dsp
