#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/rr_series.hpp"

namespace resonant::drivers {

enum class rr_units { auto_detect, ms, s };

struct rr_file_options {
  rr_units units = rr_units::auto_detect;
  // PhysioNet RR lists (e.g. nsr2db *_rr_secs.txt) start with the time of the first beat,
  // not an interval.
  bool first_is_offset = false;
  // A bad line (not a number) or an impossible interval (not positive, or longer than an hour)
  // inside the data becomes a gap with a counted warning; strict makes it an error instead.
  bool strict = false;
};

// A data line or value that was not used, and why (first 20 kept, all counted).
struct skipped_line {
  std::size_t line = 0;
  std::string reason;
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
  std::size_t skipped = 0;                  // bad lines and impossible values, kept as gaps
  std::vector<skipped_line> skipped_lines;  // the first 20 of them
  std::string rr_column;                    // the column the intervals came from ("" = all)
  std::string time_column;                  // the column that gave the time axis ("" = none)
};

// The RR reader on text already in memory (`name` names it in messages). read_rr_file reads the
// path through read_input (drivers/input_bytes.hpp) and calls this.
rr_recording read_rr_text(std::string_view text, const std::string& name,
                          const rr_file_options& options);

// The most intervals one recording may hold: the analysis needs about 320 bytes per interval at
// its peak (the 4 Hz resampled series and its spectra), so 5e6 intervals (58 days at 60 bpm)
// stay under 2 GB. A file with more values is refused before they are stored.
inline constexpr std::size_t max_rr_values = 5'000'000;

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
