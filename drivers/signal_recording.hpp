#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/input_kind.hpp"
#include "dsp/rr_series.hpp"

namespace resonant::drivers {

// A stretch of a waveform recording that holds no samples.
struct signal_gap {
  std::size_t at = 0;    // index of the first sample after the gap
  double seconds = 0.0;  // recording time missing before samples[at]
};

// A uniformly sampled waveform read from disk.
struct signal_recording {
  std::string path;
  // ecg or ppg; nullopt when neither the file nor the options say.
  std::optional<dsp::input_kind> kind;
  std::string column;  // the column or WFDB lead that was read
  std::string units;   // physical units of the samples when the file says ("mV" in WFDB)
  double fs_hz = 0.0;
  std::vector<double> samples;
  // Gaps inside the recording (EDF+D records, empty cells, NaN, time-stamp jumps, dropouts).
  // The samples of a gap are not stored: gap {at, seconds} means that samples[at] comes
  // `seconds` of recording time after samples[at - 1] + 1 / fs_hz, so the time of sample i is
  // i / fs_hz plus the seconds of every gap with at <= i. A detector restarts at `at` and no
  // interval spans a gap. Sorted by `at`, strictly increasing, 0 < at < samples.size().
  std::vector<signal_gap> gaps;
  // Set when the file had uneven time stamps and was resampled onto the uniform grid.
  std::optional<double> source_mean_rate_hz;
  std::vector<std::string> warnings;
  std::optional<std::string> start_time;  // ISO 8601 local date-time from the file header
};

// The most samples a reader allocates for one channel (1.6 GB of doubles; 23 days at 100 Hz,
// 6.4 days at 360 Hz). A file that declares more is refused before anything is allocated.
constexpr std::size_t max_signal_samples = 200'000'000;

struct signal_file_options {
  std::optional<std::string> column;       // CSV column name or WFDB lead name / 0-based index
  std::optional<double> rate_hz;           // for files without a rate (one column, no time)
  std::optional<std::string> signal;       // "ecg" or "ppg" when the file does not say
  bool invert = false;                     // pulse goes down (camera PPG red channel)
  double resample_hz = 100.0;              // target rate for unevenly time-stamped files
  std::optional<std::size_t> time_column;  // 0-based; default: a column named like time
  bool strict = false;                     // a bad line is an error instead of a gap
};

// options.signal as a kind (nullopt when not given); anything but ecg / ppg (any case) is an
// input_error naming `name`. Shared by the CSV, WFDB and EDF readers.
std::optional<dsp::input_kind> requested_kind(const signal_file_options& options,
                                              const std::string& name);

// Signal files (details in signal_file_reader.cpp):
//  - CSV / text with a header: the column is options.column (name, case-insensitive, or 0-based
//    index), else the only value column, else the first column named like the options.signal
//    kind (ECG, MLII, II, V5, ... / PPG, PLETH, BVP, R, G, B, ...), else the only kind present;
//    otherwise an error listing the columns. Without a time column the rate is options.rate_hz
//    (required).
//  - One column without a header: options.rate_hz required.
//  - Time-stamped CSV (a column time / timer / timestamp / t, in ms or s by its header or by the
//    median step, > 5 means ms): linearly resampled to options.resample_hz;
//    source_mean_rate_hz set; non-increasing time stamps dropped and steps over max(0.25 s, 5 x the
//    median step) kept as gaps, both with warnings.
//  - WFDB records (the record, .hea, .dat or challenge .mat path; read_wfdb_signal in
//    wfdb_record.hpp): physical units from gain and baseline; lead by options.column
//    (description or 0-based index), default the first; invalid samples become gaps.
// kind = options.signal, else from the column or lead name, else "". options.invert negates.
// Throws input_error naming file, line (where there is one) and field.
signal_recording read_signal_file(const std::filesystem::path& path,
                                  const signal_file_options& options);

// The text part of read_signal_file on text already in memory (`name` names it in messages).
// Empty cells, NaN and bad lines become gaps (signal_recording::gaps; options.strict: errors);
// time-stamp steps over max(0.25 s, 5 x the median step) are gaps, never bridged.
signal_recording read_signal_text(std::string_view text, const std::string& name,
                                  const signal_file_options& options);

// True when the path looks like a waveform rather than beat intervals: options that only make
// sense for signals (rate, column, signal kind); a .hea or .dat path; a record name with a .hea
// and no .atr beside it (with a .atr the annotations are read unless options ask for the
// signal); a text file whose first line names a signal column (ECG, PPG, R/G/B, ...) or a time
// column and no interval column (rr, ibi, nn, interval).
bool is_signal_file(const std::filesystem::path& path, const signal_file_options& options);

// Expert beat annotations of a WFDB record at absolute sample indices of the record (the
// first beat of MIT-BIH 100 is at sample 77; the '+' rhythm annotation at 18 is not a beat).
// `atr_or_record` names the .atr or the record; fs_hz comes from the .hea beside it. Same
// parser and errors as read_wfdb_annotations (wfdb_annotations.cpp); no beats is not an error.
struct wfdb_beats {
  double fs_hz = 0.0;
  std::vector<std::int64_t> samples;
  std::vector<dsp::beat_label> labels;
};
wfdb_beats read_wfdb_beats(const std::filesystem::path& atr_or_record);

}  // namespace resonant::drivers
