#pragma once

#include <optional>

#include "rr_series.hpp"

namespace resonant::dsp {

// Which count pNNx divides by. The tools disagree (hrv-analysis #18/#24, NeuroKit2 PR #1013).
enum class pnn_denominator {
  differences,  // successive differences used (Kubios as commonly reported, pyHRV, hrv-analysis)
  intervals,    // differences + 1, i.e. the number of intervals (NeuroKit2)
};

// How Mean HR is formed.
enum class mean_hr_rule {
  from_mean_rr,   // 60000 / mean RR (Kubios)
  mean_of_rates,  // mean of the instantaneous rates 60000 / RR_i (NeuroKit2, earlier default)
};

struct time_domain_config {
  mean_hr_rule mean_hr = mean_hr_rule::mean_of_rates;
  double nnxx_ms = 50.0;  // threshold of NNxx / pNNxx (Kubios setting "Threshold for NNxx")
  int sdnn_ddof = 1;
  int sdsd_ddof = 1;
  pnn_denominator pnn = pnn_denominator::differences;
  std::size_t hr_average_beats = 5;  // min/max HR from an N-beat moving average (Kubios)
  double segment_s = 300.0;          // SDANN / SDNN index segments
  double long_term_min_s = 900.0;    // SDANN / SDNN index only for recordings >= 15 min,
                                     // over segments at least 80 % covered by intervals
};

// Task Force (1996) statistical measures of an NN series. Successive differences (RMSSD,
// SDSD, pNNx) are taken only between intervals not separated by a gap. Every field is nullopt
// when the series is too short for it; nothing is made up.
struct time_domain_result {
  std::optional<double> mean_nn_ms, sdnn_ms, rmssd_ms, sdsd_ms, pnn50_pct, pnn20_pct;
  std::optional<double> mean_hr_bpm, min_hr_bpm, max_hr_bpm, cvnn;
  std::optional<double> sdann_ms, sdnni_ms;
  std::optional<double> std_hr_bpm;       // SD (ddof 1) of the instantaneous rates
  std::optional<double> nnxx, pnnxx_pct;  // count and share of |dRR| > nnxx_ms
};

time_domain_result time_domain(const rr_series& rr, const time_domain_config& cfg);

// Recording span in seconds: from the first beat (start of the first interval) to the last.
double duration_s(const rr_series& rr) noexcept;

}  // namespace resonant::dsp
