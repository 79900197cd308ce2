#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace resonant::test {

// Detector-vs-annotation matching as in the ANSI/AAMI EC57 style evaluations: a detection
// matches an annotation when |dt| <= tolerance; pairs are formed greedily in time order, each
// annotation and each detection used at most once (two-pointer walk over both sorted lists:
// the earliest unmatched detection within the tolerance of an annotation takes it).
struct match_result {
  std::size_t true_positives = 0;
  std::size_t false_positives = 0;
  std::size_t false_negatives = 0;
  double mean_abs_offset_s = 0.0;  // over matched pairs

  [[nodiscard]] double sensitivity() const {
    const std::size_t d = true_positives + false_negatives;
    return d == 0 ? 0.0 : static_cast<double>(true_positives) / static_cast<double>(d);
  }
  [[nodiscard]] double ppv() const {
    const std::size_t d = true_positives + false_positives;
    return d == 0 ? 0.0 : static_cast<double>(true_positives) / static_cast<double>(d);
  }
};

// Both lists in seconds, sorted ascending.
inline match_result match_beats(const std::vector<double>& reference_s,
                                const std::vector<double>& detected_s, double tolerance_s) {
  match_result r;
  std::size_t j = 0;
  double offset_sum = 0.0;
  for (const double ref : reference_s) {
    // Detections too early for this annotation (and thus for all later ones) are false.
    while (j < detected_s.size() && detected_s[j] < ref - tolerance_s) {
      ++r.false_positives;
      ++j;
    }
    if (j < detected_s.size() && std::abs(detected_s[j] - ref) <= tolerance_s) {
      ++r.true_positives;
      offset_sum += std::abs(detected_s[j] - ref);
      ++j;
    } else {
      ++r.false_negatives;
    }
  }
  r.false_positives += detected_s.size() - j;
  r.mean_abs_offset_s =
      r.true_positives == 0 ? 0.0 : offset_sum / static_cast<double>(r.true_positives);
  return r;
}

}  // namespace resonant::test
