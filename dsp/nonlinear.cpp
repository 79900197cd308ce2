#include "nonlinear.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace resonant::dsp {
namespace {

void require_finite(std::span<const double> x, const char* what) {
  for (double v : x) {
    if (!std::isfinite(v)) throw std::invalid_argument(std::string(what) + ": non-finite value");
  }
}

// ---------------------------------------------------------------------------------------------
// Poincare plot (Brennan, Palaniswami & Kamen 2001, IEEE TBME 48:1342).
// SD1 and SD2 are the spreads of the successive pairs along the axes rotated by 45 degrees,
// u = (rr[i] - rr[i-1]) / sqrt 2 and v = (rr[i] + rr[i-1]) / sqrt 2, computed here directly
// (two-pass mean and sum of squared deviations) over pairs not separated by a gap.
// Conventions found on the pyHRV sample series (data/reference/rr/pyhrv_nni_short.txt):
// NeuroKit2 = this with ddof 1 (SD1 71.7372, SD2 114.9563); pyHRV and HeartPy = ddof 0
// (71.6304, 114.7851); hrv-analysis has the same SD1 but SD2 = sqrt(2 SDNN^2 - SD1^2) with
// ddof 1 (114.7478). Exactly, SD1^2 + SD2^2 = var(rr[0..N-2]) + var(rr[1..N-1]) (same ddof);
// replacing that by 2 SDNN^2 over all N intervals moves SD2 by 0.2 % on this series.
// ---------------------------------------------------------------------------------------------

struct running_moments {
  double sum_u = 0.0;
  double sum_v = 0.0;
  std::size_t n = 0;
};

}  // namespace

std::optional<poincare_result> poincare(const rr_series& rr, int ddof) {
  if (ddof < 0) throw std::invalid_argument("poincare: ddof must be >= 0");
  if (rr.after_gap.size() != rr.rr_ms.size()) {
    throw std::invalid_argument("poincare: after_gap and rr_ms differ in length");
  }
  const double inv_sqrt2 = 1.0 / std::sqrt(2.0);
  const auto& x = rr.rr_ms;
  running_moments m;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (rr.after_gap[i] != 0) continue;
    m.sum_u += (x[i] - x[i - 1]) * inv_sqrt2;
    m.sum_v += (x[i] + x[i - 1]) * inv_sqrt2;
    ++m.n;
  }
  if (m.n < static_cast<std::size_t>(ddof) + 1) return std::nullopt;
  const double mean_u = m.sum_u / static_cast<double>(m.n);
  const double mean_v = m.sum_v / static_cast<double>(m.n);
  double ss_u = 0.0;
  double ss_v = 0.0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (rr.after_gap[i] != 0) continue;
    const double du = (x[i] - x[i - 1]) * inv_sqrt2 - mean_u;
    const double dv = (x[i] + x[i - 1]) * inv_sqrt2 - mean_v;
    ss_u += du * du;
    ss_v += dv * dv;
  }
  const auto denom = static_cast<double>(m.n - static_cast<std::size_t>(ddof));
  return poincare_result{std::sqrt(ss_u / denom), std::sqrt(ss_v / denom)};
}

namespace {

// ---------------------------------------------------------------------------------------------
// DFA box fits in O(1) per box (Peng et al. 1995, Chaos 5:82; first-order detrending).
// The residual sum of squares of the least-squares line through the n profile points of a box
// is RSS = Suu - Su^2 / n - (Stu - St Su / n)^2 / (n (n^2 - 1) / 12) with u the profile and t
// the index. Su, Suu and Stu come from prefix sums. Pitfall: on a 10^5-beat recording whose
// mean drifts, the profile wanders to ~10^7 ms, so global prefix sums of u^2 (~10^19) would
// swamp a box's RSS (~10^3) in cancellation. The prefix sums are therefore re-based every
// L = largest box size samples: block b keeps sums of (u - u[b L]) and (t - b L), accumulated
// in long double. A box of size <= L spans at most two blocks; the part in the second block is
// shifted into the first block's frame with the exact binomial identities, so every quantity
// stays at the scale of the profile's excursion over 2 L samples.
// ---------------------------------------------------------------------------------------------

struct box_sums {
  long double su = 0.0L;
  long double suu = 0.0L;
  long double stu = 0.0L;
};

class box_fitter {
 public:
  box_fitter(std::span<const double> profile, std::size_t block)
      : u_(profile),
        block_(block),
        n_blocks_((profile.size() + block - 1) / block),
        p_(profile.size()),
        ref_(n_blocks_, 0.0),
        total_(n_blocks_) {
    for (std::size_t b = 0; b < n_blocks_; ++b) {
      const std::size_t o = b * block_;
      const std::size_t end = std::min(o + block_, u_.size());
      ref_[b] = u_[o];
      box_sums acc;
      for (std::size_t i = o; i < end; ++i) {
        p_[i] = acc;
        const long double v = static_cast<long double>(u_[i]) - static_cast<long double>(ref_[b]);
        const auto t = static_cast<long double>(i - o);
        acc.su += v;
        acc.suu += v * v;
        acc.stu += t * v;
      }
      total_[b] = acc;
    }
  }

  // Residual sum of squares of the line fit over [s, s + n), n <= block.
  [[nodiscard]] double rss(std::size_t s, std::size_t n) const {
    const std::size_t b = s / block_;
    const std::size_t o = b * block_;
    const std::size_t e = s + n;
    const std::size_t block_end = std::min(o + block_, u_.size());
    box_sums sums = sub(e >= block_end ? total_[b] : p_[e], p_[s]);
    if (e > block_end) {
      // Part in block b + 1, shifted into block b's frame: u' = u + d, t' = t + L.
      const std::size_t o1 = block_end;
      const std::size_t b1 = b + 1;
      const std::size_t end1 = std::min(o1 + block_, u_.size());
      const box_sums& tail = e >= end1 ? total_[b1] : p_[e];
      const auto c = static_cast<long double>(e - o1);
      const long double d = static_cast<long double>(ref_[b1]) - static_cast<long double>(ref_[b]);
      const auto len = static_cast<long double>(block_);
      const long double st = c * (c - 1.0L) / 2.0L;
      sums.su += tail.su + c * d;
      sums.suu += tail.suu + 2.0L * d * tail.su + c * d * d;
      sums.stu += tail.stu + d * st + len * tail.su + len * c * d;
    }
    const auto nn = static_cast<long double>(n);
    const auto t0 = static_cast<long double>(s - o);
    const long double st = nn * t0 + nn * (nn - 1.0L) / 2.0L;
    const long double stt_c = nn * (nn * nn - 1.0L) / 12.0L;
    const long double suu_c = sums.suu - sums.su * sums.su / nn;
    const long double stu_c = sums.stu - st * sums.su / nn;
    const long double r = suu_c - stu_c * stu_c / stt_c;
    return r > 0.0L ? static_cast<double>(r) : 0.0;
  }

 private:
  static box_sums sub(const box_sums& a, const box_sums& b) {
    return {a.su - b.su, a.suu - b.suu, a.stu - b.stu};
  }

  std::span<const double> u_;
  std::size_t block_;
  std::size_t n_blocks_;
  std::vector<box_sums> p_;  // p_[i]: sums over [start of i's block, i)
  std::vector<double> ref_;
  std::vector<box_sums> total_;
};

std::vector<double> dfa_profile(std::span<const double> x) {
  long double mean = 0.0L;
  for (double v : x) mean += v;
  mean /= static_cast<long double>(x.size());
  std::vector<double> y(x.size());
  long double acc = 0.0L;
  for (std::size_t i = 0; i < x.size(); ++i) {
    acc += static_cast<long double>(x[i]) - mean;
    y[i] = static_cast<double>(acc);
  }
  return y;
}

double fluctuation(const box_fitter& fit, std::size_t size, std::size_t n) {
  const std::size_t boxes = size / n;
  double ss = 0.0;
  for (std::size_t k = 0; k < boxes; ++k) ss += fit.rss(k * n, n);
  return std::sqrt(ss / static_cast<double>(boxes * n));
}

}  // namespace

std::optional<double> dfa_fluctuation(std::span<const double> x, std::size_t n) {
  if (n < 3) throw std::invalid_argument("dfa_fluctuation: box size must be >= 3");
  require_finite(x, "dfa_fluctuation");
  if (x.size() < n) return std::nullopt;
  const std::vector<double> y = dfa_profile(x);
  const box_fitter fit(y, n);
  return fluctuation(fit, y.size(), n);
}

std::optional<double> dfa_alpha(std::span<const double> x, std::size_t n_min, std::size_t n_max) {
  if (n_min < 3) throw std::invalid_argument("dfa_alpha: n_min must be >= 3");
  require_finite(x, "dfa_alpha");
  if (n_min >= n_max || x.size() / 2 < n_max) return std::nullopt;
  const std::vector<double> y = dfa_profile(x);
  const box_fitter fit(y, n_max);
  // Ordinary least squares of log F on log n, centred sums.
  const std::size_t scales = n_max - n_min + 1;
  std::vector<double> lx(scales);
  std::vector<double> ly(scales);
  double mx = 0.0;
  double my = 0.0;
  for (std::size_t k = 0; k < scales; ++k) {
    const double f = fluctuation(fit, y.size(), n_min + k);
    if (!(f > 0.0)) return std::nullopt;
    lx[k] = std::log(static_cast<double>(n_min + k));
    ly[k] = std::log(f);
    mx += lx[k];
    my += ly[k];
  }
  mx /= static_cast<double>(scales);
  my /= static_cast<double>(scales);
  double sxy = 0.0;
  double sxx = 0.0;
  for (std::size_t k = 0; k < scales; ++k) {
    sxy += (lx[k] - mx) * (ly[k] - my);
    sxx += (lx[k] - mx) * (lx[k] - mx);
  }
  return sxy / sxx;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Sample entropy pair counts (Richman & Moorman 2000, Am J Physiol 278:H2039).
// Templates start at i = 0 .. N - m - 1 for both lengths; a pair matches when every coordinate
// differs by fl(|x_i+k - x_j+k|) <= r, the exact comparison of the O(N^2) definition.
//
// m = 2, exact in O(N log^2 N): each start i is a point (x_i, x_i+1, x_i+2). Points are swept in
// order of the first coordinate with a window of those whose first coordinate is within r of
// the current one. All coordinates are ranks into the sorted distinct values of x; because
// fl(a - b) is monotone in a and in b, the values within r of a value form a rank interval
// [lo, hi) found by two pointers, so ties and the inclusive boundary are exact. B counts the
// window's points whose second coordinate lies in the interval (a Fenwick tree over ranks);
// A those whose second and third do (an offline 2-D Fenwick tree: every outer node keeps the
// sorted distinct third-coordinate ranks of the points that can ever reach it, and an inner
// Fenwick tree over them; each point's inner positions are precomputed) or, when x has at most
// 1024 distinct values (RR quantised by the sampling rate), a dense 2-D Fenwick tree. Each
// unordered pair is counted once, when its later point in sweep order is the current one.
// Other m: the O(N^2) loop.
// ---------------------------------------------------------------------------------------------

using rank_t = std::uint32_t;

class fenwick {
 public:
  explicit fenwick(std::size_t n) : t_(n + 1, 0) {}
  void add(std::size_t i, std::int32_t delta) {
    for (std::size_t j = i + 1; j < t_.size(); j += j & (~j + 1)) t_[j] += delta;
  }
  // Number of inserted ranks in [lo, hi).
  [[nodiscard]] std::int64_t range(std::size_t lo, std::size_t hi) const {
    std::int64_t s = 0;
    while (hi != lo) {
      if (hi > lo) {
        s += t_[hi];
        hi &= hi - 1;
      } else {
        s -= t_[lo];
        lo &= lo - 1;
      }
    }
    return s;
  }

 private:
  std::vector<std::int32_t> t_;
};

class fenwick_2d {
 public:
  // Point p has outer rank outer[p] and inner rank inner[p], both < universe.
  fenwick_2d(std::span<const rank_t> outer, std::span<const rank_t> inner, std::size_t universe)
      : outer_(outer),
        nodes_(universe + 1),
        node_off_(universe + 2, 0),
        point_off_(outer.size() + 1) {
    // Points in inner-rank order (counting sort) so that every node's list comes out sorted.
    std::vector<std::size_t> bucket(universe + 1, 0);
    for (rank_t c : inner) ++bucket[c + 1];
    for (std::size_t k = 1; k <= universe; ++k) bucket[k] += bucket[k - 1];
    std::vector<std::size_t> by_inner(outer.size());
    for (std::size_t p = 0; p < outer.size(); ++p) by_inner[bucket[inner[p]]++] = p;

    for (std::size_t p = 0; p < outer.size(); ++p) {
      std::size_t len = 0;
      for (std::size_t j = outer[p] + 1; j <= universe; j += j & (~j + 1)) ++len;
      point_off_[p + 1] = point_off_[p] + len;
    }
    std::vector<rank_t> last(nodes_, std::numeric_limits<rank_t>::max());
    for (std::size_t p : by_inner) {
      for (std::size_t j = outer[p] + 1; j <= universe; j += j & (~j + 1)) {
        if (last[j] != inner[p]) {
          last[j] = inner[p];
          ++node_off_[j + 1];
        }
      }
    }
    for (std::size_t j = 1; j < node_off_.size(); ++j) node_off_[j] += node_off_[j - 1];
    values_.resize(node_off_.back());
    tree_.assign(node_off_.back(), 0);
    pos_.resize(point_off_.back());
    std::vector<std::size_t> fill(node_off_.begin(), node_off_.end() - 1);
    std::fill(last.begin(), last.end(), std::numeric_limits<rank_t>::max());
    for (std::size_t p : by_inner) {
      std::size_t level = point_off_[p];
      for (std::size_t j = outer[p] + 1; j <= universe; j += j & (~j + 1)) {
        if (last[j] != inner[p]) {
          last[j] = inner[p];
          values_[fill[j]++] = inner[p];
        }
        pos_[level++] = static_cast<rank_t>(fill[j] - 1 - node_off_[j]);
      }
    }
  }

  void add(std::size_t p, std::int32_t delta) {
    std::size_t level = point_off_[p];
    for (std::size_t j = outer_[p] + 1; j < nodes_; j += j & (~j + 1)) {
      const std::size_t off = node_off_[j];
      const std::size_t len = node_off_[j + 1] - off;
      for (std::size_t k = pos_[level++] + 1; k <= len; k += k & (~k + 1))
        tree_[off + k - 1] += delta;
    }
  }

  // Number of inserted points with outer rank in [o_lo, o_hi) and inner rank in [i_lo, i_hi).
  [[nodiscard]] std::int64_t count(std::size_t o_lo, std::size_t o_hi, rank_t i_lo,
                                   rank_t i_hi) const {
    std::int64_t s = 0;
    while (o_hi != o_lo) {
      if (o_hi > o_lo) {
        s += node_count(o_hi, i_lo, i_hi);
        o_hi &= o_hi - 1;
      } else {
        s -= node_count(o_lo, i_lo, i_hi);
        o_lo &= o_lo - 1;
      }
    }
    return s;
  }

 private:
  [[nodiscard]] std::int64_t node_count(std::size_t j, rank_t i_lo, rank_t i_hi) const {
    const rank_t* first = values_.data() + node_off_[j];
    const std::size_t len = node_off_[j + 1] - node_off_[j];
    return prefix(j, lower_bound(first, len, i_hi)) - prefix(j, lower_bound(first, len, i_lo));
  }

  static std::size_t lower_bound(const rank_t* first, std::size_t len, rank_t v) {
    return static_cast<std::size_t>(std::lower_bound(first, first + len, v) - first);
  }

  [[nodiscard]] std::int64_t prefix(std::size_t j, std::size_t k) const {
    const std::size_t off = node_off_[j];
    std::int64_t s = 0;
    for (; k > 0; k &= k - 1) s += tree_[off + k - 1];
    return s;
  }

  std::span<const rank_t> outer_;
  std::size_t nodes_;
  std::vector<std::size_t> node_off_;   // node j's list: values_[node_off_[j] .. node_off_[j+1])
  std::vector<rank_t> values_;          // sorted distinct inner ranks per node
  std::vector<std::int32_t> tree_;      // inner Fenwick trees, parallel to values_
  std::vector<std::size_t> point_off_;  // point p's positions: pos_[point_off_[p] ..]
  std::vector<rank_t> pos_;
};

template_matches counts_quadratic(std::span<const double> x, std::size_t m, double r) {
  const std::size_t starts = x.size() - m;
  template_matches out{0, 0};
  for (std::size_t i = 0; i + 1 < starts; ++i) {
    for (std::size_t j = i + 1; j < starts; ++j) {
      std::size_t k = 0;
      while (k < m && std::abs(x[i + k] - x[j + k]) <= r) ++k;
      if (k < m) continue;
      ++out.b;
      if (std::abs(x[i + m] - x[j + m]) <= r) ++out.a;
    }
  }
  return out;
}

// Dense 2-D Fenwick tree over (outer rank, inner rank), for small universes (RR values
// quantised by the ECG sampling rate: 137 distinct values in 22 h of nsr001 at 128 Hz).
class dense_fenwick_2d {
 public:
  dense_fenwick_2d(std::span<const rank_t> outer, std::span<const rank_t> inner,
                   std::size_t universe)
      : outer_(outer), inner_(inner), stride_(universe + 1), t_(stride_ * stride_, 0) {}

  void add(std::size_t p, std::int32_t delta) {
    for (std::size_t i = outer_[p] + 1; i < stride_; i += i & (~i + 1)) {
      std::int32_t* row = t_.data() + i * stride_;
      for (std::size_t j = inner_[p] + 1; j < stride_; j += j & (~j + 1)) row[j] += delta;
    }
  }

  [[nodiscard]] std::int64_t count(std::size_t o_lo, std::size_t o_hi, rank_t i_lo,
                                   rank_t i_hi) const {
    std::int64_t s = 0;
    while (o_hi != o_lo) {
      if (o_hi > o_lo) {
        s += row_range(o_hi, i_lo, i_hi);
        o_hi &= o_hi - 1;
      } else {
        s -= row_range(o_lo, i_lo, i_hi);
        o_lo &= o_lo - 1;
      }
    }
    return s;
  }

 private:
  [[nodiscard]] std::int64_t row_range(std::size_t i, std::size_t lo, std::size_t hi) const {
    const std::int32_t* row = t_.data() + i * stride_;
    std::int64_t s = 0;
    while (hi != lo) {
      if (hi > lo) {
        s += row[hi];
        hi &= hi - 1;
      } else {
        s -= row[lo];
        lo &= lo - 1;
      }
    }
    return s;
  }

  std::span<const rank_t> outer_;
  std::span<const rank_t> inner_;
  std::size_t stride_;
  std::vector<std::int32_t> t_;
};

constexpr std::size_t dense_universe_limit = 1024;  // 4 MiB of counters

// Ranks of x among its distinct values and, per rank, the rank interval within r.
struct ranked_values {
  std::size_t universe = 0;
  std::vector<rank_t> rank;
  std::vector<rank_t> lo;  // [lo[t], hi[t]): ranks whose value is within r of rank t's value
  std::vector<rank_t> hi;
};

ranked_values rank_values(std::span<const double> x, double r) {
  std::vector<double> values(x.begin(), x.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  ranked_values out;
  out.universe = values.size();
  out.rank.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    out.rank[i] =
        static_cast<rank_t>(std::lower_bound(values.begin(), values.end(), x[i]) - values.begin());
  }
  out.lo.resize(out.universe);
  out.hi.resize(out.universe);
  std::size_t a = 0;
  std::size_t b = 0;
  for (std::size_t t = 0; t < out.universe; ++t) {
    while (values[t] - values[a] > r) ++a;
    b = std::max(b, t + 1);
    while (b < out.universe && values[b] - values[t] <= r) ++b;
    out.lo[t] = static_cast<rank_t>(a);
    out.hi[t] = static_cast<rank_t>(b);
  }
  return out;
}

template <class Tree2d>
template_matches sweep_m2(const ranked_values& rv, std::size_t starts) {
  const std::vector<rank_t>& rank = rv.rank;
  // Starts in order of their first coordinate's rank (counting sort).
  std::vector<std::size_t> bucket(rv.universe + 1, 0);
  for (std::size_t i = 0; i < starts; ++i) ++bucket[rank[i] + 1];
  for (std::size_t t = 1; t <= rv.universe; ++t) bucket[t] += bucket[t - 1];
  std::vector<std::size_t> order(starts);
  for (std::size_t i = 0; i < starts; ++i) order[bucket[rank[i]]++] = i;

  const std::span<const rank_t> second(rank.data() + 1, starts);
  const std::span<const rank_t> third(rank.data() + 2, starts);
  fenwick tree_b(rv.universe);
  Tree2d tree_a(second, third, rv.universe);

  template_matches out{0, 0};
  std::size_t front = 0;
  for (std::size_t k = 0; k < starts; ++k) {
    const std::size_t p = order[k];
    const rank_t window_lo = rv.lo[rank[p]];
    while (front < k && rank[order[front]] < window_lo) {
      tree_b.add(second[order[front]], -1);
      tree_a.add(order[front], -1);
      ++front;
    }
    const rank_t rb = second[p];
    const rank_t rc = third[p];
    out.b += static_cast<std::uint64_t>(tree_b.range(rv.lo[rb], rv.hi[rb]));
    out.a += static_cast<std::uint64_t>(tree_a.count(rv.lo[rb], rv.hi[rb], rv.lo[rc], rv.hi[rc]));
    tree_b.add(rb, 1);
    tree_a.add(p, 1);
  }
  return out;
}

template_matches counts_m2(std::span<const double> x, double r) {
  const ranked_values rv = rank_values(x, r);
  const std::size_t starts = x.size() - 2;
  if (rv.universe <= dense_universe_limit) return sweep_m2<dense_fenwick_2d>(rv, starts);
  return sweep_m2<fenwick_2d>(rv, starts);
}

// Per-template match counts (self included) of the templates of length len (1..3) starting at
// 0 .. starts - 1: a sweep in first-coordinate order with a window of the starts whose first
// value is within r (both ends move monotonically), a Fenwick tree over the second coordinate
// (len 2) or a 2-D one over the second and third (len 3). O(N log^2 N).
template <class Tree2d>
std::vector<std::uint32_t> template_counts(const ranked_values& rv, std::size_t starts,
                                           std::size_t len) {
  const std::vector<rank_t>& rank = rv.rank;
  std::vector<std::size_t> bucket(rv.universe + 1, 0);
  for (std::size_t i = 0; i < starts; ++i) ++bucket[rank[i] + 1];
  for (std::size_t t = 1; t <= rv.universe; ++t) bucket[t] += bucket[t - 1];
  std::vector<std::size_t> order(starts);
  for (std::size_t i = 0; i < starts; ++i) order[bucket[rank[i]]++] = i;

  // Length 1 needs neither tree (and its starts reach the end of x).
  const std::size_t tree_points = len >= 2 ? starts : 0;
  const std::span<const rank_t> second(rank.data() + 1, tree_points);
  const std::span<const rank_t> third(rank.data() + std::min<std::size_t>(2, len - 1), tree_points);
  fenwick tree_1(rv.universe);
  Tree2d tree_2(second, third, rv.universe);
  auto add = [&](std::size_t p, std::int32_t d) {
    if (len == 2) tree_1.add(second[p], d);
    if (len == 3) tree_2.add(p, d);
  };
  std::vector<std::uint32_t> out(starts, 0);
  std::size_t front = 0;
  std::size_t back = 0;
  for (std::size_t k = 0; k < starts; ++k) {
    const std::size_t p = order[k];
    while (back < starts && rank[order[back]] < rv.hi[rank[p]]) add(order[back++], 1);
    while (rank[order[front]] < rv.lo[rank[p]]) add(order[front++], -1);
    std::int64_t c = static_cast<std::int64_t>(back - front);
    if (len == 2) c = tree_1.range(rv.lo[second[p]], rv.hi[second[p]]);
    if (len == 3) {
      c = tree_2.count(rv.lo[second[p]], rv.hi[second[p]], rv.lo[third[p]], rv.hi[third[p]]);
    }
    out[p] = static_cast<std::uint32_t>(c);
  }
  return out;
}

// Per-template counts for any length: the O(N^2) loop.
std::vector<std::uint32_t> template_counts_quadratic(std::span<const double> x, std::size_t starts,
                                                     std::size_t len, double r) {
  std::vector<std::uint32_t> out(starts, 1);
  for (std::size_t i = 0; i < starts; ++i) {
    for (std::size_t j = i + 1; j < starts; ++j) {
      bool match = true;
      for (std::size_t k = 0; k < len && match; ++k) match = std::abs(x[i + k] - x[j + k]) <= r;
      if (match) {
        ++out[i];
        ++out[j];
      }
    }
  }
  return out;
}

// Phi of approximate entropy: mean of ln(C_i / starts) over the templates of length len.
double apen_phi(std::span<const double> x, std::size_t len, double r) {
  const std::size_t starts = x.size() - len + 1;
  std::vector<std::uint32_t> c;
  if (len <= 3) {
    const ranked_values rv = rank_values(x, r);
    c = rv.universe <= dense_universe_limit ? template_counts<dense_fenwick_2d>(rv, starts, len)
                                            : template_counts<fenwick_2d>(rv, starts, len);
  } else {
    c = template_counts_quadratic(x, starts, len, r);
  }
  double sum = 0.0;
  for (std::uint32_t v : c) sum += std::log(static_cast<double>(v) / static_cast<double>(starts));
  return sum / static_cast<double>(starts);
}

}  // namespace

template_matches sample_entropy_counts(std::span<const double> x, int m, double r) {
  if (m < 1) throw std::invalid_argument("sample_entropy: m must be >= 1");
  if (!(r >= 0.0) || !std::isfinite(r)) {
    throw std::invalid_argument("sample_entropy: r must be finite and >= 0");
  }
  require_finite(x, "sample_entropy");
  const auto mm = static_cast<std::size_t>(m);
  if (x.size() <= mm + 1) return {0, 0};
  if (mm == 2) return counts_m2(x, r);
  return counts_quadratic(x, mm, r);
}

std::optional<double> sample_entropy(std::span<const double> x, int m, double r) {
  const template_matches c = sample_entropy_counts(x, m, r);
  if (c.a == 0 || c.b == 0) return std::nullopt;
  return std::log(static_cast<double>(c.b) / static_cast<double>(c.a));
}

}  // namespace resonant::dsp

namespace resonant::dsp {

std::optional<double> approximate_entropy(std::span<const double> x, int m, double r) {
  if (m < 1) throw std::invalid_argument("approximate_entropy: m must be >= 1");
  if (!(r >= 0.0) || !std::isfinite(r)) {
    throw std::invalid_argument("approximate_entropy: r must be finite and >= 0");
  }
  require_finite(x, "approximate_entropy");
  const auto mm = static_cast<std::size_t>(m);
  if (x.size() <= mm + 1) return std::nullopt;
  return apen_phi(x, mm, r) - apen_phi(x, mm + 1, r);
}

std::optional<double> sample_entropy_kubios(std::span<const double> x, int m, double r) {
  const template_matches c = sample_entropy_counts(x, m, r);
  const auto mm = static_cast<std::size_t>(m);
  if (x.size() <= mm + 1) return std::nullopt;
  // b counts pairs among the first N - m length-m templates; add the last one's matches.
  std::uint64_t b = c.b;
  const std::size_t last = x.size() - mm;
  for (std::size_t j = 0; j < last; ++j) {
    bool match = true;
    for (std::size_t k = 0; k < mm && match; ++k) match = std::abs(x[last + k] - x[j + k]) <= r;
    b += match ? 1 : 0;
  }
  if (c.a == 0 || b == 0) return std::nullopt;
  auto pairs = [](std::size_t n) {
    return 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  };
  const double ratio_a = static_cast<double>(c.a) / pairs(x.size() - mm);
  const double ratio_b = static_cast<double>(b) / pairs(x.size() - mm + 1);
  return -std::log(ratio_a / ratio_b);
}

}  // namespace resonant::dsp
