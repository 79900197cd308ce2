#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant replay FILE [--speed 1|N|max] [--format csv|jsonl] [--out PATH]`:
// streams a recording (RR file, WFDB annotations or record, ECG / PPG signal file, or a
// Resonant session record) through the real-time engine and writes the metric stream, one
// row per snapshot. Output is byte-identical at every speed and block size.
void add_replay_command(CLI::App& app);

}  // namespace resonant::apps
