#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsp/hrv_analysis.hpp"
#include "input_options.hpp"

namespace resonant::apps {

// What `resonant analyze` is asked besides the input: the profile ("kubios", "neurokit"), the
// artefact handling ("" = the profile's, "none", "kubios"), a Kubios report whose Parameters
// block sets the profile, and NAME=VALUE settings applied last, in order.
struct analysis_request {
  std::string profile = "kubios";
  std::string artefacts;
  std::string settings_from;
  std::vector<std::string> set;
};

// The report of `resonant analyze --format json` for an opened input: the profile and its
// settings in this order (the profile, a Kubios report given as input, settings_from, artefacts,
// each NAME=VALUE), the HRV analysis, the report's sections and the input's interpretation.
// The CLI and the Python module both build their reports here, so they agree field by field.
// Throws std::invalid_argument (unknown profile or setting), drivers::input_error (settings
// report) or unusable_data (fewer than 10 usable intervals).
nlohmann::json analysis_report(const analysis_input& in, const analysis_request& request);

// The same for `rr`: the recording's intervals (in.rr) or one segment's (apps/segments). The
// signal quality of a waveform (input.usable_pct, coverage) is added for the whole recording.
nlohmann::json analysis_report(const analysis_input& in, const drivers::rr_recording& rr,
                               const analysis_request& request);

// Segments of one recording (`analyze --segment`, --start, --end). The range gate and the
// artefact correction run once, over the whole recording (dsp::prepare_series: a correction
// judges each interval by its neighbours, which a segment's edge would cut off); a segment is
// a slice of the corrected intervals, analysed as the profile analyses a recording but without
// a second correction (its beat detrending, when the profile has it, over the segment alone).
// So the SDNNs of the 5-minute segments are exactly the terms of the whole analysis's SDNN
// index (dsp::long_term_measures), whatever the profile. A segment's report says so in
// artefacts.method ("kubios, whole recording") and counts the corrected intervals it holds.
struct segment_source {
  drivers::rr_recording rr;                   // the corrected intervals (to slice)
  std::vector<std::uint8_t> corrected_flags;  // per interval of rr: 1 = made or changed
  std::string artefact_method;                // of the whole recording's correction
  nlohmann::json parameters;                  // the request's profile, as a report prints it
};
segment_source prepare_segments(const analysis_input& in, const analysis_request& request);

// The report of one slice of `source.rr` (apps/segments); throws like analysis_report.
nlohmann::json segment_report(const analysis_input& in, const segment_source& source,
                              const drivers::rr_recording& slice, const analysis_request& request);

// An analysis done: the input as read, the profile with every setting applied, the report and
// its JSON (exactly what `analyze --format json` prints). For `resonant report`'s plots.
struct analysis_outcome {
  analysis_input in;
  dsp::analysis_profile profile;
  dsp::hrv_report report;
  nlohmann::json json;
};

// Opens `path` like `analyze` (open_for_analysis) and analyses it (analysis_report's rules).
analysis_outcome run_analysis(const std::string& path, const input_options_cli& input,
                              const analysis_request& request);

// A report with every key a report can have (a waveform's with its signal quality, an
// annotation file's with beat labels): the columns of a cohort table.
nlohmann::json analysis_columns_template(const analysis_request& request);

}  // namespace resonant::apps
