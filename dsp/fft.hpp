#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>

namespace resonant::dsp {

// Forward DFT of a real sequence of any length n:
//   out[k] = sum_{j<n} in[j] exp(-2 pi i j k / n),  k = 0 .. n/2  (the non-redundant half).
//
// Algorithm: KissFFT (mixed radix 2/3/4/5 + generic) in double precision. For even n the real
// input is packed into an n/2-point complex sequence (even samples real, odd samples imaginary)
// whose DFT is untangled with the twiddles exp(-2 pi i k / n); for odd n the n-point complex
// DFT of the input is taken. When that complex length (n/2 or n) has a prime factor above 7,
// its DFT is computed with Bluestein's chirp-z algorithm (Bluestein 1970; Rabiner, Schafer &
// Rader 1969) as a circular convolution through a KissFFT of the smallest 2^a 3^b 5^c size
// >= 2L - 1, so every length is O(n log n). The chirp exp(i pi j^2 / L) is evaluated from
// j^2 mod 2L in integers, so its phase stays exact for large j. Memory of a chirp-z plan:
// about 4.3 times the convolution size in complex doubles (n = 8.1e6: ~0.55 GB).
//
// Planning (twiddles, chirp, the chirp's spectrum, work buffers) happens in the constructor;
// transform() never allocates. One object must not be used by two threads at once (it owns
// its work buffers). Accuracy: about 1e-15 * log2(n) relative to max |out|.
class real_fft {
 public:
  // Throws std::invalid_argument for n == 0.
  explicit real_fft(std::size_t n);
  ~real_fft();
  real_fft(real_fft&&) noexcept;
  real_fft& operator=(real_fft&&) noexcept;
  real_fft(const real_fft&) = delete;
  real_fft& operator=(const real_fft&) = delete;

  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] std::size_t bins() const noexcept { return n_ / 2 + 1; }
  // True when the transform goes through Bluestein's algorithm.
  [[nodiscard]] bool uses_chirp_z() const noexcept;

  // in.size() must be size() and out.size() bins(); throws std::invalid_argument otherwise.
  void transform(std::span<const double> in, std::span<std::complex<double>> out);

 private:
  struct plan;
  std::size_t n_;
  std::unique_ptr<plan> plan_;
};

// Smallest m >= n of the form 2^a 3^b 5^c (a length KissFFT transforms with its fast
// butterflies). n = 0 gives 1.
[[nodiscard]] std::size_t next_fast_fft_size(std::size_t n);

}  // namespace resonant::dsp
