#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant analyze` on the application; the callback runs the analysis and prints
// the report. Errors in the input surface as drivers::input_error (exit code 2 in main).
void add_analyze_command(CLI::App& app);

}  // namespace resonant::apps
