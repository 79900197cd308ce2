#include "bspline_interpolation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace resonant::dsp {

namespace {

constexpr int max_degree = 3;
constexpr std::size_t max_order = max_degree + 1;

// The K + 1 B-splines of degree K that are nonzero on [t[span], t[span+1]), evaluated at x:
// values[r] = B_{span-K+r}(x). Cox-de Boor recurrence in the triangular form of Piegl &
// Tiller, "The NURBS Book", algorithm A2.2.
template <std::size_t K>
std::array<double, K + 1> nonzero_basis(const double* t, std::size_t span, double x) {
  std::array<double, K + 1> values{};
  std::array<double, K + 1> left{};
  std::array<double, K + 1> right{};
  values[0] = 1.0;
#pragma GCC unroll 4
  for (std::size_t j = 1; j <= K; ++j) {
    left[j] = x - t[span + 1 - j];
    right[j] = t[span + j] - x;
    double saved = 0.0;
#pragma GCC unroll 4
    for (std::size_t r = 0; r < j; ++r) {
      const double temp = values[r] / (right[r + 1] + left[j - r]);
      values[r] = saved + right[r + 1] * temp;
      saved = left[j - r] * temp;
    }
    values[j] = saved;
  }
  return values;
}

// 1 / (t[a + w] - t[a]) for the widths w = 1 .. K and the lower indices a = span - w + 1 ..
// span that the de Boor recursion of a span needs. Walking the spans left to right, each span
// adds one reciprocal per width instead of computing all K (K + 1) / 2 again (the same
// expression, so the same bits; divisions were most of sample_uniform's cost).
template <std::size_t K>
class knot_reciprocals {
 public:
  explicit knot_reciprocals(const double* t) : t_(t) {}
  // Makes the reciprocals of `span` (>= K, non-decreasing across calls) available.
  void advance_to(std::size_t span) {
#pragma GCC unroll 4
    for (std::size_t w = 1; w <= K; ++w) {
      for (std::size_t a = std::max(span + 1 - w, next_[w]); a <= span; ++a) {
        inv_[w][a % (K + 1)] = 1.0 / (t_[a + w] - t_[a]);
      }
      next_[w] = span + 1;
    }
  }
  [[nodiscard]] double operator()(std::size_t a, std::size_t w) const {
    return inv_[w][a % (K + 1)];
  }

 private:
  const double* t_;
  std::array<std::array<double, K + 1>, K + 1> inv_{};
  std::array<std::size_t, K + 1> next_{};  // per width: first index not computed yet
};

// Power-basis coefficients c_p of the spline on [t[span], t[span+1]) in u = x - t[span]: de
// Boor's recursion run on polynomials instead of numbers (each alpha is linear in u).
template <std::size_t K>
std::array<double, K + 1> span_polynomial(const double* t, const double* coef, std::size_t span,
                                          const knot_reciprocals<K>& reciprocal) {
  // d[j][p]: coefficient of u^p of the j-th de Boor point.
  std::array<std::array<double, K + 1>, K + 1> d{};
#pragma GCC unroll 4
  for (std::size_t j = 0; j <= K; ++j) d[j][0] = coef[span - K + j];
  const double origin = t[span];
#pragma GCC unroll 4
  for (std::size_t r = 1; r <= K; ++r) {
#pragma GCC unroll 4
    for (std::size_t j = K; j >= r; --j) {
      const double lo = t[span - K + j];
      const double inv = reciprocal(span - K + j, K + 1 - r);  // 1 / (t[span+1+j-r] - lo)
      const double a0 = (origin - lo) * inv;                   // alpha = a0 + inv * u
      std::array<double, K + 1> next{};
#pragma GCC unroll 4
      for (std::size_t p = 0; p < r; ++p) {
        next[p] += (1.0 - a0) * d[j - 1][p] + a0 * d[j][p];
        next[p + 1] += inv * (d[j][p] - d[j - 1][p]);
      }
      d[j] = next;
    }
  }
  return d[K];
}

}  // namespace

interpolating_spline::interpolating_spline(std::span<const double> x, std::span<const double> y,
                                           int degree) {
  fit(x, y, degree);
  std::vector<double>().swap(band_);  // one-shot use: the band is not needed any more
}

interpolating_spline::interpolating_spline(std::size_t capacity) {
  knots_.reserve(capacity + 2 * max_order);
  coef_.reserve(capacity);
  band_.reserve(capacity * (2 * static_cast<std::size_t>(max_degree) + 1));
}

// Knot vectors follow scipy.interpolate.make_interp_spline (SciPy 1.10, bc_type=None):
//   odd k:  t = [x0]*(k+1) + x[(k+1)/2 : n-(k+1)/2] + [x_{n-1}]*(k+1)   (not-a-knot; k = 1
//           gives the broken line through the points);
//   k = 2:  t = [x0]*3 + midpoints (x_i + x_{i+1})/2 for i = 1 .. n-3 + [x_{n-1}]*3.
void interpolating_spline::fit(std::span<const double> x, std::span<const double> y, int degree) {
  if (x.size() != y.size()) {
    throw std::invalid_argument("interpolating_spline: x and y differ in size");
  }
  if (x.empty()) throw std::invalid_argument("interpolating_spline: no data");
  if (degree < 1 || degree > max_degree) {
    throw std::invalid_argument("interpolating_spline: degree must be 1, 2 or 3");
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || (i > 0 && !(x[i] > x[i - 1]))) {
      throw std::invalid_argument("interpolating_spline: x must be finite and strictly increasing");
    }
  }

  const std::size_t n = x.size();
  x_first_ = x.front();
  x_last_ = x.back();
  y_first_ = y.front();
  y_last_ = y.back();
  if (n == 1) {
    degree_ = 0;
    knots_.assign(2, x_first_);
    coef_.assign(1, y_first_);
    return;
  }
  degree_ = std::min(degree, static_cast<int>(n) - 1);
  const auto k = static_cast<std::size_t>(degree_);

  if (knots_.capacity() < n + 2 * max_order) knots_.reserve(n + 2 * max_order);
  knots_.assign(k + 1, x_first_);
  if (k == 2) {
    for (std::size_t i = 1; i + 2 < n; ++i) knots_.push_back(0.5 * (x[i] + x[i + 1]));
  } else {
    const std::size_t skip = (k + 1) / 2;
    for (std::size_t i = skip; i + skip < n; ++i) knots_.push_back(x[i]);
  }
  knots_.insert(knots_.end(), k + 1, x_last_);
  coef_.assign(y.begin(), y.end());
  switch (degree_) {
    case 1:
      solve<1>(x);
      break;
    case 2:
      solve<2>(x);
      break;
    default:
      solve<3>(x);
      break;
  }
}

// Collocation: row i holds B_{mu-K..mu}(x_i), mu the span of x_i (the last site uses the last
// non-empty span), so the matrix is banded with at most K sub- and super-diagonals. Gaussian
// elimination without pivoting is stable for it (totally positive, de Boor 1976). Rows whose
// band lies inside the matrix take the fixed-length loops; the last K rows the bounded ones
// (the same operations in the same order either way).
template <std::size_t K>
void interpolating_spline::solve(std::span<const double> x) {
  constexpr std::size_t width = 2 * K + 1;  // entry (row, col) at row * width + (col + K - row)
  const std::size_t n = x.size();
  band_.assign(n * width, 0.0);
  double* const band = band_.data();
  double* const coef = coef_.data();
  const double* const t = knots_.data();
  std::size_t span = K;
  for (std::size_t i = 0; i < n; ++i) {
    while (span + 1 < n && t[span + 1] <= x[i]) ++span;
    const auto b = nonzero_basis<K>(t, span, x[i]);
    double* const row = band + i * width;
#pragma GCC unroll 4
    for (std::size_t r = 0; r <= K; ++r) row[span - K + r + K - i] = b[r];
  }
  for (std::size_t p = 0; p < n; ++p) {
    const double* const prow = band + p * width;
    const double pivot = prow[K];
    if (p + K < n) {
#pragma GCC unroll 4
      for (std::size_t r = 1; r <= K; ++r) {  // row p + r, column p at K - r
        double* const rrow = band + (p + r) * width;
        const double factor = rrow[K - r] / pivot;
        if (factor == 0.0) continue;
#pragma GCC unroll 4
        for (std::size_t c = 0; c <= K; ++c) rrow[K + c - r] -= factor * prow[K + c];
        coef[p + r] -= factor * coef[p];
      }
    } else {
      for (std::size_t row = p + 1; row < n; ++row) {
        const double factor = band[row * width + (p + K - row)] / pivot;
        if (factor == 0.0) continue;
        for (std::size_t col = p; col < n; ++col) {
          band[row * width + (col + K - row)] -= factor * prow[col + K - p];
        }
        coef[row] -= factor * coef[p];
      }
    }
  }
  for (std::size_t p = n; p-- > 0;) {
    const double* const prow = band + p * width;
    double sum = coef[p];
    if (p + K < n) {
#pragma GCC unroll 4
      for (std::size_t c = 1; c <= K; ++c) sum -= prow[K + c] * coef[p + c];
    } else {
      for (std::size_t col = p + 1; col < n; ++col) sum -= prow[col + K - p] * coef[col];
    }
    coef[p] = sum / prow[K];
  }
}

// De Boor's algorithm on the span holding x (binary search over the knots).
double interpolating_spline::operator()(double x) const {
  if (!(x > x_first_)) return y_first_;
  if (!(x < x_last_)) return y_last_;
  const auto k = static_cast<std::size_t>(degree_);
  const std::size_t n = coef_.size();
  const auto it = std::upper_bound(knots_.begin() + static_cast<std::ptrdiff_t>(k),
                                   knots_.begin() + static_cast<std::ptrdiff_t>(n), x);
  const auto span = static_cast<std::size_t>(it - knots_.begin()) - 1;
  std::array<double, max_order> d{};
  for (std::size_t j = 0; j <= k; ++j) d[j] = coef_[span - k + j];
  for (std::size_t r = 1; r <= k; ++r) {
    for (std::size_t j = k; j >= r; --j) {
      const double lo = knots_[span - k + j];
      const double hi = knots_[span + 1 + j - r];
      const double alpha = (x - lo) / (hi - lo);
      d[j] = (1.0 - alpha) * d[j - 1] + alpha * d[j];
    }
  }
  return d[k];
}

// One pass over the output: the clamped head, then span by span (the span's polynomial is
// built once, each point is a Horner evaluation with no search), then the clamped tail.
// Cost O(out.size() + spans), no allocation.
void interpolating_spline::sample_uniform(double t0, double fs_hz, std::span<double> out) const {
  if (!(fs_hz > 0.0) || !std::isfinite(fs_hz)) {
    throw std::invalid_argument("interpolating_spline::sample_uniform: fs_hz must be positive");
  }
  const double dt = 1.0 / fs_hz;
  switch (degree_) {
    case 0:
      sample<0>(t0, dt, out);
      break;
    case 1:
      sample<1>(t0, dt, out);
      break;
    case 2:
      sample<2>(t0, dt, out);
      break;
    default:
      sample<3>(t0, dt, out);
      break;
  }
}

template <std::size_t K>
void interpolating_spline::sample(double t0, double dt, std::span<double> out) const {
  const std::size_t count = out.size();
  const auto at = [&](std::size_t i) { return t0 + static_cast<double>(i) * dt; };

  std::size_t i = 0;
  for (; i < count && !(at(i) > x_first_); ++i) out[i] = y_first_;
  std::size_t span = K;
  knot_reciprocals<K> reciprocal(knots_.data());
  while (i < count && at(i) < x_last_) {
    // knots_[n] == x_last_ > x, so the scan stops at the last span n - 1.
    while (knots_[span + 1] <= at(i)) ++span;
    reciprocal.advance_to(span);
    const auto poly = span_polynomial<K>(knots_.data(), coef_.data(), span, reciprocal);
    const double origin = knots_[span];
    const double end = knots_[span + 1];
    for (double x = at(i); i < count && x < end; x = at(++i)) {
      const double u = x - origin;
      double v = poly[K];
      for (std::size_t p = K; p-- > 0;) v = v * u + poly[p];
      out[i] = v;
    }
  }
  for (; i < count; ++i) out[i] = y_last_;
}

}  // namespace resonant::dsp
