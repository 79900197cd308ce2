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

// Four ways to get the real DFT, chosen once in the constructor:
//   packed:         n even, h = n/2 7-smooth: h-point complex FFT of z_j = x_2j + i x_2j+1 and
//                   KissFFT's real post-processing (transform_real);
//   packed_chirp_z: n even, h with a larger prime factor: the same packing, the h-point DFT of
//                   z by Bluestein, then our own post-processing (below);
//   direct:         n odd and 7-smooth: n-point complex FFT of the input with zero imaginary part;
//   chirp_z:        n odd with a larger prime factor: Bluestein on the n-point DFT of x.
// Bluestein on L points: Z_k = conj(w_k) sum_j (z_j conj(w_j)) w_{k-j}, w_j = exp(i pi j^2 / L),
// the convolution done circularly with an m-point FFT, m = next_fast_fft_size(2L - 1) (KissFFT
// measured as fast or faster per point on 5-smooth lengths than on powers of two, and m is up to
// ~2x smaller). The inverse FFT is the forward one applied to conjugates. The wrapped chirp is
// even (b_j = b_{m-j}), so its spectrum is too and only B_0 .. B_{m/2} is stored.
// Packed post-processing, E/O the DFTs of the even/odd samples, t_k = exp(-2 pi i k / n):
//   E_k = (Z_k + conj Z_{h-k}) / 2,  O_k = (Z_k - conj Z_{h-k}) / 2i,
//   X_k = E_k + t_k O_k,  X_{h-k} = conj(E_k - t_k O_k),  k = 0 .. h/2.
// Memory for chirp_z kinds: KissFFT's twiddles, work and spectrum (m each), the chirp's
// half-spectrum (m/2), the chirp (L) and, packed, t_k (h/2): about 4.3 m complex values.
struct real_fft::plan {
  enum class kind { packed, packed_chirp_z, direct, chirp_z };

  kind method;
  kissfft<double> engine;
  std::vector<cpx> work;       // direct/chirp-z: transform input
  std::vector<cpx> spectrum;   // direct/chirp-z: transform output
  std::vector<cpx> chirp;      // chirp-z: w_j, j < L
  std::vector<cpx> chirp_fft;  // chirp-z: B_k / m, k <= m/2, B the FFT of the wrapped chirp
  std::vector<cpx> twiddle;    // packed_chirp_z: t_k, k <= h/2

  plan(kind k, std::size_t engine_size) : method(k), engine(engine_size, false) {}

  // Bluestein set-up for an L-point complex DFT (L = chirp length).
  void plan_chirp_z(std::size_t points) {
    const std::size_t m = work.size();
    chirp.resize(points);
    const std::uint64_t two_l = 2 * static_cast<std::uint64_t>(points);
    for (std::size_t j = 0; j < points; ++j) {
      const std::uint64_t jj = static_cast<std::uint64_t>(j) * j % two_l;
      const double phase = std::numbers::pi * static_cast<double>(jj) / static_cast<double>(points);
      chirp[j] = std::polar(1.0, phase);
    }
    // Wrapped chirp in work (m >= 2L - 1, so the two halves do not overlap).
    work[0] = chirp[0];
    for (std::size_t j = 1; j < points; ++j) {
      work[j] = chirp[j];
      work[m - j] = chirp[j];
    }
    engine.transform(work.data(), spectrum.data());
    const double inv_m = 1.0 / static_cast<double>(m);
    chirp_fft.resize(m / 2 + 1);
    for (std::size_t k = 0; k <= m / 2; ++k) chirp_fft[k] = spectrum[k] * inv_m;
  }

  // work[0 .. L) holds the input z; afterwards Z_k = chirp_z_result(k), k < L.
  void run_chirp_z() {
    const std::size_t m = work.size();
    const std::size_t points = chirp.size();
    for (std::size_t j = 0; j < points; ++j) work[j] *= std::conj(chirp[j]);
    for (std::size_t j = points; j < m; ++j) work[j] = cpx{};
    engine.transform(work.data(), spectrum.data());
    // Multiply by the chirp's spectrum and conjugate, so the forward FFT below inverts.
    const std::size_t half = m / 2;
    for (std::size_t k = 0; k <= half; ++k) work[k] = std::conj(spectrum[k] * chirp_fft[k]);
    for (std::size_t k = half + 1; k < m; ++k) {
      work[k] = std::conj(spectrum[k] * chirp_fft[m - k]);
    }
    engine.transform(work.data(), spectrum.data());
  }

  [[nodiscard]] cpx chirp_z_result(std::size_t k) const {
    return std::conj(chirp[k] * spectrum[k]);
  }
};

real_fft::real_fft(std::size_t n) : n_(n) {
  if (n == 0) throw std::invalid_argument("real_fft: length must be positive");

  const std::size_t half = n / 2;
  if (n % 2 == 0) {
    if (strip_small_factors(half) == 1) {
      plan_ = std::make_unique<plan>(plan::kind::packed, half);
    } else {
      const std::size_t m = next_fast_fft_size(2 * half - 1);
      plan_ = std::make_unique<plan>(plan::kind::packed_chirp_z, m);
      plan_->work.assign(m, cpx{});
      plan_->spectrum.resize(m);
      plan_->plan_chirp_z(half);
      plan_->twiddle.resize(half / 2 + 1);
      for (std::size_t k = 0; k <= half / 2; ++k) {
        const double phase =
            -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
        plan_->twiddle[k] = std::polar(1.0, phase);
      }
    }
  } else if (strip_small_factors(n) == 1) {
    plan_ = std::make_unique<plan>(plan::kind::direct, n);
    plan_->work.resize(n);
    plan_->spectrum.resize(n);
  } else {
    const std::size_t m = next_fast_fft_size(2 * n - 1);
    plan_ = std::make_unique<plan>(plan::kind::chirp_z, m);
    plan_->work.assign(m, cpx{});
    plan_->spectrum.resize(m);
    plan_->plan_chirp_z(n);
  }

  // KissFFT sizes its scratch buffer for generic (radix 7) butterflies on first use: do that
  // here so transform() never allocates. Chirp-z engines are 5-smooth and never need it.
  if (!uses_chirp_z() && n % 7 == 0) {
    std::vector<double> zeros(n, 0.0);
    std::vector<cpx> sink(bins());
    transform(zeros, sink);
  }
}

real_fft::~real_fft() = default;
real_fft::real_fft(real_fft&&) noexcept = default;
real_fft& real_fft::operator=(real_fft&&) noexcept = default;

bool real_fft::uses_chirp_z() const noexcept {
  return plan_->method == plan::kind::packed_chirp_z || plan_->method == plan::kind::chirp_z;
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
    case plan::kind::packed_chirp_z: {
      for (std::size_t j = 0; j < half; ++j) p.work[j] = cpx{in[2 * j], in[2 * j + 1]};
      p.run_chirp_z();
      const cpx z0 = p.chirp_z_result(0);
      out[0] = cpx{z0.real() + z0.imag(), 0.0};
      out[half] = cpx{z0.real() - z0.imag(), 0.0};
      for (std::size_t k = 1; 2 * k <= half; ++k) {
        const cpx zk = p.chirp_z_result(k);
        const cpx zr = std::conj(p.chirp_z_result(half - k));
        const cpx even = 0.5 * (zk + zr);
        const cpx odd = cpx{0.0, -0.5} * (zk - zr);
        const cpx t_odd = p.twiddle[k] * odd;
        out[k] = even + t_odd;
        out[half - k] = std::conj(even - t_odd);
      }
      break;
    }
    case plan::kind::direct: {
      for (std::size_t j = 0; j < n_; ++j) p.work[j] = cpx{in[j], 0.0};
      p.engine.transform(p.work.data(), p.spectrum.data());
      for (std::size_t k = 0; k <= half; ++k) out[k] = p.spectrum[k];
      break;
    }
    case plan::kind::chirp_z: {
      for (std::size_t j = 0; j < n_; ++j) p.work[j] = cpx{in[j], 0.0};
      p.run_chirp_z();
      for (std::size_t k = 0; k <= half; ++k) out[k] = p.chirp_z_result(k);
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
