#include "drivers/sim_waveform.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

namespace resonant::drivers {
namespace {

constexpr double look_back_s = 1.5;   // a beat's waveform ends this long after it (PPG)
constexpr double look_ahead_s = 1.0;  // and starts this long before (ECG P wave, PPG transit)
constexpr std::size_t max_held = 32;  // beats in look_back + look_ahead at 250 ms intervals

double gaussian(double t, double centre, double sd) noexcept {
  const double z = (t - centre) / sd;
  return std::exp(-0.5 * z * z);
}

struct wave {
  double amplitude_mv;
  double offset_s;  // from the R peak; P and T scaled by sqrt(RR in s)
  double sd_s;
  bool scaled;
};
// ECGSYN-like sinus beat and a ventricular ectopic one.
constexpr wave sinus[] = {{0.12, -0.17, 0.025, true},
                          {-0.10, -0.030, 0.010, false},
                          {1.10, 0.0, 0.010, false},
                          {-0.25, 0.035, 0.010, false},
                          {0.30, 0.28, 0.055, true}};
constexpr wave ventricular[] = {{-0.15, -0.05, 0.020, false},
                                {1.40, 0.0, 0.030, false},
                                {-0.40, 0.075, 0.030, false},
                                {-0.35, 0.34, 0.070, true}};

}  // namespace

sim_waveform::sim_waveform(sim_subject_config subject, const sim_waveform_config& config)
    : subject_(std::move(subject)),
      config_(config),
      rng_(subject_.config().seed ^ 0x9e3779b97f4a7c15ULL) {
  if (!(config_.rate_hz >= 50.0 && config_.rate_hz <= 20000.0))
    throw std::invalid_argument("simulated waveform: rate must be 50..20000 Hz");
  if (!(config_.pulse_transit_s >= 0.0 && config_.pulse_transit_s <= 0.5))
    throw std::invalid_argument("simulated waveform: pulse transit time must be 0..0.5 s");
  const bool ecg = config_.kind == dsp::input_kind::ecg;
  noise_ = config_.noise >= 0.0 ? config_.noise : (ecg ? 0.015 : 0.01);
  wander_sd_ = config_.wander >= 0.0 ? config_.wander : (ecg ? 0.05 : 0.1);
  wander_a_ = std::exp(-1.0 / (3.0 * config_.rate_hz));  // 3 s time constant
  wander_ = wander_sd_ * normal_(rng_);
  motion_ = config_.motion >= 0.0 ? config_.motion : 1.5;
  const double two_pi = 2.0 * std::numbers::pi;
  motion_a_hp_ = std::exp(-two_pi * 1.0 / config_.rate_hz);
  motion_a_lp_ = std::exp(-two_pi * 20.0 / config_.rate_hz);
  motion_a_step_ = std::exp(-1.0 / config_.rate_hz);
  // A one-pole low-pass passes (1 - a) / (1 + a) of white noise's variance.
  motion_gain_ = std::sqrt((1.0 + motion_a_lp_) / (1.0 - motion_a_lp_));
  rr0_ms_ = 60000.0 / subject_.config().mean_hr_bpm;
  beats_.reserve(max_held);
}

double sim_waveform::ecg_at(double t) const noexcept {
  double v = 0.0;
  for (const auto& h : beats_) {
    const double scale = std::sqrt(h.rr_ms / 1000.0);
    const auto add = [&](const auto& waves) {
      for (const wave& w : waves) {
        const double centre = h.beat.time_s + w.offset_s * (w.scaled ? scale : 1.0);
        if (std::abs(t - centre) < 6.0 * w.sd_s) v += w.amplitude_mv * gaussian(t, centre, w.sd_s);
      }
    };
    if (h.beat.ectopic) {
      add(ventricular);
    } else {
      add(sinus);
    }
  }
  return v;
}

double sim_waveform::ppg_at(double t) const noexcept {
  double v = 0.0;
  for (const auto& h : beats_) {
    const double peak = h.beat.time_s + config_.pulse_transit_s;
    if (t < peak - 0.5 || t > peak + 1.2) continue;
    double height = 1.0 + 0.5 * (h.rr_ms - rr0_ms_) / rr0_ms_;
    if (h.beat.ectopic) height *= 0.5;
    height = std::max(height, 0.2);
    const double systolic = t < peak ? gaussian(t, peak, 0.06) : gaussian(t, peak, 0.12);
    const double diastolic = gaussian(t, peak + 0.28 * std::sqrt(h.rr_ms / 1000.0), 0.09);
    v += height * (systolic + 0.35 * diastolic);
  }
  return v;
}

void sim_waveform::generate(std::span<double> out, std::vector<sim_beat>* beats) {
  const double fs = config_.rate_hz;
  const bool ecg = config_.kind == dsp::input_kind::ecg;
  const double wander_b = wander_sd_ * std::sqrt(1.0 - wander_a_ * wander_a_);
  for (double& y : out) {
    const double t = static_cast<double>(n_) / fs;
    // Beats entering the window ...
    while (beats_.empty() || beats_.back().beat.time_s < t + look_ahead_s) {
      held_beat h;
      h.beat = subject_.next_beat();
      h.rr_ms = h.beat.rr_ms > 0.0 ? h.beat.rr_ms : rr0_ms_;
      if (beats_.size() == max_held) beats_.erase(beats_.begin());  // cannot happen (>= 250 ms)
      beats_.push_back(h);
    }
    // ... and leaving it (their fiducial point lies in the past: reported now if not yet).
    while (beats_.front().beat.time_s < t - look_back_s) {
      if (!beats_.front().reported && beats != nullptr) beats->push_back(beats_.front().beat);
      beats_.erase(beats_.begin());
    }
    wander_ = wander_a_ * wander_ + wander_b * normal_(rng_);
    const double noise = noise_ * normal_(rng_);
    double artefact = 0.0;
    if (subject_.in_motion(t)) {
      if (!moving_) motion_step_ = motion_ * normal_(rng_);
      // One-pole high-pass at 1 Hz, then low-pass at 20 Hz.
      const double w = normal_(rng_);
      motion_hp_ = motion_a_hp_ * (motion_hp_ + w - motion_in_);
      motion_in_ = w;
      motion_lp_ = motion_a_lp_ * motion_lp_ + (1.0 - motion_a_lp_) * motion_hp_;
      artefact = motion_ * motion_gain_ * motion_lp_ + motion_step_;
      moving_ = true;
    } else {
      moving_ = false;
    }
    motion_step_ *= motion_a_step_;
    if (subject_.in_dropout(t)) {
      y = ecg ? 0.0 : held_;
    } else {
      y = (ecg ? ecg_at(t) : ppg_at(t)) + wander_ + noise + artefact;
      held_ = y;
    }
    ++n_;
  }
  const double end_s = static_cast<double>(n_) / fs;
  for (auto& h : beats_) {
    if (!h.reported && fiducial_s(h.beat) < end_s) {
      h.reported = true;
      if (beats != nullptr) beats->push_back(h.beat);
    }
  }
}

}  // namespace resonant::drivers
