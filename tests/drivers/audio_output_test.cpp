// The real PortAudio stream, played into an ALSA "file" device (no sound card needed):
// ALSA_CONFIG_PATH points at a configuration written by the test whose PCM is a plug
// (float32 -> S16_LE) in front of a file plugin writing a WAV and a null sink. The null device
// does not pace, so the stream runs many times faster than real time; the sound is rendered
// from the frame counter, so it is the same. See shared notes drivers-audio.md section 5.
#include "drivers/audio_output.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "drivers/wav_sink.hpp"
#include "engine/breath_synth.hpp"
#include "support/cue_analysis.hpp"
#include "support/scratch_dir.hpp"

namespace {

using resonant::drivers::audio_error;
using resonant::drivers::audio_output;
using resonant::drivers::audio_output_config;
using resonant::drivers::audio_sink_kind;
using resonant::drivers::parse_audio_spec;
using resonant::drivers::render_adapter;
using resonant::drivers::resolve_audio_spec;
using resonant::engine::breath_phase;
using resonant::engine::breath_synth;
using resonant::engine::pacer;
using resonant::engine::synth_config;
namespace fs = std::filesystem;
namespace rt = resonant::test;

std::string wavtap(const fs::path& wav) {
  return "{\n"
         "  type plug\n"
         "  slave {\n"
         "    pcm { type file  slave.pcm { type null }  file \"" +
         wav.string() +
         "\"  format \"wav\" }\n"
         "    format S16_LE\n"
         "    rate 48000\n"
         "    channels 2\n"
         "  }\n"
         "}\n";
}

class audio_output_alsa : public rt::scratch_dir_test {
 protected:
  void SetUp() override {
    scratch_dir_test::SetUp();
    ::setenv("JACK_NO_START_SERVER", "1", 1);
  }
  void TearDown() override {
    ::unsetenv("ALSA_CONFIG_PATH");
    scratch_dir_test::TearDown();
  }
  // Only our file: PortAudio then sees exactly one device, "default".
  void use_default_wavtap(const fs::path& wav) {
    const auto conf = write("asound-wavtap.conf", "pcm.!default " + wavtap(wav));
    ::setenv("ALSA_CONFIG_PATH", conf.c_str(), 1);
  }
  // The system configuration plus a named PCM "wavtap".
  bool use_named_wavtap(const fs::path& wav) {
    const fs::path system = "/usr/share/alsa/alsa.conf";
    if (!fs::exists(system)) return false;
    const auto conf = write("extra.conf", "pcm.wavtap " + wavtap(wav));
    const std::string path = system.string() + ":" + conf.string();
    ::setenv("ALSA_CONFIG_PATH", path.c_str(), 1);
    return true;
  }
  void skip_unless_alsa_works() {
    if (audio_output::output_devices().empty())
      GTEST_SKIP() << "PortAudio sees no ALSA device even with the file-plugin configuration "
                      "(ALSA plugins unavailable)";
  }

  // Plays `seconds` of cue through the stream and returns the WAV the ALSA file plugin wrote.
  resonant::drivers::wav_data play(const std::string& device, const fs::path& wav, double seconds,
                                   std::int64_t* underruns = nullptr) {
    synth_config c;
    c.volume = 1.0;
    breath_synth synth(c, pacer{});
    render_adapter<breath_synth> source(synth);
    {
      audio_output_config oc;
      oc.device = device;
      audio_output out(oc, source);
      EXPECT_TRUE(out.active());
      const auto target = static_cast<std::int64_t>(seconds * 48000.0);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (synth.frames_rendered() < target && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      out.stop();
      EXPECT_GE(out.frames_rendered(), target);
      EXPECT_EQ(out.frames_rendered(), synth.frames_rendered());
      if (underruns != nullptr) *underruns = out.underruns();
    }
    EXPECT_EQ(synth.clipped_samples(), 0);
    return resonant::drivers::read_wav(wav);
  }

  static void expect_cue(const resonant::drivers::wav_data& w, double seconds) {
    ASSERT_EQ(w.channels, 2);
    ASSERT_EQ(w.sample_rate_hz, 48000.0);
    ASSERT_GE(static_cast<double>(w.frames), seconds * 48000.0 * 0.99);
    const auto left = w.channel(0);
    float peak = 0.0f;
    for (const float v : w.samples) peak = std::max(peak, std::abs(v));
    EXPECT_LE(peak, 1.0f);
    EXPECT_GT(peak, 0.2f);
    const auto pitch = rt::pitch_track(left, 48000.0, 0.02);
    const auto lung = rt::lung_from_pitch(pitch, 220.0, 7.0);
    // Rising mid-inhale crossings at 2, 12, 22, 32 s: the period of the cue as played.
    EXPECT_NEAR(rt::mean_period(rt::crossings(lung, 0.5, true, 1.0)), 10.0, 0.05);
    EXPECT_NEAR(rt::inhale_share(lung, 1.0), 0.40, 0.01);
    // Pitch goes up in the inhale, down in the exhale.
    const pacer p;
    int agree = 0, disagree = 0;
    for (std::size_t k = 1; k < pitch.value.size(); ++k) {
      const auto st = p.at((static_cast<double>(k) + 0.5) * pitch.dt_s);
      if (st.progress < 0.1 || st.progress > 0.9) continue;
      const double d = pitch.value[k] - pitch.value[k - 1];
      const bool up = st.phase == breath_phase::inhale;
      ((up ? d > 0 : d < 0) ? agree : disagree)++;
    }
    EXPECT_GT(agree, 1000);
    EXPECT_LE(disagree, agree / 100);
  }
};

TEST_F(audio_output_alsa, default_device_plays_the_cue_into_the_file) {
  const auto wav = dir_ / "default.wav";
  use_default_wavtap(wav);
  skip_unless_alsa_works();
  std::int64_t underruns = -1;
  const auto w = play("", wav, 34.0, &underruns);
  expect_cue(w, 34.0);
  EXPECT_GE(underruns, 0);  // counted (the null device never starves, so usually 0)
}

TEST_F(audio_output_alsa, named_device_plays_the_cue_into_the_file) {
  const auto wav = dir_ / "named.wav";
  if (!use_named_wavtap(wav)) GTEST_SKIP() << "no /usr/share/alsa/alsa.conf";
  skip_unless_alsa_works();
  const auto names = audio_output::output_devices();
  ASSERT_NE(std::find(names.begin(), names.end(), "wavtap"), names.end());
  expect_cue(play("wavtap", wav, 34.0), 34.0);
}

TEST_F(audio_output_alsa, a_missing_device_is_an_error_naming_it) {
  use_default_wavtap(dir_ / "unused.wav");
  skip_unless_alsa_works();
  breath_synth synth(synth_config{}, pacer{});
  render_adapter<breath_synth> source(synth);
  audio_output_config oc;
  oc.device = "no-such-card";
  try {
    audio_output out(oc, source);
    FAIL() << "opened a device that does not exist";
  } catch (const audio_error& e) {
    EXPECT_EQ(e.device(), "no-such-card");
    const std::string msg = e.what();
    EXPECT_NE(msg.find("\"no-such-card\" not found"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"default\""), std::string::npos) << msg;  // lists what exists
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
}

// The stock ALSA configuration on a machine without a sound card: no default device.
// (An empty ALSA configuration is not used: PortAudio 19.6 asserts in BuildDeviceList on it.)
TEST_F(audio_output_alsa, no_sound_card_is_an_error_not_a_crash) {
  const fs::path system = "/usr/share/alsa/alsa.conf";
  if (!fs::exists(system)) GTEST_SKIP() << "no /usr/share/alsa/alsa.conf";
  ::setenv("ALSA_CONFIG_PATH", system.c_str(), 1);
  if (!audio_output::output_devices().empty()) GTEST_SKIP() << "this machine has a sound card";
  breath_synth synth(synth_config{}, pacer{});
  render_adapter<breath_synth> source(synth);
  try {
    audio_output out(audio_output_config{}, source);
    FAIL() << "opened a default device on a machine without one";
  } catch (const audio_error& e) {
    EXPECT_NE(std::string(e.what()).find("no default audio output device"), std::string::npos)
        << e.what();
  }
}

TEST(audio_spec, parses_every_form) {
  EXPECT_EQ(parse_audio_spec("off").kind, audio_sink_kind::off);
  const auto def = parse_audio_spec("default");
  EXPECT_EQ(def.kind, audio_sink_kind::device);
  EXPECT_TRUE(def.device.empty());
  const auto wav = parse_audio_spec("wav:/tmp/a b.wav");
  EXPECT_EQ(wav.kind, audio_sink_kind::wav);
  EXPECT_EQ(wav.wav_path, "/tmp/a b.wav");
  const auto dev = parse_audio_spec("device:hw:0,0");
  EXPECT_EQ(dev.kind, audio_sink_kind::device);
  EXPECT_EQ(dev.device, "hw:0,0");
  EXPECT_THROW(parse_audio_spec("wav:"), std::invalid_argument);
  EXPECT_THROW(parse_audio_spec("speaker"), std::invalid_argument);
  EXPECT_THROW(parse_audio_spec("device:"), std::invalid_argument);
}

TEST(audio_spec, audio_device_option_combines_with_audio) {
  EXPECT_EQ(resolve_audio_spec("default", "wavtap").device, "wavtap");
  EXPECT_EQ(resolve_audio_spec("device:wavtap", "wavtap").device, "wavtap");
  EXPECT_EQ(resolve_audio_spec("wav:x.wav", "").kind, audio_sink_kind::wav);
  EXPECT_THROW(resolve_audio_spec("off", "wavtap"), std::invalid_argument);
  EXPECT_THROW(resolve_audio_spec("wav:x.wav", "wavtap"), std::invalid_argument);
  EXPECT_THROW(resolve_audio_spec("device:a", "b"), std::invalid_argument);
}

}  // namespace
