#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

namespace resonant::drivers {

// A scheduled loss of signal of the simulated sensor (finger off, strap slipped).
struct sim_dropout {
  double start_s = 0.0;
  double duration_s = 0.0;
};

struct sim_subject_config {
  std::uint64_t seed = 1;
  double mean_hr_bpm = 65.0;  // resting heart rate
  // Respiratory sinus arrhythmia: peak-to-trough RR swing (ms) for breathing at frequency f
  // (breaths/min) is rsa_floor_ms + rsa_resonance_ms / (1 + ((f - resonance_bpm) / bw)^2),
  // bw = resonance_width_bpm. At the defaults: 190 ms at 5.5/min, 158 ms at 5.0 and 6.0,
  // 110 ms at 4.5 and 6.5, 34 ms at 12/min (Vaschillo 2002: RSA rises several-fold at
  // resonance).
  double resonance_bpm = 5.5;
  double resonance_width_bpm = 1.0;
  double rsa_resonance_ms = 160.0;
  double rsa_floor_ms = 30.0;
  // Phase of the heart-rate response: at resonance heart rate peaks at the end of inhalation;
  // breathing faster than resonance makes heart rate lag, slower makes it lead, by up to
  // max_phase_deg (Lehrer's phase criterion; BreathTuner heuristic).
  double max_phase_deg = 60.0;
  // Carry-over of slow breathing (responders only): breathing slower than carryover_below_bpm
  // builds a vagal load v -> 1 with time constant carryover_build_s; otherwise v decays with
  // carryover_decay_s (a few minutes). v lengthens every interval by carryover_rr_ms * v (heart
  // rate a little lower) and raises the non-resonant RSA (rsa_floor_ms) by the factor
  // 1 + carryover_rsa_gain * v once breathing is spontaneous again (weight rising from 0 at
  // 8/min to 1 at 12/min; during slow breathing the resonance dominates). At the defaults,
  // 2 minutes at 6/min then natural breathing at 13/min: v ~ 0.86 at the end of pacing, ~0.7
  // one minute later; RR +30 ms (-2 bpm), RSA at 13/min 33 -> ~65 ms, RMSSD about +45 %.
  // Studies of a single slow-breathing session report RMSSD / HF raised for several minutes
  // afterwards (e.g. Laborde et al. 2022 meta-analysis, post-session vagal effects); the sizes
  // here are illustrative, chosen within that range.
  double carryover_below_bpm = 8.0;
  double carryover_build_s = 60.0;
  double carryover_decay_s = 300.0;
  double carryover_rr_ms = 40.0;
  double carryover_rsa_gain = 1.5;
  // Non-responder: RSA of non_responder_rsa_ms at every rate, no resonance, no carry-over.
  bool responder = true;
  double non_responder_rsa_ms = 8.0;
  // Baroreflex (Mayer) waves: RR oscillation near 0.1 Hz whose phase wanders randomly.
  double mayer_hz = 0.1;
  double mayer_ms = 12.0;  // amplitude (half of peak-to-trough)
  // Beat-to-beat variation: white jitter of each interval plus slow 1/f-like drift.
  double beat_noise_ms = 8.0;
  double drift_ms = 15.0;  // SD of a slow random walk (time constant drift_time_s)
  double drift_time_s = 60.0;
  // Breathing. guide(t_s) is the pacer's phase in cycles (0 = start of an inhalation, increasing
  // by one per breath); empty = spontaneous breathing near spontaneous_bpm with slow variation.
  std::function<double(double)> guide;
  double spontaneous_bpm = 13.0;
  double follow_lag_s = 0.6;  // the subject's reaction delay to the pacer
  double follow_gain = 0.5;   // 1/s: how fast a phase error is corrected
  double compliance = 0.95;   // 1 = follows exactly; lower = phase wanders off the pacer
  // Ectopic (premature) beats per minute: coupling 0.65 of the interval, compensatory pause.
  double ectopic_per_min = 0.0;
  std::vector<sim_dropout> dropouts;
  // Episodes of movement (START+SECONDS, like dropouts): the heart goes on, but a waveform
  // (sim_waveform) carries strong motion artefact then; RR-only simulation ignores them.
  std::vector<sim_dropout> motion;
};

// One heartbeat of the simulated subject. time_s is the true R-peak time; the pulse reaches
// the finger pulse_transit_s later (sim_waveform).
struct sim_beat {
  double time_s = 0.0;
  double rr_ms = 0.0;            // interval ending at this beat (0 for the first)
  bool ectopic = false;          // premature beat (the next interval is a compensatory pause)
  bool in_dropout = false;       // the sensor does not see it
  double breathing_bpm = 0.0;    // the subject's breathing rate at the beat
  double breathing_phase = 0.0;  // its breathing phase (cycles; .5 = end of inhalation)
};

// Simulated subject: a physiological heart-rhythm model driven by its own breathing.
//
// Model (integrated on a 5 ms grid, everything from one std::mt19937_64 seeded by `seed`):
//   breathing phase psi (cycles): with a guide, psi' = rate of the guide at t - lag
//     + follow_gain * wrap(guide(t - lag) - psi) + compliance noise (a random walk of the phase
//     error scaled by 1 - compliance); without, psi' = spontaneous rate with a slow random walk.
//   breathing frequency f: psi' low-passed (10 s), in breaths/min, sets the RSA amplitude
//     A(f) (the resonance curve above) and phase lag phi(f) = max_phase * atan((f - f_res)/bw)
//     * 2/pi.
//   interval target RR(t) = RR0 - A(f)/2 * cos(2 pi (psi - 0.5) - phi) + Mayer(t) + drift(t),
//     so RR is shortest (heart rate highest) at the end of inhalation (psi = 0.5) at resonance.
//   IPFM beat generation (integral pulse frequency modulation; Mateo & Laguna 2000): a beat
//     fires when the integral of 1/RR(t) reaches 1 + jitter, jitter ~ N(0, beat_noise / RR0).
//   ectopic beats: with probability ectopic_per_min * RR / 60 a beat comes at 0.65 of its
//     interval and the next one at its normal time (full compensatory pause).
// Parameters as in sim_subject_config (units in names). Deterministic for a seed: the same
// seed gives the same beats, whatever is generated from them. Memory: constant; next_beat() is
// O(RR / 5 ms) and does not allocate.
// Pitfalls: the model is phenomenological (no blood pressure loop): resonance is imposed by
// the gain curve, not emergent; Mayer waves at 0.1 Hz add LF power independent of breathing.
class sim_subject {
 public:
  explicit sim_subject(sim_subject_config config);

  // The next beat, in time order, forever.
  sim_beat next_beat();

  // RSA peak-to-trough amplitude (ms) the model applies at breathing rate f (breaths/min).
  [[nodiscard]] double rsa_amplitude_ms(double breathing_bpm) const noexcept;
  // Respiration now: phase in cycles and lung volume in [0, 1] (0.5 - 0.5 cos(2 pi psi)).
  [[nodiscard]] double breathing_phase() const noexcept { return psi_; }
  [[nodiscard]] double time_s() const noexcept { return t_; }
  [[nodiscard]] const sim_subject_config& config() const noexcept { return config_; }
  [[nodiscard]] bool in_dropout(double t_s) const noexcept;
  [[nodiscard]] bool in_motion(double t_s) const noexcept;
  // The carry-over's vagal load v in [0, 1] (0 for non-responders).
  [[nodiscard]] double carryover() const noexcept { return vagal_; }

 private:
  void step() noexcept;  // advances the model by dt
  [[nodiscard]] double target_rr_ms() const noexcept;
  double gauss() noexcept { return normal_(rng_); }

  sim_subject_config config_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  double rr0_ms_ = 0.0;
  double t_ = 0.0;
  double psi_ = 0.0;
  double f_hz_ = 0.0;  // low-passed breathing rate
  double spont_rate_ = 0.0;
  double phase_error_ = 0.0;  // compliance wander (cycles)
  double mayer_phase_ = 0.0;
  double drift_ = 0.0;
  double vagal_ = 0.0;  // carry-over load
  double integral_ = 0.0;
  double threshold_ = 1.0;
  double last_beat_s_ = -1.0;
  bool have_beat_ = false;
  bool ectopic_due_ = false;    // the beat being integrated comes early
  bool pause_pending_ = false;  // after an ectopic beat: the compensatory beat
  double pause_time_s_ = 0.0;
};

}  // namespace resonant::drivers
