#include "dsp/ecg_detector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace resonant::dsp {
namespace {

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

std::int64_t samples(double seconds, double fs) {
  return static_cast<std::int64_t>(samples_for_duration(seconds, fs));
}

const ecg_detector_config& checked(const ecg_detector_config& c) {
  const double fs = c.sample_rate_hz;
  if (!(fs >= 50.0 && fs <= 4000.0)) {
    throw std::invalid_argument("ecg_detector: sample_rate_hz must be in [50, 4000]");
  }
  if (!(c.band_low_hz > 0.0 && c.band_low_hz < c.band_high_hz && c.band_high_hz < 0.45 * fs)) {
    throw std::invalid_argument("ecg_detector: need 0 < band_low_hz < band_high_hz < 0.45 fs");
  }
  if (!(c.integration_window_s >= 0.02 && c.integration_window_s <= 0.5)) {
    throw std::invalid_argument("ecg_detector: integration_window_s must be in [0.02, 0.5]");
  }
  if (!(c.refractory_s >= 0.1 && c.refractory_s <= 0.5)) {
    throw std::invalid_argument("ecg_detector: refractory_s must be in [0.1, 0.5]");
  }
  if (!(c.t_wave_window_s >= c.refractory_s && c.t_wave_window_s <= 1.0)) {
    throw std::invalid_argument("ecg_detector: t_wave_window_s must be in [refractory_s, 1]");
  }
  if (!(c.search_back_factor >= 1.0 && c.search_back_factor <= 3.0)) {
    throw std::invalid_argument("ecg_detector: search_back_factor must be in [1, 3]");
  }
  if (!(c.max_rr_s >= 0.5 && c.max_rr_s <= 5.0)) {
    throw std::invalid_argument("ecg_detector: max_rr_s must be in [0.5, 5]");
  }
  if (!(c.learning_s >= 0.5 && c.learning_s <= 10.0)) {
    throw std::invalid_argument("ecg_detector: learning_s must be in [0.5, 10]");
  }
  if (!(c.flat_min_s > 0.0 && c.flat_min_s <= 10.0)) {
    throw std::invalid_argument("ecg_detector: flat_min_s must be in (0, 10]");
  }
  if (!(c.noisy_quality >= 0.0 && c.noisy_quality <= 1.0)) {
    throw std::invalid_argument("ecg_detector: noisy_quality must be in [0, 1]");
  }
  if (!(c.reject_quality >= 0.0 && c.reject_quality <= c.noisy_quality)) {
    throw std::invalid_argument("ecg_detector: reject_quality must be in [0, noisy_quality]");
  }
  if (!(c.premature_fraction >= 0.0 && c.premature_fraction < 1.0)) {
    throw std::invalid_argument("ecg_detector: premature_fraction must be in [0, 1)");
  }
  if (!(c.premature_quality >= 0.0 && c.premature_quality <= 1.0)) {
    throw std::invalid_argument("ecg_detector: premature_quality must be in [0, 1]");
  }
  return c;
}

butterworth_config band_config(const ecg_detector_config& c) {
  butterworth_config b;
  b.response = filter_response::band_pass;
  b.order = 2;
  b.sample_rate_hz = c.sample_rate_hz;
  b.low_hz = c.band_low_hz;
  b.high_hz = c.band_high_hz;
  return b;
}

std::size_t next_pow2(std::int64_t n) {
  std::size_t p = 1;
  while (static_cast<std::int64_t>(p) < n) p <<= 1;
  return p;
}

}  // namespace

ecg_detector::ecg_detector(const ecg_detector_config& cfg)
    : cfg_(checked(cfg)),
      box_(samples_for_duration(0.02, cfg.sample_rate_hz)),
      band_(band_config(cfg)),
      mwi_(samples_for_duration(cfg.integration_window_s, cfg.sample_rate_hz)) {
  const double fs = cfg_.sample_rate_hz;
  confirm_ = samples(cfg_.refractory_s, fs);
  t_wave_ = samples(cfg_.t_wave_window_s, fs);
  learning_ = samples(cfg_.learning_s, fs);
  flat_min_ = std::min(samples(cfg_.flat_min_s, fs), confirm_);
  flat_min_ = std::max<std::int64_t>(flat_min_, 2);
  half_width_ = samples(0.075, fs);
  clip_run_ = std::max<std::int64_t>(3, samples(0.012, fs));
  prom_ = samples(0.02, fs);
  max_limit_ = samples(cfg_.search_back_factor * cfg_.max_rr_s, fs);
  integ_ = static_cast<std::int64_t>(mwi_.length());
  band_delay_ = band_.group_delay_samples(std::sqrt(cfg_.band_low_hz * cfg_.band_high_hz), fs);
  box_delay_ = 0.5 * static_cast<double>(box_.length() - 1);
  // The template window must be complete when the candidate is confirmed.
  tmpl_half_ = std::min(samples(0.1, fs),
                        confirm_ - half_width_ - static_cast<std::int64_t>(box_delay_) - 2);
  tmpl_half_ = std::max<std::int64_t>(tmpl_half_, 1);
  latency_ = std::max(learning_, max_limit_ + confirm_) + confirm_ + integ_ +
             static_cast<std::int64_t>(std::ceil(band_delay_)) + half_width_ + 4;

  const std::size_t ring = next_pow2(latency_ + tmpl_half_ + 2 * half_width_ + integ_ + 16);
  mask_ = ring - 1;
  ring_s_.assign(ring, 0.0);
  ring_x_.assign(ring, 0.0);
  ring_d_.assign(ring, 0.0);
  const std::int64_t span = std::max(learning_, max_limit_ + confirm_) + 2 * confirm_;
  pending_.reserve(static_cast<std::size_t>(span / confirm_ + 4));
  scratch_.reserve(pending_.capacity());
  template_.assign(static_cast<std::size_t>(2 * tmpl_half_ + 1), 0.0);
  window_.assign(template_.size(), 0.0);
  reset();
}

void ecg_detector::reset() {
  band_.reset();
  box_.reset();
  mwi_.reset();
  b1_ = b2_ = 0.0;
  std::fill(ring_s_.begin(), ring_s_.end(), 0.0);
  std::fill(ring_x_.begin(), ring_x_.end(), 0.0);
  std::fill(ring_d_.begin(), ring_d_.end(), 0.0);
  n_ = 0;
  last_x_ = 0.0;
  flat_run_ = 0;
  after_flat_ = false;
  rr_count_ = 0;
  rr_next_ = 0;
  polarity_score_ = 0.0;
  have_template_ = false;
  end_pad_ = 0;
  out_count_ = 0;
  restart(0);
}

void ecg_detector::restart(std::int64_t from) noexcept {
  cand_active_ = false;
  prev_m_ = 0.0;
  valid_from_ = from;
  learning_active_ = true;
  learning_end_ = from + learning_;
  learn_max_ = 0.0;
  learn_sum_ = 0.0;
  learn_count_start_ = from;
  spki_ = npki_ = 0.0;
  have_last_ = false;
  anchor_ = from;
  search_mode_ = false;
  pending_.clear();
  update_deadline();
}

void ecg_detector::prime(double x) noexcept {
  band_.settle(x);
  box_.reset(x);
  mwi_.reset();
  b1_ = b2_ = 0.0;
  for (double& v : ring_s_) v = x;
  for (double& v : ring_x_) v = x;
}

void ecg_detector::on_flat_start() noexcept {
  // Whatever rose in the integrator since the signal froze is the filters' step response.
  cand_active_ = false;
  pending_.clear();
  after_flat_ = true;
  search_mode_ = false;
  next_event_ = never;
}

void ecg_detector::on_flat_end(double x) noexcept {
  const std::int64_t n = n_ - 1;
  band_.settle(x);
  box_.reset(x);
  mwi_.reset();
  b1_ = b2_ = 0.0;
  restart(n);
}

double ecg_detector::limit() const noexcept {
  double mean = cfg_.sample_rate_hz;  // 1 s before any RR is known
  if (rr_count_ != 0) {
    double s = 0.0;
    for (std::size_t i = 0; i < rr_count_; ++i) s += rr_[i];
    mean = s / static_cast<double>(rr_count_);
  }
  const double l = cfg_.search_back_factor * mean;
  return std::min(l, static_cast<double>(max_limit_));
}

void ecg_detector::update_deadline() noexcept {
  if (flat_run_ >= flat_min_) {
    next_event_ = never;
  } else if (learning_active_) {
    next_event_ = learning_end_;
  } else if (search_mode_) {
    next_event_ = search_deadline_;
  } else {
    next_event_ = anchor_ + static_cast<std::int64_t>(limit()) + confirm_;
  }
}

void ecg_detector::on_deadline() noexcept {
  const std::int64_t now = n_ - 1;
  if (learning_active_) {
    end_learning();
    return;
  }
  if (!search_mode_) {
    bool found = search_back();
    while (found && now >= anchor_ + static_cast<std::int64_t>(limit()) + confirm_) {
      found = search_back();
    }
    if (!found) {
      search_mode_ = true;
      search_deadline_ = now + static_cast<std::int64_t>(limit());
    }
  } else if (!search_back()) {
    // Another interval without any beat even at THR2: the levels are likely pumped up by an
    // artefact; halve them, and restart the template.
    spki_ *= 0.5;
    npki_ *= 0.5;
    have_template_ = false;  // nor let a wrong template lock the detector out
    search_deadline_ = now + static_cast<std::int64_t>(limit());
  }
  update_deadline();
}

void ecg_detector::end_learning() noexcept {
  const std::int64_t now = n_ - 1;
  const double count = static_cast<double>(std::max<std::int64_t>(1, now - learn_count_start_ + 1));
  spki_ = learn_max_ / 3.0;
  npki_ = 0.5 * learn_sum_ / count;
  learning_active_ = false;
  if (!have_last_) anchor_ = now;
  scratch_.assign(pending_.begin(), pending_.end());
  pending_.clear();
  if (std::abs(polarity_score_) <= 0.5) {
    // Polarity of the learning period's QRS complexes by majority: a single beat whose S wave
    // happens to be the sharper extreme must not be located on it.
    const double thr1 = threshold1();
    int votes = 0;
    int voters = 0;
    for (const candidate& c : scratch_) {
      if (c.height <= thr1) continue;
      votes += c.prom_pos >= c.prom_neg ? 1 : -1;
      ++voters;
    }
    if (voters >= 2 && 3 * std::abs(votes) >= voters) polarity_score_ = votes > 0 ? 0.6 : -0.6;
  }
  for (candidate& c : scratch_) {
    resolve(c);
    classify(c);
  }
  update_deadline();
}

void ecg_detector::on_candidate(std::int64_t index, double height) noexcept {
  if (index < valid_from_) return;
  const std::int64_t now = n_ - 1 + end_pad_;
  const std::int64_t oldest = std::max<std::int64_t>(
      {std::int64_t{0}, valid_from_, now - static_cast<std::int64_t>(mask_)});
  const auto s_at = [this](std::int64_t i) { return ring_s_[static_cast<std::size_t>(i) & mask_]; };

  // Steepest point of the band-passed signal within the integration window.
  std::int64_t td = index;
  double slope = -1.0;
  for (std::int64_t i = std::max(oldest, index - integ_ + 1); i <= index; ++i) {
    const double v = ring_d_[static_cast<std::size_t>(i) & mask_];
    if (v > slope) {
      slope = v;
      td = i;
    }
  }
  // QRS centre in input time, then in smoothed-ring time.
  const double centre = static_cast<double>(td) - 1.0 - band_delay_ + box_delay_;
  const std::int64_t lo =
      std::max(oldest + 1, static_cast<std::int64_t>(std::floor(centre)) - half_width_);
  const std::int64_t hi =
      std::min(now - 1, static_cast<std::int64_t>(std::ceil(centre)) + half_width_);
  if (hi <= lo) return;
  std::int64_t imax = lo;
  std::int64_t imin = lo;
  for (std::int64_t i = lo; i <= hi; ++i) {
    const double v = s_at(i);
    if (v > s_at(imax)) imax = i;
    if (v < s_at(imin)) imin = i;
  }
  // Prominence of each extreme over its neighbours prom_ samples away: an R wave is sharp, a
  // broad S or T wave of similar height is not (record 118: R 1.3 mV, broad S -1.1 mV).
  const auto prominence = [&](std::int64_t k) {
    const double left = s_at(std::max(oldest, k - prom_));
    const double right = s_at(std::min(now, k + prom_));
    return s_at(k) - 0.5 * (left + right);
  };
  candidate c;
  c.index = index;
  c.height = height;
  c.slope = slope;
  c.peak_pos = imax;
  c.peak_neg = imin;
  c.prom_pos = prominence(imax);
  c.prom_neg = -prominence(imin);
  const auto complete = [&](std::int64_t k) {
    return k + tmpl_half_ <= now && k - tmpl_half_ >= oldest;
  };
  if (!complete(imax)) c.prom_pos = -std::numeric_limits<double>::infinity();
  if (!complete(imin)) c.prom_neg = -std::numeric_limits<double>::infinity();
  if (!complete(imax) && !complete(imin)) return;  // waveform incomplete
  if (learning_active_) {
    push_pending(c);
  } else {
    resolve(c);
    classify(c);
  }
}

void ecg_detector::resolve(candidate& c) noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  int pol = c.prom_pos >= c.prom_neg ? 1 : -1;
  const int learnt = polarity_score_ > 0.5 ? 1 : polarity_score_ < -0.5 ? -1 : 0;
  if (learnt == 0 && have_template_ && c.prom_pos > -inf && c.prom_neg > -inf) {
    // Polarity not yet learnt: the extreme whose waveform resembles the first beats.
    pol = correlate(c.peak_pos, 1) >= correlate(c.peak_neg, -1) ? 1 : -1;
  } else if (learnt != 0 && (learnt > 0 ? c.prom_pos : c.prom_neg) > -inf) {
    const double same = learnt > 0 ? c.prom_pos : c.prom_neg;
    const double other = learnt > 0 ? c.prom_neg : c.prom_pos;
    pol = learnt;
    if (other > 2.0 * same) {
      // Against the learnt polarity only when the other extreme is also the one that
      // resembles the recent beats (a sharp S wave of a noisy beat is not its R).
      const std::int64_t ks = learnt > 0 ? c.peak_pos : c.peak_neg;
      const std::int64_t ko = learnt > 0 ? c.peak_neg : c.peak_pos;
      if (!have_template_ || correlate(ko, -learnt) > correlate(ks, learnt)) pol = -learnt;
    }
  }
  const std::int64_t k = pol > 0 ? c.peak_pos : c.peak_neg;
  const auto s_at = [this](std::int64_t i) { return ring_s_[static_cast<std::size_t>(i) & mask_]; };
  // Parabolic interpolation through the extreme and its neighbours.
  const double ym = s_at(k - 1);
  const double y0 = s_at(k);
  const double yp = s_at(k + 1);
  const double den = ym - 2.0 * y0 + yp;
  double delta = den != 0.0 ? 0.5 * (ym - yp) / den : 0.0;
  delta = std::clamp(delta, -0.5, 0.5);
  c.peak = k;
  c.position = static_cast<double>(k) - box_delay_ + delta;
  c.polarity = pol;
  c.quality = correlate(k, pol);
}

bool ecg_detector::is_t_wave(const candidate& c) const noexcept {
  return have_last_ && c.position - last_position_ < static_cast<double>(t_wave_) &&
         c.slope < 0.5 * last_slope_;
}

double ecg_detector::median_rr() const noexcept {
  if (rr_count_ == 0) return cfg_.sample_rate_hz;
  // Insertion sort of at most 8 values (std::sort trips GCC 12's -Warray-bounds here).
  std::array<double, 8> v{};
  static_assert(sizeof(rr_) == sizeof(v));
  for (std::size_t i = 0; i < rr_count_; ++i) {
    std::size_t j = i;
    for (; j > 0 && v[j - 1] > rr_[i]; --j) v[j] = v[j - 1];
    v[j] = rr_[i];
  }
  const std::size_t h = rr_count_ / 2;
  return rr_count_ % 2 != 0 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

bool ecg_detector::is_doubtful(const candidate& c) const noexcept {
  return have_last_ && rr_count_ != 0 && c.quality < cfg_.premature_quality &&
         c.position - last_position_ < cfg_.premature_fraction * median_rr();
}

void ecg_detector::classify(const candidate& c) noexcept {
  if (have_last_ && c.position - last_position_ < static_cast<double>(confirm_)) return;
  const double thr1 = threshold1();
  const double thr = search_mode_ ? 0.5 * thr1 : thr1;
  if (c.height > thr && !is_t_wave(c) && c.quality >= cfg_.reject_quality && !is_doubtful(c)) {
    accept(c, search_mode_);
    update_deadline();
    return;
  }
  npki_ = 0.125 * c.height + 0.875 * npki_;
  push_pending(c);
}

bool ecg_detector::search_back() noexcept {
  const std::int64_t now = n_ - 1;
  const double thr2 = 0.5 * threshold1();
  const candidate* best = nullptr;
  for (const candidate& c : pending_) {
    if (c.index < now - max_limit_ - confirm_) continue;  // bounds the latency
    if (have_last_ && c.position - last_position_ < static_cast<double>(confirm_)) continue;
    if (c.height <= thr2 || is_t_wave(c) || c.quality < cfg_.reject_quality || is_doubtful(c)) {
      continue;
    }
    if (best == nullptr || c.height > best->height) best = &c;
  }
  if (best == nullptr) return false;
  const candidate c = *best;
  accept(c, true);
  return true;
}

void ecg_detector::push_pending(const candidate& c) noexcept {
  if (pending_.size() == pending_.capacity()) pending_.erase(pending_.begin());
  pending_.push_back(c);
}

void ecg_detector::accept(const candidate& c, bool searched) noexcept {
  spki_ = searched ? 0.25 * c.height + 0.75 * spki_ : 0.125 * c.height + 0.875 * spki_;
  if (have_last_) {
    const double rr = c.position - last_position_;
    if (rr <= cfg_.max_rr_s * cfg_.sample_rate_hz) {
      rr_[rr_next_] = rr;
      rr_next_ = (rr_next_ + 1) % 8;
      rr_count_ = std::min<std::size_t>(rr_count_ + 1, 8);
    }
  }
  have_last_ = true;
  last_index_ = c.index;
  last_position_ = c.position;
  last_slope_ = c.slope;
  anchor_ = c.index;
  search_mode_ = false;
  // Candidates up to this one are settled.
  std::erase_if(pending_, [&c](const candidate& p) { return p.index <= c.index; });
  polarity_score_ = 0.8 * polarity_score_ + 0.2 * c.polarity;

  const double sign = c.polarity;
  const double quality = correlate(c.peak, c.polarity);
  if (!have_template_) {
    template_ = window_;
    have_template_ = true;
  } else if (quality >= cfg_.noisy_quality) {
    for (std::size_t j = 0; j < template_.size(); ++j) {
      template_[j] = 0.8 * template_[j] + 0.2 * window_[j];
    }
  }

  // Clipping: the raw waveform sits at its extreme for clip_run_ samples.
  const auto r_sample = static_cast<std::int64_t>(std::llround(c.position));
  double extreme = -std::numeric_limits<double>::infinity();
  const std::int64_t clo =
      std::max(r_sample - half_width_, n_ - 1 - static_cast<std::int64_t>(mask_));
  const std::int64_t chi = std::min(r_sample + half_width_, n_ - 1);
  for (std::int64_t i = clo; i <= chi; ++i) {
    extreme = std::max(extreme, sign * ring_x_[static_cast<std::size_t>(i) & mask_]);
  }
  std::int64_t run = 0;
  std::int64_t best_run = 0;
  for (std::int64_t i = clo; i <= chi; ++i) {
    run = sign * ring_x_[static_cast<std::size_t>(i) & mask_] == extreme ? run + 1 : 0;
    best_run = std::max(best_run, run);
  }

  beat_event e;
  e.sample = r_sample;
  e.offset = c.position - static_cast<double>(r_sample);
  e.quality = quality;
  if (after_flat_) {
    e.flag = signal_flag::flat;
    after_flat_ = false;
  } else if (best_run >= clip_run_) {
    e.flag = signal_flag::clipped;
  } else if (quality < cfg_.noisy_quality) {
    e.flag = signal_flag::noisy;
  }
  if (out_count_ < std::size(out_)) out_[out_count_++] = e;
}

double ecg_detector::correlate(std::int64_t peak, int polarity) noexcept {
  const double sign = polarity;
  const std::size_t width = window_.size();
  double mean = 0.0;
  for (std::size_t j = 0; j < width; ++j) {
    const std::int64_t i = peak - tmpl_half_ + static_cast<std::int64_t>(j);
    window_[j] = sign * ring_s_[static_cast<std::size_t>(i) & mask_];
    mean += window_[j];
  }
  mean /= static_cast<double>(width);
  for (double& v : window_) v -= mean;
  if (!have_template_) return 1.0;
  double sxy = 0.0;
  double sxx = 0.0;
  double syy = 0.0;
  for (std::size_t j = 0; j < width; ++j) {
    sxy += window_[j] * template_[j];
    sxx += window_[j] * window_[j];
    syy += template_[j] * template_[j];
  }
  const double r = sxx > 0.0 && syy > 0.0 ? sxy / std::sqrt(sxx * syy) : 0.0;
  return std::clamp(r, 0.0, 1.0);
}

void ecg_detector::flush() noexcept {
  if (n_ == 0) return;
  if (cand_active_ && flat_run_ < flat_min_) {
    // The stream ends within a QRS: hold the last smoothed value so that its R peak and
    // template window can be evaluated (the stream is over; the ring is not used again).
    const std::int64_t last = n_ - 1;
    end_pad_ = tmpl_half_ + half_width_ + 1;
    for (std::int64_t i = last + 1; i <= last + end_pad_; ++i) {
      ring_s_[static_cast<std::size_t>(i) & mask_] =
          ring_s_[static_cast<std::size_t>(last) & mask_];
    }
    cand_active_ = false;
    on_candidate(cand_index_, cand_height_);
  }
  if (learning_active_ && flat_run_ < flat_min_) end_learning();
}

std::vector<beat_event> detect_ecg_beats(std::span<const double> samples,
                                         const ecg_detector_config& cfg) {
  ecg_detector det(cfg);
  std::vector<beat_event> out;
  const auto sink = [&out](const beat_event& e) { out.push_back(e); };
  det.process(samples, sink);
  det.finish(sink);
  return out;
}

}  // namespace resonant::dsp
