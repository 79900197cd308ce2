#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/beat_event.hpp"
#include "dsp/rr_series.hpp"
#include "dsp/signal_quality.hpp"

namespace resonant::apps {

// One window of signal judged by dsp::assess_quality, on the recording's time axis.
struct judged_window {
  double start_s = 0.0;
  double end_s = 0.0;
  dsp::quality_window window;
};

// Beats detected in a whole recording. The detector of the recording's kind runs over each
// stretch between gaps (signal_recording::gaps) on its own, so it restarts after a gap; sample
// indices are those of signal.samples, time_s[i] is the beat's time in the recording (gaps
// included) and starts_stretch[i] is 1 for the first beat after a gap. Each stretch is judged
// in windows by dsp::assess_quality (Orphanidou 2015 rules, the kind's thresholds); usable[i]
// is 1 when beat i lies in a usable window and resembles its window's other beats. recorded_s
// counts the gaps, usable_s only usable windows.
struct beat_track {
  std::vector<dsp::beat_event> beats;
  std::vector<double> time_s;
  std::vector<std::uint8_t> starts_stretch;
  std::vector<std::uint8_t> usable;
  std::vector<judged_window> windows;
  double recorded_s = 0.0;
  double usable_s = 0.0;

  [[nodiscard]] double usable_pct() const noexcept {
    return recorded_s > 0.0 ? 100.0 * usable_s / recorded_s : 0.0;
  }
};

// Throws std::invalid_argument when the kind is neither "ecg" nor "ppg".
beat_track detect_beats(const drivers::signal_recording& signal);

// Intervals between consecutive beats on the recording's time axis (end_s from the first beat):
// no interval spans a gap or touches a beat flagged flat or clipped or a beat outside the usable
// windows; the next one is after_gap.
dsp::rr_series intervals_of(const beat_track& track);

// Why the windows that were not usable failed, e.g. "12 of 20 windows: 8 heart rate out of
// range, 4 beats unlike each other"; empty when all were usable.
std::string unusable_summary(const beat_track& track);

// The recording time (s) of the first beat of intervals_of(track): its time 0 on the waveform's
// clock (0 when there is no interval).
double intervals_origin_s(const beat_track& track);

// The detector's name and parameters, for the report's provenance.
std::string detector_description(std::optional<dsp::input_kind> kind);

}  // namespace resonant::apps
