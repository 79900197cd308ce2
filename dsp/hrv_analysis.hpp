#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "artefacts.hpp"
#include "geometric.hpp"
#include "kubios_indices.hpp"
#include "range_gate.hpp"
#include "rr_series.hpp"
#include "spectrum.hpp"
#include "time_domain.hpp"
#include "welch.hpp"

namespace resonant::dsp {

enum class artefact_method { none, kubios };

struct frequency_band {
  double lo_hz;
  double hi_hz;
};

// How total power is formed.
enum class total_power_rule {
  band_sum,     // VLF + LF + HF
  kubios_span,  // the whole span VLF low edge .. HF high edge integrated at once (Kubios: its
                // bands, each [lo, hi) on the grid, leave the grid steps at the edges out)
};

// Which sample entropy normalisation.
enum class sampen_rule {
  standard,  // -ln(A / B), both over the first N - m templates (Richman & Moorman)
  kubios,    // -ln[(A / C(N-m, 2)) / (B / C(N-m+1, 2))]
};

// How the Welch segment length is chosen.
enum class welch_segment_rule {
  fixed_seconds,  // segment = welch_segment_s (whole series if shorter), Kubios
  neurokit,  // NeuroKit2 signal_psd: 2 / (4 fs / N) s, at most N / 2 samples; nfft = 2 x segment
};

// Every parameter of a batch analysis. A named profile fixes all of them, so a report can be
// reproduced and compared with the tool the profile is named after.
struct analysis_profile {
  std::string name;

  artefact_method artefacts = artefact_method::kubios;
  range_gate_config range_gate;
  lipponen_config lipponen;

  time_domain_config time;
  int poincare_ddof = 1;
  double histogram_bin_ms = 1000.0 / 128.0;

  // Frequency domain (resampled tachogram).
  double resample_hz = 4.0;
  int spline_degree = 3;
  std::optional<double> detrend_lambda = 500.0;  // smoothness priors; nullopt = mean only
  welch_segment_rule welch_rule = welch_segment_rule::fixed_seconds;
  double welch_segment_s = 256.0;
  double welch_overlap = 0.5;
  double welch_points_per_hz = 300.0;  // nfft chosen for at least this grid density
  window_kind welch_window = window_kind::hann;
  band_rule integration = band_rule::rectangle;
  frequency_band vlf{0.0, 0.04};
  frequency_band lf{0.04, 0.15};
  frequency_band hf{0.15, 0.40};
  total_power_rule total_power = total_power_rule::band_sum;
  // AR spectrum (Burg) of the same resampled, detrended series, on the Welch grid.
  bool ar_enabled = true;
  std::size_t ar_order = 16;
  bool ar_factorization = true;  // band powers from the model's pole components
  // With detrending on, the time-domain, geometric and nonlinear measures use the RR series
  // with the same trend removed (its mean kept), as Kubios does.
  bool detrend_time_domain = false;
  double lomb_oversampling = 4.0;
  double lomb_max_hz = 0.5;

  // Minimum recording length for each band (Task Force 1996: HF 1 min, LF 2 min; VLF from
  // short-term recordings is dubious, so 5 min, less 5 % since a "5-minute" recording is
  // usually a few beats short).
  double min_duration_hf_s = 60.0;
  double min_duration_lf_s = 120.0;
  double min_duration_vlf_s = 285.0;

  // Nonlinear.
  std::size_t dfa_alpha1_min = 4, dfa_alpha1_max = 16;
  std::size_t dfa_alpha2_min = 16, dfa_alpha2_max = 64;
  int sampen_m = 2;          // embedding dimension of SampEn and ApEn
  double sampen_r_sd = 0.2;  // tolerance r as a multiple of SDNN (ddof 1), SampEn and ApEn
  sampen_rule sampen_normalisation = sampen_rule::standard;

  // Kubios' Results Overview.
  kubios_index_config indices;

  static analysis_profile kubios();
  static analysis_profile neurokit();
  // nullopt for an unknown name.
  static std::optional<analysis_profile> named(const std::string& name);
};

struct spectral_result {
  std::string method;  // "welch", "lomb" or "ar"
  std::optional<double> vlf_ms2, lf_ms2, hf_ms2, total_ms2, lf_nu, hf_nu, lf_hf;
  std::optional<double> lf_peak_hz, hf_peak_hz, vlf_peak_hz;
  std::optional<double> vlf_log, lf_log, hf_log;  // natural log of ms^2 (nullopt for 0 power)
  std::optional<double> vlf_pct, lf_pct, hf_pct;  // share of total power, %
};

struct nonlinear_result {
  std::optional<double> sd1_ms, sd2_ms, sd1_sd2, dfa_alpha1, dfa_alpha2, sampen, apen;
};

struct index_result {
  std::optional<double> pns_index, sns_index, stress_index;
};

struct artefact_summary {
  std::string method;
  std::size_t range_gate_removed = 0;
  artefact_counts found;
  std::size_t corrected_intervals = 0;
  double corrected_pct = 0.0;
};

// What the analysis computed on the way to its numbers, for plots: the series it analysed
// (after artefact handling), which of its intervals the correction made or changed, the three
// spectra (empty when not computed) and the TINN triangle.
struct hrv_curves {
  rr_series analysed;
  std::vector<std::uint8_t> corrected;  // one per interval of `analysed`, 1 = made or changed
  // The intervals the time-domain, geometric and nonlinear measures used when the profile
  // detrends them (detrend_time_domain); empty when they used analysed.rr_ms.
  std::vector<double> detrended_rr_ms;
  spectrum welch;
  spectrum ar;
  spectrum lomb;
  std::optional<geometric_result> triangle;
};

struct hrv_report {
  std::size_t n_intervals = 0;  // after artefact handling
  std::size_t n_beats = 0;
  double duration_s = 0.0;
  artefact_summary artefacts;
  time_domain_result time;
  std::optional<double> hti, tinn_ms;
  spectral_result welch;
  spectral_result lomb;
  spectral_result ar;
  nonlinear_result nonlinear;
  index_result indices;
  std::vector<std::string> warnings;
  hrv_curves curves;
};

// The series an analysis works on, made once per recording: after the range gate and the
// artefact correction (per profile), and the beat series the time-domain, geometric and
// nonlinear measures use (the corrected intervals less their smoothness-priors trend when the
// profile detrends them, else the corrected intervals). Segments of a long recording are cut
// from these (apps/segments), so that their SDNNs are the terms of its SDNN index.
struct prepared_series {
  rr_series corrected;
  rr_series beats;                            // same times as `corrected`
  bool detrended = false;                     // beats are detrended (else equal to corrected)
  std::vector<std::uint8_t> corrected_flags;  // per interval of `corrected`: 1 = made or changed
  artefact_summary artefacts;                 // corrected_pct left 0 (analyze sets it)
  std::vector<std::string> warnings;
};
prepared_series prepare_series(const rr_series& rr, const analysis_profile& profile);

// Whether the profile detrends this beat series, and the series less its smoothness-priors
// trend (its mean kept; a copy of rr when the profile does not detrend it).
bool beats_detrended(const rr_series& rr, const analysis_profile& profile);
rr_series detrended_beats(const rr_series& rr, const analysis_profile& profile);

// SDANN and SDNN index (Task Force 1996) over complete 5-min segments (profile.time.segment_s,
// counted from the first beat; an interval in the segment where it starts; segments covered at
// least 80 % by intervals), for recordings of at least profile.time.long_term_min_s: SDANN is
// the SD of the segments' mean NN, SDNN index the mean of their SDNNs, each segment's SDNN as
// the analysis of that segment alone gives it (its own beat detrending when the profile
// detrends). On the corrected intervals, never on a whole-recording detrended series.
struct long_term_result {
  std::optional<double> sdann_ms, sdnni_ms;
};
long_term_result long_term_measures(const rr_series& corrected, const analysis_profile& profile);

// The whole batch analysis: range gate and artefact correction (per profile), then time,
// geometric, frequency (Welch on the resampled tachogram and Lomb-Scargle on the uneven
// series) and nonlinear measures. Pure: no I/O, deterministic.
hrv_report analyze(const rr_series& rr, const analysis_profile& profile);

// The tachogram resampled on the profile's uniform grid (spline, then detrending or mean
// removal), as used by the Welch spectrum. Exposed for tests and the streaming engine.
std::vector<double> resampled_tachogram(const rr_series& rr, const analysis_profile& profile);

// The Welch configuration the profile implies for a resampled series of n samples.
welch_config welch_config_for(const analysis_profile& profile, std::size_t n);

}  // namespace resonant::dsp
