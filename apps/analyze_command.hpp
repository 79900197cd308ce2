#pragma once

#include <CLI/CLI.hpp>

#include "analysis_run.hpp"
#include "input_options.hpp"

namespace resonant::apps {

// Registers --profile, --artefacts, the input options, --settings-from and --set (shared by
// analyze and report).
void add_analysis_options(CLI::App& cmd, analysis_request& request, input_options_cli& input);

// Registers `resonant analyze` on the application; the callback runs the analysis and prints
// the report. Errors in the input surface as drivers::input_error (exit code 2 in main).
void add_analyze_command(CLI::App& app);

}  // namespace resonant::apps
