#pragma once

#include <cstddef>
#include <string>

namespace resonant::drivers {

// One channel (lead, signal) of a multi-channel recording file, as its header describes it,
// before any sample is read: what a user can choose from (`--column`) and what a reader will
// allocate (sample_count is checked against max_signal_samples before).
struct channel_info {
  std::string name;              // WFDB description / EDF label, trimmed
  std::string units;             // physical units ("mV", "uV"); "" when the file says none
  double fs_hz = 0.0;            // samples per second of this channel
  std::size_t sample_count = 0;  // samples of this channel in the file (WFDB FLAC without
                                 // nsamples in the header: 0, unknown before decoding)
  std::string format;            // "WFDB 212", "WFDB 516", "EDF", "EDF+C", "EDF+D", "BDF", ...
};

}  // namespace resonant::drivers
