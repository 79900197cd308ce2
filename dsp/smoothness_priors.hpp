#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace resonant::dsp {

// Smoothness-priors detrending (Tarvainen, Ranta-aho & Karjalainen 2002, IEEE TBME 49:172):
// the trend is (I + lambda^2 D2' D2)^-1 z with D2 the second-difference operator; the
// function returns z minus that trend. lambda = 500 on a 4 Hz tachogram behaves like a
// time-varying high-pass with a cut-off near 0.035 Hz (Kubios' default).
// Solver: the matrix A = I + lambda^2 D2'D2 is symmetric positive definite and pentadiagonal
// (bandwidth 2), so it is factored as L D L' by a dedicated banded recurrence fused with the
// forward substitution, then back-substituted: O(n), two work arrays of n doubles, no
// pivoting (stable for SPD: every pivot is >= 1, A's smallest eigenvalue, while the diagonal
// 1 + 6 lambda^2 reaches 1.5e8 at lambda = 5000). Eigen's general sparse path
// (SimplicialLDLT) computes the same factorisation but costs ~20x more for this fixed band
// (assembly, symbolic analysis, copies); the test checks both agree. A is ill-conditioned
// (~16 lambda^2), so the series is centred first (A maps constants to themselves): rounding
// then scales with the trend's variation, not its 800 ms level (vs a 60-digit reference:
// ~1e-12 of |trend| at lambda = 500, <1e-10 at 5000; an uncentred double solve, Eigen's
// included, is ~2e-11 and ~3e-9). Series shorter than 3 samples lose only their mean.
std::vector<double> smoothness_priors_detrend(std::span<const double> z, double lambda);

// The same detrending for repeated use at one lambda (a streaming analyzer detrends a window of
// nearly the same length every hop). The L D L' factors of columns 0 .. n-3 of A do not depend
// on n (A differs between lengths only in its last two rows and columns; checked for n >= 3),
// so they are computed once at construction for up to `capacity` samples; detrend() factors
// only the last two columns and runs the two substitutions: no division on the recurrence's
// critical path, no allocation, and bit-identical results to smoothness_priors_detrend (the
// same operations in the same order; tested). Memory: 4 doubles per sample of capacity.
class smoothness_priors {
 public:
  // Throws std::invalid_argument for lambda negative or not finite.
  smoothness_priors(double lambda, std::size_t capacity);

  // z minus its trend into out. Throws std::invalid_argument when out.size() != z.size() or
  // z.size() > capacity(); out must not overlap z.
  void detrend(std::span<const double> z, std::span<double> out) const;

  [[nodiscard]] double lambda() const noexcept { return lambda_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return factors_.size(); }

 private:
  struct column {
    double d;   // D(i, i)
    double e;   // L(i+1, i) D(i, i)
    double l1;  // L(i+1, i)
    double l2;  // L(i+2, i)
  };
  double lambda_;
  std::vector<column> factors_;
};

}  // namespace resonant::dsp
