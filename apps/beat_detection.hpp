#pragma once

#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/beat_event.hpp"
#include "dsp/rr_series.hpp"

namespace resonant::apps {

// Beats detected in a whole recording. The detector of the recording's kind runs over each
// stretch between gaps (signal_recording::gaps) on its own, so it restarts after a gap; sample
// indices are those of signal.samples, time_s[i] is the beat's time in the recording (gaps
// included) and starts_stretch[i] is 1 for the first beat after a gap.
struct beat_track {
  std::vector<dsp::beat_event> beats;
  std::vector<double> time_s;
  std::vector<std::uint8_t> starts_stretch;
};

// Throws std::invalid_argument when the kind is neither "ecg" nor "ppg".
beat_track detect_beats(const drivers::signal_recording& signal);

// Intervals between consecutive beats on the recording's time axis (end_s from the first beat):
// no interval spans a gap or touches a beat flagged flat or clipped; the next one is after_gap.
dsp::rr_series intervals_of(const beat_track& track);

// The recording time (s) of the first beat of intervals_of(track): its time 0 on the waveform's
// clock (0 when there is no interval).
double intervals_origin_s(const beat_track& track);

// The detector's name and parameters, for the report's provenance.
std::string detector_description(const std::string& kind);

}  // namespace resonant::apps
