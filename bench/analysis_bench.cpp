// Batch HRV analysis of the 24-hour nsr2db nsr001 RR recording (106 459 intervals), whole and
// by stage. Results and the command that produced them: bench/README.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include "drivers/rr_recording.hpp"
#include "dsp/ar_spectrum.hpp"
#include "dsp/artefacts.hpp"
#include "dsp/bspline_interpolation.hpp"
#include "dsp/hrv_analysis.hpp"
#include "dsp/lomb_scargle.hpp"
#include "dsp/nonlinear.hpp"
#include "dsp/smoothness_priors.hpp"
#include "dsp/time_domain.hpp"
#include "dsp/welch.hpp"

namespace {

using namespace resonant;

const std::string nsr001 = std::string(RESONANT_DATA_DIR) + "/recordings/nsr2db_nsr001_rr_secs.txt";

const drivers::rr_recording& recording() {
  static const drivers::rr_recording rec = [] {
    drivers::rr_file_options o;
    o.first_is_offset = true;
    return drivers::read_rr_file(nsr001, o);
  }();
  return rec;
}

void set_beats(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(recording().rr.size()));
}

void read_file(benchmark::State& state) {
  drivers::rr_file_options o;
  o.first_is_offset = true;
  for (auto _ : state) benchmark::DoNotOptimize(drivers::read_rr_file(nsr001, o));
  set_beats(state);
}
BENCHMARK(read_file)->Unit(benchmark::kMillisecond);

void full_analysis(benchmark::State& state, const dsp::analysis_profile& profile) {
  const auto& rr = recording().rr;
  for (auto _ : state) benchmark::DoNotOptimize(dsp::analyze(rr, profile));
  set_beats(state);
}
BENCHMARK_CAPTURE(full_analysis, kubios, dsp::analysis_profile::kubios())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(full_analysis, neurokit, dsp::analysis_profile::neurokit())
    ->Unit(benchmark::kMillisecond);

// The kubios profile as a Kubios 3.1 report sets it (no detrending, 300 s window, 1-beat
// min / max HR, NNxx 20 ms, DFA 4-12 / 13-64) and without artefact correction: every metric,
// FFT and AR (Burg, order 16, factorised) spectra, ApEn and SampEn (issue 14).
dsp::analysis_profile kubios_report_settings() {
  dsp::analysis_profile p = dsp::analysis_profile::kubios();
  p.artefacts = dsp::artefact_method::none;
  p.detrend_lambda.reset();
  p.welch_segment_s = 300.0;
  p.time.hr_average_beats = 1;
  p.time.nnxx_ms = 20.0;
  p.dfa_alpha1_max = 12;
  p.dfa_alpha2_min = 13;
  return p;
}
BENCHMARK_CAPTURE(full_analysis, kubios_report_settings, kubios_report_settings())
    ->Unit(benchmark::kMillisecond);

// Burg AR(16) fit and factorisation on the 4-Hz tachogram (324 000 samples).
void ar_burg_16(benchmark::State& state) {
  const auto z = dsp::resampled_tachogram(recording().rr, kubios_report_settings());
  for (auto _ : state) {
    const dsp::ar_model m = dsp::burg(z, 16);
    benchmark::DoNotOptimize(dsp::ar_components(m, 4.0));
  }
  set_beats(state);
}
BENCHMARK(ar_burg_16)->Unit(benchmark::kMillisecond);

// Approximate entropy, m = 2, r = 0.2 SD, on the 106 459 intervals.
void approximate_entropy(benchmark::State& state) {
  const auto& rr = recording().rr;
  const auto td = dsp::time_domain(rr, {});
  for (auto _ : state) {
    benchmark::DoNotOptimize(dsp::approximate_entropy(rr.rr_ms, 2, 0.2 * *td.sdnn_ms));
  }
  set_beats(state);
}
BENCHMARK(approximate_entropy)->Unit(benchmark::kMillisecond);

void artefact_correction(benchmark::State& state) {
  const auto& rr = recording().rr;
  for (auto _ : state) benchmark::DoNotOptimize(dsp::correct_artefacts(rr, {}));
  set_beats(state);
}
BENCHMARK(artefact_correction)->Unit(benchmark::kMillisecond);

void time_domain(benchmark::State& state) {
  const auto& rr = recording().rr;
  for (auto _ : state) benchmark::DoNotOptimize(dsp::time_domain(rr, {}));
  set_beats(state);
}
BENCHMARK(time_domain)->Unit(benchmark::kMillisecond);

void spline_4hz(benchmark::State& state) {
  const auto& rr = recording().rr;
  std::vector<double> out(static_cast<std::size_t>((rr.end_s.back() - rr.end_s.front()) * 4.0));
  for (auto _ : state) {
    const dsp::interpolating_spline s(rr.end_s, rr.rr_ms, 3);
    s.sample_uniform(rr.end_s.front(), 4.0, out);
    benchmark::DoNotOptimize(out.data());
  }
  set_beats(state);
}
BENCHMARK(spline_4hz)->Unit(benchmark::kMillisecond);

void smoothness_priors(benchmark::State& state) {
  const auto z = dsp::resampled_tachogram(recording().rr, [] {
    auto p = dsp::analysis_profile::kubios();
    p.detrend_lambda = std::nullopt;
    return p;
  }());
  for (auto _ : state) benchmark::DoNotOptimize(dsp::smoothness_priors_detrend(z, 500.0));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * z.size()));
}
BENCHMARK(smoothness_priors)->Unit(benchmark::kMillisecond);

void welch(benchmark::State& state) {
  const auto p = dsp::analysis_profile::kubios();
  const auto z = dsp::resampled_tachogram(recording().rr, p);
  const auto cfg = dsp::welch_config_for(p, z.size());
  for (auto _ : state) benchmark::DoNotOptimize(dsp::welch_psd(z, cfg));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * z.size()));
}
BENCHMARK(welch)->Unit(benchmark::kMillisecond);

void lomb_scargle(benchmark::State& state) {
  const auto& rr = recording().rr;
  for (auto _ : state) benchmark::DoNotOptimize(dsp::lomb_scargle_psd(rr.end_s, rr.rr_ms, {}));
  set_beats(state);
}
BENCHMARK(lomb_scargle)->Unit(benchmark::kMillisecond);

void dfa(benchmark::State& state) {
  const auto& rr = recording().rr;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dsp::dfa_alpha(rr.rr_ms, 4, 16));
    benchmark::DoNotOptimize(dsp::dfa_alpha(rr.rr_ms, 16, 64));
  }
  set_beats(state);
}
BENCHMARK(dfa)->Unit(benchmark::kMillisecond);

void sample_entropy(benchmark::State& state) {
  const auto& rr = recording().rr;
  const double r = 0.2 * *dsp::time_domain(rr, {}).sdnn_ms;
  for (auto _ : state) benchmark::DoNotOptimize(dsp::sample_entropy(rr.rr_ms, 2, r));
  set_beats(state);
}
BENCHMARK(sample_entropy)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
