#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "dsp/rr_series.hpp"

namespace resonant::drivers {

enum class rr_units { auto_detect, ms, s };

struct rr_file_options {
  rr_units units = rr_units::auto_detect;
  // PhysioNet RR lists (e.g. nsr2db *_rr_secs.txt) start with the time of the first beat,
  // not an interval.
  bool first_is_offset = false;
};

// A beat-interval recording as read from disk, before any cleaning.
struct rr_recording {
  std::string path;
  std::string kind;                     // "rr" (interval file) or "annotations" (WFDB)
  dsp::rr_series rr;                    // intervals in ms, time axis in s
  std::vector<dsp::beat_label> labels;  // label of the beat ending each interval
  std::string units;        // interval units in the file: "ms", "s", or "samples" (WFDB)
  std::size_t missing = 0;  // NaN / empty entries, kept as gaps
  std::vector<std::string> warnings;
};

// RR interval text files as researchers have them (see docs/ARCHITECTURE.md, "Input"):
// one interval per line or many per line, Kubios / Elite HRV exports, two-column time,rr CSV,
// separators , ; tab space; header and comment lines (#, %, //) skipped. Units detected by
// magnitude (median > 20 means ms) unless given. Throws input_error naming file, line and field.
rr_recording read_rr_file(const std::filesystem::path& path, const rr_file_options& options);

// WFDB beat annotations (MIT format .atr) with the sampling frequency from the record's .hea
// next to it. `path` may name the .atr file or the record (without extension). Non-beat
// annotations are skipped; beat labels are kept. Throws input_error.
rr_recording read_wfdb_annotations(const std::filesystem::path& path);

// Picks the reader from the file name: .atr (or a record with a .atr beside it) -> WFDB,
// anything else -> RR text.
rr_recording read_rr_recording(const std::filesystem::path& path, const rr_file_options& options);

}  // namespace resonant::drivers
