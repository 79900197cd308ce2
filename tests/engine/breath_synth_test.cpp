#include "engine/breath_synth.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "support/cue_analysis.hpp"

namespace {

using resonant::engine::breath_phase;
using resonant::engine::breath_synth;
using resonant::engine::cue_sound;
using resonant::engine::feedback_mode;
using resonant::engine::pacer;
using resonant::engine::synth_config;
using resonant::test::tone_amplitude;
namespace rt = resonant::test;

constexpr double fs = 48000.0;

synth_config mono_config() {
  synth_config c;
  c.sample_rate_hz = fs;
  c.channels = 1;
  c.volume = 1.0;
  return c;
}

// Renders `seconds` of mono sound in 256-frame buffers; `between` runs before each buffer
// (the control side) with the synth's current time.
std::vector<float> render(breath_synth& s, double seconds,
                          const std::function<void(double)>& between = {}) {
  const auto total = static_cast<std::size_t>(seconds * fs);
  std::vector<float> out(total);
  for (std::size_t done = 0; done < total; done += 256) {
    if (between) between(s.time_s());
    const std::size_t n = std::min<std::size_t>(256, total - done);
    s.render(std::span<float>(out.data() + done, n), n);
  }
  return out;
}

double rms(const std::vector<float>& x, double from_s, double to_s) {
  const auto a = static_cast<std::size_t>(from_s * fs);
  const auto b = std::min(x.size(), static_cast<std::size_t>(to_s * fs));
  double s = 0.0;
  for (std::size_t i = a; i < b; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return std::sqrt(s / static_cast<double>(b - a));
}

TEST(breath_synth, cue_breathes_at_the_pacer_period_with_rising_inhale_pitch) {
  const pacer p;  // 6/min, 40:60
  breath_synth s(mono_config(), p);
  const auto x = render(s, 62.0);

  const auto pitch = rt::pitch_track(x, fs, 0.02);
  const auto lung = rt::lung_from_pitch(pitch, 220.0, 7.0);
  const double period = rt::mean_period(rt::crossings(lung, 0.5, true, 2.0));
  EXPECT_NEAR(period, 10.0, 10.0 * 0.005);
  EXPECT_NEAR(rt::inhale_share(lung, 2.0), 0.40, 0.01);

  // The amplitude envelope breathes with the same period.
  const auto env = rt::rms_track(x, fs, 0.1);
  double env_lo = 1e9, env_hi = 0.0;
  for (std::size_t k = 20; k < env.value.size(); ++k) {
    env_lo = std::min(env_lo, env.value[k]);
    env_hi = std::max(env_hi, env.value[k]);
  }
  const double env_mid = 0.5 * (env_lo + env_hi);
  const double env_period =
      rt::mean_period(rt::crossings(env, env_mid, true, 2.0, 0.1 * (env_hi - env_lo)));
  EXPECT_NEAR(env_period, 10.0, 10.0 * 0.005);

  // Pitch rises on the inhale and falls on the exhale (checked away from the turns), and spans
  // a fifth: 220 to 330 Hz.
  int up = 0, down = 0, wrong = 0;
  double fmin = 1e9, fmax = 0.0;
  for (std::size_t k = 1; k < pitch.value.size(); ++k) {
    const double t = (static_cast<double>(k) + 0.5) * pitch.dt_s;
    if (t < 2.0) continue;
    fmin = std::min(fmin, pitch.value[k]);
    fmax = std::max(fmax, pitch.value[k]);
    const auto st = p.at(t);
    if (st.progress < 0.1 || st.progress > 0.9) continue;
    const double d = pitch.value[k] - pitch.value[k - 1];
    if (st.phase == breath_phase::inhale) (d > 0 ? up : wrong)++;
    if (st.phase == breath_phase::exhale) (d < 0 ? down : wrong)++;
  }
  EXPECT_GT(up, 900);  // 6 breaths x 80 % of 4 s / 20 ms = 960 blocks
  EXPECT_GT(down, 1400);
  EXPECT_LE(wrong, (up + down) / 100) << "pitch moved against the breath";
  EXPECT_NEAR(fmin, 220.0, 2.0);
  EXPECT_NEAR(fmax, 330.0, 2.0);
}

TEST(breath_synth, every_layer_at_full_volume_stays_below_full_scale) {
  synth_config c = mono_config();
  c.ticks = true;
  breath_synth s(c, pacer{});
  s.set_score(1.0);
  float peak = 0.0f;
  const auto x = render(s, 40.0, [&](double t) {
    // Keep every short sound going at once, over and over.
    if (std::fmod(t, 2.0) < 0.006) {
      s.play(cue_sound::motif);
      s.play(cue_sound::level_up);
      s.play(cue_sound::level_down);
    }
    s.set_signal_lost(std::fmod(t, 10.0) > 5.0);
  });
  for (const float v : x) peak = std::max(peak, std::abs(v));
  EXPECT_LE(peak, 1.0f);
  EXPECT_GT(peak, 0.5f);  // and it is not silent
  EXPECT_EQ(s.clipped_samples(), 0) << "the layer budget exceeded full scale";
}

TEST(breath_synth, rate_changes_do_not_click) {
  // Bound on the sample-to-sample step of the steady cue: the waveform's slope is at most
  // (1 + 2/4 + 3/12) * 2 pi f / fs times its peak level 0.4, at the top pitch of 330 Hz.
  const double threshold = 0.40 * (1.0 + 0.5 + 0.25) * 2.0 * std::numbers::pi * 330.0 / fs;
  const auto max_step = [](const std::vector<float>& x) {
    double m = 0.0;
    for (std::size_t i = 1; i < x.size(); ++i)
      m = std::max(m, static_cast<double>(std::abs(x[i] - x[i - 1])));
    return m;
  };
  pacer control;
  breath_synth s(mono_config(), control);
  double next_change = 1.3;
  int changes = 0;
  const auto x = render(s, 60.0, [&](double t) {
    if (t >= next_change) {
      control.set_rate(3.0 + std::fmod(changes * 1.7, 7.0), t);
      s.set_pacer(control);
      ++changes;
      next_change += 1.7;
    }
  });
  EXPECT_GT(changes, 30);
  EXPECT_LT(max_step(x), threshold) << "stated threshold " << threshold;
}

TEST(breath_synth, chord_blooms_with_the_score) {
  double last = -1.0;
  for (const double score : {0.0, 0.3, 0.6, 1.0}) {
    breath_synth s(mono_config(), pacer{});
    s.set_cue_enabled(false);
    s.set_score(score);
    const auto x = render(s, 12.0);
    const double r = rms(x, 10.0, 12.0);
    if (score == 0.0) {
      EXPECT_LT(r, 1e-4);
    } else {
      EXPECT_GT(r, last * 1.2) << "score " << score;
    }
    last = r;
  }
}

TEST(breath_synth, lost_signal_sounds_an_alert_and_mutes_the_chord) {
  breath_synth s(mono_config(), pacer{});
  s.set_cue_enabled(false);
  s.set_score(1.0);
  const auto x = render(s, 20.0, [&](double t) { s.set_signal_lost(t >= 10.0); });
  const double before = rms(x, 8.0, 10.0);
  EXPECT_GT(before, 0.02);
  // Alert: two beeps at 392 Hz within the first 0.6 s of the loss.
  EXPECT_GT(tone_amplitude(x, fs, 392.0, 10.0, 10.6),
            10.0 * tone_amplitude(x, fs, 392.0, 9.0, 9.6));
  // The chord fades within a few seconds.
  EXPECT_LT(rms(x, 16.0, 20.0), 0.05 * before);
}

TEST(breath_synth, quiet_mode_sounds_only_changes) {
  synth_config c = mono_config();
  c.mode = feedback_mode::quiet;
  c.quiet_cue_breaths = 2.0;  // cue for the first 20 s
  breath_synth s(c, pacer{});
  s.set_score(1.0);
  const auto x = render(s, 60.0, [&](double t) {
    if (t >= 30.0 && t < 30.006) s.play(cue_sound::level_up);
    if (t >= 40.0 && t < 40.006) s.play(cue_sound::level_down);
  });
  EXPECT_GT(rms(x, 5.0, 20.0), 0.05);   // the cue at first
  EXPECT_LT(rms(x, 23.0, 30.0), 1e-4);  // then silence despite the high score
  EXPECT_GT(rms(x, 30.0, 30.5), 0.01);  // level up chime
  EXPECT_GT(rms(x, 41.0, 55.0), 0.05);  // a drop brings the cue back for two breaths
}

TEST(breath_synth, ticks_mark_the_phase_turns) {
  synth_config c = mono_config();
  c.ticks = true;
  breath_synth s(c, pacer{});
  const auto x = render(s, 12.0);
  // Exhale starts at 4 s (C#6 tick), the next inhale at 10 s (E6 tick); both lie above the
  // cue's partials (at most 3 x 330 Hz).
  EXPECT_GT(tone_amplitude(x, fs, 1108.73, 4.0, 4.04),
            5.0 * tone_amplitude(x, fs, 1108.73, 5.0, 5.04));
  EXPECT_GT(tone_amplitude(x, fs, 1318.51, 10.0, 10.04),
            5.0 * tone_amplitude(x, fs, 1318.51, 9.0, 9.04));
}

TEST(breath_synth, stop_fades_out_then_finishes) {
  breath_synth s(mono_config(), pacer{});
  auto x = render(s, 5.0);
  EXPECT_FALSE(s.finished());
  s.stop();
  const auto tail = render(s, 1.5);
  EXPECT_TRUE(s.finished());
  EXPECT_LT(rms(tail, 1.1, 1.5), 1e-6);
  double step = 0.0;
  for (std::size_t i = 1; i < tail.size(); ++i)
    step = std::max(step, static_cast<double>(std::abs(tail[i] - tail[i - 1])));
  EXPECT_LT(step, 0.05);
  EXPECT_EQ(s.frames_rendered(), static_cast<std::int64_t>(6.5 * fs));
}

TEST(breath_synth, rest_layer_is_soft_noise_above_the_cue_and_never_silent) {
  breath_synth s(mono_config(), pacer{});
  s.set_cue_enabled(false);
  s.set_rest_layer(1.0);
  const auto x = render(s, 40.0);
  // Loudness over its swell (gain 0.4-1): between -45 and -25 dBFS in every 50 ms.
  const auto r = rt::rms_track(x, fs, 0.05);
  for (std::size_t k = 60; k < r.value.size(); ++k) {  // after the 2 s fade-in
    EXPECT_GT(r.value[k], std::pow(10.0, -45.0 / 20.0)) << k;
    EXPECT_LT(r.value[k], std::pow(10.0, -25.0 / 20.0)) << k;
  }
  // Noise: no steady pitch, unlike the cue (no tone of 0.005 anywhere on 200-1000 Hz).
  for (double hz = 200.0; hz <= 1000.0; hz += 37.0)
    EXPECT_LT(tone_amplitude(x, fs, hz, 10, 20), 0.005);
  // Off: gone after its 1.5 s ramp.
  s.set_rest_layer(0.0);
  const auto off = render(s, 3.0);
  EXPECT_LT(rms(off, 2.0, 3.0), 1e-6);
}

TEST(breath_synth, guidance_earcons_sound_even_with_feedback_off_and_ring_out_after_stop) {
  synth_config c = mono_config();
  c.mode = feedback_mode::off;
  breath_synth s(c, pacer{});
  s.set_cue_enabled(false);
  s.play(cue_sound::level_up);  // feedback: silent in off mode
  auto x = render(s, 1.0);
  EXPECT_LT(tone_amplitude(x, fs, 880.0, 0.0, 1.0), 1e-4);
  s.play(cue_sound::end_rested);
  s.stop();
  x = render(s, 5.0);
  // The arpeggio's last note (D5 at 1.05 s, 2.6 s long) sounds after the 1 s fade-out ...
  EXPECT_GT(tone_amplitude(x, fs, 587.33, 1.2, 2.5), 0.02);
  // ... and the synth finishes once it has rung out.
  EXPECT_TRUE(s.finished());
}

TEST(breath_synth, fills_the_whole_buffer_and_every_channel) {
  synth_config c = mono_config();
  c.channels = 2;
  breath_synth s(c, pacer{});
  std::vector<float> buf(1024, 7.0f);
  // Asked for more frames than fit: renders what fits, writes everything.
  s.render(std::span<float>(buf.data(), 1001), 600);
  for (std::size_t i = 0; i < 1000; i += 2) EXPECT_EQ(buf[i], buf[i + 1]);
  EXPECT_EQ(buf[1000], 0.0f);
  EXPECT_EQ(buf[1001], 7.0f);
  EXPECT_EQ(s.frames_rendered(), 500);
}

}  // namespace
