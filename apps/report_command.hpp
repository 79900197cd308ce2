#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// Registers `resonant report INPUT [-o FILE.html]`: one self-contained HTML page (charts and
// data inline, no network) of an analysis (anything `analyze` reads), a session record, or
// `history` (the person's sessions).
void add_report_command(CLI::App& app);

}  // namespace resonant::apps
