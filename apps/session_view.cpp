#include "session_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace resonant::apps {
namespace {

std::string num(double v, const char* fmt) {
  if (!std::isfinite(v)) return "--";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string clock_text(double s) {
  if (!std::isfinite(s) || s < 0) s = 0;
  const auto t = static_cast<long>(std::lround(s));
  char b[48];
  std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
  return b;
}

const char* phase_title(engine::session_phase p) {
  switch (p) {
    case engine::session_phase::settle:
      return "Settling in - checking the signal, breathe normally";
    case engine::session_phase::baseline:
      return "Baseline - breathe naturally, eyes closed if you like";
    case engine::session_phase::paced:
      return "Paced breathing - follow the sound";
    case engine::session_phase::after:
      return "After - breathe naturally again, let the rhythm settle";
    case engine::session_phase::done:
      return "Done";
    case engine::session_phase::paused:
      return "Paused - press space to go on";
  }
  return "";
}

}  // namespace

std::string coherence_label(double c) {
  // HeartMath's published guide for the coherence ratio: ~0.5 basic, >= 2 very good.
  if (!std::isfinite(c)) return "not yet known";
  if (c < 0.5) return "low";
  if (c < 2.0) return "building";
  return "high";
}

std::string signal_label(const view_state& v) {
  if (!v.signal_ok) return v.status.empty() ? "waiting for signal" : v.status;
  const double missing = v.metrics.missing_pct;
  if (std::isfinite(missing) && missing > 20.0)
    return "patchy (" + num(missing, "%.0f") + " % missing)";
  const double corrected = v.metrics.corrected_pct;
  if (std::isfinite(corrected) && corrected > 5.0) return "fair (some beats corrected)";
  return "good";
}

std::string sparkline(const std::vector<double>& values, std::size_t width) {
  static constexpr std::array<const char*, 8> blocks{"\u2581", "\u2582", "\u2583", "\u2584",
                                                     "\u2585", "\u2586", "\u2587", "\u2588"};
  std::vector<double> v;
  const std::size_t start = values.size() > width ? values.size() - width : 0;
  for (std::size_t i = start; i < values.size(); ++i) v.push_back(values[i]);
  double lo = INFINITY, hi = -INFINITY;
  for (const double x : v)
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  std::string out;
  for (const double x : v) {
    if (!std::isfinite(x)) {
      out += ' ';
      continue;
    }
    const double f = hi > lo ? (x - lo) / (hi - lo) : 0.5;
    out += blocks[static_cast<std::size_t>(std::clamp(f * 7.0 + 0.5, 0.0, 7.0))];
  }
  return out;
}

std::vector<std::string> render_screen(const view_state& v, std::size_t width) {
  std::vector<std::string> l;
  const std::size_t w = std::max<std::size_t>(width, 40);
  l.push_back("Resonant - " + std::string(phase_title(v.phase)));
  l.push_back("time left " + clock_text(v.session_left_s) + "   (this phase " +
              clock_text(v.phase_left_s) + ")" + (v.paused ? "   PAUSED" : ""));
  l.emplace_back();
  if (v.pacing) {
    const std::size_t bar_w = std::min<std::size_t>(w - 12, 50);
    const double fill = v.inhale ? v.breath_fraction : 1.0 - v.breath_fraction;
    const auto n =
        static_cast<std::size_t>(std::clamp(fill, 0.0, 1.0) * static_cast<double>(bar_w) + 0.5);
    l.push_back(std::string(v.inhale ? "  in   " : "  out  ") + "[" + std::string(n, '#') +
                std::string(bar_w - n, ' ') + "]");
    l.push_back("        breathe " + std::string(v.inhale ? "IN" : "OUT") + " - " +
                num(v.rate_bpm, "%.1f") + " breaths/min");
  } else {
    l.push_back("  breathe naturally");
    l.emplace_back();
  }
  l.emplace_back();
  const auto& m = v.metrics;
  l.push_back("  heart rate      " + num(m.hr_bpm, "%.0f") + " bpm   " +
              sparkline(v.hr_trace, std::min<std::size_t>(w > 30 ? w - 30 : 10, 40)));
  l.push_back("  RSA amplitude   " + num(m.rsa_bpm, "%.1f") +
              " bpm   (heart-rate swing with each breath; bigger = more vagal)");
  l.push_back("  RMSSD           " + num(m.rmssd_60s_ms, "%.0f") +
              " ms    (beat-to-beat variability; higher = more recovered)");
  l.push_back("  coherence       " + num(m.coherence, "%.2f") + "      (" +
              coherence_label(m.coherence) + ")");
  l.push_back("  signal          " + signal_label(v) + "   [" + v.source + "]");
  if (!v.recording_stopped.empty())
    l.push_back("  RECORDING STOPPED: " + v.recording_stopped + " - the session goes on");
  l.emplace_back();
  l.push_back(std::string("  keys: q quit (saves)   +/- rate   m ") +
              (v.muted ? "unmute" : "mute") + "   space " + (v.paused ? "resume" : "pause") +
              (v.audio ? "" : "   (sound off)"));
  for (auto& line : l)
    if (line.size() > w) line.resize(w);
  return l;
}

std::string render_status_line(const view_state& v) {
  const auto& m = v.metrics;
  // Appended piece by piece: GCC 12 -O3 reports a false -Wrestrict on "literal" + string.
  std::string s;
  const auto add = [&s](std::string_view part) { s.append(part); };
  add("[");
  add(clock_text(v.stream_s));
  add("] ");
  add(engine::to_string(v.phase));
  if (v.pacing) {
    add(v.inhale ? " in  " : " out ");
    add(num(v.rate_bpm, "%.1f"));
    add("/min");
  }
  add(" | HR ");
  add(num(m.hr_bpm, "%.0f"));
  add(" bpm | RSA ");
  add(num(m.rsa_bpm, "%.1f"));
  add(" bpm | RMSSD ");
  add(num(m.rmssd_60s_ms, "%.0f"));
  add(" ms | coherence ");
  add(num(m.coherence, "%.2f"));
  add(" | signal ");
  add(signal_label(v));
  add(" | left ");
  add(clock_text(v.session_left_s));
  if (v.paused) add(" | paused");
  if (!v.recording_stopped.empty()) add(" | not recording");
  return s;
}

}  // namespace resonant::apps
