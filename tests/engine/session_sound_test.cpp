// engine::session_sound in virtual time: a whole short session (steady simulated RR) drives the
// synthesiser in-process, with a pause in the paced phase; the sound is rendered step by step
// as an audio device would and measured like the WAV tests (tests/apps/session_sound_test.cpp).
#include "engine/session_sound.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/clock.hpp"
#include "support/wav_analysis.hpp"

namespace {

namespace engine = resonant::engine;
namespace rt = resonant::test;

constexpr double fs = 48000.0;

struct run {
  std::vector<float> x;
  std::vector<engine::session_phase> phases;
  double paced_s = 0.0;
};

// A 1-minute session (20 s baseline, 40 s paced) and 20 s after; space pressed at pause_s and
// again at resume_s (session time).
run play(double pause_s, double resume_s) {
  engine::synth_config sc;
  sc.channels = 1;
  sc.sample_rate_hz = fs;
  engine::session_config cfg;
  cfg.plan = engine::session_plan::for_minutes(1.0, 20.0, 20.0);
  engine::breath_synth synth(sc, engine::pacer(cfg.pattern, 0.0));
  synth.set_cue_enabled(false);
  engine::session_sound sound(synth);
  engine::virtual_clock clock;
  engine::session s(cfg, clock, sound);
  run r;
  s.start();
  s.on_link(engine::link_state::streaming);
  double beat = 0.0;
  int n = 0;
  std::vector<float> buf(256);
  const auto render_to = [&](double t) {
    while (static_cast<double>(synth.frames_rendered()) < t * fs) {
      synth.render(buf, buf.size());
      r.x.insert(r.x.end(), buf.begin(), buf.end());
    }
  };
  for (int step = 1; step < 4000 && !s.done(); ++step) {
    const double t = step * 0.05;
    clock.advance_to(t);
    while (beat + 1.0 <= t) {
      const double rr = 900.0 + 30.0 * std::sin(0.5 * n++);
      beat += rr / 1000.0;
      s.on_rr(beat, rr, false);
    }
    if (std::abs(t - pause_s) < 0.025 || std::abs(t - resume_s) < 0.025) s.toggle_pause();
    const auto before = s.phase();
    s.tick();
    if (s.phase() != before) r.phases.push_back(s.phase());
    if (s.phase() == engine::session_phase::paced && r.paced_s == 0.0) r.paced_s = t;
    render_to(t);
  }
  synth.stop();
  for (int i = 0; i < 2000 && !synth.finished(); ++i) render_to(synth.time_s() + 0.01);
  EXPECT_TRUE(synth.finished());
  return r;
}

TEST(session_sound, a_session_with_a_pause_is_never_silent_and_marks_each_step) {
  // Settle ends at ~8 s, pacing at ~28 s; pause 10 s into pacing, for 12 s.
  const run r = play(38.0, 50.0);
  ASSERT_GT(r.paced_s, 20.0);
  EXPECT_EQ(r.phases, (std::vector<engine::session_phase>{
                          engine::session_phase::baseline, engine::session_phase::paced,
                          engine::session_phase::after, engine::session_phase::done}));
  const auto quiet = rt::longest_quiet(r.x, fs, 0.05, -50.0);
  EXPECT_LE(quiet.length_s, 3.0) << "silent from " << quiet.start_s << " s";
  EXPECT_GT(rt::tone_amplitude(r.x, fs, 523.25, 0.0, 1.0), 0.01) << "start earcon";
  // Announcement before the cue, the cue during pacing.
  EXPECT_GT(rt::tone_amplitude(r.x, fs, 349.23, r.paced_s - 4.5, r.paced_s), 0.005);
  const double onset = rt::cue_onset(r.x, fs, 5.0, 210.0, 340.0);
  EXPECT_NEAR(onset, r.paced_s, 1.5);
  // Paused: the pause earcon (C5 then G4), then the soft rest layer and no cue.
  EXPECT_GT(rt::tone_amplitude(r.x, fs, 392.0, 38.0, 39.5), 0.01);
  EXPECT_TRUE(std::isnan(rt::cue_onset(r.x, fs, 40.0, 210.0, 340.0, 1.0)) ||
              rt::cue_onset(r.x, fs, 40.0, 210.0, 340.0, 1.0) >= 50.0);
  EXPECT_GT(rt::rms_dbfs(r.x, fs, 41.0, 49.0), -50.0);
  EXPECT_LT(rt::rms_dbfs(r.x, fs, 41.0, 49.0), rt::rms_dbfs(r.x, fs, 10.0, 20.0));
  // Resumed: G4 then C5, and the cue comes back.
  EXPECT_GT(rt::tone_amplitude(r.x, fs, 523.25, 50.0, 51.5), 0.01);
  EXPECT_NEAR(rt::cue_onset(r.x, fs, 40.0, 210.0, 340.0), 50.0, 1.5);
}

TEST(session_sound, the_end_sound_follows_the_recovery_answer) {
  engine::recovery_answer a;
  a.verdict = "more_rested";
  EXPECT_EQ(engine::session_sound::end_sound(a), engine::cue_sound::end_rested);
  for (const char* v : {"no_change", "less_rested", "insufficient"}) {
    a.verdict = v;
    EXPECT_EQ(engine::session_sound::end_sound(a), engine::cue_sound::end_neutral) << v;
  }
}

}  // namespace
