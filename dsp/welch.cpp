#include "welch.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "fft.hpp"

namespace resonant::dsp {

namespace {

// Periodic ("DFT-even") windows, as scipy.signal.get_window(..., fftbins=True):
// w[i] = a - (1 - a) cos(2 pi i / n), a = 0.5 (Hann) or 0.54 (Hamming).
std::vector<double> make_window(window_kind kind, std::size_t n) {
  if (kind == window_kind::matlab_hanning) {
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double phase =
          2.0 * std::numbers::pi * static_cast<double>(i + 1) / static_cast<double>(n + 1);
      w[i] = 0.5 * (1.0 - std::cos(phase));
    }
    return w;
  }
  const double a = kind == window_kind::hann ? 0.5 : 0.54;
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    w[i] = a - (1.0 - a) * std::cos(phase);
  }
  return w;
}

}  // namespace

// Welch (1967), IEEE Trans. Audio Electroacoust. 15:70. Each segment x[s*step .. s*step+L) is
// (optionally) mean-removed, multiplied by the window, zero-padded to nfft and transformed;
// |X_k|^2 is averaged over segments and scaled to a one-sided density 2 / (fs sum w^2), the
// factor 2 not applied at DC nor, for even nfft, at Nyquist. Segment count
// (len - overlap) / step as SciPy (boundary=None, padded=False).
spectrum welch_psd(std::span<const double> x, const welch_config& cfg) {
  if (!(cfg.fs_hz > 0.0)) throw std::invalid_argument("welch_psd: fs_hz must be positive");
  if (cfg.segment == 0) throw std::invalid_argument("welch_psd: segment must be positive");
  if (cfg.overlap >= cfg.segment) {
    throw std::invalid_argument("welch_psd: overlap must be smaller than segment");
  }
  if (cfg.nfft < cfg.segment) throw std::invalid_argument("welch_psd: nfft must be >= segment");

  spectrum out;
  if (x.size() < cfg.segment) return out;

  const std::size_t len = cfg.segment;
  const std::size_t step = len - cfg.overlap;
  const std::size_t segments = (x.size() - cfg.overlap) / step;
  const std::vector<double> window = make_window(cfg.window, len);
  double window_energy = 0.0;
  for (const double w : window) window_energy += w * w;

  real_fft fft(cfg.nfft);
  std::vector<double> frame(cfg.nfft, 0.0);
  std::vector<std::complex<double>> bins(fft.bins());
  std::vector<double> accum(fft.bins(), 0.0);

  for (std::size_t s = 0; s < segments; ++s) {
    const std::span<const double> seg = x.subspan(s * step, len);
    double mean = 0.0;
    if (cfg.detrend == segment_detrend::constant) {
      for (const double v : seg) mean += v;
      mean /= static_cast<double>(len);
    }
    for (std::size_t i = 0; i < len; ++i) frame[i] = (seg[i] - mean) * window[i];
    fft.transform(frame, bins);
    for (std::size_t k = 0; k < bins.size(); ++k) accum[k] += std::norm(bins[k]);
  }

  const double scale = 1.0 / (cfg.fs_hz * window_energy * static_cast<double>(segments));
  const std::size_t nb = accum.size();
  out.freq_hz.resize(nb);
  out.psd.resize(nb);
  for (std::size_t k = 0; k < nb; ++k) {
    const bool unpaired = k == 0 || (cfg.nfft % 2 == 0 && k == nb - 1);
    out.freq_hz[k] = static_cast<double>(k) * cfg.fs_hz / static_cast<double>(cfg.nfft);
    out.psd[k] = accum[k] * scale * (unpaired ? 1.0 : 2.0);
  }
  return out;
}

}  // namespace resonant::dsp
