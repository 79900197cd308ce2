#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace resonant::dsp {

// What a recording holds, as decided from its content (or stated by the user with --input).
// One type for the file readers (drivers/), the analysis and the reports.
//  - rr: beat-to-beat intervals (ms or s).
//  - beat_times: times of the beats (s or ms from the start), strictly increasing.
//  - peaks: sample indices of R peaks (or pulse peaks); needs the sampling rate.
//  - annotations: expert beat annotations (WFDB .atr), with beat labels.
//  - ecg, ppg: waveforms; beats are detected in them.
enum class input_kind : std::uint8_t { rr, beat_times, peaks, annotations, ecg, ppg };

[[nodiscard]] constexpr std::string_view to_string(input_kind kind) noexcept {
  switch (kind) {
    case input_kind::rr:
      return "rr";
    case input_kind::beat_times:
      return "beat-times";
    case input_kind::peaks:
      return "peaks";
    case input_kind::annotations:
      return "annotations";
    case input_kind::ecg:
      return "ecg";
    case input_kind::ppg:
      return "ppg";
  }
  return "rr";
}

// "rr", "beat-times", "peaks", "annotations", "ecg", "ppg"; nullopt otherwise.
[[nodiscard]] constexpr std::optional<input_kind> parse_input_kind(std::string_view text) noexcept {
  for (auto k : {input_kind::rr, input_kind::beat_times, input_kind::peaks, input_kind::annotations,
                 input_kind::ecg, input_kind::ppg}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

[[nodiscard]] constexpr bool is_waveform(input_kind kind) noexcept {
  return kind == input_kind::ecg || kind == input_kind::ppg;
}

}  // namespace resonant::dsp
