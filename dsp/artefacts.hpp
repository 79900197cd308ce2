#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rr_series.hpp"

namespace resonant::dsp {

enum class artefact_kind : std::uint8_t { none, ectopic, missed, extra, long_beat, short_beat };

// Lipponen & Tarvainen (2019, J Med Eng Technol 43:173) constants; see
// docs/ARCHITECTURE.md and ../shared/notes/hrv-algorithms.md section 4.
// Checked by detect_artefacts / correct_artefacts (std::invalid_argument): alpha > 0, both
// windows odd and >= 3, c1 >= 0, c2 >= 0, max_passes >= 1.
struct lipponen_config {
  double alpha = 5.2;              // threshold = alpha * quartile deviation
  std::size_t qd_window = 91;      // beats, centred, shrinking at the edges
  std::size_t median_window = 11;  // beats, centred, shrinking at the edges
  double c1 = 0.13;                // ectopic decision boundary slope
  double c2 = 0.17;                // ectopic decision boundary offset
  int max_passes = 4;              // detect+correct repeated while the count strictly falls
};

// Detection over one contiguous run of intervals: one label per interval, naming the beat
// that ENDS the interval (as beat_label does): ectopic = that beat is misplaced (premature
// or late), missed = a beat is missing inside the interval, extra = that beat is spurious,
// long/short = the interval is too long/short and is fixed by moving that beat. Runs shorter
// than 4 intervals get no labels. Intervals must be finite and > 0 ms (std::invalid_argument).
// Look-ahead: the label of interval i depends on intervals up to
// i + (qd_window - 1) / 2 + (median_window - 1) / 2 (50 beats with the defaults).
std::vector<artefact_kind> detect_artefacts(std::span<const double> rr_ms,
                                            const lipponen_config& cfg);

// The same over a whole series, run by run between gaps (a gap is never bridged).
std::vector<artefact_kind> detect_artefacts(const rr_series& rr, const lipponen_config& cfg);

struct artefact_counts {
  std::size_t ectopic = 0;
  std::size_t missed = 0;
  std::size_t extra = 0;
  std::size_t long_beats = 0;
  std::size_t short_beats = 0;
  [[nodiscard]] std::size_t total() const noexcept {
    return ectopic + missed + extra + long_beats + short_beats;
  }
};

// The second stage of the Lipponen & Tarvainen (2019) decision for one interval that is not
// ectopic, shared by the batch and the streaming detectors: d, a, b are the normalised dRR of
// the interval and its two successors, m its normalised distance from the median (negative
// side doubled); rr_ms, median_ms and th2_ms in ms; next_rr_ms the following interval, or NaN
// when there is none. Returns none, missed, long_beat, extra or short_beat.
artefact_kind classify_long_short(double d, double m, double a, double b, double rr_ms,
                                  double median_ms, double th2_ms, double next_rr_ms) noexcept;

// True when correcting an interval of this kind also rewrites the next interval.
bool rewrites_next(artefact_kind k) noexcept;

// Adds one label to the counts (none counts nothing).
void count_artefact(artefact_counts& counts, artefact_kind kind) noexcept;

struct artefact_correction {
  rr_series corrected;
  // Detected in the first pass, by kind.
  artefact_counts found;
  // Intervals of `corrected` that were changed, inserted or merged by the correction.
  std::size_t corrected_intervals = 0;
  // First-pass labels, one per interval of the input series.
  std::vector<artefact_kind> detected;
  // One per interval of `corrected`: none if it is an input interval left untouched, else
  // the kind of the (last) correction that created or changed it.
  std::vector<artefact_kind> correction;
  // Correction passes applied (0 when nothing was detected).
  int passes = 0;
};

// Detects and corrects, run by run between gaps (a gap is never bridged): extra beats are
// merged into the neighbouring interval, missed beats split into equal parts, ectopic,
// long and short beats moved to the midpoint of their neighbours. The time axis (beat
// times) stays consistent with the corrected intervals.
artefact_correction correct_artefacts(const rr_series& rr, const lipponen_config& cfg);

}  // namespace resonant::dsp
