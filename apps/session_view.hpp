#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/metric_snapshot.hpp"
#include "engine/session_summary.hpp"

namespace resonant::apps {

// Everything the session screen shows, gathered by the session loop.
struct view_state {
  engine::session_phase phase = engine::session_phase::settle;
  double stream_s = 0.0;         // session time so far
  double phase_left_s = 0.0;     // time left in the current phase
  double session_left_s = 0.0;   // time left in the session
  bool pacing = false;           // the pacer cue is on (paced phase)
  bool inhale = true;            // current breath phase
  double breath_fraction = 0.0;  // 0..1 progress through the current inhale or exhale
  double rate_bpm = 6.0;
  bool muted = false;
  bool paused = false;
  bool audio = false;
  std::string source;  // the source's description
  std::string status;  // the source's last status in words ("streaming", "signal lost")
  bool signal_ok = false;
  // Empty while the record is written; otherwise why recording stopped ("disk full at 339 s"):
  // shown on every screen and status line from then on (the session itself goes on).
  std::string recording_stopped;
  engine::metric_snapshot metrics;
  std::vector<double> hr_trace;  // recent HR, one value per second, oldest first
};

// Plain-language reading of a metric for a tired person, e.g. "higher is calmer".
[[nodiscard]] std::string coherence_label(double coherence);
[[nodiscard]] std::string signal_label(const view_state& v);

// The full-screen view for a terminal: lines without trailing newline, at most `width`
// columns. The breathing cue is a bar that grows on "in" and shrinks on "out".
[[nodiscard]] std::vector<std::string> render_screen(const view_state& v, std::size_t width);

// One status line for pipes and CI (no terminal control characters).
[[nodiscard]] std::string render_status_line(const view_state& v);

// A sparkline of the values (Unicode block characters), scaled to their own range.
[[nodiscard]] std::string sparkline(const std::vector<double>& values, std::size_t width);

}  // namespace resonant::apps
