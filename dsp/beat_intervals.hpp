#pragma once

#include <span>

#include "beat_event.hpp"
#include "rr_series.hpp"

namespace resonant::dsp {

// Turns detected beats into an RR series on the stream's own time axis: an interval joins
// every two consecutive beats. A beat flagged flat or clipped marks lost signal: the
// intervals touching it are not formed and the next one starts after a gap, so downstream
// analysis never mistakes a dropout for a long beat. Beats flagged noisy are kept (artefact
// correction judges them). end_s is measured from the first beat, like rr_series elsewhere.
rr_series intervals_from_beats(std::span<const beat_event> beats, double fs_hz);

}  // namespace resonant::dsp
