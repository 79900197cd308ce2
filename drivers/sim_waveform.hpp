#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "drivers/sim_subject.hpp"
#include "drivers/source.hpp"

namespace resonant::drivers {

struct sim_waveform_config {
  dsp::input_kind kind = dsp::input_kind::ecg;
  double rate_hz = 250.0;         // any rate >= 50 Hz
  double noise = -1.0;            // white noise SD: < 0 = default (ECG 0.015 mV, PPG 0.01)
  double wander = -1.0;           // slow baseline wander SD: < 0 = default (ECG 0.05 mV, PPG 0.1)
  double pulse_transit_s = 0.22;  // R peak to the systolic peak at the finger
  // Motion artefact RMS during the subject's motion episodes: < 0 = default (ECG 1.5 mV,
  // PPG 1.5, about 1.5 x the R wave / pulse height).
  double motion = -1.0;
};

// ECG or PPG waveform of a simulated subject, generated incrementally.
//
// ECG (mV): per beat a sum of Gaussians P, Q, R, S, T (after McSharry et al., "A dynamical
//   model for generating synthetic electrocardiogram signals", IEEE TBME 50(3), 2003: ECGSYN's
//   wave positions and widths, here in time rather than on a limit cycle), P and T positions
//   scaled by sqrt(RR) (Bazett); the R peak exactly at the beat's time. Ectopic beats are
//   ventricular: no P, wide QRS, inverted T.
// PPG (arbitrary units): per beat a systolic wave (asymmetric Gaussian, rise SD 60 ms, fall SD
//   120 ms) peaking exactly pulse_transit_s after the R peak, and a diastolic wave 0.28 sqrt(RR)
//   s later at 0.35 of its height; the pulse height follows the preceding interval (longer
//   filling, larger pulse), an ectopic pulse is half height.
// Both add a slow random baseline wander and white noise from a generator seeded from the
// subject's seed (the beats do not depend on the waveform's noise). During a scheduled dropout
// the signal is exactly flat (ECG 0: lead off; PPG held at its last value: finger off).
// During a motion episode (sim_subject_config::motion) an electrode- or sensor-motion artefact
// is added: white noise band-limited to 1-20 Hz (one-pole high- and low-pass) plus a baseline
// step of the same RMS at the episode's start that relaxes with a 1 s time constant, scaled
// to the `motion` RMS. Its random numbers are drawn only inside episodes, so a subject without
// motion gives the same waveform as before.
// Memory: the few beats around the current sample, sized at construction; generate() does not
// allocate except when appending to the caller's beat vector.
class sim_waveform {
 public:
  sim_waveform(sim_subject_config subject, const sim_waveform_config& config);

  // Fills `out` with the next out.size() samples. When `beats` is given, appends the beats
  // whose fiducial time (fiducial_s) falls before the end of these samples, each once, in order.
  void generate(std::span<double> out, std::vector<sim_beat>* beats = nullptr);

  // Time of the waveform feature a detector finds: ECG the R peak, PPG the systolic peak.
  [[nodiscard]] double fiducial_s(const sim_beat& b) const noexcept {
    return config_.kind == dsp::input_kind::ecg ? b.time_s : b.time_s + config_.pulse_transit_s;
  }
  [[nodiscard]] std::int64_t samples_generated() const noexcept { return n_; }
  [[nodiscard]] const sim_waveform_config& config() const noexcept { return config_; }
  [[nodiscard]] const sim_subject& subject() const noexcept { return subject_; }

 private:
  struct held_beat {
    sim_beat beat;
    double rr_ms = 0.0;  // interval used for shapes (the first beat uses the mean)
    bool reported = false;
  };
  [[nodiscard]] double ecg_at(double t) const noexcept;
  [[nodiscard]] double ppg_at(double t) const noexcept;

  sim_subject subject_;
  sim_waveform_config config_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  double noise_ = 0.0;
  double wander_sd_ = 0.0;
  double wander_ = 0.0;
  double wander_a_ = 0.0;
  double rr0_ms_ = 0.0;
  double held_ = 0.0;
  double motion_ = 0.0;     // artefact RMS
  double motion_hp_ = 0.0;  // band-pass state
  double motion_lp_ = 0.0;
  double motion_in_ = 0.0;
  double motion_step_ = 0.0;
  double motion_a_hp_ = 0.0;  // filter and relaxation coefficients
  double motion_a_lp_ = 0.0;
  double motion_a_step_ = 0.0;
  double motion_gain_ = 0.0;  // brings the band-passed noise to about unit RMS
  bool moving_ = false;
  std::int64_t n_ = 0;
  std::vector<held_beat> beats_;  // time order, covering the samples being generated
};

}  // namespace resonant::drivers
