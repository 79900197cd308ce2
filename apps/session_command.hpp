#pragma once

#include <CLI/CLI.hpp>

namespace resonant::apps {

// `resonant session [--source SPEC] [--minutes 3] [--rate 6|auto] [--audio ...]`: the
// clinician's micro-recovery session (settle, baseline, paced breathing with sound, summary),
// recorded and kept in the history.
void add_session_command(CLI::App& app);

// `resonant assess [--source SPEC] [--step-minutes 2]`: the resonance-frequency assessment
// (6.5 -> 4.5 breaths/min); stores the chosen rate for `session --rate auto`.
void add_assess_command(CLI::App& app);

// `resonant history [--format table|json]`: past sessions, before / after, and the trend.
void add_history_command(CLI::App& app);

}  // namespace resonant::apps
