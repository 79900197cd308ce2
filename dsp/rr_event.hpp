#pragma once

#include <cstdint>

namespace resonant::dsp {

// What the streaming RR stage did with an interval.
enum class rr_status : std::uint8_t {
  accepted,   // measured interval, passed the range gate and the artefact check
  corrected,  // the artefact stage changed, split or merged it (value is the corrected one)
};

// One RR interval in a stream, as it flows from the beat detector (or an RR sensor) through
// artefact handling to the analyzers.
//
// end_s is the stream time (seconds, the data's own clock: sample index / rate, or the
// device's RR sum) of the beat that ends the interval. after_gap is true when the interval
// does not directly follow the previous event (sensor dropout, lost contact, range-gated or
// removed beats before it): successive differences are never taken across it, and the time
// between the previous event's end and end_s - rr_ms / 1000 counts as missing.
struct rr_event {
  double end_s = 0.0;
  double rr_ms = 0.0;
  bool after_gap = false;
  rr_status status = rr_status::accepted;
};

}  // namespace resonant::dsp
