#include "fft.hpp"

#include <kissfft.hh>

#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

namespace resonant::dsp {

namespace {

using cpx = std::complex<double>;

// n with all factors 2, 3, 5 and 7 removed.
std::size_t strip_small_factors(std::size_t n) {
  for (const std::size_t p : {2U, 3U, 5U, 7U}) {
    while (n % p == 0) n /= p;
  }
  return n;
}

std::size_t next_power_of_two(std::size_t n) {
  std::size_t m = 1;
  while (m < n) m <<= 1U;
  return m;
}

}  // namespace

// Three ways to get the real DFT, chosen once in the constructor:
//   packed:    n even, n/2 7-smooth: n/2-point complex FFT + KissFFT's real post-processing;
//   direct:    n odd and 7-smooth: n-point complex FFT of the input with zero imaginary part;
//   bluestein: X[k] = conj(w_k) sum_j (x_j conj(w_j)) w_{k-j}, w_j = exp(i pi j^2 / n), the
//              convolution done circularly with an m-point FFT (m power of two >= 2n - 1);
//              the inverse FFT is the forward one applied to conjugates.
struct real_fft::plan {
  enum class kind { packed, direct, bluestein };

  kind method;
  kissfft<double> engine;
  std::vector<cpx> work;       // direct/bluestein: transform input
  std::vector<cpx> spectrum;   // direct/bluestein: transform output
  std::vector<cpx> chirp;      // bluestein: w_j, j < n
  std::vector<cpx> chirp_fft;  // bluestein: FFT of the wrapped chirp, divided by m

  plan(kind k, std::size_t engine_size) : method(k), engine(engine_size, false) {}
};

real_fft::real_fft(std::size_t n) : n_(n) {
  if (n == 0) throw std::invalid_argument("real_fft: length must be positive");

  if (strip_small_factors(n) == 1) {
    if (n % 2 == 0) {
      plan_ = std::make_unique<plan>(plan::kind::packed, n / 2);
    } else {
      plan_ = std::make_unique<plan>(plan::kind::direct, n);
      plan_->work.resize(n);
      plan_->spectrum.resize(n);
    }
  } else {
    const std::size_t m = next_power_of_two(2 * n - 1);
    plan_ = std::make_unique<plan>(plan::kind::bluestein, m);
    auto& p = *plan_;
    p.work.assign(m, cpx{});
    p.spectrum.resize(m);
    p.chirp.resize(n);
    const std::uint64_t two_n = 2 * static_cast<std::uint64_t>(n);
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t jj = static_cast<std::uint64_t>(j) * j % two_n;
      const double phase = std::numbers::pi * static_cast<double>(jj) / static_cast<double>(n);
      p.chirp[j] = std::polar(1.0, phase);
    }
    std::vector<cpx> wrapped(m, cpx{});
    wrapped[0] = p.chirp[0];
    for (std::size_t j = 1; j < n; ++j) {
      wrapped[j] = p.chirp[j];
      wrapped[m - j] = p.chirp[j];
    }
    p.chirp_fft.resize(m);
    p.engine.transform(wrapped.data(), p.chirp_fft.data());
    const double inv_m = 1.0 / static_cast<double>(m);
    for (auto& c : p.chirp_fft) c *= inv_m;
  }

  // KissFFT sizes its scratch buffer for generic (radix 7) butterflies on first use: do that
  // here so transform() never allocates.
  if (n % 7 == 0) {
    std::vector<double> zeros(n, 0.0);
    std::vector<cpx> sink(bins());
    transform(zeros, sink);
  }
}

real_fft::~real_fft() = default;
real_fft::real_fft(real_fft&&) noexcept = default;
real_fft& real_fft::operator=(real_fft&&) noexcept = default;

bool real_fft::uses_chirp_z() const noexcept {
  return plan_->method == plan::kind::bluestein;
}

void real_fft::transform(std::span<const double> in, std::span<std::complex<double>> out) {
  if (in.size() != n_ || out.size() != bins()) {
    throw std::invalid_argument("real_fft::transform: input must have size() and output bins()");
  }
  auto& p = *plan_;
  const std::size_t half = n_ / 2;
  switch (p.method) {
    case plan::kind::packed: {
      // KissFFT leaves DC and Nyquist packed in out[0] as (X_0, X_{n/2}).
      p.engine.transform_real(in.data(), out.data());
      const double nyquist = out[0].imag();
      out[0] = cpx{out[0].real(), 0.0};
      out[half] = cpx{nyquist, 0.0};
      break;
    }
    case plan::kind::direct: {
      for (std::size_t j = 0; j < n_; ++j) p.work[j] = cpx{in[j], 0.0};
      p.engine.transform(p.work.data(), p.spectrum.data());
      for (std::size_t k = 0; k <= half; ++k) out[k] = p.spectrum[k];
      break;
    }
    case plan::kind::bluestein: {
      const std::size_t m = p.work.size();
      for (std::size_t j = 0; j < n_; ++j) p.work[j] = in[j] * std::conj(p.chirp[j]);
      for (std::size_t j = n_; j < m; ++j) p.work[j] = cpx{};
      p.engine.transform(p.work.data(), p.spectrum.data());
      // Multiply by the chirp's spectrum and conjugate, so the forward FFT below inverts.
      for (std::size_t k = 0; k < m; ++k) p.work[k] = std::conj(p.spectrum[k] * p.chirp_fft[k]);
      p.engine.transform(p.work.data(), p.spectrum.data());
      for (std::size_t k = 0; k <= half; ++k) {
        out[k] = std::conj(p.chirp[k]) * std::conj(p.spectrum[k]);
      }
      break;
    }
  }
}

std::size_t next_fast_fft_size(std::size_t n) {
  if (n <= 1) return 1;
  std::size_t best = next_power_of_two(n);
  for (std::size_t p5 = 1; p5 < best; p5 *= 5) {
    for (std::size_t p35 = p5; p35 < best; p35 *= 3) {
      std::size_t m = p35;
      while (m < n) m *= 2;
      if (m < best) best = m;
    }
  }
  return best;
}

}  // namespace resonant::dsp
