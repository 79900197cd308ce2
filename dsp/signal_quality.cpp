#include "signal_quality.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace resonant::dsp {

std::string_view to_string(quality_verdict v) noexcept {
  switch (v) {
    case quality_verdict::usable:
      return "usable";
    case quality_verdict::too_few_beats:
      return "too few beats";
    case quality_verdict::rate_out_of_range:
      return "heart rate out of range";
    case quality_verdict::long_pause:
      return "pause longer than allowed";
    case quality_verdict::irregular:
      return "intervals too irregular";
    case quality_verdict::shape:
      return "beats unlike each other";
  }
  return "unknown";
}

namespace {

double pearson(std::span<const double> a, std::span<const double> b) noexcept {
  const auto n = static_cast<double>(a.size());
  double ma = 0.0;
  double mb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0.0;
  double saa = 0.0;
  double sbb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0.0 && sbb > 0.0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

// Mean correlation of the beats' segments with their average (0 when no full segment); a beat
// whose own correlation is below min_beat gets beat_ok 0 (beats without a full segment keep 1).
double template_correlation(std::span<const double> x, std::span<const std::int64_t> beats,
                            std::size_t length, double min_beat, std::span<std::uint8_t> beat_ok) {
  const auto half = static_cast<std::int64_t>(length / 2);
  std::vector<std::int64_t> starts;
  std::vector<std::size_t> which;
  for (std::size_t k = 0; k < beats.size(); ++k) {
    const auto b = beats[k];
    if (b - half >= 0 &&
        b - half + static_cast<std::int64_t>(length) <= static_cast<std::int64_t>(x.size())) {
      starts.push_back(b - half);
      which.push_back(k);
    }
  }
  if (starts.size() < 2 || length < 3) return 0.0;
  std::vector<double> avg(length, 0.0);
  for (auto s : starts) {
    for (std::size_t i = 0; i < length; ++i) avg[i] += x[static_cast<std::size_t>(s) + i];
  }
  for (double& v : avg) v /= static_cast<double>(starts.size());
  double sum = 0.0;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const double r = pearson(x.subspan(static_cast<std::size_t>(starts[k]), length), avg);
    if (r < min_beat) beat_ok[which[k]] = 0;
    sum += r;
  }
  return sum / static_cast<double>(starts.size());
}

quality_window judge(std::span<const double> x, std::span<const std::int64_t> all_beats,
                     std::size_t first, std::size_t last, double fs, const signal_quality_config& c,
                     std::span<std::uint8_t> all_ok) {
  quality_window w;
  w.first = first;
  w.last = last;
  const auto lo =
      std::lower_bound(all_beats.begin(), all_beats.end(), static_cast<std::int64_t>(first));
  const auto hi = std::lower_bound(lo, all_beats.end(), static_cast<std::int64_t>(last));
  const std::span<const std::int64_t> beats(lo, hi);
  w.beats = beats.size();
  if (beats.size() < 3) {
    w.verdict = quality_verdict::too_few_beats;
    return w;
  }
  // The intervals ending in the window, the one from the beat before it included (an interval
  // across a window edge is judged by the window where it ends).
  std::vector<double> rr;
  if (lo != all_beats.begin()) rr.push_back(static_cast<double>(beats.front() - *(lo - 1)) / fs);
  for (std::size_t i = 1; i < beats.size(); ++i) {
    rr.push_back(static_cast<double>(beats[i] - beats[i - 1]) / fs);
  }
  const double span_s = static_cast<double>(beats.back() - beats.front()) / fs;
  const double rate = 60.0 * static_cast<double>(beats.size() - 1) / span_s;
  const double lead_s = static_cast<double>(beats.front() - static_cast<std::int64_t>(first)) / fs;
  const double tail_s = static_cast<double>(static_cast<std::int64_t>(last) - beats.back()) / fs;
  const auto [mn, mx] = std::minmax_element(rr.begin(), rr.end());
  std::vector<double> sorted = rr;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                   sorted.end());
  const double median_s = sorted[sorted.size() / 2];
  const auto at = static_cast<std::size_t>(lo - all_beats.begin());
  w.correlation =
      template_correlation(x, beats, static_cast<std::size_t>(std::lround(median_s * fs)),
                           c.min_beat_correlation, all_ok.subspan(at, beats.size()));
  if (rate < c.min_rate_bpm || rate > c.max_rate_bpm) {
    w.verdict = quality_verdict::rate_out_of_range;
  } else if (std::max({*mx, lead_s, tail_s}) > c.max_interval_s) {
    w.verdict = quality_verdict::long_pause;
  } else if (*mx / *mn > c.max_interval_ratio) {
    w.verdict = quality_verdict::irregular;
  } else if (w.correlation < c.min_correlation) {
    w.verdict = quality_verdict::shape;
  }
  return w;
}

}  // namespace

quality_assessment assess_quality(std::span<const double> x,
                                  std::span<const std::int64_t> beat_samples, double fs_hz,
                                  const signal_quality_config& config) {
  if (!(fs_hz > 0.0) || !(config.window_s > 0.0)) {
    throw std::invalid_argument("assess_quality: sample rate and window must be positive");
  }
  quality_assessment out;
  out.beat_ok.assign(beat_samples.size(), 1);
  if (x.empty()) return out;
  const double window = config.window_s * fs_hz;
  const auto n = static_cast<double>(x.size());
  const auto count = static_cast<std::size_t>(std::max(1.0, std::round(n / window)));
  for (std::size_t k = 0; k < count; ++k) {
    const auto first = static_cast<std::size_t>(
        std::llround(n * static_cast<double>(k) / static_cast<double>(count)));
    const auto last = static_cast<std::size_t>(
        std::llround(n * static_cast<double>(k + 1) / static_cast<double>(count)));
    out.windows.push_back(judge(x, beat_samples, first, last, fs_hz, config, out.beat_ok));
  }
  return out;
}

}  // namespace resonant::dsp
