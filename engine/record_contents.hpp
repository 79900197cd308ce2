#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/session_record.hpp"
#include "engine/session_summary.hpp"

namespace resonant::engine {

// What a session record holds, read back from the file alone: the record is the source of
// truth and the history database an index of records, so a history row can always be made
// (again) from its record.
struct record_contents {
  record_header header;
  std::string mode;         // parameters.session.mode: "session" or "assessment" ("" if absent)
  double planned_s = 0.0;   // baseline + paced + after, from the header's parameters
  double rate_bpm = 0.0;    // the last pacing rate (the header's, then each "pacer" event)
  double recorded_s = 0.0;  // the latest time in the record (data, clock or event line)
  std::int64_t beats = 0;   // intervals scored by the engine over the record
  // The session's own end is in the file (an event "session" "complete" / "ended early");
  // false for a record cut short (disk full, crash).
  bool complete = false;
  bool quit_early = false;
  std::int64_t skipped_lines = 0;
  // The summary over what the record holds: phases from its "phase" / "session" events,
  // metrics from its data through the same session_pipeline the live session used, signal
  // losses from its "signal" events. For a complete record this is the live summary (within
  // the snapshot that the live session's last tick may not have reached).
  session_summary summary;
};

// Reads a record through to its end. Throws std::invalid_argument (bad header, see
// session_record_reader) naming the file.
[[nodiscard]] record_contents read_record_contents(const std::filesystem::path& path);

}  // namespace resonant::engine
