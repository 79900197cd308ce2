#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rr_series.hpp"

namespace resonant::dsp {

struct poincare_result {
  double sd1_ms;
  double sd2_ms;
};

// Poincare plot descriptors over successive pairs (rr[i-1], rr[i]) not separated by a gap:
// SD1 = SD((rr[i] - rr[i-1]) / sqrt 2), SD2 = SD((rr[i] + rr[i-1]) / sqrt 2), with the given
// ddof (NeuroKit2, hrv-analysis: 1; HeartPy, pyHRV: 0). nullopt with fewer than ddof + 1 pairs.
std::optional<poincare_result> poincare(const rr_series& rr, int ddof);

// Detrended fluctuation analysis exponent (Peng et al. 1995) over box sizes n_min..n_max
// (every integer size), non-overlapping boxes from the start, first-order (linear) detrending
// of the integrated, mean-removed series; alpha is the least-squares slope of log F(n) against
// log n. Each scale costs O(N) (box fits from prefix sums). nullopt when the series holds fewer
// than 2 boxes of n_max, when n_min >= n_max, or when some F(n) is zero (a constant or linear
// profile). Throws std::invalid_argument for n_min < 3 (a line through <= 2 points leaves no
// residual).
std::optional<double> dfa_alpha(std::span<const double> x, std::size_t n_min, std::size_t n_max);

// The DFA fluctuation F(n) at one box size n: the root mean square residual of the
// least-squares line fitted in each of the floor(N / n) boxes, over all their points (the same
// values dfa_alpha regresses). nullopt when the series holds no full box; n >= 3.
std::optional<double> dfa_fluctuation(std::span<const double> x, std::size_t n);

// Sample entropy (Richman & Moorman 2000): -ln(A / B), B = pairs of templates of length m
// within Chebyshev distance r (<= r), A the same for length m + 1, self-matches excluded, both
// counted over the same N - m template starts. Exact counts; for m = 2 an O(N log^2 N) sweep
// (sorted on the first coordinate, Fenwick trees over the others), so 100 000 beats take
// milliseconds instead of the O(N^2) minutes. nullopt when A or B is zero or N <= m + 1.
std::optional<double> sample_entropy(std::span<const double> x, int m, double r);

// The exact pair counts behind sample_entropy: b = unordered template pairs i < j (starts
// 0 .. N - m - 1) within r at length m, a = those also within r at length m + 1. Zero counts
// when N <= m + 1.
struct template_matches {
  std::uint64_t a;
  std::uint64_t b;
};
template_matches sample_entropy_counts(std::span<const double> x, int m, double r);

// Sample entropy with Kubios' normalisation: -ln[(A / C(N-m, 2)) / (B / C(N-m+1, 2))], A the
// matching pairs of the N - m templates of length m + 1, B those of all N - m + 1 templates of
// length m (the common form counts B over the first N - m only). Reproduces Kubios 3.1 to its
// 4 printed decimals where the plain form is 1 % off on 5 minutes. nullopt as sample_entropy.
std::optional<double> sample_entropy_kubios(std::span<const double> x, int m, double r);

// Approximate entropy (Pincus 1991): Phi_m - Phi_{m+1}, Phi_k = mean over the N - k + 1
// templates of length k of ln(C_i / (N - k + 1)), C_i the templates within Chebyshev distance
// r of template i, itself included. Exact counts; for m <= 2 an O(N log^2 N) sweep (sorted on
// the first coordinate, a window of starts within r, Fenwick trees over the other
// coordinates), so 100 000 beats take well under a second; other m the O(N^2) loop.
// nullopt when N <= m + 1. Throws std::invalid_argument for m < 1, r < 0 or non-finite input.
std::optional<double> approximate_entropy(std::span<const double> x, int m, double r);

}  // namespace resonant::dsp
