#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analyze_command.hpp"
#include "session_history.hpp"

namespace resonant::apps {

// The data behind a report page (`resonant report`), one JSON object that web/report.js
// draws. Every kind carries "report" (analysis | session | history) and "title". Long series
// are thinned for the page (each says how): the numbers shown are never computed from them.

// An analysis: "analysis" is exactly the JSON of `analyze --format json`; then the analysed
// tachogram (corrected intervals and gaps flagged), the intervals the range gate excluded, the
// spectra, the TINN triangle, the streaming engine's time-varying metrics over the same
// intervals, and for waveforms the signal (min / max per bucket beyond 400 000 samples) with
// the detected beats.
nlohmann::json analysis_report_data(const analysis_outcome& outcome);

// A session record: header, events (phases, pacer rate, signal), the metric stream of a replay
// through the engine, the pacer's breath cycles, and the summary the session would give.
nlohmann::json session_report_data(const std::string& record_path);

// The history: each session's phases over days (history_json) and the resonance rate.
nlohmann::json history_report_data(const std::vector<session_row>& rows,
                                   std::optional<double> resonance_rate_bpm);

}  // namespace resonant::apps
