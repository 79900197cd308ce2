#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace resonant::dsp {

// Time stamps to a uniform grid, for waveforms that arrive with their own clock (camera frames,
// phone sensor logs, time-stamped CSV). The readers in drivers/ decide where the gaps are; these
// functions only do the arithmetic on one stretch.

// The median of the finite steps t[i] - t[i-1] (steps touching a NaN or inf are skipped);
// 0 when there is none. O(n) (nth_element on a copy of the steps).
[[nodiscard]] double median_step(std::span<const double> t);

// Samples of a uniform grid at fs_hz from t.front() to at or before t.back():
// floor((t.back() - t.front()) * fs_hz + 1e-9) + 1 (the 1e-9 keeps a grid point that lands on
// the last time stamp despite rounding). t must be non-empty and fs_hz > 0.
[[nodiscard]] std::size_t uniform_grid_size(std::span<const double> t, double fs_hz);

// Appends the values v(t) on that grid to out, by linear interpolation between the neighbouring
// time stamps (t strictly increasing, same length as v, non-empty); beyond the last stamp the
// last value is held. Appends exactly uniform_grid_size(t, fs_hz) values; allocates only when
// out has no room.
void resample_linear(std::span<const double> t, std::span<const double> v, double fs_hz,
                     std::vector<double>& out);

}  // namespace resonant::dsp
