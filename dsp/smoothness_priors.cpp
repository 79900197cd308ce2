#include "smoothness_priors.hpp"

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace resonant::dsp {

namespace {

// Entry (i, i + d) of D2' D2, D2 the (n-2) x n second-difference matrix with rows
// (1, -2, 1) at columns r, r+1, r+2: sum over rows r touching both columns.
double second_difference_gram(std::size_t n, std::size_t i, std::size_t d) {
  constexpr double c[3] = {1.0, -2.0, 1.0};
  const std::size_t j = i + d;
  const std::size_t r_first = j >= 2 ? j - 2 : 0;
  const std::size_t r_last = std::min(i, n - 3);
  double sum = 0.0;
  for (std::size_t r = r_first; r <= r_last; ++r) sum += c[i - r] * c[j - r];
  return sum;
}

}  // namespace

// Tarvainen, Ranta-aho & Karjalainen (2002): trend = (I + lambda^2 D2'D2)^-1 z. The matrix is
// symmetric positive definite and pentadiagonal; with the natural ordering its Cholesky
// factor keeps the band (no fill-in), so factorisation and solve are O(n). Only the lower
// triangle is built.
std::vector<double> smoothness_priors_detrend(std::span<const double> z, double lambda) {
  if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
    throw std::invalid_argument("smoothness_priors_detrend: lambda must be finite and >= 0");
  }
  const std::size_t n = z.size();
  std::vector<double> out(z.begin(), z.end());
  if (n < 3) {
    double mean = 0.0;
    for (const double v : z) mean += v;
    if (n > 0) mean /= static_cast<double>(n);
    for (double& v : out) v -= mean;
    return out;
  }

  const auto size = static_cast<Eigen::Index>(n);
  const double lambda2 = lambda * lambda;
  Eigen::SparseMatrix<double> a(size, size);
  a.reserve(Eigen::VectorXi::Constant(size, 3));
  for (std::size_t col = 0; col < n; ++col) {
    for (std::size_t d = 0; d < 3 && col + d < n; ++d) {
      double v = lambda2 * second_difference_gram(n, col, d);
      if (d == 0) v += 1.0;
      a.insert(static_cast<Eigen::Index>(col + d), static_cast<Eigen::Index>(col)) = v;
    }
  }
  a.makeCompressed();

  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>, Eigen::Lower, Eigen::NaturalOrdering<int>>
      solver(a);
  const Eigen::Map<const Eigen::VectorXd> rhs(z.data(), size);
  const Eigen::VectorXd trend = solver.solve(rhs);
  for (std::size_t i = 0; i < n; ++i) out[i] -= trend[static_cast<Eigen::Index>(i)];
  return out;
}

}  // namespace resonant::dsp
