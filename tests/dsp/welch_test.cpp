#include "dsp/welch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "dsp/fft.hpp"
#include "dsp/spectrum.hpp"

namespace resonant::dsp {
namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

// exp(-2 pi i r / n), r < n: every DFT phase j*k reduced mod n in integers, so it is exact.
std::vector<std::complex<double>> unit_roots(std::size_t n) {
  std::vector<std::complex<double>> root(n);
  for (std::size_t r = 0; r < n; ++r) {
    root[r] = std::polar(1.0, -two_pi * static_cast<double>(r) / static_cast<double>(n));
  }
  return root;
}

// One bin of the DFT of a real sequence by its definition, O(n).
std::complex<double> naive_bin(const std::vector<double>& x,
                               const std::vector<std::complex<double>>& root, std::size_t k) {
  const std::size_t n = x.size();
  std::complex<double> sum{};
  for (std::size_t j = 0; j < n; ++j) sum += x[j] * root[j * k % n];
  return sum;
}

// O(n^2) DFT of a real sequence, bins 0 .. n/2.
std::vector<std::complex<double>> naive_dft(const std::vector<double>& x) {
  const std::size_t n = x.size();
  const auto root = unit_roots(n);
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (std::size_t k = 0; k <= n / 2; ++k) out[k] = naive_bin(x, root, k);
  return out;
}

std::vector<double> noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> x(n);
  for (auto& v : x) v = g(rng);
  return x;
}

TEST(RealFft, MatchesNaiveDftForAnyLength) {
  // Even lengths whose half has a large prime factor (22, 154 = 2*7*11, 2018 = 2*1009,
  // 8198 = 2*4099) go through the packed chirp-z path; odd ones (97, 1001, 1009, 4099) through
  // the full-length chirp-z.
  for (const std::size_t n :
       {1U, 2U, 3U, 7U, 14U, 22U, 97U, 154U, 1000U, 1009U, 1001U, 2018U, 4096U, 4099U, 8198U}) {
    const std::vector<double> x = noise(n, static_cast<unsigned>(n));
    real_fft fft(n);
    EXPECT_EQ(fft.bins(), n / 2 + 1);
    std::vector<std::complex<double>> out(fft.bins());
    fft.transform(x, out);
    const auto ref = naive_dft(x);
    double largest = 0.0;
    for (const auto& v : ref) largest = std::max(largest, std::abs(v));
    for (std::size_t k = 0; k < ref.size(); ++k) {
      EXPECT_LT(std::abs(out[k] - ref[k]), 1e-12 * largest) << "n=" << n << " k=" << k;
    }
  }
}

TEST(RealFft, UsesChirpZOnlyForLargePrimeFactors) {
  EXPECT_FALSE(real_fft(7).uses_chirp_z());
  EXPECT_FALSE(real_fft(1000).uses_chirp_z());
  EXPECT_FALSE(real_fft(4096).uses_chirp_z());
  EXPECT_FALSE(real_fft(1200).uses_chirp_z());
  EXPECT_TRUE(real_fft(97).uses_chirp_z());
  EXPECT_TRUE(real_fft(1009).uses_chirp_z());
  EXPECT_TRUE(real_fft(2 * 1009).uses_chirp_z());
  EXPECT_TRUE(real_fft(2 * 4099).uses_chirp_z());
  EXPECT_TRUE(real_fft(22).uses_chirp_z());
  EXPECT_FALSE(real_fft(2 * 7 * 9).uses_chirp_z());
}

// Large lengths (prime halves as in a 24 h NeuroKit Welch segment, and a large odd prime): a
// few bins against the definition, O(n) each, to 1e-12 of the largest of the reference bins
// (a sine on bin 1234 makes that bin dominate, so the bound is not loose).
TEST(RealFft, LargeChirpZLengthsMatchTheDefinitionOnSampledBins) {
  for (const std::size_t n : {2U * 100003U, 2U * 3U * 33377U, 100003U}) {
    std::vector<double> x = noise(n, static_cast<unsigned>(n % 1000));
    for (std::size_t j = 0; j < n; ++j) {
      x[j] += 50.0 * std::cos(two_pi * static_cast<double>(1234 * j % n) / static_cast<double>(n));
    }
    real_fft fft(n);
    ASSERT_TRUE(fft.uses_chirp_z());
    std::vector<std::complex<double>> out(fft.bins());
    fft.transform(x, out);
    const auto root = unit_roots(n);
    const std::size_t last = n / 2;
    std::vector<std::size_t> ks = {0, 1, 2, 1234, last / 3, last / 2, last / 2 + 1, last - 1, last};
    std::vector<std::complex<double>> ref;
    double largest = 0.0;
    for (const std::size_t k : ks) {
      ref.push_back(naive_bin(x, root, k));
      largest = std::max(largest, std::abs(ref.back()));
    }
    for (std::size_t i = 0; i < ks.size(); ++i) {
      EXPECT_LT(std::abs(out[ks[i]] - ref[i]), 1e-12 * largest) << "n=" << n << " k=" << ks[i];
    }
  }
}

// The plan's buffers are reused: a second transform must not see the first one's data.
TEST(RealFft, RepeatedTransformsAreIndependent) {
  for (const std::size_t n : {1009U, 2018U, 1000U, 999U}) {
    const std::vector<double> a = noise(n, 1);
    const std::vector<double> b = noise(n, 2);
    real_fft reused(n);
    real_fft fresh(n);
    std::vector<std::complex<double>> out_reused(reused.bins());
    std::vector<std::complex<double>> out_fresh(fresh.bins());
    reused.transform(a, out_reused);
    reused.transform(b, out_reused);
    fresh.transform(b, out_fresh);
    for (std::size_t k = 0; k < out_fresh.size(); ++k) EXPECT_EQ(out_reused[k], out_fresh[k]);
  }
}

TEST(RealFft, RejectsBadSizes) {
  EXPECT_THROW(real_fft(0), std::invalid_argument);
  real_fft fft(8);
  std::vector<double> in(7);
  std::vector<std::complex<double>> out(5);
  EXPECT_THROW(fft.transform(in, out), std::invalid_argument);
}

TEST(RealFft, NextFastSizeIsTheSmallest5SmoothLength) {
  const auto smooth = [](std::size_t m) {
    for (const std::size_t p : {2U, 3U, 5U}) {
      while (m % p == 0) m /= p;
    }
    return m == 1;
  };
  for (std::size_t n = 1; n <= 3000; ++n) {
    std::size_t expected = n;
    while (!smooth(expected)) ++expected;
    EXPECT_EQ(next_fast_fft_size(n), expected) << n;
  }
}

// Direct implementation of the definition in welch.hpp (naive DFT per segment).
spectrum naive_welch(const std::vector<double>& x, const welch_config& cfg) {
  const std::size_t step = cfg.segment - cfg.overlap;
  const std::size_t segments = (x.size() - cfg.overlap) / step;
  const double a = cfg.window == window_kind::hann ? 0.5 : 0.54;
  std::vector<double> w(cfg.segment);
  double energy = 0.0;
  for (std::size_t i = 0; i < cfg.segment; ++i) {
    w[i] = a -
           (1.0 - a) * std::cos(two_pi * static_cast<double>(i) / static_cast<double>(cfg.segment));
    energy += w[i] * w[i];
  }
  spectrum s;
  s.psd.assign(cfg.nfft / 2 + 1, 0.0);
  for (std::size_t seg = 0; seg < segments; ++seg) {
    std::vector<double> frame(cfg.nfft, 0.0);
    double mean = 0.0;
    for (std::size_t i = 0; i < cfg.segment; ++i) mean += x[seg * step + i];
    mean /= static_cast<double>(cfg.segment);
    if (cfg.detrend == segment_detrend::none) mean = 0.0;
    for (std::size_t i = 0; i < cfg.segment; ++i) frame[i] = (x[seg * step + i] - mean) * w[i];
    const auto bins = naive_dft(frame);
    for (std::size_t k = 0; k < bins.size(); ++k) s.psd[k] += std::norm(bins[k]);
  }
  for (std::size_t k = 0; k < s.psd.size(); ++k) {
    const bool edge = k == 0 || (cfg.nfft % 2 == 0 && k == cfg.nfft / 2);
    s.psd[k] *= (edge ? 1.0 : 2.0) / (cfg.fs_hz * energy * static_cast<double>(segments));
    s.freq_hz.push_back(static_cast<double>(k) * cfg.fs_hz / static_cast<double>(cfg.nfft));
  }
  return s;
}

TEST(Welch, MatchesNaiveImplementation) {
  const std::vector<double> x = noise(700, 11);
  struct variant {
    std::size_t segment, overlap, nfft;
    window_kind window;
    segment_detrend detrend;
  };
  for (const variant v : {variant{128, 64, 128, window_kind::hann, segment_detrend::none},
                          variant{128, 64, 150, window_kind::hamming, segment_detrend::constant},
                          variant{120, 30, 131, window_kind::hann, segment_detrend::constant},
                          variant{100, 99, 100, window_kind::hamming, segment_detrend::none}}) {
    welch_config cfg;
    cfg.fs_hz = 4.0;
    cfg.segment = v.segment;
    cfg.overlap = v.overlap;
    cfg.nfft = v.nfft;
    cfg.window = v.window;
    cfg.detrend = v.detrend;
    const spectrum fast = welch_psd(x, cfg);
    const spectrum ref = naive_welch(x, cfg);
    ASSERT_EQ(fast.psd.size(), ref.psd.size());
    for (std::size_t k = 0; k < ref.psd.size(); ++k) {
      EXPECT_NEAR(fast.psd[k], ref.psd[k], 1e-10 * ref.psd[k] + 1e-14) << v.nfft << " " << k;
      EXPECT_DOUBLE_EQ(fast.freq_hz[k], ref.freq_hz[k]);
    }
  }
}

// Golden values from SciPy 1.10.1:
//   python3 -c "import numpy as np, scipy.signal as ss; i=np.arange(1000);
//     x=np.sin(2*np.pi*0.1*i/4)+0.5*np.cos(2*np.pi*0.27*i/4+0.3)+0.01*i;
//     [print(repr(ss.welch(x,fs=4.0,window=w,nperseg=256,noverlap=128,nfft=300,detrend=d)[1]
//       [[0,7,8,20,27,150]])) for w,d in (('hann',False),('hamming','constant'))]"
// Tolerance: 1e-9 relative.
TEST(Welch, MatchesScipyGolden) {
  std::vector<double> x(1000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / 4.0;
    x[i] = std::sin(two_pi * 0.1 * t) + 0.5 * std::cos(two_pi * 0.27 * t + 0.3) +
           0.01 * static_cast<double>(i);
  }
  welch_config cfg;
  cfg.fs_hz = 4.0;
  cfg.segment = 256;
  cfg.overlap = 128;
  cfg.nfft = 300;
  const std::vector<std::size_t> bins = {0, 7, 8, 20};
  const std::vector<double> hann = {1060.1794244904056, 16.833808140875526, 16.798111744139693,
                                    5.028118593409278};
  const spectrum s1 = welch_psd(x, cfg);
  ASSERT_EQ(s1.psd.size(), 151U);
  for (std::size_t i = 0; i < bins.size(); ++i) {
    EXPECT_NEAR(s1.psd[bins[i]], hann[i], 1e-9 * hann[i]);
  }

  cfg.window = window_kind::hamming;
  cfg.detrend = segment_detrend::constant;
  const std::vector<std::size_t> bins2 = {0, 7, 8, 20, 27, 150};
  const std::vector<double> hamming = {0.042982515010582624,  17.504823811181076,
                                       17.558695571903304,    5.477161707685391,
                                       0.0009525981356182942, 3.429008686400633e-05};
  const spectrum s2 = welch_psd(x, cfg);
  for (std::size_t i = 0; i < bins2.size(); ++i) {
    EXPECT_NEAR(s2.psd[bins2[i]], hamming[i], 1e-9 * hamming[i]);
  }
}

// A bin-centred sine of amplitude A has power A^2/2; with a two-term cosine window its
// spectral line covers exactly three bins, so the band power around it is A^2/2.
TEST(Welch, SineBandPowerIsHalfTheSquaredAmplitude) {
  const double fs = 4.0;
  const std::size_t nfft = 1024;
  const double f = 100.0 * fs / static_cast<double>(nfft);
  const double amp = 3.0;
  std::vector<double> x(10 * 512 + 512);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = amp * std::sin(two_pi * f * static_cast<double>(i) / fs + 0.7);
  }
  for (const window_kind w : {window_kind::hann, window_kind::hamming}) {
    welch_config cfg;
    cfg.fs_hz = fs;
    cfg.window = w;
    const spectrum s = welch_psd(x, cfg);
    const double df = fs / static_cast<double>(nfft);
    const double lo = f - 5.0 * df;
    const double hi = f + 5.0 * df;
    EXPECT_NEAR(band_power(s, lo, hi, band_rule::rectangle), amp * amp / 2.0, 0.01 * 4.5);
    const double peak = peak_frequency(s, 0.0, 2.0).value();
    EXPECT_NEAR(peak, f, 1e-12);
  }
}

TEST(Welch, ShortSignalGivesEmptySpectrumAndBadConfigThrows) {
  const std::vector<double> x(100, 1.0);
  welch_config cfg;
  EXPECT_TRUE(welch_psd(x, cfg).psd.empty());
  welch_config bad = cfg;
  bad.overlap = bad.segment;
  EXPECT_THROW(welch_psd(x, bad), std::invalid_argument);
  bad = cfg;
  bad.nfft = bad.segment - 1;
  EXPECT_THROW(welch_psd(x, bad), std::invalid_argument);
  bad = cfg;
  bad.segment = 0;
  EXPECT_THROW(welch_psd(x, bad), std::invalid_argument);
  bad = cfg;
  bad.fs_hz = 0.0;
  EXPECT_THROW(welch_psd(x, bad), std::invalid_argument);
}

TEST(Spectrum, BandPowerRules) {
  spectrum s;
  s.freq_hz = {0.0, 0.1, 0.2, 0.3, 0.4};
  s.psd = {1.0, 2.0, 3.0, 4.0, 5.0};
  // Bins 0.1 and 0.2 (0.3 excluded: the band is half-open).
  EXPECT_NEAR(band_power(s, 0.1, 0.3, band_rule::rectangle), (2.0 + 3.0) * 0.1, 1e-15);
  EXPECT_NEAR(band_power(s, 0.1, 0.3, band_rule::trapezoid), 0.5 * (2.0 + 3.0) * 0.1, 1e-15);
  EXPECT_NEAR(band_power(s, 0.0, 1.0, band_rule::trapezoid), 1.2, 1e-15);
  EXPECT_EQ(band_power(s, 0.15, 0.19, band_rule::rectangle), 0.0);
  EXPECT_EQ(band_power(s, 0.15, 0.25, band_rule::trapezoid), 0.0);  // one bin: no interval
  EXPECT_NEAR(band_power(s, 0.15, 0.25, band_rule::rectangle), 0.3, 1e-15);
}

TEST(Spectrum, PeakFrequency) {
  spectrum s;
  s.freq_hz = {0.0, 0.1, 0.2, 0.3, 0.4};
  s.psd = {9.0, 2.0, 7.0, 4.0, 8.0};
  EXPECT_EQ(peak_frequency(s, 0.05, 0.4), 0.2);
  EXPECT_EQ(peak_frequency(s, 0.0, 1.0), 0.0);
  EXPECT_FALSE(peak_frequency(s, 0.41, 1.0).has_value());
}

}  // namespace
}  // namespace resonant::dsp
