#include "drivers/wav_sink.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <numbers>

#include "drivers/input_error.hpp"
#include "engine/breath_synth.hpp"
#include "support/cue_analysis.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::drivers::input_error;
using resonant::drivers::read_wav;
using resonant::drivers::render_adapter;
using resonant::drivers::render_to_wav;
using resonant::drivers::wav_encoding;
using resonant::drivers::wav_writer;
using resonant::engine::breath_pattern;
using resonant::engine::breath_synth;
using resonant::engine::pacer;
using resonant::engine::synth_config;
namespace rt = resonant::test;

class wav_sink : public rt::scratch_dir_test {};

TEST_F(wav_sink, the_rendered_cue_survives_the_file) {
  const auto path = dir_ / "cue.wav";
  synth_config c;  // 48 kHz stereo
  c.volume = 1.0;
  breath_pattern pat;
  pat.inhale_fraction = 0.45;
  breath_synth synth(c, pacer{pat});
  render_adapter<breath_synth> source(synth);
  {
    wav_writer w(path, 48000.0, 2);
    render_to_wav(source, w, 48000 * 62);
    w.close();
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto wav = read_wav(path);
  EXPECT_EQ(wav.sample_rate_hz, 48000.0);
  EXPECT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.frames, 48000 * 62);
  const auto left = wav.channel(0);
  const auto right = wav.channel(1);
  EXPECT_EQ(left, right);
  float peak = 0.0f;
  for (const float v : wav.samples) peak = std::max(peak, std::abs(v));
  EXPECT_LE(peak, 1.0f);

  const auto lung = rt::lung_from_pitch(rt::pitch_track(left, 48000.0, 0.02), 220.0, 7.0);
  EXPECT_NEAR(rt::mean_period(rt::crossings(lung, 0.5, true, 2.0)), 10.0, 0.05);
  EXPECT_NEAR(rt::inhale_share(lung, 2.0), 0.45, 0.01);
}

TEST_F(wav_sink, pcm16_keeps_the_samples_to_two_steps) {
  const auto path = dir_ / "ramp.wav";
  std::vector<float> x(4000);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(
        0.9 * std::sin(2.0 * std::numbers::pi * 440.0 * static_cast<double>(i) / 8000.0));
  {
    wav_writer w(path, 8000.0, 1, wav_encoding::pcm16);
    w.write(x);
    EXPECT_EQ(w.frames_written(), 4000);
  }
  const auto wav = read_wav(path);
  ASSERT_EQ(wav.frames, 4000);
  // libsndfile scales by 32767 on write and 1/32768 on read: rounding plus that mismatch stays
  // within two steps.
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(wav.samples[i], x[i], 2.0 / 32768.0);
}

TEST_F(wav_sink, errors_name_the_file) {
  const auto bad = dir_ / "no" / "such" / "dir.wav";
  try {
    wav_writer w(bad, 48000.0, 2);
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), bad.string());
    EXPECT_NE(std::string(e.what()).find("cannot create WAV"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_wav(dir_ / "missing.wav"), input_error);
  const auto junk = write("junk.wav", "not a wav file at all");
  EXPECT_THROW(read_wav(junk), input_error);
}

}  // namespace
