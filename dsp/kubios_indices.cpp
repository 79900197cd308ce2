#include "kubios_indices.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace resonant::dsp {

std::optional<double> kubios_stress_index(std::span<const double> rr_ms, double bin_ms) {
  if (rr_ms.size() < 2 || !(bin_ms > 0.0)) return std::nullopt;
  const auto [lo, hi] = std::minmax_element(rr_ms.begin(), rr_ms.end());
  const double range_s = (*hi - *lo) / 1000.0;
  if (!(range_s > 0.0)) return std::nullopt;
  std::map<long long, std::size_t> bins;
  for (double v : rr_ms) ++bins[static_cast<long long>(std::floor(v / bin_ms))];
  long long mode = bins.begin()->first;
  std::size_t most = 0;
  for (const auto& [k, c] : bins) {
    if (c > most) {
      most = c;
      mode = k;
    }
  }
  const double mo_s = (static_cast<double>(mode) + 0.5) * bin_ms / 1000.0;
  const double amo_pct = 100.0 * static_cast<double>(most) / static_cast<double>(rr_ms.size());
  return std::sqrt(amo_pct / (2.0 * mo_s * range_s));
}

namespace {
double z(double v, population_norm n) {
  return (v - n.mean) / n.sd;
}
}  // namespace

double kubios_pns_index(const kubios_index_inputs& in, const kubios_index_config& cfg) {
  const double sd1_pct = 100.0 * in.sd1_ms / in.mean_rr_ms;
  return (z(in.mean_rr_ms, cfg.mean_rr_ms) + z(in.rmssd_ms, cfg.rmssd_ms) +
          z(sd1_pct, cfg.sd1_pct)) /
         3.0;
}

double kubios_sns_index(const kubios_index_inputs& in, const kubios_index_config& cfg) {
  const double sd2_pct = 100.0 * in.sd2_ms / in.mean_rr_ms;
  return (z(in.mean_hr_bpm, cfg.mean_hr_bpm) + z(in.stress_index, cfg.stress_index) +
          z(sd2_pct, cfg.sd2_pct)) /
         3.0;
}

}  // namespace resonant::dsp
