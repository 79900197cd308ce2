#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/channel_info.hpp"
#include "drivers/signal_recording.hpp"

namespace resonant::drivers {

// An EDF+ / BDF+ annotation (a TAL entry of an "EDF Annotations" signal), not the time-keeping
// entries that only date the data records.
struct edf_annotation {
  double onset_s = 0.0;      // seconds after the start date-time of the file
  double duration_s = -1.0;  // seconds; -1 when the annotation has no duration
  std::string text;          // UTF-8
};

// The ordinary signals of an EDF, EDF+ (continuous or discontinuous) or BDF / BDF+ file, in file
// order without the annotation signals (channel index = position). format is "EDF", "EDF+C",
// "EDF+D", "BDF", "BDF+C" or "BDF+D". Throws input_error naming the file.
std::vector<channel_info> edf_channels(const std::filesystem::path& path);

// Reads channel `channel` (0-based, as edf_channels lists them) in physical units (the file's
// physical dimension in `units`): fs_hz = samples per data record / record duration;
// start_time from the header ("YYYY-MM-DDTHH:MM:SS[.fffffff]"); for EDF+D / BDF+D the onsets
// of the data records (first TAL of each record) give `gaps`. options.signal and
// options.invert apply (kind from options.signal, else from the label as for CSV columns).
// Details and errors in edf_reader.cpp.
signal_recording read_edf_channel(const std::filesystem::path& path, std::size_t channel,
                                  const signal_file_options& options);

// True when `head` (the first bytes of a file, at least 8) starts like an EDF ("0" and seven
// spaces) or BDF ("\xFF" "BIOSEMI") header: for content sniffing before a reader is chosen.
bool looks_like_edf(std::string_view head) noexcept;

// The annotations of an EDF+ / BDF+ file, in onset order (none for plain EDF / BDF).
std::vector<edf_annotation> read_edf_annotations(const std::filesystem::path& path);

}  // namespace resonant::drivers
