#include "smoothness_priors.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace resonant::dsp {

namespace {

// Entry (i + d, i), d = 0, 1, 2, of D2' D2, D2 the (n-2) x n second-difference matrix with rows
// (1, -2, 1) at columns r, r+1, r+2: the sum over the rows r touching both columns. Away from
// the ends (every row r in [i + d - 2, i] exists) that is 6, -4, 1.
double second_difference_gram(std::size_t n, std::size_t i, std::size_t d) {
  constexpr double interior[3] = {6.0, -4.0, 1.0};
  const std::size_t j = i + d;
  if (j >= 2 && i + 3 <= n) return interior[d];
  constexpr double c[3] = {1.0, -2.0, 1.0};
  const std::size_t r_first = j >= 2 ? j - 2 : 0;
  const std::size_t r_last = std::min(i, n - 3);
  double sum = 0.0;
  for (std::size_t r = r_first; r <= r_last; ++r) sum += c[i - r] * c[j - r];
  return sum;
}

// The recurrence of the L D L' factorisation, column by column (see below).
struct ldl_recurrence {
  double e1 = 0.0;    // e_{i-1}
  double l1_1 = 0.0;  // l1_{i-1}
  double l2_1 = 0.0;  // l2_{i-1}
  double l2_2 = 0.0;  // l2_{i-2}
  double c1 = 0.0;    // A(i+1,i-1) l2_{i-1}
  double c2 = 0.0;    // A(i,i-2) l2_{i-2}

  struct factors {
    double d, e, l1, l2;
  };
  // Column i, given its entries A(i,i), A(i+1,i), A(i+2,i).
  factors step(double a0, double a1, double a2) {
    const double di = (a0 - c2) - e1 * l1_1;
    const double ei = a1 - l2_1 * e1;
    const factors f{di, ei, ei / di, a2 / di};
    c2 = c1;
    c1 = a2 * f.l2;
    e1 = ei;
    l2_2 = l2_1;
    l2_1 = f.l2;
    l1_1 = f.l1;
    return f;
  }
};

void check_lambda(double lambda) {
  if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
    throw std::invalid_argument("smoothness_priors: lambda must be finite and >= 0");
  }
}

double mean_of(std::span<const double> z) {
  double mean = 0.0;
  for (const double v : z) mean += v;
  return mean / static_cast<double>(z.size());
}

// A(i + d, i) for a series of n samples.
double entry(double lambda2, std::size_t n, std::size_t i, std::size_t d) {
  return lambda2 * second_difference_gram(n, i, d) + (d == 0 ? 1.0 : 0.0);
}

}  // namespace

// Tarvainen, Ranta-aho & Karjalainen (2002): trend = (I + lambda^2 D2'D2)^-1 z. With
// A = I + lambda^2 D2'D2 = L D L' (L unit lower triangular with two sub-diagonals l1, l2, D
// diagonal) and e_i = l1_i d_i, column i gives
//   d_i = A(i,i) - A(i,i-2) l2_{i-2} - e_{i-1} l1_{i-1},
//   e_i = A(i+1,i) - l2_{i-1} e_{i-1},   l1_i = e_i / d_i,   l2_i = A(i+2,i) / d_i
// (the up-looking order Eigen's SimplicialLDLT uses; one division, one product and one
// difference per column on the recurrence's critical path), and the forward substitution
// L y = z runs in the same pass (y_i / d_i is stored in the output); the back substitution
// L' x = D^-1 y then forms z - x from the end. A is SPD (d_i >= 1), so no pivoting is needed
// and the factorisation is backward stable.
std::vector<double> smoothness_priors_detrend(std::span<const double> z, double lambda) {
  check_lambda(lambda);
  const std::size_t n = z.size();
  std::vector<double> out(z.begin(), z.end());
  if (n < 3) {
    double mean = 0.0;
    for (const double v : z) mean += v;
    if (n > 0) mean /= static_cast<double>(n);
    for (double& v : out) v -= mean;
    return out;
  }

  // A maps lines to themselves (D2 annihilates them), so the trend of z is mean + the trend of
  // z - mean. Solving for the centred series keeps the rounding error, which scales with the
  // solution (A's condition number is ~16 lambda^2), 10-100x smaller on a tachogram.
  const double mean = mean_of(z);

  const double lambda2 = lambda * lambda;
  struct column {
    double l1 = 0.0;  // L(i+1, i)
    double l2 = 0.0;  // L(i+2, i)
  };
  std::vector<column> l(n);  // the entries past the matrix stay 0
  ldl_recurrence rec;
  double y1 = 0.0;  // y_{i-1}
  double y2 = 0.0;  // y_{i-2}
  // Column i of the factorisation and row i of the forward substitution, given column i's
  // entries A(i,i), A(i+1,i), A(i+2,i).
  const auto step = [&](std::size_t i, double a0, double a1, double a2) {
    const double l1_1 = rec.l1_1;
    const double l2_2 = rec.l2_2;
    const ldl_recurrence::factors f = rec.step(a0, a1, a2);
    const double yi = (z[i] - mean) - l1_1 * y1 - l2_2 * y2;
    out[i] = yi / f.d;
    l[i] = column{f.l1, f.l2};
    y2 = y1;
    y1 = yi;
  };
  const auto boundary_step = [&](std::size_t i) {
    step(i, entry(lambda2, n, i, 0), i + 1 < n ? entry(lambda2, n, i, 1) : 0.0,
         i + 2 < n ? entry(lambda2, n, i, 2) : 0.0);
  };
  // Columns 2 .. n-3 see the interior entries 1 + 6 lambda^2, -4 lambda^2, lambda^2.
  const double diagonal = 1.0 + 6.0 * lambda2;
  const double first_off = -4.0 * lambda2;
  const double second_off = lambda2;
  boundary_step(0);
  boundary_step(1);
  for (std::size_t i = 2; i + 2 < n; ++i) step(i, diagonal, first_off, second_off);
  for (std::size_t i = std::max<std::size_t>(n - 2, 2); i < n; ++i) boundary_step(i);
  double x1 = 0.0;  // x_{i+1}
  double x2 = 0.0;  // x_{i+2}
  for (std::size_t i = n; i-- > 0;) {
    const double xi = out[i] - l[i].l1 * x1 - l[i].l2 * x2;
    out[i] = (z[i] - mean) - xi;
    x2 = x1;
    x1 = xi;
  }
  return out;
}

// Columns 0 and 1 have the entries of a long series (identical for every n >= 4, and column 0
// for n = 3), columns 2 on the interior ones: what smoothness_priors_detrend computes for
// every column i <= n - 3, with the same expressions.
smoothness_priors::smoothness_priors(double lambda, std::size_t capacity) : lambda_(lambda) {
  check_lambda(lambda);
  const double lambda2 = lambda * lambda;
  constexpr std::size_t long_series = 8;
  factors_.resize(capacity);
  ldl_recurrence rec;
  for (std::size_t i = 0; i < capacity; ++i) {
    const ldl_recurrence::factors f =
        i < 2 ? rec.step(entry(lambda2, long_series, i, 0), entry(lambda2, long_series, i, 1),
                         entry(lambda2, long_series, i, 2))
              : rec.step(1.0 + 6.0 * lambda2, -4.0 * lambda2, lambda2);
    factors_[i] = column{f.d, f.e, f.l1, f.l2};
  }
}

void smoothness_priors::detrend(std::span<const double> z, std::span<double> out) const {
  const std::size_t n = z.size();
  if (out.size() != n) {
    throw std::invalid_argument("smoothness_priors::detrend: out and z differ in size");
  }
  if (n > factors_.size()) {
    throw std::invalid_argument("smoothness_priors::detrend: series longer than the capacity");
  }
  if (n < 3) {
    const double mean = n > 0 ? mean_of(z) : 0.0;
    for (std::size_t i = 0; i < n; ++i) out[i] = z[i] - mean;
    return;
  }
  const double mean = mean_of(z);
  const double lambda2 = lambda_ * lambda_;
  const column* const f = factors_.data();

  // Forward substitution over the cached columns 0 .. n-3.
  const std::size_t m = n - 3;
  double y1 = 0.0;
  double y2 = 0.0;
  double l1_1 = 0.0;
  double l2_2 = 0.0;
  double l2_1 = 0.0;
  for (std::size_t i = 0; i <= m; ++i) {
    const double yi = (z[i] - mean) - l1_1 * y1 - l2_2 * y2;
    out[i] = yi / f[i].d;
    l2_2 = l2_1;
    l2_1 = f[i].l2;
    l1_1 = f[i].l1;
    y2 = y1;
    y1 = yi;
  }
  // The recurrence as it stands after column m, then the last two columns of this length.
  ldl_recurrence rec;
  rec.e1 = f[m].e;
  rec.l1_1 = f[m].l1;
  rec.l2_1 = f[m].l2;
  rec.l2_2 = m > 0 ? f[m - 1].l2 : 0.0;
  rec.c1 = lambda2 * f[m].l2;  // A(m+2, m) = lambda^2 for every m <= n-3
  rec.c2 = m > 0 ? lambda2 * f[m - 1].l2 : 0.0;
  ldl_recurrence::factors last[2];
  for (std::size_t j = 0; j < 2; ++j) {
    const std::size_t i = n - 2 + j;
    const double l1_prev = rec.l1_1;
    const double l2_prev2 = rec.l2_2;
    last[j] = rec.step(entry(lambda2, n, i, 0), i + 1 < n ? entry(lambda2, n, i, 1) : 0.0, 0.0);
    const double yi = (z[i] - mean) - l1_prev * y1 - l2_prev2 * y2;
    out[i] = yi / last[j].d;
    y2 = y1;
    y1 = yi;
  }
  double x1 = 0.0;
  double x2 = 0.0;
  for (std::size_t i = n; i-- > 0;) {
    const double l1 = i > m ? last[i - m - 1].l1 : f[i].l1;
    const double l2 = i > m ? last[i - m - 1].l2 : f[i].l2;
    const double xi = out[i] - l1 * x1 - l2 * x2;
    out[i] = (z[i] - mean) - xi;
    x2 = x1;
    x1 = xi;
  }
}

}  // namespace resonant::dsp
