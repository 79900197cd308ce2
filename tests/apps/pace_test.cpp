// End-to-end tests of `resonant pace`: the real executable renders its sound to a WAV file (as
// fast as possible) and reports on the terminal; a missing sound device never stops it.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "drivers/wav_sink.hpp"
#include "support/cli_run.hpp"
#include "support/cue_analysis.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::test::run_result;

run_result run(const std::string& args) {
  return resonant::test::run_resonant(args, "JACK_NO_START_SERVER=1");
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class pace_cli : public resonant::test::scratch_dir_test {};

TEST_F(pace_cli, renders_the_session_to_a_wav_file) {
  const auto wav = dir_ / "pace.wav";
  const run_result r = run("pace --minutes 0.4 --rate 5 --ratio 2:3 --audio wav:" + wav.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("pacing 5.0 breaths/min: inhale 4.8 s, exhale 7.2 s"), std::string::npos)
      << r.out;
  // Plain lines (not a TTY): one per phase, 24 s = 2 breaths of 12 s.
  EXPECT_EQ(count(r.out, " inhale  4.8 s"), 2) << r.out;
  EXPECT_EQ(count(r.out, " exhale  7.2 s"), 2) << r.out;
  EXPECT_NE(r.out.find("12.0 s  inhale"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("done: 2.0 breaths in 0:24"), std::string::npos) << r.out;

  const auto w = resonant::drivers::read_wav(wav);
  EXPECT_EQ(w.channels, 2);
  EXPECT_EQ(w.sample_rate_hz, 48000.0);
  EXPECT_GE(w.frames, 48000 * 24);  // the session, then a short fade-out
  EXPECT_LE(w.frames, 48000 * 26);
  const auto lung = resonant::test::lung_from_pitch(
      resonant::test::pitch_track(w.channel(0), 48000.0, 0.02), 220.0, 7.0);
  const auto rises = resonant::test::crossings(lung, 0.5, true, 1.0);
  EXPECT_NEAR(resonant::test::mean_period(rises), 12.0, 0.06);
  EXPECT_NEAR(resonant::test::inhale_share(lung, 1.0), 0.4, 0.01);
}

TEST_F(pace_cli, missing_sound_device_warns_once_and_carries_on) {
  const run_result r = run("pace --minutes 0.01 --audio-device no-such-card");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(count(r.out, "resonant: audio: "), 1) << r.out;
  EXPECT_NE(r.out.find("\"no-such-card\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("continuing without sound"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("done:"), std::string::npos) << r.out;
}

TEST_F(pace_cli, bad_patterns_are_usage_errors) {
  auto r = run("pace --ratio 4-6 --audio off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("breathing ratio \"4-6\""), std::string::npos) << r.out;
  r = run("pace --rate 10 --ratio 1:4 --audio off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("safety envelope"), std::string::npos) << r.out;
  r = run("pace --rate 12 --audio off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("3-10 breaths/min"), std::string::npos) << r.out;
  r = run("pace --audio speakers");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--audio \"speakers\""), std::string::npos) << r.out;
  r = run("pace --audio off --audio-device x");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run("pace --volume 1.5 --audio off");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST_F(pace_cli, forced_patterns_outside_the_envelope_run) {
  const auto wav = dir_ / "forced.wav";
  const run_result r =
      run("pace --rate 10 --ratio 1:4 --force --minutes 0.05 --audio wav:" + wav.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("inhale 1.2 s"), std::string::npos) << r.out;
}

}  // namespace
