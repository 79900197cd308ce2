#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/input_bytes.hpp"
#include "drivers/kubios_report.hpp"
#include "drivers/rr_recording.hpp"
#include "drivers/signal_recording.hpp"
#include "dsp/input_kind.hpp"

namespace resonant::drivers {

// How to open a recording. Every field left empty is decided from the file.
struct open_options {
  std::optional<dsp::input_kind> input;  // --input; nullopt: decided by the content
  rr_units units = rr_units::auto_detect;
  bool first_is_offset = false;
  bool strict = false;                // bad lines are errors, not gaps
  std::optional<std::string> column;  // CSV column or WFDB lead (name or 0-based index)
  std::optional<double> rate_hz;      // sampling rate of a file without time stamps
  bool invert = false;                // the user says the pulse goes down
  input_limits limits;
};

// What a file holds and how that was decided. Exactly one of `intervals` (rr, beat_times, peaks,
// annotations: converted to intervals) and `signal` (ecg, ppg) is set.
struct recording {
  std::string path;  // printable
  dsp::input_kind kind = dsp::input_kind::rr;
  std::string decided_by;          // one sentence: what was seen, or "--input"
  std::vector<std::string> notes;  // encoding, channel and polarity choices
  std::optional<rr_recording> intervals;
  std::optional<signal_recording> signal;
  bool inverted = false;  // the waveform was negated (by --invert or by the channel choice)
  // A Kubios HRV report read as input: its Parameters block, for the analysis to apply.
  std::optional<kubios_parameters> kubios_settings;
};

// The one door for recordings (analyze, beats, replay, session --source file:). Reads the input
// once (`-` is standard input; pipes and FIFOs work), recognises the format (WFDB record or
// annotations, EDF / EDF+ / BDF, .npy, a Kubios HRV report, text: RR intervals, beat times,
// peak indices, waveform columns, camera PPG; several leads: the best), and
// returns the interpretation with the reason, or throws input_error naming the file, what was
// seen and the option that would resolve it. See recording.cpp for the rules.
recording open_recording(const std::string& path, const open_options& options);

// The text part of open_recording, on bytes already read and decoded (UTF-8): a Kubios report,
// or the table decision (header names, time-column step, the numbers). `name` names the input
// in messages. For tests and fuzzing; throws input_error.
recording open_recording_text(const std::string& text, const std::string& name,
                              const open_options& options);

}  // namespace resonant::drivers
