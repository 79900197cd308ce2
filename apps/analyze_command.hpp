#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dsp/hrv_analysis.hpp"
#include "input_options.hpp"

namespace resonant::apps {

// What an analysis is asked for: the input and every setting (shared by analyze and report).
struct analysis_request {
  std::string path;
  std::string profile = "kubios";
  std::string artefacts;  // empty: the profile's choice
  input_options_cli input;
  std::vector<std::string> set;  // NAME=VALUE, applied in order after --settings-from
  std::string settings_from;     // a Kubios report whose Parameters block sets the profile
};

// An analysis done: the input as read, the profile with every setting applied, the report and
// its JSON (exactly what `analyze --format json` prints).
struct analysis_outcome {
  analysis_input in;
  dsp::analysis_profile profile;
  dsp::hrv_report report;
  nlohmann::json json;
};

// Registers --profile, --artefacts, the input options, --settings-from and --set.
void add_analysis_options(CLI::App& cmd, analysis_request& request);

// Reads, analyses and reports. Throws unusable_data when too few intervals remain.
analysis_outcome run_analysis(const analysis_request& request);

// Registers `resonant analyze` on the application; the callback runs the analysis and prints
// the report. Errors in the input surface as drivers::input_error (exit code 2 in main).
void add_analyze_command(CLI::App& app);

}  // namespace resonant::apps
