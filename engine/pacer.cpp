#include "pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <stdexcept>
#include <string>

namespace resonant::engine {
namespace {

constexpr double min_rate_bpm = 3.0;
constexpr double max_rate_bpm = 10.0;
constexpr double min_phase_s = 2.0;
constexpr double max_phase_s = 12.0;
constexpr double max_hold_s = 5.0;

double quantise_rate(double rate_bpm) {
  return std::round(rate_bpm * 10.0) / 10.0;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

double parse_breath_ratio(const char* text) {
  const std::string s = text == nullptr ? "" : text;
  const auto colon = s.find(':');
  const auto bad = [&] {
    return std::invalid_argument("breathing ratio \"" + s +
                                 "\": expected INHALE:EXHALE with positive numbers, e.g. 4:6");
  };
  if (colon == std::string::npos) throw bad();
  char* end = nullptr;
  const std::string a = s.substr(0, colon);
  const std::string b = s.substr(colon + 1);
  const double in = std::strtod(a.c_str(), &end);
  if (a.empty() || *end != '\0') throw bad();
  const double out = std::strtod(b.c_str(), &end);
  if (b.empty() || *end != '\0') throw bad();
  if (!(in > 0.0) || !(out > 0.0) || !std::isfinite(in + out)) throw bad();
  return in / (in + out);
}

void check_breath_pattern(const breath_pattern& p) {
  const double rate = quantise_rate(p.rate_bpm);
  if (!(rate >= min_rate_bpm && rate <= max_rate_bpm))
    throw std::invalid_argument("breathing rate " + fmt(p.rate_bpm) +
                                "/min is outside 3-10 breaths/min");
  if (!(p.inhale_fraction > 0.0 && p.inhale_fraction < 1.0))
    throw std::invalid_argument("inhale share " + fmt(p.inhale_fraction) + " is outside (0, 1)");
  for (const double h : {p.hold_in_s, p.hold_out_s})
    if (!(h >= 0.0 && h <= max_hold_s))
      throw std::invalid_argument("breath hold " + fmt(h) + " s is outside 0-5 s");
  const double breathing_s = 60.0 / rate - p.hold_in_s - p.hold_out_s;
  const double inhale_s = p.inhale_fraction * breathing_s;
  const double exhale_s = breathing_s - inhale_s;
  if (!(inhale_s > 0.0 && exhale_s > 0.0))
    throw std::invalid_argument("breath holds leave no time to breathe at " + fmt(rate) + "/min");
  if (p.force) return;
  for (const auto& [name, d] : {std::pair{"inhale", inhale_s}, std::pair{"exhale", exhale_s}}) {
    if (d < min_phase_s || d > max_phase_s)
      throw std::invalid_argument(std::string(name) + " of " + fmt(d) + " s at " + fmt(rate) +
                                  "/min is outside the 2-12 s safety envelope (--force overrides)");
  }
}

const char* to_string(breath_phase p) noexcept {
  switch (p) {
    case breath_phase::inhale:
      return "inhale";
    case breath_phase::hold_in:
      return "hold";
    case breath_phase::exhale:
      return "exhale";
    case breath_phase::hold_out:
      return "hold";
  }
  return "?";
}

pacer::segment pacer::make_segment(const breath_pattern& p, double start_s, double start_cycles) {
  segment s;
  s.start_s = start_s;
  s.start_cycles = start_cycles;
  s.pattern = p;
  s.pattern.rate_bpm = quantise_rate(p.rate_bpm);
  const double period = 60.0 / s.pattern.rate_bpm;
  const double breathing = period - p.hold_in_s - p.hold_out_s;
  s.duration_s = {p.inhale_fraction * breathing, p.hold_in_s, (1.0 - p.inhale_fraction) * breathing,
                  p.hold_out_s};
  s.edge[0] = 0.0;
  for (std::size_t i = 0; i < 4; ++i) s.edge[i + 1] = s.edge[i] + s.duration_s[i] / period;
  s.edge[4] = 1.0;
  return s;
}

pacer::pacer(const breath_pattern& pattern, double start_s) {
  check_breath_pattern(pattern);
  segments_[0] = make_segment(pattern, start_s, 0.0);
  count_ = 1;
}

const pacer::segment& pacer::find(double t_s) const noexcept {
  const std::size_t kept = std::min(count_, history);
  for (std::size_t k = 0; k < kept; ++k) {
    const segment& s = segments_[(count_ - 1 - k) % history];
    if (t_s >= s.start_s) return s;
  }
  return segments_[(count_ - kept) % history];  // before the oldest kept: extrapolate it
}

pacer_state pacer::state_in(const segment& s, double t_s) noexcept {
  pacer_state st;
  st.rate_bpm = s.pattern.rate_bpm;
  st.cycles = s.start_cycles + (t_s - s.start_s) * s.pattern.rate_bpm / 60.0;
  const double frac = st.cycles - std::floor(st.cycles);
  std::size_t i = 0;
  while (i < 3 && frac >= s.edge[i + 1]) ++i;
  const double width = s.edge[i + 1] - s.edge[i];
  st.phase = static_cast<breath_phase>(i);
  st.progress = width > 0.0 ? std::clamp((frac - s.edge[i]) / width, 0.0, 1.0) : 0.0;
  st.phase_duration_s = s.duration_s[i];
  const double rise = 0.5 - 0.5 * std::cos(std::numbers::pi * st.progress);
  switch (st.phase) {
    case breath_phase::inhale:
      st.lung = rise;
      break;
    case breath_phase::hold_in:
      st.lung = 1.0;
      break;
    case breath_phase::exhale:
      st.lung = 1.0 - rise;
      break;
    case breath_phase::hold_out:
      st.lung = 0.0;
      break;
  }
  return st;
}

pacer_state pacer::at(double t_s) const noexcept {
  return state_in(find(t_s), t_s);
}

void pacer::push(const breath_pattern& p, double at_s) {
  check_breath_pattern(p);
  const double t = std::max(at_s, latest().start_s);
  const pacer_state now = at(t);
  segment next = make_segment(p, t, 0.0);
  // Same breath, same phase and progress under the new pattern's fraction map.
  const std::size_t i = static_cast<std::size_t>(now.phase);
  double frac = next.edge[i] + now.progress * (next.edge[i + 1] - next.edge[i]);
  if (frac >= 1.0) frac = std::nextafter(1.0, 0.0);
  next.start_cycles = std::floor(now.cycles) + frac;
  // A rate-only change keeps the count bit-exact when the fraction map is unchanged.
  const segment& cur = find(t);
  if (cur.edge == next.edge) next.start_cycles = now.cycles;
  segments_[count_ % history] = next;
  ++count_;
}

void pacer::set_rate(double rate_bpm, double at_s) {
  breath_pattern p = latest().pattern;
  p.rate_bpm = rate_bpm;
  push(p, at_s);
}

void pacer::set_pattern(const breath_pattern& pattern, double at_s) {
  push(pattern, at_s);
}

}  // namespace resonant::engine
