#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/rr_recording.hpp"
#include "dsp/hrv_analysis.hpp"

namespace resonant::apps {

// The report of `resonant analyze` as one JSON object (the schema is in docs/cli.md): input,
// profile, every parameter used, artefacts, time / frequency / nonlinear domains, warnings.
// Metrics that could not be computed are null.
nlohmann::json report_json(const drivers::rr_recording& recording,
                           const dsp::analysis_profile& profile, const dsp::hrv_report& report);

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
