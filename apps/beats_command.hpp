#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant beats FILE [--input ecg|ppg] [--column NAME] [--rate HZ] [--invert]`:
// one detected beat per line as CSV `sample,time_s,quality` (sample 0-based in the file's
// own rate; resampled files report samples of the uniform grid; time_s counts the recording's
// gaps).
void add_beats_command(CLI::App& app);

}  // namespace resonant::apps
