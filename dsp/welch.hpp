#pragma once

#include <cstddef>
#include <span>

#include "spectrum.hpp"

namespace resonant::dsp {

// hann, hamming: periodic ("fftbins") form, as SciPy's get_window; matlab_hanning: MATLAB's
// hanning(n) = 0.5 (1 - cos(2 pi k / (n + 1))), k = 1..n (symmetric, no zero end points), the
// window of Kubios' Welch spectrum (SciPy's hann is 0.1-3 % off Kubios' band powers).
enum class window_kind { hann, hamming, matlab_hanning };
enum class segment_detrend { none, constant };

// Welch's averaged modified periodogram, numerically the same as scipy.signal.welch with
// scaling="density", average="mean", return_onesided=True: segments of `segment` samples
// stepping by segment - overlap (a trailing partial segment is dropped), each windowed and
// zero-padded to nfft, one-sided density 2|X|^2 / (fs * sum(w^2)) (DC and, for even nfft,
// Nyquist not doubled). FFT through KissFFT in double precision; any nfft is fast
// (Bluestein's algorithm for lengths with large prime factors).
struct welch_config {
  double fs_hz = 4.0;
  std::size_t segment = 1024;
  std::size_t overlap = 512;
  std::size_t nfft = 1024;  // >= segment
  window_kind window = window_kind::hann;
  segment_detrend detrend = segment_detrend::none;
};

// Throws std::invalid_argument for a bad config (segment 0, overlap >= segment, nfft <
// segment, fs <= 0). A signal shorter than one segment gives an empty spectrum.
spectrum welch_psd(std::span<const double> x, const welch_config& cfg);

}  // namespace resonant::dsp
