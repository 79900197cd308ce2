#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bspline_interpolation.hpp"
#include "fft.hpp"
#include "hrv_analysis.hpp"
#include "rr_event.hpp"
#include "rr_series.hpp"
#include "smoothness_priors.hpp"
#include "spectrum.hpp"
#include "welch.hpp"

namespace resonant::dsp {

// Parameters of the sliding spectral analyzer. Checked by the constructor
// (std::invalid_argument): windows and hop > 0, profile.welch_rule fixed_seconds,
// resample rates > 0, coherence_nfft >= coherence_window_s * coherence_resample_hz + 1,
// bands with 0 <= lo < hi <= rate / 2, 0 <= max_gap_share < 1, min_interval_ms > 0.
struct sliding_spectrum_config {
  // LF / HF: the batch Welch path of `profile` (Kubios: 4 Hz cubic spline, smoothness priors
  // lambda 500, Welch Hann 256 s segments, nfft >= 1200, rectangle band integration; Task Force
  // minimum durations HF 60 s, LF 120 s of covered time) applied to the last window_s.
  // 180 s: the shortest window that reports LF with margin (LF needs 120 s) while following a
  // change in breathing within 3 minutes; a single Hann segment (180 s < 256 s).
  double window_s = 180.0;
  double hop_s = 5.0;  // recomputed at the first evaluation at or after each multiple of hop_s
  analysis_profile profile = analysis_profile::kubios();  // its artefact settings are unused
  double max_gap_share = 0.05;  // as the batch analysis: more gap than this share of the span
                                // (time not covered by intervals) gives no spectrum

  // Coherence (McCraty method, see ../shared/notes/biofeedback.md section 3): 64 s window,
  // 2 Hz cubic-spline resampling, mean removed, one Hann segment zero-padded to 512 points
  // (0.0039 Hz bins, so the +-0.015 Hz peak window spans 7-8 bins), peak = largest density in
  // 0.04-0.26 Hz, peak power = power within +-0.015 Hz of it, total = power in 0.0033-0.4 Hz,
  // coherence ratio = peak / (total - peak). Recomputed on the same hop.
  double coherence_window_s = 64.0;
  double coherence_resample_hz = 2.0;
  std::size_t coherence_nfft = 512;
  frequency_band coherence_peak_band{0.04, 0.26};
  double coherence_peak_half_width_hz = 0.015;
  frequency_band coherence_total_band{0.0033, 0.4};
  // Coherence needs its window covered by intervals to within this share (at most 3.2 s of
  // 64 s missing, including the start of the stream).
  double coherence_max_missing_share = 0.05;

  double min_interval_ms = 100.0;  // sizes the interval buffer
};

// Values of the latest recomputation; NaN = unknown.
struct sliding_spectrum_values {
  double lf_ms2;
  double hf_ms2;
  double lf_hf;
  double coherence;          // peak / (total - peak), dimensionless
  double coherence_peak_hz;  // frequency of the 0.04-0.26 Hz peak
  double window_end_s;       // evaluation time the values belong to (NaN before the first)
};

// LF, HF, LF/HF and the HeartMath-style coherence ratio over sliding windows, recomputed on a
// hop of stream time.
//
// Window: at evaluation time t, the intervals with end_s in (t - W, t] (W = window_s, or
// coherence_window_s for coherence), in the form end_s > t - W. LF/HF are exactly the batch
// dsp::analyze Welch values of that series with artefacts none (resampled_tachogram,
// welch_config_for, welch_psd, band_power; same minimum durations on covered time, same 5 %
// gap rule, same negligible-power rule for the ratio), which the tests use as oracle.
// Update rule: push() stores the interval (O(1)); evaluate(t) recomputes when t has reached
// the next hop mark (multiples of hop_s of stream time, the first evaluation always
// recomputes) and otherwise returns the previous values (held between hops).
// Cost and allocation: push and a non-hop evaluate are O(1) and never allocate. A hop
// recomputation costs O(W fs + nfft log nfft) (about 720 samples and a 1200-point FFT: ~32 us
// on the development VM, of which FFTs ~28 %, spline fit ~23 %, spline sampling ~18 %,
// detrending ~11 %) and allocates nothing (0 allocations counted over the 24 h nsr001 replay,
// stream start included): the intervals of both windows are gathered once (the shorter window
// is the tail of the longer), the spline is refitted in place (interpolating_spline::fit,
// storage for the ring's capacity), the detrending uses a smoothness_priors object whose
// factorisation is computed at construction for the longest grid, Hann windows of the last 8
// grid lengths are cached (the length varies by a few samples from hop to hop), and the Welch
// and coherence FFTs are planned at construction with frames and spectra preallocated. Every
// step performs the batch functions' operations in the same order (resampled_tachogram,
// welch_psd), so the values are the batch ones bit for bit (tested to 1e-12). Not shared on
// purpose: the coherence spline (2 Hz over 64 s) is not a restriction of the LF/HF one (4 Hz
// over 180 s; the not-a-knot end conditions differ near the window start), and the two
// spectra are of different signals. Exceptions, through the (allocating) batch functions: a
// window whose Welch nfft differs from the full window's, or a profile of another shape.
// Latency: values refer to the window ending at their window_end_s, at most hop_s + one beat
// old.
// Pitfalls: at 6 breaths/min the respiratory peak (0.1 Hz) lies in LF, so LF/HF rises because
// of the breathing, not of "sympathetic" activity. Spline resampling across a gap invents
// swings: gaps beyond max_gap_share (LF/HF) or coherence_max_missing_share blank the values.
class sliding_spectrum {
 public:
  explicit sliding_spectrum(const sliding_spectrum_config& cfg);

  void push(const rr_event& e) noexcept;
  // Values at stream time time_s (non-decreasing across calls); recomputes on a hop.
  const sliding_spectrum_values& evaluate(double time_s) noexcept;
  void reset() noexcept;

  // The latest values without evaluating.
  [[nodiscard]] const sliding_spectrum_values& values() const noexcept { return values_; }
  [[nodiscard]] const sliding_spectrum_config& config() const noexcept { return cfg_; }

 private:
  struct stored {
    double rr_ms;
    double end_s;
    bool after_gap;
  };
  // The intervals of one window: end times and RR values, strictly increasing end times.
  struct window_view {
    std::span<const double> end_s;
    std::span<const double> rr_ms;
  };
  void compute_lf_hf(window_view w);
  // resampled_tachogram of the window into tachogram_ (spline, detrending, mean removal) on
  // the preallocated buffers; returns the samples, or an empty span when the grid would exceed
  // them (then the batch function's result is in fallback_tachogram_).
  std::span<const double> tachogram_of(window_view w);
  // welch_psd of z with the profile's configuration into welch_spectrum_, on the planned FFT
  // (the same arithmetic in the same order, so the same numbers).
  void welch_in_place(std::span<const double> z, const welch_config& wc);
  void compute_coherence(double time_s, window_view w);
  // Copies the intervals with time_s - window_s < end_s <= time_s (window_s the longer window)
  // into gathered_end_s_ / gathered_rr_ms_.
  void gather(double time_s, double window_s);
  // The gathered intervals with end_s > time_s - window_s into out; false when they are not
  // strictly increasing (the window is then not analysed, as the batch path refuses it).
  bool window_of(double time_s, double window_s, window_view& out);

  sliding_spectrum_config cfg_;
  std::vector<stored> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  // Gathered intervals (capacity of the ring), and the filtered copy used only when they are
  // not in increasing order.
  std::vector<double> gathered_end_s_;
  std::vector<double> gathered_rr_ms_;
  bool gathered_increasing_ = true;
  std::vector<double> filtered_end_s_;
  std::vector<double> filtered_rr_ms_;
  // Spline refitted each hop; LF/HF tachogram and detrending workspace sized for the longest
  // grid of the window.
  interpolating_spline spline_;
  std::optional<smoothness_priors> detrender_;
  std::vector<double> resampled_;
  std::vector<double> tachogram_;
  std::vector<double> fallback_tachogram_;
  double next_hop_s_ = 0.0;
  bool evaluated_ = false;
  double origin_s_ = 0.0;  // start of the first interval since reset
  bool have_origin_ = false;
  sliding_spectrum_values values_{};
  // Coherence workspace.
  real_fft fft_;
  std::vector<double> samples_;
  std::vector<double> frame_;
  std::vector<std::complex<double>> bins_;
  std::vector<double> psd_;
  // Periodic Hann windows (and their energy) of the last few lengths used: the grid length
  // of a window varies by a few samples from hop to hop, and a window costs a cosine per
  // sample (it was 9 % of a 24 h replay with a single cached length). On nsr001 the lengths
  // come in slow runs: 8 slots give 43 misses in 16 192 hops (4 slots: 442).
  class hann_cache {
   public:
    // kind: hann (periodic) or matlab_hanning (symmetric, the Kubios profile's Welch window).
    hann_cache(std::size_t slots, std::size_t max_length, window_kind kind = window_kind::hann);
    // The window of length n (computed into the least recently used slot on a miss; allocates
    // only for n > max_length).
    std::span<const double> get(std::size_t n, double& energy);

   private:
    struct slot {
      std::vector<double> w;
      double energy = 0.0;
      std::size_t length = 0;  // 0 = empty
      std::uint64_t used = 0;
    };
    std::vector<slot> slots_;
    window_kind kind_;
    std::uint64_t clock_ = 0;
  };
  hann_cache coherence_windows_;
  // LF/HF Welch workspace: FFT planned for the nfft the profile gives a full window, the Hann
  // window cached for the last segment length, the spectrum filled in place.
  real_fft welch_fft_;
  hann_cache welch_windows_;
  std::vector<double> welch_frame_;
  std::vector<std::complex<double>> welch_bins_;
  std::vector<double> welch_accum_;
  spectrum welch_spectrum_;
  bool welch_freq_ready_ = false;  // welch_spectrum_.freq_hz holds the planned bins
};

}  // namespace resonant::dsp
