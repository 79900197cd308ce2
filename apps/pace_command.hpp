#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "drivers/audio_output.hpp"

namespace resonant::apps {

// Registers `resonant pace [--rate R] [--ratio 4:6] [--minutes M] [--hold-in S] [--hold-out S]
// [--force] [--ticks] [--audio off|default|wav:FILE|device:NAME] [--audio-device NAME]
// [--volume V] [--realtime]`: the breathing pacer alone, with sound and a terminal cue, for use
// without a sensor.
//
// Timing: with a sound device the cue follows the device's frame counter; with --audio off it
// follows the steady clock; with --audio wav:FILE the sound is rendered as fast as possible
// (the file is the same either way) unless --realtime is given. Terminal: on a TTY one
// updating line (a bar growing on "in", shrinking on "out"); otherwise one plain line per phase
// ("12.0 s  inhale  4.0 s"). Ctrl-C fades the sound out and ends normally.
void add_pace_command(CLI::App& app);

// Sound options shared by the commands that make sound (pace, later session).
struct audio_options_cli {
  std::string audio = "default";  // off | default | wav:FILE | device:NAME
  std::string device;             // --audio-device NAME
  double volume = 0.8;            // 0..1
};
void add_audio_options(CLI::App& cmd, audio_options_cli& opts);

// Opens the PortAudio device the spec names (spec.kind must be device). When it cannot be
// opened, prints one line "resonant: audio: <reason>; continuing without sound" on stderr and
// returns nullptr: a session never fails for want of a sound card.
std::unique_ptr<drivers::audio_output> open_audio_or_warn(const drivers::audio_spec& spec,
                                                          drivers::audio_renderer& renderer,
                                                          double sample_rate_hz, int channels);

}  // namespace resonant::apps
