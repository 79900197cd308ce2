#include "breath_synth.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace resonant::engine {
namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

constexpr double cue_level = 0.40;
constexpr double pad_level = 0.25;
constexpr double chime_level = 0.14;
constexpr double alert_level = 0.12;
constexpr double tick_level = 0.05;
constexpr double guide_level = 0.16;
// Gain on the band-passed noise (peak of the filter output is below 2, RMS about 0.13): the
// rest layer's RMS is about 0.028 (-31 dBFS) at the top of its swell.
constexpr double rest_gain = 0.21;
constexpr double rest_high_hz = 1500.0;
constexpr double rest_low_hz = 200.0;
constexpr double rest_ramp_s = 1.5;

constexpr double cue_h2 = 0.25;
constexpr double cue_h3 = 1.0 / 12.0;

// Pad: A2, E3, C#4, A4 and the score range over which each voice enters.
constexpr std::array<double, 4> pad_hz{110.0, 165.0, 277.18, 440.0};
constexpr std::array<double, 4> pad_enter{0.0, 0.25, 0.5, 0.75};
constexpr double pad_enter_width = 0.3;

double smoothstep(double x) noexcept {
  x = std::clamp(x, 0.0, 1.0);
  return x * x * (3.0 - 2.0 * x);
}

double cue_wave(double s1, double c1) noexcept {
  const double s2 = 2.0 * s1 * c1;
  const double s3 = s1 * (3.0 - 4.0 * s1 * s1);
  return s1 + cue_h2 * s2 + cue_h3 * s3;
}

}  // namespace

breath_synth::breath_synth(const synth_config& cfg, const pacer& p)
    : cfg_(cfg), fs_(cfg.sample_rate_hz), pacer_(p) {
  if (!(cfg.sample_rate_hz >= 8000.0 && cfg.sample_rate_hz <= 384000.0))
    throw std::invalid_argument("synth: sample rate must be 8-384 kHz");
  if (cfg.channels < 1 || cfg.channels > 8)
    throw std::invalid_argument("synth: channels must be 1-8");
  if (!(cfg.base_hz >= 40.0 && cfg.base_hz <= 2000.0))
    throw std::invalid_argument("synth: base pitch must be 40-2000 Hz");
  if (!(cfg.interval_semitones >= 0.0 && cfg.interval_semitones <= 24.0))
    throw std::invalid_argument("synth: interval must be 0-24 semitones");
  if (!(cfg.volume >= 0.0 && cfg.volume <= 1.0))
    throw std::invalid_argument("synth: volume must be 0-1");
  if (!(cfg.fade_in_s >= 0.0) || !(cfg.fade_out_s >= 0.0) || !(cfg.alert_repeat_s > 0.0) ||
      !(cfg.quiet_cue_breaths >= 0.0))
    throw std::invalid_argument("synth: durations must not be negative");

  // Peak of the cue waveform, so the cue layer peaks at exactly cue_level.
  double peak = 0.0;
  for (int i = 0; i < 4096; ++i) {
    const double ph = two_pi * i / 4096.0;
    peak = std::max(peak, std::abs(cue_wave(std::sin(ph), std::cos(ph))));
  }
  cue_norm_ = 1.0 / peak;

  volume_.store(static_cast<float>(cfg.volume), std::memory_order_relaxed);
  mode_.store(static_cast<std::uint8_t>(cfg.mode), std::memory_order_relaxed);
  ticks_.store(cfg.ticks, std::memory_order_relaxed);
  last_mode_ = cfg.mode;

  volume_g_ = {cfg.volume, smoothing_k(0.03)};
  pad_score_g_ = {0.0, smoothing_k(1.5)};
  cue_g_ = {1.0, 1.0 / fs_};       // 1 s
  pad_live_g_ = {1.0, 1.0 / fs_};  // 1 s
  rest_g_ = {0.0, 1.0 / (rest_ramp_s * fs_)};
  rest_a_hi_ = 1.0 - std::exp(-two_pi * rest_high_hz / fs_);
  rest_a_lo_ = 1.0 - std::exp(-two_pi * rest_low_hz / fs_);
  for (std::size_t i = 0; i < pad_.size(); ++i) {
    const double w = two_pi * pad_hz[i] / fs_;
    pad_[i].wre = std::cos(w);
    pad_[i].wim = std::sin(w);
  }
  fade_in_step_ = cfg.fade_in_s > 0.0 ? 1.0 / (cfg.fade_in_s * fs_) : 1.0;
  fade_out_step_ = cfg.fade_out_s > 0.0 ? 1.0 / (cfg.fade_out_s * fs_) : 1.0;
  quiet_cue_until_ = static_cast<std::int64_t>(cfg.quiet_cue_breaths * pacer_.period_s() * fs_);
}

double breath_synth::smoothing_k(double tau_s) const noexcept {
  return 1.0 - std::exp(-1.0 / (tau_s * fs_));
}

// ---- control thread ----

bool breath_synth::set_pacer(const pacer& p) noexcept {
  return pacer_queue_.push(p);
}

void breath_synth::set_score(double score) noexcept {
  const double s = std::isfinite(score) ? std::clamp(score, 0.0, 1.0) : 0.0;
  score_.store(static_cast<float>(s), std::memory_order_relaxed);
}

void breath_synth::set_signal_lost(bool lost) noexcept {
  lost_.store(lost, std::memory_order_relaxed);
}

void breath_synth::set_volume(double volume) noexcept {
  const double v = std::isfinite(volume) ? std::clamp(volume, 0.0, 1.0) : 0.0;
  volume_.store(static_cast<float>(v), std::memory_order_relaxed);
}

void breath_synth::set_mode(feedback_mode mode) noexcept {
  mode_.store(static_cast<std::uint8_t>(mode), std::memory_order_relaxed);
}

void breath_synth::set_cue_enabled(bool on) noexcept {
  cue_enabled_.store(on, std::memory_order_relaxed);
}

void breath_synth::set_ticks(bool on) noexcept {
  ticks_.store(on, std::memory_order_relaxed);
}

void breath_synth::set_rest_layer(double level) noexcept {
  const double v = std::isfinite(level) ? std::clamp(level, 0.0, 1.0) : 0.0;
  rest_.store(static_cast<float>(v), std::memory_order_relaxed);
}

bool breath_synth::play(cue_sound s) noexcept {
  return sound_queue_.push(s);
}

void breath_synth::apply(const feedback_update& u) noexcept {
  set_score(u.score);
  if (u.signal_lost) set_signal_lost(true);
  if (u.signal_found) set_signal_lost(false);
  if (u.level_up) play(cue_sound::level_up);
  if (u.level_down) play(cue_sound::level_down);
  if (u.level_reached) play(cue_sound::motif);
}

void breath_synth::stop() noexcept {
  stop_requested_.store(true, std::memory_order_relaxed);
}

bool breath_synth::finished() const noexcept {
  return finished_.load(std::memory_order_acquire);
}

std::int64_t breath_synth::frames_rendered() const noexcept {
  return frames_.load(std::memory_order_acquire);
}

double breath_synth::time_s() const noexcept {
  return static_cast<double>(frames_rendered()) / fs_;
}

std::int64_t breath_synth::clipped_samples() const noexcept {
  return clipped_.load(std::memory_order_relaxed);
}

std::int64_t breath_synth::dropped_notes() const noexcept {
  return dropped_.load(std::memory_order_relaxed);
}

// ---- audio thread ----

void breath_synth::start_note(timbre kind, double hz, double amp, double delay_s,
                              double length_s) noexcept {
  for (voice& v : voices_) {
    if (v.active) continue;
    v = voice{};
    v.active = true;
    v.kind = kind;
    const double w = two_pi * hz / fs_;
    v.wre = std::cos(w);
    v.wim = std::sin(w);
    v.amp = amp;
    v.delay = static_cast<std::int64_t>(delay_s * fs_);
    v.length = std::max<std::int64_t>(static_cast<std::int64_t>(length_s * fs_), 16);
    v.attack = std::min<std::int64_t>(static_cast<std::int64_t>(0.008 * fs_), v.length / 4);
    v.release = std::min<std::int64_t>(static_cast<std::int64_t>(0.02 * fs_), v.length / 4);
    // decay to ~e^-3 over the note: a struck, fading tone
    v.decay = std::exp(-3.0 / static_cast<double>(v.length));
    return;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
}

void breath_synth::start_sequence(std::span<const note> notes, timbre kind, double amp) noexcept {
  for (const note& n : notes) start_note(kind, n.hz, amp, n.start_s, n.length_s);
}

void breath_synth::handle(cue_sound s) noexcept {
  // Feedback.
  static constexpr std::array<note, 4> motif{note{440.0, 0.0, 0.7}, note{554.37, 0.16, 0.7},
                                             note{659.26, 0.32, 0.7}, note{880.0, 0.48, 1.1}};
  static constexpr std::array<note, 2> up{note{659.26, 0.0, 0.45}, note{880.0, 0.12, 0.6}};
  static constexpr std::array<note, 2> down{note{440.0, 0.0, 0.45}, note{329.63, 0.14, 0.6}};
  // Guidance: pitch sets that share little with each other, the cue (220-330 Hz gliding) and
  // the alert (392 Hz hollow), so each is recognisable and measurable.
  static constexpr std::array<note, 2> start{note{523.25, 0.0, 0.9}, note{783.99, 0.18, 1.2}};
  static constexpr std::array<note, 3> pacing{note{349.23, 0.0, 1.4}, note{440.0, 0.45, 1.4},
                                              note{523.25, 0.9, 1.8}};
  static constexpr std::array<note, 2> rest{note{440.0, 0.0, 1.2}, note{349.23, 0.4, 1.6}};
  static constexpr std::array<note, 2> paused{note{523.25, 0.0, 0.6}, note{392.0, 0.2, 1.0}};
  static constexpr std::array<note, 2> resumed{note{392.0, 0.0, 0.6}, note{523.25, 0.2, 1.0}};
  static constexpr std::array<note, 4> rested{note{293.66, 0.0, 1.6}, note{369.99, 0.35, 1.6},
                                              note{440.0, 0.7, 1.8}, note{587.33, 1.05, 2.6}};
  static constexpr std::array<note, 2> neutral{note{329.63, 0.0, 1.0}, note{329.63, 0.7, 1.6}};
  struct entry {
    std::span<const note> notes;
    double level;
    bool feedback;
  };
  // Indexed by cue_sound.
  static constexpr std::array<entry, 10> table{
      entry{motif, chime_level, true},   entry{up, chime_level, true},
      entry{down, chime_level, true},    entry{start, guide_level, false},
      entry{pacing, guide_level, false}, entry{rest, guide_level, false},
      entry{paused, guide_level, false}, entry{resumed, guide_level, false},
      entry{rested, guide_level, false}, entry{neutral, guide_level, false}};
  const auto index = static_cast<std::size_t>(s);
  if (index >= table.size()) return;
  const entry& e = table[index];
  const auto mode = static_cast<feedback_mode>(mode_.load(std::memory_order_relaxed));
  if (e.feedback && mode == feedback_mode::off) return;
  start_sequence(e.notes, timbre::bell, e.level);
  if (s == cue_sound::level_down) {
    const auto now = frames_.load(std::memory_order_relaxed);
    quiet_cue_until_ =
        now + static_cast<std::int64_t>(cfg_.quiet_cue_breaths * pacer_.period_s() * fs_);
  }
}

bool breath_synth::voices_active() const noexcept {
  return std::any_of(voices_.begin(), voices_.end(), [](const voice& v) { return v.active; });
}

// The rest layer before its gain: band-passed noise with a slow irregular swell.
double breath_synth::render_rest(double t_s) noexcept {
  noise_ ^= noise_ << 13U;
  noise_ ^= noise_ >> 17U;
  noise_ ^= noise_ << 5U;
  const double u = static_cast<double>(static_cast<std::int32_t>(noise_)) / 2147483648.0;
  rest_lp1_ += rest_a_hi_ * (u - rest_lp1_);
  rest_lp2_ += rest_a_hi_ * (rest_lp1_ - rest_lp2_);
  rest_low_ += rest_a_lo_ * (rest_lp2_ - rest_low_);
  const double swell =
      0.7 + 0.15 * std::sin(two_pi * t_s / 11.0) + 0.15 * std::sin(two_pi * t_s / 17.0 + 1.0);
  return rest_gain * swell * (rest_lp2_ - rest_low_);
}

double breath_synth::render_voices() noexcept {
  double sum = 0.0;
  for (voice& v : voices_) {
    if (!v.active) continue;
    if (v.delay > 0) {
      --v.delay;
      continue;
    }
    double env = v.level * v.amp;
    if (v.age < v.attack)
      env *= 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(v.age) /
                                  static_cast<double>(v.attack));
    const std::int64_t left = v.length - v.age;
    if (left < v.release)
      env *= 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(left) /
                                  static_cast<double>(v.release));
    const double s1 = v.im;
    double x = s1;
    switch (v.kind) {
      case timbre::bell:
        x = (s1 + 0.3 * (2.0 * s1 * v.re)) / 1.3;
        break;
      case timbre::hollow:
        x = (s1 + 0.35 * s1 * (3.0 - 4.0 * s1 * s1)) / 1.35;
        break;
      case timbre::pure:
        break;
    }
    sum += env * x;
    // rotate the phasor
    const double re = v.re * v.wre - v.im * v.wim;
    const double im = v.re * v.wim + v.im * v.wre;
    v.re = re;
    v.im = im;
    v.level *= v.decay;
    if (++v.age >= v.length) v.active = false;
  }
  return sum;
}

void breath_synth::render(std::span<float> interleaved, std::size_t frames) noexcept {
  const auto ch = static_cast<std::size_t>(cfg_.channels);
  const std::size_t n = std::min(frames, interleaved.size() / ch);

  // Drain the control queues: the newest pacer wins; sounds in order.
  pacer_queue_.consume_all([this](const pacer& p) { pacer_ = p; });
  sound_queue_.consume_all([this](cue_sound s) { handle(s); });

  const double volume = static_cast<double>(volume_.load(std::memory_order_relaxed));
  const double score = static_cast<double>(score_.load(std::memory_order_relaxed));
  const bool lost = lost_.load(std::memory_order_relaxed);
  const auto mode = static_cast<feedback_mode>(mode_.load(std::memory_order_relaxed));
  const bool cue_on = cue_enabled_.load(std::memory_order_relaxed);
  const bool ticks = ticks_.load(std::memory_order_relaxed);
  const double rest_target = static_cast<double>(rest_.load(std::memory_order_relaxed));
  if (stop_requested_.load(std::memory_order_relaxed)) stopping_ = true;

  std::int64_t frame = frames_.load(std::memory_order_relaxed);
  if (mode == feedback_mode::quiet && last_mode_ != feedback_mode::quiet)
    quiet_cue_until_ =
        frame + static_cast<std::int64_t>(cfg_.quiet_cue_breaths * pacer_.period_s() * fs_);
  last_mode_ = mode;
  if (lost && !was_lost_) {
    next_alert_frame_ = frame;
    quiet_cue_until_ =
        frame + static_cast<std::int64_t>(cfg_.quiet_cue_breaths * pacer_.period_s() * fs_);
  }
  was_lost_ = lost;
  if (lost && !stopping_ && frame >= next_alert_frame_) {
    start_note(timbre::hollow, 392.0, alert_level, 0.0, 0.14);
    start_note(timbre::hollow, 392.0, alert_level, 0.26, 0.14);
    next_alert_frame_ = frame + static_cast<std::int64_t>(cfg_.alert_repeat_s * fs_);
  }

  const double pad_target = mode == feedback_mode::continuous ? score : 0.0;
  const double live_target = lost ? 0.0 : 1.0;
  const double semis = cfg_.interval_semitones / 12.0;
  const double cue_scale = cue_level * cue_norm_;

  std::size_t i = 0;
  for (; i < n; ++i, ++frame) {
    const double t = static_cast<double>(frame) / fs_;
    const pacer_state st = pacer_.at(t);

    if (ticks && have_last_phase_ && st.phase != last_phase_ &&
        (st.phase == breath_phase::inhale || st.phase == breath_phase::exhale))
      start_note(timbre::pure, st.phase == breath_phase::inhale ? 1318.51 : 1108.73, tick_level,
                 0.0, 0.04);
    last_phase_ = st.phase;
    have_last_phase_ = true;

    // Breathing cue.
    const bool cue_audible = cue_on && (mode != feedback_mode::quiet || frame < quiet_cue_until_);
    const double cue_gain = cue_g_.next(cue_audible ? 1.0 : 0.0);
    const double hz = cfg_.base_hz * std::exp2(st.lung * semis);
    cue_phase_ += two_pi * hz / fs_;
    if (cue_phase_ >= two_pi) cue_phase_ -= two_pi;
    double x = 0.0;
    if (cue_gain > 0.0)
      x = cue_scale * cue_gain * (0.55 + 0.45 * st.lung) *
          cue_wave(std::sin(cue_phase_), std::cos(cue_phase_));

    // Feedback chord.
    const double s = pad_score_g_.step(pad_target);
    const double live = pad_live_g_.next(live_target);
    const double bright = 0.1 + 0.3 * s;
    double pad = 0.0;
    for (std::size_t k = 0; k < pad_.size(); ++k) {
      pad_voice& v = pad_[k];
      v.gain = smoothstep((s - pad_enter[k]) / pad_enter_width);
      if (v.gain > 1e-6) pad += v.gain * (v.im + bright * 2.0 * v.im * v.re);
      const double re = v.re * v.wre - v.im * v.wim;
      const double im = v.re * v.wim + v.im * v.wre;
      v.re = re;
      v.im = im;
    }
    x += pad_level * live * (0.75 + 0.25 * st.lung) * pad / (4.0 * 1.4);

    // Rest layer (filters run only while it sounds; they restart from their last state).
    const double rest_g = rest_g_.next(rest_target);
    if (rest_g > 0.0) x += rest_g * render_rest(t);

    // Fade in/out of the continuous layers; the notes ring on after stop().
    if (stopping_)
      fade_ = std::max(0.0, fade_ - fade_out_step_);
    else
      fade_ = std::min(1.0, fade_ + fade_in_step_);
    x *= 0.5 - 0.5 * std::cos(std::numbers::pi * fade_);

    // Chimes, earcons, alert, ticks; then the master volume.
    x += render_voices();
    x *= volume_g_.step(volume);

    float y = static_cast<float>(x);
    if (!(std::abs(y) <= 1.0f)) {
      y = std::isnan(y) ? 0.0f : std::clamp(y, -1.0f, 1.0f);
      clipped_.fetch_add(1, std::memory_order_relaxed);
    }
    for (std::size_t c = 0; c < ch; ++c) interleaved[i * ch + c] = y;
  }
  std::fill(interleaved.begin() + static_cast<std::ptrdiff_t>(n * ch), interleaved.end(), 0.0f);

  // Keep the phasors on the unit circle (rounding drift), once per buffer.
  for (pad_voice& v : pad_) {
    const double r = 1.0 / std::sqrt(v.re * v.re + v.im * v.im);
    v.re *= r;
    v.im *= r;
  }
  for (voice& v : voices_) {
    if (!v.active) continue;
    const double r = 1.0 / std::sqrt(v.re * v.re + v.im * v.im);
    v.re *= r;
    v.im *= r;
  }
  if (stopping_ && fade_ <= 0.0 && !voices_active())
    finished_.store(true, std::memory_order_release);
  frames_.store(frame, std::memory_order_release);
}

}  // namespace resonant::engine
