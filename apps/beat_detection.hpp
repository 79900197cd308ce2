#pragma once

#include <string>
#include <vector>

#include "drivers/signal_recording.hpp"
#include "dsp/beat_event.hpp"

namespace resonant::apps {

// Runs the streaming detector that matches the recording's kind ("ecg" or "ppg") over the
// whole signal. Throws std::invalid_argument when the kind is unknown (the user must say
// --signal ecg|ppg).
std::vector<dsp::beat_event> detect_beats(const drivers::signal_recording& signal);

// The detector's name and parameters, for the report's provenance.
std::string detector_description(const std::string& kind);

}  // namespace resonant::apps
