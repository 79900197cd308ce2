#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "spectrum.hpp"

namespace resonant::dsp {

// ---------------------------------------------------------------------------------------------
// Autoregressive (AR) spectrum by Burg's method, as Kubios HRV's "AR spectrum" column.
//
// Model: x[n] = -a_1 x[n-1] - ... - a_p x[n-p] + e[n], white e of variance sigma2. Burg (1967;
// Marple 1987, "Digital Spectral Analysis", ch. 8) fits the reflection coefficients one order
// at a time, each minimising the sum of forward and backward prediction errors over the data,
// and updates a by the Levinson recursion; the model is always stable (|k| < 1).
// Spectrum: a one-sided density P(f) = 2 sigma2 / (fs |A(e^{j 2 pi f / fs})|^2), the factor 2
// not applied at 0 Hz (MATLAB pburg's onesided convention, which Kubios' PSD column follows:
// its 0-Hz value is half the one-sided continuation). Units: signal^2 / Hz (ms^2/Hz).
//
// Factorisation (Zetterberg 1969; Baselli et al. 1997; the "use factorization" option of
// Kubios): the variance of the AR process is the sum of the residues of
// sigma2 / (A(z) A(1/z)) / z at the poles p_k inside the unit circle,
//   r_k = sigma2 p_k^(p-1) / ( prod_{i != k} (p_k - p_i) prod_i (1 - p_i p_k) ),
// and each pole (a conjugate pair together) is a spectral component of power Re(r_k) centred
// at f_k = |arg p_k| fs / (2 pi). A band's power is the sum of the powers of the components
// whose centre frequency lies in the band; so a band without a pole has zero power (Kubios
// then prints HF = 0 and LF/HF = Inf).
// Parameters: order p (Kubios: 16), fs of the resampled tachogram (4 Hz).
// Pitfalls: the input must be mean-removed (a DC offset becomes a pole at 0 Hz holding the
// mean's square); the polynomial roots come from Aberth's simultaneous iteration in complex
// double, accurate for the well-separated poles of order <= 40; real-pole components can have
// negative residue parts for very peaky models (their power is kept as computed).
// Cost: O(N p) for the fit, O(p^2) per spectrum point, O(p^2 * iterations) for the roots.
// ---------------------------------------------------------------------------------------------
struct ar_model {
  std::vector<double> a;  // a[0] = 1, a[1..p]
  double sigma2 = 0.0;    // driving-noise variance
};

// Throws std::invalid_argument for order < 1 or x.size() <= order.
ar_model burg(std::span<const double> x, std::size_t order);

// One-sided PSD of the model on the grid freq_hz (ascending, 0 .. fs/2).
spectrum ar_psd(const ar_model& m, double fs_hz, std::span<const double> freq_hz);

// One spectral component of the factorised model.
struct ar_component {
  double freq_hz;  // centre frequency, 0 .. fs/2
  double power;    // signal^2
};

// The components of the model (a conjugate pair counted once with both residues).
std::vector<ar_component> ar_components(const ar_model& m, double fs_hz);

// Roots of the polynomial c[0] z^n + c[1] z^(n-1) + ... + c[n] (c[0] != 0).
std::vector<std::complex<double>> polynomial_roots(std::span<const double> c);

}  // namespace resonant::dsp
