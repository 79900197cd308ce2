#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "beat_detection.hpp"
#include "drivers/rr_recording.hpp"
#include "dsp/hrv_analysis.hpp"

namespace resonant::apps {

// The report of `resonant analyze` as one JSON object (the schema is in docs/cli.md): input,
// profile, every parameter used, artefacts, time / frequency / nonlinear domains, warnings.
// Metrics that could not be computed are null.
nlohmann::json report_json(const drivers::rr_recording& recording,
                           const dsp::analysis_profile& profile, const dsp::hrv_report& report);

// A metric needs at least this share of its window to be usable signal; below it is null.
constexpr double min_usable_pct = 50.0;

// Signal quality of a waveform's beats into the report: input.usable_pct, input.recorded_s,
// input.usable_s, input.quality (method, windows, why windows failed, the unusable stretches
// on the recording's time axis with their reason) and `coverage`, the
// usable share of each metric's window with the reason when the metric is withheld. Every
// metric of the report covers the whole recording, so they share the recording's share; under
// min_usable_pct every metric is set to null (with a warning naming the reason).
void add_signal_quality(nlohmann::json& report, const beat_track& track);

// Human-readable table of the same report.
void write_table(std::ostream& out, const nlohmann::json& report);

// Nested objects as (a.b.c, value) pairs in document order.
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::pair<std::string, nlohmann::json>>& out);

// One CSV field: null empty, strings quoted when needed, arrays joined by "; ".
std::string csv_field(const nlohmann::json& v);

// One header line and one value line; column names are the JSON paths (section.key).
void write_csv(std::ostream& out, const nlohmann::json& report);

}  // namespace resonant::apps
