#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace resonant::engine {

// Breathing pattern of a pacer: rate, inhale share and optional pauses.
//   rate_bpm         breaths per minute, 3-10 (quantised to 0.1)
//   inhale_fraction  share of the breathing time (period less holds) spent inhaling, e.g. 0.4
//                    for 40:60 (exhale longer: Van Diest 2014, Laborde 2021)
//   hold_in_s        pause at full lungs after the inhale, 0 (default) to 5 s
//   hold_out_s       pause at empty lungs after the exhale, 0 (default) to 5 s
//   force            skip the safety envelope (inhale and exhale each 2-12 s); durations must
//                    still be positive
struct breath_pattern {
  double rate_bpm = 6.0;
  double inhale_fraction = 0.4;
  double hold_in_s = 0.0;
  double hold_out_s = 0.0;
  bool force = false;
};

// Parses "4:6", "40:60" or "2:3" (inhale:exhale, any positive numbers) into the inhale share.
// Throws std::invalid_argument naming the text.
double parse_breath_ratio(const char* text);

// Checks a pattern against the pacer's limits; throws std::invalid_argument saying which limit
// (rate outside 3-10/min, a phase shorter than 2 s or longer than 12 s without `force`, ...).
void check_breath_pattern(const breath_pattern& p);

enum class breath_phase : std::uint8_t { inhale, hold_in, exhale, hold_out };

const char* to_string(breath_phase p) noexcept;

// Where the pacer is at one moment.
//   cycles    continuous breath count: the integer part numbers the breath, the fraction is
//             the position in it (0 = start of inhale). 2 pi frac(cycles) is the breath's
//             phase angle used to relate heart rate to breathing.
//   lung      the cue shape, 0 (empty) to 1 (full): a raised-cosine rise over the inhale, 1 in
//             the top hold, a raised-cosine fall over the exhale, 0 in the bottom hold. Its
//             derivative is zero at every turn, so the cue glides and never jumps.
struct pacer_state {
  double cycles = 0.0;
  breath_phase phase = breath_phase::inhale;
  double progress = 0.0;  // 0..1 within the current phase
  double lung = 0.0;
  double rate_bpm = 0.0;
  double phase_duration_s = 0.0;
};

// Breathing pacer: a pure function of time (seconds on the pacer's clock) with a short history
// of pattern changes.
//
// Algorithm: the timeline is a list of segments, each with a start time, the breath count at
// that start and a pattern. Within a segment the breath count advances at rate/60 per second
// and the fraction of a breath maps to (phase, progress) through the pattern's phase durations.
// A change at time t starts a new segment whose starting count keeps the current breath and
// the same (phase, progress), so the lung shape is continuous: a rate change alone leaves the
// count itself continuous (the fraction map does not depend on the rate without holds); a ratio
// or hold change re-maps the fraction within the current breath. This is the phase-continuous
// pacer of Every Breath You Take, made exact for asymmetric patterns.
//
// Clock: the caller chooses. When audio runs, pacer time = frames rendered / sample rate (the
// synthesiser holds a copy and renders from its frame counter); without audio, the session
// clock. The control side owns the authoritative pacer, changes it, and hands copies to the
// audio thread (the type is trivially copyable and fixed-size: no allocation).
//
// History: the last `history` segments are kept, so the engine can ask for the phase at a beat
// time up to many breaths in the past (beats arrive seconds late over BLE). Times before the
// oldest kept segment extrapolate it.
//
// Pitfalls: changes must come in time order; a change dated before the latest one is applied at
// the latest change's time instead (never rewrites history). The pattern is quantised to a
// rate step of 0.1/min.
class pacer {
 public:
  static constexpr std::size_t history = 24;

  // Starts the first breath (inhale) at time start_s. Throws std::invalid_argument for a
  // pattern outside the limits (check_breath_pattern).
  explicit pacer(const breath_pattern& pattern = {}, double start_s = 0.0);

  // Changes the rate from time at_s on, phase-continuously. Throws std::invalid_argument when
  // the resulting pattern breaks the limits (the pacer is then unchanged).
  void set_rate(double rate_bpm, double at_s);
  // Changes the whole pattern (ratio, holds, force) from at_s on, keeping phase and progress.
  void set_pattern(const breath_pattern& pattern, double at_s);

  [[nodiscard]] pacer_state at(double t_s) const noexcept;
  [[nodiscard]] double cycles_at(double t_s) const noexcept { return at(t_s).cycles; }

  // The pattern in force after the latest change.
  [[nodiscard]] const breath_pattern& pattern() const noexcept { return latest().pattern; }
  // Period of one breath of the latest pattern, seconds.
  [[nodiscard]] double period_s() const noexcept { return 60.0 / latest().pattern.rate_bpm; }
  // Start time of the latest segment (changes before this time are moved to it).
  [[nodiscard]] double latest_change_s() const noexcept { return latest().start_s; }

 private:
  struct segment {
    double start_s = 0.0;
    double start_cycles = 0.0;
    breath_pattern pattern;
    // phase durations (s) in order inhale, hold_in, exhale, hold_out, and their cumulative
    // fractions of the period
    std::array<double, 4> duration_s{};
    std::array<double, 5> edge{};
  };

  static segment make_segment(const breath_pattern& p, double start_s, double start_cycles);
  [[nodiscard]] const segment& latest() const noexcept { return segments_[(count_ - 1) % history]; }
  [[nodiscard]] const segment& find(double t_s) const noexcept;
  static pacer_state state_in(const segment& s, double t_s) noexcept;
  void push(const breath_pattern& p, double at_s);

  std::array<segment, history> segments_{};
  std::size_t count_ = 0;  // segments ever pushed; the newest is at (count_ - 1) % history
};

}  // namespace resonant::engine
