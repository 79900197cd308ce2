#include "geometric.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace resonant::dsp {
namespace {

// ---------------------------------------------------------------------------------------------
// HRV triangular index and TINN (Task Force of the ESC and NASPE 1996, Circulation 93:1043).
// Histogram: bin k = floor(rr / bin_ms) covers [k bin_ms, (k + 1) bin_ms), bins from the
// smallest to the largest occupied one (empty bins between them count as zeros). HTI = number
// of intervals / highest bin count. TINN: the triangle q has its apex (height = highest count)
// at the centre of the mode bin (the first of equally high bins), is zero at the bin edges N
// (left of the mode bin) and M (right of it) and outside [N, M], and is linear in between;
// N and M range over the histogram's bin edges. Minimised: sum over bins of (D - q)^2 at the
// bin centres. The mode bin contributes zero for every choice, bins left of it depend only on
// N and bins right of it only on M, so the two halves are minimised independently: O(B^2)
// for B bins instead of the O(B^3) joint grid search (NeuroKit2 style). Among equal errors the
// edge nearest the mode wins (the narrowest triangle).
// Pitfall: an outlier interval stretches the histogram; bins are allocated up to a limit of
// 10^7 and beyond that the input is rejected.
// ---------------------------------------------------------------------------------------------

constexpr double max_bins = 1e7;

// Squared error of the left flank with its zero at edge j (bins 0 .. mode - 1).
double left_error(const std::vector<double>& d, std::size_t mode, std::size_t j) {
  const double height = d[mode];
  const double width = static_cast<double>(mode - j) + 0.5;  // mode centre - edge j, in bins
  double e = 0.0;
  for (std::size_t b = 0; b < mode; ++b) {
    const double q = b < j ? 0.0 : height * (static_cast<double>(b - j) + 0.5) / width;
    e += (d[b] - q) * (d[b] - q);
  }
  return e;
}

// Squared error of the right flank with its zero at edge j (bins mode + 1 .. B - 1).
double right_error(const std::vector<double>& d, std::size_t mode, std::size_t j) {
  const double height = d[mode];
  const double width = static_cast<double>(j - mode) - 0.5;  // edge j - mode centre, in bins
  double e = 0.0;
  for (std::size_t b = mode + 1; b < d.size(); ++b) {
    const double q = b >= j ? 0.0 : height * (static_cast<double>(j - b) - 0.5) / width;
    e += (d[b] - q) * (d[b] - q);
  }
  return e;
}

}  // namespace

std::optional<geometric_result> geometric(std::span<const double> rr_ms, double bin_ms) {
  if (!(bin_ms > 0.0) || !std::isfinite(bin_ms)) {
    throw std::invalid_argument("geometric: bin_ms must be finite and > 0");
  }
  if (rr_ms.empty()) return std::nullopt;
  double k_min = std::numeric_limits<double>::infinity();
  double k_max = -std::numeric_limits<double>::infinity();
  for (double v : rr_ms) {
    if (!std::isfinite(v)) throw std::invalid_argument("geometric: non-finite interval");
    const double k = std::floor(v / bin_ms);
    k_min = std::min(k_min, k);
    k_max = std::max(k_max, k);
  }
  if (k_max - k_min + 1.0 > max_bins) {
    throw std::invalid_argument("geometric: intervals span more than 10^7 bins");
  }
  const auto bins = static_cast<std::size_t>(k_max - k_min) + 1;
  std::vector<double> d(bins, 0.0);
  for (double v : rr_ms) d[static_cast<std::size_t>(std::floor(v / bin_ms) - k_min)] += 1.0;

  const auto mode = static_cast<std::size_t>(std::max_element(d.begin(), d.end()) - d.begin());
  geometric_result out{};
  out.hti = static_cast<double>(rr_ms.size()) / d[mode];

  // Edges are numbered 0 .. bins (edge j = left edge of bin j); N in [0, mode], M in
  // [mode + 1, bins]. Scanning from the mode outwards with a strict < keeps the narrowest.
  std::size_t best_n = mode;
  double best_left = left_error(d, mode, mode);
  for (std::size_t j = mode; j-- > 0;) {
    const double e = left_error(d, mode, j);
    if (e < best_left) {
      best_left = e;
      best_n = j;
    }
  }
  std::size_t best_m = mode + 1;
  double best_right = right_error(d, mode, mode + 1);
  for (std::size_t j = mode + 2; j <= bins; ++j) {
    const double e = right_error(d, mode, j);
    if (e < best_right) {
      best_right = e;
      best_m = j;
    }
  }
  out.tinn_ms = static_cast<double>(best_m - best_n) * bin_ms;
  out.n_ms = (k_min + static_cast<double>(best_n)) * bin_ms;
  out.m_ms = (k_min + static_cast<double>(best_m)) * bin_ms;
  out.mode_ms = (k_min + static_cast<double>(mode) + 0.5) * bin_ms;
  out.mode_count = d[mode];
  return out;
}

}  // namespace resonant::dsp
