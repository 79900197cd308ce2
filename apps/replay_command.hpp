#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/metric_snapshot.hpp"
#include "input_options.hpp"

namespace resonant::apps {

// Registers `resonant replay FILE [--speed 1|N|max] [--format csv|jsonl] [--out PATH]`:
// streams a recording (RR file, WFDB annotations or record, ECG / PPG signal file, or a
// Resonant session record) through the real-time engine and writes the metric stream, one
// row per snapshot. Output is byte-identical at every speed and block size.
void add_replay_command(CLI::App& app);

// What a replay does with the stream. Every hook may be empty.
struct replay_hooks {
  std::function<void()> opened;                  // the input is open, before the first row
  std::function<void(double data_time_s)> wait;  // before data of that time goes in (pacing)
  std::function<void(const engine::metric_snapshot&)> row;
  std::function<void(double time_s, const std::string& type, const std::string& detail)> event;
  std::function<void(double fraction, double stream_s)> progress;
  std::ostream* log = nullptr;  // how the input was read, skipped lines
};

// The replay without its output: opens PATH (a session record, or anything
// drivers::open_recording reads), streams it through the engine's session_pipeline in blocks of
// `block` samples and calls the hooks. `resonant replay` and the Python module's replay() both
// run this. Throws like open_recording, and std::invalid_argument when block is 0.
void replay_recording(const std::string& path, const input_options_cli& input, std::size_t block,
                      const replay_hooks& hooks);

}  // namespace resonant::apps
