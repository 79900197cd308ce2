#pragma once

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
// collocation matrices are totally positive), O(n).
class interpolating_spline {
 public:
  // Throws std::invalid_argument when x and y differ in size, are empty, or x is not strictly
  // increasing, or degree is not 1, 2 or 3.
  interpolating_spline(std::span<const double> x, std::span<const double> y, int degree);

  [[nodiscard]] double operator()(double x) const;

  // Samples the spline at t0 + k / fs_hz for k = 0 .. out.size() - 1 in a single sweep.
  void sample_uniform(double t0, double fs_hz, std::span<double> out) const;

  [[nodiscard]] int degree() const noexcept { return degree_; }

 private:
  int degree_;
  std::vector<double> knots_;
  std::vector<double> coef_;
  double x_first_, x_last_, y_first_, y_last_;
};

}  // namespace resonant::dsp
