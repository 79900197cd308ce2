#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/session_history.hpp"

namespace resonant::apps {

// The session records are the source of truth; the history database is an index of them.
// A row that could not be written when its session ended (database locked, damaged, disk
// full) is made again from the record: `resonant history` adds the records it does not know,
// `resonant history --rebuild` makes a new database from all of them.

// The time now, UTC, in strftime's `format` ("%Y%m%dT%H%M%SZ" for file names).
[[nodiscard]] std::string utc_now(const char* format);

// <data dir>/sessions, where the records are (record names: session-<UTC stamp>[-N].rsn,
// assessment-<UTC stamp>[-N].rsn).
[[nodiscard]] std::filesystem::path records_dir(const std::filesystem::path& data_dir);

// The session records (not assessments) in the records directory, oldest name first.
[[nodiscard]] std::vector<std::filesystem::path> session_records(
    const std::filesystem::path& data_dir);

// The history row of a record, from the record alone (engine::read_record_contents).
// Throws std::invalid_argument for a file that is not a session record.
[[nodiscard]] session_row row_from_record(const std::filesystem::path& record);

struct index_result {
  int added = 0;
  std::vector<std::string> problems;  // "FILE: why" for records that could not be read
};

// Adds a row for every session record the database does not know (by file name).
index_result add_unknown_records(session_history& history, const std::filesystem::path& data_dir);

// Moves a damaged (or any) database aside to history.sqlite.damaged-<UTC stamp> (with its
// journal), makes a new one, copies the resonance rates the old one still yields, and adds a
// row for every session record. Returns the new database's report and the name the old file
// was kept under (empty when there was none).
struct rebuild_result {
  index_result index;
  std::filesystem::path kept_as;
  int resonance_rates_kept = 0;
};
rebuild_result rebuild_history(const std::filesystem::path& data_dir);

}  // namespace resonant::apps
