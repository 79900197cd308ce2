#include "dsp/resample.hpp"

#include <algorithm>
#include <cmath>

namespace resonant::dsp {

double median_step(std::span<const double> t) {
  std::vector<double> steps;
  steps.reserve(t.empty() ? 0 : t.size() - 1);
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (std::isfinite(t[i]) && std::isfinite(t[i - 1])) steps.push_back(t[i] - t[i - 1]);
  }
  if (steps.empty()) return 0.0;
  const auto mid = steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2);
  std::nth_element(steps.begin(), mid, steps.end());
  return *mid;
}

std::size_t uniform_grid_size(std::span<const double> t, double fs_hz) {
  const double span = t.back() - t.front();
  return static_cast<std::size_t>(std::floor(span * fs_hz + 1e-9)) + 1;
}

void resample_linear(std::span<const double> t, std::span<const double> v, double fs_hz,
                     std::vector<double>& out) {
  const std::size_t n = uniform_grid_size(t, fs_hz);
  const std::size_t last = t.size();
  std::size_t j = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double tk = t.front() + static_cast<double>(k) / fs_hz;
    while (j + 2 < last && t[j + 1] <= tk) ++j;
    if (j + 1 >= last) {
      out.push_back(v[j]);
      continue;
    }
    const double w = std::clamp((tk - t[j]) / (t[j + 1] - t[j]), 0.0, 1.0);
    out.push_back(v[j] + w * (v[j + 1] - v[j]));
  }
}

}  // namespace resonant::dsp
