#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant beats FILE [--signal ecg|ppg] [--column NAME] [--rate HZ] [--invert]`:
// one detected beat per line as CSV `sample,time_s,quality` (sample 0-based in the file's
// own rate; resampled files report samples of the uniform grid).
void add_beats_command(CLI::App& app);

// Options shared by the commands that read waveform files.
struct signal_options_cli {
  std::string signal;
  std::string column;
  double rate_hz = 0.0;
  bool invert = false;
};
void add_signal_options(CLI::App& cmd, signal_options_cli& opts);

}  // namespace resonant::apps
