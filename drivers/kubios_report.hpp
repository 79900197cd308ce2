#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/hrv_analysis.hpp"
#include "dsp/rr_series.hpp"
#include "rr_recording.hpp"

namespace resonant::drivers {

// ---------------------------------------------------------------------------------------------
// A Kubios HRV text report (.txt, Kubios 3.x Standard / Premium; see docs/ARCHITECTURE.md,
// "Kubios parity"): its "Parameters" block (every setting of the analysis), its results rows
// and its "RR INTERVAL DATA and SPECTRUM ESTIMATES" block (beat times, RR intervals and the
// FFT / AR PSD columns). Spellings differ between versions; each known one is accepted
// (Detrending method "none" / "Smoothn priors (lambda: 256)", "1 beats" / "5 beats", ...).
// Parameters this tool does not implement (Lomb, RPA, D2, time-varying) are kept in `ignored`
// with their line so a caller can say so; a known parameter with an unreadable value is an
// input_error naming the file, line and parameter.
// ---------------------------------------------------------------------------------------------
struct kubios_parameters {
  std::optional<double> detrend_lambda;  // set with detrending = true
  std::optional<bool> detrending;        // "none" -> false
  std::optional<double> hr_average_beats, nnxx_ms;
  std::optional<dsp::frequency_band> vlf, lf, hf;
  std::optional<double> resample_hz, points_per_hz, window_s, overlap_pct;
  std::optional<double> ar_order;
  std::optional<bool> ar_factorization, detrend_nonlinear;
  std::optional<double> entropy_m, entropy_r_sd;
  std::optional<double> dfa_short_min, dfa_short_max, dfa_long_min, dfa_long_max;
  std::optional<bool> artefact_correction;  // "Artifact correction: none" -> false
  std::vector<std::string> ignored;         // "line N: name: value" of parameters not applied
};

// One printed result row: "  RMSSD (ms):   ,     56.8586,   ," -> label "RMSSD (ms)", the
// first value column (time domain, FFT) and the second (AR); blank cells are nullopt, "Inf" /
// "-Inf" are infinities.
struct kubios_result_row {
  std::string section;  // "Results Overview", "Time-Domain Results", ...
  std::string label;
  std::optional<double> first, second;
  std::size_t line = 0;
};

struct kubios_report {
  kubios_parameters parameters;
  std::vector<kubios_result_row> results;
  dsp::rr_series rr;  // from the data block: beat times (Time column) and intervals (RR, ms)
  std::vector<double> fft_freq_hz, fft_psd, ar_freq_hz, ar_psd;

  // The row of that label (first match in that section, or any section when empty).
  [[nodiscard]] const kubios_result_row* find(std::string_view label,
                                              std::string_view section = {}) const;
};

// Parses the text of a report; `name` is used in error messages. Throws input_error.
kubios_report parse_kubios_report(std::string_view text, const std::string& name);

// Reads and parses a report file. Throws input_error (unreadable file included).
kubios_report read_kubios_report(const std::filesystem::path& path);

// The report's RR data as a recording (kind "kubios report", units "s"), for
// `resonant analyze REPORT.txt`. Throws input_error when the report holds no RR data.
rr_recording read_kubios_report_recording(const std::filesystem::path& path);

// Sets every parameter the report gives on the profile (detrending and lambda, HR averaging,
// NNxx threshold, artefact correction "none", bands, interpolation rate, points/Hz, window and
// overlap, AR order and factorisation, detrending of the nonlinear / time-domain measures, entropy
// m and r, DFA ranges); the others stay as they were.
void apply_kubios_parameters(const kubios_parameters& k, dsp::analysis_profile& profile);

}  // namespace resonant::drivers
