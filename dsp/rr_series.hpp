#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace resonant::dsp {

// What the annotator (or the detector) said about the beat that ends an interval.
// Mirrors the WFDB beat classes that matter for HRV: "normal" covers sinus-conducted beats
// (WFDB N, L, R, B), the others are ectopic or unclassifiable.
enum class beat_label : std::uint8_t {
  normal,
  supraventricular,  // WFDB A, a, J, S, j, e, n
  ventricular,       // WFDB V, E, r
  fusion,            // WFDB F, f
  paced,             // WFDB /
  unknown,           // WFDB Q, ?
};

// A series of RR intervals with the time axis kept.
//
// rr_ms[i] is the interval that ends at the beat at end_s[i] (seconds from the recording's
// first beat, so end_s[0] == rr_ms[0] / 1000 unless the source says otherwise).
// after_gap[i] is true when interval i does not directly follow interval i-1: beats or
// intervals between them were removed (sensor dropout, range gate, NaN in a file). Successive
// differences are never taken across a gap; the time axis still spans it.
struct rr_series {
  std::vector<double> rr_ms;
  std::vector<double> end_s;
  std::vector<std::uint8_t> after_gap;

  [[nodiscard]] std::size_t size() const noexcept { return rr_ms.size(); }
  [[nodiscard]] bool empty() const noexcept { return rr_ms.empty(); }

  // Builds a contiguous series from intervals alone, the time axis from their running sum.
  static rr_series from_intervals(std::span<const double> rr_ms, double first_end_offset_s = 0.0);

  void push_back(double rr, double end, bool gap) {
    rr_ms.push_back(rr);
    end_s.push_back(end);
    after_gap.push_back(gap ? 1 : 0);
  }
};

}  // namespace resonant::dsp
