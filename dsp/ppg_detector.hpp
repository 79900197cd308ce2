#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/beat_event.hpp"
#include "dsp/biquad.hpp"

namespace resonant::dsp {

using seconds_f = std::chrono::duration<double>;

// Configuration of the streaming PPG systolic-peak detector (defaults: Elgendi 2013 / NeuroKit2).
//   sample_rate_hz     stream rate, > 2 * high_hz (25 Hz and up with the default band)
//   low_hz, high_hz    Butterworth band-pass corners, 0.5 and 8 Hz
//   filter_order       Butterworth order (band-pass: 2 * order poles), 3 as in NeuroKit2
//   peak_window        MA_peak boxcar, 111 ms (about the systolic upstroke)
//   beat_window        MA_beat boxcar, 667 ms (about one beat)
//   offset_beta        threshold offset as a fraction of the local level, 0.02
//   level_time         time constant of the local level (mean of the squared signal), 2 s
//   spike_ratio        a squared sample enters the level and both moving averages clamped to
//                      spike_ratio * level: a spike cannot blind the detector, 25 (5x amplitude)
//   max_block          a block of interest longer than this is closed (bounds latency), 0.8 s
//   refractory         minimum distance to the previous emitted beat, 300 ms
//   secondary_interval a candidate earlier than this fraction of the median of the last 5
//   secondary_amplitude intervals between clean beats and smaller than this fraction of the
//                      previous beat's filtered peak is the secondary (diastolic) wave of the
//                      previous pulse, not a beat: 0.7 and 0.7 (the band-passed diastolic wave
//                      reaches 0.6-0.7 of the systolic one on a strongly notched pulse)
//   hold_max           once the rhythm is known, each accepted beat is held until the next
//                      one is seen, for at most min(secondary_interval x median interval,
//                      hold_max), 1.2 s; 0 turns the hold off (see step 5)
//   template_pre/post  pulse window around the peak for the quality template, 200 / 300 ms
//   template_beats     number of recent good pulses averaged into the template, 10
//   noisy_below        quality under which a beat is flagged noisy, 0.5
//   flat_min           equal consecutive raw samples (within flat_tolerance) lasting this long
//                      are a dropout (finger off or sensor saturated), 250 ms
//   flat_tolerance     raw-unit tolerance for "equal", 0 (exactly stuck or saturated)
//   settle             no beats are emitted before this time (filter and camera exposure
//                      settling at the stream start), 0 s
//   clip_min           a flat top (longest run of samples equal to the window maximum) this long
//                      at the peak flags the beat clipped, 40 ms (at least 3 samples)
struct ppg_detector_config {
  double sample_rate_hz = 0.0;
  double low_hz = 0.5;
  double high_hz = 8.0;
  int filter_order = 3;
  seconds_f peak_window{0.111};
  seconds_f beat_window{0.667};
  double offset_beta = 0.02;
  seconds_f level_time{2.0};
  double spike_ratio = 25.0;
  seconds_f max_block{0.8};
  seconds_f refractory{0.3};
  double secondary_interval = 0.7;
  double secondary_amplitude = 0.7;
  seconds_f template_pre{0.2};
  seconds_f template_post{0.3};
  int template_beats = 10;
  double noisy_below = 0.5;
  seconds_f flat_min{0.25};
  double flat_tolerance = 0.0;
  seconds_f clip_min{0.04};
  seconds_f settle{0.0};
  seconds_f hold_max{1.2};
};

// Streaming PPG systolic-peak detector (detector stage: sample -> optional beat_event).
// Algorithm: Elgendi, Norton, Brearley, Abbott, Schuurmans, "Systolic peak detection in
// acceleration photoplethysmograms measured from emergency responders in tropical conditions",
// PLoS ONE 8:e76585 (2013), made causal and locally adaptive:
//   1. Butterworth band-pass (low_hz..high_hz, causal biquad cascade) of x - x[0] (the first
//      sample is subtracted so the stream start is not a step);
//   2. negative part clipped to 0, squared: s = max(y, 0)^2;
//   3. local level L: exponential mean of s (time constant level_time, running mean while
//      warming up) where each s enters clamped to spike_ratio * L; the same clamped s feeds
//      MA_peak (peak_window) and MA_beat (beat_window), both odd-length drift-free boxcars;
//      MA_peak is delayed so both are centred on the same sample;
//   4. blocks of interest where MA_peak > MA_beat + offset_beta * L; blocks shorter than
//      peak_window are dropped, blocks longer than max_block are closed there;
//   5. the beat is the maximum of y inside the block, refined by a parabola through the three
//      samples around it, minus the filter delay compensation (below); a beat closer than
//      refractory to the previous emitted beat is dropped (the earlier one stays, as in Elgendi);
//      once 3 intervals are known, a candidate both early (secondary_interval x median of the
//      last 5 intervals between two clean beats) and small (secondary_amplitude x previous filtered
//      peak) is dropped as the diastolic wave of the previous pulse (an adaptive refractory
//      period). The mirror case is decided with a one-beat look-ahead: once the rhythm is known,
//      an accepted beat is held until the next candidate or for min(secondary_interval x median,
//      hold_max); a clean candidate (not flagged, no clamped spike sample in its block) that comes
//      within that time and is larger than the held beat by 1 / secondary_amplitude (or simply
//      larger, when the held beat is flagged) replaces it: the held one was a wave before the
//      pulse, not a pulse (camera PPG at slow rates; without this, one such wave lets a short
//      interval into the median and the rule above starts letting the others through);
//   6. per-beat quality: Pearson correlation (negative -> 0) of y in [peak - template_pre,
//      peak + template_post] with the mean of the last template_beats unflagged pulses (each
//      normalised to zero mean, unit norm); 0 for the first beat (no template yet). Beats below
//      noisy_below are flagged noisy once the template holds 3 pulses; after 5 noisy beats in a
//      row the template is rebuilt from the current beat (it must not lock onto an artefact).
//   7. raw-signal checks: a dropout is a run of equal raw samples (flat_tolerance) lasting at
//      least flat_min; a beat whose fiducial sample lies in a dropout is not emitted, a beat whose
//      pulse window overlaps one is flagged flat; a flat top of clip_min at the peak: clipped.
//      When a dropout ends, the filter input is re-based to continue from the dropout's level,
//      so the jump off the rail does not ring through the band-pass.
// Difference to Elgendi / NeuroKit2: the offset uses the local level L instead of the mean of the
// whole recording, so one large spike (NeuroKit2 issue #588) or a loud stretch no longer raises
// the threshold for the rest of the recording; L follows amplitude drops within about
// level_time, rises by at most a factor (1 + (spike_ratio - 1) / (level_time * fs)) per sample.
// Delay compensation: the Butterworth filter is not linear-phase, so the peak of the filtered
// pulse is late by an amount that depends on the pulse shape. The detector measures, at
// construction, the shift of the peak of a Gaussian pulse (sigma 80 ms, about a systolic wave)
// through the designed filter and subtracts it (0.9 samples at 100 Hz with the defaults). Other
// pulse shapes keep a constant residue (+18 ms on the skewed synthetic pulse of the tests, beat
// to beat SD 1-2 ms), which cancels in RR intervals.
// Latency: a beat is evaluated when its block has closed (MA_beat centring (beat_window - 1) / 2
// samples after the block end, a block lasts at most max_block) and its pulse window and dropout
// test are complete, then held for at most hold_max; latency_samples() is the bound of
// (emission index - beat sample): ceil(max(max_block + (beat_window - 1) / 2, template_post +
// flat_min - delay) + delay + 0.5) + ceil(hold_max) + 2, 237 samples (2.37 s) at 100 Hz with
// the defaults (in steady rhythm the hold adds 0.7 x the beat interval: 1.2-1.8 s in all).
// Pitfalls: a huge spike is not blinding, but the band-pass rings after it and hides the next
// one to three pulses (a causal filter cannot avoid that without despiking its input); the
// level starts from the first non-zero sample, so the first second is more
// sensitive; finish() pads the end with the last sample held; memory is sized at construction
// and process() never allocates; the first template pulse defines "normal" until it is replaced.
class ppg_detector {
 public:
  explicit ppg_detector(const ppg_detector_config& cfg);

  // Feeds samples; calls sink(const beat_event&) for each beat, in increasing sample order.
  template <class Sink>
  void process(std::span<const double> samples, Sink&& sink) {
    for (const double x : samples) {
      if (step(x)) sink(static_cast<const beat_event&>(out_));
    }
  }

  // End of stream: emits beats still pending (the stream is padded with its last sample) and
  // resets the detector for a new stream.
  template <class Sink>
  void finish(Sink&& sink) {
    begin_finish();
    const std::int64_t stop = n_ + latency_samples() + 2;
    while (n_ < stop) {
      if (step(held_)) sink(static_cast<const beat_event&>(out_));
    }
    if (flush_held()) sink(static_cast<const beat_event&>(out_));
    reset();
  }

  void reset() noexcept;

  // Maximum delay between a beat's sample and the input sample during which it is emitted.
  [[nodiscard]] std::int64_t latency_samples() const noexcept { return latency_; }
  // Filter delay subtracted from the filtered-signal peak (samples, fractional).
  [[nodiscard]] double delay_compensation_samples() const noexcept { return delay_; }
  [[nodiscard]] const ppg_detector_config& config() const noexcept { return cfg_; }

 private:
  struct candidate {
    std::int64_t peak = 0;  // index of the maximum in the filtered signal
    double frac = 0.0;      // parabolic refinement of the peak
    std::int64_t emit_at = 0;
    bool spiky = false;  // the block holds samples the spike clamp limited
  };
  struct accepted {
    beat_event event;
    double time = 0.0;       // fiducial (samples, fractional)
    double amplitude = 0.0;  // filtered peak
  };
  struct dropout {
    std::int64_t first = 0;
    std::int64_t last = 0;  // INT64_MAX while the run continues
  };

  bool step(double x) noexcept;
  void begin_finish() noexcept;
  void close_block(std::int64_t end) noexcept;
  bool evaluate(const candidate& c) noexcept;
  void emit(const accepted& beat) noexcept;
  bool flush_held() noexcept;
  [[nodiscard]] bool in_dropout(std::int64_t first, std::int64_t last) const noexcept;
  [[nodiscard]] double median_interval() const noexcept;
  [[nodiscard]] bool clipped_at(std::int64_t k) const noexcept;
  double correlate(std::int64_t peak) noexcept;
  bool judge_and_learn(double quality, bool learn_allowed) noexcept;

  double filtered(std::int64_t i) const noexcept {
    return filt_[static_cast<std::size_t>(i) & mask_];
  }
  double raw(std::int64_t i) const noexcept { return raw_[static_cast<std::size_t>(i) & mask_]; }

  ppg_detector_config cfg_;
  // derived sizes (samples)
  std::int64_t peak_len_ = 0;
  std::int64_t beat_half_ = 0;   // (beat_len - 1) / 2: MA_beat centring delay
  std::int64_t peak_delay_ = 0;  // extra delay of MA_peak to centre it with MA_beat
  std::int64_t max_block_ = 0;
  double refractory_ = 0.0;
  std::int64_t pre_ = 0;
  std::int64_t post_ = 0;
  std::int64_t flat_min_ = 0;
  std::int64_t clip_min_ = 0;
  std::int64_t clip_half_ = 0;
  std::int64_t emit_after_peak_ = 0;
  double settle_ = 0.0;
  double delay_ = 0.0;
  double level_alpha_ = 0.0;
  double level_samples_ = 0.0;
  std::int64_t base_latency_ = 0;  // bound without the hold
  double hold_max_ = 0.0;
  std::int64_t latency_ = 0;

  // stages and buffers (sized at construction)
  biquad_cascade filter_;
  moving_average ma_peak_;
  moving_average ma_beat_;
  std::vector<double> peak_delay_line_;
  std::size_t peak_delay_index_ = 0;
  std::vector<double> filt_;
  std::vector<double> raw_;
  std::vector<std::uint8_t> spike_;  // 1 where the spike clamp limited the squared sample
  std::size_t mask_ = 0;
  std::vector<double> segment_;        // scratch: normalised pulse of the current beat
  std::vector<double> template_sum_;   // sum of the stored normalised pulses
  std::vector<double> template_ring_;  // template_beats x window
  std::size_t window_ = 0;

  // streaming state
  std::int64_t n_ = 0;
  double x0_ = 0.0;
  double held_ = 0.0;
  double level_ = 0.0;
  bool ending_ = false;
  std::int64_t end_n_ = 0;
  bool in_block_ = false;
  std::int64_t block_start_ = 0;
  std::int64_t block_best_ = 0;
  std::vector<candidate> pending_;  // FIFO ring, capacity fixed at construction
  std::size_t pending_head_ = 0;
  std::size_t pending_count_ = 0;
  std::array<dropout, 8> dropouts_{};
  std::size_t dropout_count_ = 0;  // total opened; ring index = count % size
  double run_value_ = 0.0;
  std::int64_t run_start_ = 0;
  bool has_last_beat_ = false;
  double last_beat_ = 0.0;
  double last_amplitude_ = 0.0;
  bool last_ok_ = false;
  bool has_held_ = false;
  accepted held_beat_{};
  std::int64_t release_at_ = 0;
  bool segment_usable_ = false;
  std::array<double, 5> intervals_{};  // last beat intervals (samples), ring
  std::size_t interval_count_ = 0;
  std::size_t template_count_ = 0;
  std::size_t template_next_ = 0;
  int noisy_run_ = 0;
  beat_event out_{};
};

// Convenience: all beats of a recording (process + finish).
[[nodiscard]] std::vector<beat_event> detect_ppg_beats(std::span<const double> samples,
                                                       const ppg_detector_config& cfg);

}  // namespace resonant::dsp
