#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace resonant::dsp {

// One second-order section H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
// A first-order section has b2 = a2 = 0.
struct biquad_coefficients {
  double b0 = 1.0;
  double b1 = 0.0;
  double b2 = 0.0;
  double a1 = 0.0;
  double a2 = 0.0;
};

enum class filter_response { low_pass, high_pass, band_pass };

// Butterworth filter designed at run time for the stream's rate.
//   response        low-pass (corner high_hz), high-pass (corner low_hz), band-pass (both)
//   order           Butterworth order N, 1..16. As in scipy.signal.butter, a band-pass of order
//                   N has 2N poles (N sections); low/high-pass of order N have ceil(N/2).
//   sample_rate_hz  > 0; corners must satisfy 0 < low_hz < high_hz < sample_rate_hz / 2.
struct butterworth_config {
  filter_response response = filter_response::band_pass;
  int order = 2;
  double sample_rate_hz = 0.0;
  double low_hz = 0.0;
  double high_hz = 0.0;
};

// Second-order sections of the digital Butterworth filter: analog prototype poles on the unit
// circle, scaled (low/high-pass) or transformed (low-pass to band-pass, s -> (s^2 + w0^2)/(B s))
// to the corners pre-warped by W = 2 fs tan(pi f / fs), then mapped by the bilinear transform.
// So the digital response equals the analog Butterworth |H| evaluated at the pre-warped
// frequency: exactly -3.01 dB at each corner for every rate. Each section is normalised to unit
// gain in the pass band (DC, Nyquist, or the band centre), which keeps the cascade well scaled.
// Throws std::invalid_argument on a bad config.
[[nodiscard]] std::vector<biquad_coefficients> design_butterworth(const butterworth_config& cfg);

// Analytic magnitude |H(f)| of the digital Butterworth filter described by cfg (the analog
// formula at the pre-warped frequency): the oracle for design_butterworth.
[[nodiscard]] double butterworth_magnitude(const butterworth_config& cfg, double f_hz);

// Frequency response of a cascade of sections at f_hz for a stream sampled at fs_hz.
[[nodiscard]] std::complex<double> frequency_response(std::span<const biquad_coefficients> sections,
                                                      double f_hz, double fs_hz);

// Cascade of biquad sections, each in transposed direct form II
//   y = b0 x + s1;  s1 = b1 x - a1 y + s2;  s2 = b2 x - a2 y
// (Smith, "Introduction to Digital Filters", TDF-II: two state values per section and good
// numerical behaviour in double precision). Memory sized at construction; process() is
// noexcept, allocation-free and branch-free apart from the section loop. The group delay
// depends on frequency (Butterworth is not linear-phase); callers that locate features in the
// filtered signal compensate it (see group_delay_samples).
// Pitfall: a very low corner relative to fs (e.g. 0.5 Hz at 1000 Hz) puts poles close to z = 1;
// in double precision with TDF-II this is fine up to order ~8, not in single precision.
class biquad_cascade {
 public:
  explicit biquad_cascade(std::vector<biquad_coefficients> sections);
  explicit biquad_cascade(const butterworth_config& cfg)
      : biquad_cascade(design_butterworth(cfg)) {}

  // One sample in, one sample out.
  double process(double x) noexcept {
    for (section& s : sections_) {
      const double y = s.c.b0 * x + s.s1;
      s.s1 = s.c.b1 * x - s.c.a1 * y + s.s2;
      s.s2 = s.c.b2 * x - s.c.a2 * y;
      x = y;
    }
    return x;
  }

  // Block form; in and out may be the same span (in-place). Sizes must match.
  void process(std::span<const double> in, std::span<double> out) noexcept;

  void reset() noexcept;

  // Set the state to the steady state of a constant input x held for ever (as
  // scipy.signal.lfilter_zi does), so a stream that starts at a large offset does not ring.
  void settle(double x) noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return sections_.size(); }
  [[nodiscard]] std::vector<biquad_coefficients> coefficients() const;

  // Group delay (samples) of the cascade at f_hz, by numerical differentiation of the phase.
  [[nodiscard]] double group_delay_samples(double f_hz, double fs_hz) const;

 private:
  struct section {
    biquad_coefficients c;
    double s1 = 0.0;
    double s2 = 0.0;
  };
  std::vector<section> sections_;
};

// Sum of the last `length` samples (zeros before the stream starts), drift-free: the running sum
// is updated by add-new / subtract-oldest, and every `length` samples it is replaced by a
// second sum accumulated from scratch over exactly the samples now in the window (the re-basing
// of Signalsmith's BoxSum). Rounding error therefore never exceeds that of summing `length`
// values once, however long the stream runs, and also data with a large offset does not leave
// residue behind. Latency: a moving sum/average of length L delays by (L - 1) / 2 samples.
// length >= 1 (std::invalid_argument otherwise). process() is noexcept and allocation-free.
class moving_sum {
 public:
  explicit moving_sum(std::size_t length);

  double process(double x) noexcept {
    double& slot = buffer_[index_];
    sum_ += x - slot;
    fresh_ += x;
    slot = x;
    if (++index_ == buffer_.size()) {
      index_ = 0;
      sum_ = fresh_;  // the window now holds exactly the samples summed into fresh_
      fresh_ = 0.0;
    }
    return sum_;
  }

  void reset() noexcept { reset(0.0); }
  // As if the constant x had been fed for ever: the window holds length copies of x.
  void reset(double x) noexcept;
  [[nodiscard]] double sum() const noexcept { return sum_; }
  [[nodiscard]] std::size_t length() const noexcept { return buffer_.size(); }

 private:
  std::vector<double> buffer_;
  std::size_t index_ = 0;
  double sum_ = 0.0;
  double fresh_ = 0.0;
};

// Mean of the last `length` samples (the first length-1 outputs average in leading zeros),
// built on moving_sum; same drift-freedom, latency (length - 1) / 2 samples.
class moving_average {
 public:
  explicit moving_average(std::size_t length)
      : sum_(length), scale_(1.0 / static_cast<double>(length)) {}

  double process(double x) noexcept { return sum_.process(x) * scale_; }
  void reset() noexcept { sum_.reset(); }
  void reset(double x) noexcept { sum_.reset(x); }
  [[nodiscard]] double value() const noexcept { return sum_.sum() * scale_; }
  [[nodiscard]] std::size_t length() const noexcept { return sum_.length(); }

 private:
  moving_sum sum_;
  double scale_;
};

// Number of samples closest to duration_s at fs_hz, at least 1.
[[nodiscard]] std::size_t samples_for_duration(double duration_s, double fs_hz);

}  // namespace resonant::dsp
