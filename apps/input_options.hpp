#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "beat_detection.hpp"
#include "drivers/recording.hpp"

namespace resonant::apps {

// The options every command that reads a recording shares (analyze, beats, replay).
struct input_options_cli {
  std::string input = "auto";  // auto | rr | beat-times | peaks | ecg | ppg
  std::string signal;          // ecg | ppg (older spelling of --input for waveforms)
  std::string column;
  double rate_hz = 0.0;
  bool invert = false;
  std::string units = "auto";
  bool first_is_offset = false;
  bool strict = false;
};

// Registers --input, --signal, --column, --rate, --invert, --strict and, when rr_options,
// --units and --first-is-offset.
void add_input_options(CLI::App& cmd, input_options_cli& opts, bool rr_options = true);

drivers::open_options to_open_options(const input_options_cli& cli);

// A recording read for analysis: what drivers::open_recording decided (or a session record),
// with its intervals (waveforms: detected beats made into intervals).
struct analysis_input {
  drivers::recording recording;
  drivers::rr_recording rr;
  std::optional<beat_track> beats;  // waveforms
  // Recording time (s after the first sample or the file's time 0) of time 0 of rr.rr: a
  // waveform's intervals count from its first detected beat.
  double origin_s = 0.0;
};

// Opens PATH for the analysis: a Resonant session record (its RR lines, or its samples through the
// detector of its kind), or anything drivers::open_recording reads.
analysis_input open_for_analysis(const std::string& path, const input_options_cli& cli);

// A recording drivers::open_recording (or open_recording_text) returned, made ready for the
// analysis: waveforms go through the beat detector of their kind.
analysis_input analysis_input_of(drivers::recording recording);

}  // namespace resonant::apps
