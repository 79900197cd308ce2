#include "dsp/biquad.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace resonant::dsp {
namespace {

using cplx = std::complex<double>;

void check_config(const butterworth_config& cfg) {
  if (cfg.order < 1 || cfg.order > 16) {
    throw std::invalid_argument("butterworth: order must be in 1..16, got " +
                                std::to_string(cfg.order));
  }
  if (!(cfg.sample_rate_hz > 0.0) || !std::isfinite(cfg.sample_rate_hz)) {
    throw std::invalid_argument("butterworth: sample_rate_hz must be positive");
  }
  const double nyquist = 0.5 * cfg.sample_rate_hz;
  const auto in_band = [nyquist](double f) { return f > 0.0 && f < nyquist; };
  switch (cfg.response) {
    case filter_response::low_pass:
      if (!in_band(cfg.high_hz)) {
        throw std::invalid_argument("butterworth: low-pass corner high_hz must be in (0, fs/2)");
      }
      break;
    case filter_response::high_pass:
      if (!in_band(cfg.low_hz)) {
        throw std::invalid_argument("butterworth: high-pass corner low_hz must be in (0, fs/2)");
      }
      break;
    case filter_response::band_pass:
      if (!in_band(cfg.low_hz) || !in_band(cfg.high_hz) || !(cfg.low_hz < cfg.high_hz)) {
        throw std::invalid_argument(
            "butterworth: band-pass needs 0 < low_hz < high_hz < sample_rate_hz / 2");
      }
      break;
  }
}

// Pre-warped analog angular frequency of a digital frequency.
double prewarp(double f_hz, double fs_hz) {
  return 2.0 * fs_hz * std::tan(std::numbers::pi * f_hz / fs_hz);
}

cplx bilinear(cplx s, double fs_hz) {
  return (2.0 * fs_hz + s) / (2.0 * fs_hz - s);
}

// Normalised Butterworth prototype pole k of order n (left half plane, unit circle).
cplx prototype_pole(int k, int n) {
  const double theta = std::numbers::pi * (2.0 * k + 1.0 + n) / (2.0 * n);
  return std::polar(1.0, theta);
}

// Section with the conjugate pole pair {z, conj z} (or the two real poles z1, z2).
biquad_coefficients denominator_pair(cplx z1, cplx z2) {
  biquad_coefficients c;
  c.a1 = -(z1 + z2).real();
  c.a2 = (z1 * z2).real();
  return c;
}

std::complex<double> section_response(const biquad_coefficients& c, cplx zinv) {
  const cplx num = c.b0 + zinv * (c.b1 + zinv * c.b2);
  const cplx den = 1.0 + zinv * (c.a1 + zinv * c.a2);
  return num / den;
}

// Scale the numerator so that |H| = 1 at digital frequency f_hz.
void normalise_at(biquad_coefficients& c, double f_hz, double fs_hz) {
  const cplx zinv = std::polar(1.0, -2.0 * std::numbers::pi * f_hz / fs_hz);
  const double g = std::abs(section_response(c, zinv));
  c.b0 /= g;
  c.b1 /= g;
  c.b2 /= g;
}

}  // namespace

std::vector<biquad_coefficients> design_butterworth(const butterworth_config& cfg) {
  check_config(cfg);
  const double fs = cfg.sample_rate_hz;
  const int n = cfg.order;
  std::vector<biquad_coefficients> out;

  if (cfg.response != filter_response::band_pass) {
    const bool low = cfg.response == filter_response::low_pass;
    const double wc = prewarp(low ? cfg.high_hz : cfg.low_hz, fs);
    // Butterworth prototype poles are on the unit circle, so 1/p = conj(p): the high-pass
    // transform s -> wc/s yields the same pole set as the low-pass scaling s -> s/wc.
    // Zeros: n at z = -1 (low-pass) or z = +1 (high-pass).
    const double zs = low ? 1.0 : -1.0;  // numerator (1 + zs z^-1)^m
    const double f_norm = low ? 0.0 : 0.5 * fs;
    for (int k = 0; k < n / 2; ++k) {
      const cplx z = bilinear(wc * prototype_pole(k, n), fs);
      biquad_coefficients c = denominator_pair(z, std::conj(z));
      c.b0 = 1.0;
      c.b1 = 2.0 * zs;
      c.b2 = 1.0;
      normalise_at(c, f_norm, fs);
      out.push_back(c);
    }
    if (n % 2 == 1) {
      const double z = bilinear(cplx(-wc, 0.0), fs).real();
      biquad_coefficients c;
      c.a1 = -z;
      c.b0 = 1.0;
      c.b1 = zs;
      normalise_at(c, f_norm, fs);
      out.push_back(c);
    }
    return out;
  }

  // Band-pass: each prototype pole p maps to the roots of s^2 - p B s + w0^2 = 0.
  const double wl = prewarp(cfg.low_hz, fs);
  const double wh = prewarp(cfg.high_hz, fs);
  const double bw = wh - wl;
  const double w0sq = wl * wh;
  // Digital frequency where the pre-warped response peaks (|H| = 1).
  const double f_centre = fs / std::numbers::pi * std::atan(std::sqrt(w0sq) / (2.0 * fs));
  const auto add_section = [&](cplx z1, cplx z2) {
    biquad_coefficients c = denominator_pair(z1, z2);
    c.b0 = 1.0;
    c.b1 = 0.0;
    c.b2 = -1.0;  // one zero at z = 1 (analog s = 0) and one at z = -1 (s = infinity)
    normalise_at(c, f_centre, fs);
    out.push_back(c);
  };
  for (int k = 0; k < n / 2; ++k) {
    const cplx pb = prototype_pole(k, n) * bw;
    const cplx root = std::sqrt(pb * pb - 4.0 * w0sq);
    const cplx s1 = 0.5 * (pb + root);
    const cplx s2 = 0.5 * (pb - root);
    // Neither root is real (their sum p B is not); each pairs with its own conjugate, which
    // comes from the conjugate prototype pole.
    const cplx z1 = bilinear(s1, fs);
    const cplx z2 = bilinear(s2, fs);
    add_section(z1, std::conj(z1));
    add_section(z2, std::conj(z2));
  }
  if (n % 2 == 1) {
    // Real prototype pole -1: roots of s^2 + B s + w0^2, a conjugate pair or two real roots.
    const double disc = bw * bw - 4.0 * w0sq;
    if (disc < 0.0) {
      const cplx z = bilinear(cplx(-0.5 * bw, 0.5 * std::sqrt(-disc)), fs);
      add_section(z, std::conj(z));
    } else {
      const double r = std::sqrt(disc);
      add_section(bilinear(cplx(0.5 * (-bw + r), 0.0), fs),
                  bilinear(cplx(0.5 * (-bw - r), 0.0), fs));
    }
  }
  return out;
}

double butterworth_magnitude(const butterworth_config& cfg, double f_hz) {
  check_config(cfg);
  const double fs = cfg.sample_rate_hz;
  const double w = prewarp(f_hz, fs);
  const double n2 = 2.0 * cfg.order;
  double ratio = 0.0;
  switch (cfg.response) {
    case filter_response::low_pass:
      ratio = w / prewarp(cfg.high_hz, fs);
      break;
    case filter_response::high_pass:
      ratio = prewarp(cfg.low_hz, fs) / w;
      break;
    case filter_response::band_pass: {
      const double wl = prewarp(cfg.low_hz, fs);
      const double wh = prewarp(cfg.high_hz, fs);
      ratio = (w * w - wl * wh) / ((wh - wl) * w);
      break;
    }
  }
  return 1.0 / std::sqrt(1.0 + std::pow(std::abs(ratio), n2));
}

std::complex<double> frequency_response(std::span<const biquad_coefficients> sections, double f_hz,
                                        double fs_hz) {
  const cplx zinv = std::polar(1.0, -2.0 * std::numbers::pi * f_hz / fs_hz);
  cplx h = 1.0;
  for (const biquad_coefficients& c : sections) h *= section_response(c, zinv);
  return h;
}

biquad_cascade::biquad_cascade(std::vector<biquad_coefficients> sections) {
  if (sections.empty()) throw std::invalid_argument("biquad_cascade: no sections");
  sections_.reserve(sections.size());
  for (const biquad_coefficients& c : sections) {
    const bool finite = std::isfinite(c.b0) && std::isfinite(c.b1) && std::isfinite(c.b2) &&
                        std::isfinite(c.a1) && std::isfinite(c.a2);
    // Stability triangle of a second-order denominator 1 + a1 z^-1 + a2 z^-2.
    const bool stable = std::abs(c.a2) < 1.0 && std::abs(c.a1) < 1.0 + c.a2;
    if (!finite || !stable) {
      throw std::invalid_argument("biquad_cascade: section is not finite or not stable");
    }
    sections_.push_back(section{c, 0.0, 0.0});
  }
}

void biquad_cascade::process(std::span<const double> in, std::span<double> out) noexcept {
  const std::size_t n = in.size() < out.size() ? in.size() : out.size();
  for (std::size_t i = 0; i < n; ++i) out[i] = process(in[i]);
}

void biquad_cascade::reset() noexcept {
  for (section& s : sections_) {
    s.s1 = 0.0;
    s.s2 = 0.0;
  }
}

void biquad_cascade::settle(double x) noexcept {
  for (section& s : sections_) {
    const biquad_coefficients& c = s.c;
    const double y = x * (c.b0 + c.b1 + c.b2) / (1.0 + c.a1 + c.a2);
    s.s2 = c.b2 * x - c.a2 * y;
    s.s1 = c.b1 * x - c.a1 * y + s.s2;
    x = y;
  }
}

std::vector<biquad_coefficients> biquad_cascade::coefficients() const {
  std::vector<biquad_coefficients> out;
  out.reserve(sections_.size());
  for (const section& s : sections_) out.push_back(s.c);
  return out;
}

double biquad_cascade::group_delay_samples(double f_hz, double fs_hz) const {
  const std::vector<biquad_coefficients> c = coefficients();
  // Phase derivative by central difference; unwrap each section separately (each section's
  // phase is continuous and small over the step).
  const double df = 1e-6 * fs_hz;
  double dphi = 0.0;
  for (const biquad_coefficients& s : c) {
    const std::span<const biquad_coefficients> one(&s, 1);
    const double p1 = std::arg(frequency_response(one, f_hz + df, fs_hz));
    const double p0 = std::arg(frequency_response(one, f_hz - df, fs_hz));
    double d = p1 - p0;
    while (d > std::numbers::pi) d -= 2.0 * std::numbers::pi;
    while (d < -std::numbers::pi) d += 2.0 * std::numbers::pi;
    dphi += d;
  }
  // tau = -dphi/domega with omega = 2 pi f / fs (radians per sample).
  return -dphi / (2.0 * std::numbers::pi * 2.0 * df / fs_hz);
}

moving_sum::moving_sum(std::size_t length) {
  if (length == 0) throw std::invalid_argument("moving_sum: length must be at least 1");
  buffer_.assign(length, 0.0);
}

void moving_sum::reset(double x) noexcept {
  for (double& v : buffer_) v = x;
  index_ = 0;
  sum_ = x * static_cast<double>(buffer_.size());
  fresh_ = 0.0;
}

std::size_t samples_for_duration(double duration_s, double fs_hz) {
  if (!(duration_s >= 0.0) || !(fs_hz > 0.0) || !std::isfinite(duration_s * fs_hz)) {
    throw std::invalid_argument("samples_for_duration: need duration >= 0 and fs > 0");
  }
  const double n = std::round(duration_s * fs_hz);
  return n < 1.0 ? 1 : static_cast<std::size_t>(n);
}

}  // namespace resonant::dsp
