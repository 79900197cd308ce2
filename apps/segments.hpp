#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "drivers/rr_recording.hpp"

namespace resonant::apps {

// ---------------------------------------------------------------------------------------------
// Segments of `resonant analyze` (--segment, --start, --end): which stretches of a recording are
// analysed one by one. Times are seconds on the recording's clock: 0 is the first sample of a
// waveform or time 0 of an interval file; a clock time (HH:MM[:SS]) needs the recording's start
// date-time (EDF / EDF+ / BDF header, WFDB base time and date).
//
// Fixed-length segments count from the first beat (or from --start) and an interval belongs to
// the segment in which it starts: the rule of the SDNN index (dsp/time_domain.cpp), with the
// same arithmetic, so the mean SDNN of the complete segments covered >= 80 % by intervals is the
// whole analysis' SDNN index when both see the same intervals (no artefact correction, no
// detrending of the beats). Clock windows (night=00:00-06:00) give one segment per day that
// overlaps the recording; a window may cross midnight.
// ---------------------------------------------------------------------------------------------

// A time given on the command line: seconds on the recording's clock, or a time of day.
struct time_mark {
  double seconds = 0.0;
  bool of_day = false;  // HH:MM[:SS]: seconds after midnight
};

// A daily window: label=HH:MM-HH:MM.
struct clock_window {
  std::string label;
  double from_s = 0.0;  // seconds after midnight
  double to_s = 0.0;    // <= from_s: the window ends the next day
};

struct segment_request {
  std::optional<double> length_s;      // --segment 5min
  std::optional<clock_window> window;  // --segment night=00:00-06:00
  std::optional<time_mark> start;      // --start
  std::optional<time_mark> end;        // --end
  std::string length_label;            // "5min" as given

  [[nodiscard]] bool active() const { return length_s || window || start || end; }
  [[nodiscard]] bool needs_clock() const {
    return window || (start && start->of_day) || (end && end->of_day);
  }
};

// Parses --segment (a duration: 30s, 5min, 1h, or seconds; or label=HH:MM-HH:MM), --start and
// --end (seconds, a duration, or HH:MM[:SS]); empty strings are not given. Throws
// std::invalid_argument naming the option and what it takes.
segment_request parse_segment_request(const std::string& segment, const std::string& start,
                                      const std::string& end);

// "YYYY-MM-DDTHH:MM:SS[.f]" as seconds since 1970-01-01T00:00:00 on the same (local) clock;
// nullopt when the text is not of that form.
std::optional<double> clock_seconds(const std::string& iso);

// The inverse of clock_seconds, to the millisecond when there is a fraction.
std::string iso_clock(double seconds);

struct segment {
  std::size_t index = 0;
  std::string label;         // "5min", "night", "stretch"
  double start_s = 0.0;      // on the recording's clock
  double length_s = 0.0;     // nominal length
  bool complete = false;     // the whole segment lies within the recording (and --start / --end)
  drivers::rr_recording rr;  // the intervals that start in it (metadata of the recording)
  double covered_s = 0.0;    // sum of those intervals
};

// The segments of `rr` in order, each given to `each`. origin_s: recording time of rr's time 0;
// start_clock_s: clock_seconds of the recording's start, when known. Throws unusable_data (one
// line) when the request needs a clock time and the start is not known, or when --start / --end
// select nothing.
void for_each_segment(const segment_request& request, const drivers::rr_recording& rr,
                      double origin_s, std::optional<double> start_clock_s,
                      const std::function<void(const segment&)>& each);

}  // namespace resonant::apps
