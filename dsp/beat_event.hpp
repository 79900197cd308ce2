#pragma once

#include <cstdint>

namespace resonant::dsp {

// Signal condition around a detected beat (or a stretch without beats).
enum class signal_flag : std::uint8_t {
  ok,
  clipped,  // the beat's waveform touches the converter's rails (flat top)
  flat,     // no variation: lead off, sensor not on the skin
  noisy,    // detected, but the waveform does not resemble the running template
};

// One detected beat. `sample` is the index (0-based, in the stream's own rate) of the sample
// nearest the fiducial point (ECG: R peak; PPG: systolic peak) and `offset` in [-0.5, 0.5] the
// sub-sample refinement (parabolic interpolation), so the beat time is (sample + offset) / fs.
// quality in [0, 1]: correlation of the beat with the running template of recent beats.
struct beat_event {
  std::int64_t sample = 0;
  double offset = 0.0;
  double quality = 0.0;
  signal_flag flag = signal_flag::ok;

  [[nodiscard]] double time_s(double fs_hz) const noexcept {
    return (static_cast<double>(sample) + offset) / fs_hz;
  }
};

}  // namespace resonant::dsp
