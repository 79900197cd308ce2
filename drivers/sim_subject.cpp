#include "drivers/sim_subject.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

namespace resonant::drivers {
namespace {

constexpr double dt_s = 0.005;
constexpr double rate_smoothing_s = 10.0;
constexpr double compliance_time_s = 20.0;
constexpr double spontaneous_time_s = 30.0;
constexpr double spontaneous_sd = 0.08;  // relative SD of the spontaneous breathing rate
constexpr double mayer_wander = 0.05;    // rad / sqrt(s): phase random walk of Mayer waves
constexpr double ectopic_coupling = 0.65;

double wrap_half(double x) noexcept {
  return x - std::round(x);
}

// Exact discretisation of an Ornstein-Uhlenbeck process with stationary SD `sd`.
double ou_step(double x, double tau_s, double sd, double noise) noexcept {
  const double a = std::exp(-dt_s / tau_s);
  return a * x + sd * std::sqrt(1.0 - a * a) * noise;
}

}  // namespace

sim_subject::sim_subject(sim_subject_config config)
    : config_(std::move(config)), rng_(config_.seed) {
  const auto& c = config_;
  if (!(c.mean_hr_bpm >= 25.0 && c.mean_hr_bpm <= 200.0))
    throw std::invalid_argument("simulated subject: mean heart rate must be 25..200 bpm");
  if (!(c.resonance_bpm > 0.5 && c.resonance_bpm < 30.0) || !(c.resonance_width_bpm > 0.0))
    throw std::invalid_argument("simulated subject: resonance must be 0.5..30 breaths/min");
  if (!(c.spontaneous_bpm >= 2.0 && c.spontaneous_bpm <= 40.0))
    throw std::invalid_argument("simulated subject: spontaneous breathing must be 2..40 /min");
  if (!(c.compliance >= 0.0 && c.compliance <= 1.0))
    throw std::invalid_argument("simulated subject: compliance must be 0..1");
  if (!(c.ectopic_per_min >= 0.0 && c.ectopic_per_min <= 30.0))
    throw std::invalid_argument("simulated subject: ectopic beats must be 0..30 per minute");
  if (!(c.carryover_build_s > 0.0) || !(c.carryover_decay_s > 0.0) || c.carryover_rr_ms < 0.0 ||
      c.carryover_rsa_gain < 0.0)
    throw std::invalid_argument("simulated subject: carry-over times must be > 0, sizes >= 0");
  if (c.rsa_resonance_ms < 0.0 || c.rsa_floor_ms < 0.0 || c.mayer_ms < 0.0 ||
      c.beat_noise_ms < 0.0 || c.drift_ms < 0.0 || c.follow_lag_s < 0.0 || c.follow_gain < 0.0)
    throw std::invalid_argument("simulated subject: amplitudes and delays must be >= 0");
  for (const auto& d : c.dropouts) {
    if (!(d.start_s >= 0.0) || !(d.duration_s > 0.0))
      throw std::invalid_argument("simulated subject: a dropout needs start >= 0, duration > 0");
  }
  rr0_ms_ = 60000.0 / c.mean_hr_bpm;
  spont_rate_ = c.spontaneous_bpm / 60.0;
  if (c.guide) {
    psi_ = c.guide(0.0);
    f_hz_ = (c.guide(dt_s) - psi_) / dt_s;
  } else {
    psi_ = uniform_(rng_);
    f_hz_ = spont_rate_;
  }
  mayer_phase_ = 2.0 * std::numbers::pi * uniform_(rng_);
  drift_ = c.drift_ms * gauss();
  threshold_ = 1.0 + gauss() * c.beat_noise_ms / rr0_ms_;
}

double sim_subject::rsa_amplitude_ms(double breathing_bpm) const noexcept {
  if (!config_.responder) return config_.non_responder_rsa_ms;
  const double x = (breathing_bpm - config_.resonance_bpm) / config_.resonance_width_bpm;
  const double spontaneous = std::clamp((breathing_bpm - 8.0) / 4.0, 0.0, 1.0);
  const double floor =
      config_.rsa_floor_ms * (1.0 + config_.carryover_rsa_gain * vagal_ * spontaneous);
  return floor + config_.rsa_resonance_ms / (1.0 + x * x);
}

bool sim_subject::in_dropout(double t_s) const noexcept {
  return std::any_of(config_.dropouts.begin(), config_.dropouts.end(), [&](const sim_dropout& d) {
    return t_s >= d.start_s && t_s < d.start_s + d.duration_s;
  });
}

bool sim_subject::in_motion(double t_s) const noexcept {
  return std::any_of(config_.motion.begin(), config_.motion.end(), [&](const sim_dropout& d) {
    return t_s >= d.start_s && t_s < d.start_s + d.duration_s;
  });
}

double sim_subject::target_rr_ms() const noexcept {
  const double f_bpm = f_hz_ * 60.0;
  double phase_rad = 0.0;
  if (config_.responder) {
    const double x = (f_bpm - config_.resonance_bpm) / config_.resonance_width_bpm;
    phase_rad =
        config_.max_phase_deg * std::numbers::pi / 180.0 * std::atan(x) * 2.0 / std::numbers::pi;
  }
  const double rsa =
      0.5 * rsa_amplitude_ms(f_bpm) * std::cos(2.0 * std::numbers::pi * (psi_ - 0.5) - phase_rad);
  const double rr = rr0_ms_ + config_.carryover_rr_ms * vagal_ - rsa +
                    config_.mayer_ms * std::sin(mayer_phase_) + drift_;
  return std::max(rr, 250.0);
}

void sim_subject::step() noexcept {
  const auto& c = config_;
  double rate = 0.0;
  if (c.guide) {
    const double tl = std::max(0.0, t_ - c.follow_lag_s);
    const double g = c.guide(tl);
    const double g_rate = (c.guide(tl + dt_s) - g) / dt_s;
    phase_error_ = ou_step(phase_error_, compliance_time_s, 0.5 * (1.0 - c.compliance), gauss());
    rate = std::max(0.0, g_rate + c.follow_gain * wrap_half(g + phase_error_ - psi_));
  } else {
    const double mean = c.spontaneous_bpm / 60.0;
    spont_rate_ =
        mean + ou_step(spont_rate_ - mean, spontaneous_time_s, spontaneous_sd * mean, gauss());
    rate = std::max(0.02, spont_rate_);
  }
  psi_ += rate * dt_s;
  f_hz_ += (rate - f_hz_) * dt_s / rate_smoothing_s;
  mayer_phase_ +=
      2.0 * std::numbers::pi * c.mayer_hz * dt_s + mayer_wander * std::sqrt(dt_s) * gauss();
  drift_ = ou_step(drift_, c.drift_time_s, c.drift_ms, gauss());
  if (c.responder) {
    const bool slow = f_hz_ * 60.0 < c.carryover_below_bpm;
    vagal_ +=
        slow ? (1.0 - vagal_) * dt_s / c.carryover_build_s : -vagal_ * dt_s / c.carryover_decay_s;
  }
  t_ += dt_s;
}

sim_beat sim_subject::next_beat() {
  while (true) {
    const double increment = dt_s * 1000.0 / target_rr_ms();
    const double t0 = t_;
    // An ectopic beat fires early (coupling x the beat's own threshold); the sinus beat it
    // replaces is blocked and the next one comes on time (full compensatory pause).
    double fire_at = threshold_;
    bool ectopic = false;
    if (!pause_pending_ && ectopic_due_) {
      fire_at = ectopic_coupling * threshold_;
      ectopic = true;
    }
    if (integral_ + increment >= fire_at) {
      const double frac = (fire_at - integral_) / increment;
      const double t_beat = t0 + frac * dt_s;
      step();
      integral_ += increment;
      sim_beat b;
      b.time_s = t_beat;
      b.rr_ms = have_beat_ ? (t_beat - last_beat_s_) * 1000.0 : 0.0;
      b.ectopic = ectopic;
      b.in_dropout = in_dropout(t_beat);
      b.breathing_bpm = f_hz_ * 60.0;
      b.breathing_phase = psi_;
      have_beat_ = true;
      last_beat_s_ = t_beat;
      const double next_threshold = 1.0 + gauss() * config_.beat_noise_ms / rr0_ms_;
      if (ectopic) {
        // The integral keeps running to the blocked sinus beat and on to the next one.
        ectopic_due_ = false;
        pause_pending_ = true;
        threshold_ = threshold_ + std::max(0.5, next_threshold);
      } else {
        pause_pending_ = false;
        integral_ -= threshold_;
        threshold_ = std::max(0.5, next_threshold);
        const double p = config_.ectopic_per_min * target_rr_ms() / 60000.0;
        ectopic_due_ = p > 0.0 && uniform_(rng_) < p;
      }
      return b;
    }
    step();
    integral_ += increment;
  }
}

}  // namespace resonant::drivers
