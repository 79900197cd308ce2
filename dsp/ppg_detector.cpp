#include "dsp/ppg_detector.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace resonant::dsp {

namespace {

constexpr std::int64_t open_run = std::numeric_limits<std::int64_t>::max();
constexpr int template_min_beats = 3;      // before this, no beat is flagged noisy
constexpr int template_rebuild_after = 5;  // consecutive noisy beats that rebuild the template
constexpr double reference_pulse_sigma_s = 0.08;
constexpr double level_floor = 1e-250;  // below this the level is re-seeded (no denormals)

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("ppg_detector_config: ") + what);
}

std::int64_t samples_of(seconds_f d, double fs) {
  return static_cast<std::int64_t>(samples_for_duration(d.count(), fs));
}

// Odd boxcar length nearest to d * fs (odd so that its centre falls on a sample).
std::int64_t odd_samples_of(seconds_f d, double fs) {
  const double half = std::round((d.count() * fs - 1.0) / 2.0);
  return 2 * static_cast<std::int64_t>(std::max(half, 0.0)) + 1;
}

const ppg_detector_config& checked(const ppg_detector_config& cfg) {
  const double fs = cfg.sample_rate_hz;
  require(std::isfinite(fs) && fs > 0.0, "sample_rate_hz must be > 0");
  require(cfg.low_hz > 0.0 && cfg.low_hz < cfg.high_hz && cfg.high_hz < fs / 2.0,
          "need 0 < low_hz < high_hz < sample_rate_hz / 2");
  require(cfg.filter_order >= 1 && cfg.filter_order <= 8, "filter_order must be in 1..8");
  require(cfg.peak_window.count() > 0.0, "peak_window must be > 0");
  require(cfg.beat_window >= cfg.peak_window, "beat_window must be >= peak_window");
  require(odd_samples_of(cfg.beat_window, fs) >= 3, "beat_window must span >= 3 samples");
  require(cfg.offset_beta >= 0.0 && std::isfinite(cfg.offset_beta), "offset_beta must be >= 0");
  require(cfg.level_time.count() > 0.0, "level_time must be > 0");
  require(cfg.spike_ratio > 1.0, "spike_ratio must be > 1");
  require(cfg.max_block >= cfg.peak_window && cfg.max_block.count() < 60.0,
          "max_block must be in [peak_window, 60 s)");
  require(cfg.secondary_interval >= 0.0 && cfg.secondary_interval < 1.0,
          "secondary_interval must be in [0, 1)");
  require(cfg.secondary_amplitude >= 0.0 && cfg.secondary_amplitude <= 1.0,
          "secondary_amplitude must be in [0, 1]");
  require(cfg.refractory.count() >= 0.0 && cfg.refractory.count() < 10.0,
          "refractory must be in [0, 10 s)");
  require(cfg.template_pre.count() > 0.0 && cfg.template_post.count() > 0.0 &&
              cfg.template_pre.count() + cfg.template_post.count() < 10.0,
          "template_pre and template_post must be > 0 (sum < 10 s)");
  require(cfg.template_beats >= 1 && cfg.template_beats <= 256, "template_beats must be 1..256");
  require(cfg.noisy_below >= 0.0 && cfg.noisy_below <= 1.0, "noisy_below must be in [0, 1]");
  require(cfg.flat_min.count() > 0.0 && cfg.flat_min.count() < 60.0,
          "flat_min must be in (0, 60 s)");
  require(cfg.flat_tolerance >= 0.0 && std::isfinite(cfg.flat_tolerance),
          "flat_tolerance must be >= 0");
  require(cfg.settle.count() >= 0.0 && std::isfinite(cfg.settle.count()), "settle must be >= 0");
  require(cfg.hold_max.count() >= 0.0 && cfg.hold_max.count() < 10.0,
          "hold_max must be in [0, 10 s)");
  require(cfg.clip_min.count() > 0.0 && cfg.clip_min.count() < 10.0,
          "clip_min must be in (0, 10 s)");
  return cfg;
}

// Shift (samples) of the peak of a Gaussian pulse through the filter, parabola-refined.
double measure_peak_delay(const std::vector<biquad_coefficients>& sections, double fs) {
  biquad_cascade probe(sections);
  const double sigma = reference_pulse_sigma_s * fs;
  const double centre = std::ceil(1.5 * fs);
  const auto length = static_cast<std::size_t>(centre + 3.0 * fs);
  std::vector<double> y(length);
  for (std::size_t i = 0; i < length; ++i) {
    const double u = (static_cast<double>(i) - centre) / sigma;
    y[i] = probe.process(std::exp(-0.5 * u * u));
  }
  const auto best =
      static_cast<std::size_t>(std::max_element(y.begin() + 1, y.end() - 1) - y.begin());
  const double a = y[best - 1];
  const double b = y[best];
  const double c = y[best + 1];
  const double denom = a - 2.0 * b + c;
  const double frac = denom < 0.0 ? std::clamp(0.5 * (a - c) / denom, -0.5, 0.5) : 0.0;
  return static_cast<double>(best) + frac - centre;
}

}  // namespace

ppg_detector::ppg_detector(const ppg_detector_config& cfg)
    : cfg_(checked(cfg)),
      filter_(design_butterworth({filter_response::band_pass, cfg.filter_order, cfg.sample_rate_hz,
                                  cfg.low_hz, cfg.high_hz})),
      ma_peak_(static_cast<std::size_t>(odd_samples_of(cfg.peak_window, cfg.sample_rate_hz))),
      ma_beat_(static_cast<std::size_t>(odd_samples_of(cfg.beat_window, cfg.sample_rate_hz))) {
  const double fs = cfg_.sample_rate_hz;
  peak_len_ = static_cast<std::int64_t>(ma_peak_.length());
  const auto beat_len = static_cast<std::int64_t>(ma_beat_.length());
  beat_half_ = (beat_len - 1) / 2;
  peak_delay_ = (beat_len - peak_len_) / 2;
  peak_delay_line_.assign(static_cast<std::size_t>(std::max<std::int64_t>(peak_delay_, 1)), 0.0);
  max_block_ = std::max(samples_of(cfg_.max_block, fs), peak_len_);
  refractory_ = cfg_.refractory.count() * fs;
  settle_ = std::max(cfg_.settle.count() * fs, -0.5);
  pre_ = samples_of(cfg_.template_pre, fs);
  post_ = samples_of(cfg_.template_post, fs);
  flat_min_ = std::max<std::int64_t>(samples_of(cfg_.flat_min, fs), 2);
  clip_min_ = std::max<std::int64_t>(samples_of(cfg_.clip_min, fs), 3);
  clip_half_ = std::max(clip_min_, samples_of(seconds_f{0.1}, fs));
  delay_ = measure_peak_delay(filter_.coefficients(), fs);
  level_samples_ = cfg_.level_time.count() * fs;
  level_alpha_ = 1.0 / level_samples_;

  // A beat at fiducial k <= peak + 0.5 - delay is emitted once its pulse window, the dropout
  // test over that window and the clipping window are complete.
  const double k_late = 0.5 - delay_;
  const double need =
      std::max({static_cast<double>(post_), k_late + static_cast<double>(post_ + flat_min_),
                k_late + static_cast<double>(clip_half_)});
  emit_after_peak_ = static_cast<std::int64_t>(std::ceil(need));
  const auto close_after_peak = static_cast<double>(max_block_ + beat_half_);
  base_latency_ = static_cast<std::int64_t>(
      std::ceil(std::max(close_after_peak, static_cast<double>(emit_after_peak_)) + delay_ + 0.5));
  // A held beat is released at ceil(t + hold) + base_latency (t <= sample + 0.5), one step later
  // when another beat is emitted during that step.
  hold_max_ = cfg_.hold_max.count() * fs;
  latency_ = base_latency_ + static_cast<std::int64_t>(std::ceil(hold_max_)) + 2;

  const std::int64_t history =
      latency_ + pre_ + post_ + clip_half_ + static_cast<std::int64_t>(std::abs(delay_)) + 8;
  const std::size_t ring = std::bit_ceil(static_cast<std::size_t>(history));
  filt_.assign(ring, 0.0);
  raw_.assign(ring, 0.0);
  spike_.assign(ring, 0);
  mask_ = ring - 1;

  window_ = static_cast<std::size_t>(pre_ + post_ + 1);
  segment_.assign(window_, 0.0);
  template_sum_.assign(window_, 0.0);
  template_ring_.assign(window_ * static_cast<std::size_t>(cfg_.template_beats), 0.0);
  // Candidates are at least peak_len + 1 samples apart and wait at most
  // max(emit_after_peak, max_block + beat_half) samples.
  const std::int64_t wait = std::max(emit_after_peak_, max_block_ + beat_half_);
  pending_.assign(static_cast<std::size_t>(wait / (peak_len_ + 1) + 2), candidate{});
}

void ppg_detector::reset() noexcept {
  filter_.reset();
  ma_peak_.reset();
  ma_beat_.reset();
  std::fill(peak_delay_line_.begin(), peak_delay_line_.end(), 0.0);
  peak_delay_index_ = 0;
  std::fill(filt_.begin(), filt_.end(), 0.0);
  std::fill(raw_.begin(), raw_.end(), 0.0);
  std::fill(spike_.begin(), spike_.end(), 0);
  std::fill(template_sum_.begin(), template_sum_.end(), 0.0);
  std::fill(template_ring_.begin(), template_ring_.end(), 0.0);
  n_ = 0;
  x0_ = 0.0;
  held_ = 0.0;
  level_ = 0.0;
  ending_ = false;
  end_n_ = 0;
  in_block_ = false;
  block_start_ = 0;
  block_best_ = 0;
  pending_head_ = 0;
  pending_count_ = 0;
  dropout_count_ = 0;
  run_value_ = 0.0;
  run_start_ = 0;
  has_last_beat_ = false;
  last_beat_ = 0.0;
  last_amplitude_ = 0.0;
  last_ok_ = false;
  has_held_ = false;
  held_beat_ = accepted{};
  release_at_ = 0;
  segment_usable_ = false;
  intervals_.fill(0.0);
  interval_count_ = 0;
  template_count_ = 0;
  template_next_ = 0;
  noisy_run_ = 0;
  out_ = beat_event{};
}

void ppg_detector::begin_finish() noexcept {
  ending_ = true;
  end_n_ = n_;
}

bool ppg_detector::step(double x) noexcept {
  const std::int64_t n = n_;
  const std::size_t slot = static_cast<std::size_t>(n) & mask_;
  if (!ending_) {
    if (n == 0) {
      x0_ = x;
      run_value_ = x;
      run_start_ = 0;
    }
    held_ = x;
    // Dropout tracking on the raw signal: a run of samples equal to the run's first value.
    if (std::abs(x - run_value_) <= cfg_.flat_tolerance) {
      if (n - run_start_ + 1 == flat_min_) {
        dropouts_[dropout_count_ % dropouts_.size()] = {run_start_, open_run};
        ++dropout_count_;
      }
    } else {
      if (n - run_start_ >= flat_min_) {
        dropouts_[(dropout_count_ - 1) % dropouts_.size()].last = n - 1;
        // Re-base so that the filter input continues from the dropout's level: the jump back
        // from a rail is not a step through the band-pass (whose ringing would hide beats).
        x0_ += x - run_value_;
      }
      run_start_ = n;
      run_value_ = x;
    }
  }
  raw_[slot] = x;

  const double y = filter_.process(x - x0_);
  filt_[slot] = y;
  const double pos = y > 0.0 ? y : 0.0;
  double s = pos * pos;
  spike_[slot] = 0;
  if (level_ > level_floor) {
    if (s > cfg_.spike_ratio * level_) {
      s = cfg_.spike_ratio * level_;
      spike_[slot] = 1;
    }
    const double n1 = static_cast<double>(n + 1);
    const double alpha = n1 < level_samples_ ? 1.0 / n1 : level_alpha_;
    level_ += alpha * (s - level_);
  } else {
    level_ = s;
  }
  const double mp = ma_peak_.process(s);
  const double mb = ma_beat_.process(s);
  double mp_centred = mp;
  if (peak_delay_ > 0) {
    double& d = peak_delay_line_[peak_delay_index_];
    mp_centred = d;
    d = mp;
    if (++peak_delay_index_ == peak_delay_line_.size()) peak_delay_index_ = 0;
  }

  // Blocks of interest, in the time frame of the filtered signal (centre of both averages).
  const std::int64_t c = n - beat_half_;
  const bool above =
      c >= 0 && mp_centred > mb + cfg_.offset_beta * level_ && !(ending_ && c >= end_n_);
  if (above) {
    if (!in_block_) {
      in_block_ = true;
      block_start_ = c;
      block_best_ = c;
    } else if (filtered(c) > filtered(block_best_)) {
      block_best_ = c;
    }
    if (c - block_start_ + 1 >= max_block_) close_block(c);
  } else if (in_block_) {
    close_block(c - 1);
  }

  bool emitted = false;
  if (pending_count_ > 0 && pending_[pending_head_].emit_at <= n) {
    const candidate cand = pending_[pending_head_];
    pending_head_ = (pending_head_ + 1) % pending_.size();
    --pending_count_;
    emitted = evaluate(cand);
  }
  if (!emitted && n >= release_at_) emitted = flush_held();
  ++n_;
  return emitted;
}

void ppg_detector::close_block(std::int64_t end) noexcept {
  in_block_ = false;
  if (end - block_start_ + 1 < peak_len_) return;
  const std::int64_t p = block_best_;
  const double a = p > 0 ? filtered(p - 1) : filtered(p);
  const double b = filtered(p);
  const double c = filtered(p + 1);
  const double denom = a - 2.0 * b + c;
  const double frac = denom < 0.0 ? std::clamp(0.5 * (a - c) / denom, -0.5, 0.5) : 0.0;
  if (pending_count_ == pending_.size()) {  // cannot happen with the sizing above; stay safe
    pending_head_ = (pending_head_ + 1) % pending_.size();
    --pending_count_;
  }
  bool spiky = false;
  for (std::int64_t i = block_start_; i <= end && !spiky; ++i)
    spiky = spike_[static_cast<std::size_t>(i) & mask_] != 0;
  const std::size_t tail = (pending_head_ + pending_count_) % pending_.size();
  pending_[tail] = {p, frac, std::max(n_, p + emit_after_peak_), spiky};
  ++pending_count_;
}

bool ppg_detector::in_dropout(std::int64_t first, std::int64_t last) const noexcept {
  const std::size_t stored = std::min(dropout_count_, dropouts_.size());
  for (std::size_t i = 0; i < stored; ++i) {
    const dropout& d = dropouts_[i];
    if (d.first <= last && d.last >= first) return true;
  }
  return false;
}

bool ppg_detector::clipped_at(std::int64_t k) const noexcept {
  const std::int64_t first = std::max<std::int64_t>(k - clip_half_, 0);
  std::int64_t last = std::min(k + clip_half_, n_);
  if (ending_) last = std::min(last, end_n_ - 1);
  if (last - first + 1 < clip_min_) return false;
  double top = raw(first);
  for (std::int64_t i = first + 1; i <= last; ++i) top = std::max(top, raw(i));
  std::int64_t run = 0;
  std::int64_t longest = 0;
  for (std::int64_t i = first; i <= last; ++i) {
    run = top - raw(i) <= cfg_.flat_tolerance ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest >= clip_min_;
}

double ppg_detector::correlate(std::int64_t peak) noexcept {
  const std::int64_t first = peak - pre_;
  double mean = 0.0;
  for (std::size_t i = 0; i < window_; ++i) {
    segment_[i] = filtered(first + static_cast<std::int64_t>(i));
    mean += segment_[i];
  }
  mean /= static_cast<double>(window_);
  double norm2 = 0.0;
  for (double& v : segment_) {
    v -= mean;
    norm2 += v * v;
  }
  segment_usable_ = norm2 > 0.0 && std::isfinite(norm2);
  if (!segment_usable_) return 0.0;
  const double inv = 1.0 / std::sqrt(norm2);
  for (double& v : segment_) v *= inv;
  if (template_count_ == 0) return 0.0;
  double dot = 0.0;
  double t2 = 0.0;
  for (std::size_t i = 0; i < window_; ++i) {
    dot += segment_[i] * template_sum_[i];
    t2 += template_sum_[i] * template_sum_[i];
  }
  return t2 > 0.0 ? std::clamp(dot / std::sqrt(t2), 0.0, 1.0) : 0.0;
}

bool ppg_detector::judge_and_learn(double quality, bool learn_allowed) noexcept {
  const bool noisy = !segment_usable_ || (static_cast<int>(template_count_) >= template_min_beats &&
                                          quality < cfg_.noisy_below);
  if (noisy) {
    if (++noisy_run_ < template_rebuild_after) return true;
    noisy_run_ = 0;  // the template no longer describes the signal: rebuild it from here
    template_count_ = 0;
    template_next_ = 0;
    std::fill(template_sum_.begin(), template_sum_.end(), 0.0);
  } else {
    noisy_run_ = 0;
  }
  if (!learn_allowed || !segment_usable_) return noisy;

  const auto beats = static_cast<std::size_t>(cfg_.template_beats);
  double* stored = template_ring_.data() + template_next_ * window_;
  const bool replacing = template_count_ == beats;
  for (std::size_t i = 0; i < window_; ++i) {
    template_sum_[i] += segment_[i] - (replacing ? stored[i] : 0.0);
    stored[i] = segment_[i];
  }
  if (!replacing) ++template_count_;
  template_next_ = (template_next_ + 1) % beats;
  if (template_next_ == 0) {  // re-base the running sum once per cycle (no drift)
    std::fill(template_sum_.begin(), template_sum_.end(), 0.0);
    for (std::size_t b = 0; b < template_count_; ++b) {
      const double* row = template_ring_.data() + b * window_;
      for (std::size_t i = 0; i < window_; ++i) template_sum_[i] += row[i];
    }
  }
  return noisy;
}

double ppg_detector::median_interval() const noexcept {
  // Insertion sort of at most five values (std::sort here trips GCC 12's -Warray-bounds
  // under -O2 with sanitizers, a known false positive).
  std::array<double, 5> sorted = intervals_;
  const std::size_t count = std::min(interval_count_, sorted.size());
  for (std::size_t i = 1; i < count; ++i) {
    const double v = sorted[i];
    std::size_t j = i;
    for (; j > 0 && sorted[j - 1] > v; --j) sorted[j] = sorted[j - 1];
    sorted[j] = v;
  }
  return sorted[count / 2];
}

bool ppg_detector::evaluate(const candidate& cand) noexcept {
  const double t = static_cast<double>(cand.peak) + cand.frac - delay_;
  const auto k = static_cast<std::int64_t>(std::llround(t));
  if (t < settle_ || (ending_ && k >= end_n_)) return false;
  if (in_dropout(k, k)) return false;
  const double amplitude = filtered(cand.peak);
  const bool rhythm_known = interval_count_ >= 3;
  const double early = rhythm_known ? cfg_.secondary_interval * median_interval() : 0.0;
  const bool flat = in_dropout(k - pre_, k + post_);
  const bool clipped = clipped_at(k);
  const double quality = correlate(cand.peak);
  // A clean, large pulse soon after a small held wave: that wave was not a pulse. A spike, an
  // artefact or a pulse unlike the template is not clean and cannot displace a beat.
  const bool looks_clean =
      !cand.spiky && !flat && !clipped && segment_usable_ &&
      (static_cast<int>(template_count_) < template_min_beats || quality >= cfg_.noisy_below);
  const bool drop_held =
      has_held_ && t - held_beat_.time < early && looks_clean &&
      (held_beat_.amplitude < cfg_.secondary_amplitude * amplitude ||
       (held_beat_.event.flag != signal_flag::ok && held_beat_.amplitude < amplitude));
  // The reference is the latest beat that stays: the held one, else the last emitted one.
  const bool held_ref = has_held_ && !drop_held;
  const bool has_ref = held_ref || has_last_beat_;
  const double interval = has_ref ? t - (held_ref ? held_beat_.time : last_beat_) : 0.0;
  const double ref_amplitude = held_ref ? held_beat_.amplitude : last_amplitude_;
  if (has_ref && interval < refractory_) return false;
  // A small wave soon after a pulse: the secondary wave of that pulse.
  if (has_ref && rhythm_known && interval < early &&
      amplitude < cfg_.secondary_amplitude * ref_amplitude) {
    return false;
  }

  const bool noisy = judge_and_learn(quality, !flat && !clipped);
  accepted beat;
  beat.event.sample = k;
  beat.event.offset = t - static_cast<double>(k);
  beat.event.quality = quality;
  beat.event.flag = flat      ? signal_flag::flat
                    : clipped ? signal_flag::clipped
                    : noisy   ? signal_flag::noisy
                              : signal_flag::ok;
  beat.time = t;
  beat.amplitude = amplitude;

  if (!rhythm_known || hold_max_ <= 0.0) {  // nothing is held before the rhythm is known
    emit(beat);
    return true;
  }
  if (held_ref) emit(held_beat_);
  held_beat_ = beat;
  has_held_ = true;
  release_at_ =
      static_cast<std::int64_t>(std::ceil(t + std::min(early, hold_max_))) + base_latency_;
  return held_ref;
}

bool ppg_detector::flush_held() noexcept {
  if (!has_held_) return false;
  has_held_ = false;
  emit(held_beat_);
  return true;
}

void ppg_detector::emit(const accepted& beat) noexcept {
  const bool ok = beat.event.flag == signal_flag::ok;
  // Only intervals between two clean beats describe the rhythm (no secondary waves, spikes).
  if (has_last_beat_ && ok && last_ok_) {
    intervals_[interval_count_ % intervals_.size()] = beat.time - last_beat_;
    ++interval_count_;
  }
  has_last_beat_ = true;
  last_ok_ = ok;
  last_beat_ = beat.time;
  last_amplitude_ = beat.amplitude;
  out_ = beat.event;
}

std::vector<beat_event> detect_ppg_beats(std::span<const double> samples,
                                         const ppg_detector_config& cfg) {
  ppg_detector detector(cfg);
  std::vector<beat_event> beats;
  const auto keep = [&beats](const beat_event& b) { beats.push_back(b); };
  detector.process(samples, keep);
  detector.finish(keep);
  return beats;
}

}  // namespace resonant::dsp
