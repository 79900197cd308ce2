#include "dsp/series_shape.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

namespace resonant::dsp {
namespace {

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// RMS of successive differences over the standard deviation of values[first, last); 0 when the
// stretch is constant.
double roughness_of(std::span<const double> v) {
  const std::size_t n = v.size();
  if (n < 3) return 0.0;
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(n);
  double var = 0.0;
  double diff2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    var += (v[i] - mean) * (v[i] - mean);
    if (i > 0) diff2 += (v[i] - v[i - 1]) * (v[i] - v[i - 1]);
  }
  if (!(var > 0.0)) return 0.0;
  return std::sqrt(diff2 / static_cast<double>(n - 1)) / std::sqrt(var / static_cast<double>(n));
}

constexpr std::size_t window_values = 256;

}  // namespace

series_shape describe_series(std::span<const double> values) {
  series_shape s;
  s.n = values.size();
  if (s.n == 0) return s;
  std::vector<double> scratch(values.begin(), values.end());
  s.median = median_of(scratch);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  std::size_t up = 0;
  std::size_t in_ms = 0;
  std::size_t in_s = 0;
  bool integers = true;
  scratch.clear();
  for (std::size_t i = 0; i < s.n; ++i) {
    const double v = values[i];
    if (v >= 200.0 && v <= 3000.0) ++in_ms;
    if (v >= 0.2 && v <= 3.0) ++in_s;
    integers = integers && v == std::floor(v) && std::abs(v) < 9e15;
    if (i > 0) {
      if (v > values[i - 1]) ++up;
      scratch.push_back(v - values[i - 1]);
    }
  }
  s.integers = integers;
  const auto count = static_cast<double>(s.n);
  s.rr_range_ms_fraction = static_cast<double>(in_ms) / count;
  s.rr_range_s_fraction = static_cast<double>(in_s) / count;
  if (s.n > 1) {
    s.increasing_fraction = static_cast<double>(up) / (count - 1.0);
    s.median_step = median_of(scratch);
  }
  s.roughness = roughness_of(values);
  if (s.n < 2 * window_values) {
    s.windowed_roughness = s.roughness;
  } else {
    std::vector<double> per_window;
    for (std::size_t first = 0; first + window_values <= s.n; first += window_values) {
      per_window.push_back(roughness_of(values.subspan(first, window_values)));
    }
    s.windowed_roughness = median_of(per_window);
  }
  return s;
}

shape_decision classify_series(const series_shape& s) {
  shape_decision d;
  const auto fixed = [](double x) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return std::string(buf);
  };
  const std::string range = "values " + fixed(s.min) + " to " + fixed(s.max);
  if (s.n < 3) {
    d.reason = "only " + std::to_string(s.n) + (s.n == 1 ? " value" : " values");
    return d;
  }
  // Beat times and peak indices: increasing on (almost) every step.
  if (s.n >= 10 && s.increasing_fraction >= 0.99) {
    const double step = s.median_step;
    const std::string seen = "values increase on " + fixed(100.0 * s.increasing_fraction) +
                             " % of steps (median step " + fixed(step) + ")";
    if (step >= 0.25 && step <= 2.5) {
      d.kind = input_kind::beat_times;
      d.reason = seen + ": beat times in s";
    } else if (step >= 250.0 && step <= 2500.0) {
      d.kind = input_kind::beat_times;
      d.milliseconds = true;
      d.reason = seen + ": beat times in ms";
    } else if (s.integers) {
      d.kind = input_kind::peaks;
      d.reason = seen + ": sample indices of beats";
    } else {
      d.reason = seen + ", too far apart or too close for beat times";
    }
    return d;
  }
  const double rough = s.roughness;
  const double rough_w = s.windowed_roughness;
  const std::string roughness = "RMS successive difference / SD " + fixed(rough) +
                                " (windows of 256: " + fixed(rough_w) + ")";
  const bool in_ms = s.rr_range_ms_fraction >= 0.9;
  const bool in_s = s.rr_range_s_fraction >= 0.9;
  const bool smooth = rough_w < 0.22 || rough < 0.15;
  const bool rough_enough = rough_w >= 0.3 && rough >= 0.2;
  if ((in_ms || in_s) && rough_enough) {
    d.kind = input_kind::rr;
    d.milliseconds = in_ms;
    d.reason = range + " within 0.2-3 s" + (in_ms ? " as ms" : " as s") +
               ", irregular from beat to beat (" + roughness + "): RR intervals";
    return d;
  }
  if (smooth || !(in_ms || in_s)) {
    d.kind = input_kind::ecg;
    d.reason = range +
               (smooth ? ", smooth from sample to sample (" + roughness + ")"
                       : ", not within the 0.2-3 s of beat intervals") +
               ": a waveform";
    return d;
  }
  d.reason = range +
             " within the range of beat intervals but neither clearly irregular nor "
             "smooth (" +
             roughness + ")";
  return d;
}

std::optional<input_kind> waveform_kind_by_shape(std::span<const double> samples, double fs_hz,
                                                 double& bandwidth_hz) {
  bandwidth_hz = 0.0;
  if (!(fs_hz > 0.0) || !std::isfinite(fs_hz)) return std::nullopt;
  const auto window = static_cast<std::size_t>(std::max(8.0, std::round(2.0 * fs_hz)));
  if (static_cast<double>(samples.size()) < 4.0 * fs_hz || samples.size() < 2 * window) {
    return std::nullopt;
  }
  std::vector<double> per_window;
  for (std::size_t first = 0; first + window <= samples.size(); first += window) {
    const double r = roughness_of(samples.subspan(first, window));
    if (r > 0.0) per_window.push_back(r);
  }
  if (per_window.empty()) return std::nullopt;
  bandwidth_hz = fs_hz * median_of(per_window) / (2.0 * std::numbers::pi);
  if (bandwidth_hz >= 4.5) return input_kind::ecg;
  if (bandwidth_hz <= 3.6) return input_kind::ppg;
  return std::nullopt;
}

}  // namespace resonant::dsp
