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

// The degree + 1 B-splines of the given degree that are nonzero on [t[span], t[span+1]),
// evaluated at x: values[r] = B_{span-degree+r}(x). Cox-de Boor recurrence in the triangular
// form of Piegl & Tiller, "The NURBS Book", algorithm A2.2.
std::array<double, max_order> nonzero_basis(const std::vector<double>& t, std::size_t span,
                                            int degree, double x) {
  std::array<double, max_order> values{};
  std::array<double, max_order> left{};
  std::array<double, max_order> right{};
  values[0] = 1.0;
  const auto k = static_cast<std::size_t>(degree);
  for (std::size_t j = 1; j <= k; ++j) {
    left[j] = x - t[span + 1 - j];
    right[j] = t[span + j] - x;
    double saved = 0.0;
    for (std::size_t r = 0; r < j; ++r) {
      const double temp = values[r] / (right[r + 1] + left[j - r]);
      values[r] = saved + right[r + 1] * temp;
      saved = left[j - r] * temp;
    }
    values[j] = saved;
  }
  return values;
}

// Power-basis coefficients c_p of the spline on [t[span], t[span+1]) in u = x - t[span]: de
// Boor's recursion run on polynomials instead of numbers (each alpha is linear in u).
std::array<double, max_order> span_polynomial(const std::vector<double>& t,
                                              const std::vector<double>& coef, std::size_t span,
                                              std::size_t k) {
  // d[j][p]: coefficient of u^p of the j-th de Boor point.
  std::array<std::array<double, max_order>, max_order> d{};
  for (std::size_t j = 0; j <= k; ++j) d[j][0] = coef[span - k + j];
  const double origin = t[span];
  for (std::size_t r = 1; r <= k; ++r) {
    for (std::size_t j = k; j >= r; --j) {
      const double lo = t[span - k + j];
      const double inv = 1.0 / (t[span + 1 + j - r] - lo);
      const double a0 = (origin - lo) * inv;  // alpha = a0 + inv * u
      std::array<double, max_order> next{};
      for (std::size_t p = 0; p < r; ++p) {
        next[p] += (1.0 - a0) * d[j - 1][p] + a0 * d[j][p];
        next[p + 1] += inv * (d[j][p] - d[j - 1][p]);
      }
      d[j] = next;
    }
  }
  return d[k];
}

}  // namespace

// Knot vectors follow scipy.interpolate.make_interp_spline (SciPy 1.10, bc_type=None):
//   odd k:  t = [x0]*(k+1) + x[(k+1)/2 : n-(k+1)/2] + [x_{n-1}]*(k+1)   (not-a-knot; k = 1
//           gives the broken line through the points);
//   k = 2:  t = [x0]*3 + midpoints (x_i + x_{i+1})/2 for i = 1 .. n-3 + [x_{n-1}]*3.
// Collocation: row i holds B_{mu-k..mu}(x_i), mu the span of x_i (the last site uses the
// last non-empty span), so the matrix is banded with at most k sub- and super-diagonals.
// Gaussian elimination without pivoting is stable for it (totally positive, de Boor 1976).
interpolating_spline::interpolating_spline(std::span<const double> x, std::span<const double> y,
                                           int degree)
    : degree_(degree) {
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
    knots_ = {x_first_, x_first_};
    coef_ = {y_first_};
    return;
  }
  degree_ = std::min(degree_, static_cast<int>(n) - 1);
  const auto k = static_cast<std::size_t>(degree_);

  knots_.assign(k + 1, x_first_);
  if (k == 2) {
    for (std::size_t i = 1; i + 2 < n; ++i) knots_.push_back(0.5 * (x[i] + x[i + 1]));
  } else {
    const std::size_t skip = (k + 1) / 2;
    for (std::size_t i = skip; i + skip < n; ++i) knots_.push_back(x[i]);
  }
  knots_.insert(knots_.end(), k + 1, x_last_);

  // Band storage: entry (row, col) at band[row * width + (col + k - row)].
  const std::size_t width = 2 * k + 1;
  std::vector<double> band(n * width, 0.0);
  coef_.assign(y.begin(), y.end());
  std::size_t span = k;
  for (std::size_t i = 0; i < n; ++i) {
    while (span + 1 < n && knots_[span + 1] <= x[i]) ++span;
    const auto b = nonzero_basis(knots_, span, degree_, x[i]);
    for (std::size_t r = 0; r <= k; ++r) {
      const std::size_t col = span - k + r;
      band[i * width + (col + k - i)] = b[r];
    }
  }
  for (std::size_t p = 0; p < n; ++p) {
    const double pivot = band[p * width + k];
    for (std::size_t row = p + 1; row < std::min(n, p + k + 1); ++row) {
      const double factor = band[row * width + (p + k - row)] / pivot;
      if (factor == 0.0) continue;
      for (std::size_t col = p; col < std::min(n, p + k + 1); ++col) {
        band[row * width + (col + k - row)] -= factor * band[p * width + (col + k - p)];
      }
      coef_[row] -= factor * coef_[p];
    }
  }
  for (std::size_t p = n; p-- > 0;) {
    double sum = coef_[p];
    for (std::size_t col = p + 1; col < std::min(n, p + k + 1); ++col) {
      sum -= band[p * width + (col + k - p)] * coef_[col];
    }
    coef_[p] = sum / band[p * width + k];
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
  const auto k = static_cast<std::size_t>(degree_);
  const std::size_t count = out.size();
  const auto at = [&](std::size_t i) { return t0 + static_cast<double>(i) * dt; };

  std::size_t i = 0;
  for (; i < count && !(at(i) > x_first_); ++i) out[i] = y_first_;
  std::size_t span = k;
  while (i < count && at(i) < x_last_) {
    // knots_[n] == x_last_ > x, so the scan stops at the last span n - 1.
    while (knots_[span + 1] <= at(i)) ++span;
    const auto poly = span_polynomial(knots_, coef_, span, k);
    const double origin = knots_[span];
    const double end = knots_[span + 1];
    for (double x = at(i); i < count && x < end; x = at(++i)) {
      const double u = x - origin;
      double v = poly[k];
      for (std::size_t p = k; p-- > 0;) v = v * u + poly[p];
      out[i] = v;
    }
  }
  for (; i < count; ++i) out[i] = y_last_;
}

}  // namespace resonant::dsp
