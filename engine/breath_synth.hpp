#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/lockfree/spsc_queue.hpp>

#include "engine/feedback_score.hpp"
#include "engine/pacer.hpp"

namespace resonant::engine {

// How the recovery score is heard.
enum class feedback_mode : std::uint8_t {
  continuous,  // a warm chord that blooms with the score, plus chimes on level changes
  quiet,       // only changes: level chimes, the reward motif and alerts; the breathing cue
               // fades out after a few breaths and comes back for a few after a drop or loss
  off,         // breathing cue only (the lost-signal alert still sounds)
};

// Short sounds the control side can ask for. The first three are feedback (silent in
// feedback_mode::off); the others guide a session with eyes closed and always sound.
enum class cue_sound : std::uint8_t {
  motif,
  level_up,
  level_down,
  session_start,  // C5 G5: "it is running" (at the command)
  pacing_next,    // F4 A4 C5, slow: "now follow the tone" (before the first cue)
  rest_next,      // A4 F4: "breathe naturally again" (pacing is over)
  paused,         // C5 G4: paused
  resumed,        // G4 C5: going on
  end_rested,     // D4 F#4 A4 D5, the last held: the session ended, more rested
  end_neutral,    // E4 E4: the session ended, no clear change (or not enough data)
};

// Parameters of the sound.
//   sample_rate_hz       output rate, typically 48000
//   channels             interleaved output channels (the sound is mono, copied to each)
//   base_hz              cue pitch at empty lungs, default 220 Hz (A3)
//   interval_semitones   rise at full lungs, default 7 (a fifth, to E4 at 330 Hz)
//   volume               master gain 0..1
//   ticks                a soft tick at the start of each inhale (E6) and exhale (C#6), above
//                        the cue's partials
//   fade_in_s            raised-cosine fade-in at start; fade_out_s likewise on stop()
//   alert_repeat_s       the lost-signal double beep repeats this often while lost
//   quiet_cue_breaths    quiet mode: breaths of cue at start and after a level drop or loss
struct synth_config {
  double sample_rate_hz = 48000.0;
  int channels = 2;
  double base_hz = 220.0;
  double interval_semitones = 7.0;
  double volume = 0.8;
  bool ticks = false;
  feedback_mode mode = feedback_mode::continuous;
  double fade_in_s = 2.0;
  double fade_out_s = 1.0;
  double alert_repeat_s = 20.0;
  double quiet_cue_breaths = 3.0;
};

// The whole sound of a session: breathing cue, feedback chord, chimes, motif, alert, ticks,
// the rest layer and the guidance earcons, rendered from the audio frame counter.
//
// Layers (peak levels at volume 1; their sum stays below full scale, and a final clamp counts
// any sample that would not, see clipped_samples()):
//   cue     0.40  harmonic tone (partials 1, 1/4, 1/12) gliding base_hz * 2^(lung * interval/12),
//                 so the pitch rises over the inhale and falls over the exhale; amplitude
//                 0.55 + 0.45 lung gives the same breath-shaped envelope
//   chord   0.25  A major pad (110, 165, 277, 440 Hz) whose voices enter one by one as the
//                 score rises (0-0.3, 0.25-0.55, 0.5-0.8, 0.75-1) and grow brighter; it
//                 breathes gently with the cue and fades out while the signal is lost
//   chimes  0.14  per note: motif (A4 C#5 E5 A5), level up (E5 A5), level down (A4 E4)
//   alert   0.12  lost signal: two short hollow beeps (392 Hz, odd partials), repeated
//   tick    0.05  40 ms at each phase turn (optional)
//   rest    ~0.1  the calm layer of natural breathing (settle, baseline, after, pause; see
//                 set_rest_layer): deterministic white noise (xorshift32) band-passed to
//                 about 200-1500 Hz (two 1500 Hz and one 200 Hz one-pole), RMS about -31 dBFS,
//                 with a slow irregular swell (sines of 11 s and 17 s, gain 0.4-1) so it
//                 sounds like distant surf and paces nothing. Noise against the cue's pure
//                 harmonic tone: clearly different, and it never sounds with the cue (it fades
//                 out over 1.5 s as the cue fades in over 1 s)
//   guide   0.16  earcons (cue_sound::session_start ... end_neutral), bell timbre
// Every gain moves through a one-pole (30 ms, 1.5 s) or a 1 s smoothstep ramp, every note has a
// raised-cosine
// attack and release, so no change clicks. Pitch is a phase accumulator, continuous across
// rate changes because the pacer's lung shape is.
//
// Threads: one control thread calls the setters (atomics and two bounded SPSC queues, wait-free,
// no allocation; a full queue drops the request and returns false); the audio thread calls
// render(). render() is noexcept, takes no lock, allocates nothing and always fills the buffer.
// Latency: parameter changes are heard from the next buffer.
// Pitfall: the pacer copy in the synth is the one that sounds; pacer changes must be dated at
// or after the synth's time_s() (a change dated earlier is heard from the next buffer, a phase
// difference of (lateness * rate change) - negligible for one buffer).
class breath_synth {
 public:
  // Throws std::invalid_argument for a bad config.
  breath_synth(const synth_config& cfg, const pacer& p);

  // ---- control thread ----
  bool set_pacer(const pacer& p) noexcept;  // heard from the next buffer
  void set_score(double score) noexcept;    // 0..1
  void set_signal_lost(bool lost) noexcept;
  void set_volume(double volume) noexcept;  // 0..1
  void set_mode(feedback_mode mode) noexcept;
  void set_cue_enabled(bool on) noexcept;
  void set_ticks(bool on) noexcept;
  // The rest layer's level 0..1 (1: natural breathing; lower while paused; 0: off), reached
  // through a 1.5 s ramp.
  void set_rest_layer(double level) noexcept;
  bool play(cue_sound s) noexcept;
  // Convenience: score, lost/found, level chimes and the motif from one feedback update.
  void apply(const feedback_update& u) noexcept;
  // Fade the continuous layers (cue, chord, rest) out over fade_out_s and let the notes that
  // sound (an end earcon) ring out; finished() turns true once the output is silent.
  void stop() noexcept;
  [[nodiscard]] bool finished() const noexcept;

  // ---- audio thread ----
  // Renders `frames` frames into `interleaved` (frames * channels floats). If the span is
  // shorter, the frames that fit are rendered; the buffer is always completely written.
  void render(std::span<float> interleaved, std::size_t frames) noexcept;

  // ---- either thread ----
  [[nodiscard]] std::int64_t frames_rendered() const noexcept;
  [[nodiscard]] double time_s() const noexcept;  // frames_rendered / sample rate
  [[nodiscard]] std::int64_t clipped_samples() const noexcept;
  [[nodiscard]] std::int64_t dropped_notes() const noexcept;
  [[nodiscard]] const synth_config& config() const noexcept { return cfg_; }

 private:
  enum class timbre : std::uint8_t { bell, hollow, pure };
  struct voice {
    bool active = false;
    timbre kind = timbre::bell;
    double re = 1.0, im = 0.0;    // phasor
    double wre = 1.0, wim = 0.0;  // rotation per sample
    double amp = 0.0;
    std::int64_t delay = 0;  // samples before the note starts
    std::int64_t age = 0;
    std::int64_t length = 0;
    std::int64_t attack = 0;
    std::int64_t release = 0;
    double decay = 1.0;  // per-sample multiplier
    double level = 1.0;  // running decay value
  };
  struct pad_voice {
    double re = 1.0, im = 0.0, wre = 1.0, wim = 0.0;
    double gain = 0.0;
  };
  struct smoother {
    double value = 0.0;
    double k = 1.0;
    double step(double target) noexcept { return value += k * (target - value); }
  };
  struct note {
    double hz;
    double start_s;
    double length_s;
  };

  void start_note(timbre kind, double hz, double amp, double delay_s, double length_s) noexcept;
  void start_sequence(std::span<const note> notes, timbre kind, double amp) noexcept;
  void handle(cue_sound s) noexcept;
  double render_voices() noexcept;
  double render_rest(double t_s) noexcept;
  [[nodiscard]] bool voices_active() const noexcept;
  [[nodiscard]] double smoothing_k(double tau_s) const noexcept;

  synth_config cfg_;
  double fs_;
  double cue_norm_ = 1.0;

  // control -> audio
  boost::lockfree::spsc_queue<pacer, boost::lockfree::capacity<4>> pacer_queue_;
  boost::lockfree::spsc_queue<cue_sound, boost::lockfree::capacity<32>> sound_queue_;
  std::atomic<float> score_{0.0f};
  std::atomic<float> volume_{0.8f};
  std::atomic<bool> lost_{false};
  std::atomic<std::uint8_t> mode_{0};
  std::atomic<bool> cue_enabled_{true};
  std::atomic<bool> ticks_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<float> rest_{0.0f};
  // audio -> anyone
  std::atomic<std::int64_t> frames_{0};
  std::atomic<std::int64_t> clipped_{0};
  std::atomic<std::int64_t> dropped_{0};
  std::atomic<bool> finished_{false};

  // audio-thread state
  pacer pacer_;
  double cue_phase_ = 0.0;
  breath_phase last_phase_ = breath_phase::inhale;
  bool have_last_phase_ = false;
  // Linear 0..1 ramp at a fixed speed, heard through a smoothstep: reaches silence exactly.
  struct ramp {
    double pos = 0.0;
    double step = 1.0;
    double next(double target) noexcept {
      pos = target > pos ? std::min(target, pos + step) : std::max(target, pos - step);
      return pos * pos * (3.0 - 2.0 * pos);
    }
  };
  smoother volume_g_, pad_score_g_;
  ramp cue_g_, pad_live_g_, rest_g_;
  std::array<pad_voice, 4> pad_{};
  std::array<voice, 16> voices_{};
  // rest layer: noise generator and filter states
  std::uint32_t noise_ = 0x9e3779b9U;
  double rest_lp1_ = 0.0, rest_lp2_ = 0.0, rest_low_ = 0.0;
  double rest_a_hi_ = 0.0, rest_a_lo_ = 0.0;
  double fade_ = 0.0;
  double fade_in_step_ = 0.0, fade_out_step_ = 0.0;
  bool stopping_ = false;
  bool was_lost_ = false;
  std::int64_t next_alert_frame_ = 0;
  std::int64_t quiet_cue_until_ = 0;
  feedback_mode last_mode_ = feedback_mode::continuous;
};

}  // namespace resonant::engine
