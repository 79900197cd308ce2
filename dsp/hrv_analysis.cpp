#include "hrv_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <span>

#include "ar_spectrum.hpp"
#include "bspline_interpolation.hpp"
#include "geometric.hpp"
#include "lomb_scargle.hpp"
#include "nonlinear.hpp"
#include "smoothness_priors.hpp"

namespace resonant::dsp {

analysis_profile analysis_profile::kubios() {
  analysis_profile p;
  p.name = "kubios";
  // Kubios HRV 3.x recipe (see ../notes and docs/ARCHITECTURE.md "Kubios parity"); the
  // settings that differ between Kubios versions (window, points/Hz, lambda) keep the struct
  // defaults and come from a report with --settings-from.
  p.time.mean_hr = mean_hr_rule::from_mean_rr;
  p.welch_window = window_kind::matlab_hanning;
  p.integration = band_rule::trapezoid_edges;  // within 0.6 % of Kubios' band powers
  p.sampen_normalisation = sampen_rule::kubios;
  p.detrend_time_domain = true;
  return p;
}

analysis_profile analysis_profile::neurokit() {
  analysis_profile p;
  p.name = "neurokit";
  p.time.pnn = pnn_denominator::intervals;
  p.resample_hz = 100.0;
  p.spline_degree = 2;  // interp1d(kind="quadratic")
  p.detrend_lambda = std::nullopt;
  p.welch_rule = welch_segment_rule::neurokit;
  p.integration = band_rule::trapezoid;
  p.vlf = {0.0033, 0.04};
  p.dfa_alpha1_min = 4;
  p.dfa_alpha1_max = 11;
  p.dfa_alpha2_min = 12;
  p.dfa_alpha2_max = 64;
  p.ar_enabled = false;
  return p;
}

std::optional<analysis_profile> analysis_profile::named(const std::string& name) {
  if (name == "kubios") return kubios();
  if (name == "neurokit") return neurokit();
  return std::nullopt;
}

namespace {

std::size_t grid_size(const analysis_profile& p, double span_s) {
  if (p.welch_rule == welch_segment_rule::neurokit) {
    // numpy.arange(t0, t_last + 1/fs, 1/fs)
    const double step = 1.0 / p.resample_hz;
    return static_cast<std::size_t>(std::ceil((span_s + step) / step));
  }
  return static_cast<std::size_t>(std::floor(span_s * p.resample_hz + 1e-9)) + 1;
}

// NeuroKit2 drops the spectrum below its default minimum frequency 4 fs / N.
double lowest_reported_hz(const analysis_profile& p, std::size_t n) {
  if (p.welch_rule != welch_segment_rule::neurokit) return 0.0;
  return (2.0 * p.resample_hz) / (static_cast<double>(n) / 2.0);
}

// Ratios, logs, shares and normalised units from the band powers. n.u. are relative to
// total - VLF (Kubios), which is LF + HF when total is the band sum.
void finish_bands(spectral_result& r, const analysis_profile& p) {
  (void)p;
  constexpr double negligible_ms2 = 1e-6;
  auto log_of = [](const std::optional<double>& v) -> std::optional<double> {
    if (!v || !(*v > 0.0)) return std::nullopt;
    return std::log(*v);
  };
  r.vlf_log = log_of(r.vlf_ms2);
  r.lf_log = log_of(r.lf_ms2);
  r.hf_log = log_of(r.hf_ms2);
  if (r.total_ms2 && *r.total_ms2 > negligible_ms2) {
    r.vlf_pct = 100.0 * *r.vlf_ms2 / *r.total_ms2;
    r.lf_pct = 100.0 * *r.lf_ms2 / *r.total_ms2;
    r.hf_pct = 100.0 * *r.hf_ms2 / *r.total_ms2;
  }
  if (r.lf_ms2 && r.hf_ms2 && *r.lf_ms2 + *r.hf_ms2 > negligible_ms2) {
    const double denom =
        r.total_ms2 && r.vlf_ms2 ? *r.total_ms2 - *r.vlf_ms2 : *r.lf_ms2 + *r.hf_ms2;
    r.lf_nu = 100.0 * *r.lf_ms2 / denom;
    r.hf_nu = 100.0 * *r.hf_ms2 / denom;
    if (*r.hf_ms2 > negligible_ms2) r.lf_hf = *r.lf_ms2 / *r.hf_ms2;
  }
}

spectral_result bands_of(const spectrum& s, const analysis_profile& p, double duration,
                         std::string method) {
  spectral_result r;
  r.method = std::move(method);
  if (s.freq_hz.empty()) return r;
  auto power = [&](frequency_band b) { return band_power(s, b.lo_hz, b.hi_hz, p.integration); };
  // Below this a band holds rounding noise, not variability (a constant series gives ~1e-28):
  // its peak, and ratios built on it, would be made-up numbers.
  constexpr double negligible_ms2 = 1e-6;
  if (duration >= p.min_duration_vlf_s) r.vlf_ms2 = power(p.vlf);
  if (duration >= p.min_duration_lf_s) {
    r.lf_ms2 = power(p.lf);
    if (*r.lf_ms2 > negligible_ms2) r.lf_peak_hz = peak_frequency(s, p.lf.lo_hz, p.lf.hi_hz);
  }
  if (duration >= p.min_duration_hf_s) {
    r.hf_ms2 = power(p.hf);
    if (*r.hf_ms2 > negligible_ms2) r.hf_peak_hz = peak_frequency(s, p.hf.lo_hz, p.hf.hi_hz);
  }
  if (r.vlf_ms2) {
    if (*r.vlf_ms2 > negligible_ms2) r.vlf_peak_hz = peak_frequency(s, p.vlf.lo_hz, p.vlf.hi_hz);
  }
  if (r.vlf_ms2 && r.lf_ms2 && r.hf_ms2) {
    r.total_ms2 = p.total_power == total_power_rule::kubios_span
                      ? band_power(s, p.vlf.lo_hz, p.hf.hi_hz + 1e-9, p.integration)
                      : *r.vlf_ms2 + *r.lf_ms2 + *r.hf_ms2;
  }
  finish_bands(r, p);
  return r;
}

// AR band powers: integrated from the model's PSD, or (factorisation) summed over the pole
// components whose centre frequency lies in the band; a band's peak is then its strongest
// component's centre, on the grid (0 when the band holds none, as Kubios prints).
spectral_result ar_bands(const std::vector<double>& z, const spectrum& grid,
                         const analysis_profile& p, double duration, spectrum* curve) {
  spectral_result r;
  r.method = "ar";
  if (z.size() <= p.ar_order || grid.freq_hz.empty()) return r;
  const ar_model model = burg(z, p.ar_order);
  const spectrum s = ar_psd(model, p.resample_hz, grid.freq_hz);
  if (curve != nullptr) *curve = s;
  if (!p.ar_factorization) {
    r = bands_of(s, p, duration, "ar");
    return r;
  }
  const std::vector<ar_component> comps = ar_components(model, p.resample_hz);
  const double df = grid.freq_hz.size() >= 2 ? grid.freq_hz[1] - grid.freq_hz[0] : 1.0;
  auto band = [&](frequency_band b, std::optional<double>& power, std::optional<double>& peak) {
    double sum = 0.0;
    double strongest = 0.0;
    double at = 0.0;
    for (const ar_component& c : comps) {
      if (c.freq_hz < b.lo_hz || c.freq_hz >= b.hi_hz) continue;
      sum += c.power;
      if (c.power > strongest) {
        strongest = c.power;
        at = std::round(c.freq_hz / df) * df;
      }
    }
    // Factorisation can give components of negative power (complex residues); a band whose
    // sum is negative has no power to report: null, with a warning from the caller.
    if (sum < 0.0) return;
    power = sum;
    peak = at;
  };
  if (duration >= p.min_duration_vlf_s) band(p.vlf, r.vlf_ms2, r.vlf_peak_hz);
  if (duration >= p.min_duration_lf_s) band(p.lf, r.lf_ms2, r.lf_peak_hz);
  if (duration >= p.min_duration_hf_s) band(p.hf, r.hf_ms2, r.hf_peak_hz);
  if (r.vlf_ms2 && r.lf_ms2 && r.hf_ms2) r.total_ms2 = *r.vlf_ms2 + *r.lf_ms2 + *r.hf_ms2;
  finish_bands(r, p);
  return r;
}

}  // namespace

namespace {

// The spline-resampled tachogram on the profile's grid, and the trend the profile removes from
// it (smoothness priors, or nothing: the mean is removed later in either case).
struct tachogram {
  double t0 = 0.0;
  std::vector<double> samples;  // resampled RR, ms
  std::vector<double> trend;    // same grid; empty when the profile does not detrend
};

tachogram make_tachogram(const rr_series& rr, const analysis_profile& p) {
  tachogram tg;
  if (rr.size() < 2) return tg;
  tg.t0 = rr.end_s.front();
  tg.samples.resize(grid_size(p, rr.end_s.back() - tg.t0));
  const interpolating_spline spline(rr.end_s, rr.rr_ms, p.spline_degree);
  spline.sample_uniform(tg.t0, p.resample_hz, tg.samples);
  if (p.detrend_lambda) {
    tg.trend = smoothness_priors_detrend(tg.samples, *p.detrend_lambda);
    for (std::size_t i = 0; i < tg.trend.size(); ++i) tg.trend[i] = tg.samples[i] - tg.trend[i];
  }
  return tg;
}

void remove_mean(std::vector<double>& v) {
  if (v.empty()) return;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  for (double& x : v) x -= mean;
}

// The uneven series with the same trend removed (linear interpolation of the trend between
// grid points), so that Welch and Lomb-Scargle see the same detrended signal.
std::vector<double> detrended_at_beats(const rr_series& rr, const tachogram& tg, double fs) {
  std::vector<double> y(rr.rr_ms);
  if (tg.trend.empty()) return y;
  const std::size_t last = tg.trend.size() - 1;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double pos = std::clamp((rr.end_s[i] - tg.t0) * fs, 0.0, static_cast<double>(last));
    const auto k = std::min(static_cast<std::size_t>(pos), last);
    const double frac = pos - static_cast<double>(k);
    const double trend =
        k < last ? tg.trend[k] + frac * (tg.trend[k + 1] - tg.trend[k]) : tg.trend[last];
    y[i] -= trend;
  }
  return y;
}

}  // namespace

std::vector<double> resampled_tachogram(const rr_series& rr, const analysis_profile& p) {
  tachogram tg = make_tachogram(rr, p);
  for (std::size_t i = 0; i < tg.trend.size(); ++i) tg.samples[i] -= tg.trend[i];
  remove_mean(tg.samples);
  return tg.samples;
}

welch_config welch_config_for(const analysis_profile& p, std::size_t n) {
  welch_config c;
  c.fs_hz = p.resample_hz;
  c.window = p.welch_window;
  if (p.welch_rule == welch_segment_rule::neurokit) {
    // Same floating-point steps as NeuroKit2's signal_psd, so the segment is the same integer.
    const double min_frequency = (2.0 * p.resample_hz) / (static_cast<double>(n) / 2.0);
    auto nperseg = static_cast<std::size_t>((2.0 / min_frequency) * p.resample_hz);
    if (static_cast<double>(nperseg) > static_cast<double>(n) / 2.0) nperseg = n / 2;
    c.segment = std::max<std::size_t>(nperseg, 1);
    c.overlap = c.segment / 2;
    c.nfft = 2 * c.segment;
    return c;
  }
  const auto wanted = static_cast<std::size_t>(std::lround(p.welch_segment_s * p.resample_hz));
  c.segment = std::max<std::size_t>(std::min(wanted, n), 1);
  c.overlap =
      static_cast<std::size_t>(std::floor(static_cast<double>(c.segment) * p.welch_overlap));
  if (c.overlap >= c.segment) c.overlap = c.segment - 1;
  const auto dense =
      static_cast<std::size_t>(std::ceil(p.resample_hz * p.welch_points_per_hz - 1e-9));
  c.nfft = std::max(c.segment, dense);
  return c;
}

prepared_series prepare_series(const rr_series& input, const analysis_profile& p) {
  prepared_series out;
  artefact_summary& a = out.artefacts;
  a.method = p.artefacts == artefact_method::kubios ? "kubios" : "none";
  if (p.artefacts == artefact_method::kubios) {
    range_gate_result gated = apply_range_gate(input, p.range_gate);
    a.range_gate_removed = gated.removed;
    artefact_correction corr = correct_artefacts(gated.kept, p.lipponen);
    a.found = corr.found;
    a.corrected_intervals = corr.corrected_intervals;
    out.corrected = std::move(corr.corrected);
    out.corrected_flags.reserve(corr.correction.size());
    for (artefact_kind k : corr.correction)
      out.corrected_flags.push_back(k == artefact_kind::none ? 0 : 1);
    if (gated.removed > 0) {
      out.warnings.push_back(std::to_string(gated.removed) + " interval(s) outside " +
                             std::to_string(static_cast<int>(p.range_gate.min_rr_ms)) + "-" +
                             std::to_string(static_cast<int>(p.range_gate.max_rr_ms)) +
                             " ms removed as non-physiological (kept as gaps)");
    }
  } else {
    out.corrected = input;
    out.corrected_flags.assign(out.corrected.size(), 0);
  }
  out.detrended = beats_detrended(out.corrected, p);
  out.beats = out.detrended ? detrended_beats(out.corrected, p) : out.corrected;
  return out;
}

// Kubios: with detrending on, the beat series loses the same trend (its mean kept) before
// the time-domain, geometric and nonlinear measures.
bool beats_detrended(const rr_series& rr, const analysis_profile& p) {
  return p.detrend_time_domain && p.detrend_lambda && rr.size() >= 3;
}

rr_series detrended_beats(const rr_series& rr, const analysis_profile& p) {
  rr_series out = rr;
  if (!beats_detrended(rr, p)) return out;
  const std::size_t n = rr.size();
  const tachogram tg = make_tachogram(rr, p);
  const std::vector<double> y = detrended_at_beats(rr, tg, p.resample_hz);
  const double mean =
      std::accumulate(rr.rr_ms.begin(), rr.rr_ms.end(), 0.0) / static_cast<double>(n);
  const double y_mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) out.rr_ms[i] = y[i] - y_mean + mean;
  return out;
}

long_term_result long_term_measures(const rr_series& rr, const analysis_profile& p) {
  long_term_result out;
  const double total = duration_s(rr);
  const double length = p.time.segment_s;
  if (rr.empty() || !(total >= p.time.long_term_min_s) || !(length > 0.0)) return out;
  const auto segments = static_cast<std::size_t>(std::floor(total / length));
  const double start = rr.end_s.front() - rr.rr_ms.front() / 1000.0;
  std::vector<std::vector<std::size_t>> members(segments);
  for (std::size_t i = 0; i < rr.size(); ++i) {
    // An interval belongs to the segment in which it starts (apps/segments cuts the same way).
    const double begins = rr.end_s[i] - rr.rr_ms[i] / 1000.0 - start;
    const auto k = static_cast<std::size_t>(std::floor(begins / length + 1e-12));
    if (k < segments) members[k].push_back(i);
  }
  time_domain_config short_term = p.time;
  short_term.long_term_min_s = std::numeric_limits<double>::infinity();
  std::vector<double> means;
  double sd_sum = 0.0;
  std::size_t sd_count = 0;
  for (const auto& m : members) {
    rr_series seg;
    for (std::size_t i : m) seg.push_back(rr.rr_ms[i], rr.end_s[i], rr.after_gap[i] != 0);
    // A segment counts only when intervals cover at least 80 % of it (dropouts).
    const double covered_ms = std::accumulate(seg.rr_ms.begin(), seg.rr_ms.end(), 0.0);
    if (covered_ms < 0.8 * length * 1000.0) continue;
    means.push_back(covered_ms / static_cast<double>(seg.size()));
    // The segment's SDNN as the analysis of that segment alone gives it.
    const time_domain_result t = time_domain(detrended_beats(seg, p), short_term);
    if (t.sdnn_ms) {
      sd_sum += *t.sdnn_ms;
      ++sd_count;
    }
  }
  if (means.size() >= 2) {
    double mean = 0.0;
    for (double v : means) mean += v;
    mean /= static_cast<double>(means.size());
    double ss = 0.0;
    for (double v : means) ss += (v - mean) * (v - mean);
    const double dof = static_cast<double>(means.size()) - static_cast<double>(p.time.sdnn_ddof);
    if (dof > 0.0) out.sdann_ms = std::sqrt(ss / dof);
  }
  if (sd_count > 0) out.sdnni_ms = sd_sum / static_cast<double>(sd_count);
  return out;
}

hrv_report analyze(const rr_series& input, const analysis_profile& p) {
  prepared_series prepared = prepare_series(input, p);
  hrv_report report;
  report.artefacts = prepared.artefacts;
  report.warnings = std::move(prepared.warnings);
  report.curves.corrected = std::move(prepared.corrected_flags);
  const rr_series& rr = prepared.corrected;
  const rr_series& beats = prepared.beats;

  const std::size_t n = rr.size();
  const auto gaps =
      static_cast<std::size_t>(std::count(rr.after_gap.begin(), rr.after_gap.end(), 1));
  report.n_beats = n == 0 ? 0 : n + gaps + 1;
  report.n_intervals = n;
  report.duration_s = duration_s(rr);
  if (n > 0) {
    report.artefacts.corrected_pct =
        100.0 * static_cast<double>(report.artefacts.corrected_intervals) / static_cast<double>(n);
  }
  if (n == 0) {
    report.warnings.emplace_back("no RR intervals left to analyse");
  } else if (n < 2) {
    report.warnings.emplace_back("fewer than 2 RR intervals: only the mean can be computed");
  }
  if (gaps > 0) {
    report.warnings.push_back(std::to_string(gaps) +
                              " gap(s) in the series: successive differences skip them");
  }

  // Long-term measures describe the NN intervals over hours: never of a series whose slow
  // variation the beat detrending removed. time_domain's own long-term block is skipped (it
  // would segment the detrended beats, only to be replaced).
  time_domain_config short_term = p.time;
  short_term.long_term_min_s = std::numeric_limits<double>::infinity();
  report.time = time_domain(beats, short_term);
  const long_term_result long_term = long_term_measures(rr, p);
  report.time.sdann_ms = long_term.sdann_ms;
  report.time.sdnni_ms = long_term.sdnni_ms;
  if (prepared.detrended && report.duration_s >= p.time.long_term_min_s) {
    report.warnings.emplace_back(
        "SDNN, heart rate range and the nonlinear measures are of the detrended beat series "
        "(the profile's detrend_time_domain, as Kubios does); SDANN and SDNN index are of the "
        "NN intervals, each 5-min segment detrended alone; --set detrend_time_domain=no gives "
        "the long-term SDNN");
  }
  if (auto g = geometric(beats.rr_ms, p.histogram_bin_ms)) {
    report.hti = g->hti;
    report.tinn_ms = g->tinn_ms;
    report.curves.triangle = g;
  }

  // The minimum lengths apply to the time actually covered by intervals, not to the span:
  // a 10-minute span with a 5-minute dropout holds 5 minutes of data.
  const double duration = std::accumulate(rr.rr_ms.begin(), rr.rr_ms.end(), 0.0) / 1000.0;
  const double gap_s = std::max(0.0, report.duration_s - duration);
  // Spline resampling across long gaps invents large swings; beyond 5 % of the span the
  // spectrum would describe the interpolation, not the heart.
  const bool spectra_allowed = gap_s <= 0.05 * report.duration_s;
  if (!spectra_allowed) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "gaps cover %.1f s (%.0f %% of the recording): no frequency-domain measures; "
                  "analyse the continuous stretches separately",
                  gap_s, 100.0 * gap_s / report.duration_s);
    report.warnings.emplace_back(text);
  } else if (gap_s > 1e-3) {  // not the rounding of a sum of intervals
    char text[120];
    std::snprintf(text, sizeof text, "the spectrum interpolates across %.1f s of gaps", gap_s);
    report.warnings.emplace_back(text);
  }
  if (duration < p.min_duration_hf_s) {
    report.warnings.emplace_back(
        "recording shorter than 1 min: no frequency-domain measures (Task Force 1996)");
  } else if (duration < p.min_duration_lf_s) {
    report.warnings.emplace_back(
        "recording shorter than 2 min: LF, LF/HF and normalised units not computed (Task Force "
        "1996)");
  }
  if (duration >= p.min_duration_hf_s && duration < p.min_duration_vlf_s) {
    report.warnings.emplace_back("recording shorter than 5 min: VLF and total power not computed");
  }

  if (n >= 3 && duration >= p.min_duration_hf_s && spectra_allowed) {
    tachogram tg = make_tachogram(rr, p);
    std::vector<double> z = tg.samples;
    for (std::size_t i = 0; i < tg.trend.size(); ++i) z[i] -= tg.trend[i];
    remove_mean(z);
    const welch_config wc = welch_config_for(p, z.size());
    spectrum s = welch_psd(z, wc);
    const double f_min = lowest_reported_hz(p, z.size());
    if (f_min > 0.0) {
      const auto first = std::lower_bound(s.freq_hz.begin(), s.freq_hz.end(), f_min);
      const auto drop = first - s.freq_hz.begin();
      s.freq_hz.erase(s.freq_hz.begin(), first);
      s.psd.erase(s.psd.begin(), s.psd.begin() + drop);
    }
    report.welch = bands_of(s, p, duration, "welch");
    report.curves.welch = s;
    if (p.ar_enabled) {
      report.ar = ar_bands(z, s, p, duration, &report.curves.ar);
      const bool lost = (report.welch.vlf_ms2 && !report.ar.vlf_ms2) ||
                        (report.welch.lf_ms2 && !report.ar.lf_ms2) ||
                        (report.welch.hf_ms2 && !report.ar.hf_ms2);
      if (lost) {
        report.warnings.emplace_back(
            "AR: a band's factorised power is negative (components with negative power); that "
            "band, the total and its ratios are null (--set ar_factorization=no integrates the "
            "AR spectrum instead)");
      }
    }

    const std::vector<double> y = detrended_at_beats(rr, tg, p.resample_hz);
    const spectrum ls =
        lomb_scargle_psd(rr.end_s, y, lomb_config{p.lomb_oversampling, p.lomb_max_hz});
    report.lomb = bands_of(ls, p, duration, "lomb");
    report.curves.lomb = ls;
  } else {
    report.welch.method = "welch";
    report.lomb.method = "lomb";
  }
  if (report.ar.method.empty()) report.ar.method = "ar";

  if (auto pc = poincare(beats, p.poincare_ddof)) {
    report.nonlinear.sd1_ms = pc->sd1_ms;
    report.nonlinear.sd2_ms = pc->sd2_ms;
    if (pc->sd2_ms > 1e-6) report.nonlinear.sd1_sd2 = pc->sd1_ms / pc->sd2_ms;
  }
  report.nonlinear.dfa_alpha1 = dfa_alpha(beats.rr_ms, p.dfa_alpha1_min, p.dfa_alpha1_max);
  report.nonlinear.dfa_alpha2 = dfa_alpha(beats.rr_ms, p.dfa_alpha2_min, p.dfa_alpha2_max);
  if (report.time.sdnn_ms && n > static_cast<std::size_t>(p.sampen_m) + 1) {
    // r from the SD with ddof 1, whatever the profile's SDNN convention.
    const double nn = static_cast<double>(n);
    const double sd_ddof1 =
        *report.time.sdnn_ms * std::sqrt((nn - static_cast<double>(p.time.sdnn_ddof)) / (nn - 1.0));
    const double r = p.sampen_r_sd * sd_ddof1;
    report.nonlinear.sampen = p.sampen_normalisation == sampen_rule::kubios
                                  ? sample_entropy_kubios(beats.rr_ms, p.sampen_m, r)
                                  : sample_entropy(beats.rr_ms, p.sampen_m, r);
    report.nonlinear.apen = approximate_entropy(beats.rr_ms, p.sampen_m, r);
  }
  const auto& t = report.time;
  report.indices.stress_index = kubios_stress_index(beats.rr_ms, p.indices.stress_bin_ms);
  if (t.mean_nn_ms && t.rmssd_ms && report.nonlinear.sd1_ms && report.nonlinear.sd2_ms &&
      report.indices.stress_index) {
    const kubios_index_inputs in{*t.mean_nn_ms,
                                 *t.rmssd_ms,
                                 *report.nonlinear.sd1_ms,
                                 *report.nonlinear.sd2_ms,
                                 60000.0 / *t.mean_nn_ms,
                                 *report.indices.stress_index};
    if (p.indices.norms_given) {
      report.indices.pns_index = kubios_pns_index(in, p.indices);
      report.indices.sns_index = kubios_sns_index(in, p.indices);
    } else {
      report.warnings.emplace_back(
          "PNS and SNS index not reported: they rest on Kubios' population norms, which are not "
          "published (give your own with --set norm_mean_rr_ms=MEAN,SD and the other norm_*)");
    }
  }
  if (!report.nonlinear.dfa_alpha2 && n > 0) {
    report.warnings.emplace_back("too few beats for DFA alpha2");
  }
  if (prepared.detrended) report.curves.detrended_rr_ms = std::move(prepared.beats.rr_ms);
  report.curves.analysed = std::move(prepared.corrected);
  return report;
}

}  // namespace resonant::dsp
