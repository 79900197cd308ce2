#include "time_domain.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace resonant::dsp {
namespace {

// Two-pass mean and standard deviation (exact enough for 10^5 values of ~10^3).
struct moments {
  double mean = 0.0;
  double ss = 0.0;  // sum of squared deviations
  std::size_t n = 0;
};

template <class Range>
moments moments_of(const Range& values) {
  moments m;
  for (double v : values) {
    m.mean += v;
    ++m.n;
  }
  if (m.n == 0) return m;
  m.mean /= static_cast<double>(m.n);
  for (double v : values) m.ss += (v - m.mean) * (v - m.mean);
  return m;
}

std::optional<double> sd(const moments& m, int ddof) {
  if (m.n <= static_cast<std::size_t>(ddof)) return std::nullopt;
  return std::sqrt(m.ss / static_cast<double>(m.n - static_cast<std::size_t>(ddof)));
}

}  // namespace

double duration_s(const rr_series& rr) noexcept {
  if (rr.empty()) return 0.0;
  return rr.end_s.back() - (rr.end_s.front() - rr.rr_ms.front() / 1000.0);
}

time_domain_result time_domain(const rr_series& rr, const time_domain_config& cfg) {
  time_domain_result out;
  const std::size_t n = rr.size();
  if (n == 0) return out;

  const moments nn = moments_of(rr.rr_ms);
  out.mean_nn_ms = nn.mean;
  out.sdnn_ms = sd(nn, cfg.sdnn_ddof);
  if (out.sdnn_ms) out.cvnn = *out.sdnn_ms / nn.mean;

  std::vector<double> diffs;
  diffs.reserve(n);
  for (std::size_t i = 1; i < n; ++i) {
    if (rr.after_gap[i] == 0) diffs.push_back(rr.rr_ms[i] - rr.rr_ms[i - 1]);
  }
  if (!diffs.empty()) {
    double sum_sq = 0.0;
    std::size_t over50 = 0;
    std::size_t over20 = 0;
    std::size_t overxx = 0;
    for (double d : diffs) {
      sum_sq += d * d;
      over50 += std::abs(d) > 50.0 ? 1 : 0;
      over20 += std::abs(d) > 20.0 ? 1 : 0;
      overxx += std::abs(d) > cfg.nnxx_ms ? 1 : 0;
    }
    const double count = static_cast<double>(diffs.size());
    out.rmssd_ms = std::sqrt(sum_sq / count);
    out.sdsd_ms = sd(moments_of(diffs), cfg.sdsd_ddof);
    const double denom = cfg.pnn == pnn_denominator::differences ? count : count + 1.0;
    out.pnn50_pct = 100.0 * static_cast<double>(over50) / denom;
    out.pnn20_pct = 100.0 * static_cast<double>(over20) / denom;
    out.nnxx = static_cast<double>(overxx);
    out.pnnxx_pct = 100.0 * static_cast<double>(overxx) / denom;
  }

  // Heart rate: 60000 / mean RR (Kubios) or the mean of the instantaneous rates; min / max of an
  // N-beat moving average so a single short interval does not define the maximum (Kubios'
  // convention).
  std::vector<double> rates(n);
  for (std::size_t i = 0; i < n; ++i) rates[i] = 60000.0 / rr.rr_ms[i];
  const moments hr = moments_of(rates);
  out.mean_hr_bpm = cfg.mean_hr == mean_hr_rule::from_mean_rr ? 60000.0 / nn.mean : hr.mean;
  out.std_hr_bpm = sd(hr, 1);
  const std::size_t w = std::clamp<std::size_t>(cfg.hr_average_beats, 1, n);
  double window = 0.0;
  double lo = 0.0;
  double hi = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    window += 60000.0 / rr.rr_ms[i];
    if (i >= w) window -= 60000.0 / rr.rr_ms[i - w];
    if (i + 1 < w) continue;
    const double avg = window / static_cast<double>(w);
    if (i + 1 == w) lo = hi = avg;
    lo = std::min(lo, avg);
    hi = std::max(hi, avg);
  }
  out.min_hr_bpm = lo;
  out.max_hr_bpm = hi;

  // Long-term measures over complete 5-minute segments counted from the first beat.
  const double total = duration_s(rr);
  if (total >= cfg.long_term_min_s && cfg.segment_s > 0.0) {
    const double start = rr.end_s.front() - rr.rr_ms.front() / 1000.0;
    const auto segments = static_cast<std::size_t>(std::floor(total / cfg.segment_s));
    std::vector<std::vector<double>> by_segment(segments);
    for (std::size_t i = 0; i < n; ++i) {
      // An interval belongs to the segment in which it starts.
      const double begins = rr.end_s[i] - rr.rr_ms[i] / 1000.0 - start;
      const auto k = static_cast<std::size_t>(std::floor(begins / cfg.segment_s + 1e-12));
      if (k < segments) by_segment[k].push_back(rr.rr_ms[i]);
    }
    std::vector<double> means;
    double sd_sum = 0.0;
    std::size_t sd_count = 0;
    for (const auto& seg : by_segment) {
      // A segment counts only when intervals cover at least 80 % of it (dropouts).
      const double covered_ms = std::accumulate(seg.begin(), seg.end(), 0.0);
      if (covered_ms < 0.8 * cfg.segment_s * 1000.0) continue;
      const moments m = moments_of(seg);
      means.push_back(m.mean);
      if (auto s = sd(m, cfg.sdnn_ddof)) {
        sd_sum += *s;
        ++sd_count;
      }
    }
    if (means.size() >= 2) out.sdann_ms = sd(moments_of(means), cfg.sdnn_ddof);
    if (sd_count > 0) out.sdnni_ms = sd_sum / static_cast<double>(sd_count);
  }
  return out;
}

}  // namespace resonant::dsp
