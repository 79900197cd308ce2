#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/channel_info.hpp"
#include "drivers/signal_recording.hpp"

namespace resonant::drivers {

// One signal line of a WFDB header (header(5)):
// "file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval
// [checksum [blocksize [description]]]]]]]".
struct wfdb_signal_spec {
  std::string file_name;
  unsigned format = 0;                // 8, 16, 61, 80, 160, 212, 310, 311, 508, 516, 524
  std::size_t samples_per_frame = 1;  // the "xN" suffix
  std::int64_t skew = 0;              // the ":N" suffix (samples; ignored, with a warning)
  std::size_t byte_offset = 0;        // the "+N" suffix
  double gain = 200.0;                // ADC units per physical unit (0 or missing: 200)
  double baseline = 0.0;              // ADC value of physical 0 (missing: adc_zero)
  std::string units = "mV";           // missing: mV
  double adc_zero = 0.0;
  std::optional<std::int64_t> initial;  // first sample (format 8: the start of the sums)
  std::optional<std::int64_t> checksum;
  std::string description;  // "record signal N" when missing
  std::size_t line = 0;     // line number in the .hea
};

// A WFDB header: record line "name[/nseg] nsig [fs[/counter[(base)]] [nsamples [base_time
// [base_date]]]]" and one line per signal. Comment lines ('#') are kept in `comments`.
struct wfdb_header {
  std::string record_name;
  double fs_hz = 250.0;                  // frames per second; missing: 250
  std::optional<std::int64_t> frames;    // samples per signal (frames); missing or 0: unset
  std::optional<std::string> base_time;  // "HH:MM:SS[.s]" as written
  std::optional<std::string> base_date;  // "DD/MM/YYYY" as written
  std::vector<wfdb_signal_spec> signals;
  std::vector<std::string> comments;  // text after '#', trimmed, in file order
};

// Limits the header parser enforces (a header outside them is refused, not trusted).
constexpr double wfdb_min_fs_hz = 1e-3;         // fs must be finite, >= this
constexpr double wfdb_max_fs_hz = 1e6;          // and < this
constexpr std::size_t wfdb_max_signals = 4096;  // nsig
constexpr std::size_t wfdb_max_samples_per_frame = 1000;

// Parses a header's text; `file` names it in errors (input_error with the line). Checks every
// number's range: fs finite in [0.001, 1e6), nsig <= wfdb_max_signals, nsamples >= 0 and no more
// than max_signal_samples, gains finite and >= 0, samples per frame 1..1000, base_time and
// base_date of the forms above.
wfdb_header parse_wfdb_header(std::string_view text, const std::string& file);

// The record line only (name, fs, frames, base time and date; comments), with the same checks:
// for readers that need the record's clock but not its signals (annotations). A missing signal
// count is accepted here.
wfdb_header parse_wfdb_record_line(std::string_view text, const std::string& file);

// Reads and parses the .hea of a record path (record, .hea, .dat or .mat given).
wfdb_header read_wfdb_header(const std::filesystem::path& record_or_file);

// The record path without a .hea / .dat / .mat extension.
std::filesystem::path wfdb_record_base(const std::filesystem::path& path);

// A .hea or .dat path, or a path without extension or with .mat that has a .hea beside it.
bool is_wfdb_path(const std::filesystem::path& path);

// The signals of the record, in header order (channel index = position).
std::vector<channel_info> wfdb_channels(const std::filesystem::path& record_or_file);

// Reads signal `channel` (0-based, header order) in physical units. options.signal,
// options.invert apply; options.column is not used. Details and errors in wfdb_record.cpp.
signal_recording read_wfdb_channel(const std::filesystem::path& record_or_file, std::size_t channel,
                                   const signal_file_options& options);

// Reads the lead options.column names (description, case-insensitive, or 0-based index);
// default the first signal.
signal_recording read_wfdb_signal(const std::filesystem::path& record_or_file,
                                  const signal_file_options& options);

}  // namespace resonant::drivers
