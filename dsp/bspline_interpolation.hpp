#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace resonant::dsp {

// Interpolating B-spline through (x[i], y[i]) of degree 2 or 3, with SciPy's knot placement
// (scipy.interpolate.make_interp_spline, which interp1d and CubicSpline use):
//   degree 3: not-a-knot end conditions (also MATLAB's spline(), so Kubios' cubic resampling);
//   degree 2: knots at the midpoints between data sites, the 2nd and 2nd-to-last omitted
//             (interp1d kind="quadratic", NeuroKit2's default RR interpolation).
// Fewer points than degree + 1 lower the degree (2 points: a straight line; 1 point: constant).
// Outside [x.front(), x.back()] the value is held at the end values (NeuroKit2's fill rule).
// The coefficients are found from the banded collocation system (no pivoting needed: B-spline
// collocation matrices are totally positive), O(n). The fit and the sampling are compiled per
// degree (fixed loop bounds, unrolled), with the same operations in the same order for every
// entry point, so a refit gives bit-identical values to a fresh construction.
// Reuse: a spline made with a capacity keeps its knots, coefficients and collocation band and
// refits in place with fit(); up to `capacity` data points nothing is allocated (streaming
// analyzers refit every hop). The one-shot constructor releases its band after the fit.
class interpolating_spline {
 public:
  // Throws std::invalid_argument when x and y differ in size, are empty, or x is not strictly
  // increasing, or degree is not 1, 2 or 3.
  interpolating_spline(std::span<const double> x, std::span<const double> y, int degree);

  // An empty spline (the constant 0) with storage for fits of up to `capacity` points.
  explicit interpolating_spline(std::size_t capacity);

  // Refits through (x, y) (same checks and throws as the constructor; on a throw the previous
  // fit is kept). Allocates only when x.size() exceeds every earlier capacity.
  void fit(std::span<const double> x, std::span<const double> y, int degree);

  [[nodiscard]] double operator()(double x) const;

  // Samples the spline at t0 + k / fs_hz for k = 0 .. out.size() - 1 in a single sweep.
  void sample_uniform(double t0, double fs_hz, std::span<double> out) const;

  [[nodiscard]] int degree() const noexcept { return degree_; }

 private:
  template <std::size_t K>
  void solve(std::span<const double> x);
  template <std::size_t K>
  void sample(double t0, double dt, std::span<double> out) const;

  int degree_ = 0;
  std::vector<double> knots_;
  std::vector<double> coef_;
  std::vector<double> band_;  // collocation matrix, band storage (kept for refits)
  double x_first_ = 0.0, x_last_ = 0.0, y_first_ = 0.0, y_last_ = 0.0;
};

}  // namespace resonant::dsp
