#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis_run.hpp"
#include "input_options.hpp"
#include "segments.hpp"

namespace resonant::apps {

// ---------------------------------------------------------------------------------------------
// A cohort: `resonant analyze` over many recordings (and / or segments), one table out. A layer
// around the single-recording analysis of analyze_command.cpp, which it reaches only through
// `recording_analyzer`.
//
// Rows are sorted by path (then segment) whatever the number of threads: workers take the
// recordings in path order, each analysis independent; the writer prints a recording's rows as
// soon as every earlier recording is printed. A worker does not start a recording more than
// 2 x jobs ahead of the writer, so at most that many recordings (their rows, as text) are held:
// peak memory is that of `jobs` analyses, whatever the cohort's size. A recording that cannot be
// read or analysed is a row with its status and the one-line reason; nothing stops the cohort.
// ---------------------------------------------------------------------------------------------

// Files, folders (recursively; a WFDB record's .hea / .dat / .atr are one record) and globs, as
// one sorted list of paths. A name that does not exist is kept (its row says so). Throws
// std::invalid_argument for a glob or folder that names no file, or "-" among several inputs.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs);

// How one recording is opened and analysed.
struct recording_analyzer {
  std::function<analysis_input(const std::string& path)> open;
  // The report of a recording, or of one segment of it (its intervals in `rr`); throws
  // unusable_data when they cannot give an analysis.
  std::function<nlohmann::json(const analysis_input& in, const drivers::rr_recording& rr)> report;
  // Segments: the recording made ready once, and the report of one slice of it
  // (analysis_run's prepare_segments and segment_report).
  std::function<segment_source(const analysis_input& in)> prepare_segments;
  std::function<nlohmann::json(const analysis_input& in, const segment_source& source,
                               const drivers::rr_recording& slice)>
      segment_report;
  // A report holding every key any report can have (values null): the table's columns.
  nlohmann::json columns_template;
};

struct cohort_options {
  std::vector<std::string> paths;  // expand_inputs
  std::string format = "csv";      // csv | jsonl
  unsigned jobs = 1;
  segment_request segments;  // not active: a row per recording
  bool progress = false;     // a progress bar on stderr
};

// Writes the table to `out`; returns how many recordings were not analysed (no row of theirs
// has status ok).
std::size_t run_cohort(const cohort_options& options, const recording_analyzer& analyzer,
                       std::ostream& out);

}  // namespace resonant::apps
