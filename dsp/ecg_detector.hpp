#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/beat_event.hpp"
#include "dsp/biquad.hpp"

namespace resonant::dsp {

struct ecg_detector_config {
  double sample_rate_hz = 0.0;  // 50 .. 4000 Hz
  // QRS band-pass (Butterworth, order 2 = 4 poles). 12-30 Hz rather than Pan & Tompkins'
  // 5-15 Hz: the steep flanks of the QRS keep most of their energy there, while baseline
  // wander, respiration, electrode motion (mostly < 10 Hz), P and T waves (< 8 Hz) are pushed
  // further down; measured on NSTDB 118 at 6 dB (electrode motion): Se/PPV 0.86/0.98 against
  // 0.82/0.72 with 5-15 Hz (same on MIT-BIH 100 and NSTDB 118 at 24 dB). 30 Hz stays below the
  // Nyquist frequency of 100 Hz recordings and of the Polar H10's 130 Hz stream.
  double band_low_hz = 12.0;
  double band_high_hz = 30.0;
  double integration_window_s = 0.15;  // moving-window integrator: about the QRS width
  double refractory_s = 0.2;           // no second beat within this time after a beat
  double t_wave_window_s = 0.36;       // a peak this close after a beat must pass the slope test
  double search_back_factor = 1.66;    // search back when no beat for this x the mean RR
  double max_rr_s = 2.0;               // longest mean RR used for search-back (bounds latency)
  double learning_s = 2.0;             // initial threshold learning after start / lost signal
  double flat_min_s = 0.15;            // this long without any change: flat (lead off)
  double noisy_quality = 0.5;          // beats whose template correlation is below: noisy
  // Candidates correlating below this with the template are not beats (noise that mimics
  // a QRS in the band: on NSTDB 118e06 it lifts PPV from 0.78 to 0.98). 0 disables.
  double reject_quality = 0.2;
  // A candidate earlier than premature_fraction x the median of the last 8 RR intervals is a
  // beat only if it correlates with the template at least premature_quality: a premature beat
  // of normal shape (APC) passes, a burst of noise between two beats does not. Annotated
  // beats of MIT-BIH 100 and NSTDB 118 come at >= 0.65 x the mean of the 8 preceding RR.
  double premature_fraction = 0.6;
  double premature_quality = 0.8;
};

// Streaming QRS detector of the Pan-Tompkins family.
//
// Algorithm (Pan & Tompkins, IEEE TBME 32(3), 1985; Hamilton & Tompkins, TBME 33(12), 1986):
//   x -> Butterworth band-pass 12-30 Hz (run-time design for fs) -> central difference
//     -> square -> moving-window integration m (integration_window_s, drift-free moving_sum).
//   A candidate is a local maximum of m not exceeded during the next refractory_s (it is
//   confirmed refractory_s after it occurred). Adaptive levels SPKI / NPKI (running averages,
//   weight 1/8, of accepted / rejected candidate heights) give THR1 = NPKI + (SPKI - NPKI) / 4
//   and THR2 = THR1 / 2. A candidate above THR1 is a beat unless it lies within
//   t_wave_window_s of the previous beat and its maximum slope is below half that beat's
//   (a T wave), or unless its waveform correlates with the running template below
//   reject_quality (see Quality), or unless it is premature (earlier than premature_fraction x
//   the median RR) and correlates below premature_quality. When no beat has been found for
//   search_back_factor x the mean of the last 8 RR intervals, the largest rejected candidate
//   since the last beat that exceeds THR2 (and passes the same shape tests) becomes a beat
//   (SPKI weight 1/4); if there is none the levels are halved, which recovers from a level
//   pumped up by an artefact. Levels are learnt over the first learning_s seconds
//   (SPKI = max(m) / 3, NPKI = mean(m) / 2), the candidates of that period being classified
//   afterwards.
// R peak: the steepest point of the band-passed signal in the integration window, moved back
//   by the band-pass group delay at its centre frequency, gives the QRS centre; the R peak is
//   the maximum or the minimum within +-75 ms of it of the raw signal smoothed by a
//   linear-phase boxcar of 20 ms (nulls mains hum at 50 Hz, attenuates 60 Hz, and, being
//   symmetric, does not move a symmetric peak; its delay is compensated exactly). Polarity:
//   the extreme more prominent over the signal 20 ms either side (a sharp R beats a broad S or
//   T of similar height) until a polarity is learnt; once the first beat has given a template,
//   the extreme whose waveform correlates better with it. The learnt polarity (running
//   average of accepted beats' polarities, or the majority of the learning period's QRS
//   complexes) is kept unless the other extreme is twice as prominent and also correlates
//   better with the template (at 100 Hz a noisy beat's S wave is often the sharper extreme).
//   Parabolic interpolation through the extreme and its neighbours gives the sub-sample
//   offset. At the end of the stream (finish()) a QRS still being confirmed is evaluated with
//   the last value held, so a beat up to the last sample is not lost.
// Quality: Pearson correlation (clamped to [0, 1]) of the +-100 ms smoothed waveform around
//   the R peak (sign-corrected) with a running template (exponential average, weight 1/5, of
//   beats that were not noisy); the first beat after a (re)start has quality 1.
// Flags: `flat` on the first beat after a stretch of flat_min_s without change (lead off,
//   lost signal): the RR interval ending there is not a real one; `clipped` when the raw
//   waveform stays at its extreme for >= max(3, 12 ms) samples (converter rail); `noisy` when
//   quality < noisy_quality. A flat stretch discards pending candidates, and when the signal
//   returns the filters are settled on the new level and the levels re-learnt.
// Latency: latency_samples() bounds the delay between a beat's sample and its emission; it
//   is dominated by the search-back wait (search_back_factor x max_rr_s, 3.3 s by default) or
//   by learning_s after a (re)start; a beat found without search-back is emitted
//   refractory_s + ~0.2 s after its R peak.
// Memory: rings of about latency_samples() samples, sized at construction; process() does not
//   allocate; per sample: 2 biquads, a boxcar, a moving sum and a few compares.
// Pitfalls: the template test rejects beats of a very different shape (a PVC correlating
//   below reject_quality with the normal template is missed; set reject_quality = 0 for
//   arrhythmia work, and premature_quality = 0 for early beats of unusual shape); a beat
//   buried in a motion artefact of the same band is missed rather than guessed; paced beats and
//   very wide QRS (> 150 ms) give broad integrator peaks and may be located at the wrong
//   deflection; atrial fibrillation defeats search-back (irregular RR).
class ecg_detector {
 public:
  explicit ecg_detector(const ecg_detector_config& cfg);

  template <class Sink>
  void process(std::span<const double> samples, Sink&& sink) {
    for (const double x : samples) {
      step(x);
      if (out_count_ != 0) drain(sink);
    }
  }

  // End of stream: classify what is still waiting (learning period, a last candidate whose
  // waveform is complete) and emit it. Call reset() before feeding a new stream.
  template <class Sink>
  void finish(Sink&& sink) {
    flush();
    drain(sink);
  }

  void reset();

  [[nodiscard]] std::int64_t latency_samples() const noexcept { return latency_; }
  // Condition of the signal now: flat while the input does not change, else ok.
  [[nodiscard]] signal_flag condition() const noexcept {
    return flat_run_ >= flat_min_ ? signal_flag::flat : signal_flag::ok;
  }
  [[nodiscard]] const ecg_detector_config& config() const noexcept { return cfg_; }

 private:
  struct candidate {
    std::int64_t index = 0;     // sample of the integrator maximum
    double height = 0.0;        // integrator value
    double slope = 0.0;         // max |derivative| in the integration window
    std::int64_t peak_pos = 0;  // smoothed-ring index of the maximum near the QRS centre
    std::int64_t peak_neg = 0;  // and of the minimum
    double prom_pos = 0.0;      // their prominence (-inf: waveform incomplete)
    double prom_neg = 0.0;
    std::int64_t peak = 0;  // smoothed-ring index of the R extreme
    double position = 0.0;  // R time in input samples (sub-sample)
    int polarity = 1;
    double quality = 1.0;  // template correlation at confirmation
  };

  void step(double x) noexcept {
    const std::int64_t n = n_++;
    if (!std::isfinite(x)) x = last_x_;  // lost sample: hold (counts towards flat)
    // Flat (lead-off) detection: an exactly repeated value.
    if (x == last_x_ && n > 0) {
      if (++flat_run_ == flat_min_) on_flat_start();
    } else {
      const bool was_flat = flat_run_ >= flat_min_;
      flat_run_ = 0;
      if (was_flat) on_flat_end(x);
    }
    last_x_ = x;
    if (n == 0) prime(x);

    const double s = box_.process(x);
    const double b = band_.process(x);
    const double d = b - b2_;
    b2_ = b1_;
    b1_ = b;
    const double m = mwi_.process(d * d);
    const std::size_t slot = static_cast<std::size_t>(n) & mask_;
    ring_s_[slot] = s;
    ring_x_[slot] = x;
    ring_d_[slot] = std::abs(d);

    if (cand_active_) {
      if (m > cand_height_) {
        cand_height_ = m;
        cand_index_ = n;
      } else if (n - cand_index_ >= confirm_) {
        cand_active_ = false;
        on_candidate(cand_index_, cand_height_);
      }
    } else if (m > prev_m_ && flat_run_ < flat_min_) {
      cand_active_ = true;
      cand_height_ = m;
      cand_index_ = n;
    }
    prev_m_ = m;
    learn_max_ = m > learn_max_ ? m : learn_max_;
    learn_sum_ += m;
    if (n >= next_event_) on_deadline();
  }

  template <class Sink>
  void drain(Sink& sink) {
    for (std::size_t i = 0; i < out_count_; ++i) sink(static_cast<const beat_event&>(out_[i]));
    out_count_ = 0;
  }

  void prime(double x) noexcept;
  void on_flat_start() noexcept;
  void on_flat_end(double x) noexcept;
  void on_candidate(std::int64_t index, double height) noexcept;
  void on_deadline() noexcept;
  void end_learning() noexcept;
  void resolve(candidate& c) noexcept;
  void classify(const candidate& c) noexcept;
  [[nodiscard]] double median_rr() const noexcept;
  [[nodiscard]] bool is_doubtful(const candidate& c) const noexcept;
  bool search_back() noexcept;
  void accept(const candidate& c, bool searched) noexcept;
  void push_pending(const candidate& c) noexcept;
  void update_deadline() noexcept;
  [[nodiscard]] bool is_t_wave(const candidate& c) const noexcept;
  [[nodiscard]] double threshold1() const noexcept { return npki_ + 0.25 * (spki_ - npki_); }
  [[nodiscard]] double limit() const noexcept;
  void flush() noexcept;
  // Fills window_ with the sign-corrected, mean-removed waveform around `peak`; returns its
  // correlation with the template (1 without a template).
  double correlate(std::int64_t peak, int polarity) noexcept;
  void restart(std::int64_t from) noexcept;

  ecg_detector_config cfg_;
  // Derived sizes (samples).
  std::int64_t confirm_ = 0;     // refractory: candidate confirmation delay
  std::int64_t t_wave_ = 0;      // T-wave window
  std::int64_t learning_ = 0;    // learning period
  std::int64_t flat_min_ = 0;    // flat run length
  std::int64_t half_width_ = 0;  // R search half width
  std::int64_t tmpl_half_ = 0;   // template half width
  std::int64_t clip_run_ = 0;    // samples at the extreme that mean clipped
  std::int64_t prom_ = 0;        // prominence distance (polarity choice)
  std::int64_t max_limit_ = 0;   // longest search-back wait
  std::int64_t integ_ = 0;       // integration window length
  std::int64_t latency_ = 0;
  double band_delay_ = 0.0;  // band-pass group delay at the band centre (samples)
  double box_delay_ = 0.0;   // boxcar delay (samples, may be x.5)

  // Filters.
  moving_average box_;
  biquad_cascade band_;
  moving_sum mwi_;
  double b1_ = 0.0;
  double b2_ = 0.0;

  // Rings indexed by sample & mask_.
  std::size_t mask_ = 0;
  std::vector<double> ring_s_;
  std::vector<double> ring_x_;
  std::vector<double> ring_d_;

  // Stream state.
  std::int64_t n_ = 0;
  std::int64_t end_pad_ = 0;  // samples held after the end of the stream (finish())
  double last_x_ = 0.0;
  std::int64_t flat_run_ = 0;
  bool after_flat_ = false;
  std::int64_t valid_from_ = 0;  // candidates before this sample are ignored
  bool cand_active_ = false;
  double cand_height_ = 0.0;
  std::int64_t cand_index_ = 0;
  double prev_m_ = 0.0;

  // Levels and beat history.
  bool learning_active_ = true;
  std::int64_t learning_end_ = 0;
  double learn_max_ = 0.0;
  double learn_sum_ = 0.0;
  std::int64_t learn_count_start_ = 0;
  double spki_ = 0.0;
  double npki_ = 0.0;
  bool have_last_ = false;
  std::int64_t last_index_ = 0;  // integrator index of the last beat
  double last_position_ = 0.0;   // its R time
  double last_slope_ = 0.0;
  double rr_[8] = {};
  std::size_t rr_count_ = 0;
  std::size_t rr_next_ = 0;
  std::int64_t anchor_ = 0;   // search-back counts from here (last beat or learning end)
  bool search_mode_ = false;  // search-back deadline passed: accept above THR2
  std::int64_t search_deadline_ = 0;
  std::int64_t next_event_ = 0;
  double polarity_score_ = 0.0;

  // Candidates rejected since the last beat (search-back) or waiting for learning to end.
  std::vector<candidate> pending_;
  std::vector<candidate> scratch_;

  // Running template of the waveform around the R peak.
  std::vector<double> template_;
  std::vector<double> window_;
  bool have_template_ = false;

  // Beats ready for the sink.
  beat_event out_[8];
  std::size_t out_count_ = 0;
};

// Whole-array convenience: all beats of `samples`, as the streaming detector would emit them.
[[nodiscard]] std::vector<beat_event> detect_ecg_beats(std::span<const double> samples,
                                                       const ecg_detector_config& cfg);

}  // namespace resonant::dsp
