#include "ar_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace resonant::dsp {

ar_model burg(std::span<const double> x, std::size_t order) {
  if (order < 1) throw std::invalid_argument("burg: order must be >= 1");
  if (x.size() <= order) throw std::invalid_argument("burg: fewer samples than the order");
  const std::size_t n = x.size();
  std::vector<double> f(x.begin(), x.end());
  std::vector<double> b(x.begin(), x.end());
  ar_model m;
  m.a.assign(1, 1.0);
  double e = 0.0;
  for (double v : x) e += v * v;
  e /= static_cast<double>(n);
  std::vector<double> prev;
  for (std::size_t k = 1; k <= order; ++k) {
    double num = 0.0;
    double den = 0.0;
    for (std::size_t i = k; i < n; ++i) {
      num += f[i] * b[i - 1];
      den += f[i] * f[i] + b[i - 1] * b[i - 1];
    }
    const double refl = den > 0.0 ? -2.0 * num / den : 0.0;
    prev = m.a;
    m.a.push_back(0.0);
    for (std::size_t i = 1; i <= k; ++i) m.a[i] = prev.size() > i ? prev[i] : 0.0;
    for (std::size_t i = 1; i <= k; ++i) {
      const double back = k - i < prev.size() ? prev[k - i] : 0.0;
      m.a[i] += refl * back;
    }
    // Update the prediction errors from the end so b[i - 1] is still the old value.
    for (std::size_t i = n - 1; i >= k; --i) {
      const double fi = f[i];
      f[i] = fi + refl * b[i - 1];
      b[i] = b[i - 1] + refl * fi;
    }
    e *= 1.0 - refl * refl;
  }
  m.sigma2 = e;
  return m;
}

spectrum ar_psd(const ar_model& m, double fs_hz, std::span<const double> freq_hz) {
  spectrum s;
  s.freq_hz.assign(freq_hz.begin(), freq_hz.end());
  s.psd.resize(freq_hz.size());
  for (std::size_t k = 0; k < freq_hz.size(); ++k) {
    const double w = 2.0 * std::numbers::pi * freq_hz[k] / fs_hz;
    std::complex<double> a = 0.0;
    for (std::size_t i = 0; i < m.a.size(); ++i) {
      a += m.a[i] * std::polar(1.0, -w * static_cast<double>(i));
    }
    const bool unpaired = freq_hz[k] <= 0.0 || std::abs(freq_hz[k] - fs_hz / 2.0) < 1e-12;
    s.psd[k] = (unpaired ? 1.0 : 2.0) * m.sigma2 / (fs_hz * std::norm(a));
  }
  return s;
}

std::vector<std::complex<double>> polynomial_roots(std::span<const double> c) {
  using cd = std::complex<double>;
  if (c.empty() || c[0] == 0.0) throw std::invalid_argument("polynomial_roots: bad leading term");
  const std::size_t n = c.size() - 1;
  std::vector<cd> z(n);
  if (n == 0) return z;
  // Starting points on a circle of the Cauchy-bound-ish radius, off the real axis.
  double radius = 0.0;
  for (std::size_t i = 1; i <= n; ++i) radius = std::max(radius, std::abs(c[i] / c[0]));
  radius = std::min(1.0 + radius, 2.0);
  for (std::size_t k = 0; k < n; ++k) {
    const double phi =
        2.0 * std::numbers::pi * (static_cast<double>(k) + 0.25) / static_cast<double>(n) + 0.4;
    z[k] = std::polar(0.9 * radius, phi);
  }
  auto eval = [&](cd x, cd& deriv) {
    cd p = c[0];
    cd d = 0.0;
    for (std::size_t i = 1; i <= n; ++i) {
      d = d * x + p;
      p = p * x + c[i];
    }
    deriv = d;
    return p;
  };
  // Aberth-Ehrlich iteration (cubic convergence for simple roots).
  for (int iter = 0; iter < 500; ++iter) {
    double largest_step = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      cd d;
      const cd p = eval(z[k], d);
      if (p == 0.0) continue;
      const cd ratio = p / d;
      cd sum = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        if (j != k) sum += 1.0 / (z[k] - z[j]);
      }
      const cd step = ratio / (1.0 - ratio * sum);
      z[k] -= step;
      largest_step = std::max(largest_step, std::abs(step));
    }
    if (largest_step < 1e-15) break;
  }
  return z;
}

std::vector<ar_component> ar_components(const ar_model& m, double fs_hz) {
  using cd = std::complex<double>;
  const std::vector<cd> poles = polynomial_roots(m.a);
  const std::size_t p = poles.size();
  std::vector<ar_component> out;
  std::vector<bool> used(p, false);
  for (std::size_t k = 0; k < p; ++k) {
    if (used[k]) continue;
    auto residue = [&](std::size_t q) {
      cd den = 1.0;
      for (std::size_t i = 0; i < p; ++i) {
        if (i != q) den *= poles[q] - poles[i];
        den *= 1.0 - poles[i] * poles[q];
      }
      return m.sigma2 * std::pow(poles[q], static_cast<double>(p - 1)) / den;
    };
    double power = residue(k).real();
    used[k] = true;
    if (std::abs(poles[k].imag()) > 1e-10) {
      // Its conjugate partner: the unused pole nearest conj(p_k).
      std::size_t best = p;
      double dist = 0.0;
      for (std::size_t j = 0; j < p; ++j) {
        if (used[j]) continue;
        const double d = std::abs(poles[j] - std::conj(poles[k]));
        if (best == p || d < dist) {
          best = j;
          dist = d;
        }
      }
      if (best < p) {
        used[best] = true;
        power += residue(best).real();
      }
    }
    out.push_back({std::abs(std::arg(poles[k])) * fs_hz / (2.0 * std::numbers::pi), power});
  }
  return out;
}

}  // namespace resonant::dsp
