#include "sliding_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "bspline_interpolation.hpp"
#include "spectrum.hpp"
#include "welch.hpp"

namespace resonant::dsp {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
// Below this a band holds rounding noise (the batch analysis' rule).
constexpr double negligible_ms2 = 1e-6;

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0.0;
}

void check_band(const frequency_band& b, double fs, const char* what) {
  if (!(b.lo_hz >= 0.0 && b.lo_hz < b.hi_hz && b.hi_hz <= fs / 2.0)) {
    throw std::invalid_argument(std::string("sliding_spectrum: bad ") + what);
  }
}

const sliding_spectrum_config& checked(const sliding_spectrum_config& c) {
  if (!positive_finite(c.window_s) || !positive_finite(c.hop_s) ||
      !positive_finite(c.coherence_window_s)) {
    throw std::invalid_argument("sliding_spectrum: windows and hop must be finite and > 0 s");
  }
  if (c.profile.welch_rule != welch_segment_rule::fixed_seconds) {
    throw std::invalid_argument("sliding_spectrum: the profile must use fixed Welch segments");
  }
  if (!positive_finite(c.profile.resample_hz) || !positive_finite(c.coherence_resample_hz)) {
    throw std::invalid_argument("sliding_spectrum: resampling rates must be > 0 Hz");
  }
  const double grid = std::floor(c.coherence_window_s * c.coherence_resample_hz) + 1.0;
  if (static_cast<double>(c.coherence_nfft) < grid) {
    throw std::invalid_argument("sliding_spectrum: coherence_nfft shorter than the window grid");
  }
  check_band(c.coherence_peak_band, c.coherence_resample_hz, "coherence_peak_band");
  check_band(c.coherence_total_band, c.coherence_resample_hz, "coherence_total_band");
  if (!(c.coherence_peak_half_width_hz > 0.0)) {
    throw std::invalid_argument("sliding_spectrum: coherence_peak_half_width_hz must be > 0");
  }
  if (!(c.max_gap_share >= 0.0 && c.max_gap_share < 1.0) ||
      !(c.coherence_max_missing_share >= 0.0 && c.coherence_max_missing_share < 1.0)) {
    throw std::invalid_argument("sliding_spectrum: gap shares must be in [0, 1)");
  }
  if (!positive_finite(c.min_interval_ms)) {
    throw std::invalid_argument("sliding_spectrum: min_interval_ms must be > 0");
  }
  return c;
}

std::size_t ring_capacity(const sliding_spectrum_config& c) {
  const double w = std::max(c.window_s, c.coherence_window_s);
  return static_cast<std::size_t>(std::ceil(w * 1000.0 / c.min_interval_ms)) + 2;
}

bool strictly_increasing(std::span<const double> x) {
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (!(x[i] > x[i - 1])) return false;
  }
  return true;
}

// The Welch configuration of a full LF/HF window (its nfft is planned at construction).
welch_config full_window_welch(const sliding_spectrum_config& c) {
  const auto n = static_cast<std::size_t>(std::floor(c.window_s * c.profile.resample_hz)) + 1;
  return welch_config_for(c.profile, n);
}

// The longest LF/HF grid: the window's intervals end in (t - W, t], so the grid spans less
// than W (grid_size of hrv_analysis.cpp for the fixed-seconds rule), plus one for safety.
std::size_t longest_grid(const sliding_spectrum_config& c) {
  return static_cast<std::size_t>(std::floor(c.window_s * c.profile.resample_hz + 1e-9)) + 2;
}

std::size_t coherence_grid(const sliding_spectrum_config& c) {
  return static_cast<std::size_t>(std::floor(c.coherence_window_s * c.coherence_resample_hz)) + 1;
}

constexpr std::size_t hann_slots = 8;

std::optional<smoothness_priors> make_detrender(const sliding_spectrum_config& c) {
  if (!c.profile.detrend_lambda) return std::nullopt;
  return smoothness_priors(*c.profile.detrend_lambda, longest_grid(c));
}

}  // namespace

sliding_spectrum::sliding_spectrum(const sliding_spectrum_config& cfg)
    : cfg_(checked(cfg)),
      ring_(ring_capacity(cfg)),
      spline_(ring_capacity(cfg)),
      detrender_(make_detrender(cfg)),
      fft_(cfg.coherence_nfft),
      coherence_windows_(hann_slots, coherence_grid(cfg)),
      welch_fft_(full_window_welch(cfg).nfft),
      welch_windows_(hann_slots, full_window_welch(cfg).segment,
                     cfg.profile.welch_window == window_kind::matlab_hanning
                         ? window_kind::matlab_hanning
                         : window_kind::hann) {
  const welch_config full = full_window_welch(cfg);
  welch_frame_.assign(full.nfft, 0.0);
  welch_bins_.resize(welch_fft_.bins());
  welch_accum_.resize(welch_fft_.bins());
  welch_spectrum_.freq_hz.resize(welch_fft_.bins());
  welch_spectrum_.psd.resize(welch_fft_.bins());
  const std::size_t cap = ring_.size();
  gathered_end_s_.reserve(cap);
  gathered_rr_ms_.reserve(cap);
  filtered_end_s_.reserve(cap);
  filtered_rr_ms_.reserve(cap);
  resampled_.reserve(longest_grid(cfg));
  tachogram_.reserve(longest_grid(cfg));
  samples_.resize(
      static_cast<std::size_t>(std::floor(cfg.coherence_window_s * cfg.coherence_resample_hz)) + 1);
  frame_.resize(cfg.coherence_nfft);
  bins_.resize(fft_.bins());
  psd_.resize(fft_.bins());
  reset();
}

void sliding_spectrum::reset() noexcept {
  head_ = 0;
  size_ = 0;
  gathered_end_s_.clear();
  gathered_rr_ms_.clear();
  next_hop_s_ = 0.0;
  evaluated_ = false;
  origin_s_ = 0.0;
  have_origin_ = false;
  values_ = {nan, nan, nan, nan, nan, nan};
}

void sliding_spectrum::push(const rr_event& e) noexcept {
  if (!have_origin_) {
    origin_s_ = e.end_s - e.rr_ms / 1000.0;
    have_origin_ = true;
  }
  const std::size_t cap = ring_.size();
  if (size_ == cap) {
    head_ = (head_ + 1) % cap;
    --size_;
  }
  ring_[(head_ + size_) % cap] = stored{e.rr_ms, e.end_s, e.after_gap};
  ++size_;
}

void sliding_spectrum::gather(double time_s, double window_s) {
  gathered_end_s_.clear();
  gathered_rr_ms_.clear();
  const double cutoff = time_s - window_s;
  const std::size_t cap = ring_.size();
  for (std::size_t k = 0, at = head_; k < size_; ++k, at = at + 1 == cap ? 0 : at + 1) {
    const stored& s = ring_[at];
    if (!(s.end_s > cutoff) || s.end_s > time_s) continue;
    gathered_end_s_.push_back(s.end_s);
    gathered_rr_ms_.push_back(s.rr_ms);
  }
  gathered_increasing_ = strictly_increasing(gathered_end_s_);
}

bool sliding_spectrum::window_of(double time_s, double window_s, window_view& out) {
  const double cutoff = time_s - window_s;
  const std::span<const double> end(gathered_end_s_);
  const std::span<const double> rr(gathered_rr_ms_);
  if (gathered_increasing_) {  // the window is a tail of the gathered intervals
    std::size_t first = 0;
    while (first < end.size() && !(end[first] > cutoff)) ++first;
    out = {end.subspan(first), rr.subspan(first)};
    return true;
  }
  filtered_end_s_.clear();
  filtered_rr_ms_.clear();
  for (std::size_t k = 0; k < end.size(); ++k) {
    if (!(end[k] > cutoff)) continue;
    filtered_end_s_.push_back(end[k]);
    filtered_rr_ms_.push_back(rr[k]);
  }
  out = {filtered_end_s_, filtered_rr_ms_};
  return strictly_increasing(filtered_end_s_);
}

const sliding_spectrum_values& sliding_spectrum::evaluate(double time_s) noexcept {
  if (evaluated_ && time_s < next_hop_s_) return values_;
  evaluated_ = true;
  next_hop_s_ = (std::floor(time_s / cfg_.hop_s) + 1.0) * cfg_.hop_s;
  // Intervals older than both windows are no longer needed.
  const double longest = std::max(cfg_.window_s, cfg_.coherence_window_s);
  const double keep_after = time_s - longest;
  while (size_ > 0 && !(ring_[head_].end_s > keep_after)) {
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }
  values_ = {nan, nan, nan, nan, nan, time_s};
  try {
    gather(time_s, longest);
    window_view w;
    if (window_of(time_s, cfg_.window_s, w)) compute_lf_hf(w);
    if (window_of(time_s, cfg_.coherence_window_s, w)) compute_coherence(time_s, w);
  } catch (...) {
    // Only allocation failure can get here; the values stay unknown.
  }
  return values_;
}

// make_tachogram + resampled_tachogram of hrv_analysis.cpp, step for step, on the buffers.
std::span<const double> sliding_spectrum::tachogram_of(window_view w) {
  const analysis_profile& p = cfg_.profile;
  const double t0 = w.end_s.front();
  const std::size_t m =
      static_cast<std::size_t>(std::floor((w.end_s.back() - t0) * p.resample_hz + 1e-9)) + 1;
  if (m > tachogram_.capacity()) {  // cannot happen with the window's grid; stay correct
    rr_series rr;
    for (std::size_t i = 0; i < w.end_s.size(); ++i) rr.push_back(w.rr_ms[i], w.end_s[i], false);
    fallback_tachogram_ = resampled_tachogram(rr, p);
    return {};
  }
  resampled_.resize(m);
  tachogram_.resize(m);
  spline_.fit(w.end_s, w.rr_ms, p.spline_degree);
  spline_.sample_uniform(t0, p.resample_hz, resampled_);
  if (detrender_) {
    detrender_->detrend(resampled_, tachogram_);
    for (std::size_t i = 0; i < m; ++i) {
      const double trend = resampled_[i] - tachogram_[i];
      tachogram_[i] = resampled_[i] - trend;
    }
  } else {
    std::copy(resampled_.begin(), resampled_.end(), tachogram_.begin());
  }
  double sum = 0.0;
  for (const double v : tachogram_) sum += v;
  const double mean = sum / static_cast<double>(m);
  for (double& v : tachogram_) v -= mean;
  return tachogram_;
}

// The batch analysis' Welch path on the window (see dsp::analyze).
void sliding_spectrum::compute_lf_hf(window_view w) {
  const std::size_t n = w.end_s.size();
  if (n < 3) return;
  const analysis_profile& p = cfg_.profile;
  double sum_ms = 0.0;
  for (const double v : w.rr_ms) sum_ms += v;
  const double duration = sum_ms / 1000.0;
  const double span = w.end_s.back() - (w.end_s.front() - w.rr_ms.front() / 1000.0);
  const double gap_s = std::max(0.0, span - duration);
  if (gap_s > cfg_.max_gap_share * span || duration < p.min_duration_hf_s) return;

  std::span<const double> z = tachogram_of(w);
  if (z.empty()) z = fallback_tachogram_;
  const welch_config wc = welch_config_for(p, z.size());
  spectrum fallback;
  if (wc.nfft == welch_fft_.size()) {
    welch_in_place(z, wc);
  } else {
    fallback = welch_psd(z, wc);  // a shorter window with another nfft: the batch function
  }
  const spectrum& s = wc.nfft == welch_fft_.size() ? welch_spectrum_ : fallback;
  if (s.freq_hz.empty()) return;
  const double hf = band_power(s, p.hf.lo_hz, p.hf.hi_hz, p.integration);
  values_.hf_ms2 = hf;
  if (duration >= p.min_duration_lf_s) {
    const double lf = band_power(s, p.lf.lo_hz, p.lf.hi_hz, p.integration);
    values_.lf_ms2 = lf;
    if (lf + hf > negligible_ms2 && hf > negligible_ms2) values_.lf_hf = lf / hf;
  }
}

namespace {

// Hann window of length n into w (capacity reserved), as welch.cpp makes it: periodic, or
// MATLAB's symmetric hanning(n) (k = 1..n over n + 1).
double hann_into(std::vector<double>& w, std::size_t n, window_kind kind) {
  w.resize(n);
  double energy = 0.0;
  const bool matlab = kind == window_kind::matlab_hanning;
  const double period = static_cast<double>(matlab ? n + 1 : n);
  for (std::size_t i = 0; i < n; ++i) {
    const double k = static_cast<double>(matlab ? i + 1 : i);
    const double phase = 2.0 * std::numbers::pi * k / period;
    w[i] = 0.5 - (1.0 - 0.5) * std::cos(phase);
    energy += w[i] * w[i];
  }
  return energy;
}

}  // namespace

sliding_spectrum::hann_cache::hann_cache(std::size_t slots, std::size_t max_length,
                                         window_kind kind)
    : slots_(slots), kind_(kind) {
  for (slot& s : slots_) s.w.reserve(max_length);
}

std::span<const double> sliding_spectrum::hann_cache::get(std::size_t n, double& energy) {
  slot* pick = &slots_.front();
  for (slot& s : slots_) {
    if (s.length == n) {
      pick = &s;
      break;
    }
    if (s.used < pick->used) pick = &s;
  }
  if (pick->length != n) {
    pick->energy = hann_into(pick->w, n, kind_);
    pick->length = n;
  }
  pick->used = ++clock_;
  energy = pick->energy;
  return pick->w;
}

void sliding_spectrum::welch_in_place(std::span<const double> x, const welch_config& cfg) {
  const bool cached_window =
      cfg.window == window_kind::hann || cfg.window == window_kind::matlab_hanning;
  if (x.size() < cfg.segment || !cached_window || cfg.detrend != segment_detrend::none) {
    welch_spectrum_ = welch_psd(x, cfg);  // not the planned shape: the batch function
    welch_freq_ready_ = false;
    return;
  }
  const std::size_t len = cfg.segment;
  double energy = 0.0;
  const std::span<const double> hann = welch_windows_.get(len, energy);
  const std::size_t step = len - cfg.overlap;
  const std::size_t segments = (x.size() - cfg.overlap) / step;
  std::fill(welch_accum_.begin(), welch_accum_.end(), 0.0);
  std::fill(welch_frame_.begin(), welch_frame_.end(), 0.0);
  for (std::size_t seg = 0; seg < segments; ++seg) {
    const std::span<const double> part = x.subspan(seg * step, len);
    const double mean = 0.0;
    for (std::size_t i = 0; i < len; ++i) welch_frame_[i] = (part[i] - mean) * hann[i];
    welch_fft_.transform(welch_frame_, welch_bins_);
    for (std::size_t k = 0; k < welch_bins_.size(); ++k)
      welch_accum_[k] += std::norm(welch_bins_[k]);
  }
  const double scale = 1.0 / (cfg.fs_hz * energy * static_cast<double>(segments));
  const std::size_t nb = welch_accum_.size();
  welch_spectrum_.psd.resize(nb);
  if (!welch_freq_ready_) {  // fs and nfft are the planned ones: the same bins every hop
    welch_spectrum_.freq_hz.resize(nb);
    for (std::size_t k = 0; k < nb; ++k) {
      welch_spectrum_.freq_hz[k] =
          static_cast<double>(k) * cfg.fs_hz / static_cast<double>(cfg.nfft);
    }
    welch_freq_ready_ = true;
  }
  for (std::size_t k = 0; k < nb; ++k) {
    const bool unpaired = k == 0 || (cfg.nfft % 2 == 0 && k == nb - 1);
    welch_spectrum_.psd[k] = welch_accum_[k] * scale * (unpaired ? 1.0 : 2.0);
  }
}

void sliding_spectrum::compute_coherence(double time_s, window_view w) {
  const double window = cfg_.coherence_window_s;
  const std::size_t n = w.end_s.size();
  if (n < 4) return;
  double sum_ms = 0.0;
  for (const double v : w.rr_ms) sum_ms += v;
  const double start = w.end_s.front() - w.rr_ms.front() / 1000.0;
  const double overhang = std::clamp(time_s - window - start, 0.0, w.rr_ms.front() / 1000.0);
  const double covered = sum_ms / 1000.0 - overhang;
  if (window - covered > cfg_.coherence_max_missing_share * window) return;

  // Uniform grid from the first beat of the window, as the batch resampling.
  const double fs = cfg_.coherence_resample_hz;
  const double t0 = w.end_s.front();
  const auto m = std::min(
      samples_.size(), static_cast<std::size_t>(std::floor((w.end_s.back() - t0) * fs + 1e-9)) + 1);
  if (m < 8) return;
  const std::span<double> x(samples_.data(), m);
  spline_.fit(w.end_s, w.rr_ms, 3);
  spline_.sample_uniform(t0, fs, x);
  double mean = 0.0;
  for (const double v : x) mean += v;
  mean /= static_cast<double>(m);

  // One Hann (periodic) segment, zero-padded; one-sided density as welch_psd.
  double energy = 0.0;
  const std::span<const double> hann = coherence_windows_.get(m, energy);
  std::fill(frame_.begin(), frame_.end(), 0.0);
  for (std::size_t i = 0; i < m; ++i) frame_[i] = (x[i] - mean) * hann[i];
  fft_.transform(frame_, bins_);
  const std::size_t nb = bins_.size();
  const std::size_t nfft = cfg_.coherence_nfft;
  const double scale = 1.0 / (fs * energy);
  const double df = fs / static_cast<double>(nfft);
  for (std::size_t k = 0; k < nb; ++k) {
    const bool unpaired = k == 0 || (nfft % 2 == 0 && k == nb - 1);
    psd_[k] = std::norm(bins_[k]) * scale * (unpaired ? 1.0 : 2.0);
  }
  const auto freq = [&](std::size_t k) { return static_cast<double>(k) * df; };

  std::size_t peak = nb;
  double total = 0.0;
  for (std::size_t k = 0; k < nb; ++k) {
    const double f = freq(k);
    if (f >= cfg_.coherence_total_band.lo_hz && f < cfg_.coherence_total_band.hi_hz) {
      total += psd_[k] * df;
    }
    if (f >= cfg_.coherence_peak_band.lo_hz && f < cfg_.coherence_peak_band.hi_hz &&
        (peak == nb || psd_[k] > psd_[peak])) {
      peak = k;
    }
  }
  if (peak == nb || total <= negligible_ms2) return;
  const double fp = freq(peak);
  const double half = cfg_.coherence_peak_half_width_hz + 1e-9;
  double peak_power = 0.0;
  for (std::size_t k = 0; k < nb; ++k) {
    if (std::abs(freq(k) - fp) <= half) peak_power += psd_[k] * df;
  }
  values_.coherence_peak_hz = fp;
  const double rest = total - peak_power;
  if (rest > 0.0) values_.coherence = peak_power / rest;
}

}  // namespace resonant::dsp
