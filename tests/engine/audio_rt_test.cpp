// Real-time safety of the audio path, tested rather than stated: this executable links
// support/counting_allocator.cpp, which counts the allocations made while the current thread is
// inside a watched region (the render callback, the control setters, the streaming updates).
// Any allocation or free there fails the test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <thread>
#include <vector>

#include "drivers/audio_output.hpp"
#include "engine/breath_synth.hpp"
#include "engine/feedback_score.hpp"
#include "engine/resonance_assessment.hpp"
#include "support/counting_allocator.hpp"
#include "support/scratch_dir.hpp"

using resonant::test::watched;

namespace {

using resonant::engine::breath_synth;
using resonant::engine::cue_sound;
using resonant::engine::feedback_mode;
using resonant::engine::pacer;
using resonant::engine::synth_config;

// Wraps a renderer so that everything inside the callback is watched.
template <class Source>
class watched_renderer final : public resonant::drivers::audio_renderer {
 public:
  explicit watched_renderer(Source& s) : source_(s) {}
  void render(std::span<float> out, std::size_t frames) noexcept override {
    const watched w;
    source_.render(out, frames);
  }

 private:
  Source& source_;
};

void reset_counts() {
  resonant::test::reset_allocation_counts();
}

TEST(audio_rt, the_counter_sees_allocations) {
  reset_counts();
  {
    const watched w;
    std::vector<int> v(100);
    v[3] = 1;
  }
  EXPECT_EQ(resonant::test::allocations.load(), 1);
  EXPECT_EQ(resonant::test::frees.load(), 1);
}

TEST(audio_rt, render_and_control_allocate_nothing_after_start) {
  synth_config cfg;
  cfg.ticks = true;
  pacer control;
  breath_synth synth(cfg, control);  // construction may allocate; nothing after it may
  watched_renderer<breath_synth> cb(synth);
  std::vector<float> buf(256 * 2);
  reset_counts();
  for (int b = 0; b < 48000 * 60 / 256; ++b) {
    const double t = synth.time_s();
    {
      const watched w;  // the control side's calls are allocation-free too
      if (b % 400 == 0) {
        control.set_rate(4.5 + (b / 400 % 5) * 0.5, t);
        synth.set_pacer(control);
      }
      if (b % 500 == 0) {
        synth.play(cue_sound::motif);
        synth.play(cue_sound::level_up);
        synth.play(cue_sound::level_down);
      }
      if (b % 700 == 0) {  // the session's guidance: earcons and the rest layer
        synth.play(cue_sound::session_start);
        synth.play(cue_sound::pacing_next);
        synth.play(cue_sound::end_rested);
        synth.play(cue_sound::end_neutral);
      }
      synth.set_rest_layer((b / 900) % 3 * 0.5);
      synth.set_score((b % 1000) / 1000.0);
      synth.set_signal_lost(b % 3000 > 2500);
      synth.set_mode(b % 7000 > 5000 ? feedback_mode::quiet : feedback_mode::continuous);
      synth.set_volume(0.5 + 0.5 * ((b / 100) % 2));
    }
    cb.render(buf, 256);
  }
  synth.stop();
  for (int b = 0; b < 1000; ++b) cb.render(buf, 256);  // fade-out and the earcons ring out
  EXPECT_TRUE(synth.finished());
  EXPECT_EQ(resonant::test::allocations.load(), 0);
  EXPECT_EQ(resonant::test::frees.load(), 0);
}

TEST(audio_rt, streaming_feedback_and_assessment_allocate_nothing) {
  resonant::engine::feedback_score score;
  resonant::engine::resonance_assessment assessment;
  pacer p;
  reset_counts();
  {
    const watched w;
    for (int i = 0; i < 700; ++i) {
      const double t = i * 0.9;
      resonant::engine::metric_snapshot m;
      m.time_s = t;
      m.beat = true;
      m.rsa_bpm = 5.0 + (i % 10);
      m.coherence = 1.0;
      m.missing_pct = 0.0;
      (void)score.update(m);
      assessment.add_beat(resonant::dsp::rr_event{t, 900.0, false}, p);
    }
  }
  EXPECT_EQ(resonant::test::allocations.load(), 0);
  EXPECT_EQ(resonant::test::frees.load(), 0);
}

class audio_rt_stream : public resonant::test::scratch_dir_test {};

// The same through the real PortAudio callback thread (ALSA file device, see
// tests/drivers/audio_output_test.cpp): the renderer runs watched inside the callback.
TEST_F(audio_rt_stream, the_portaudio_callback_allocates_nothing) {
  const auto wav = dir_ / "rt.wav";
  const auto conf =
      write("asound.conf",
            "pcm.!default { type plug slave { pcm { type file slave.pcm { type null } "
            "file \"" +
                wav.string() + "\" format \"wav\" } format S16_LE rate 48000 channels 2 } }\n");
  ::setenv("ALSA_CONFIG_PATH", conf.c_str(), 1);
  ::setenv("JACK_NO_START_SERVER", "1", 1);
  if (resonant::drivers::audio_output::output_devices().empty())
    GTEST_SKIP() << "PortAudio sees no ALSA device (ALSA plugins unavailable)";
  synth_config cfg;
  cfg.ticks = true;
  breath_synth synth(cfg, pacer{});
  synth.set_score(0.9);
  watched_renderer<breath_synth> cb(synth);
  reset_counts();
  {
    resonant::drivers::audio_output out(resonant::drivers::audio_output_config{}, cb);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (synth.frames_rendered() < 48000 * 20 && std::chrono::steady_clock::now() < give_up) {
      synth.play(cue_sound::level_up);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    out.stop();
  }
  ::unsetenv("ALSA_CONFIG_PATH");
  EXPECT_GE(synth.frames_rendered(), 48000 * 20);
  EXPECT_EQ(resonant::test::allocations.load(), 0);
  EXPECT_EQ(resonant::test::frees.load(), 0);
}

}  // namespace
